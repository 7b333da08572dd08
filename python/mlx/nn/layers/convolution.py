"""Convolution layers over channels-last inputs ``(N, *spatial, C_in)``,
with weights ``(C_out, *kernel, C_in / groups)``.

They call ``mlx.core.conv1d`` / ``conv2d`` / ``conv3d``."""

import math
from typing import Union

import mlx.core as mx
from mlx.nn.layers.base import Module


def _tuple(x, n):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n


def _conv_weight_and_bias(layer, in_channels, out_channels, kernel, groups, bias):
    """Weight uniform in +-1/sqrt(fan_in) (fan_in = C_in / groups * kernel
    volume), zero bias."""
    fan_in = in_channels // groups * math.prod(kernel)
    bound = math.sqrt(1 / fan_in)
    shape = (out_channels, *kernel, in_channels // groups)
    layer.weight = mx.random.uniform(low=-bound, high=bound, shape=shape)
    if bias:
        layer.bias = mx.zeros((out_channels,))


def _check_groups(in_channels, groups):
    if in_channels % groups != 0:
        raise ValueError(
            f"The number of input channels ({in_channels}) must be "
            f"divisible by the number of groups ({groups})"
        )


def _add_bias(layer, y):
    return y + layer.bias if "bias" in layer else y


def _describe(layer, kernel, extras):
    # "C_in, C_out, kernel_size=..., stride=..., ..." as MLX prints it
    c_in = layer.weight.shape[-1] * getattr(layer, "groups", 1)
    parts = [f"{c_in}", f"{layer.weight.shape[0]}", f"kernel_size={kernel}"]
    parts += [f"{name}={getattr(layer, name)}" for name in extras]
    return ", ".join(parts + [f"bias={'bias' in layer}"])


class Conv1d(Module):
    r"""1D convolution of ``(N, L, C_in)`` inputs."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__()
        _check_groups(in_channels, groups)
        _conv_weight_and_bias(self, in_channels, out_channels, (kernel_size,), groups, bias)
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.groups = groups

    def _extra_repr(self):
        return _describe(self, self.weight.shape[1], ("stride", "padding", "dilation", "groups"))

    def __call__(self, x):
        y = mx.conv1d(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        return _add_bias(self, y)


class Conv2d(Module):
    r"""2D convolution of ``(N, H, W, C_in)`` inputs."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__()
        _check_groups(in_channels, groups)
        kernel_size, stride, padding = (_tuple(v, 2) for v in (kernel_size, stride, padding))
        _conv_weight_and_bias(self, in_channels, out_channels, kernel_size, groups, bias)
        self.padding = padding
        self.stride = stride
        self.dilation = dilation
        self.groups = groups

    def _extra_repr(self):
        return _describe(self, self.weight.shape[1:3], ("stride", "padding", "dilation", "groups"))

    def __call__(self, x):
        y = mx.conv2d(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        return _add_bias(self, y)


class Conv3d(Module):
    r"""3D convolution of ``(N, D, H, W, C_in)`` inputs (no groups)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        bias: bool = True,
    ):
        super().__init__()
        kernel_size, stride, padding = (_tuple(v, 3) for v in (kernel_size, stride, padding))
        _conv_weight_and_bias(self, in_channels, out_channels, kernel_size, 1, bias)
        self.padding = padding
        self.stride = stride
        self.dilation = dilation

    def _extra_repr(self):
        return _describe(self, self.weight.shape[1:4], ("stride", "padding", "dilation"))

    def __call__(self, x):
        return _add_bias(self, mx.conv3d(x, self.weight, self.stride, self.padding, self.dilation))
