"""Cases for the numerically delicate corners of mlx.nn, mlx.optimizers and
mlx.utils: activations and losses at large inputs (where a naive formula
overflows to inf or loses everything to rounding), their gradients there,
half precision statistics, and the argument checks and tree/Module
behaviours fixed alongside (issues 15 and 17).

Recording (with real MLX 0.32, never the project):

    env -u PYTHONPATH /work/venv-mlx/bin/python tests/nn_stability_cases.py

writes tests/data/nn_stability_mlx.json; tests/test_nn_stability.py replays
the same cases against the project. See tests/nn_cases.py for the scheme.
"""

import os
import sys

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten, tree_unflatten

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from nn_helpers import det, err  # noqa: E402

CASES = {}


def case(fn):
    CASES[fn.__name__[5:]] = fn
    return fn


# Inputs spanning the range where naive formulas break: exp overflows in
# float32 from 89 on, float16 from 11.1 on.
BIG = [-1e30, -1e4, -100.0, -30.0, -5.0, -0.5, 0.0, 0.5, 5.0, 30.0, 100.0, 1e4, 1e30]
BIG_HALF = [-6e4, -1e3, -100.0, -20.0, -5.0, -0.5, 0.0, 0.5, 5.0, 20.0, 100.0, 1e3, 6e4]


def _value_and_grad(out, key, fn, x):
    out[key] = fn(x)
    out[key + ".grad"] = mx.grad(lambda v: fn(v).sum())(x)


ACTIVATIONS = {
    "sigmoid": nn.sigmoid,
    "tanh": nn.tanh,
    "relu": nn.relu,
    "relu2": nn.relu2,
    "relu6": nn.relu6,
    "leaky_relu": nn.leaky_relu,
    "elu": nn.elu,
    "celu": lambda x: nn.celu(x, 1.5),
    "selu": nn.selu,
    "softplus": nn.softplus,
    "log_sigmoid": nn.log_sigmoid,
    "softsign": nn.softsign,
    "silu": nn.silu,
    "mish": nn.mish,
    "gelu": nn.gelu,
    "gelu_approx": nn.gelu_approx,
    "gelu_fast_approx": nn.gelu_fast_approx,
    "hardswish": nn.hardswish,
    "hard_tanh": nn.hard_tanh,
    "hard_shrink": nn.hard_shrink,
    "softshrink": nn.softshrink,
    "step": nn.step,
    "prelu": lambda x: nn.prelu(x, mx.array([0.25])),
}


def _activation_case(name):
    fn = ACTIVATIONS[name]

    def run():
        out = {}
        _value_and_grad(out, "f32", fn, mx.array(BIG))
        for dt in (mx.float16, mx.bfloat16):
            _value_and_grad(out, str(dt).split(".")[-1], fn, mx.array(BIG_HALF, dt))
        return out

    run.__name__ = "case_act_big_" + name
    return run


for _name in ACTIVATIONS:
    case(_activation_case(_name))


def _rows(values, dtype=None):
    # each value twice in a row, next to a value 3 below it
    x = mx.array([[v, v, v - 3.0] for v in values])
    return x if dtype is None else x.astype(dtype)


@case
def case_act_big_softmax_family():
    out = {}
    for name, fn in (("softmax", nn.softmax), ("softmin", nn.softmin), ("log_softmax", nn.log_softmax)):
        _value_and_grad(out, name, fn, _rows([0.0, 1e4, 1e8, 1e20, 1e36, -1e36]))
        _value_and_grad(out, name + ".axis0", lambda x: fn(x, axis=0), _rows([1e8, 1e8 + 64]))
        _value_and_grad(out, name + ".f16", fn, _rows([0.0, 1e2, 6e4], mx.float16))
        _value_and_grad(out, name + ".bf16", fn, _rows([0.0, 1e4, 1e30], mx.bfloat16))
    out["log_softmax.equal"] = nn.log_softmax(mx.array([[1e8, 1e8], [1e36, 1e36]]))
    out["log_softmax.neg_inf"] = nn.log_softmax(mx.array([1.0, -float("inf"), -float("inf")]))
    out["log_softmax.int"] = nn.log_softmax(mx.array([1, 2, 3]))
    out["glu"] = nn.glu(mx.array([[1e4, -1e4, 1e4, -1e4]]))
    out["glu.grad"] = mx.grad(lambda x: nn.glu(x).sum())(mx.array([[1e4, -1e4, 1e4, -1e4]]))
    return out


@case
def case_act_step_threshold():
    x = mx.array([-1.0, 0.0, 1.0, 2.0])
    return {
        "default": nn.step(x),
        "threshold1": nn.step(x, 1.0),
        "module": nn.Step(threshold=1.0)(x),
        "int": nn.step(mx.array([-1, 0, 1])),
        "f16": nn.step(x.astype(mx.float16)),
        "nan": nn.step(mx.array([float("nan"), -float("inf"), float("inf")])),
    }


# ---------------------------------------------------------------- losses --

L = nn.losses
E = [-1e4, -100.0, -60.0, -5.0, -0.5, 0.0, 0.5, 5.0, 60.0, 100.0, 1e4]


@case
def case_loss_big_cross_entropy():
    out = {}
    idx = mx.array([0, 1, 2])
    base = mx.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [1.0, 1.0, 1.0]])
    for off in (0.0, 1e4, 1e6, -1e6):
        x = base + off
        _value_and_grad(out, f"idx.{off:g}", lambda v: L.cross_entropy(v, idx), x)
        _value_and_grad(out, f"smooth.{off:g}", lambda v: L.cross_entropy(v, idx, label_smoothing=0.3), x)
        _value_and_grad(out, f"axis0.{off:g}", lambda v: L.cross_entropy(v.T, idx, axis=0), x)
    probs = mx.array([[1.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 0.0, 1.0]])
    unnormalized = mx.array([[2.0, 0.0, 0.0], [0.6, 1.4, 0.0], [0.0, 1.0, 1.0]])
    for off in (0.0, 1e4, 1e6):
        x = base + off
        _value_and_grad(out, f"probs.{off:g}", lambda v: L.cross_entropy(v, probs), x)
        out[f"probs_unnormalized.{off:g}"] = L.cross_entropy(x, unnormalized)
        out[f"probs_unnormalized_smooth.{off:g}"] = L.cross_entropy(x, unnormalized, label_smoothing=0.2)
    for v in (1.0, 1e4, 1e8, 1e20):
        out[f"equal.{v:g}"] = L.cross_entropy(mx.array([[v, v]]), mx.array([0]))
    inf = float("inf")
    out["neg_inf_other"] = L.cross_entropy(mx.array([[0.0, -inf], [-inf, 0.0]]), mx.array([0, 1]))
    out["neg_inf_target"] = L.cross_entropy(mx.array([[0.0, -inf]]), mx.array([1]))
    out["all_neg_inf"] = L.cross_entropy(mx.array([[-inf, -inf]]), mx.array([1]))
    out["pos_inf"] = L.cross_entropy(mx.array([[inf, 1.0]]), mx.array([1]))
    out["neg_inf_smooth"] = L.cross_entropy(mx.array([[0.0, -inf]]), mx.array([0]), label_smoothing=0.1)
    out["probs_neg_inf"] = L.cross_entropy(
        mx.array([[0.0, -inf], [-inf, 0.0]]), mx.array([[1.0, 0.0], [0.0, 1.0]])
    )
    out["f16"] = L.cross_entropy((base + 1e3).astype(mx.float16), idx)
    out["bf16"] = L.cross_entropy((base + 1e3).astype(mx.bfloat16), idx)
    return out


@case
def case_loss_big_binary_cross_entropy():
    out = {}
    x = mx.array(E)
    y = mx.array([float(i % 2) for i in range(len(E))])
    _value_and_grad(out, "logits", lambda v: L.binary_cross_entropy(v, y, reduction="none"), x)
    _value_and_grad(out, "logits.flipped", lambda v: L.binary_cross_entropy(v, 1 - y, reduction="none"), x)
    _value_and_grad(
        out, "logits.soft", lambda v: L.binary_cross_entropy(v, y * 0.8 + 0.1, reduction="none"), x
    )
    out["logits.f16"] = L.binary_cross_entropy(mx.array(E, mx.float16), y, reduction="none")
    out["logits.bf16"] = L.binary_cross_entropy(mx.array(E, mx.bfloat16), y, reduction="none")
    p = mx.array([0.0, 1e-30, 1e-8, 0.5, 1 - 1e-7, 1.0])
    t = mx.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    out["probs"] = L.binary_cross_entropy(p, t, with_logits=False, reduction="none")
    out["probs.mean"] = L.binary_cross_entropy(p, t, with_logits=False)
    return out


def _pairwise_loss(fn):
    def run():
        out = {}
        t = mx.zeros((len(E),))
        _value_and_grad(out, "f32", lambda v: fn(v, t), mx.array(E))
        th = mx.zeros((len(E),), mx.float16)
        _value_and_grad(out, "f16", lambda v: fn(v, th), mx.array(E, mx.float16))
        return out

    return run


PAIRWISE = {
    "log_cosh": lambda a, b: L.log_cosh_loss(a, b),
    "huber": lambda a, b: L.huber_loss(a, b, delta=2.0),
    "smooth_l1": lambda a, b: L.smooth_l1_loss(a, b, beta=0.5, reduction="none"),
    "l1": lambda a, b: L.l1_loss(a, b, reduction="none"),
    "mse": lambda a, b: L.mse_loss(a, b, reduction="none"),
    "hinge": lambda a, b: L.hinge_loss(a, b + 1),
    "margin_ranking": lambda a, b: L.margin_ranking_loss(a, b, mx.ones_like(a), margin=0.5),
}

for _name, _fn in PAIRWISE.items():
    _run = _pairwise_loss(_fn)
    _run.__name__ = "case_loss_big_" + _name
    case(_run)


@case
def case_loss_big_others():
    out = {}
    logp = mx.array([[-1e4, -100.0, 0.0], [-60.0, -0.5, -5.0]])
    _value_and_grad(out, "nll", lambda v: L.nll_loss(v, mx.array([0, 1])), logp)
    _value_and_grad(out, "kl_div", lambda v: L.kl_div_loss(v, logp[::-1]), logp)
    x = mx.array(E)
    var = mx.array([1e-12, 1e-6, 1e-3, 0.5, 1.0, 2.0, 10.0, 1e3, 1e6, 1e10, 1e20])
    _value_and_grad(
        out, "gaussian_nll", lambda v: L.gaussian_nll_loss(v, mx.zeros_like(v), var, reduction="none"), x
    )
    out["gaussian_nll.full"] = L.gaussian_nll_loss(x, mx.zeros_like(x), var, full=True)
    a = mx.array([[1e4, -1e4, 3.0], [1e-20, 0.0, 1e-20]])
    b = mx.array([[-1e4, 1e4, 3.0], [1e-20, 1e-20, 0.0]])
    _value_and_grad(out, "cosine", lambda v: L.cosine_similarity_loss(v, b), a)
    _value_and_grad(out, "triplet", lambda v: L.triplet_loss(v, b, a * 0.5), a)
    return out


# ------------------------------------------------------- normalization --


@case
def case_norm_instance_half():
    import numpy as np

    out = {}
    board = np.indices((4, 4, 4)).sum(axis=0) % 2
    x = np.stack([np.where(board, -512, 512), np.where(board, -256, 256)], axis=-1)[None]
    for dt in ("float16", "bfloat16", "float32"):
        xx = mx.array(x.astype(np.float32)).astype(getattr(mx, dt))
        out[f"board.{dt}"] = nn.InstanceNorm(dims=2)(xx)
    y = det((2, 3, 5, 4), 3, 3.0) + 1.0
    for dt in ("float16", "bfloat16", "float32"):
        m = nn.InstanceNorm(4, affine=True)
        m.weight = mx.array([1.0, 2.0, -0.5, 3.0])
        m.bias = mx.array([0.1, 0.2, 0.3, 0.4])
        yy = y.astype(getattr(mx, dt))
        out[f"plain.{dt}"] = nn.InstanceNorm(4)(yy)
        out[f"affine.{dt}"] = m(yy)
        m.set_dtype(getattr(mx, dt))
        out[f"affine_same_dtype.{dt}"] = m(yy)
    return out


# ------------------------------------------------------------ optimizers --


@case
def case_optim_eps_and_betas_checks():
    out = {}
    for name in ("RMSprop", "Adagrad", "AdaDelta", "Adam", "AdamW", "Adamax"):
        for eps in (-1.0, 0.0, float("nan"), 1e-8):
            out[f"{name}.eps{eps}"] = err(lambda: getattr(optim, name)(learning_rate=0.1, eps=eps))
    for name in ("Adam", "AdamW", "Adamax", "Lion"):
        for betas in ([0.9, 1.0], [1.0, 0.9], [-0.1, 0.9], [0.0, 0.0], [0.9, float("nan")]):
            out[f"{name}.betas{betas}"] = err(lambda: getattr(optim, name)(learning_rate=0.1, betas=betas))
    return out


@case
def case_optim_clip_grad_norm_dtypes():
    out = {}

    def record(key, grads, max_norm):
        clipped, norm = optim.clip_grad_norm(grads, max_norm)
        out[key + ".norm"] = norm
        for k, v in tree_flatten(clipped):
            out[f"{key}.{k}"] = v

    record("f32", {"a": mx.array([3.0, 4.0])}, 1.0)
    record("f32_noclip", {"a": mx.array([0.1, 0.2]), "b": [mx.array([0.3])]}, 10.0)
    record("f16_big", {"a": mx.array([300.0, 400.0], mx.float16)}, 1.0)
    record("f16_small", {"a": mx.array([1e-3, 2e-3, 3e-3], mx.float16)}, 1e-3)
    record("bf16", {"a": mx.array([0.3, 0.7, 1.3], mx.bfloat16)}, 1.0)
    record("bf16_array_max", {"a": mx.array([0.3, 0.7, 1.3], mx.bfloat16)}, mx.array(1.0))
    record("mixed", {"a": mx.array([3.0, 4.0], mx.bfloat16), "b": mx.array([1.0], mx.float16)}, 1.0)
    record("int", {"a": mx.array([3, 4])}, 1.0)
    record("zero", {"a": mx.zeros((2,))}, 1.0)
    record("max_zero", {"a": mx.array([3.0, 4.0])}, 0.0)
    out["negative"] = err(lambda: optim.clip_grad_norm({"a": mx.array([3.0, 4.0])}, -1.0))
    return out


@case
def case_optim_adafactor_factored():
    out = {}
    opt = optim.Adafactor()
    row = mx.array([[1.0, 4.0, 9.0], [16.0, 25.0, 36.0]])
    col = mx.array([[1.0, 4.0, 9.0, 16.0], [25.0, 36.0, 49.0, 64.0]])
    out["approx_batched"] = opt._approximate_exp_moving_avg(row, col)
    out["approx_2d"] = opt._approximate_exp_moving_avg(row[0], col[0])
    out["approx_f16"] = opt._approximate_exp_moving_avg(row[0].astype(mx.float16), col[0].astype(mx.float16))
    out["rms"] = opt._compute_rms(mx.array([3.0, 4.0]))
    out["lr"] = opt._compute_learning_rate(mx.array(4), mx.array(0.5))
    params = {"x": det((2, 3, 4), 1), "v": det((5,), 2)}
    grads = {"x": det((2, 3, 4), 5), "v": det((5,), 6)}
    opt = optim.Adafactor()
    for i in range(3):
        params = opt.apply_gradients(grads, params)
        out[f"step{i}.x"] = params["x"]
        out[f"step{i}.v"] = params["v"]
    return out


# ----------------------------------------------------- Module and trees --


@case
def case_module_freeze_strict():
    out = {}

    def trainable(m):
        return sorted(k for k, _ in tree_flatten(m.trainable_parameters()))

    def model():
        return nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2))

    for op in ("freeze", "unfreeze"):
        for label, kw in (
            ("bias", dict(keys="bias", strict=True)),
            ("list_unknown", dict(keys=["bias", "nope"], strict=True)),
            ("unknown", dict(keys="nope", strict=True)),
            ("unknown_lax", dict(keys="nope")),
            ("local_child", dict(keys="layers", strict=True, recurse=False)),
            ("local_missing", dict(keys="bias", strict=True, recurse=False)),
            ("weight", dict(keys=["weight"], strict=True)),
        ):
            m = model()
            if op == "unfreeze":
                m.freeze()
            out[f"{op}.{label}.err"] = err(lambda: getattr(m, op)(**kw))
            out[f"{op}.{label}.trainable"] = trainable(m)
    return out


@case
def case_module_custom_transformer_parts():
    t = nn.Transformer(
        dims=8,
        num_heads=2,
        num_encoder_layers=1,
        num_decoder_layers=1,
        custom_encoder=nn.Identity(),
        custom_decoder=nn.Identity(),
    )
    return {
        "encoder": type(t.encoder).__name__,
        "decoder": type(t.decoder).__name__,
        "names": [k for k, _ in tree_flatten(t.parameters())],
    }


@case
def case_utils_tree_unflatten_keys():
    out = {}
    trees = {
        "collide": [("01", "a"), ("1", "b"), ("2", "c")],
        "collide_nested": [("1", "a"), ("01.x", "b")],
        "padded": [("01", "a"), ("2", "b")],
        "holes": [("0", "a"), ("2", "b")],
        "negative": [("-1", "a"), ("0", "b")],
        "negative_hole": [("2", "a"), ("-2", "b")],
        "minus_zero": [("0", "a"), ("-0", "b")],
        "plus": [("+1", "a"), ("0", "b")],
        "unordered": [("1", "a"), ("0", "b")],
        "mixed": [("0", "a"), ("x", "b")],
        "deep": [("a.01", "x"), ("a.1", "y"), ("a.2.0", "z")],
    }
    for name, items in trees.items():
        out[name] = repr(tree_unflatten(items))
    return out


if __name__ == "__main__":
    from nn_helpers import run_cases, save_reference

    assert "/work/main" not in mx.__file__, "record with real MLX, not the project"
    values = run_cases(CASES)
    save_reference(os.path.join(HERE, "data", "nn_stability_mlx.json"), values)
    print(f"recorded {len(CASES)} cases, {len(values)} values, MLX {mx.__version__}")
