"""Transposed convolution layers over channels-last inputs (the gradient
of a convolution with respect to its input). Weights are
``(C_out, *kernel, C_in)``.

They call ``mlx.core.conv_transpose1d`` / ``2d`` / ``3d``."""

from typing import Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.convolution import _add_bias, _conv_weight_and_bias, _describe, _tuple

_SETTINGS = ("stride", "padding", "dilation", "output_padding")


class _ConvTranspose(Module):
    _op = None  # name of the mlx.core function

    def _setup(
        self, n, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias
    ):
        if n > 1:
            kernel_size, stride, padding, output_padding = (
                _tuple(v, n) for v in (kernel_size, stride, padding, output_padding)
            )
        else:
            kernel_size = (kernel_size,)
        _conv_weight_and_bias(self, in_channels, out_channels, kernel_size, 1, bias)
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.output_padding = output_padding

    def _extra_repr(self):
        n = self.weight.ndim - 2
        kernel = self.weight.shape[1] if n == 1 else self.weight.shape[1 : 1 + n]
        return _describe(self, kernel, _SETTINGS)

    def __call__(self, x):
        y = getattr(mx, self._op)(
            x, self.weight, self.stride, self.padding, self.dilation, self.output_padding
        )
        return _add_bias(self, y)


class ConvTranspose1d(_ConvTranspose):
    r"""1D transposed convolution of ``(N, L, C_in)`` inputs."""

    _op = "conv_transpose1d"
    __call__ = _ConvTranspose.__call__  # an own member, as in MLX's class

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        output_padding: int = 0,
        bias: bool = True,
    ):
        super().__init__()
        self._setup(
            1, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias
        )


class ConvTranspose2d(_ConvTranspose):
    r"""2D transposed convolution of ``(N, H, W, C_in)`` inputs."""

    _op = "conv_transpose2d"
    __call__ = _ConvTranspose.__call__  # an own member, as in MLX's class

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        output_padding: Union[int, tuple] = 0,
        bias: bool = True,
    ):
        super().__init__()
        self._setup(
            2, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias
        )


class ConvTranspose3d(_ConvTranspose):
    r"""3D transposed convolution of ``(N, D, H, W, C_in)`` inputs."""

    _op = "conv_transpose3d"
    __call__ = _ConvTranspose.__call__  # an own member, as in MLX's class

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        output_padding: Union[int, tuple] = 0,
        bias: bool = True,
    ):
        super().__init__()
        self._setup(
            3, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias
        )
