"""Activation functions and their Module wrappers (as in mlx.nn)."""

import math
from functools import partial
from typing import Any

import mlx.core as mx
from mlx.nn.layers._ops import softmax as _softmax
from mlx.nn.layers.base import Module


def sigmoid(x):
    r"""Element-wise logistic sigmoid :math:`1 / (1 + e^{-x})`."""
    return mx.sigmoid(x)


def relu(x):
    r"""Rectified linear unit :math:`\max(x, 0)`."""
    return mx.maximum(x, 0)


def relu2(x):
    r"""Squared ReLU :math:`\max(x, 0)^2`."""
    return mx.square(mx.maximum(x, 0))


def relu6(x):
    r"""ReLU clipped at 6: :math:`\min(\max(x, 0), 6)`."""
    return mx.minimum(mx.maximum(x, 0), 6.0)


def leaky_relu(x, negative_slope=0.01):
    r"""Leaky ReLU :math:`\max(a x, x)`."""
    return mx.maximum(negative_slope * x, x)


def log_softmax(x, axis=-1):
    r"""Log of the softmax: :math:`x - \log \sum e^x` along ``axis``."""
    return x - mx.logsumexp(x, axis=axis, keepdims=True)


def elu(x, alpha=1.0):
    r"""Exponential linear unit."""
    return mx.where(x > 0, x, alpha * (mx.exp(x) - 1))


def softmax(x, axis=-1):
    r"""Softmax along ``axis``."""
    return _softmax(x, axis=axis)


def softplus(x):
    r"""Softplus :math:`\log(1 + e^x)`."""
    return mx.logaddexp(x, 0)


def softsign(x):
    r"""Softsign :math:`x / (1 + |x|)`."""
    return mx.divide(x, 1 + mx.abs(x))


def softshrink(x, lambd: float = 0.5):
    r"""Soft shrinkage: :math:`x - \lambda\,\mathrm{sign}(x)` where
    :math:`|x| > \lambda`, else 0."""
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, 0)


def celu(x, alpha=1.0):
    r"""Continuously differentiable ELU."""
    return mx.maximum(x, 0.0) + alpha * (mx.exp(mx.minimum(x, 0.0) / alpha) - 1)


def silu(x):
    r"""Sigmoid linear unit (swish) :math:`x\,\sigma(x)`."""
    return x * mx.sigmoid(x)


def log_sigmoid(x):
    r"""Log of the sigmoid, :math:`-\mathrm{softplus}(-x)`."""
    return -softplus(-x)


def gelu(x) -> mx.array:
    r"""Gaussian error linear unit :math:`x\,\Phi(x)` (exact, with erf)."""
    return x * (1 + mx.erf(x / math.sqrt(2))) / 2


def gelu_approx(x):
    r"""GELU with the tanh approximation."""
    return 0.5 * x * (1 + mx.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def gelu_fast_approx(x):
    r"""GELU approximated by :math:`x\,\sigma(1.702 x)`."""
    return x * mx.sigmoid(1.702 * x)


def glu(x: mx.array, axis: int = -1) -> mx.array:
    r"""Gated linear unit: split ``x`` in two halves :math:`a, b` along
    ``axis`` and return :math:`a\,\sigma(b)`."""
    a, b = mx.split(x, indices_or_sections=2, axis=axis)
    return a * mx.sigmoid(b)


def step(x: mx.array, threshold: float = 0.0):
    r"""Binary step: 1 where ``x > threshold`` else 0."""
    return mx.where(x > threshold, 1, 0)


def selu(x):
    r"""Scaled ELU."""
    return elu(x, 1.67326) * 1.0507


def prelu(x: mx.array, alpha: mx.array) -> mx.array:
    r"""Parametric ReLU :math:`\max(0, x) + \alpha \min(0, x)`."""
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


def mish(x: mx.array) -> mx.array:
    r"""Mish :math:`x \tanh(\mathrm{softplus}(x))`."""
    return x * mx.tanh(softplus(x))


def hardswish(x):
    r"""Hard swish :math:`x \min(\max(x + 3, 0), 6) / 6`."""
    max_x_3 = mx.maximum(x + 3, 0)
    return x * mx.minimum(max_x_3, 6) / 6


def hard_tanh(x, min_val=-1.0, max_val=1.0):
    r"""HardTanh: clip ``x`` to ``[min_val, max_val]``."""
    return mx.minimum(mx.maximum(x, min_val), max_val)


def hard_shrink(x, lambd=0.5):
    r"""Hard shrinkage: ``x`` where :math:`|x| > \lambda`, else 0."""
    return mx.where(mx.abs(x) > lambd, x, 0)


def softmin(x, axis=-1):
    r"""Softmin: softmax of ``-x`` along ``axis``."""
    return _softmax(-x, axis=axis)


def tanh(x):
    r"""Hyperbolic tangent."""
    return mx.tanh(x)


class GLU(Module):
    r"""Gated linear unit module (see :func:`glu`)."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def __call__(self, x) -> Any:
        return glu(x=x, axis=self.axis)


def _simple(name, fn, doc):
    def __call__(_, x):
        return fn(x)

    return type(name, (Module,), {"__call__": __call__, "__doc__": doc,
                                  "__module__": __name__})


Sigmoid = _simple("Sigmoid", sigmoid, "Applies the sigmoid function.")
Mish = _simple("Mish", mish, "Applies the Mish function.")
ReLU = _simple("ReLU", relu, "Applies the rectified linear unit.")
ReLU2 = _simple("ReLU2", relu2, "Applies the squared ReLU.")
ReLU6 = _simple("ReLU6", relu6, "Applies ReLU6.")
Softplus = _simple("Softplus", softplus, "Applies the softplus function.")
Softsign = _simple("Softsign", softsign, "Applies the softsign function.")
SiLU = _simple("SiLU", silu, "Applies the sigmoid linear unit.")
LogSigmoid = _simple("LogSigmoid", log_sigmoid, "Applies the log sigmoid.")
Tanh = _simple("Tanh", tanh, "Applies the hyperbolic tangent.")
Hardswish = _simple("Hardswish", hardswish, "Applies hard swish.")
HardTanh = _simple("HardTanh", hard_tanh, "Applies HardTanh.")
SELU = _simple("SELU", selu, "Applies the scaled ELU.")
Softmax = _simple("Softmax", softmax, "Applies softmax on the last axis.")
Softmin = _simple("Softmin", softmin, "Applies softmin on the last axis.")
LogSoftmax = _simple("LogSoftmax", log_softmax, "Applies log softmax on the last axis.")


class LeakyReLU(Module):
    r"""Leaky ReLU module (see :func:`leaky_relu`)."""

    def __init__(self, negative_slope=1e-2):
        super().__init__()
        self._negative_slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._negative_slope)


class ELU(Module):
    r"""ELU module (see :func:`elu`)."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class CELU(Module):
    r"""CELU module (see :func:`celu`)."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class PReLU(Module):
    r"""Parametric ReLU with a learnable slope per channel (``weight``)."""

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x: mx.array):
        return prelu(x, self.weight)


class GELU(Module):
    r"""GELU module. ``approx`` is ``'none'`` (exact), ``'precise'`` or
    ``'tanh'`` (tanh approximation) or ``'fast'`` (sigmoid approximation)."""

    def __init__(self, approx="none"):
        super().__init__()
        if approx == "none":
            self._act = gelu
        elif approx in ("precise", "tanh"):
            self._act = gelu_approx
        elif approx == "fast":
            self._act = gelu_fast_approx
        else:
            raise ValueError(
                "The approximation should be in ['none', 'precise', 'tanh', 'fast'] "
                f"but '{approx}' was given"
            )

    def __call__(self, x):
        return self._act(x)


class Step(Module):
    r"""Binary step module (see :func:`step`)."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x: mx.array):
        return step(x, self.threshold)


class HardShrink(Module):
    r"""Hard shrink module (see :func:`hard_shrink`)."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self.lambd)


class Softshrink(Module):
    r"""Soft shrink module (see :func:`softshrink`)."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return softshrink(x, self.lambd)
