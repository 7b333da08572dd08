"""Linear, Bilinear and Identity layers."""

import math
from typing import Any

import mlx.core as mx
from mlx.nn.layers._ops import addmm
from mlx.nn.layers.base import Module


class Identity(Module):
    r"""A placeholder that returns its input unchanged (arguments are
    accepted and ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __call__(self, x: mx.array) -> mx.array:
        return x


class Linear(Module):
    r"""Affine map :math:`y = x W^\top + b`.

    ``weight`` has shape ``(output_dims, input_dims)`` and ``bias``
    ``(output_dims,)``; both start uniform in :math:`\pm 1/\sqrt{D_{in}}`.
    """

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(output_dims, input_dims)
        )
        if bias:
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))

    def _extra_repr(self) -> str:
        return (
            f"input_dims={self.weight.shape[1]}, output_dims={self.weight.shape[0]}, "
            f"bias={'bias' in self}"
        )

    def __call__(self, x: mx.array) -> mx.array:
        if "bias" in self:
            return addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T

    def to_quantized(self, group_size=None, bits=None, mode="affine", quantize_input=False):
        raise NotImplementedError(
            "Linear.to_quantized needs quantized layers (mlx.core.quantize), "
            "which this build does not provide yet."
        )


class Bilinear(Module):
    r"""Bilinear map :math:`y_i = x_1^\top W_i x_2 + b_i`.

    ``weight`` has shape ``(output_dims, input2_dims, input1_dims)``.
    """

    def __init__(
        self, input1_dims: int, input2_dims: int, output_dims: int, bias: bool = True
    ) -> None:
        super().__init__()
        scale = math.sqrt(1.0 / input1_dims)
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(output_dims, input2_dims, input1_dims)
        )
        if bias:
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))

    def _extra_repr(self) -> str:
        out, in2, in1 = self.weight.shape
        return (
            f"input1_dims={in1}, input2_dims={in2}, output_dims={out}, "
            f"bias={'bias' in self}"
        )

    def __call__(self, x1: mx.array, x2: mx.array) -> mx.array:
        out, in2, in1 = self.weight.shape
        lead = x1.shape[:-1]
        x1 = x1.reshape(-1, in1)
        x2 = x2.reshape(-1, 1, in2)
        y = x1 @ self.weight.reshape(out * in2, in1).T  # (N, out*in2)
        y = y.reshape(-1, out, in2).swapaxes(-2, -1)  # (N, in2, out)
        y = (x2 @ y).squeeze(1)  # (N, out)
        y = y.reshape(*lead, out)
        if "bias" in self:
            y = y + self.bias
        return y
