"""Ops over the last axis with row primitives: softmax and the Walsh-Hadamard
transform (logsumexp is tested with the reductions).

References are NumPy; where NumPy has no counterpart, values were read off
MLX 0.32.4 and are recorded here as literals (the tests never import MLX).
"""

import numpy as np
import pytest
import mlx.core as mx
from helpers import INTS, LAYOUTS, assert_array, assert_raises, layout, np_values, to_mx, check_grad


def np_softmax(x, axis):
    x = np.asarray(x, np.float64)
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_softmax_layouts(name, dtype):
    rng = np.random.default_rng(0)
    a, x = layout(name, dtype, rng, domain=(-5, 5))
    axes = [None, -1, 0, (0, 1)] if a.ndim == 2 else [None]
    for axis in axes:
        for precise in (False, True):
            out = mx.softmax(a, axis=axis, precise=precise)
            assert_array(out, np_softmax(x, axis), dtype, msg=f"{name} {axis} {precise}")


def test_softmax_long_rows_and_threads():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 1000)).astype(np.float32) * 10
    out = mx.softmax(mx.array(x), axis=-1)
    assert_array(out, np_softmax(x, -1), mx.float32)
    np.testing.assert_allclose(np.array(out).sum(-1), 1, rtol=1e-5)
    # Axis 1 of a 3-d array and a transposed view.
    y = rng.normal(size=(4, 5, 6)).astype(np.float32)
    assert_array(mx.softmax(mx.array(y), axis=1), np_softmax(y, 1), mx.float32)
    assert_array(
        mx.softmax(mx.array(y).transpose(2, 0, 1), axis=-1), np_softmax(y.transpose(2, 0, 1), -1), mx.float32
    )


def test_softmax_stable_and_special_values():
    out = mx.softmax(mx.array([1000.0, 1001.0, 1002.0]))
    assert_array(out, np_softmax([0, 1, 2], -1), mx.float32)
    out = np.array(mx.softmax(mx.array([-np.inf, 0.0, 1.0])))
    assert out[0] == 0 and abs(out.sum() - 1) < 1e-6
    # A row of -inf, an inf or a NaN makes the whole row NaN, as MLX.
    for row in ([-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0]):
        assert np.isnan(np.array(mx.softmax(mx.array(row)))).all()


def test_softmax_dtypes():
    # The last axis alone: integers and bool become float32.
    assert_array(mx.softmax(mx.array([1, 2, 3])), np_softmax([1, 2, 3], -1), mx.float32)
    assert_array(mx.softmax(mx.array([True, False])), np_softmax([1, 0], -1), mx.float32)
    for d in INTS:
        x = mx.array([[1, 2], [3, 5]]).astype(getattr(mx, d))
        assert_array(mx.softmax(x, axis=1), np_softmax([[1, 2], [3, 5]], 1), mx.float32)
    # Other axes keep the input's dtype, as MLX (recorded): results truncate.
    for d in ["int8", "int16", "int32", "int64", "uint8", "uint16"]:
        x = mx.array([[1, 2], [3, 5]]).astype(getattr(mx, d))
        for axis in (None, 0):
            assert_array(mx.softmax(x, axis=axis), np.zeros((2, 2)), d)
    x = mx.array([[True, False], [True, True]])
    assert_array(mx.softmax(x, axis=0), np.ones((2, 2), bool), mx.bool_)
    # Complex: composed, values recorded from MLX.
    out = mx.softmax(mx.array([1 + 1j, 2 - 1j]))
    assert_array(out, np.array([-0.0214154 + 0.403439j, 1.02142 - 0.403439j]), mx.complex64, atol=1e-5)
    # Half types, recorded from MLX (precise and not agree here).
    for precise in (False, True):
        out = mx.softmax(mx.array([1, 2, 3, 4], mx.float16), precise=precise)
        assert_array(out, [0.0320435, 0.0871582, 0.236938, 0.644043], mx.float16)


def test_softmax_half_rounding_as_mlx():
    # Recorded from MLX 0.32.4: non-precise half softmax rounds its steps to
    # the half type, precise computes in float32; both reproduced exactly.
    x = mx.array(np.linspace(-3, 3, 7), mx.bfloat16)
    assert mx.softmax(x).astype(mx.float32).tolist() == [
        0.00156402587890625,
        0.0042724609375,
        0.0115966796875,
        0.031494140625,
        0.0859375,
        0.232421875,
        0.6328125,
    ]
    assert mx.softmax(x, precise=True).astype(mx.float32).tolist() == [
        0.0015716552734375,
        0.0042724609375,
        0.0115966796875,
        0.031494140625,
        0.08544921875,
        0.232421875,
        0.6328125,
    ]


def test_softmax_axes_edge_cases():
    x = mx.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert_array(mx.softmax(x, axis=[]), np.ones((2, 3)), mx.float32)
    assert_array(mx.softmax(mx.array(2.0)), np.array(1.0), mx.float32)
    assert_array(mx.softmax(mx.zeros((0, 3))), np.zeros((0, 3)), mx.float32)
    assert_array(mx.softmax(mx.zeros((0, 3)), axis=0), np.zeros((0, 3)), mx.float32)
    assert_array(mx.softmax(x, 1), np_softmax(x, 1), mx.float32)  # axis is positional
    assert_raises(
        lambda: mx.softmax(mx.array(2.0), axis=0),
        ValueError,
        "[softmax] Received non-empty axes for array with 0 dimensions.",
    )
    with pytest.raises(IndexError):
        mx.softmax(x, axis=2)
    with pytest.raises(ValueError):
        mx.softmax(x, axis=(0, 0))
    with pytest.raises(TypeError):
        mx.softmax(x, 1, True)  # precise is keyword-only


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_grad(axis):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4))
    check_grad(lambda a: mx.softmax(a, axis=axis), x)


def test_softmax_jvp_vjp_vmap():
    rng = np.random.default_rng(3)
    x = mx.array(rng.normal(size=(3, 5)).astype(np.float32))
    t = mx.array(rng.normal(size=(3, 5)).astype(np.float32))
    f = lambda a: mx.softmax(a, axis=-1)  # noqa: E731
    (_,), (jt,) = mx.jvp(f, [x], [t])
    # <J t, c> == <t, J^T c>
    c = mx.array(rng.normal(size=(3, 5)).astype(np.float32))
    _, (vc,) = mx.vjp(f, [x], [c])
    assert abs(float(mx.sum(jt * c)) - float(mx.sum(t * vc))) < 1e-5
    y = np_softmax(np.array(x), -1)
    expected = y * (np.array(t) - (np.array(t) * y).sum(-1, keepdims=True))
    np.testing.assert_allclose(np.array(jt), expected, rtol=1e-5, atol=1e-6)
    for in_axes in (0, 1):
        out = mx.vmap(f, in_axes=in_axes)(x)
        xs = np.moveaxis(np.array(x), in_axes, 0)
        np.testing.assert_allclose(np.array(out), np_softmax(xs, -1), rtol=1e-5, atol=1e-6)
    out = mx.vmap(lambda a: mx.softmax(a, axis=0))(x)
    np.testing.assert_allclose(np.array(out), np_softmax(np.array(x), 1), rtol=1e-5, atol=1e-6)
    # Second order goes through the vjp rule.
    g2 = mx.grad(lambda a: mx.sum(mx.grad(lambda b: mx.sum(f(b) ** 2))(a)))(x)
    assert g2.shape == x.shape


def test_softmax_compile():
    x = mx.array(np.random.default_rng(4).normal(size=(4, 6)).astype(np.float32))
    f = mx.compile(lambda a: mx.softmax(a, axis=-1, precise=True))
    np.testing.assert_allclose(np.array(f(x)), np_softmax(np.array(x), -1), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------- small reductions


def sylvester(n):
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_hadamard_power_of_two(dtype):
    rng = np.random.default_rng(9)
    # Half types round after every butterfly stage (as MLX), so their error
    # grows with the number of stages and the size of the partial sums.
    eps = {"float32": 2e-7, "float16": 1e-3, "bfloat16": 8e-3}[dtype]
    for n in [1, 2, 4, 8, 64, 1024]:
        x = np_values(dtype, (3, n), rng)
        tol = 4 * eps * (np.log2(n) + 1) * 3 * np.sqrt(n)
        out = mx.hadamard_transform(to_mx(x, dtype))
        assert_array(out, x @ sylvester(n) / np.sqrt(n), dtype, atol=tol / np.sqrt(n))
        out = mx.hadamard_transform(to_mx(x, dtype), scale=0.5)
        assert_array(out, x @ sylvester(n) * 0.5, dtype, atol=tol / 2)


def test_hadamard_recorded_orders():
    # MLX 0.32.4 hadamard_transform((arange(n) % 7) - 3, scale=1.0), recorded.
    recorded = {
        12: [-1, 7, 1, -7, -5, 3, 1, -1, -7, 9, -13, -9],
        20: [-5, 15, 7, -1, 5, -3, 1, -3, -7, -3, -1, 9, -1, 3, -15, -13, -11, 5, 21, -5],
        28: [
            -18,
            -12,
            -6,
            0,
            6,
            12,
            18,
            -2,
            8,
            -10,
            0,
            10,
            -8,
            2,
            -2,
            8,
            18,
            0,
            -18,
            -8,
            2,
            -2,
            -20,
            -10,
            0,
            10,
            20,
            2,
        ],
        56: [
            -30,
            -6,
            -6,
            -6,
            18,
            -6,
            0,
            36,
            -18,
            -6,
            6,
            -6,
            30,
            -6,
            6,
            -10,
            18,
            18,
            -26,
            -10,
            0,
            4,
            26,
            -10,
            -18,
            18,
            -6,
            -10,
            -22,
            18,
            -10,
            -10,
            30,
            -10,
            0,
            4,
            -30,
            -10,
            10,
            -10,
            22,
            18,
            6,
            -10,
            -10,
            -10,
            2,
            18,
            0,
            4,
            -2,
            18,
            10,
            -10,
            -6,
            -10,
        ],
    }
    for n, want in recorded.items():
        x = (mx.arange(n) % 7) - 3
        out = mx.hadamard_transform(x.astype(mx.float32), 1.0)
        assert out.tolist() == want, n
        # Orthogonal up to scale: H H^T = n I.
        h = np.array(mx.hadamard_transform(mx.eye(n), scale=1.0))
        np.testing.assert_array_equal(h @ h.T, n * np.eye(n))


def test_hadamard_half_rounding_as_mlx():
    # Recorded from MLX 0.32.4: half types round after each butterfly stage;
    # the order-m mixing and the scale run in float32 and round once.
    x = ((mx.arange(32) * 0.37) % 5 - 2.3).astype(mx.float16)
    assert mx.hadamard_transform(x).astype(mx.float32).tolist() == [
        -0.01450347900390625,
        -1.0458984375,
        -0.325927734375,
        -0.0006475448608398438,
        1.1162109375,
        0.0,
        -1.7646484375,
        -0.0007338523864746094,
        -3.068359375,
        -0.000690460205078125,
        -1.767578125,
        4.315376281738281e-05,
        -5.3046875,
        0.0,
        1.7646484375,
        -4.315376281738281e-05,
        -0.83349609375,
        0.000690460205078125,
        1.7666015625,
        -0.0003020763397216797,
        -1.767578125,
        -0.0003452301025390625,
        -1.767578125,
        -0.0003883838653564453,
        -1.767578125,
        -0.0003452301025390625,
        -1.767578125,
        -0.0003020763397216797,
        1.767578125,
        0.0003452301025390625,
        1.767578125,
        -0.0003883838653564453,
    ]
    x = ((mx.arange(24) * 0.37) % 5 - 2.3).astype(mx.bfloat16)
    assert mx.hadamard_transform(x).astype(mx.float32).tolist() == [
        0.49609375,
        -0.7578125,
        1.953125,
        0.1513671875,
        0.31640625,
        -0.150390625,
        -2.125,
        0.154296875,
        -1.640625,
        -0.1513671875,
        0.75390625,
        0.154296875,
        0.318359375,
        -0.1533203125,
        -0.462890625,
        0.1552734375,
        -1.8046875,
        -0.1533203125,
        2.421875,
        0.1533203125,
        -3.765625,
        -0.1494140625,
        -2.875,
        0.1513671875,
    ]


def test_hadamard_dtypes_shapes_errors():
    x = mx.arange(4).reshape(2, 2)
    assert_array(mx.hadamard_transform(x), np.array([[1, -1], [5, -1]]) / np.sqrt(2), mx.float32)
    assert_array(mx.hadamard_transform(mx.array(1.0)), np.array(1.0), mx.float32)
    assert_array(mx.hadamard_transform(mx.ones((1,))), np.ones(1), mx.float32)
    assert_array(mx.hadamard_transform(mx.ones((2,), mx.complex64)), [np.sqrt(2), 0], mx.float32)
    assert_array(
        mx.hadamard_transform(mx.ones((2, 3, 8)).transpose(0, 2, 1)[..., :2]),
        np.tile([np.sqrt(2), 0], (2, 8, 1)),
        mx.float32,
    )
    assert_raises(
        lambda: mx.hadamard_transform(mx.ones((0, 4))),
        ValueError,
        "[hadamard_transform] Does not support empty arrays.",
    )
    for n in (3, 6, 40 * 3, 60):
        assert_raises(
            lambda: mx.hadamard_transform(mx.ones(n)),
            ValueError,
            "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).",
        )
    assert_raises(
        lambda: mx.hadamard_transform(mx.ones(2, mx.float64)), ValueError, "[hadamard] Unsupported type."
    )
    with pytest.raises(TypeError):
        mx.hadamard_transform(mx.ones(2), None, mx.cpu)


def test_hadamard_grad_vmap():
    rng = np.random.default_rng(10)
    for n in (8, 12, 40):
        x = rng.normal(size=(2, n)).astype(np.float32)
        w = rng.normal(size=(2, n)).astype(np.float32)
        g = mx.grad(lambda a: mx.sum(mx.hadamard_transform(a) * mx.array(w)))(mx.array(x))
        h = np.array(mx.hadamard_transform(mx.eye(n)))  # row i = transform of e_i
        np.testing.assert_allclose(np.array(g), w @ h.T, rtol=1e-4, atol=1e-5)
        t = mx.array(rng.normal(size=(2, n)).astype(np.float32))
        _, (jt,) = mx.jvp(mx.hadamard_transform, [mx.array(x)], [t])  # linear: J t = f(t)
        np.testing.assert_allclose(np.array(jt), np.array(mx.hadamard_transform(t)), rtol=1e-5, atol=1e-5)
    x = mx.arange(8.0).reshape(4, 2)
    out = mx.vmap(mx.hadamard_transform, in_axes=1)(x)
    assert out.tolist() == [[6.0, -2.0, -4.0, 0.0], [8.0, -2.0, -4.0, 0.0]]


# ------------------------------------------------------------------ gather_mm
