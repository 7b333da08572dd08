"""Identity, Linear and Bilinear layers."""

import math
from typing import Any

import mlx.core as mx
from mlx.nn.layers.base import Module


def _uniform_init(fan_in, *shape):
    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from the global random state
    bound = math.sqrt(1.0 / fan_in)
    return mx.random.uniform(low=-bound, high=bound, shape=shape)


class Identity(Module):
    r"""Returns its input; any constructor arguments are ignored (handy as
    a drop-in replacement for another layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __call__(self, x: mx.array) -> mx.array:
        return x


class Linear(Module):
    r"""Affine map :math:`y = x W^\top + b` with ``weight`` of shape
    ``(output_dims, input_dims)`` and ``bias`` of shape ``(output_dims,)``,
    both initialized uniformly in :math:`\pm 1/\sqrt{input\_dims}`."""

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = _uniform_init(input_dims, output_dims, input_dims)
        if bias:
            self.bias = _uniform_init(input_dims, output_dims)

    def _extra_repr(self) -> str:
        out_dims, in_dims = self.weight.shape
        return f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        w_t = self["weight"].T
        return mx.addmm(self["bias"], x, w_t) if "bias" in self else x @ w_t

    def to_quantized(
        self, group_size: int = None, bits: int = None, mode: str = "affine", quantize_input=False
    ):
        """This layer quantized: a :class:`QuantizedLinear`, or with
        ``quantize_input`` (modes nvfp4 and mxfp8) a :class:`QQLinear`."""
        from mlx.nn.layers.quantized import QQLinear, QuantizedLinear

        if quantize_input:
            if mode not in ("nvfp4", "mxfp8"):
                raise ValueError(
                    f"Quantized activations are only supported for 'nvfp4' and 'mxfp8' modes, got {mode}."
                )
            return QQLinear.from_linear(self, group_size, bits, mode)
        return QuantizedLinear.from_linear(self, group_size, bits, mode)


class Bilinear(Module):
    r"""Bilinear map :math:`y_k = x_1^\top W_k x_2 + b_k` with ``weight`` of
    shape ``(output_dims, input2_dims, input1_dims)``, initialized uniformly
    in :math:`\pm 1/\sqrt{input1\_dims}` like ``bias``."""

    def __init__(self, input1_dims: int, input2_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = _uniform_init(input1_dims, output_dims, input2_dims, input1_dims)
        if bias:
            self.bias = _uniform_init(input1_dims, output_dims)

    def _extra_repr(self) -> str:
        out_dims, in2, in1 = self.weight.shape
        return f"input1_dims={in1}, input2_dims={in2}, output_dims={out_dims}, bias={'bias' in self}"

    def __call__(self, x1: mx.array, x2: mx.array) -> mx.array:
        out_dims, in2, in1 = self.weight.shape
        batch_shape = x1.shape[:-1]
        # contract x1 with every W_k at once: (N, out * in2), then with x2
        x1_w = x1.reshape(-1, in1) @ self.weight.reshape(out_dims * in2, in1).T
        x1_w = x1_w.reshape(-1, out_dims, in2).swapaxes(-2, -1)  # (N, in2, out)
        y = (x2.reshape(-1, 1, in2) @ x1_w).squeeze(1)
        if "bias" in self:
            y = y + self.bias
        return y.reshape(*batch_shape, out_dims)
