"""Activation functions and their Module forms (mlx.nn).

MLX wraps most of these functions in ``mx.compile``; here they are plain
functions of mlx.core ops, with the same results.
"""

import math
from typing import Any

import mlx.core as mx
from mlx.nn.layers.base import Module

# -------------------------------------------------------------- functions --


def sigmoid(x):
    r""":math:`1 / (1 + e^{-x})`."""
    return mx.sigmoid(x)


def tanh(x):
    r"""Hyperbolic tangent."""
    return mx.tanh(x)


def relu(x):
    r""":math:`\max(x, 0)`."""
    return mx.maximum(x, 0)


def relu2(x):
    r"""Squared ReLU, :math:`\max(x, 0)^2`."""
    return mx.square(relu(x))


def relu6(x):
    r"""ReLU capped at 6."""
    return mx.minimum(relu(x), 6.0)


def leaky_relu(x, negative_slope=0.01):
    r""":math:`x` for positive inputs, ``negative_slope * x`` otherwise."""
    return mx.maximum(negative_slope * x, x)


def prelu(x: mx.array, alpha: mx.array) -> mx.array:
    r"""Leaky ReLU with a given (learned) slope ``alpha``."""
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


def elu(x, alpha=1.0):
    r""":math:`x` for positive inputs, :math:`\alpha (e^x - 1)` otherwise."""
    return mx.where(x > 0, x, alpha * (mx.exp(x) - 1))


def celu(x, alpha=1.0):
    r"""ELU made continuously differentiable for any ``alpha``:
    :math:`\max(0, x) + \alpha (e^{\min(0, x)/\alpha} - 1)`."""
    return mx.maximum(x, 0.0) + alpha * (mx.exp(mx.minimum(x, 0.0) / alpha) - 1)


def selu(x):
    r"""ELU with the self-normalizing constants :math:`\lambda \approx
    1.0507`, :math:`\alpha \approx 1.67326`."""
    return elu(x, 1.67326) * 1.0507


def softplus(x):
    r""":math:`\log(1 + e^x)`."""
    return mx.logaddexp(x, 0)


def log_sigmoid(x):
    r""":math:`\log \sigma(x) = -\mathrm{softplus}(-x)`."""
    return -softplus(-x)


def softsign(x):
    r""":math:`x / (1 + |x|)`."""
    return mx.divide(x, 1 + mx.abs(x))


def silu(x):
    r"""Swish: :math:`x\,\sigma(x)`."""
    return x * mx.sigmoid(x)


def mish(x: mx.array) -> mx.array:
    r""":math:`x \tanh(\mathrm{softplus}(x))`."""
    return x * mx.tanh(softplus(x))


def gelu(x) -> mx.array:
    r"""Exact GELU, :math:`x\,\Phi(x)` with the normal CDF from erf."""
    return x * (1 + mx.erf(x / math.sqrt(2))) / 2


def gelu_approx(x):
    r"""GELU with the tanh approximation of :math:`\Phi`."""
    inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    return 0.5 * x * (1 + mx.tanh(inner))


def gelu_fast_approx(x):
    r"""GELU approximated as :math:`x\,\sigma(1.702 x)`."""
    return x * mx.sigmoid(1.702 * x)


def hardswish(x):
    r""":math:`x \cdot \mathrm{relu6}(x + 3) / 6`."""
    return x * mx.minimum(mx.maximum(x + 3, 0), 6) / 6


def hard_tanh(x, min_val=-1.0, max_val=1.0):
    r"""``x`` clipped to ``[min_val, max_val]``."""
    return mx.minimum(mx.maximum(x, min_val), max_val)


def hard_shrink(x, lambd=0.5):
    r"""``x`` where :math:`|x| > \lambda`, 0 elsewhere."""
    return mx.where(mx.abs(x) > lambd, x, 0)


def softshrink(x, lambd: float = 0.5):
    r"""``x`` moved towards 0 by :math:`\lambda`, 0 within
    :math:`[-\lambda, \lambda]`."""
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, 0)


def step(x: mx.array, threshold: float = 0.0):
    r"""1 where ``x >= threshold`` (the threshold itself included), else 0
    (int32)."""
    return mx.where(x >= threshold, 1, 0)


def glu(x: mx.array, axis: int = -1) -> mx.array:
    r"""Gated linear unit: the first half of ``x`` along ``axis`` times the
    sigmoid of the second half."""
    value, gate = mx.split(x, indices_or_sections=2, axis=axis)
    return value * mx.sigmoid(gate)


def softmax(x, axis=-1):
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``axis``."""
    return mx.softmax(x, axis=axis)


def softmin(x, axis=-1):
    r"""Softmax of ``-x``."""
    return mx.softmax(-x, axis=axis)


def log_softmax(x, axis=-1):
    r""":math:`x - \log \sum e^x` along ``axis``, computed from the gaps to
    the maximum so that large logits keep their precision (equal logits give
    exactly :math:`-\log n`)."""
    shifted = x - mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    return shifted - mx.logsumexp(shifted, axis=axis, keepdims=True)


# ---------------------------------------------------------------- modules --


def _module(name, fn):
    """A parameter-free Module class that applies ``fn``."""

    def __call__(_, x):
        return fn(x)

    doc = f"Applies :func:`{fn.__name__}` (see there)."
    return type(name, (Module,), {"__call__": __call__, "__doc__": doc, "__module__": __name__})


Sigmoid = _module("Sigmoid", sigmoid)
Tanh = _module("Tanh", tanh)
ReLU = _module("ReLU", relu)
ReLU2 = _module("ReLU2", relu2)
ReLU6 = _module("ReLU6", relu6)
SELU = _module("SELU", selu)
Softplus = _module("Softplus", softplus)
LogSigmoid = _module("LogSigmoid", log_sigmoid)
Softsign = _module("Softsign", softsign)
SiLU = _module("SiLU", silu)
Mish = _module("Mish", mish)
Hardswish = _module("Hardswish", hardswish)
HardTanh = _module("HardTanh", hard_tanh)
Softmax = _module("Softmax", softmax)
Softmin = _module("Softmin", softmin)
LogSoftmax = _module("LogSoftmax", log_softmax)


class LeakyReLU(Module):
    r"""Module form of :func:`leaky_relu`."""

    def __init__(self, negative_slope=1e-2):
        super().__init__()
        self._negative_slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._negative_slope)


class ELU(Module):
    r"""Module form of :func:`elu`."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class CELU(Module):
    r"""Module form of :func:`celu`."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class PReLU(Module):
    r""":func:`prelu` with a learned slope per channel (``weight``, of size
    ``num_parameters``, starting at ``init``)."""

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x: mx.array):
        return prelu(x, self.weight)


_GELU_VARIANTS = {"none": gelu, "precise": gelu_approx, "tanh": gelu_approx, "fast": gelu_fast_approx}


class GELU(Module):
    r"""GELU: ``approx`` 'none' (exact), 'precise' or 'tanh' (the tanh
    approximation) or 'fast' (the sigmoid approximation)."""

    def __init__(self, approx="none"):
        super().__init__()
        if approx not in _GELU_VARIANTS:
            raise ValueError(
                f"The approximation should be in ['none', 'precise', 'tanh', 'fast'] but '{approx}' was given"
            )
        self._act = _GELU_VARIANTS[approx]

    def __call__(self, x):
        return self._act(x)


class GLU(Module):
    r"""Module form of :func:`glu`."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def __call__(self, x) -> Any:
        return glu(x=x, axis=self.axis)


class Step(Module):
    r"""Module form of :func:`step`."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x: mx.array):
        return step(x, self.threshold)


class HardShrink(Module):
    r"""Module form of :func:`hard_shrink`."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self.lambd)


class Softshrink(Module):
    r"""Module form of :func:`softshrink`."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return softshrink(x, self.lambd)
