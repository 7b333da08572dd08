"""Deterministic cases for mlx.nn.losses and mlx.optimizers (see
tests/nn_cases.py for the scheme). Names are prefixed ``loss_``, ``optim_``
and ``sched_``."""

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten, tree_map

from nn_helpers import det, err

CASES = {}
REDUCTIONS = ("none", "mean", "sum")


def case(fn):
    CASES[fn.__name__[5:]] = fn
    return fn


# ---------------------------------------------------------------- losses --

L = nn.losses
A, B = (lambda: det((2, 5), 1)), (lambda: det((2, 5), 4))  # noqa: E731
LOGITS = lambda: det((3, 4), 1, 2.0)  # noqa: E731
TGT = lambda: mx.array([0, 3, 1])  # noqa: E731


def _each_reduction(out, name, fn):
    for r in REDUCTIONS:
        out[f"{name}.{r}"] = fn(r)


@case
def case_loss_cross_entropy():
    out = {}
    probs = nn.softmax(det((3, 4), 2))
    _each_reduction(out, "ce", lambda r: L.cross_entropy(LOGITS(), TGT(), reduction=r))
    _each_reduction(out, "probs", lambda r: L.cross_entropy(LOGITS(), probs, reduction=r))
    _each_reduction(
        out, "smooth", lambda r: L.cross_entropy(LOGITS(), TGT(), label_smoothing=0.2, reduction=r)
    )
    _each_reduction(
        out,
        "weights",
        lambda r: L.cross_entropy(LOGITS(), TGT(), weights=mx.array([1.0, 2.0, 0.5]), reduction=r),
    )
    out["axis0"] = L.cross_entropy(LOGITS(), mx.array([0, 2, 1, 1]), axis=0)
    out["probs_smooth"] = L.cross_entropy(LOGITS(), probs, label_smoothing=0.1)
    out["f16"] = L.cross_entropy(LOGITS().astype(mx.float16), TGT())
    out["batched"] = L.cross_entropy(det((2, 3, 4), 2, 3.0), mx.array([[0, 1, 2], [3, 3, 0]]))
    out["bad_reduction"] = err(lambda: L.cross_entropy(LOGITS(), TGT(), reduction="avg"))
    out["bad_smoothing"] = err(lambda: L.cross_entropy(LOGITS(), TGT(), label_smoothing=1.0))
    out["bad_shape"] = err(lambda: L.cross_entropy(LOGITS(), mx.array([0, 1])))
    out["bad_weights"] = err(lambda: L.cross_entropy(LOGITS(), TGT(), weights=mx.ones(2)))
    return out


@case
def case_loss_binary_cross_entropy():
    out = {}
    p = det((6,), 3)
    y = mx.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    _each_reduction(out, "logits", lambda r: L.binary_cross_entropy(p, y, reduction=r))
    _each_reduction(
        out, "probs", lambda r: L.binary_cross_entropy(mx.sigmoid(p), y, with_logits=False, reduction=r)
    )
    _each_reduction(
        out,
        "weights",
        lambda r: L.binary_cross_entropy(p, y, weights=mx.arange(6).astype(mx.float32), reduction=r),
    )
    out["probs_edge"] = L.binary_cross_entropy(
        mx.array([0.0, 1.0, 0.5]), mx.array([1.0, 0.0, 1.0]), with_logits=False, reduction="none"
    )
    out["soft_targets"] = L.binary_cross_entropy(p, mx.abs(det((6,), 5)))
    out["int_targets"] = L.binary_cross_entropy(p, mx.array([0, 1, 1, 0, 1, 0]))
    out["bad_shape"] = err(lambda: L.binary_cross_entropy(p, y[:3]))
    out["bad_weights"] = err(lambda: L.binary_cross_entropy(p, y, weights=mx.ones(2)))
    return out


@case
def case_loss_regression():
    out = {}
    _each_reduction(out, "l1", lambda r: L.l1_loss(A(), B(), reduction=r))
    _each_reduction(out, "mse", lambda r: L.mse_loss(A(), B(), reduction=r))
    _each_reduction(out, "smooth_l1", lambda r: L.smooth_l1_loss(A() * 4, B(), beta=0.5, reduction=r))
    _each_reduction(out, "smooth_l1_def", lambda r: L.smooth_l1_loss(A() * 4, B(), reduction=r))
    _each_reduction(out, "huber", lambda r: L.huber_loss(A() * 4, B(), delta=0.7, reduction=r))
    _each_reduction(out, "huber_def", lambda r: L.huber_loss(A() * 4, B(), reduction=r))
    _each_reduction(out, "log_cosh", lambda r: L.log_cosh_loss(A() * 4, B(), reduction=r))
    _each_reduction(out, "hinge", lambda r: L.hinge_loss(A(), mx.sign(B()), reduction=r))
    var = mx.abs(det((2, 5), 6)) + 0.1
    _each_reduction(out, "gnll", lambda r: L.gaussian_nll_loss(A(), B(), var, reduction=r))
    _each_reduction(
        out, "gnll_full", lambda r: L.gaussian_nll_loss(A(), B(), var, full=True, eps=1e-3, reduction=r)
    )
    out["gnll_zero_var"] = L.gaussian_nll_loss(A(), B(), mx.zeros((2, 5)))
    out["mse_shape"] = err(lambda: L.mse_loss(A(), B()[:1]))
    out["l1_shape"] = err(lambda: L.l1_loss(A(), B()[:1]))
    out["gnll_shape"] = err(lambda: L.gaussian_nll_loss(A(), B()[:1], var))
    out["l1_bad_reduction"] = err(lambda: L.l1_loss(A(), B(), reduction="x"))
    return out


@case
def case_loss_probabilistic():
    out = {}
    ls = nn.log_softmax(LOGITS())
    _each_reduction(out, "nll", lambda r: L.nll_loss(ls, TGT(), reduction=r))
    out["nll_axis0"] = L.nll_loss(nn.log_softmax(LOGITS(), axis=0), mx.array([0, 2, 1, 1]), axis=0)
    _each_reduction(out, "kl", lambda r: L.kl_div_loss(ls, nn.log_softmax(det((3, 4), 5)), reduction=r))
    out["kl_axis0"] = L.kl_div_loss(ls, nn.log_softmax(det((3, 4), 5)), axis=0)
    return out


@case
def case_loss_metric():
    out = {}
    c = det((2, 5), 7)
    _each_reduction(out, "triplet", lambda r: L.triplet_loss(A(), B(), c, reduction=r))
    _each_reduction(out, "triplet_p1", lambda r: L.triplet_loss(A(), B(), c, p=1, margin=0.3, reduction=r))
    out["triplet_p3_ax0"] = L.triplet_loss(A(), B(), c, axis=0, p=3, eps=1e-3)
    _each_reduction(out, "cosine", lambda r: L.cosine_similarity_loss(A(), B(), reduction=r))
    out["cosine_ax0"] = L.cosine_similarity_loss(A(), B(), axis=0, reduction="mean")
    out["cosine_zero"] = L.cosine_similarity_loss(mx.zeros((2, 5)), B())
    out["cosine_neg_ax"] = L.cosine_similarity_loss(A(), B(), axis=-1, eps=0.5)
    y = mx.sign(det((2, 5), 8))
    _each_reduction(out, "margin", lambda r: L.margin_ranking_loss(A(), B(), y, margin=0.1, reduction=r))
    out["margin_def"] = L.margin_ranking_loss(A(), B(), y)
    out["margin_shape"] = err(lambda: L.margin_ranking_loss(A(), B()[:1], y))
    return out


@case
def case_loss_grads():
    # Gradients through the losses (what training actually uses).
    out = {}
    fns = {
        "ce": lambda x: L.cross_entropy(x, TGT(), label_smoothing=0.1, reduction="mean"),
        "bce": lambda x: L.binary_cross_entropy(x, mx.array([[0.0, 1, 1, 0]] * 3), reduction="mean"),
        "mse": lambda x: L.mse_loss(x, LOGITS() * 0.5),
        "huber": lambda x: L.huber_loss(x, LOGITS() * 0.1, reduction="sum"),
        "smooth_l1": lambda x: L.smooth_l1_loss(x, LOGITS() * 0.1),
        "log_cosh": lambda x: L.log_cosh_loss(x, LOGITS() * 0.1, reduction="sum"),
        "cosine": lambda x: L.cosine_similarity_loss(x, LOGITS() + 1, reduction="sum"),
    }
    for name, fn in fns.items():
        out[name] = mx.grad(fn)(det((3, 4), 9))
    return out


# ------------------------------------------------------------ optimizers --


def _problem():
    return {"w": det((3, 4), 1), "b": [det((4,), 2), {"c": det((2,), 3)}]}


def _grads(params, i):
    return tree_map(lambda p: p * 2 + 0.1 * (i + 1), params)


def _record(opt, params, out, prefix=""):
    for k, v in tree_flatten(params):
        out[prefix + "p." + k] = v
    state = tree_flatten(opt.state)
    out[prefix + "state.names"] = [k for k, _ in state]
    for k, v in state:
        out[prefix + "state." + k] = v


def run_optimizer(make, steps=3, dtype=None):
    opt = make()
    params = _problem()
    if dtype is not None:
        params = tree_map(lambda p: p.astype(dtype), params)
    out = {}
    for i in range(steps):
        params = opt.apply_gradients(_grads(params, i), params)
        out[f"step{i}.w"] = params["w"]
    _record(opt, params, out)
    return out


OPTIMIZERS = {
    "sgd": lambda: optim.SGD(0.1),
    "sgd_mom": lambda: optim.SGD(0.1, momentum=0.9),
    "sgd_mom_wd_damp": lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.01, dampening=0.1),
    "sgd_nesterov": lambda: optim.SGD(0.1, momentum=0.9, nesterov=True),
    "sgd_wd": lambda: optim.SGD(0.1, weight_decay=0.1),
    "rmsprop": lambda: optim.RMSprop(0.01),
    "rmsprop_a": lambda: optim.RMSprop(0.01, alpha=0.5, eps=1e-3),
    "adagrad": lambda: optim.Adagrad(0.1),
    "adadelta": lambda: optim.AdaDelta(1.0),
    "adadelta_r": lambda: optim.AdaDelta(0.5, rho=0.5, eps=1e-3),
    "adam": lambda: optim.Adam(0.01),
    "adam_bc": lambda: optim.Adam(0.01, betas=[0.8, 0.9], bias_correction=True),
    "adamw": lambda: optim.AdamW(0.01, weight_decay=0.1),
    "adamw_bc": lambda: optim.AdamW(0.01, bias_correction=True),
    "adamax": lambda: optim.Adamax(0.01),
    "adamax_b": lambda: optim.Adamax(0.01, betas=[0.5, 0.6], eps=1e-3),
    "lion": lambda: optim.Lion(0.01),
    "lion_wd": lambda: optim.Lion(0.01, betas=[0.8, 0.9], weight_decay=0.1),
    "adafactor": lambda: optim.Adafactor(),
    "adafactor_lr": lambda: optim.Adafactor(
        0.01, relative_step=False, beta_1=0.9, weight_decay=0.1, scale_parameter=False
    ),
    "adafactor_warm": lambda: optim.Adafactor(warmup_init=True, clip_threshold=0.5, decay_rate=-0.5),
    "muon": lambda: optim.Muon(0.02),
    "muon_plain": lambda: optim.Muon(0.02, nesterov=False, weight_decay=0.0, ns_steps=3),
    "sgd_sched": lambda: optim.SGD(optim.cosine_decay(0.1, 10), momentum=0.5),
    "adam_sched": lambda: optim.Adam(optim.linear_schedule(0.0, 0.1, 4)),
}


def _optim_case(name):
    def fn():
        return run_optimizer(OPTIMIZERS[name])

    CASES["optim_" + name] = fn


for _name in OPTIMIZERS:
    _optim_case(_name)


@case
def case_optim_half():
    out = {}
    for name in ("sgd_mom", "adam", "adamw", "adafactor", "lion"):
        r = run_optimizer(OPTIMIZERS[name], steps=2, dtype=mx.float16)
        out.update({name + "." + k: v for k, v in r.items() if "names" not in k})
    return out


@case
def case_optim_model_update():
    mx.random.seed(61)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model.layers[0].freeze(keys="bias")
    opt = optim.Adam(0.05)
    x, y = det((5, 3), 1), det((5, 2), 2)
    loss_fn = nn.value_and_grad(model, lambda: nn.losses.mse_loss(model(x), y))
    out = {}
    for i in range(3):
        loss, grads = loss_fn()
        opt.update(model, grads)
        out[f"loss{i}"] = loss
    out.update({"m." + k: v for k, v in tree_flatten(model.parameters())})
    out["state.names"] = [k for k, _ in tree_flatten(opt.state)]
    out["step"] = opt.step
    out["lr"] = opt.learning_rate
    return out


@case
def case_optim_init_and_lr():
    opt = optim.Adam(0.1)
    params = _problem()
    out = {"before_init": [k for k, _ in tree_flatten(opt.state)]}
    opt.init(params)
    out["after_init"] = [k for k, _ in tree_flatten(opt.state)]
    out["m0"] = opt.state["w"]["m"]
    params = opt.apply_gradients(_grads(params, 0), params)
    opt.learning_rate = 0.01
    out["lr_set"] = opt.learning_rate
    params = opt.apply_gradients(_grads(params, 1), params)
    out["w"] = params["w"]
    out["step"] = opt.step
    # gradients for a subset of the parameters update only that subset
    sub = opt.apply_gradients({"w": params["w"]}, params)
    out["subset_keys"] = sorted(sub.keys())
    out["subset_w"] = sub["w"]
    return out


@case
def case_optim_multi():
    params = _problem()
    opt = optim.MultiOptimizer(
        [optim.Adam(0.01), optim.SGD(0.1, momentum=0.9)],
        [lambda name, g: g.ndim >= 2],
    )
    out = {}
    for i in range(3):
        params = opt.apply_gradients(_grads(params, i), params)
    _record(opt, params, out)
    out["lr"] = opt.learning_rate
    opt3 = optim.MultiOptimizer(
        [optim.Lion(0.01), optim.Adagrad(0.1), optim.RMSprop(0.01)],
        [lambda name, g: name.startswith("b.1"), lambda name, g: name == "w"],
    )
    params = _problem()
    for i in range(2):
        params = opt3.apply_gradients(_grads(params, i), params)
    _record(opt3, params, out, prefix="three.")
    out["bad_filters"] = err(lambda: optim.MultiOptimizer([optim.SGD(0.1), optim.SGD(0.1)], []))
    return out


@case
def case_optim_clip_grad_norm():
    _, grads = _problem(), _grads(_problem(), 0)
    clipped, norm = optim.clip_grad_norm(grads, 1.0)
    out = {"norm": norm}
    out.update({"clipped." + k: v for k, v in tree_flatten(clipped)})
    same, norm2 = optim.clip_grad_norm(grads, 100.0)
    out["norm2"] = norm2
    out.update({"same." + k: v for k, v in tree_flatten(same)})
    return out


SCHEDULES = {
    "cosine": lambda: optim.cosine_decay(0.1, 8),
    "cosine_end": lambda: optim.cosine_decay(0.1, 8, end=0.01),
    "exp": lambda: optim.exponential_decay(0.1, 0.9),
    "step": lambda: optim.step_decay(0.1, 0.5, 3),
    "linear": lambda: optim.linear_schedule(0.0, 0.1, 5),
    "linear_down": lambda: optim.linear_schedule(0.1, 0.01, 4),
    "join": lambda: optim.join_schedules(
        [optim.linear_schedule(0.0, 0.1, 4), optim.cosine_decay(0.1, 5)], [4]
    ),
    "join3": lambda: optim.join_schedules(
        [
            optim.linear_schedule(0.0, 0.1, 2),
            optim.step_decay(0.1, 0.5, 2),
            optim.exponential_decay(0.02, 0.5),
        ],
        [2, 7],
    ),
}


@case
def case_sched_values():
    out = {}
    for name, make in SCHEDULES.items():
        s = make()
        out[name] = mx.stack([mx.array(s(mx.array(i))) for i in range(12)])
        out[name + ".int"] = mx.array(s(3))
    out["linear_bad"] = err(lambda: optim.linear_schedule(0.0, 0.1, 0))
    out["join_bad"] = err(lambda: optim.join_schedules([optim.cosine_decay(0.1, 5)], [1, 2]))
    return out


@case
def case_sched_as_learning_rate():
    out = {}
    for name, make in SCHEDULES.items():
        opt = optim.SGD(make())
        params = {"w": det((3,), 1)}
        lrs = []
        for i in range(6):
            params = opt.apply_gradients({"w": mx.ones((3,))}, params)
            lrs.append(opt.learning_rate)
        out[name + ".lr"] = mx.stack(lrs)
        out[name + ".w"] = params["w"]
    return out


@case
def case_optim_shapes():
    # 3D and scalar parameters (reshaped / unfactored paths), a late new key
    out = {}
    for name in ("muon", "adafactor", "adafactor_lr", "adam", "sgd_nesterov", "lion"):
        opt = OPTIMIZERS[name]()
        params = {"k": det((2, 3, 4), 1), "s": mx.array(0.5)}
        for i in range(2):
            params = opt.apply_gradients(_grads(params, i), params)
        params["late"] = det((3,), 2)
        opt.init(params)
        params = opt.apply_gradients(_grads(params, 2), params)
        _record(opt, params, out, prefix=name + ".")
    out["nesterov_no_momentum"] = err(lambda: optim.SGD(0.1, nesterov=True))
    out["nesterov_dampening"] = err(lambda: optim.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True))
    out["adafactor_no_lr"] = err(
        lambda: optim.Adafactor(relative_step=False).apply_gradients(
            {"w": mx.ones((2,))}, {"w": mx.ones((2,))}
        )
    )
    return out


@case
def case_optim_lr_array():
    opt = optim.Adam(mx.array(0.05))
    params = _problem()
    params = opt.apply_gradients(_grads(params, 0), params)
    out = {"lr": opt.learning_rate, "w": params["w"]}
    opt.learning_rate = mx.array(0.5, dtype=mx.float16)
    out["lr16"] = opt.learning_rate
    params = opt.apply_gradients(_grads(params, 1), params)
    out["w2"] = params["w"]
    return out


def train_end_to_end(compiled=False):
    """Six seeded training steps with dropout, a MultiOptimizer with
    schedules, gradient clipping: losses and final parameters."""
    from functools import partial

    mx.random.seed(4)
    model = nn.Sequential(nn.Linear(3, 16), nn.GELU(), nn.Dropout(0.2), nn.LayerNorm(16), nn.Linear(16, 1))
    lr = optim.cosine_decay(0.05, 10)
    opt = optim.MultiOptimizer([optim.AdamW(lr), optim.SGD(lr, momentum=0.9)], [lambda n, g: g.ndim == 2])
    x = mx.random.normal((32, 3))
    y = mx.sum(x, axis=1, keepdims=True)
    loss_and_grad = nn.value_and_grad(model, lambda a, b: nn.losses.mse_loss(model(a), b))

    def step(a, b):
        loss, grads = loss_and_grad(a, b)
        grads, _ = optim.clip_grad_norm(grads, 1.0)
        opt.update(model, grads)
        return loss

    if compiled:
        state = [model.state, opt.state, mx.random.state]
        step = partial(mx.compile, inputs=state, outputs=state)(step)
    losses = []
    for _ in range(6):
        loss = step(x, y)
        mx.eval(loss, model.state, opt.state)
        losses.append(loss)
    out = {"losses": mx.stack(losses), "lr": opt.learning_rate}
    out.update({"p." + k: v for k, v in tree_flatten(model.parameters())})
    return out


@case
def case_optim_end_to_end():
    return train_end_to_end()
