"""Embedding lookup table."""

import math

import mlx.core as mx
from mlx.nn.layers.base import Module


class Embedding(Module):
    r"""A table of ``num_embeddings`` vectors of size ``dims``, indexed by
    integer inputs. ``weight`` starts normal with std :math:`1/\sqrt{dims}`."""

    def __init__(self, num_embeddings: int, dims: int):
        super().__init__()
        scale = math.sqrt(1 / dims)
        self.weight = mx.random.normal(shape=(num_embeddings, dims), scale=scale)

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """Use the table as a linear layer (tied output projection):
        ``x @ weight.T``."""
        return x @ self.weight.T

    def to_quantized(self, group_size=None, bits=None, mode="affine", quantize_input=False):
        raise NotImplementedError(
            "Embedding.to_quantized needs quantized layers (mlx.core.quantize), "
            "which this build does not provide yet."
        )
