"""Transposed convolution layers over channels-last inputs.

They call ``mlx.core.conv_transpose1d`` / ``2d`` / ``3d``."""

import math
from typing import Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.convolution import _conv_op, _tuple


class ConvTranspose1d(Module):
    r"""1D transposed convolution over ``(N, L, C_in)``; ``weight`` has shape
    ``(C_out, K, C_in)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, output_padding: int = 0, bias: bool = True):
        super().__init__()
        scale = math.sqrt(1 / (in_channels * kernel_size))
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(out_channels, kernel_size, in_channels)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.output_padding = output_padding

    def _extra_repr(self):
        return (
            f"{self.weight.shape[-1]}, {self.weight.shape[0]}, "
            f"kernel_size={self.weight.shape[1]}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"output_padding={self.output_padding}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = _conv_op("conv_transpose1d")(
            x, self.weight, self.stride, self.padding, self.dilation, self.output_padding
        )
        if "bias" in self:
            y = y + self.bias
        return y


class ConvTranspose2d(Module):
    r"""2D transposed convolution over ``(N, H, W, C_in)``; ``weight`` has
    shape ``(C_out, KH, KW, C_in)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, output_padding: Union[int, tuple] = 0,
                 bias: bool = True):
        super().__init__()
        kernel_size, stride, padding, output_padding = (
            _tuple(v, 2) for v in (kernel_size, stride, padding, output_padding)
        )
        scale = math.sqrt(1 / (in_channels * kernel_size[0] * kernel_size[1]))
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(out_channels, *kernel_size, in_channels)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = padding
        self.stride = stride
        self.dilation = dilation
        self.output_padding = output_padding

    def _extra_repr(self):
        return (
            f"{self.weight.shape[-1]}, {self.weight.shape[0]}, "
            f"kernel_size={self.weight.shape[1:3]}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"output_padding={self.output_padding}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = _conv_op("conv_transpose2d")(
            x, self.weight, self.stride, self.padding, self.dilation, self.output_padding
        )
        if "bias" in self:
            y = y + self.bias
        return y


class ConvTranspose3d(Module):
    r"""3D transposed convolution over ``(N, D, H, W, C_in)``; ``weight`` has
    shape ``(C_out, KD, KH, KW, C_in)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, output_padding: Union[int, tuple] = 0,
                 bias: bool = True):
        super().__init__()
        kernel_size, stride, padding, output_padding = (
            _tuple(v, 3) for v in (kernel_size, stride, padding, output_padding)
        )
        scale = math.sqrt(1 / (in_channels * kernel_size[0] * kernel_size[1] * kernel_size[2]))
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(out_channels, *kernel_size, in_channels)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = padding
        self.stride = stride
        self.dilation = dilation
        self.output_padding = output_padding

    def _extra_repr(self):
        return (
            f"{self.weight.shape[-1]}, {self.weight.shape[0]}, "
            f"kernel_size={self.weight.shape[1:4]}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"output_padding={self.output_padding}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = _conv_op("conv_transpose3d")(
            x, self.weight, self.stride, self.padding, self.dilation, self.output_padding
        )
        if "bias" in self:
            y = y + self.bias
        return y
