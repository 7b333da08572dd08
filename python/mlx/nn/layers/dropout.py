"""Dropout layers: in training mode zero entries (or whole channels) with
probability ``p`` and scale the rest by ``1 / (1 - p)``; identity in
evaluation mode."""

import mlx.core as mx
from mlx.nn.layers.base import Module


class _Dropout(Module):
    # the input axes that share one keep/drop draw (none for plain dropout)
    _shared_axes = ()
    _ndims = None

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"The dropout probability {p} is not in [0, 1)")
        self._p_1 = 1 - p  # probability of keeping an entry

    def _extra_repr(self):
        return f"p={1 - self._p_1}"

    def __call__(self, x: mx.array) -> mx.array:
        if self._ndims is not None and x.ndim not in self._ndims:
            lo, hi = self._ndims
            raise ValueError(f"Received input with {x.ndim} dimensions. Expected {lo} or {hi} dimensions.")
        if self._p_1 == 1 or not self.training:
            return x
        shape = list(x.shape)
        for axis in self._shared_axes:
            shape[axis] = 1
        keep = mx.random.bernoulli(p=self._p_1, shape=shape)
        return (keep * x) * (1 / self._p_1)


class Dropout(_Dropout):
    r"""Zero each entry independently with probability ``p``."""

    __call__ = _Dropout.__call__  # an own member, as in MLX's class


class Dropout2d(_Dropout):
    r"""Zero whole channels of ``(N, H, W, C)`` or ``(H, W, C)`` inputs
    with probability ``p`` (one draw per sample and channel)."""

    _shared_axes = (-2, -3)
    _ndims = (3, 4)
    __call__ = _Dropout.__call__


class Dropout3d(_Dropout):
    r"""Zero whole channels of ``(N, D, H, W, C)`` or ``(D, H, W, C)``
    inputs with probability ``p``."""

    _shared_axes = (-2, -3, -4)
    _ndims = (4, 5)
    __call__ = _Dropout.__call__
