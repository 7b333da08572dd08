"""Upsampling of ``(N, *spatial, C)`` inputs: nearest, linear and cubic."""

import itertools
import math
import operator
from functools import reduce
from typing import Literal, Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module


def _axis_shape(ndim, dim, n):
    shape = [1] * ndim
    shape[dim] = n
    return shape


def _nearest_indices(N, scale, dim, ndim):
    M = int(scale * N)
    idx = mx.arange(M, dtype=mx.float32)
    if M > N:
        idx = mx.round((idx + 0.5) * (N / M) - 0.5)
    else:
        idx = idx * (N / M)
    return idx.astype(mx.uint32).reshape(_axis_shape(ndim, dim, -1))


def _source_coords(N, scale, align_corners, dim, ndim):
    M = int(scale * N)
    if align_corners:
        c = mx.arange(M, dtype=mx.float32) * ((N - 1) / max(M - 1, 1))
    else:
        step = 1 / scale
        start = ((M - 1) * step - N + 1) / 2
        c = mx.arange(M, dtype=mx.float32) * step - start
    return c.reshape(_axis_shape(ndim, dim, -1))


def _linear_taps(N, scale, align_corners, dim, ndim):
    c = mx.clip(_source_coords(N, scale, align_corners, dim, ndim), 0, N - 1)
    lo = mx.floor(c)
    hi = mx.ceil(c)
    w = mx.expand_dims(c - lo, -1)
    return [(lo.astype(mx.uint32), 1 - w), (hi.astype(mx.uint32), w)]


def _cubic_weight(d, a=-0.75):
    d = mx.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return mx.where(d <= 1, near, mx.where(d < 2, far, 0))


def _cubic_taps(N, scale, align_corners, dim, ndim):
    c = _source_coords(N, scale, align_corners, dim, ndim)
    base = mx.floor(c)
    taps = []
    for off in (-1, 0, 1, 2):
        pos = base + off
        w = _cubic_weight(c - pos)
        idx = mx.clip(pos, 0, N - 1).astype(mx.uint32)
        taps.append((idx, mx.expand_dims(w, -1)))
    return taps


def _keys_cubic_half(d):
    # Keys' cubic with a = -0.5, the kernel PyTorch/PIL use when antialiasing
    return _cubic_weight(d, a=-0.5)


def _triangle(d):
    return mx.maximum(1.0 - mx.abs(d), 0.0)


def _antialias_taps(N, scale, dim, ndim, kernel, radius):
    """Taps of a low-pass filter: the kernel is stretched by 1/scale when
    shrinking, taps outside the input get weight 0 and the remaining weights
    of each output sample are renormalized to sum to one."""
    c = _source_coords(N, scale, False, dim, ndim)
    stretch = 1.0 / scale if scale < 1 else 1.0
    reach = math.ceil(radius * stretch)
    base = mx.floor(c)
    positions = [base + k for k in range(-reach, reach + 1)]
    weights = [mx.where((p >= 0) & (p < N), kernel(mx.abs(c - p) / stretch), 0.0) for p in positions]
    total = sum(weights)
    total = mx.where(total > 0, total, 1.0)
    return [
        (mx.clip(p, 0, N - 1).astype(mx.uint32), mx.expand_dims(w / total, -1))
        for p, w in zip(positions, weights)
    ]


def _interpolate_separable(x, taps_per_dim):
    # one spatial axis at a time: the filters can have many taps
    for axis, taps in enumerate(taps_per_dim, start=1):
        x = sum(mx.take(x, idx.reshape(-1), axis=axis) * w for idx, w in taps)
    return x


def _check_antialias(align_corners, antialias):
    if antialias and align_corners:
        raise ValueError(
            "[Upsample] antialias=True with align_corners=True is not "
            "supported. Use align_corners=False for antialiased interpolation."
        )


def _interpolate(x, taps_per_dim):
    out = None
    for combo in itertools.product(*taps_per_dim):
        idx = (slice(None),) + tuple(i for i, _ in combo)
        w = reduce(operator.mul, [w for _, w in combo])
        term = x[idx] * w
        out = term if out is None else out + term
    return out


def _check(x, scale_factor):
    if x.ndim - 2 != len(scale_factor):
        raise ValueError("A scale needs to be provided for each spatial dimension")


def upsample_nearest(x: mx.array, scale_factor: Tuple):
    """Nearest neighbour upsampling of the spatial axes of ``x``."""
    dims = x.ndim - 2
    _check(x, scale_factor)
    if tuple(map(int, scale_factor)) == tuple(scale_factor):
        shape = list(x.shape)
        for d in range(dims):
            shape.insert(2 + 2 * d, 1)
        x = x.reshape(shape)
        for d in range(dims):
            shape[2 + 2 * d] = int(scale_factor[d])
        x = mx.broadcast_to(x, shape)
        for d in range(dims):
            shape[d + 1] *= shape[d + 2]
            shape.pop(d + 2)
        return x.reshape(shape)
    _, *N, _ = x.shape
    idx = [slice(None)]
    for i, (n, s) in enumerate(zip(N, scale_factor)):
        idx.append(_nearest_indices(n, s, i, dims))
    return x[tuple(idx)]


def upsample_linear(x: mx.array, scale_factor: Tuple, align_corners: bool = False, antialias: bool = False):
    """(Multi)linear upsampling of the spatial axes of ``x``."""
    _check_antialias(align_corners, antialias)
    dims = x.ndim - 2
    _check(x, scale_factor)
    _, *N, _ = x.shape
    if antialias:
        return _interpolate_separable(
            x,
            [_antialias_taps(n, s, i, dims, _triangle, 1.0) for i, (n, s) in enumerate(zip(N, scale_factor))],
        )
    taps = [_linear_taps(n, s, align_corners, i, dims) for i, (n, s) in enumerate(zip(N, scale_factor))]
    return _interpolate(x, taps)


def upsample_cubic(x: mx.array, scale_factor: Tuple, align_corners: bool = False, antialias: bool = False):
    """(Multi)cubic upsampling of the spatial axes of ``x``."""
    _check_antialias(align_corners, antialias)
    dims = x.ndim - 2
    _check(x, scale_factor)
    _, *N, _ = x.shape
    if antialias:
        return _interpolate_separable(
            x,
            [
                _antialias_taps(n, s, i, dims, _keys_cubic_half, 2.0)
                for i, (n, s) in enumerate(zip(N, scale_factor))
            ],
        )
    taps = [_cubic_taps(n, s, align_corners, i, dims) for i, (n, s) in enumerate(zip(N, scale_factor))]
    return _interpolate(x, taps)


class Upsample(Module):
    r"""Upsample the spatial axes of ``(N, *spatial, C)`` inputs by
    ``scale_factor`` (one value or one per spatial axis) with ``mode``
    ``'nearest'``, ``'linear'`` or ``'cubic'``."""

    def __init__(
        self,
        scale_factor: Union[float, Tuple],
        mode: Literal["nearest", "linear", "cubic"] = "nearest",
        align_corners: bool = False,
        antialias: bool = False,
    ):
        super().__init__()
        if mode not in ["nearest", "linear", "cubic"]:
            raise ValueError(f"[Upsample] Got unsupported upsampling algorithm: {mode}")
        if antialias and mode == "nearest":
            raise ValueError("[Upsample] Antialiasing is not supported for nearest neighbor upsampling")
        _check_antialias(align_corners, antialias)
        if isinstance(scale_factor, (list, tuple)):
            self.scale_factor = tuple(map(float, scale_factor))
        else:
            self.scale_factor = float(scale_factor)
        self.mode = mode
        self.align_corners = align_corners
        self.antialias = antialias

    def _extra_repr(self) -> str:
        return (
            f"scale_factor={self.scale_factor}, mode={self.mode!r}, align_corners={self.align_corners}"
        ) + (", antialias=True" if self.antialias else "")

    def __call__(self, x: mx.array) -> mx.array:
        dims = x.ndim - 2
        if dims <= 0:
            raise ValueError(
                "[Upsample] The input should have at least 1 spatial "
                f"dimension which means it should be at least 3D but "
                f"{x.ndim}D was provided"
            )
        scale = self.scale_factor
        if isinstance(scale, tuple):
            if len(scale) != dims:
                raise ValueError(
                    f"[Upsample] One scale per spatial dimension is required but "
                    f"scale_factor={scale} and the number of spatial dimensions were {dims}"
                )
        else:
            scale = (scale,) * dims
        if self.mode == "nearest":
            return upsample_nearest(x, scale)
        if self.mode == "linear":
            return upsample_linear(x, scale, self.align_corners, self.antialias)
        return upsample_cubic(x, scale, self.align_corners, self.antialias)
