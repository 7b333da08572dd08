"""grad, value_and_grad, vjp, jvp, vmap and stop_gradient: finite differences
in float64, composition, trees and errors."""

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(0)


def f64(x):
    return mx.array(np.asarray(x, dtype=np.float64), dtype=mx.float64)


# (name, function of one array, input generator)
UNARY = [
    ("abs", mx.abs, lambda s: RNG.uniform(0.2, 2, s) * RNG.choice([-1, 1], s)),
    ("negative", mx.negative, lambda s: RNG.normal(size=s)),
    ("square", mx.square, lambda s: RNG.normal(size=s)),
    ("sqrt", mx.sqrt, lambda s: RNG.uniform(0.5, 2, s)),
    ("rsqrt", mx.rsqrt, lambda s: RNG.uniform(0.5, 2, s)),
    ("exp", mx.exp, lambda s: RNG.normal(size=s)),
    ("expm1", mx.expm1, lambda s: RNG.normal(size=s)),
    ("log", mx.log, lambda s: RNG.uniform(0.5, 2, s)),
    ("log2", mx.log2, lambda s: RNG.uniform(0.5, 2, s)),
    ("log10", mx.log10, lambda s: RNG.uniform(0.5, 2, s)),
    ("log1p", mx.log1p, lambda s: RNG.uniform(0.0, 2, s)),
    ("sin", mx.sin, lambda s: RNG.normal(size=s)),
    ("cos", mx.cos, lambda s: RNG.normal(size=s)),
    ("tan", mx.tan, lambda s: RNG.uniform(-1, 1, s)),
    ("arcsin", mx.arcsin, lambda s: RNG.uniform(-0.8, 0.8, s)),
    ("arccos", mx.arccos, lambda s: RNG.uniform(-0.8, 0.8, s)),
    ("arctan", mx.arctan, lambda s: RNG.normal(size=s)),
    ("sinh", mx.sinh, lambda s: RNG.normal(size=s)),
    ("cosh", mx.cosh, lambda s: RNG.normal(size=s)),
    ("tanh", mx.tanh, lambda s: RNG.normal(size=s)),
    ("arcsinh", mx.arcsinh, lambda s: RNG.normal(size=s)),
    ("arccosh", mx.arccosh, lambda s: RNG.uniform(1.5, 3, s)),
    ("arctanh", mx.arctanh, lambda s: RNG.uniform(-0.8, 0.8, s)),
    ("sigmoid", mx.sigmoid, lambda s: RNG.normal(size=s)),
    ("erf", mx.erf, lambda s: RNG.normal(size=s)),
    ("erfinv", mx.erfinv, lambda s: RNG.uniform(-0.8, 0.8, s)),
    ("sum", lambda x: mx.sum(x, axis=1), lambda s: RNG.normal(size=s)),
    ("prod", lambda x: mx.prod(x, axis=0), lambda s: RNG.uniform(0.5, 2, s)),
    ("max", lambda x: mx.max(x, axis=1), lambda s: RNG.normal(size=s)),
    ("min", lambda x: mx.min(x, axis=0, keepdims=True), lambda s: RNG.normal(size=s)),
    ("mean", lambda x: mx.mean(x), lambda s: RNG.normal(size=s)),
    ("var", lambda x: mx.var(x, axis=1), lambda s: RNG.normal(size=s)),
    ("std", lambda x: mx.std(x, axis=0), lambda s: RNG.normal(size=s)),
    ("logsumexp", lambda x: mx.logsumexp(x, axis=1), lambda s: RNG.normal(size=s)),
    ("transpose", lambda x: mx.transpose(x) * mx.arange(3.0), lambda s: RNG.normal(size=s)),
    ("reshape", lambda x: x.reshape(-1) * mx.arange(12.0), lambda s: RNG.normal(size=s)),
    ("slice", lambda x: x[1:, ::2] * 3, lambda s: RNG.normal(size=s)),
    ("slice_neg", lambda x: x[::-2, 1:3] ** 2, lambda s: RNG.normal(size=s)),
    ("broadcast", lambda x: mx.broadcast_to(x[:1], (5, 4, 3)) * mx.arange(3.0), lambda s: RNG.normal(size=s)),
    ("matmul", lambda x: x @ x.T, lambda s: RNG.normal(size=s)),
    ("where", lambda x: mx.where(x > 0, x * 2, x**2), lambda s: RNG.normal(size=s)),
    ("clip", lambda x: mx.clip(x, -0.5, 0.5), lambda s: RNG.normal(size=s)),
]

BINARY = [
    ("add", mx.add, None),
    ("subtract", mx.subtract, None),
    ("multiply", mx.multiply, None),
    ("divide", mx.divide, "positive_b"),
    ("power", mx.power, "positive"),
    ("maximum", mx.maximum, None),
    ("minimum", mx.minimum, None),
    ("logaddexp", mx.logaddexp, None),
    ("arctan2", mx.arctan2, None),
    ("remainder", mx.remainder, "positive_b"),
    ("matmul", lambda a, b: a @ b.T, None),
]


def numeric_vjp(fun, xs, cot, eps=1e-6):
    """Central differences of <cot, fun(xs)> with respect to each x."""
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        it = np.nditer(x, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            up = [v.copy() for v in xs]
            dn = [v.copy() for v in xs]
            up[i][idx] += eps
            dn[i][idx] -= eps
            fu = np.array(fun(*[f64(v) for v in up]))
            fd = np.array(fun(*[f64(v) for v in dn]))
            g[idx] = np.sum(cot * (fu - fd)) / (2 * eps)
        grads.append(g)
    return grads


def check_vjp_jvp(fun, xs):
    out = np.array(fun(*[f64(x) for x in xs]))
    cot = RNG.normal(size=out.shape)
    expected = numeric_vjp(fun, xs, cot)
    _, grads = mx.vjp(fun, [f64(x) for x in xs], [f64(cot)])
    for g, e in zip(grads, expected):
        assert g.dtype == mx.float64
        np.testing.assert_allclose(np.array(g), e, rtol=1e-5, atol=1e-6)
    # jvp: <cot, J t> must equal <J^T cot, t>.
    tans = [RNG.normal(size=x.shape) for x in xs]
    _, jt = mx.jvp(fun, [f64(x) for x in xs], [f64(t) for t in tans])
    lhs = np.sum(cot * np.array(jt[0]))
    rhs = sum(np.sum(e * t) for e, t in zip(expected, tans))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, fun, gen", UNARY, ids=[u[0] for u in UNARY])
def test_unary_grads_match_finite_differences(name, fun, gen):
    check_vjp_jvp(fun, [gen((4, 3)) if name == "broadcast" else gen((3, 4))])


@pytest.mark.parametrize("name, fun, domain", BINARY, ids=[b[0] for b in BINARY])
def test_binary_grads_match_finite_differences(name, fun, domain):
    a = RNG.normal(size=(3, 4))
    b = RNG.normal(size=(3, 4))
    if domain == "positive":
        a, b = np.abs(a) + 0.5, b
    if domain == "positive_b":
        b = np.abs(b) + 0.5
    if name in ("maximum", "minimum"):
        b = a + RNG.choice([-1, 1], a.shape) * RNG.uniform(0.1, 1, a.shape)
    check_vjp_jvp(fun, [a, b])


def test_broadcast_binary_grads():
    a = RNG.normal(size=(3, 1))
    b = RNG.normal(size=(4,))
    check_vjp_jvp(lambda x, y: x * y + x, [a, b])


def test_grad_and_value_and_grad():
    x = mx.array([1.0, 2.0])
    y = mx.array([3.0, 4.0])
    f = lambda x, y: (x * y).sum()  # noqa: E731
    assert mx.grad(f)(x, y).tolist() == [3.0, 4.0]
    gx, gy = mx.grad(f, argnums=(0, 1))(x, y)
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    val, g = mx.value_and_grad(f, argnums=1)(x, y)
    assert val.item() == 11.0 and g.tolist() == [1.0, 2.0]


def test_value_and_grad_with_aux():
    (loss, aux), g = mx.value_and_grad(lambda x: ((x**2).sum(), x * 2))(mx.array([1.0, 2.0]))
    assert loss.item() == 5.0
    assert aux.tolist() == [2.0, 4.0]
    assert g.tolist() == [2.0, 4.0]


def test_grad_of_trees_and_argnames():
    params = {"a": mx.array([1.0, 2.0]), "b": [mx.array(3.0), (mx.array([1.0]),)]}
    g = mx.grad(lambda p: (p["a"] * p["b"][0]).sum() + p["b"][1][0].sum())(params)
    assert g["a"].tolist() == [3.0, 3.0]
    assert g["b"][0].item() == 3.0
    assert g["b"][1][0].tolist() == [1.0]
    pos, kw = mx.grad(lambda x, *, y: (x * y).sum(), argnames=["y"])(mx.array([1.0]), y=mx.array([2.0]))
    assert pos is None and kw["y"].tolist() == [1.0]


def test_grad_errors():
    with pytest.raises(ValueError, match=r"\[vjp\]"):
        mx.grad(lambda x: x * 2)(mx.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\[tree_flatten\]"):
        mx.grad(lambda x: x * 2)(1.0)
    # MLX 0.32.4: "[grad] ... should be a scalar array; but str was returned."
    with pytest.raises(ValueError, match=r"\[grad\].*scalar array; but str was returned"):
        mx.grad(lambda x: "loss")(mx.array(1.0))


def test_higher_order():
    x = mx.array(0.7)
    d1 = mx.grad(mx.sin)
    d2 = mx.grad(d1)
    d3 = mx.grad(d2)
    assert abs(d1(x).item() - np.cos(0.7)) < 1e-6
    assert abs(d2(x).item() + np.sin(0.7)) < 1e-6
    assert abs(d3(x).item() + np.cos(0.7)) < 1e-6


def test_hessian_vector_product():
    def f(x):
        return (x**3).sum() + (x[0] * x[1])

    x = mx.array([1.0, 2.0, 3.0])
    v = mx.array([1.0, 0.0, 1.0])
    _, hv = mx.jvp(mx.grad(f), [x], [v])
    # H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]]
    assert np.allclose(np.array(hv[0]), [6.0, 1.0, 18.0])


def test_vmap_matches_loop():
    x = RNG.normal(size=(5, 3, 4)).astype(np.float32)
    y = RNG.normal(size=(4, 2)).astype(np.float32)
    f = lambda a, b: mx.tanh(a @ b).sum(axis=0) + mx.exp(a).max()  # noqa: E731
    out = mx.vmap(f, in_axes=(0, None))(mx.array(x), mx.array(y))
    ref = np.stack([np.array(f(mx.array(x[i]), mx.array(y))) for i in range(5)])
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-5)
    out1 = mx.vmap(f, in_axes=(2, None))(mx.array(np.moveaxis(x, 0, 2)), mx.array(y))
    np.testing.assert_allclose(np.array(out1), ref, rtol=1e-5, atol=1e-5)
    out2 = mx.vmap(f, in_axes=(0, None), out_axes=1)(mx.array(x), mx.array(y))
    np.testing.assert_allclose(np.array(out2), ref.T, rtol=1e-5, atol=1e-5)


def test_vmap_of_grad_per_example_gradients():
    w = mx.array(RNG.normal(size=(3,)).astype(np.float32))
    xs = mx.array(RNG.normal(size=(6, 3)).astype(np.float32))
    loss = lambda w, x: mx.square(mx.sum(w * x))  # noqa: E731
    per_ex = mx.vmap(mx.grad(loss), in_axes=(None, 0))(w, xs)
    for i in range(6):
        np.testing.assert_allclose(np.array(per_ex[i]), np.array(mx.grad(loss)(w, xs[i])), rtol=1e-5)


def test_grad_of_vmap():
    x = mx.array([1.0, 2.0, 3.0])
    g = mx.grad(lambda x: mx.vmap(lambda v: v**2)(x).sum())(x)
    assert g.tolist() == [2.0, 4.0, 6.0]


def test_stop_gradient():
    g = mx.grad(lambda x: (x * mx.stop_gradient(x)).sum())(mx.array([2.0, 3.0]))
    assert g.tolist() == [2.0, 3.0]


def test_integer_and_comparison_ops_have_zero_grad():
    g = mx.grad(lambda x: (x > 0).astype(mx.float32).sum() + mx.floor(x).sum())(mx.array([1.5, -2.0]))
    assert g.tolist() == [0.0, 0.0]


def test_eval_inside_grad_keeps_graph():
    def f(x):
        y = mx.exp(x)
        mx.eval(y)
        return y.sum()

    g = mx.grad(f)(mx.array([0.0, 1.0]))
    np.testing.assert_allclose(np.array(g), np.exp([0.0, 1.0]), rtol=1e-6)


# ---- one output of a multi-output node, the others held by nobody


def _one_output_cases():
    r = np.random.default_rng(5)
    a = mx.array(r.standard_normal((4, 3)).astype(np.float32))
    b = mx.array(r.standard_normal((4, 3)).astype(np.float32))
    return r, a, b


@pytest.mark.parametrize("k", [0, 1])
def test_grad_through_one_output_of_depends(k):
    _, a, b = _one_output_cases()
    ga, gb = mx.grad(lambda a, b: mx.depends([a * 2, b * 3], [a + 1])[k].sum(), (0, 1))(a, b)
    np.testing.assert_array_equal(np.array(ga), np.full((4, 3), 2.0 if k == 0 else 0.0, np.float32))
    np.testing.assert_array_equal(np.array(gb), np.full((4, 3), 3.0 if k == 1 else 0.0, np.float32))
    _, (t,) = mx.jvp(lambda a: mx.depends([a * 2, a * 3], [a + 1])[k], [a], [mx.ones_like(a)])
    np.testing.assert_array_equal(np.array(t), np.full((4, 3), 2.0 + k, np.float32))
    out = mx.vmap(lambda a, b: mx.depends([a * 2, b * 3], [a + 1])[k])(a, b)
    np.testing.assert_allclose(np.array(out), np.array(a * 2 if k == 0 else b * 3))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_grad_jvp_vmap_through_one_piece_of_split(k):
    _, a, _ = _one_output_cases()
    a = mx.concatenate([a, a[:2]])  # (6, 3)
    g = mx.grad(lambda x: (mx.split(x, 3, 0)[k] ** 2).sum())(a)
    want = np.zeros((6, 3), np.float32)
    want[2 * k : 2 * k + 2] = 2 * np.array(a)[2 * k : 2 * k + 2]
    np.testing.assert_allclose(np.array(g), want, rtol=1e-6)
    _, (t,) = mx.jvp(lambda x: mx.split(x, 3, 0)[k], [a], [mx.ones_like(a)])
    np.testing.assert_array_equal(np.array(t), np.ones((2, 3), np.float32))
    out = mx.vmap(lambda x: mx.split(x, 3, 0)[k], in_axes=1)(a)
    np.testing.assert_array_equal(np.array(out), np.array(a)[2 * k : 2 * k + 2].T)


def test_grad_through_one_output_of_custom_function():
    _, a, b = _one_output_cases()

    @mx.custom_function
    def f(x, y):
        return x * y, x + y

    @f.vjp
    def f_vjp(primals, cotangents, outputs):
        x, y = primals
        cx, cy = cotangents
        return cx * y + cy, cx * x + cy

    ga, gb = mx.grad(lambda a, b: (f(a, b)[0] * 2).sum(), (0, 1))(a, b)
    np.testing.assert_allclose(np.array(ga), 2 * np.array(b), rtol=1e-6)
    np.testing.assert_allclose(np.array(gb), 2 * np.array(a), rtol=1e-6)
    ga, gb = mx.grad(lambda a, b: f(a, b)[1].sum(), (0, 1))(a, b)
    np.testing.assert_array_equal(np.array(ga), np.ones((4, 3), np.float32))


def test_grad_through_one_output_of_gated_delta():
    # Values recorded from MLX 0.32.4 on the same inputs.
    r = np.random.default_rng(0)
    r.standard_normal((2, 4, 3))
    q = mx.array(r.standard_normal((1, 3, 2, 4)).astype(np.float32))
    v = mx.array(r.standard_normal((1, 3, 4, 4)).astype(np.float32))
    g = mx.sigmoid(mx.array(r.standard_normal((1, 3, 4)).astype(np.float32)))
    for k, want in ((1, -13.0035), (0, -31.3385)):
        got = mx.grad(lambda q: mx.fast.gated_delta_update(q, q, v, g, g)[k].sum())(q).sum()
        np.testing.assert_allclose(got.item(), want, rtol=1e-4)


def test_second_order_through_one_output_of_the_norm_gradient():
    _, a, _ = _one_output_cases()
    w = mx.ones(3) * 1.5

    def inner(x, w, keep_dx):
        dx, dw = mx.grad(lambda x, w: (mx.fast.layer_norm(x, w, None, 1e-5) ** 2).sum(), (0, 1))(x, w)
        return dw.sum() + (0 * dx.sum() if keep_dx else 0)

    dropped = mx.grad(lambda x: inner(x, w, False))(a)
    held = mx.grad(lambda x: inner(x, w, True))(a)
    np.testing.assert_allclose(np.array(dropped), np.array(held), rtol=1e-5, atol=1e-7)


def test_grad_through_one_output_of_a_fused_node():
    big = mx.array(np.random.default_rng(2).standard_normal(1 << 20).astype(np.float32))
    f = mx.compile(lambda x: (mx.exp(x) * 2, mx.sin(x) + 1))
    g = mx.grad(lambda x: f(x)[1].sum())(big)
    np.testing.assert_allclose(np.array(g), np.cos(np.array(big)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "fun",
    [
        lambda a: mx.linalg.svd(a, stream=mx.cpu)[1].sum(),
        lambda a: mx.linalg.qr(a, stream=mx.cpu)[1].sum(),
        lambda a: mx.linalg.eigh(a @ a.T, stream=mx.cpu)[0].sum(),
    ],
)
def test_decompositions_without_derivatives_raise_through_one_output(fun):
    # As MLX 0.32.4: no vjp, a ValueError (not a crash).
    _, a, _ = _one_output_cases()
    with pytest.raises(ValueError, match="vjp is not implemented"):
        mx.grad(fun)(a)
