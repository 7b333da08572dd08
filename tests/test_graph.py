"""mx.custom_function (vjp, jvp, vmap overrides) and mx.checkpoint."""

import numpy as np
import pytest

import mlx.core as mx


def make_f():
    @mx.custom_function
    def f(x, y):
        return mx.sin(x) * y

    return f


X = mx.array([0.5, 1.0])
Y = mx.array([2.0, 3.0])


def test_plain_call_and_default_rules():
    f = make_f()
    assert mx.allclose(f(X, Y), mx.sin(X) * Y)
    # Without overrides the function's own graph is differentiated.
    gx, gy = mx.grad(lambda x, y: f(x, y).sum(), argnums=(0, 1))(X, Y)
    assert mx.allclose(gx, mx.cos(X) * Y) and mx.allclose(gy, mx.sin(X))
    _, t = mx.jvp(f, [X, Y], [mx.ones(2), mx.zeros(2)])
    assert mx.allclose(t[0], mx.cos(X) * Y)
    assert mx.allclose(mx.vmap(f)(X, Y), mx.sin(X) * Y)


def test_custom_vjp_replaces_gradient():
    f = make_f()
    seen = []

    @f.vjp
    def f_vjp(primals, cotangent, output):
        # Checked outside: under vmap (below) reading values raises, as in MLX.
        seen.append((output, primals))
        return cotangent * 100, cotangent * 7

    gx, gy = mx.grad(lambda x, y: f(x, y).sum(), argnums=(0, 1))(X, Y)
    assert gx.tolist() == [100, 100] and gy.tolist() == [7, 7]
    output, (x, y) = seen[0]
    assert mx.allclose(output, mx.sin(x) * y)
    # Composes with vmap of grad.
    per = mx.vmap(mx.grad(lambda x, y: f(x, y).sum()))(X[:, None], Y[:, None])
    assert per.tolist() == [[100], [100]]


def test_custom_jvp_and_vmap():
    f = make_f()

    @f.jvp
    def f_jvp(primals, tangents):
        return tangents[0] * 3

    @f.vmap
    def f_vmap(inputs, axes):
        x, y = inputs
        return mx.sin(x) * y + 1000, axes[0]

    out, t = mx.jvp(f, [X, Y], [mx.ones(2), mx.ones(2)])
    assert t[0].tolist() == [3, 3]
    assert mx.allclose(mx.vmap(f)(X, Y), mx.sin(X) * Y + 1000)


def test_pytree_arguments_and_outputs():
    @mx.custom_function
    def g(d):
        return {"s": d["a"] * d["b"][0]}

    @g.vjp
    def g_vjp(primals, cot, out):
        return {"a": cot["s"] * 2, "b": [cot["s"] * 5]}

    grads = mx.grad(lambda d: g(d)["s"].sum())({"a": mx.ones(2), "b": [mx.ones(2)]})
    assert grads["a"].tolist() == [2, 2] and grads["b"][0].tolist() == [5, 5]


def test_vjp_with_wrong_count_raises():
    f = make_f()

    @f.vjp
    def bad(primals, cot, out):
        return (cot,)

    with pytest.raises(ValueError):
        mx.eval(mx.grad(lambda x: f(x, Y).sum())(X))


def mlp_loss(depth):
    # Each sin keeps its input for the backward pass: three buffers a layer
    # without checkpointing, one with it.
    def layer(w, x):
        return mx.sin(mx.sin(mx.sin(x @ w)))

    def loss(ws, x, ckpt):
        f = mx.checkpoint(layer) if ckpt else layer
        for w in ws:
            x = f(w, x)
        return (x * x).sum()

    return loss


def test_checkpoint_same_gradients():
    ws = [mx.random.normal((8, 8), key=mx.random.key(i)) * 0.3 for i in range(5)]
    x = mx.random.normal((4, 8), key=mx.random.key(99))
    loss = mlp_loss(5)
    g1 = mx.grad(lambda ws: loss(ws, x, False))(ws)
    g2 = mx.grad(lambda ws: loss(ws, x, True))(ws)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-6)
    # Second order through a checkpoint.
    h = mx.grad(lambda x: mx.grad(lambda x: mx.checkpoint(mx.sin)(x).sum())(x).sum())(X)
    assert mx.allclose(h, -mx.sin(X))


def test_checkpoint_saves_memory():
    width, depth, batch = 256, 12, 512
    ws = [mx.random.normal((width, width), key=mx.random.key(i)) * 0.05 for i in range(depth)]
    x = mx.random.normal((batch, width), key=mx.random.key(99))
    mx.eval(ws, x)
    loss = mlp_loss(depth)

    def peak(ckpt):
        mx.clear_cache()
        mx.reset_peak_memory()
        base = mx.get_active_memory()
        mx.eval(mx.grad(lambda ws: loss(ws, x, ckpt))(ws))
        return mx.get_peak_memory() - base

    plain, ckpt = peak(False), peak(True)
    assert ckpt < 0.6 * plain


def test_custom_vjp_sees_every_output_and_skips_the_forward_graph():
    # The forward pass uses a primitive without a vjp (svd): only the custom
    # rule may run. It gets a cotangent for every output, zeros for the
    # outputs the loss does not use.
    seen = []

    @mx.custom_function
    def f(x):
        s = mx.linalg.svd(x, compute_uv=False)
        return s.sum(), (s * s).sum()

    @f.vjp
    def f_vjp(x, cotangents, outputs):
        # As under MLX, a lone positional argument is passed by itself.
        seen.append([c.item() for c in cotangents])
        return cotangents[0] * mx.ones_like(x) + cotangents[1] * 2 * x

    x = mx.array([[3.0, 0.0], [0.0, 2.0]])
    g = mx.grad(lambda v: f(v)[1])(x)
    np.testing.assert_allclose(np.array(g), 2 * np.array(x))
    assert seen == [[0.0, 1.0]]


def test_depends():
    a, b = mx.array([1.0, 2.0]), mx.array([3.0])
    out = mx.depends(a, b)
    assert isinstance(out, mx.array) and out.tolist() == [1.0, 2.0]
    outs = mx.depends([a, b], [b * 2])
    assert isinstance(outs, list) and [o.tolist() for o in outs] == [[1.0, 2.0], [3.0]]
    assert mx.depends([a], [])[0].tolist() == [1.0, 2.0]
    g = mx.grad(lambda x: mx.depends(x * 2, x * 3).sum())(a)
    assert g.tolist() == [2.0, 2.0]
    g = mx.grad(lambda x: mx.depends([x * 2], [x * 3])[0].sum())(a)
    assert g.tolist() == [2.0, 2.0]
    assert mx.vmap(lambda x: mx.depends(x * 2, x * 3))(a).tolist() == [2.0, 4.0]
    _, t = mx.jvp(lambda x: mx.depends(x * 2, x * 3), [a], [mx.ones(2)])
    assert t[0].tolist() == [2.0, 2.0]
    with pytest.raises((TypeError, RuntimeError)):
        mx.depends(1, b)


# ------------------------------------------------------------------ streams


def test_custom_rules_see_a_lone_argument_by_itself():
    # Recorded from MLX 0.32.4: with one positional argument the rules get it
    # (and its tangent / axis) directly; with several, tuples, and arrays
    # without a tangent get None.
    seen = []

    @mx.custom_function
    def f(x, y):
        return x * y

    @f.jvp
    def f_jvp(primals, tangents):
        seen.append(("jvp", type(primals).__name__, [t is None for t in tangents]))
        (x, y), (tx, ty) = primals, tangents
        return (0 if tx is None else tx * y) + (0 if ty is None else ty * x)

    @f.vmap
    def f_vmap(inputs, axes):
        seen.append(("vmap", type(inputs).__name__, axes))
        return inputs[0] * inputs[1], 0

    _, (t,) = mx.jvp(lambda x: f(x, mx.array(3.0)), [mx.array(2.0)], [mx.array(1.0)])
    assert t.item() == 3.0
    assert mx.vmap(f, in_axes=(0, None))(mx.ones(3), mx.array(2.0)).tolist() == [2.0] * 3

    @mx.custom_function
    def g(x):
        return mx.sin(x)

    @g.jvp
    def g_jvp(x, t):
        seen.append(("g jvp", type(x).__name__, type(t).__name__))
        return t * 10

    @g.vmap
    def g_vmap(x, ax):
        seen.append(("g vmap", type(x).__name__, ax))
        return mx.sin(x), ax

    assert mx.jvp(g, [mx.array(0.0)], [mx.array(1.0)])[1][0].item() == 10.0
    assert mx.vmap(g)(mx.zeros(2)).tolist() == [0.0, 0.0]
    assert seen == [
        ("jvp", "tuple", [False, True]),
        ("vmap", "tuple", (0, None)),
        ("g jvp", "array", "array"),
        ("g vmap", "array", 0),
    ]
