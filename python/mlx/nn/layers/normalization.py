"""Normalization layers. Features are on the last axis; the learned scale
and shift are ``weight`` and ``bias``."""

from typing import Tuple

import mlx.core as mx
from mlx.nn.layers.base import Module


def _check_eps(layer, eps):
    if eps <= 0.0:
        raise ValueError(f"[{layer}] 'eps' must be positive but got {eps}.")


def _standardize(x, axes, eps):
    # (x - mean) / sqrt(var + eps) over ``axes``
    mean = mx.mean(x, axis=axes, keepdims=True)
    var = mx.var(x, axis=axes, keepdims=True)
    return (x - mean) * mx.rsqrt(var + eps)


def _standardize_f32(x, axes, eps):
    # _standardize with the statistics in float32, the result in x's type:
    # the squares of half-precision values overflow float16 long before the
    # values themselves do
    xf = x.astype(mx.float32)
    centered = xf - mx.mean(xf, axis=axes, keepdims=True)
    var = mx.mean(mx.square(centered), axis=axes, keepdims=True)
    return (centered * mx.rsqrt(var + eps)).astype(x.dtype)


def _affine(layer, x):
    return layer.weight * x + layer.bias if "weight" in layer else x


class InstanceNorm(Module):
    r"""Normalize every sample and channel over the spatial axes of an
    ``(N, ..., C)`` input; ``affine`` adds a per-channel scale and shift."""

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = False):
        super().__init__()
        _check_eps("InstanceNorm", eps)
        if affine:
            self.weight = mx.ones((dims,))
            self.bias = mx.zeros((dims,))
        self.dims = dims
        self.eps = eps

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim < 3:
            raise ValueError(
                f"InstanceNorm expects inputs with at least 3 dimensions"
                f" (N, ..., C) but the input has {x.ndim} dimensions."
            )
        return _affine(self, _standardize_f32(x, tuple(range(1, x.ndim - 1)), self.eps))


class LayerNorm(Module):
    r"""Normalize over the last axis, then scale and shift (``affine``;
    ``bias=False`` keeps only the scale)."""

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = True, bias: bool = True):
        super().__init__()
        _check_eps("LayerNorm", eps)
        if affine:
            self.weight = mx.ones((dims,))
            if bias:
                self.bias = mx.zeros((dims,))
        self.eps = eps
        self.dims = dims

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        return mx.fast.layer_norm(x, self.get("weight"), self.get("bias"), self.eps)


class RMSNorm(Module):
    r"""Divide by the root mean square over the last axis and scale by the
    learned ``weight`` (no centering, no shift)."""

    def __init__(self, dims: int, eps: float = 1e-5):
        super().__init__()
        _check_eps("RMSNorm", eps)
        self.weight = mx.ones((dims,))
        self.eps = eps

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, eps={self.eps}"

    def __call__(self, x):
        return mx.fast.rms_norm(x, self["weight"], self.eps)


class GroupNorm(Module):
    r"""Split the features into ``num_groups`` groups and normalize each over
    the group and all non-batch axes. MLX's default interleaves the groups
    (feature ``i`` is in group ``i % num_groups``); ``pytorch_compatible``
    uses contiguous groups as PyTorch does."""

    def __init__(
        self,
        num_groups: int,
        dims: int,
        eps: float = 1e-5,
        affine: bool = True,
        pytorch_compatible: bool = False,
    ):
        super().__init__()
        _check_eps("GroupNorm", eps)
        if num_groups <= 0:
            raise ValueError(f"The number of groups ({num_groups}) must be a positive integer.")
        if dims <= 0:
            raise ValueError(f"The number of features ({dims}) must be a positive integer.")
        if dims % num_groups != 0:
            raise ValueError(
                f"The number of features ({dims}) must be evenly divisible"
                f" by the number of groups ({num_groups})."
            )
        if affine:
            # bias before weight: this is the order MLX lists them in
            self.bias = mx.zeros((dims,))
            self.weight = mx.ones((dims,))
        self.num_groups = num_groups
        self.dims = dims
        self.eps = eps
        self.pytorch_compatible = pytorch_compatible

    def _extra_repr(self):
        return (
            f"{self.num_groups}, {self.dims}, eps={self.eps}, "
            f"affine={'weight' in self}, pytorch_compatible={self.pytorch_compatible}"
        )

    def __call__(self, x):
        batch, *middle, dims = x.shape
        g = self.num_groups
        if self.pytorch_compatible:
            # gather each contiguous group of features into one row
            rows = x.reshape(batch, -1, g, dims // g).transpose(0, 2, 1, 3).reshape(batch, g, -1)
            rows = mx.fast.layer_norm(rows, None, None, self.eps)
            x = rows.reshape(batch, g, -1, dims // g).transpose(0, 2, 1, 3)
        else:
            x = _standardize(x.reshape(batch, -1, g), 1, self.eps)
        return _affine(self, x.reshape(batch, *middle, dims))


class BatchNorm(Module):
    r"""Normalize each feature over the batch (and spatial) axes of 2D, 3D
    or 4D inputs. In training mode batch statistics are used and folded
    into ``running_mean``/``running_var`` (frozen: not trained); in
    evaluation mode the running statistics are used."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        super().__init__()
        _check_eps("BatchNorm", eps)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=["running_mean", "running_var"], recurse=False)

    def unfreeze(self, *args, **kwargs):
        """As :meth:`Module.unfreeze`, but the running statistics stay
        frozen."""
        super().unfreeze(*args, **kwargs)
        if self.track_running_stats:
            self.freeze(keys=["running_mean", "running_var"], recurse=False)
        return self

    def _extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={'weight' in self}, track_running_stats={self.track_running_stats}"
        )

    def _calc_stats(self, x: mx.array, ddof: int = 0) -> Tuple[mx.array, mx.array]:
        axes = tuple(range(x.ndim - 1))
        return mx.mean(x, axis=axes), mx.var(x, axis=axes, ddof=ddof)

    def __call__(self, x: mx.array) -> mx.array:
        if not 2 <= x.ndim <= 4:
            raise ValueError(f"Expected input tensor to have 2, 3 or 4 dimensions, but got {x.ndim}")
        if self.training and x.size // x.shape[-1] == 1:
            raise ValueError("BatchNorm training requires more than one value per channel.")
        mean, var = self._calc_stats(x)
        if self.training and self.track_running_stats:
            # the running variance is the unbiased estimate (as PyTorch)
            mu = self.momentum
            unbiased = self._calc_stats(x, ddof=1)[1]
            self.running_mean = (1 - mu) * self.running_mean + mu * mean
            self.running_var = (1 - mu) * self.running_var + mu * unbiased
        elif self.track_running_stats:
            mean, var = self.running_mean, self.running_var
        return _affine(self, (x - mean) * mx.rsqrt(var + self.eps))
