"""Embedding: a lookup table of vectors indexed by integers."""

import math

import mlx.core as mx
from mlx.nn.layers.base import Module


class Embedding(Module):
    r"""``num_embeddings`` vectors of size ``dims`` (``weight``, initialized
    from :math:`N(0, 1/dims)`); calling it with integer indices gathers
    rows."""

    def __init__(self, num_embeddings: int, dims: int):
        super().__init__()
        self.weight = mx.random.normal(shape=(num_embeddings, dims), scale=math.sqrt(1 / dims))

    def _extra_repr(self):
        rows, dims = self.weight.shape
        return f"{rows}, {dims}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """Scores of ``x`` against every embedding, ``x @ weight.T`` (an
        output layer tied to the input embedding)."""
        return x @ self.weight.T

    def to_quantized(
        self, group_size: int = None, bits: int = None, mode: str = "affine", quantize_input=False
    ):
        """This layer quantized: a :class:`QuantizedEmbedding`."""
        from mlx.nn.layers.quantized import QuantizedEmbedding

        if quantize_input:
            raise ValueError("Quantized input is not supported.")
        return QuantizedEmbedding.from_embedding(self, group_size, bits, mode)
