"""Convolution layers over channels-last inputs ``(N, *spatial, C)``.

They call ``mlx.core.conv1d`` / ``conv2d`` / ``conv3d`` (or the stand-ins in
_conv.py while mlx.core lacks them)."""

import math
from typing import Union

import mlx.core as mx
from mlx.nn.layers._conv import conv_op
from mlx.nn.layers.base import Module


def _tuple(x, n):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n


_conv_op = conv_op

def _check_groups(in_channels, out_channels, groups):
    if in_channels % groups != 0:
        raise ValueError(
            f"The number of input channels ({in_channels}) must be "
            f"divisible by the number of groups ({groups})"
        )


class Conv1d(Module):
    r"""1D convolution over ``(N, L, C_in)``; ``weight`` has shape
    ``(C_out, K, C_in / groups)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, groups: int = 1, bias: bool = True):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        scale = math.sqrt(1 / (in_channels // groups * kernel_size))
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(out_channels, kernel_size, in_channels // groups)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.groups = groups

    def _extra_repr(self):
        return (
            f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, "
            f"kernel_size={self.weight.shape[1]}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"groups={self.groups}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = _conv_op("conv1d")(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        if "bias" in self:
            y = y + self.bias
        return y


class Conv2d(Module):
    r"""2D convolution over ``(N, H, W, C_in)``; ``weight`` has shape
    ``(C_out, KH, KW, C_in / groups)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, groups: int = 1, bias: bool = True):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        kernel_size, stride, padding = (_tuple(v, 2) for v in (kernel_size, stride, padding))
        scale = math.sqrt(1 / (in_channels // groups * kernel_size[0] * kernel_size[1]))
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(out_channels, *kernel_size, in_channels // groups)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = padding
        self.stride = stride
        self.dilation = dilation
        self.groups = groups

    def _extra_repr(self):
        return (
            f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, "
            f"kernel_size={self.weight.shape[1:3]}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"groups={self.groups}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = _conv_op("conv2d")(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        if "bias" in self:
            y = y + self.bias
        return y


class Conv3d(Module):
    r"""3D convolution over ``(N, D, H, W, C_in)``; ``weight`` has shape
    ``(C_out, KD, KH, KW, C_in)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0,
                 dilation: Union[int, tuple] = 1, bias: bool = True):
        super().__init__()
        kernel_size, stride, padding = (_tuple(v, 3) for v in (kernel_size, stride, padding))
        scale = math.sqrt(1 / (in_channels * kernel_size[0] * kernel_size[1] * kernel_size[2]))
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(out_channels, *kernel_size, in_channels)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = padding
        self.stride = stride
        self.dilation = dilation

    def _extra_repr(self):
        return (
            f"{self.weight.shape[-1]}, {self.weight.shape[0]}, "
            f"kernel_size={self.weight.shape[1:4]}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = _conv_op("conv3d")(x, self.weight, self.stride, self.padding, self.dilation)
        if "bias" in self:
            y = y + self.bias
        return y
