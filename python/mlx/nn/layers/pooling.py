"""Max and average pooling over the spatial axes of ``(N, *spatial, C)``."""

import itertools
import operator
from functools import reduce
from typing import Optional, Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module


def _value_or_list(x, n, msg):
    if isinstance(x, (list, tuple)):
        if len(x) != n:
            raise ValueError(msg)
        return list(x)
    if not isinstance(x, int):
        raise ValueError(msg)
    return [x] * n


def _windows(x, kernel, stride):
    """Yield strided slices of ``x``, one per position inside the window."""
    if x.ndim < 3:
        raise ValueError(
            "To extract sliding windows at least 1 spatial dimension "
            f"(3 total) is needed but the input only has {x.ndim} dimensions."
        )
    spatial = x.shape[1:-1]
    if not (len(spatial) == len(kernel) == len(stride)):
        raise ValueError(
            "To extract sliding windows the window shapes and strides must have "
            f"the same number of spatial dimensions as the signal but the signal "
            f"has {len(spatial)} dims and the window shape has {len(kernel)} and "
            f"strides have {len(stride)}."
        )
    out = [(n - k) // s + 1 for n, k, s in zip(spatial, kernel, stride)]
    if any(o <= 0 for o in out):
        # a window larger than the input leaves nothing to pool (as MLX)
        yield mx.zeros((x.shape[0], *(max(o, 0) for o in out), x.shape[-1]), x.dtype)
        return
    for offsets in itertools.product(*(range(k) for k in kernel)):
        idx = [slice(None)]
        for o, n_out, s in zip(offsets, out, stride):
            idx.append(slice(o, o + s * (n_out - 1) + 1, s))
        idx.append(slice(None))
        yield x[tuple(idx)]


class _Pool(Module):
    def __init__(self, kernel_size, stride, padding, padding_value):
        super().__init__()
        name = type(self).__name__
        for what, values in (("kernel_size", kernel_size), ("stride", stride)):
            if any(v <= 0 for v in values):
                raise ValueError(f"[{name}] '{what}' must be positive but got {tuple(values)}.")
        if any(p[0] < 0 for p in padding):
            raise ValueError(
                f"[{name}] 'padding' must be non-negative but got {tuple(p[0] for p in padding)}."
            )
        self._kernel_size = kernel_size
        self._stride = stride
        self._padding = padding
        self._padding_value = padding_value

    def _extra_repr(self):
        ks = tuple(self._kernel_size)
        st = tuple(self._stride)
        pd = tuple(p[0] for p in self._padding)
        return f"kernel_size={ks}, stride={st}, padding={pd}"

    def __call__(self, x):
        if any(p[0] > 0 for p in self._padding):
            x = mx.pad(
                x,
                [(0, 0)] + [tuple(p) for p in self._padding] + [(0, 0)],
                constant_values=self._padding_value,
            )
        return self._reduce(list(_windows(x, self._kernel_size, self._stride)))


class _MaxPoolMixin:
    def _reduce(self, parts):
        return reduce(mx.maximum, parts)


class _AvgPoolMixin:
    def _reduce(self, parts):
        total = reduce(operator.add, parts)
        return total / len(parts)


def _make_args(kernel_size, stride, padding, n, cls_name):
    count = "1 integer" if n == 1 else f"{n} integers"

    def msg(what):
        return f"[{cls_name}] '{what}' must be an integer or a tuple containing {count}"

    kernel_size = _value_or_list(kernel_size, n, msg("kernel_size"))
    stride = _value_or_list(stride, n, msg("stride")) if stride is not None else kernel_size
    padding = _value_or_list(padding, n, msg("padding"))
    padding = [(p, p) for p in padding]
    return kernel_size, stride, padding


class _Pool1d(_Pool):
    def __init__(self, pooling_value, kernel_size, stride=None, padding=0):
        k, s, p = _make_args(kernel_size, stride, padding, 1, type(self).__name__)
        super().__init__(k, s, p, pooling_value)


class _Pool2d(_Pool):
    def __init__(self, pooling_value, kernel_size, stride=None, padding=0):
        k, s, p = _make_args(kernel_size, stride, padding, 2, type(self).__name__)
        super().__init__(k, s, p, pooling_value)


class _Pool3d(_Pool):
    def __init__(self, pooling_value, kernel_size, stride=None, padding=0):
        k, s, p = _make_args(kernel_size, stride, padding, 3, type(self).__name__)
        super().__init__(k, s, p, pooling_value)


class MaxPool1d(_MaxPoolMixin, _Pool1d):
    r"""1D max pooling over inputs ``(N, L, C)``; ``stride`` defaults to
    ``kernel_size``, padding uses :math:`-\infty`."""

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int]],
        stride: Optional[Union[int, Tuple[int]]] = None,
        padding: Union[int, Tuple[int]] = 0,
    ):
        super().__init__(-float("inf"), kernel_size, stride, padding)


class AvgPool1d(_AvgPoolMixin, _Pool1d):
    r"""1D average pooling over inputs ``(N, L, C)`` (zero padding counts in
    the average)."""

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int]],
        stride: Optional[Union[int, Tuple[int]]] = None,
        padding: Union[int, Tuple[int]] = 0,
    ):
        super().__init__(0, kernel_size, stride, padding)


class MaxPool2d(_MaxPoolMixin, _Pool2d):
    r"""2D max pooling over inputs ``(N, H, W, C)``."""

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int]],
        stride: Optional[Union[int, Tuple[int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int]]] = 0,
    ):
        super().__init__(-float("inf"), kernel_size, stride, padding)


class AvgPool2d(_AvgPoolMixin, _Pool2d):
    r"""2D average pooling over inputs ``(N, H, W, C)``."""

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int]],
        stride: Optional[Union[int, Tuple[int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int]]] = 0,
    ):
        super().__init__(0, kernel_size, stride, padding)


class MaxPool3d(_MaxPoolMixin, _Pool3d):
    r"""3D max pooling over inputs ``(N, D, H, W, C)``."""

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int, int]],
        stride: Optional[Union[int, Tuple[int, int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int, int]]] = 0,
    ):
        super().__init__(-float("inf"), kernel_size, stride, padding)


class AvgPool3d(_AvgPoolMixin, _Pool3d):
    r"""3D average pooling over inputs ``(N, D, H, W, C)``."""

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int, int]],
        stride: Optional[Union[int, Tuple[int, int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int, int]]] = 0,
    ):
        super().__init__(0, kernel_size, stride, padding)
