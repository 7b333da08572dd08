"""matmul against NumPy: dtypes (MLX accepts only inexact results), 1-d and
batched operands, broadcasting, transposed/sliced/stride-0 inputs, empty
dimensions and errors."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL, INEXACT, assert_array, assert_raises, np_values, promote, seeded_rng,
                     to_mx)

# (rtol, atol) per result dtype. bf16 and f16 accumulate in float32 but round
# inputs/outputs to 8 or 11 bits; float64 is held to float64 precision (a
# product accumulated in float32 is off by about 1e-7 and fails).
TOL = {"float16": (5e-3, 5e-3), "bfloat16": (3e-2, 3e-2), "float32": (1e-5, 1e-5),
       "float64": (1e-12, 1e-13), "complex64": (1e-5, 1e-5)}


def tol(dtype, atol_scale=1):
    """assert_array's rtol/atol for `dtype`, as {dtype: value} (used as is)."""
    r, a = TOL[dtype]
    return dict(rtol={dtype: r}, atol={dtype: a * atol_scale})


def ref_in(x, t):
    return x.astype(np.complex128 if t == "complex64" else np.float64)


PAIRS = [(a, b) for a in ALL for b in ALL]


@pytest.mark.parametrize("da,db", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_matmul_dtypes(da, db):
    rng, seed = seeded_rng("matmul", da, db)
    x = np_values(da, (3, 4), rng)
    y = np_values(db, (4, 5), rng)
    a, b = to_mx(x, da), to_mx(y, db)
    t = promote(da, db)
    if t not in INEXACT:
        # MLX: "[matmul] Only inexact types are supported but int32 and int32 were provided ..."
        assert_raises(lambda: mx.matmul(a, b), ValueError, "[matmul]")
        return
    assert_array(mx.matmul(a, b), ref_in(x, t) @ ref_in(y, t), t, **tol(t),
                 msg=f"matmul({da}, {db}) seed={seed}")


SHAPES = [
    ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((1, 4), (4, 1)), ((0, 4), (4, 5)), ((3, 0), (0, 5)),
    ((3, 4), (4, 0)), ((2, 3, 4), (4,)), ((65, 33), (33, 70)),
]


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64", "complex64"])
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}x{b}" for a, b in SHAPES])
def test_matmul_shapes(sa, sb, dtype):
    rng = np.random.default_rng(0)
    x = np_values(dtype, sa, rng)
    y = np_values(dtype, sb, rng)
    assert_array(to_mx(x, dtype) @ to_mx(y, dtype), ref_in(x, dtype) @ ref_in(y, dtype), dtype,
                 **tol(dtype, max(1, sa[-1] // 8)))


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64", "complex64"])
def test_matmul_layouts(dtype):
    rng = np.random.default_rng(1)
    x = np_values(dtype, (2, 6, 8), rng)
    y = np_values(dtype, (8, 10), rng)
    a, b = to_mx(x, dtype), to_mx(y, dtype)
    X, Y = ref_in(x, dtype), ref_in(y, dtype)
    cases = [
        ("transposed", a.transpose(0, 2, 1), X.transpose(0, 2, 1), a, X),
        ("both transposed", b.T, Y.T, a.transpose(0, 2, 1)[0], X.transpose(0, 2, 1)[0]),
        ("sliced", a[:, ::2, 1::2], X[:, ::2, 1::2], b[::2, ::3], Y[::2, ::3]),
        ("broadcast batch", mx.broadcast_to(b[:6, :8], (3, 6, 8)),
         np.broadcast_to(Y[:6, :8], (3, 6, 8)), b, Y),
        ("stride-0 rows", mx.broadcast_to(b[:1, :8], (5, 8)), np.broadcast_to(Y[:1, :8], (5, 8)),
         b, Y),
        ("swapaxes", mx.swapaxes(a, 1, 2), np.swapaxes(X, 1, 2), a, X),
    ]
    for name, p, P, q, Q in cases:
        assert_array(p @ q, P @ Q, dtype, **tol(dtype), msg=name)


def test_matmul_errors():
    assert_raises(lambda: mx.ones(3) @ mx.ones(4), ValueError, "[matmul]")
    assert_raises(lambda: mx.ones((2, 3)) @ mx.ones((2, 3)), ValueError, "[matmul]")
    assert_raises(lambda: mx.array(1.0) @ mx.ones(3), ValueError, "[matmul]")
    assert_raises(lambda: mx.matmul(mx.ones(3), mx.array(2.0)), ValueError, "[matmul]")
    assert_raises(lambda: mx.ones((2, 3, 4)) @ mx.ones((3, 4, 5)), ValueError,
                  "[broadcast_shapes]")
    assert_raises(lambda: mx.ones((2, 3), mx.int32) @ mx.ones((3, 2), mx.int32), ValueError,
                  "[matmul]")


def test_matmul_mixed_dtype_results():
    # MLX 0.32.4: bfloat16 @ float16 is float32; float16 @ int32 is float16.
    assert (mx.ones((2, 3), mx.bfloat16) @ mx.ones((3, 2), mx.float16)).dtype == mx.float32
    assert (mx.ones((2, 3), mx.float16) @ mx.ones((3, 2), mx.int32)).dtype == mx.float16
    assert (mx.ones((2, 3), mx.float64) @ mx.ones((3, 2))).dtype == mx.float64
    out = mx.ones((2, 0)) @ mx.ones((0, 2))
    assert_array(out, np.zeros((2, 2)), "float32")
