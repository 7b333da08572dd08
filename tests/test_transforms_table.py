"""The op table (tests/transform_table.py) through every transform.

For each row, in float64 on random inputs:
- jvp against central differences along a random tangent t;
- vjp through the identity <c, J t> = <J^T c, t> for a random cotangent c
  (as JAX's check_grads does: two evaluations at any size);
- for a sample of rows, second order: jvp of grad and grad of grad against
  central differences of the gradient;
- vmap against stacking the op over a Python loop, for several in_axes
  (0, 1, -1, None for some arguments) and out_axes; vmap of vmap and vmap
  of jvp for a sample;
- each argument differentiated alone against the joint transforms, and
  float32 gradients (dtype kept, values near the float64 ones).
Rows with integer, boolean or piecewise-constant outputs must give zero
gradients; the ops MLX refuses to differentiate must raise naming the op.
Then complex inputs against finite differences, MLX's conventions at kinks,
ties, zeros and infinities (its recorded answers), and the errors and
argument handling of grad, vjp, jvp and vmap.
"""

import zlib

import numpy as np
import pytest

import mlx.core as mx
from transform_table import CASES, COMPLEX, EXPECTED, EXPECTED_JVP, RAISES, SPECIAL, SPECIAL_JVP, draw

EPS = 1e-6


def rng_for(name, salt=0):
    return np.random.default_rng(zlib.crc32(name.encode()) + salt)


def to_mx(x):
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return mx.array(x, dtype=mx.float64)
    return mx.array(x)


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def np_outs(out):
    return [np.array(o) for o in as_list(out)]


def inner(xs, ys):
    return sum(float(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64))) for x, y in zip(xs, ys))


def bind(case, xs):
    """fn of the differentiated arguments, the others fixed; and their values."""
    d = case.diff_args()
    fixed = [to_mx(x) for x in xs]

    def f(*vals):
        full = list(fixed)
        for i, v in zip(d, vals):
            full[i] = v
        return case.fn(*full)

    return f, [xs[i] for i in d]


def directional(f, ps, ts, eps=None):
    """Central difference of f (NumPy outputs) at ps along ts."""
    eps = EPS if eps is None else eps
    up = np_outs(f(*[to_mx(p + eps * t) for p, t in zip(ps, ts)]))
    dn = np_outs(f(*[to_mx(p - eps * t) for p, t in zip(ps, ts)]))
    return [(u - v) / (2 * eps) for u, v in zip(up, dn)]


def ids(rows):
    return [r.name for r in rows]


def available(case):
    obj = mx
    for part in case.requires.split(".") if case.requires else []:
        if not hasattr(obj, part):
            pytest.skip(f"mx.{case.requires} does not exist yet")
        obj = getattr(obj, part)


SMOOTH = [c for c in CASES if not c.zero_grad]
ZERO = [c for c in CASES if c.zero_grad]
SECOND = [c for c in CASES if c.second]


@pytest.mark.parametrize("case", SMOOTH, ids=ids(SMOOTH))
def test_vjp_jvp_match_finite_differences(case):
    available(case)
    rng = rng_for(case.name)
    xs = draw(case, rng)
    f, ps = bind(case, xs)
    ts = [rng.normal(size=np.shape(p)) for p in ps]
    fd = directional(f, ps, ts, case.eps)
    outs = as_list(f(*[to_mx(p) for p in ps]))
    for o in outs:
        assert o.dtype == mx.float64, f"{case.name}: output dtype {o.dtype}"

    if case.jvp:
        _, jt = mx.jvp(f, [to_mx(p) for p in ps], [to_mx(t) for t in ts])
        assert len(jt) == len(outs)
        for j, o, e in zip(jt, outs, fd):
            assert j.shape == o.shape, f"{case.name}: jvp shape {j.shape} != {o.shape}"
            np.testing.assert_allclose(
                np.array(j), e, rtol=case.rtol, atol=case.atol, err_msg=f"{case.name}: jvp"
            )

    cots = [rng.normal(size=o.shape) for o in outs]
    _, grads = mx.vjp(f, [to_mx(p) for p in ps], [to_mx(c) for c in cots])
    assert len(grads) == len(ps)
    for g, p in zip(grads, ps):
        assert g.shape == np.shape(p), f"{case.name}: vjp shape {g.shape} != {np.shape(p)}"
        assert g.dtype == mx.float64, f"{case.name}: vjp dtype {g.dtype}"
    lhs = inner([np.array(g) for g in grads], ts)
    rhs = inner(cots, fd)
    np.testing.assert_allclose(
        lhs, rhs, rtol=case.rtol, atol=case.atol, err_msg=f"{case.name}: <vjp(c), t> != <c, J t>"
    )


MULTI = [c for c in SMOOTH if len(c.diff_args()) > 1]


@pytest.mark.parametrize("case", MULTI, ids=ids(MULTI))
def test_each_argument_alone(case):
    """vjp/jvp with respect to one argument (the others constant) equal the
    corresponding parts of the transforms over all of them."""
    available(case)
    rng = rng_for(case.name, 7)
    xs = draw(case, rng)
    f, ps = bind(case, xs)
    prim = [to_mx(p) for p in ps]
    outs = as_list(f(*prim))
    cots = [to_mx(rng.normal(size=o.shape)) for o in outs]
    ts = [to_mx(rng.normal(size=np.shape(p))) for p in ps]
    _, full = mx.vjp(f, prim, cots)
    for k in range(len(ps)):

        def fk(v, k=k):
            args = list(prim)
            args[k] = v
            return f(*args)

        _, gk = mx.vjp(fk, [prim[k]], cots)
        np.testing.assert_allclose(
            np.array(gk[0]),
            np.array(full[k]),
            rtol=1e-10,
            atol=1e-12,
            err_msg=f"{case.name}: vjp of argument {k} alone",
        )
        if case.jvp:
            _, jk = mx.jvp(fk, [prim[k]], [ts[k]])
            zero = [ts[i] if i == k else mx.zeros_like(ts[i]) for i in range(len(ps))]
            _, jf = mx.jvp(f, prim, zero)
            for a, b in zip(jk, jf):
                np.testing.assert_allclose(
                    np.array(a),
                    np.array(b),
                    rtol=1e-10,
                    atol=1e-12,
                    err_msg=f"{case.name}: jvp of argument {k} alone",
                )


@pytest.mark.parametrize("case", SMOOTH, ids=ids(SMOOTH))
def test_float32_grads_keep_dtype(case):
    """Gradients have their input's dtype (float32 here) and agree with float64 ones."""
    available(case)
    rng = rng_for(case.name, 5)
    xs = draw(case, rng)
    d = case.diff_args()

    def run(dtype):
        fixed = [to_mx(x).astype(dtype) if k in d else to_mx(x) for k, x in enumerate(xs)]

        def f(*vals):
            full = list(fixed)
            for k, v in zip(d, vals):
                full[k] = v
            return case.fn(*full)

        outs = as_list(f(*[fixed[k] for k in d]))
        cots = [mx.array(np.linspace(-1, 1, o.size).reshape(o.shape)).astype(o.dtype) for o in outs]
        return mx.vjp(f, [fixed[k] for k in d], cots)[1]

    g32, g64 = run(mx.float32), run(mx.float64)
    for a, b in zip(g32, g64):
        assert a.dtype == mx.float32, f"{case.name}: float32 input got a {a.dtype} gradient"
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=2e-3, atol=2e-3, err_msg=case.name)


@pytest.mark.parametrize("case", SECOND, ids=ids(SECOND))
def test_second_order(case):
    available(case)
    rng = rng_for(case.name, 1)
    xs = draw(case, rng)
    f, ps = bind(case, xs)
    p0 = ps[0]
    rest = [to_mx(p) for p in ps[1:]]
    out = as_list(f(*[to_mx(p) for p in ps]))[0]
    c = to_mx(rng.normal(size=out.shape))

    def g(x):  # gradient of <c, f> in the first differentiated argument
        return mx.grad(lambda y: mx.sum(as_list(f(y, *rest))[0] * c))(x)

    t = rng.normal(size=p0.shape)
    fd = directional(g, [p0], [t], eps=1e-5)[0]
    _, ht = mx.jvp(g, [to_mx(p0)], [to_mx(t)])
    np.testing.assert_allclose(np.array(ht[0]), fd, rtol=1e-5, atol=1e-6, err_msg=f"{case.name}: jvp of grad")
    c2 = rng.normal(size=p0.shape)
    gg = mx.grad(lambda x: mx.sum(g(x) * to_mx(c2)))(to_mx(p0))
    np.testing.assert_allclose(
        inner([np.array(gg)], [t]),
        inner([c2], [fd]),
        rtol=1e-5,
        atol=1e-6,
        err_msg=f"{case.name}: grad of grad",
    )


@pytest.mark.parametrize("case", ZERO, ids=ids(ZERO))
def test_integer_and_constant_outputs_have_zero_grads(case):
    available(case)
    rng = rng_for(case.name)
    xs = draw(case, rng)
    f, ps = bind(case, xs)
    prim = [to_mx(p) for p in ps]

    def loss(*vals):
        return sum(mx.sum(o.astype(mx.float64)) for o in as_list(f(*vals)))

    grads = as_list(mx.grad(loss, argnums=list(range(len(prim))))(*prim))
    for g, p in zip(grads, ps):
        assert g.shape == np.shape(p) and g.dtype == mx.float64
        assert not np.any(np.array(g)), f"{case.name}: nonzero gradient"
    ts = [to_mx(rng.normal(size=np.shape(p))) for p in ps]
    outs, jt = mx.jvp(f, prim, ts)
    for j, o in zip(jt, outs):
        assert j.shape == o.shape
        assert not np.any(np.array(j)), f"{case.name}: nonzero tangent"


@pytest.mark.parametrize("name, fn, modes, exc, text", RAISES, ids=[r[0] for r in RAISES])
def test_non_differentiable_ops_raise(name, fn, modes, exc, text):
    x = to_mx(rng_for(name).normal(size=(3, 4)))
    out = fn(x)
    if "vjp" in modes:
        with pytest.raises(exc, match=text):
            mx.eval(mx.vjp(fn, [x], [mx.zeros_like(out)]))
    if "jvp" in modes:
        with pytest.raises(exc, match=text):
            mx.eval(mx.jvp(fn, [x], [mx.zeros_like(x)]))


# vmap --------------------------------------------------------------------------

NB = 3  # batch size


def vmap_specs(case, xs, out_ndim):
    """(in_axes, out_axes) pairs: all 0; all 1 and all -1 where every input
    has a dim; each input mapped alone (others None); with three or more
    inputs, each input left unmapped; out_axes 1 and -1."""
    n = len(xs)
    nd = [np.ndim(x) for x in xs]
    specs = [((0,) * n, 0)]
    if min(nd) >= 1:
        specs.append(((1,) * n, 0))
        specs.append(((-1,) * n, -1))
    if n > 1:
        for i in range(n):
            ax = tuple((1 if nd[i] >= 1 else 0) if k == i else None for k in range(n))
            specs.append((ax, 0))
    if n > 2:
        for i in range(n):
            specs.append((tuple(None if k == i else -1 if nd[k] >= 1 else 0 for k in range(n)), 0))
    if out_ndim >= 1:
        specs.append(((0,) * n, 1))
    return specs


def batched_inputs(case, rng, in_axes):
    """Per input: (the value passed to vmap, its NB per-lane values)."""
    singles = draw(case, rng)
    out = []
    for k, ax in enumerate(in_axes):
        if ax is None:
            out.append((singles[k], [singles[k]] * NB))
        else:
            lanes = [singles[k]] + [draw(case, rng)[k] for _ in range(NB - 1)]
            out.append((np.stack(lanes, axis=ax), lanes))
    return out


VMAP = [c for c in CASES]


@pytest.mark.parametrize("case", VMAP, ids=ids(VMAP))
def test_vmap_matches_loop(case):
    available(case)
    rng = rng_for(case.name, 2)
    xs = draw(case, rng)
    outs = as_list(case.fn(*[to_mx(x) for x in xs]))
    specs = case.vmap or vmap_specs(case, xs, min(o.ndim for o in outs))
    for in_axes, out_axes in specs:
        ins = batched_inputs(case, rng, in_axes)
        got = as_list(mx.vmap(case.fn, in_axes=in_axes, out_axes=out_axes)(*[to_mx(v) for v, _ in ins]))
        lanes = [np_outs(case.fn(*[to_mx(lane[b]) for _, lane in ins])) for b in range(NB)]
        assert len(got) == len(lanes[0])
        for k, g in enumerate(got):
            want = np.stack([lanes[b][k] for b in range(NB)], axis=out_axes)
            msg = f"{case.name}: vmap in_axes={in_axes} out_axes={out_axes} output {k}"
            assert g.shape == want.shape, f"{msg}: shape {g.shape} != {want.shape}"
            # A tenth of the case's own tolerances: batched and single products
            # may sum in another order (the vector width differs by host), so
            # values near zero after cancellation need the absolute term too.
            np.testing.assert_allclose(
                np.array(g), want, rtol=max(1e-6, case.rtol / 10), atol=max(1e-9, case.atol / 10), err_msg=msg
            )


def test_vmap_of_jvp_and_grad_match_loop():
    """Transforms composed with vmap, on a few rows with mapped and unmapped inputs."""
    rows = {c.name: c for c in CASES}
    for name in ["matmul", "take_along_axis", "logsumexp", "sort", "at_add", "where"]:
        case = rows[name]
        rng = rng_for(name, 3)
        xs = draw(case, rng)
        d = case.diff_args()
        in_axes = tuple(0 if k == d[0] else None for k in range(len(xs)))
        ins = batched_inputs(case, rng, in_axes)

        def g(*vals):
            def loss(x):
                full = list(vals)
                full[d[0]] = x
                return sum(mx.sum(o) for o in as_list(case.fn(*full)))

            return mx.grad(loss)(vals[d[0]])

        got = mx.vmap(g, in_axes=in_axes)(*[to_mx(v) for v, _ in ins])
        want = np.stack([np.array(g(*[to_mx(lane[b]) for _, lane in ins])) for b in range(NB)])
        np.testing.assert_allclose(np.array(got), want, rtol=1e-6, atol=1e-9, err_msg=name)


NESTED = [
    "exp",
    "add_broadcast",
    "matmul",
    "sum_keepdims",
    "logsumexp",
    "take",
    "getitem_array",
    "put_along_axis",
    "at_add",
    "sort",
    "cummax",
    "concatenate",
    "pad",
    "conv1d",
    "softmax",
    "where_broadcast",
    "diagonal",
]


@pytest.mark.parametrize("name", NESTED)
def test_nested_vmap_and_vmap_of_jvp(name):
    """vmap(vmap(f)) over two batch axes and vmap(jvp(f)) against loops."""
    case = {c.name: c for c in CASES}[name]
    available(case)
    rng = rng_for(name, 4)
    n = len(case.args)
    # Outer batch of 2 on axis 0, inner batch of 3 on axis 1 (of the inner arrays).
    lanes = [[draw(case, rng) for _ in range(3)] for _ in range(2)]
    stacked = [
        np.stack(
            [
                np.stack([lanes[i][j][k] for j in range(3)], axis=min(1, np.ndim(lanes[0][0][k])))
                for i in range(2)
            ]
        )
        for k in range(n)
    ]
    inner_axes = tuple(min(1, np.ndim(lanes[0][0][k])) for k in range(n))
    got = as_list(mx.vmap(mx.vmap(case.fn, in_axes=inner_axes), in_axes=0)(*[to_mx(v) for v in stacked]))
    for i in range(2):
        for j in range(3):
            want = np_outs(case.fn(*[to_mx(v) for v in lanes[i][j]]))
            for g, w in zip(got, want):
                np.testing.assert_allclose(
                    np.array(g)[i, j], w, rtol=1e-6, atol=1e-9, err_msg=f"{name}: vmap of vmap lane {i}, {j}"
                )

    # vmap of jvp: the differentiated inputs and their tangents mapped, the rest not.
    d = case.diff_args()
    xs = draw(case, rng)
    batch = [draw(case, rng) for _ in range(3)]
    tans = [[rng.normal(size=np.shape(xs[k])) for k in d] for _ in range(3)]

    def jvp_of(*vals):
        prim, tan = vals[: len(d)], vals[len(d) :]

        def f(*dv):
            full = [to_mx(x) for x in xs]
            for k, v in zip(d, dv):
                full[k] = v
            return case.fn(*full)

        return mx.jvp(f, list(prim), list(tan))[1]

    got = mx.vmap(jvp_of)(
        *[to_mx(np.stack([b[k] for b in batch])) for k in d],
        *[to_mx(np.stack([t[i] for t in tans])) for i in range(len(d))],
    )
    for b in range(3):
        want = jvp_of(*[to_mx(batch[b][k]) for k in d], *[to_mx(t) for t in tans[b]])
        for g, w in zip(got, want):
            np.testing.assert_allclose(
                np.array(g)[b], np.array(w), rtol=1e-6, atol=1e-9, err_msg=f"{name}: vmap of jvp lane {b}"
            )


def test_vmap_refuses_to_read_placeholder_values():
    # vmap traces one lane: reading a value there would be wrong for the others.
    x = mx.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError, match=r"\[eval\] Attempting to eval an array during function"):
        mx.vmap(lambda a: a * a.sum().item())(x)
    with pytest.raises(ValueError, match=r"\[eval\] Attempting to eval"):
        mx.vmap(lambda a: (mx.eval(a * 2), a)[1])(x)
    # Values that do not depend on the mapped inputs can be read.
    y = mx.array([1.0, 2.0, 3.0, 4.0])
    out = mx.vmap(lambda a, b: a * b.sum().item(), in_axes=(0, None))(x, y)
    np.testing.assert_array_equal(np.array(out), np.arange(12.0).reshape(3, 4) * 10)
    with pytest.raises(ValueError, match=r"\[vmap\] Inconsistent axis sizes: 3 and 4\."):
        mx.vmap(lambda a, b: a + b)(x, y)
    with pytest.raises(ValueError, match=r"\[searchsorted\] Cannot vmap over the sorted sequence"):
        mx.vmap(lambda s: mx.searchsorted(s, mx.array(2.5)))(x)


def test_vmap_over_an_empty_batch():
    out = mx.vmap(lambda a, b: mx.exp(a) @ b, in_axes=(0, None))(mx.zeros((0, 2, 3)), mx.ones((3, 4)))
    assert out.shape == (0, 2, 4)


def test_vjp_and_jvp_shape_errors():
    with pytest.raises(
        ValueError, match=r"\[vjp\] Output shape \(2,3\) does not match cotangent shape \(3\)\."
    ):
        mx.vjp(lambda a: a * 2, [mx.zeros((2, 3))], [mx.ones((3,))])
    with pytest.raises(ValueError, match=r"\[jvp\] Input shape does not match shape of tangent"):
        mx.jvp(lambda a: a * 2, [mx.zeros((2, 3))], [mx.ones((3,))])


def test_grad_argnums_sequences():
    # As MLX: a one-element argnums sequence gives a bare gradient; an empty one raises.
    f = lambda x, y: mx.sum(x * y)  # noqa: E731
    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    for argnums in ([1], (1,)):
        g = mx.grad(f, argnums=argnums)(x, y)
        assert isinstance(g, mx.array) and g.tolist() == [1.0, 2.0]
        _, g = mx.value_and_grad(f, argnums=argnums)(x, y)
        assert isinstance(g, mx.array) and g.tolist() == [1.0, 2.0]
    gx, gy = mx.grad(f, argnums=[0, 1])(x, y)
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"\[grad\] Gradient wrt no argument"):
        mx.grad(f, argnums=[])(x, y)
    with pytest.raises(ValueError, match=r"\[value_and_grad\] Gradient wrt no argument"):
        mx.value_and_grad(f, argnums=())(x, y)


def test_grad_argument_errors():
    x = mx.array([1.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"^\[grad\] Can't compute the gradient of argument index 1 "
        r"because the function is called with only 1 positional",
    ):
        mx.grad(lambda a: a.sum(), argnums=1)(x)
    with pytest.raises(ValueError, match=r"^\[value_and_grad\] Can't compute the gradient of argument"):
        mx.value_and_grad(lambda a: a.sum(), argnums=3)(x)
    with pytest.raises(
        ValueError,
        match=r"keyword argument 'b' because the function is called with "
        r"the following keyword arguments \{c,\}",
    ):
        mx.grad(lambda a, b=None, c=None: a.sum(), argnames="b")(x, c=x)
    with pytest.raises(
        ValueError,
        match=r"^\[vjp\] Output shape \(1\) does not match cotangent shape "
        r"\(\)\. If you are using grad your function must return a scalar",
    ):
        mx.grad(lambda a: a.sum(keepdims=True))(x)


def test_vmap_negative_and_none_axes():
    # in_axes counted from the end; out_axes -1; None leaves an input unmapped.
    x = np.arange(24.0).reshape(2, 3, 4)
    y = np.array([1.0, -2.0, 0.5])
    out = mx.vmap(lambda a, b: a * b, in_axes=(-1, None), out_axes=-1)(mx.array(x), mx.array(y))
    np.testing.assert_array_equal(np.array(out), x * y[None, :, None])
    out = mx.vmap(lambda a: a.sum(axis=0), in_axes=-2, out_axes=-1)(mx.array(x))
    np.testing.assert_array_equal(np.array(out), x.sum(axis=0).T)
    for ax in (3, -4):
        with pytest.raises(IndexError, match=r"\[vmap\] Invalid vectorization axis"):
            mx.vmap(mx.exp, in_axes=ax)(mx.array(x))
        with pytest.raises(IndexError, match=r"\[vmap\] Invalid output vectorization axis"):
            mx.vmap(mx.exp, out_axes=ax)(mx.array(x))


def _cdraw(rng, shape):
    return (rng.uniform(-1.5, 1.5, shape) + 1j * rng.uniform(-1.5, 1.5, shape)).astype(np.complex64)


@pytest.mark.parametrize("name, fn, shapes", COMPLEX, ids=[c[0] for c in COMPLEX])
def test_complex_jvp_vjp_match_finite_differences(name, fn, shapes):
    rng = rng_for(name, 6)
    zs = [_cdraw(rng, s) + 0.5 for s in shapes]
    ts = [_cdraw(rng, s) for s in shapes]
    eps = 1e-2
    up = np_outs(fn(*[mx.array(z + eps * t) for z, t in zip(zs, ts)]))
    dn = np_outs(fn(*[mx.array(z - eps * t) for z, t in zip(zs, ts)]))
    fd = [(u.astype(np.complex128) - d) / (2 * eps) for u, d in zip(up, dn)]
    outs, jt = mx.jvp(fn, [mx.array(z) for z in zs], [mx.array(t) for t in ts])
    for j, e in zip(jt, fd):
        np.testing.assert_allclose(np.array(j), e, rtol=2e-3, atol=2e-3, err_msg=f"{name}: jvp")
    cots = [
        (_cdraw(rng, o.shape) if o.dtype == mx.complex64 else rng.normal(size=o.shape)).astype(
            np.complex64 if o.dtype == mx.complex64 else np.float32
        )
        for o in outs
    ]
    _, gs = mx.vjp(fn, [mx.array(z) for z in zs], [mx.array(c) for c in cots])
    for g, z in zip(gs, zs):
        assert g.dtype == mx.complex64 and g.shape == z.shape, name
    lhs = sum(np.real(np.sum(np.conj(c) * e)) for c, e in zip(cots, fd))
    rhs = sum(np.real(np.sum(np.conj(np.array(g)) * t)) for g, t in zip(gs, ts))
    np.testing.assert_allclose(rhs, lhs, rtol=2e-3, atol=2e-3, err_msg=f"{name}: vjp")


@pytest.mark.parametrize("name", list(SPECIAL))
def test_gradient_conventions_at_special_points(name):
    f, xs, argnums = SPECIAL[name]
    got = mx.grad(f, argnums=argnums)(*[mx.array(x) for x in xs])
    got = as_list(got)
    assert len(got) == len(EXPECTED[name])
    for g, e in zip(got, EXPECTED[name]):
        np.testing.assert_allclose(np.array(g), np.array(e, np.float32), rtol=1e-5, err_msg=name)


@pytest.mark.parametrize("name", list(SPECIAL_JVP))
def test_jvp_conventions_at_ties(name):
    f, x, t = SPECIAL_JVP[name]
    got = mx.jvp(f, [mx.array(x)], [mx.array(t)])[1][0]
    np.testing.assert_allclose(
        np.array(got), np.array(EXPECTED_JVP[name], np.float32), rtol=1e-5, err_msg=name
    )


def test_astype_to_integer_passes_gradient_through():
    # As MLX: the cast's vjp is the identity, whatever the dtype.
    x = to_mx(np.array([1.5, -2.25]))
    g = mx.grad(lambda x: mx.sum(x.astype(mx.int32).astype(mx.float64) * 3.0))(x)
    assert np.array(g).tolist() == [3.0, 3.0]
