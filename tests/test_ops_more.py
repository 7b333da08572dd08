"""Ops and utilities of ops_more.h: softmax, positive, count_nonzero,
minmax, addmm, vecdot, windows, dtype queries, einsum_path, depends,
streams, print options, ArrayLike, from_dlpack, hadamard_transform,
gather_mm, segmented_mm and block_masked_mm.

References are NumPy; where NumPy has no counterpart, values were read off
MLX 0.32.4 and are recorded here as literals (the tests never import MLX).
"""
import json
import math
import os
import threading

import numpy as np
import pytest

import mlx.core as mx
from helpers import (FLOATS, INTS, LAYOUTS, assert_array, assert_raises, dtype_name, layout,
                     np_values, to_mx, to_np)

DATA = os.path.join(os.path.dirname(__file__), "data")


def central_grad(f, x, eps=1e-6):
    """d sum(f(x)) / dx by central differences, x float64 NumPy."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_grad(fn, *args, argnum=0, weights=None):
    """mx.grad of sum(w * fn(args)) against central differences, in float64."""
    rng = np.random.default_rng(7)
    xs = [np.asarray(a, np.float64) for a in args]
    f64 = lambda x: mx.array(x, mx.float64)  # noqa: E731
    out_shape = np.asarray(fn(*[f64(x) for x in xs])).shape
    w = f64(rng.uniform(-1, 1, out_shape) if weights is None else weights)

    def scalar(*ms):
        return mx.sum(fn(*ms) * w)

    g = mx.grad(scalar, argnums=argnum)(*[f64(x) for x in xs])
    assert g.dtype == mx.float64

    def np_f(x):
        ys = list(xs)
        ys[argnum] = x
        return float(np.asarray(scalar(*[f64(y) for y in ys])))

    np.testing.assert_allclose(np.array(g), central_grad(np_f, xs[argnum]), rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ constants

def test_constants():
    assert mx.e == math.e and mx.pi == math.pi
    assert mx.inf == math.inf and math.isnan(mx.nan)
    assert mx.euler_gamma == 0.5772156649015329
    assert mx.newaxis is None
    assert mx.ones((2, 3))[:, mx.newaxis].shape == (2, 1, 3)


# -------------------------------------------------------------------- softmax

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
    assert_array(mx.softmax(mx.array(y).transpose(2, 0, 1), axis=-1),
                 np_softmax(y.transpose(2, 0, 1), -1), mx.float32)


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
        0.00156402587890625, 0.0042724609375, 0.0115966796875, 0.031494140625, 0.0859375, 0.232421875, 0.6328125]
    assert mx.softmax(x, precise=True).astype(mx.float32).tolist() == [
        0.0015716552734375, 0.0042724609375, 0.0115966796875, 0.031494140625, 0.08544921875, 0.232421875, 0.6328125]


def test_softmax_axes_edge_cases():
    x = mx.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert_array(mx.softmax(x, axis=[]), np.ones((2, 3)), mx.float32)
    assert_array(mx.softmax(mx.array(2.0)), np.array(1.0), mx.float32)
    assert_array(mx.softmax(mx.zeros((0, 3))), np.zeros((0, 3)), mx.float32)
    assert_array(mx.softmax(mx.zeros((0, 3)), axis=0), np.zeros((0, 3)), mx.float32)
    assert_array(mx.softmax(x, 1), np_softmax(x, 1), mx.float32)  # axis is positional
    assert_raises(lambda: mx.softmax(mx.array(2.0), axis=0), ValueError,
                  "[softmax] Received non-empty axes for array with 0 dimensions.")
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
    (_, ), (jt, ) = mx.jvp(f, [x], [t])
    # <J t, c> == <t, J^T c>
    c = mx.array(rng.normal(size=(3, 5)).astype(np.float32))
    _, (vc, ) = mx.vjp(f, [x], [c])
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

@pytest.mark.parametrize("dtype", ["bool", "int8", "uint32", "float16", "float32", "complex64"])
def test_positive(dtype):
    rng = np.random.default_rng(0)
    for name in LAYOUTS:
        a, x = layout(name, dtype, rng)
        assert_array(mx.positive(a), x, dtype)
    with pytest.raises(TypeError):
        mx.positive(3)
    x = mx.array([1, 2])
    y = mx.positive(x)
    y[0] = 5
    assert x.tolist() == [1, 2]


@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8", "float32", "float16", "complex64"])
def test_count_nonzero(dtype):
    rng = np.random.default_rng(1)
    for name in LAYOUTS:
        a, x = layout(name, dtype, rng)
        x = np.round(x) if dtype != "bool" else x
        a = to_mx(x, dtype) if name not in ("transposed", "sliced", "broadcast") else mx.round(a) \
            if dtype not in ("bool", "int32", "uint8") else a
        x = to_np(a)
        axes = [None, 0, -1, (0, 1)] if a.ndim == 2 else [None]
        for axis in axes:
            for keepdims in (False, True):
                out = mx.count_nonzero(a, axis=axis, keepdims=keepdims)
                assert_array(out, np.count_nonzero(x, axis=axis, keepdims=keepdims), mx.int32)
    assert mx.count_nonzero(mx.ones((2, 3)), 1).tolist() == [3, 3]  # axis positional


def test_count_nonzero_special():
    assert mx.count_nonzero(mx.array([np.nan, 0.0])).item() == 1
    assert_array(mx.count_nonzero(mx.array(0)), np.array(0), mx.int32)
    assert_array(mx.count_nonzero(mx.zeros((0, 2))), np.array(0), mx.int32)
    with pytest.raises(IndexError):
        mx.count_nonzero(mx.ones((2, 3)), axis=3)
    with pytest.raises(TypeError):
        mx.count_nonzero(mx.ones((2, 3)), 1, True)  # keepdims is keyword-only


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "float32", "bfloat16"])
def test_minmax(dtype):
    rng = np.random.default_rng(2)
    for name in LAYOUTS:
        if name == "empty":
            continue
        a, x = layout(name, dtype, rng)
        axes = [None, 0, 1, (0, 1)] if a.ndim == 2 else [None]
        for axis in axes:
            for keepdims in (False, True):
                out = mx.minmax(a, axis, keepdims)
                assert isinstance(out, tuple) and len(out) == 2
                assert_array(out[0], np.min(x, axis=axis, keepdims=keepdims), dtype)
                assert_array(out[1], np.max(x, axis=axis, keepdims=keepdims), dtype)


def test_minmax_errors_and_nan():
    lo, hi = mx.minmax(mx.array([1.0, np.nan]))
    assert np.isnan(lo.item()) and np.isnan(hi.item())
    out = mx.minmax(mx.zeros((0, 2)), axis=1)
    assert out[0].shape == (0,) and out[1].shape == (0,)
    assert_raises(lambda: mx.minmax(mx.zeros((0, 2))), ValueError, "[min]")
    with pytest.raises(ValueError):
        mx.minmax(mx.ones((2, 2)), axis=(0, 0))


# ------------------------------------------------------------------- addmm

@pytest.mark.parametrize("name", ["contiguous", "transposed", "sliced", "broadcast"])
def test_addmm_layouts(name):
    rng = np.random.default_rng(3)
    a, x = layout(name, "float32", rng, shape=(3, 4))
    b, y = layout(name, "float32", rng, shape=(4, 5))
    c, z = layout(name, "float32", rng, shape=(3, 5))
    for alpha, beta in [(1.0, 1.0), (2.0, 0.5), (-1.5, 0.0), (0.0, 2.0)]:
        out = mx.addmm(c, a, b, alpha, beta)
        assert_array(out, alpha * (x @ y) + beta * z, mx.float32)
    assert_array(mx.addmm(c, a, b, alpha=2, beta=3), 2 * (x @ y) + 3 * z, mx.float32)


def test_addmm_shapes_and_dtypes():
    a = np.array([[1.0, 2], [3, 4]])
    b = np.array([[1.0, 0], [1, 1]])
    c = np.array([1.0, 2])
    A, B, C = mx.array(a), mx.array(b), mx.array(c)
    assert_array(mx.addmm(C, A[0], B), c + a[0] @ b, mx.float32)
    assert_array(mx.addmm(C, A, B[0]), c + a @ b[0], mx.float32)
    assert_array(mx.addmm(mx.array(1.0), A[0], B[0]), 1 + a[0] @ b[0], mx.float32)
    out = mx.addmm(mx.ones((3, 1, 1)), mx.ones((3, 2, 4)), mx.ones((4, 2)))
    assert_array(out, np.full((3, 2, 2), 5.0), mx.float32)
    assert_array(mx.addmm(C.astype(mx.float16), A, B), c + a @ b, mx.float32)
    assert_array(mx.addmm(C, A.astype(mx.int32), B.astype(mx.int32)), c + a @ b, mx.float32)
    assert_array(mx.addmm(C, A, B.astype(mx.float64)), c + a @ b, mx.float64)
    assert_array(mx.addmm(C.astype(mx.complex64), A, B), c + a @ b, mx.complex64)
    assert_array(mx.addmm(C.astype(mx.bfloat16), A.astype(mx.float16), B.astype(mx.float16)),
                 c + a @ b, mx.float32)
    assert_array(mx.addmm(C, mx.zeros((2, 0)), mx.zeros((0, 2))), np.tile(c, (2, 1)), mx.float32)
    # beta 0 ignores c, NaNs included; alpha NaN poisons.
    assert_array(mx.addmm(C * np.nan, A, B, beta=0), a @ b, mx.float32)
    assert np.isnan(np.array(mx.addmm(C, A, B, alpha=np.nan))).all()


def test_addmm_errors():
    A = mx.ones((2, 2))
    assert_raises(lambda: mx.addmm(mx.array([1], mx.int8), mx.array([[1]], mx.int16),
                                   mx.array([[1]], mx.uint8)), ValueError,
                  "[addmm] Only real floating point types are supported but int8, int16 and uint8 were "
                  "provided which results in int16, which is not a real floating point type.")
    assert_raises(lambda: mx.addmm(mx.ones((3, 2, 2)), A, A), ValueError,
                  "[addmm] input c must broadcast to the output shape")
    assert_raises(lambda: mx.addmm(mx.ones((3,)), A, A), ValueError, "[broadcast_shapes]")
    assert_raises(lambda: mx.addmm(mx.ones(2), mx.ones((2, 3)), A), ValueError,
                  "[addmm] Last dimension of first input with shape (2,3) must match second to last "
                  "dimension of second input with shape (2,2).")
    assert_raises(lambda: mx.addmm(mx.ones(2), mx.array(1.0), A), ValueError,
                  "[addmm] Got 0 dimension input. Inputs must have at least one dimension.")
    with pytest.raises(TypeError):
        mx.addmm(mx.ones(2), A, A, 1.0, 1.0, mx.cpu)


@pytest.mark.parametrize("argnum", [0, 1, 2])
def test_addmm_grad(argnum):
    rng = np.random.default_rng(5)
    c, a, b = rng.normal(size=(3, 1)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    check_grad(lambda c, a, b: mx.addmm(c, a, b, alpha=0.7, beta=-1.3), c, a, b, argnum=argnum)


# ------------------------------------------------------------------ vecdot

@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "float32", "float16", "complex64"])
def test_vecdot_values(dtype):
    rng = np.random.default_rng(6)
    for name in ["contiguous", "transposed", "sliced", "broadcast", "empty"]:
        a, x = layout(name, dtype, rng)
        b, y = layout("contiguous", dtype, rng, shape=a.shape if a.size else (0, 4))
        for axis in (-1, 0, 1, -2):
            out = mx.vecdot(a, b, axis=axis)
            expected = np.sum(np.conj(x).astype(np.complex128 if dtype == "complex64" else np.float64)
                              * y, axis=axis)
            want = {"bool": "int32", "int8": "int32", "uint8": "uint32"}.get(dtype, dtype)
            assert_array(out, expected, want, msg=f"{name} {axis}")


def test_vecdot_broadcast_and_numpy():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(2, 1, 3)), rng.normal(size=(1, 4, 3))
    assert_array(mx.vecdot(mx.array(x), mx.array(y)), np.vecdot(x, y), mx.float32)
    assert_array(mx.vecdot(mx.array(x), mx.array(y), 2), np.vecdot(x, y), mx.float32)
    # MLX's axis counts in both operands; here b broadcasts like a row.
    out = mx.vecdot(mx.array([[1.0, 2], [3, 4]]), mx.array([10.0, 100]), axis=0)
    assert_array(out, [40.0, 600.0], mx.float32)
    assert_array(mx.vecdot(mx.ones((2, 3)), mx.ones((2, 1, 3)), axis=0), np.full((2, 3), 2.0), mx.float32)
    assert_array(mx.vecdot(mx.array([1 + 2j, 3j]), mx.array([1j, 2 + 0j])), np.array(2 - 5j), mx.complex64)
    assert_array(mx.vecdot(mx.array([1, 2]), mx.array([1.5, 2])), np.array(5.5), mx.float32)
    assert_array(mx.vecdot(mx.array([1, 2], mx.uint64), mx.array([1, 2], mx.uint64)), np.array(5), mx.uint64)


def test_vecdot_errors():
    o = mx.ones
    cases = [  # (a shape, b shape, axis, error)
        ((2, 2), (2,), -1, ValueError), ((2, 3), (3,), 0, ValueError), ((2, 3), (3,), 1, ValueError),
        ((2, 3, 4), (3, 4), 1, ValueError), ((2, 3, 4), (3, 4), -1, ValueError),
        ((2, 3, 4), (3, 4), -2, ValueError), ((2, 3, 4), (3, 4), 2, ValueError),
        ((2, 2), (2, 2), 2, IndexError), ((2, 3, 4), (2, 3, 4), -4, IndexError),
        ((3,), (2, 3), 1, IndexError), ((3,), (2, 3), -2, IndexError),
        ((2, 1), (2, 3), -1, ValueError), ((2, 3), (1, 3), 0, ValueError),
    ]
    for sa, sb, axis, exc in cases:
        assert_raises(lambda: mx.vecdot(o(sa), o(sb), axis=axis), exc, "[vecdot]")
    assert_raises(lambda: mx.vecdot(mx.array(1.0), mx.array(2.0)), ValueError,
                  "[vecdot] inputs must be at least 1D.")
    assert_raises(lambda: mx.vecdot(o((2, 1)), o((2, 3))), ValueError,
                  "[vecdot] a and b must have the same size along axis.")
    with pytest.raises(TypeError):
        mx.vecdot([1, 2], [3, 4])


def test_vecdot_grad():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for argnum in (0, 1):
        check_grad(lambda a, b: mx.vecdot(a, b, axis=0), a, b, argnum=argnum)


# ----------------------------------------------------------------- windows

@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows(name):
    f, g = getattr(mx, name), getattr(np, name)
    for M in [-1, 0, 1, 2, 3, 5, 7, 64, 1000]:
        out = f(M)
        assert_array(out, g(M), mx.float32, atol=3e-7, msg=str(M))
    with pytest.raises(TypeError):
        f(2.5)
    assert f(4, stream=mx.cpu).shape == (4,)


def test_window_exact_values():
    # Recorded from MLX: Blackman's ends are exactly zero in float32.
    assert mx.blackman(5).tolist()[0] == 0.0 and mx.blackman(5).tolist()[2] == 1.0
    assert mx.bartlett(5).tolist() == [0.0, 0.5, 1.0, 0.5, 0.0]


# ---------------------------------------------------------- dtype queries

_D = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
      "float16", "bfloat16", "float32", "float64", "complex64"]
# MLX 0.32.4 can_cast(row, column), recorded.
_CAN_CAST = """
11111111111111 01111011111111 00111001111111 00011000111111 00001000011111 00000111111111
00000011111111 00000001111111 00000000111111 00000000010111 00000000001111 00000000000111
00000000000011 00000000000001""".split()


def test_can_cast():
    for i, a in enumerate(_D):
        for j, b in enumerate(_D):
            want = _CAN_CAST[i][j] == "1"
            assert mx.can_cast(getattr(mx, a), getattr(mx, b)) is want, (a, b)
    assert mx.can_cast(mx.array([1]), mx.float32) is True
    assert mx.can_cast(mx.array(1.0), mx.int32) is False
    assert mx.can_cast(from_=mx.int8, to=mx.int32)
    assert_raises(lambda: mx.can_cast(1, mx.int32), ValueError,
                  "[can_cast] `from_` must be an array or a dtype.")
    with pytest.raises(TypeError):
        mx.can_cast(mx.int8, "int32")


def test_result_type():
    assert mx.result_type(mx.int8, mx.uint8) == mx.int16
    assert mx.result_type(mx.array([1]), mx.float16) == mx.float16
    assert mx.result_type(mx.int8) == mx.int8
    assert mx.result_type(mx.array([1], mx.int8), mx.array(1.0)) == mx.float32  # arrays are not weak
    assert mx.result_type(mx.bfloat16, mx.float16) == mx.float32
    assert mx.result_type(mx.uint64, mx.int64) == mx.float32
    assert mx.result_type(mx.int8, mx.int16, mx.float16, mx.complex64) == mx.complex64
    assert_raises(lambda: mx.result_type(), ValueError, "[result_type] At least one array or dtype is required.")
    for bad in (1, 1.0, np.float32):
        assert_raises(lambda: mx.result_type(bad, mx.int8), ValueError,
                      "[result_type] Inputs must be arrays or dtypes.")


# MLX 0.32.4 isdtype(dtype, kind) over _D, recorded.
_ISDTYPE = {
    "bool": "10000000000000", "signed integer": "00000111100000", "unsigned integer": "01111000000000",
    "integral": "01111111100000", "real floating": "00000000011110", "complex floating": "00000000000001",
    "numeric": "01111111111111",
}


def test_isdtype():
    for kind, row in _ISDTYPE.items():
        for d, bit in zip(_D, row):
            assert mx.isdtype(getattr(mx, d), kind) is (bit == "1"), (d, kind)
    assert mx.isdtype(mx.float32, mx.float32) and not mx.isdtype(mx.float32, mx.float16)
    assert not mx.isdtype(mx.float32, (mx.float16, "integral"))
    assert mx.isdtype(mx.int32, (mx.float16, "integral"))
    assert not mx.isdtype(mx.float32, ())
    assert_raises(lambda: mx.isdtype(mx.float32, "foo"), ValueError, "[isdtype] Unknown data type kind: 'foo'.")
    for bad in (mx.floating, 3, [mx.float32]):
        assert_raises(lambda: mx.isdtype(mx.float32, bad), ValueError, "[isdtype] `kind` must be")
    with pytest.raises(TypeError):
        mx.isdtype(mx.array(1), "numeric")


# -------------------------------------------------------------- einsum_path

def test_einsum_path_recorded():
    with open(os.path.join(DATA, "einsum_path_mlx.json")) as f:
        cases = json.load(f)
    assert len(cases) == 400
    for eq, shapes, path, info in cases:
        if path == "ValueError":
            assert_raises(lambda: mx.einsum_path(eq, *[mx.ones(s) for s in shapes]), ValueError, info)
            continue
        got_path, got_info = mx.einsum_path(eq, *[mx.ones(s) for s in shapes])
        assert isinstance(got_path, list) and all(isinstance(p, tuple) for p in got_path)
        assert [list(p) for p in got_path] == path, eq
        assert got_info == info, eq


def test_einsum_path_examples():
    a, b, c = mx.ones((2, 3)), mx.ones((3, 4)), mx.ones((4, 5))
    path, info = mx.einsum_path("ij,jk,kl->il", a, b, c)
    assert path == [(1, 2), (0, 1)]
    assert info == ("  Complete contraction:  ij,jk,kl->il\n         Naive scaling:  4\n"
                    "     Optimized scaling:  3\n      Naive FLOP count:  360\n"
                    "  Optimized FLOP count:  180\n")
    assert mx.einsum_path("ii", mx.ones((3, 3)))[0] == [(0,)]
    path, info = mx.einsum_path("...ij,...jk->...ik", mx.ones((5, 2, 3)), b)
    assert path == [(0, 1)] and "Naive FLOP count:  240\n" in info
    path, info = mx.einsum_path("i...,i...", mx.ones((5, 2, 3)), mx.ones((5, 1, 3)))
    assert "Naive scaling:  3\n" in info and "Naive FLOP count:  60\n" in info
    assert "Complete contraction:  ij, jk\n" in mx.einsum_path("ij, jk", a, b)[1]
    # The path agrees with einsum's result.
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(np.array(mx.einsum("ij,jk->ik", mx.array(x), b)), x @ np.ones((3, 4)), rtol=1e-6)


def test_einsum_path_errors():
    a = mx.ones((2, 3))
    cases = [
        (("ij,jk->ik", a), "[einsum_path] Number of operands, 1, does not match number of input subscripts, 2"),
        (("ij,jk->ik", a, mx.ones((4, 5))),
         "[einsum_path] Cannot broadcast dimension 0 of input 1 with shape (4,5) to size 3."),
        (("ij,jk->ik", a, mx.ones(3)), "[einsum_path] Invalid number of subscripts 2 for input 1 with 1 dimensions."),
        (("ij,jk->ii", a, mx.ones((3, 4))), "[einsum_path] Repeat indices not allowed in output."),
        (("i2", a), "[einsum_path] Subscripts must be letters, but got '2'."),
        (("...i,...i->...", a, mx.ones((4, 3))),
         "[einsum_path] Cannot broadcast dimension 0 of input 1 with shape (4,3) to size 2."),
    ]
    for args, msg in cases:
        assert_raises(lambda: mx.einsum_path(*args), ValueError, msg)


# ------------------------------------------------------------------ depends

def test_depends():
    a, b = mx.array([1.0, 2.0]), mx.array([3.0])
    out = mx.depends(a, b)
    assert isinstance(out, mx.array) and out.tolist() == [1.0, 2.0]
    outs = mx.depends([a, b], [b * 2])
    assert isinstance(outs, list) and [o.tolist() for o in outs] == [[1.0, 2.0], [3.0]]
    assert mx.depends([a], []) [0].tolist() == [1.0, 2.0]
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

def test_thread_local_stream():
    s = mx.new_thread_local_stream(mx.cpu)
    assert repr(s).startswith("ThreadLocalStream(Device(cpu, 0), ")
    assert s.device == mx.cpu and s == s and s != mx.new_thread_local_stream(mx.cpu)
    assert s != mx.default_stream(mx.cpu) and not (s == 1)
    a = mx.array([1.0, 2.0])
    assert mx.add(a, a, stream=s).tolist() == [2.0, 4.0]
    with mx.stream(s):
        inner = mx.default_stream(mx.cpu)
        assert (a + 1).tolist() == [2.0, 3.0]
    assert isinstance(inner, mx.Stream)
    # Each thread gets its own stream for the same handle.
    seen = []

    def work():
        with mx.stream(s):
            seen.append(mx.default_stream(mx.cpu))
            seen.append(mx.sum(a, stream=s).item())

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert seen[0] != inner and seen[1] == 3.0
    assert mx.new_thread_local_stream(mx.gpu).device == mx.gpu
    with pytest.raises(TypeError):
        mx.ThreadLocalStream()


def test_thread_unsafe_stream_and_misc():
    u = mx.new_thread_unsafe_stream(mx.cpu)
    assert isinstance(u, mx.Stream) and u.device == mx.cpu
    assert mx.new_thread_unsafe_stream(mx.Device(mx.cpu)) != u
    a = mx.array([1.0, 2.0])
    assert mx.add(a, a, stream=u).tolist() == [2.0, 4.0]
    assert_raises(lambda: mx.new_thread_unsafe_stream(mx.gpu), ValueError,
                  "[new_thread_unsafe_stream] Cannot make gpu stream without gpu backend.")
    assert mx.clear_streams() is None
    assert (a * 2).tolist() == [2.0, 4.0]


def test_device_info():
    info = mx.device_info()
    assert set(info) == {"architecture", "device_name"}
    assert info == mx.device_info(mx.cpu) == mx.device_info(mx.Device(mx.cpu)) == mx.device_info(d=mx.cpu)
    assert all(isinstance(v, str) for v in info.values())
    assert mx.device_info(mx.gpu) == {}


# ------------------------------------------------------------ print options

def test_printoptions():
    x = mx.array([1.123456789, 2.5, 1e-5, 3.0])
    default = "array([1.12346, 2.5, 1e-05, 3], dtype=float32)"
    assert repr(x) == default
    assert mx.get_printoptions().precision == -1
    try:
        mx.set_printoptions(precision=3)
        assert repr(x) == "array([1.123, 2.500, 0.000, 3.000], dtype=float32)"
        assert mx.get_printoptions().precision == 3
        with mx.printoptions(precision=2) as ctx:
            assert type(ctx).__name__ == "_PrintOptionsContext"
            assert repr(x) == "array([1.12, 2.50, 0.00, 3.00], dtype=float32)"
            assert repr(mx.array(3.14159)) == "array(3.14, dtype=float32)"
            assert repr(mx.array([1, 2])) == "array([1, 2], dtype=int32)"
            assert repr(mx.array([1.5 + 2.25j, -1j])) == "array([1.50+2.25j, -0.00-1.00j], dtype=complex64)"
            assert repr(mx.array([1.23456], mx.float16)) == "array([1.23], dtype=float16)"
        assert repr(x) == "array([1.123, 2.500, 0.000, 3.000], dtype=float32)"
        mx.set_printoptions(precision=0)
        assert str(x) == "array([1, 2, 0, 3], dtype=float32)"
        mx.set_printoptions(precision=-5)  # negative: 6 digits after the point
        assert repr(mx.array([1.5])) == "array([1.500000], dtype=float32)"
        with pytest.raises(TypeError):
            mx.set_printoptions(precision=1.5)
    finally:
        mx.set_printoptions()
    assert repr(x) == default and mx.get_printoptions().precision == -1
    opts = mx.PrintOptions(4)
    assert opts.precision == 4 and mx.PrintOptions().precision == -1
    opts.precision = 1
    with mx._PrintOptionsContext(opts):
        assert repr(mx.array([0.25])) == "array([0.2], dtype=float32)"
    assert repr(x) == default


# ------------------------------------------------- ArrayLike and from_dlpack

def test_array_like():
    obj = mx.ArrayLike([1, 2])
    assert isinstance(obj, mx.ArrayLike)
    with pytest.raises(ValueError):
        mx.array(obj)


def test_from_dlpack():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for v in (x, x.T, x[:, ::2]):
        out = mx.from_dlpack(v)
        assert_array(out, v, mx.float32)
    with pytest.raises(ValueError):  # as MLX 0.32.4: no negative strides
        mx.from_dlpack(x[::-1])
    assert_array(mx.from_dlpack(x, copy=True), x, mx.float32)
    for v, d in [(np.array([1, 2], np.int64), mx.int64), (np.array([1, 2], np.float16), mx.float16),
                 (np.array([True]), mx.bool_), (np.array(3.0), mx.float32), (np.zeros((0, 3)), mx.float32),
                 (np.array([1 + 2j], np.complex64), mx.complex64), (np.array([1, 2], np.uint16), mx.uint16)]:
        assert_array(mx.from_dlpack(v), v, d)
    y = np.arange(3.0, dtype=np.float32)
    z = mx.from_dlpack(y)
    y[0] = 100
    assert z.tolist() == [0.0, 1.0, 2.0]  # a copy

    class Wrapper:
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    assert_array(mx.from_dlpack(Wrapper(x)), x, mx.float32)
    assert mx.from_dlpack(mx.array([1, 2])).tolist() == [1, 2]
    assert_raises(lambda: mx.from_dlpack(x, copy=False), ValueError,
                  "[convert] Cannot import a CPU array without a copy.")
    for bad in ([1, 2], 1):
        with pytest.raises(TypeError):
            mx.from_dlpack(bad)


# -------------------------------------------------------- hadamard_transform

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
        28: [-18, -12, -6, 0, 6, 12, 18, -2, 8, -10, 0, 10, -8, 2, -2, 8, 18, 0, -18, -8, 2, -2, -20, -10,
             0, 10, 20, 2],
        56: [-30, -6, -6, -6, 18, -6, 0, 36, -18, -6, 6, -6, 30, -6, 6, -10, 18, 18, -26, -10, 0, 4, 26,
             -10, -18, 18, -6, -10, -22, 18, -10, -10, 30, -10, 0, 4, -30, -10, 10, -10, 22, 18, 6, -10,
             -10, -10, 2, 18, 0, 4, -2, 18, 10, -10, -6, -10],
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
        -0.01450347900390625, -1.0458984375, -0.325927734375, -0.0006475448608398438, 1.1162109375, 0.0,
        -1.7646484375, -0.0007338523864746094, -3.068359375, -0.000690460205078125, -1.767578125,
        4.315376281738281e-05, -5.3046875, 0.0, 1.7646484375, -4.315376281738281e-05, -0.83349609375,
        0.000690460205078125, 1.7666015625, -0.0003020763397216797, -1.767578125, -0.0003452301025390625,
        -1.767578125, -0.0003883838653564453, -1.767578125, -0.0003452301025390625, -1.767578125,
        -0.0003020763397216797, 1.767578125, 0.0003452301025390625, 1.767578125, -0.0003883838653564453]
    x = ((mx.arange(24) * 0.37) % 5 - 2.3).astype(mx.bfloat16)
    assert mx.hadamard_transform(x).astype(mx.float32).tolist() == [
        0.49609375, -0.7578125, 1.953125, 0.1513671875, 0.31640625, -0.150390625, -2.125, 0.154296875,
        -1.640625, -0.1513671875, 0.75390625, 0.154296875, 0.318359375, -0.1533203125, -0.462890625,
        0.1552734375, -1.8046875, -0.1533203125, 2.421875, 0.1533203125, -3.765625, -0.1494140625, -2.875,
        0.1513671875]


def test_hadamard_dtypes_shapes_errors():
    x = mx.arange(4).reshape(2, 2)
    assert_array(mx.hadamard_transform(x), np.array([[1, -1], [5, -1]]) / np.sqrt(2), mx.float32)
    assert_array(mx.hadamard_transform(mx.array(1.0)), np.array(1.0), mx.float32)
    assert_array(mx.hadamard_transform(mx.ones((1,))), np.ones(1), mx.float32)
    assert_array(mx.hadamard_transform(mx.ones((2,), mx.complex64)), [np.sqrt(2), 0], mx.float32)
    assert_array(mx.hadamard_transform(mx.ones((2, 3, 8)).transpose(0, 2, 1)[..., :2]),
                 np.tile([np.sqrt(2), 0], (2, 8, 1)), mx.float32)
    assert_raises(lambda: mx.hadamard_transform(mx.ones((0, 4))), ValueError,
                  "[hadamard_transform] Does not support empty arrays.")
    for n in (3, 6, 40 * 3, 60):
        assert_raises(lambda: mx.hadamard_transform(mx.ones(n)), ValueError,
                      "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).")
    assert_raises(lambda: mx.hadamard_transform(mx.ones(2, mx.float64)), ValueError,
                  "[hadamard] Unsupported type.")
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
        _, (jt, ) = mx.jvp(mx.hadamard_transform, [mx.array(x)], [t])  # linear: J t = f(t)
        np.testing.assert_allclose(np.array(jt), np.array(mx.hadamard_transform(t)), rtol=1e-5, atol=1e-5)
    x = mx.arange(8.0).reshape(4, 2)
    out = mx.vmap(mx.hadamard_transform, in_axes=1)(x)
    assert out.tolist() == [[6.0, -2.0, -4.0, 0.0], [8.0, -2.0, -4.0, 0.0]]


# ------------------------------------------------------------------ gather_mm

def test_gather_mm():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(3, 2, 4)).astype(np.float32)
    b = rng.normal(size=(2, 4, 5)).astype(np.float32)
    A, B = mx.array(a), mx.array(b)
    li, ri = np.array([0, 2]), np.array([1, 0])
    assert_array(mx.gather_mm(A, B, mx.array(li), mx.array(ri)), a[li] @ b[ri], mx.float32)
    assert_array(mx.gather_mm(A, B, rhs_indices=mx.array([1, 0, 1])), a @ b[[1, 0, 1]], mx.float32)
    lb = np.array([[0], [2]])
    assert_array(mx.gather_mm(A, B, lhs_indices=mx.array(lb), rhs_indices=mx.array(ri)),
                 a[lb] @ b[ri], mx.float32)
    for dt in (mx.int64, mx.uint32, mx.int8):
        out = mx.gather_mm(A, B, mx.array(li).astype(dt), mx.array(ri), sorted_indices=True)
        assert_array(out, a[li] @ b[ri], mx.float32)
    assert_array(mx.gather_mm(A[0], B[0]), a[0] @ b[0], mx.float32)
    assert_array(mx.gather_mm(A[0, 0], B, None, mx.array(ri)), a[0, 0] @ b[ri], mx.float32)
    assert_array(mx.gather_mm(A, B[0, :, 0], mx.array([1, 0]), None), a[[1, 0]] @ b[0, :, 0], mx.float32)
    a16 = a.astype(np.float16).astype(np.float32)
    assert_array(mx.gather_mm(A.astype(mx.float16), B, mx.array(li), mx.array(ri)), a16[li] @ b[ri], mx.float32)
    a4 = rng.normal(size=(2, 3, 2, 4)).astype(np.float32)
    b3 = rng.normal(size=(3, 4, 5)).astype(np.float32)
    out = mx.gather_mm(mx.array(a4), mx.array(b3), mx.array([[0, 1]]), mx.array([[1], [2]]))
    assert_array(out, a4.reshape(6, 2, 4)[np.array([[0, 1]])] @ b3[np.array([[1], [2]])], mx.float32)
    # Transposed operands.
    at = rng.normal(size=(3, 4, 2)).astype(np.float32)
    out = mx.gather_mm(mx.array(at).swapaxes(1, 2), B, mx.array(li), mx.array(ri))
    assert_array(out, at.swapaxes(1, 2)[li] @ b[ri], mx.float32)


def test_gather_mm_errors_and_grad():
    A, B = mx.ones((3, 2, 4)), mx.ones((2, 4, 5))
    assert_raises(lambda: mx.gather_mm(A, B), ValueError, "[broadcast_shapes]")
    assert_raises(lambda: mx.gather_mm(A, B, mx.array([0.0, 2]), mx.array([1, 0])), ValueError,
                  "[gather_mm] Got indices with invalid dtype. Indices must be integral.")
    assert_raises(lambda: mx.gather_mm(A.astype(mx.int32), B.astype(mx.int32), mx.array([0]), mx.array([1])),
                  ValueError, "[gather_mm] Only real floating point types are supported but int32 and int32")
    assert_raises(lambda: mx.gather_mm(A, B[:, :3], mx.array([0]), mx.array([1])), ValueError,
                  "[gather_mm] Last dimension of first input with shape (3,2,4) must match second to last "
                  "dimension of second input with shape (2,3,5).")
    assert_raises(lambda: mx.gather_mm(mx.array(1.0), B), ValueError, "[matmul] Got 0 dimension input.")
    assert_raises(lambda: mx.gather_mm(A, B, mx.array([0, 2]), mx.array([1, 0, 1])), ValueError,
                  "[broadcast_shapes]")
    rng = np.random.default_rng(12)
    a, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(2, 4, 5))
    li, ri = mx.array([0, 2, 2]), mx.array([1, 0, 1])
    for argnum in (0, 1):
        check_grad(lambda a, b: mx.gather_mm(a, b, li, ri), a, b, argnum=argnum)


# --------------------------------------------------------------- segmented_mm

def np_segmented(a, b, segs):
    segs = np.asarray(segs)
    out = np.zeros(segs.shape[:-1] + (a.shape[0], b.shape[1]))
    for idx in np.ndindex(*segs.shape[:-1]):
        s, e = segs[idx]
        out[idx] = a[:, s:e] @ b[s:e]
    return out


def test_segmented_mm():
    rng = np.random.default_rng(13)
    a = rng.normal(size=(2, 6)).astype(np.float32)
    b = rng.normal(size=(6, 3)).astype(np.float32)
    A, B = mx.array(a), mx.array(b)
    for segs in ([[0, 2], [2, 6]], [[0, 2], [2, 6], [0, 6], [3, 3]], [[[0, 2], [2, 6]]], [0, 2], [[4, 2]]):
        out = mx.segmented_mm(A, B, mx.array(segs))
        assert_array(out, np_segmented(a, b, segs), mx.float32, msg=str(segs))
    for dt in (mx.uint32, mx.int64):
        assert_array(mx.segmented_mm(A, B, mx.array([[1, 5]]).astype(dt)), np_segmented(a, b, [[1, 5]]),
                     mx.float32)
    assert_array(mx.segmented_mm(A.astype(mx.float16), B, mx.array([[0, 2]])), np_segmented(a, b, [[0, 2]]),
                 mx.float32, atol=2e-3)
    assert_array(mx.segmented_mm(A.T.T, mx.array(b.T.copy()).T, mx.array([[0, 6]])),
                 np_segmented(a, b, [[0, 6]]), mx.float32)
    assert mx.segmented_mm(A, B, mx.zeros((0, 2), mx.int32)).shape == (0, 2, 3)
    assert_raises(lambda: mx.segmented_mm(A, B, mx.array([[0, 2, 3]])), ValueError,
                  "[segmented_mm] The segments should have shape (..., 2) but (1,3) was provided.")
    assert_raises(lambda: mx.segmented_mm(A, B, mx.array([[0.0, 2]])), ValueError,
                  "[segmented_mm] Got segments with invalid dtype. Segments must be integral.")
    assert_raises(lambda: mx.segmented_mm(A.astype(mx.int32), B.astype(mx.int32), mx.array([[0, 2]])),
                  ValueError, "[segmented_mm] Only real floating point types are supported but int32 and int32")
    assert_raises(lambda: mx.segmented_mm(A.astype(mx.complex64), B, mx.array([[0, 2]])), ValueError,
                  "[segmented_mm] Only real floating point types are supported but complex64 and float32")
    # MLX has no vjp for segmented_mm; ours comes from the composition.
    rng = np.random.default_rng(16)
    segs = mx.array([[0, 2], [1, 6], [4, 4]])
    for argnum in (0, 1):
        check_grad(lambda a, b: mx.segmented_mm(a, b, segs), rng.normal(size=(2, 6)), rng.normal(size=(6, 3)),
                   argnum=argnum)
    for sa, sb in (((3, 2, 6), (6, 3)), ((2, 6), (2, 6, 3)), ((6,), (6, 3))):
        assert_raises(lambda: mx.segmented_mm(mx.ones(sa), mx.ones(sb), mx.array([[0, 2]])), ValueError,
                      "[segmented_mm] Batched matmul not supported")


# ------------------------------------------------------------ block_masked_mm

def np_block_masked(a, b, bs, mask_out=None, mask_lhs=None, mask_rhs=None):
    def expand(m, rows, cols):
        m = np.asarray(m)
        m = np.broadcast_to(m, np.broadcast_shapes(m.shape, (-(-rows // bs), -(-cols // bs))))
        return np.repeat(np.repeat(m, bs, -2), bs, -1)[..., :rows, :cols]
    a = a.copy() if mask_lhs is None else np.where(expand(mask_lhs, *a.shape[-2:]), a, 0) \
        if np.asarray(mask_lhs).dtype == bool else a * expand(mask_lhs, *a.shape[-2:])
    b = b.copy() if mask_rhs is None else np.where(expand(mask_rhs, *b.shape[-2:]), b, 0) \
        if np.asarray(mask_rhs).dtype == bool else b * expand(mask_rhs, *b.shape[-2:])
    out = a @ b
    if mask_out is not None:
        m = expand(mask_out, *out.shape[-2:])
        out = np.where(m, out, 0) if m.dtype == bool else out * m
    return out


def test_block_masked_mm():
    rng = np.random.default_rng(14)
    a = rng.normal(size=(64, 64)).astype(np.float32)
    b = rng.normal(size=(64, 96)).astype(np.float32)
    A, B = mx.array(a), mx.array(b)
    mo = np.array([[True, False, True], [False, True, True]])
    ml = np.array([[True, False], [False, True]])
    mlf = np.array([[2.0, 0.5], [1, 3]], np.float32)
    mrf = np.array([[2.0, 0.5, 1], [1, 3, 1]], np.float32)
    cases = [dict(mask_out=mo), dict(mask_lhs=ml), dict(mask_rhs=mo), dict(mask_lhs=mlf), dict(mask_out=mrf),
             dict(mask_out=mo[:1].repeat(2, 0)), dict(mask_lhs=ml, mask_rhs=mo, mask_out=mo),
             dict(mask_out=np.array([True, False, True]))]
    for kw in cases:
        out = mx.block_masked_mm(A, B, 32, **{k: mx.array(v) for k, v in kw.items()})
        assert_array(out, np_block_masked(a, b, 32, **kw), mx.float32, atol=1e-4, msg=str(kw))
    out = mx.block_masked_mm(A, B, mask_out=mx.array([[True, False]]))  # block 64
    assert_array(out, np_block_masked(a, b, 64, mask_out=np.array([[True, False]])), mx.float32, atol=1e-4)
    # Sizes that are not multiples of the block size.
    out = mx.block_masked_mm(A[:40, :50], B[:50, :70], 32, mask_lhs=mx.array(ml), mask_rhs=mx.array(mo))
    assert_array(out, np_block_masked(a[:40, :50], b[:50, :70], 32, mask_lhs=ml, mask_rhs=mo), mx.float32,
                 atol=1e-4)
    # Batches broadcast with the masks.
    a3 = rng.normal(size=(3, 64, 64)).astype(np.float32)
    m3 = rng.uniform(size=(3, 2, 2)) > 0.5
    out = mx.block_masked_mm(mx.array(a3), B, 32, mask_lhs=mx.array(m3))
    assert_array(out, np_block_masked(a3, b, 32, mask_lhs=m3), mx.float32, atol=1e-4)
    # No masks: a plain matmul for any block size and rank.
    assert_array(mx.block_masked_mm(A, B, 3), a @ b, mx.float32, atol=1e-4)
    assert_array(mx.block_masked_mm(A[0], B, 2), a[0] @ b, mx.float32, atol=1e-4)
    # Masked-out blocks are zero even where the operand holds NaN.
    an = a.copy()
    an[:32, :32] = np.nan
    out = np.array(mx.block_masked_mm(mx.array(an), B, 32, mask_lhs=mx.array([[False, True], [True, True]])))
    assert not np.isnan(out).any()


def test_block_masked_mm_errors_and_grad():
    A, B = mx.ones((64, 64)), mx.ones((64, 96))
    m = mx.array([[True, False], [False, True]])
    assert_raises(lambda: mx.block_masked_mm(A, B, 16, mask_lhs=m), ValueError,
                  "[block_masked_mm] Only block_sizes 32, 64 are supported.Got block size 16.")
    assert_raises(lambda: mx.block_masked_mm(A, B, 32, mask_out=mx.array([[True, False]])), ValueError,
                  "[broadcast_shapes]")
    assert_raises(lambda: mx.block_masked_mm(A.astype(mx.float16), B.astype(mx.float16), 32, mask_lhs=m),
                  RuntimeError, "[BlockMaskedMM::eval] Currently only supports float32.")
    assert_raises(lambda: mx.block_masked_mm(mx.ones((3, 64, 64)), B, 32, mask_lhs=mx.ones((4, 2, 2), mx.bool_)),
                  ValueError, "[broadcast_shapes]")
    assert_raises(lambda: mx.block_masked_mm(A.astype(mx.int32), B.astype(mx.int32)), ValueError, "[matmul]")
    rng = np.random.default_rng(15)
    b = rng.normal(size=(64, 96)).astype(np.float32)
    mask = np.array([[2.0, 0.5], [1, 3]], np.float32)
    g = mx.grad(lambda a: mx.block_masked_mm(a, mx.array(b), 32, mask_lhs=mx.array(mask)).sum())(A)
    expected = np.repeat(np.repeat(mask, 32, 0), 32, 1) * b.sum(1)[None, :]
    np.testing.assert_allclose(np.array(g), expected, rtol=1e-4, atol=1e-4)
