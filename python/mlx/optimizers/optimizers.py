"""Optimizers (the classes of mlx.optimizers).

Each optimizer keeps a state tree that mirrors the parameters: one dict per
parameter (filled by ``init_single``) plus ``step`` and the hyper-parameters
that may be scheduled (``learning_rate``). ``apply_single`` maps one
gradient and parameter to the new parameter, updating its dict in place.
Moving averages are written ``beta * old + (1 - beta) * new`` throughout so
the rounding matches MLX's.
"""

import math  # noqa: F401 - re-exported by ``from ... import *`` as in MLX
from typing import Callable, List, Optional, Tuple, Union

import mlx.core as mx
from mlx.nn import Module
from mlx.utils import tree_flatten, tree_map, tree_merge, tree_reduce, tree_unflatten  # noqa: F401

# No __all__: like MLX, ``from mlx.optimizers.optimizers import *`` also
# re-exports the helpers imported above (tree_map, Module, ...).

_Schedule = Union[float, Callable[[mx.array], mx.array]]


def _check_betas(name, betas):
    # NaN fails the range test too
    for i, beta in enumerate(betas[:2], start=1):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name} beta{i} should be in [0, 1), {beta} was provided instead")


def _check_positive_eps(name, eps):
    # eps = 0 lets a zero accumulator divide 0 by 0
    if eps <= 0.0:
        raise ValueError(f"{name} epsilon should be >0, {eps} was provided instead")


def _ema(old, new, beta):
    return beta * old + (1 - beta) * new


def _empty_states_like(params):
    return tree_map(lambda _: {}, params)


def _grow_state(params, state):
    """Give ``state`` an entry for every container/leaf of ``params`` that
    it lacks (an empty dict per new parameter); existing entries stay."""
    if isinstance(params, dict):
        for k, p in params.items():
            state[k] = _grow_state(p, state[k]) if k in state else _empty_states_like(p)
        return state
    if isinstance(params, (list, tuple)):
        old = list(state)
        new = [
            _grow_state(p, old[i]) if i < len(old) else _empty_states_like(p) for i, p in enumerate(params)
        ]
        return type(params)(new + old[len(params) :])
    return state


class Optimizer:
    """Base class: subclasses define ``init_single`` and ``apply_single``."""

    def __init__(self, schedulers=None):
        self._initialized = False
        self._state = {"step": mx.array(0, mx.uint64)}
        self._schedulers = dict(schedulers or {})

    def update(self, model: Module, gradients: dict):
        """Apply ``gradients`` to ``model``'s parameters (in place)."""
        model.update(self.apply_gradients(gradients, model))

    def init(self, parameters: dict):
        """Create the state of every parameter that has none yet. Optional:
        the first update does it for the parameters it sees."""
        _grow_state(parameters, self._state)

        def init_if_new(param, state):
            if not state:
                self.init_single(param, state)

        tree_map(init_if_new, parameters, self._state)
        self._initialized = True

    def init_single(self, parameter: mx.array, state: dict):
        """Fill the (empty) state dict of one parameter."""
        raise NotImplementedError()

    def apply_gradients(self, gradients: dict, parameters: dict):
        """The parameters after one step. ``gradients`` may cover only part
        of ``parameters``; only that part is returned."""
        if not self._initialized:
            self.init(gradients)
        # schedules see the number of steps taken before this one
        for name, schedule in self._schedulers.items():
            self.state[name] = schedule(self.step)
        self.state["step"] = self.step + 1
        return tree_map(self.apply_single, gradients, parameters, self.state)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """The new value of one parameter (``state`` is updated in place)."""
        raise NotImplementedError()

    @property
    def state(self):
        return self._state

    @state.setter
    def state(self, state: dict):
        # a restored state may lack entries: fill them on the next update
        self._initialized = False
        self._state = state

    @property
    def step(self):
        return self.state["step"]

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        self.state["learning_rate"] = mx.array(learning_rate)

    def _maybe_schedule(self, name: str, param: Union[float, Callable]):
        """Store hyper-parameter ``name``: a constant, or a schedule (a
        function of the step) re-evaluated at every update."""
        if callable(param):
            self._schedulers[name] = param
            self.state[name] = param(self.step)
        else:
            self.state[name] = mx.array(param)

    def _lr(self, like):
        return self.learning_rate.astype(like.dtype)


def _merge_parts(a, b):
    """Union of two trees whose leaves do not overlap (the results of the
    optimizers of a MultiOptimizer). Places empty in both stay empty
    containers, so that e.g. a ReLU inside a Sequential keeps its ``{}``."""
    if isinstance(a, dict) and isinstance(b, dict):
        merged = dict(a)
        for k, v in b.items():
            merged[k] = _merge_parts(a[k], v) if k in a else v
        return merged
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        n = max(len(a), len(b))
        parts = [
            _merge_parts(a[i], b[i]) if i < len(a) and i < len(b) else (a[i] if i < len(a) else b[i])
            for i in range(n)
        ]
        return type(a)(parts)
    if a is None or (isinstance(a, (dict, list, tuple)) and not a):
        return b
    if b is None or (isinstance(b, (dict, list, tuple)) and not b):
        return a
    raise ValueError("Trees contain elements at the same locations but no merge function was provided")


class MultiOptimizer(Optimizer):
    """Route each parameter to an optimizer: the first whose filter
    ``fn(path, gradient)`` accepts it, else the last one (so there is one
    filter fewer than optimizers)."""

    def __init__(self, optimizers, filters: list = []):
        super().__init__()
        self._state = {}
        if len(filters) != len(optimizers) - 1:
            raise ValueError(f"Given {len(filters)} filters but {len(optimizers) - 1} needed.")
        self.optimizers = optimizers
        self.filters = filters + [lambda *args, **kwargs: True]

    def _split_dictionary(self, gradients: dict):
        if len(self.optimizers) == 1:
            return [gradients]
        parts = [[] for _ in self.optimizers]
        for path, g in tree_flatten(gradients):
            first = next(i for i, accepts in enumerate(self.filters) if accepts(path, g))
            parts[first].append((path, g))
        # an optimizer without parameters gets an empty dict (tree_unflatten
        # of nothing would be a list)
        return [tree_unflatten(p) if p else {} for p in parts]

    def init(self, parameters: dict):
        for opt, part in zip(self.optimizers, self._split_dictionary(parameters)):
            opt.init(part)

    def apply_gradients(self, gradients: dict, parameters: dict):
        result = {}
        for opt, part in zip(self.optimizers, self._split_dictionary(gradients)):
            result = _merge_parts(result, opt.apply_gradients(part, parameters))
        return result

    @property
    def state(self):
        return {"states": [opt.state for opt in self.optimizers]}

    @state.setter
    def state(self, state: dict):
        if "states" not in state or len(state["states"]) != len(self.optimizers):
            raise ValueError("Invalid state provided")
        for opt, s in zip(self.optimizers, state["states"]):
            opt.state = s

    @property
    def learning_rate(self):
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        for opt in self.optimizers:
            opt.learning_rate = learning_rate


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (and
    dampening or Nesterov's variant) and L2 weight decay."""

    def __init__(
        self,
        learning_rate: _Schedule,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening.")
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dampening = dampening
        self.nesterov = nesterov

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        lr = self._lr(gradient)
        if self.momentum <= 0:
            return parameter - lr * gradient
        damped = (1 - self.dampening) * gradient if self.dampening > 0 else gradient
        v = self.momentum * state["v"] + damped
        state["v"] = v
        step = gradient + self.momentum * v if self.nesterov else v
        return parameter - lr * step


class RMSprop(Optimizer):
    r"""Divide the gradient by a running RMS of recent gradients."""

    def __init__(self, learning_rate: _Schedule, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.alpha = alpha
        self.eps = eps
        if alpha < 0.0:
            raise ValueError(f"RMSprop alpha should be >=0, {alpha} was provided instead")
        _check_positive_eps("RMSprop", eps)

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        v = state["v"] = _ema(state["v"], mx.square(gradient), self.alpha)
        return parameter - self._lr(gradient) * gradient / (mx.sqrt(v) + self.eps)


class Adagrad(Optimizer):
    r"""Divide the gradient by the root of the sum of all squared
    gradients so far."""

    def __init__(self, learning_rate: _Schedule, eps: float = 1e-8):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        _check_positive_eps("Adagrad", eps)

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        v = state["v"] = state["v"] + mx.square(gradient)
        return parameter - self._lr(gradient) * gradient / (mx.sqrt(v) + self.eps)


class AdaDelta(Optimizer):
    r"""Steps scaled by the ratio of running RMS of past updates (``u``) to
    running RMS of gradients (``v``)."""

    def __init__(self, learning_rate: _Schedule, rho: float = 0.9, eps: float = 1e-6):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.rho = rho
        self.eps = eps
        if rho < 0.0:
            raise ValueError(f"AdaDelta rho should be >=0, {rho} was provided instead")
        _check_positive_eps("AdaDelta", eps)

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)
        state["u"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        v = _ema(state["v"], mx.square(gradient), self.rho)
        delta = mx.sqrt(state["u"] + self.eps) / mx.sqrt(v + self.eps) * gradient
        state["u"] = _ema(state["u"], mx.square(delta), self.rho)
        state["v"] = v
        return parameter - self._lr(gradient) * delta


class Adam(Optimizer):
    r"""Adam. As in MLX the moments are not bias corrected unless
    ``bias_correction=True``."""

    def __init__(
        self,
        learning_rate: _Schedule,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        bias_correction: bool = False,
    ):
        super().__init__()
        _check_betas("Adam", betas)
        if not eps >= 0.0:
            raise ValueError(f"Adam epsilon should be >=0, {eps} was provided instead")
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.eps = eps
        self.bias_correction = bias_correction

    def init_single(self, parameter: mx.array, state: dict):
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        b1, b2 = self.betas
        lr = self._lr(gradient)
        m = state["m"] = _ema(state["m"], gradient, b1)
        v = state["v"] = _ema(state["v"], mx.square(gradient), b2)
        if not self.bias_correction:
            return parameter - lr * m / (mx.sqrt(v) + self.eps)
        t = self.step
        m_scale = (lr / (1 - b1**t)).astype(gradient.dtype)
        v_scale = mx.rsqrt(1 - b2**t).astype(gradient.dtype)
        return parameter - (m_scale * m) / (mx.sqrt(v) * v_scale + self.eps)


class AdamW(Adam):
    r"""Adam with decoupled weight decay: each step first shrinks the
    parameter by the factor :math:`1 - lr\,\lambda`."""

    def __init__(
        self,
        learning_rate: _Schedule,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        bias_correction: bool = False,
    ):
        super().__init__(learning_rate=learning_rate, betas=betas, eps=eps, bias_correction=bias_correction)
        self.weight_decay = weight_decay

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        shrunk = parameter * (1 - self._lr(gradient) * self.weight_decay)
        return super().apply_single(gradient, shrunk, state)


class Adamax(Adam):
    r"""Adam with an infinity norm (a decaying maximum of absolute
    gradients) in place of the second moment."""

    def __init__(self, learning_rate: _Schedule, betas: List[float] = [0.9, 0.999], eps: float = 1e-8):
        super().__init__(learning_rate, betas, eps)

    init_single = Adam.init_single  # the same state (m, v); an own member as in MLX

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        b1, b2 = self.betas
        m = state["m"] = _ema(state["m"], gradient, b1)
        u = state["v"] = mx.maximum(b2 * state["v"], mx.abs(gradient))
        return parameter - self._lr(gradient) * m / (u + self.eps)


class Lion(Optimizer):
    r"""Steps of constant size in the direction of the sign of a mix of
    momentum and gradient."""

    def __init__(self, learning_rate: _Schedule, betas: List[float] = [0.9, 0.99], weight_decay: float = 0.0):
        super().__init__()
        _check_betas("Lion", betas)
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.weight_decay = weight_decay

    def init_single(self, parameter: mx.array, state: dict):
        state["m"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        b1, b2 = self.betas
        lr = self._lr(gradient)
        direction = mx.sign(_ema(state["m"], gradient, b1))
        state["m"] = _ema(state["m"], gradient, b2)
        if self.weight_decay > 0:
            parameter = (1 - lr * self.weight_decay) * parameter
        return parameter - lr * direction


def _rms(x):
    return mx.sqrt(mx.mean(mx.square(x)))


class Adafactor(Optimizer):
    r"""Adafactor: second moments of matrices kept as row and column
    averages, step sizes relative to the parameter scale, clipped updates."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array], None] = None,
        eps: Tuple[float, float] = (1e-30, 1e-3),
        clip_threshold: float = 1.0,
        decay_rate: float = -0.8,
        beta_1: Optional[float] = None,
        weight_decay: float = 0.0,
        scale_parameter: bool = True,
        relative_step: bool = True,
        warmup_init: bool = False,
    ):
        super().__init__()
        if learning_rate is not None:
            self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        self.clip_threshold = clip_threshold
        self.decay_rate = decay_rate
        self.beta_1 = beta_1
        self.weight_decay = weight_decay
        self.scale_parameter = scale_parameter
        self.relative_step = relative_step
        self.warmup_init = warmup_init

    def init_single(self, parameter: mx.array, state: dict):
        shape, dtype = parameter.shape, parameter.dtype
        if parameter.ndim >= 2:
            state["exp_avg_sq_row"] = mx.zeros(shape[:-1], dtype=dtype)
            state["exp_avg_sq_col"] = mx.zeros(shape[:-2] + shape[-1:], dtype=dtype)
        else:
            state["exp_avg_sq"] = mx.zeros_like(parameter)
        if self.beta_1 is not None:
            state["exp_avg"] = mx.zeros_like(parameter)

    def _compute_rms(self, inputs):
        """Root mean square of all the values of ``inputs``."""
        return _rms(inputs)

    def _compute_learning_rate(self, step, parameter_rms):
        """The step size: relative (to the parameter scale, decaying with
        the step) or the given ``learning_rate``."""
        param_rms = parameter_rms
        if self.relative_step:
            cap = 1e-6 * step if self.warmup_init else 1e-2
            size = mx.minimum(cap, mx.rsqrt(step))
        else:
            size = self.learning_rate  # a KeyError when none was given, as MLX
        size = size.astype(param_rms.dtype)
        if self.scale_parameter:
            return mx.maximum(self.eps[1], param_rms) * size
        return 1.0 * size

    def _approximate_exp_moving_avg(self, exp_avg_sq_row, exp_avg_sq_col):
        """The factored estimate of 1/sqrt(second moment): the outer product
        of the row factors (normalized by their mean) and column factors,
        each batch of leading axes separately."""
        inv_row = mx.rsqrt(exp_avg_sq_row / mx.mean(exp_avg_sq_row, axis=-1, keepdims=True))
        inv_col = mx.rsqrt(exp_avg_sq_col)
        return mx.matmul(mx.expand_dims(inv_row, -1), mx.expand_dims(inv_col, -2))

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        step = self.step
        param_rms = self._compute_rms(parameter)
        lr = self._compute_learning_rate(step, param_rms)
        beta2 = 1.0 - (step**self.decay_rate).astype(param_rms.dtype)
        sq = mx.square(gradient) + self.eps[0]
        if gradient.ndim >= 2:
            row = state["exp_avg_sq_row"] = _ema(state["exp_avg_sq_row"], mx.mean(sq, axis=-1), beta2)
            col = state["exp_avg_sq_col"] = _ema(state["exp_avg_sq_col"], mx.mean(sq, axis=-2), beta2)
            update = self._approximate_exp_moving_avg(row, col) * gradient
        else:
            v = state["exp_avg_sq"] = _ema(state["exp_avg_sq"], sq, beta2)
            update = mx.rsqrt(v) * gradient
        update = update / mx.maximum(1.0, self._compute_rms(update) / self.clip_threshold)
        update = lr * update
        if self.beta_1 is not None:
            update = state["exp_avg"] = _ema(state["exp_avg"], update, self.beta_1)
        if self.weight_decay != 0:
            parameter = parameter + parameter * (-self.weight_decay * lr)
        return parameter - update


class Muon(Optimizer):
    r"""Momentum whose updates for matrices (and higher-dimensional
    parameters, flattened to matrices) are orthogonalized by Newton-Schulz
    iterations; other parameters get plain momentum steps."""

    def __init__(
        self,
        learning_rate: _Schedule,
        momentum: float = 0.95,
        weight_decay: float = 0.01,
        nesterov: bool = True,
        ns_steps: int = 5,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.ns_steps = ns_steps

    def init_single(self, parameter: mx.array, state: dict):
        state["v"] = mx.zeros_like(parameter)

    def _zeropower_via_newtonschulz5(self, X, steps: int):
        """Approximately orthogonalize the 2D ``X`` with the quintic
        iteration X <- aX + (bA + cA^2)X, A = XX^T, on the wide side."""
        assert X.ndim == 2, f"Expected a 2D array for Newton-Schulz iteration, got shape {X.shape} instead."
        a, b, c = 3.4445, -4.7750, 2.0315
        tall = X.shape[0] > X.shape[1]
        if tall:
            X = X.T
        X = X / (mx.sqrt(mx.sum(mx.square(X), keepdims=True)) + 1e-7)
        for _ in range(steps):
            A = X @ X.T
            X = a * X + (b * A + c * (A @ A)) @ X
        return X.T if tall else X

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        mu = self.momentum
        v = state["v"] = mu * state["v"] + (1 - mu) * gradient
        update = gradient * (1 - mu) + v * mu if self.nesterov else v
        lr = self._lr(gradient)
        if update.ndim >= 2:
            shape = update.shape
            flat = update.reshape(shape[0], -1)
            update = self._zeropower_via_newtonschulz5(flat, steps=self.ns_steps).reshape(shape)
            lr = lr * max(1, shape[-2] / shape[-1]) ** 0.5
        return parameter - lr * update


def _squared_norm(g):
    # float16 squares overflow from 256 on: square those in float32
    if g.dtype == mx.float16:
        g = g.astype(mx.float32)
    return mx.sum(mx.square(g))


def clip_grad_norm(grads, max_norm):
    """Rescale ``grads`` so that their global L2 norm is at most
    ``max_norm``; returns ``(clipped, norm before clipping)``. Floating
    point gradients keep their dtype."""
    if max_norm < 0:
        raise ValueError(f"max_norm should be >=0, {max_norm} was provided instead")
    norm = mx.sqrt(tree_reduce(lambda acc, g: acc + _squared_norm(g), grads, 0.0))
    factor = mx.minimum(max_norm / (norm + 1e-6), 1.0)

    def clip(g):
        clipped = g * factor
        return clipped.astype(g.dtype) if mx.issubdtype(g.dtype, mx.floating) else clipped

    return tree_map(clip, grads), norm
