"""Dropout layers."""

import mlx.core as mx
from mlx.nn.layers.base import Module


class _DropoutBase(Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if p < 0 or p >= 1:
            raise ValueError(f"The dropout probability {p} is not in [0, 1)")
        self._p_1 = 1 - p

    def _extra_repr(self):
        return f"p={1 - self._p_1}"

    def _apply(self, x, mask_shape):
        if self._p_1 == 1 or not self.training:
            return x
        mask = mx.random.bernoulli(p=self._p_1, shape=mask_shape)
        return (1 / self._p_1) * mask * x


class Dropout(_DropoutBase):
    r"""Zero each element with probability ``p`` in training mode and scale
    the rest by :math:`1/(1-p)`."""

    def __call__(self, x: mx.array) -> mx.array:
        if self._p_1 == 1 or not self.training:
            return x
        mask = mx.random.bernoulli(p=self._p_1, shape=x.shape)
        return (mask * x) * (1 / self._p_1)


class Dropout2d(_DropoutBase):
    r"""Channel-wise dropout for inputs ``NWHC`` or ``WHC``: whole channels
    are zeroed with probability ``p``."""

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim not in (3, 4):
            raise ValueError(
                f"Received input with {x.ndim} dimensions. Expected 3 or 4 dimensions."
            )
        shape = list(x.shape)
        shape[-2] = shape[-3] = 1
        return self._apply(x, shape)


class Dropout3d(_DropoutBase):
    r"""Channel-wise dropout for inputs ``NDHWC`` or ``DHWC``."""

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim not in (4, 5):
            raise ValueError(
                f"Received input with {x.ndim} dimensions. Expected 4 or 5 dimensions."
            )
        shape = list(x.shape)
        shape[-2] = shape[-3] = shape[-4] = 1
        return self._apply(x, shape)
