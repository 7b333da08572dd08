"""mx.compile: same results as the uncompiled function, tracing once per
signature, captured constants, state given by inputs/outputs, composition
with grad and vmap, and errors for value-dependent ops."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


def test_same_results_and_traces_once_per_signature():
    calls = []

    def f(x, y, scale=2.0):
        calls.append(1)
        return {"a": mx.exp(x) * y * scale, "b": [x + 1, mx.sum(x)]}

    cf = mx.compile(f)
    x, y = mx.array([1.0, 2.0]), mx.array(3.0)
    for args in [(x, y), (x + 1, y), (x * 2, y + 1)]:
        out, ref = cf(*args), f(*args)
        assert mx.allclose(out["a"], ref["a"]) and mx.array_equal(out["b"][0], ref["b"][0])
    assert len(calls) == 1 + 3  # one trace, plus the three reference calls
    cf(x, y, scale=3.0)  # a new constant: traced again
    cf(mx.ones(3), y)  # a new shape: traced again
    cf(x.astype(mx.float16), y)  # a new dtype: traced again
    assert len(calls) == 7
    assert cf.__name__ == "f"


def test_captured_arrays_are_constants_and_multiple_outputs():
    w = mx.array([1.0, 2.0])
    cf = mx.compile(lambda x: (x * w, mx.split(x, 2)))
    a, (b, c) = cf(mx.array([3.0, 4.0]))
    assert a.tolist() == [3.0, 8.0] and b.tolist() == [3.0] and c.tolist() == [4.0]
    # Identity and constant outputs.
    assert mx.compile(lambda x: x)(w) is not None
    assert mx.compile(lambda x: mx.ones(2))(w).tolist() == [1.0, 1.0]


def test_grad_and_vmap_through_compiled():
    f = lambda x: mx.sin(x) * x
    cf = mx.compile(f)
    x = mx.array([0.5, 1.0, 2.0])
    assert mx.allclose(mx.grad(lambda x: cf(x).sum())(x), mx.cos(x) * x + mx.sin(x))
    assert mx.allclose(mx.vmap(cf)(mx.ones((2, 3)) * x), f(mx.ones((2, 3)) * x))
    # compile of grad.
    cg = mx.compile(mx.grad(lambda x: (x**3).sum()))
    assert mx.allclose(cg(x), 3 * x**2)


def test_state_inputs_and_outputs_match_eager_training():
    def run(compiled):
        mx.random.seed(0)
        model = nn.Linear(4, 2)
        opt = optim.Adam(learning_rate=0.1)
        opt.init(model.trainable_parameters())
        x = mx.random.normal((8, 4))

        def step(x):
            loss, g = nn.value_and_grad(model, lambda m, x: (m(x) ** 2).mean())(model, x)
            opt.update(model, g)
            return loss

        if compiled:
            state = [model.state, opt.state]
            step = mx.compile(step, inputs=state, outputs=state)
        losses = [step(x).item() for _ in range(4)]
        return losses, model.weight

    (l1, w1), (l2, w2) = run(False), run(True)
    np.testing.assert_allclose(l1, l2, rtol=1e-6)
    assert mx.allclose(w1, w2)


def test_disable_and_enable():
    calls = []

    def f(x):
        calls.append(1)
        return x + 1

    cf = mx.compile(f)
    mx.disable_compile()
    try:
        cf(mx.array(1.0))
        cf(mx.array(1.0))
    finally:
        mx.enable_compile()
    assert len(calls) == 2
    cf(mx.array(1.0))
    cf(mx.array(1.0))
    assert len(calls) == 3


def test_value_dependent_ops_raise():
    with pytest.raises(ValueError):
        mx.compile(lambda x: x[x > 0])(mx.array([1.0, -1.0]))
    with pytest.raises(ValueError):
        mx.compile(lambda x: mx.nonzero(x)[0])(mx.array([1.0, 0.0]))


# ---- elementwise fusion: chains of elementwise ops on large arrays (2^20
# elements or more) run as one Fused node; results must be those of eager evaluation, bit for bit.
def test_fused_chains_match_eager():
    import numpy as np

    rng = np.random.default_rng(0)
    # 2^20 elements and more fuse.
    x = mx.array(rng.standard_normal((1030, 1025)).astype(np.float32))
    y = mx.array(rng.standard_normal((1030, 1025)).astype(np.float32))
    row = mx.array(rng.standard_normal((1025,)).astype(np.float32))

    def f(x, y):
        a = mx.exp(-x * x) * 0.5 + mx.sin(y)  # scalars broadcast
        b = a / (1 + mx.abs(x)) + row  # a broadcast row
        keep = b > 0  # bool in the chain
        c = mx.where(keep, b, a * 2).astype(mx.float16)
        d = c.astype(mx.float32) * mx.sigmoid(a)
        # Steps of single values only (computed once per chain), one of
        # them an output.
        k = mx.broadcast_to(mx.array(3.0), x.shape) / mx.broadcast_to(mx.array(7.0), x.shape)
        k2 = mx.exp(k) - mx.broadcast_to(mx.array(1.5), x.shape)
        return d - y * k2, a, keep, x.T * 2, k  # intermediates, a transposed input

    eager = f(x, y)
    compiled = mx.compile(f)(x, y)
    for e, c in zip(eager, compiled):
        assert e.dtype == c.dtype and e.shape == c.shape
        np.testing.assert_array_equal(np.array(e), np.array(c))
    # All-float32 chains (the raw-pointer path) with a broadcast row, a
    # transposed input and an output listed twice.
    sq = mx.array(rng.standard_normal((1030, 1030)).astype(np.float32))
    sq_row = mx.array(rng.standard_normal((1030,)).astype(np.float32))

    def g(x, y):
        t = mx.tanh(x * 0.5 + sq_row)
        h = t * t * y.T - mx.exp(-mx.abs(y))  # a value read twice by one step
        return h, h, h * x

    for e, c in zip(g(sq, sq * 2), mx.compile(g)(sq, sq * 2)):
        np.testing.assert_array_equal(np.array(e), np.array(c))

    # Adam's update: three outputs from one chain, repeated calls.
    def adam(p, g, m, v):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * mx.square(g)
        return p - 0.01 * m / (mx.sqrt(v) + 1e-8), m, v

    args = [mx.array(rng.standard_normal(1 << 20).astype(np.float32)) for _ in range(4)]
    step = mx.compile(adam)
    e, c = args, args
    for _ in range(3):
        e, c = list(adam(*e[:1], args[1], *e[1:3])), list(step(*c[:1], args[1], *c[1:3]))
        for a, b in zip(e, c):
            np.testing.assert_array_equal(np.array(a), np.array(b))
    # Transformations of a compiled function see the unfused graph.
    g1 = mx.grad(lambda x, y: f(x, y)[0].sum())(x, y)
    g2 = mx.grad(lambda x, y: mx.compile(f)(x, y)[0].sum())(x, y)
    np.testing.assert_array_equal(np.array(g1), np.array(g2))
    v1 = mx.vmap(mx.compile(lambda x, y: f(x, y)[0]))(x, y)
    np.testing.assert_array_equal(np.array(v1), np.array(f(x, y)[0]))


# ---- argument checks and input buffers (recorded from MLX 0.32.4) ----


def test_compile_refuses_arguments_that_are_not_trees_of_arrays_or_constants():
    class Holder:
        value = 1

    f = mx.compile(lambda x, y: x + 1)
    for ok in (1, 2.5, "s", None, True, (1, "a"), [1, None], {"k": 2.0}):
        assert f(mx.array(0.0), ok).item() == 1.0
    msg = r"\[compile\] Function arguments must be trees of arrays or constants .* received type complex\."
    with pytest.raises(ValueError, match=msg):
        f(mx.array(0.0), 1 + 2j)
    for bad in (Holder(), b"x", mx.float32, slice(1, 2)):
        with pytest.raises(ValueError):
            f(mx.array(0.0), bad)
        with pytest.raises(ValueError):
            f(mx.array(0.0), y=bad)


def test_compile_refuses_a_function_that_reaches_its_input_from_outside():
    x = mx.array([1, 2, 3]) + 2

    def fn(a):
        return a + (x + 1)

    with pytest.raises(ValueError, match="uncaptured inputs"):
        mx.compile(fn)(x)
    # Capturing arrays that are not inputs is fine, evaluated or not.
    other = mx.array([1, 2, 3]) + 2
    assert mx.compile(lambda a: a + (other + 1))(mx.array([1, 1, 1])).tolist() == [5, 6, 7]


def test_compiled_function_can_donate_its_input_buffer():
    def ptr(a):
        return np.asarray(a, copy=False).__array_interface__["data"][0]

    compiled = mx.compile(lambda x: mx.sin(x) + 1)
    for _ in range(2):  # the tracing call and a cached one
        x = mx.arange(16, dtype=mx.float32)
        mx.eval(x)
        p = ptr(x)
        y = compiled(x)
        del x
        mx.eval(y)
        assert ptr(y) == p


# ---- shapeless compile (shapes recorded from MLX 0.32.4) ----


def _shapes_through(fn, *shape_sets):
    compiled = mx.compile(fn, shapeless=True)
    out = []
    for shapes in shape_sets:
        args = [mx.array(np.random.default_rng(7).normal(size=s).astype(np.float32)) for s in shapes]
        got = compiled(*args)
        want = fn(*args)
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)
        out.append(got.shape)
    return out


def test_shapeless_compile_reuses_the_trace_for_new_shapes():
    calls = []
    y = 1

    def fun(x):
        calls.append(x.shape)
        return x + y

    compiled = mx.compile(fun, shapeless=True)
    assert compiled(mx.array([1, 2])).tolist() == [2, 3]
    y = 2  # not seen: the function is not traced again
    assert compiled(mx.array([1, 2, 3])).tolist() == [2, 3, 4]
    # A new dtype or number of dimensions traces again.
    assert compiled(mx.array([1.0, 2.0, 3.0])).tolist() == [3.0, 4.0, 5.0]
    assert compiled(mx.array([[1, 2, 3]])).tolist() == [[3, 4, 5]]
    assert len(calls) == 3


def test_shapeless_compile_infers_shapes_node_by_node():
    assert _shapes_through(lambda x, y: x + y, [(2, 3), (3,)], [(4, 5), (5,)], [(4, 5), (1,)]) == [
        (2, 3),
        (4, 5),
        (4, 5),
    ]
    assert _shapes_through(lambda x: x * 2 + 1, [(2,)], [(7,)]) == [(2,), (7,)]
    assert _shapes_through(lambda x: x.sum(0), [(2, 3)], [(4, 5)]) == [(3,), (5,)]
    assert _shapes_through(lambda x: x + x.sum(0, keepdims=True), [(2, 3)], [(4, 5)]) == [(2, 3), (4, 5)]
    assert _shapes_through(lambda x: x.mean(-1), [(2, 3)], [(4, 5)]) == [(2,), (4,)]
    assert _shapes_through(lambda x: mx.var(x, -1, ddof=1), [(2, 3)], [(4, 5)]) == [(2,), (4,)]
    assert _shapes_through(lambda x: x.max(), [(2, 3)], [(4, 5)]) == [(), ()]
    assert _shapes_through(lambda x: x.T, [(2, 3)], [(4, 5)]) == [(3, 2), (5, 4)]
    assert _shapes_through(lambda x, y: x @ y, [(2, 3), (3, 4)], [(5, 6), (6, 7)]) == [(2, 4), (5, 7)]
    assert _shapes_through(lambda x: mx.softmax(x, -1), [(2, 3)], [(4, 5)]) == [(2, 3), (4, 5)]
    assert _shapes_through(lambda x: x[:, None], [(3, 3)], [(4, 5)]) == [(3, 1, 3), (4, 1, 5)]
    assert _shapes_through(lambda x: x.squeeze(0), [(1, 3)], [(1, 5)]) == [(3,), (5,)]
    assert _shapes_through(lambda x: x.reshape(-1), [(2, 3)], [(4, 5)]) == [(6,), (20,)]
    assert _shapes_through(lambda x, y: mx.where(x > 0, x, y), [(2, 3), (3,)], [(4, 5), (5,)]) == [
        (2, 3),
        (4, 5),
    ]
    assert _shapes_through(lambda x: mx.zeros_like(x) + x, [(2, 3)], [(4, 5)]) == [(2, 3), (4, 5)]
    assert _shapes_through(lambda x: mx.argmax(x, -1), [(2, 3)], [(4, 5)]) == [(2,), (4,)]
    assert _shapes_through(lambda x: mx.fast.layer_norm(x, None, None, 1e-5), [(2, 3)], [(4, 5)]) == [
        (2, 3),
        (4, 5),
    ]


def test_shapeless_reshape_infers_its_minus_one_again():
    compiled = mx.compile(lambda x: x.reshape(x.shape[0] * x.shape[1], -1), shapeless=True)
    assert compiled(mx.zeros((2, 3, 4))).shape == (6, 4)
    assert compiled(mx.zeros((2, 3, 8))).shape == (6, 8)
    with pytest.raises(ValueError):
        compiled(mx.zeros((5, 5, 5)))
    compiled = mx.compile(lambda x: x.reshape(2, -1), shapeless=True)
    assert [compiled(mx.zeros(s)).shape for s in ((2, 3), (4, 5))] == [(2, 3), (2, 10)]
    with pytest.raises(ValueError, match=r"\[reshape\] Cannot"):
        compiled(mx.zeros((3, 3)))


def test_shapeless_compile_refuses_what_it_cannot_infer():
    compiled = mx.compile(lambda x: mx.broadcast_to(x, (2, 3)), shapeless=True)
    assert [compiled(mx.zeros(s)).shape for s in ((1, 3), (1, 1), (2, 1))] == [(2, 3)] * 3
    with pytest.raises(ValueError, match="broadcast"):
        compiled(mx.zeros((1, 4)))
    # A constant of a fixed shape no longer broadcasts against the input.
    compiled = mx.compile(lambda x: x + mx.ones((2, 3)), shapeless=True)
    assert compiled(mx.zeros((2, 3))).shape == (2, 3)
    with pytest.raises(ValueError):
        compiled(mx.zeros((4, 5)))
    compiled = mx.compile(lambda x: x[1:], shapeless=True)
    compiled(mx.zeros((3, 3)))
    with pytest.raises(ValueError, match="Slice cannot infer output shapes"):
        compiled(mx.zeros((4, 5)))


def test_shapeless_compile_redoes_expand_dims_and_squeeze_exactly():
    # expand_dims next to a size-1 axis: the shapes alone do not say which
    # axis was inserted (this once gave a wrong batch shape under a vmapped
    # matmul, then raised); the node records it, so new shapes replay it.
    vmapped = mx.vmap(mx.matmul, in_axes=(0, 1))
    compiled = mx.compile(vmapped, shapeless=True)
    for xs, ys in (
        ((2, 3, 1, 4, 5), (1, 2, 5, 6)),
        ((3, 2, 1, 4, 5), (2, 3, 5, 6)),
        ((2, 3, 1, 7, 2), (1, 2, 2, 3)),
    ):
        x, y = mx.random.normal(xs), mx.random.normal(ys)
        want = vmapped(x, y)
        got = compiled(x, y)
        assert got.shape == want.shape
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5)
    # squeeze of an axis next to another size-1 axis, and expand_dims of two.
    f = mx.compile(lambda a: mx.expand_dims(mx.squeeze(a, 2), (0, 2)), shapeless=True)
    for shape in ((3, 1, 1, 4), (2, 5, 1, 1)):
        a = mx.random.normal(shape)
        assert f(a).shape == mx.expand_dims(mx.squeeze(a, 2), (0, 2)).shape
    # A removed axis that is no longer of size 1 cannot be squeezed.
    with pytest.raises(ValueError, match="cannot infer the output shape"):
        f(mx.zeros((3, 1, 2, 4)))


def test_shapeless_reduction_after_a_gather_follows_the_index_count():
    # take(buf, idx) traced with one index has two size-1 axes side by side;
    # only one reading of the squeeze fits the new index counts.
    buf = mx.array([10.0, 20.0, 30.0, 40.0, 50.0])
    for reduction in (mx.sum, mx.mean, mx.max, mx.argmax):
        compiled = mx.compile(lambda b, i: reduction(mx.take(b, i, axis=0)), shapeless=True)
        for n in (1, 2, 3, 4):
            idx = mx.arange(n)
            assert compiled(buf, idx).item() == reduction(mx.take(buf, idx, axis=0)).item()


def dot_labels(*arrays, **named):
    import io
    import re

    s = io.StringIO()
    mx.export_to_dot(s, *arrays, **named)
    return re.findall(r'label ="([^"]+)"', s.getvalue())


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.int32])
def test_small_chain_runs_as_one_compiled_node(dtype):
    # Chains of small arrays become one node (their per-node cost outweighs
    # the arithmetic), named as MLX names it; values equal the plain run.
    def chain(x, y):
        z = x * y + 2
        z = mx.maximum(z, 1) - mx.abs(y) * 3
        return z * z

    rng = np.random.default_rng(0)
    x = mx.array(rng.integers(-5, 5, (7, 9))).astype(dtype)
    y = mx.array(rng.integers(-5, 5, (7, 9))).astype(dtype)
    mx.eval(x, y)
    got = mx.compile(chain)(x, y)
    labels = dot_labels(got)
    assert len(labels) == 1 and labels[0].startswith("Compiled"), labels
    # The scalars' broadcasts are steps too, before their readers (MLX's name).
    assert labels[0] == "CompiledMultiplyBroadcastAddBroadcastMaximumAbsBroadcastMultiplySubtractMultiply"
    want = chain(x, y)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(np.array(got.astype(mx.float32)), np.array(want.astype(mx.float32)))


def test_broadcast_shared_by_a_chain_and_another_reader():
    # The broadcast is copied into the compiled node, and stays a node of its
    # own for the sum (MLX: "CompiledBroadcastMultiplyAdd").
    def fun(x, y, z):
        yy = mx.broadcast_to(y, z.shape)
        return x + yy * z, yy.sum()

    a, c = mx.random.normal((10, 10)), mx.random.normal((10, 10))
    b = mx.array(0.1)
    d = mx.compile(fun)(a, b, c)
    labels = dot_labels(a=a, b=b, c=c, d1=d[0], d2=d[1])
    assert "CompiledBroadcastMultiplyAdd" in labels and "Broadcast" in labels, labels
    want = fun(a, b, c)
    np.testing.assert_allclose(np.array(d[0]), np.array(want[0]), rtol=1e-6)
    np.testing.assert_allclose(np.array(d[1]), np.array(want[1]), rtol=1e-5)
    # Gradients and vmap see the plain nodes.
    g = mx.grad(lambda b: mx.compile(fun)(a, b, c)[0].sum())(b)
    np.testing.assert_allclose(g.item(), np.array(c).sum(), rtol=1e-5)
    v = mx.vmap(mx.compile(lambda x: x * 2.0 + 1.0))(a)
    np.testing.assert_allclose(np.array(v), np.array(a) * 2 + 1, rtol=1e-6)


def test_export_to_dot_draws_named_arrays():
    a = mx.array([1.0, 2.0])
    labels = dot_labels(y=mx.exp(a) * mx.exp(a)[:1])
    assert sorted(labels) == ["Broadcast", "Exp", "Exp", "Multiply", "Slice"], labels
    # Outside transforms a computed operand (here the scalar) is broadcast
    # at once, as a view: the graph gets no Broadcast node for it (MLX draws
    # one; this saves building and running a node per scalar operand).
    labels = dot_labels(y=mx.exp(a) + 1)
    assert sorted(labels) == ["Add", "Exp"], labels
