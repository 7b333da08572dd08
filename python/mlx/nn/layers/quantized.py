"""Quantized layers: QuantizedLinear, QuantizedEmbedding, QQLinear, and
nn.quantize, which swaps a model's layers for their quantized versions."""

import math
from typing import Callable, Optional, Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.utils import tree_map_with_path

# Default (group_size, bits) of each quantization mode.
_MODE_DEFAULTS = {"affine": (64, 4), "mxfp4": (32, 4), "nvfp4": (16, 4), "mxfp8": (32, 8)}


def _defaults_for_mode(mode, group_size, bits):
    gs, b = _MODE_DEFAULTS.get(mode, (None, None))
    return group_size or gs, bits or b


def _quantize_into(layer, weight):
    # weight, scales (and biases in affine mode) of `layer` from a float weight
    parts = mx.quantize(weight, layer.group_size, layer.bits, mode=layer.mode)
    layer.weight = parts[0]
    layer.scales = parts[1]
    layer.biases = parts[2] if len(parts) > 2 else None


def _times_weight_t(layer, x):
    # x @ weight.T with the packed weight of `layer`
    return mx.quantized_matmul(
        x,
        layer["weight"],
        scales=layer["scales"],
        biases=layer.get("biases"),
        transpose=True,
        group_size=layer.group_size,
        bits=layer.bits,
        mode=layer.mode,
    )


_PACKED = ["weight", "scales", "biases"]


def quantize(
    model: Module,
    group_size: int = None,
    bits: int = None,
    *,
    mode: str = "affine",
    quantize_input: bool = False,
    class_predicate: Optional[Callable[[str, Module], Union[bool, dict]]] = None,
):
    """Replace, in place, the leaf modules of ``model`` that
    ``class_predicate(path, module)`` selects (by default those with a
    ``to_quantized`` method) by their quantized versions. The predicate may
    return a dict of ``to_quantized`` arguments for that module instead of
    ``True``."""
    predicate = class_predicate or (lambda _, m: hasattr(m, "to_quantized"))

    def maybe_quantize(path, m):
        choice = predicate(path, m)
        if not choice:
            return m
        if not hasattr(m, "to_quantized"):
            raise ValueError(f"Unable to quantize model of type {type(m)}")
        if isinstance(choice, dict):
            return m.to_quantized(**choice)
        return m.to_quantized(group_size=group_size, bits=bits, mode=mode, quantize_input=quantize_input)

    leaves = tree_map_with_path(maybe_quantize, model.leaf_modules(), is_leaf=Module.is_module)
    model.update_modules(leaves)


class QuantizedEmbedding(Module):
    """An :class:`Embedding` whose table is quantized (``weight``, ``scales``
    and, in affine mode, ``biases``); rows are dequantized when looked up.
    The quantized parameters are frozen."""

    def __init__(
        self, num_embeddings: int, dims: int, group_size: int = None, bits: int = None, mode: str = "affine"
    ):
        super().__init__()
        self.group_size, self.bits = _defaults_for_mode(mode, group_size, bits)
        self.mode = mode
        self.num_embeddings = num_embeddings
        self.dims = dims
        scale = math.sqrt(1 / dims)
        _quantize_into(self, mx.random.normal(shape=(num_embeddings, dims), scale=scale))
        self.freeze()

    def __call__(self, x):
        shape = x.shape
        x = x.flatten()
        biases = self.get("biases")
        out = mx.dequantize(
            self["weight"][x],
            scales=self["scales"][x],
            biases=None if biases is None else biases[x],
            group_size=self.group_size,
            bits=self.bits,
            mode=self.mode,
        )
        return out.reshape(*shape, -1)

    def as_linear(self, x):
        """Scores of ``x`` against every embedding (``x @ weight.T`` with the
        quantized table)."""
        return _times_weight_t(self, x)

    def _extra_repr(self):
        return f"{self.num_embeddings}, {self.dims}, group_size={self.group_size}, bits={self.bits}, mode={self.mode}"

    @classmethod
    def from_embedding(
        cls, embedding_layer: Module, group_size: int = None, bits: int = None, mode: str = "affine"
    ):
        """The quantized version of an :class:`Embedding`."""
        rows, dims = embedding_layer.weight.shape
        out = cls(rows, dims, group_size, bits, mode)
        _quantize_into(out, embedding_layer.weight)
        return out


class QuantizedLinear(Module):
    """A :class:`Linear` whose weight is quantized (``weight``, ``scales``
    and, in affine mode, ``biases``, all frozen); the product is
    :func:`mlx.core.quantized_matmul`. ``bias`` stays trainable."""

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        super().__init__()
        self.group_size, self.bits = _defaults_for_mode(mode, group_size, bits)
        self.mode = mode
        bound = math.sqrt(1 / input_dims)
        _quantize_into(self, mx.random.uniform(low=-bound, high=bound, shape=(output_dims, input_dims)))
        if bias:
            self.bias = mx.zeros((output_dims,))
        self.freeze(recurse=False, keys=[k for k in _PACKED if k in self])

    def _extra_repr(self):
        out_dims, in_dims = self.weight.shape
        in_dims = in_dims * 32 // self.bits
        return (
            f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}, "
            f"group_size={self.group_size}, bits={self.bits}, mode={self.mode}"
        )

    def __call__(self, x):
        y = _times_weight_t(self, x)
        if "bias" in self:
            y = y + self["bias"]
        return y

    @classmethod
    def from_linear(
        cls, linear_layer: Module, group_size: int = None, bits: int = None, mode: str = "affine"
    ):
        """The quantized version of a :class:`Linear`."""
        out_dims, in_dims = linear_layer.weight.shape
        out = cls(in_dims, out_dims, False, group_size, bits, mode)
        _quantize_into(out, linear_layer.weight)
        if "bias" in linear_layer:
            out.bias = linear_layer.bias
        return out


class QQLinear(Module):
    """A linear layer (no bias) whose input and weight are both quantized
    (modes ``nvfp4`` and ``mxfp8``, product :func:`mlx.core.qqmm`). In
    training mode it keeps the float weight; in evaluation mode the weight
    is stored quantized (``weight`` and ``scales``)."""

    def __init__(
        self, input_dims: int, output_dims: int, group_size: int = None, bits: int = None, mode="nvfp4"
    ):
        super().__init__()
        self.group_size, self.bits = _defaults_for_mode(mode, group_size, bits)
        self.mode = mode
        bound = math.sqrt(1 / input_dims)
        self.weight = mx.random.uniform(low=-bound, high=bound, shape=(output_dims, input_dims))
        self._quantized = False

    def _extra_repr(self):
        out_dims, in_dims = self.weight.shape
        if self._quantized:
            in_dims = in_dims * 32 // self.bits
        return (
            f"input_dims={in_dims}, output_dims={out_dims}, group_size={self.group_size}, "
            f"bits={self.bits}, mode={self.mode}"
        )

    def quantize(self):
        """Store the weight quantized (``weight`` and ``scales``)."""
        if not self._quantized:
            self.weight, self.scales = mx.quantize(self["weight"], self.group_size, self.bits, mode=self.mode)
            self._quantized = True

    def dequantize(self):
        """Store the weight in floating point again (bfloat16)."""
        if self._quantized:
            self.weight = mx.dequantize(
                self["weight"], self["scales"], group_size=self.group_size, bits=self.bits, mode=self.mode
            )
            del self["scales"]
            self._quantized = False

    def _set_training(self, mode: bool):
        super()._set_training(mode)
        if mode:
            self.dequantize()
        else:
            self.quantize()

    def __call__(self, x):
        return mx.qqmm(
            x,
            self["weight"],
            scales=self.get("scales"),
            group_size=self.group_size,
            bits=self.bits,
            mode=self.mode,
        )

    @classmethod
    def from_linear(cls, linear_layer: Module, group_size: int = None, bits: int = None, mode: str = "nvfp4"):
        """A QQLinear with the weight of a :class:`Linear` (without bias)."""
        if "bias" in linear_layer:
            raise NotImplementedError("QQLinear does not support bias yet.")
        out_dims, in_dims = linear_layer.weight.shape
        out = cls(in_dims, out_dims, group_size, bits, mode)
        out.weight = linear_layer.weight
        out._set_training(linear_layer.training)
        return out
