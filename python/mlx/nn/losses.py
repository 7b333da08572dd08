"""Loss functions (mlx.nn.losses). Each takes a ``reduction``: 'none'
(the per-element or per-sample losses), 'mean' or 'sum'."""

import math
from typing import Literal, Optional, get_args  # noqa: F401 - get_args re-exported as MLX

import mlx.core as mx

Reduction = Literal["none", "mean", "sum"]


def _reduce(loss: mx.array, reduction: Reduction = "none"):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return mx.mean(loss)
    if reduction == "sum":
        return mx.sum(loss)
    raise ValueError("Invalid reduction. Must be 'none', 'mean', or 'sum'.")


def _same_shape(a, b, a_name, b_name):
    if a.shape != b.shape:
        raise ValueError(f"{a_name.capitalize()} shape {a.shape} does not match {b_name} shape {b.shape}.")


def _weighted(loss, weights):
    if weights is None:
        return loss
    if weights.shape != loss.shape:
        raise ValueError(
            f"Weights with shape {weights.shape} is not the same as output loss with shape {loss.shape}."
        )
    return loss * weights


def _l2(x, axis):
    return mx.sqrt(mx.sum(mx.square(x), axis=axis))


def cross_entropy(
    logits: mx.array,
    targets: mx.array,
    weights: Optional[mx.array] = None,
    axis: int = -1,
    label_smoothing: float = 0.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Cross entropy of unnormalized ``logits`` against class indices
    (``targets`` with the class axis removed) or class probabilities (same
    shape as ``logits``). ``label_smoothing`` mixes the target with the
    uniform distribution."""
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"Label smoothing must in [0, 1), got {label_smoothing}.")
    as_probs = targets.ndim == logits.ndim
    expected = list(logits.shape)
    if not as_probs:
        expected.pop(axis)
    if targets.shape != tuple(expected):
        raise ValueError(f"Targets shape {targets.shape} does not match logits shape {logits.shape}.")
    # Everything is computed from the gaps to the row maximum: the loss only
    # depends on those, and large logits would otherwise lose it to rounding
    # (logsumexp(x) - x_t of two values near 1e8 is 0, not log 2). Unlike
    # the class-index form, the probability form changes by max * (sum of
    # the targets - 1) for targets that do not sum to 1, as MLX's does.
    logits = logits - mx.stop_gradient(mx.max(logits, axis=axis, keepdims=True))
    if (
        not as_probs
        and label_smoothing == 0
        and axis in (-1, logits.ndim - 1)
        and logits.dtype in (mx.float32, mx.float64)
        and mx.issubdtype(targets.dtype, mx.integer)
    ):
        # The common case in one fused pass (and a fused gradient).
        return _reduce(_weighted(mx.fast.cross_entropy(logits, targets), weights), reduction)
    if as_probs:
        target_logit = mx.sum(logits * targets, axis=axis)
    else:
        target_logit = mx.take_along_axis(logits, mx.expand_dims(targets, axis), axis).squeeze(axis)
    log_norm = mx.logsumexp(logits, axis=axis)
    if label_smoothing > 0:
        # -log p(target) with the target spread: (1 - s) on it, s uniformly
        uniform_part = -mx.mean(logits, axis=axis) * label_smoothing
        loss = log_norm - (1 - label_smoothing) * target_logit + uniform_part
    else:
        loss = log_norm - target_logit
    return _reduce(_weighted(loss, weights), reduction)


def binary_cross_entropy(
    inputs: mx.array,
    targets: mx.array,
    weights: Optional[mx.array] = None,
    with_logits: bool = True,
    reduction: Reduction = "mean",
) -> mx.array:
    """Binary cross entropy of logits (or, with ``with_logits=False``,
    probabilities; their logs are clipped at -100) against targets in
    [0, 1]."""
    _same_shape(inputs, targets, "inputs", "targets")
    if with_logits:
        # log(1 + e^x) - x y, stable for large |x|
        loss = mx.logaddexp(0.0, inputs) - inputs * targets
    else:
        log_p = mx.clip(mx.log(inputs), -100, None)
        log_not_p = mx.clip(mx.log(1 - inputs), -100, None)
        loss = -(targets * log_p + (1 - targets) * log_not_p)
    return _reduce(_weighted(loss, weights), reduction)


def l1_loss(predictions: mx.array, targets: mx.array, reduction: Reduction = "mean") -> mx.array:
    """Absolute error."""
    _same_shape(predictions, targets, "predictions", "targets")
    return _reduce(mx.abs(predictions - targets), reduction)


def mse_loss(predictions: mx.array, targets: mx.array, reduction: Reduction = "mean") -> mx.array:
    """Squared error."""
    _same_shape(predictions, targets, "predictions", "targets")
    return _reduce(mx.square(predictions - targets), reduction)


def nll_loss(inputs: mx.array, targets: mx.array, axis: int = -1, reduction: Reduction = "none") -> mx.array:
    """Negative log likelihood: minus the log-probability (``inputs``) of
    the target class along ``axis``."""
    picked = mx.take_along_axis(inputs, mx.expand_dims(targets, axis), axis).squeeze(axis)
    return _reduce(-picked, reduction)


def gaussian_nll_loss(
    inputs: mx.array,
    targets: mx.array,
    vars: mx.array,
    full: bool = False,
    eps: float = 1e-6,
    reduction: Reduction = "mean",
) -> mx.array:
    """Negative log likelihood of ``targets`` under Gaussians with means
    ``inputs`` and variances ``vars`` (at least ``eps``); ``full`` adds the
    constant :math:`\\log(2\\pi)/2`."""
    _same_shape(inputs, targets, "inputs", "targets")
    _same_shape(inputs, vars, "inputs", "vars")
    var = mx.maximum(vars, eps)
    loss = 0.5 * (mx.log(var) + mx.square(targets - inputs) / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def kl_div_loss(
    inputs: mx.array, targets: mx.array, axis: int = -1, reduction: Reduction = "none"
) -> mx.array:
    """KL divergence from ``inputs`` to ``targets``, both log-probabilities,
    summed over ``axis``."""
    return _reduce(mx.sum(mx.exp(targets) * (targets - inputs), axis), reduction)


def smooth_l1_loss(
    predictions: mx.array, targets: mx.array, beta: float = 1.0, reduction: Reduction = "mean"
) -> mx.array:
    """Quadratic (scaled by ``1/beta``) for errors below ``beta``, linear
    above."""
    _same_shape(predictions, targets, "predictions", "targets")
    err = mx.abs(predictions - targets)
    loss = mx.where(err < beta, 0.5 * mx.square(err) / beta, err - 0.5 * beta)
    return _reduce(loss, reduction)


def triplet_loss(
    anchors: mx.array,
    positives: mx.array,
    negatives: mx.array,
    axis: int = -1,
    p: int = 2,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: Reduction = "none",
) -> mx.array:
    """Triplet margin loss: ``max(d(a, p) - d(a, n) + margin, 0)`` with
    p-norm distances along ``axis`` (``eps`` is added inside the root, which
    keeps the gradient finite at zero distance)."""

    def dist(a, b):
        return mx.power(mx.power(mx.abs(a - b), p).sum(axis) + eps, 1.0 / p)

    loss = mx.maximum(dist(anchors, positives) - dist(anchors, negatives) + margin, 0)
    return _reduce(loss, reduction)


def hinge_loss(inputs: mx.array, targets: mx.array, reduction: Reduction = "none") -> mx.array:
    """``max(1 - y x, 0)`` for targets ``y`` in {-1, 1}."""
    return _reduce(mx.maximum(1 - inputs * targets, 0), reduction)


def huber_loss(
    inputs: mx.array, targets: mx.array, delta: float = 1.0, reduction: Reduction = "none"
) -> mx.array:
    """Quadratic within ``delta`` of the target, linear (slope ``delta``)
    beyond."""
    err = mx.abs(inputs - targets)
    inside = mx.minimum(err, delta)
    return _reduce(0.5 * inside**2 + delta * (err - inside), reduction)


def log_cosh_loss(inputs: mx.array, targets: mx.array, reduction: Reduction = "none") -> mx.array:
    """``log(cosh(error))``, computed as ``logaddexp(e, -e) - log 2`` so that
    large errors do not overflow."""
    e = inputs - targets
    return _reduce(mx.logaddexp(e, -e) - math.log(2), reduction)


def cosine_similarity_loss(
    x1: mx.array, x2: mx.array, axis: int = 1, eps: float = 1e-8, reduction: Reduction = "none"
) -> mx.array:
    """Cosine similarity of ``x1`` and ``x2`` along ``axis`` (the product of
    the norms is clamped below at ``eps``)."""
    norms = mx.maximum(_l2(x1, axis) * _l2(x2, axis), eps)
    return _reduce(mx.sum(x1 * x2, axis=axis) / norms, reduction)


def margin_ranking_loss(
    inputs1: mx.array,
    inputs2: mx.array,
    targets: mx.array,
    margin: float = 0.0,
    reduction: Reduction = "none",
) -> mx.array:
    """``max(0, margin - y (x1 - x2))``: ``y = 1`` asks for ``x1`` to rank
    higher, ``y = -1`` for ``x2``."""
    if not (inputs1.shape == inputs2.shape == targets.shape):
        raise ValueError(
            f"The shapes of the arguments do not match. The provided shapes are "
            f"inputs1.shape={inputs1.shape}, inputs2.shape={inputs2.shape}, and "
            f"targets.shape={targets.shape}."
        )
    return _reduce(mx.maximum(0, -targets * (inputs1 - inputs2) + margin), reduction)
