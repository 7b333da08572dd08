"""matmul against NumPy: dtypes (MLX accepts only inexact results), 1-d and
batched operands, broadcasting, transposed/sliced/stride-0 inputs, empty
dimensions and errors."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL, INEXACT, assert_array, assert_raises, np_values, promote, seeded_rng, to_mx
import json
import os
from helpers import layout, check_grad

DATA = os.path.join(os.path.dirname(__file__), "data")

# (rtol, atol) per result dtype. bf16 and f16 accumulate in float32 but round
# inputs/outputs to 8 or 11 bits; float64 is held to float64 precision (a
# product accumulated in float32 is off by about 1e-7 and fails).
TOL = {
    "float16": (5e-3, 5e-3),
    "bfloat16": (3e-2, 3e-2),
    "float32": (1e-5, 1e-5),
    "float64": (1e-12, 1e-13),
    "complex64": (1e-5, 1e-5),
}


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
    assert_array(
        mx.matmul(a, b), ref_in(x, t) @ ref_in(y, t), t, **tol(t), msg=f"matmul({da}, {db}) seed={seed}"
    )


SHAPES = [
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((4,), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 4), (4, 1)),
    ((0, 4), (4, 5)),
    ((3, 0), (0, 5)),
    ((3, 4), (4, 0)),
    ((2, 3, 4), (4,)),
    ((65, 33), (33, 70)),
]


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64", "complex64"])
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}x{b}" for a, b in SHAPES])
def test_matmul_shapes(sa, sb, dtype):
    rng = np.random.default_rng(0)
    x = np_values(dtype, sa, rng)
    y = np_values(dtype, sb, rng)
    assert_array(
        to_mx(x, dtype) @ to_mx(y, dtype),
        ref_in(x, dtype) @ ref_in(y, dtype),
        dtype,
        **tol(dtype, max(1, sa[-1] // 8)),
    )


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
        (
            "broadcast batch",
            mx.broadcast_to(b[:6, :8], (3, 6, 8)),
            np.broadcast_to(Y[:6, :8], (3, 6, 8)),
            b,
            Y,
        ),
        ("stride-0 rows", mx.broadcast_to(b[:1, :8], (5, 8)), np.broadcast_to(Y[:1, :8], (5, 8)), b, Y),
        ("swapaxes", mx.swapaxes(a, 1, 2), np.swapaxes(X, 1, 2), a, X),
    ]
    for name, p, P, q, Q in cases:
        assert_array(p @ q, P @ Q, dtype, **tol(dtype), msg=name)


def test_matmul_errors():
    assert_raises(lambda: mx.ones(3) @ mx.ones(4), ValueError, "[matmul]")
    assert_raises(lambda: mx.ones((2, 3)) @ mx.ones((2, 3)), ValueError, "[matmul]")
    assert_raises(lambda: mx.array(1.0) @ mx.ones(3), ValueError, "[matmul]")
    assert_raises(lambda: mx.matmul(mx.ones(3), mx.array(2.0)), ValueError, "[matmul]")
    assert_raises(lambda: mx.ones((2, 3, 4)) @ mx.ones((3, 4, 5)), ValueError, "[broadcast_shapes]")
    assert_raises(lambda: mx.ones((2, 3), mx.int32) @ mx.ones((3, 2), mx.int32), ValueError, "[matmul]")


def test_matmul_mixed_dtype_results():
    # MLX 0.32.4: bfloat16 @ float16 is float32; float16 @ int32 is float16.
    assert (mx.ones((2, 3), mx.bfloat16) @ mx.ones((3, 2), mx.float16)).dtype == mx.float32
    assert (mx.ones((2, 3), mx.float16) @ mx.ones((3, 2), mx.int32)).dtype == mx.float16
    assert (mx.ones((2, 3), mx.float64) @ mx.ones((3, 2))).dtype == mx.float64
    out = mx.ones((2, 0)) @ mx.ones((0, 2))
    assert_array(out, np.zeros((2, 2)), "float32")


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
    assert_array(
        mx.addmm(C.astype(mx.bfloat16), A.astype(mx.float16), B.astype(mx.float16)), c + a @ b, mx.float32
    )
    assert_array(mx.addmm(C, mx.zeros((2, 0)), mx.zeros((0, 2))), np.tile(c, (2, 1)), mx.float32)
    # beta 0 ignores c, NaNs included; alpha NaN poisons.
    assert_array(mx.addmm(C * np.nan, A, B, beta=0), a @ b, mx.float32)
    assert np.isnan(np.array(mx.addmm(C, A, B, alpha=np.nan))).all()


def test_addmm_errors():
    A = mx.ones((2, 2))
    assert_raises(
        lambda: mx.addmm(mx.array([1], mx.int8), mx.array([[1]], mx.int16), mx.array([[1]], mx.uint8)),
        ValueError,
        "[addmm] Only real floating point types are supported but int8, int16 and uint8 were "
        "provided which results in int16, which is not a real floating point type.",
    )
    assert_raises(
        lambda: mx.addmm(mx.ones((3, 2, 2)), A, A),
        ValueError,
        "[addmm] input c must broadcast to the output shape",
    )
    assert_raises(lambda: mx.addmm(mx.ones((3,)), A, A), ValueError, "[broadcast_shapes]")
    assert_raises(
        lambda: mx.addmm(mx.ones(2), mx.ones((2, 3)), A),
        ValueError,
        "[addmm] Last dimension of first input with shape (2,3) must match second to last "
        "dimension of second input with shape (2,2).",
    )
    assert_raises(
        lambda: mx.addmm(mx.ones(2), mx.array(1.0), A),
        ValueError,
        "[addmm] Got 0 dimension input. Inputs must have at least one dimension.",
    )
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
            expected = np.sum(
                np.conj(x).astype(np.complex128 if dtype == "complex64" else np.float64) * y, axis=axis
            )
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
        ((2, 2), (2,), -1, ValueError),
        ((2, 3), (3,), 0, ValueError),
        ((2, 3), (3,), 1, ValueError),
        ((2, 3, 4), (3, 4), 1, ValueError),
        ((2, 3, 4), (3, 4), -1, ValueError),
        ((2, 3, 4), (3, 4), -2, ValueError),
        ((2, 3, 4), (3, 4), 2, ValueError),
        ((2, 2), (2, 2), 2, IndexError),
        ((2, 3, 4), (2, 3, 4), -4, IndexError),
        ((3,), (2, 3), 1, IndexError),
        ((3,), (2, 3), -2, IndexError),
        ((2, 1), (2, 3), -1, ValueError),
        ((2, 3), (1, 3), 0, ValueError),
    ]
    for sa, sb, axis, exc in cases:
        assert_raises(lambda: mx.vecdot(o(sa), o(sb), axis=axis), exc, "[vecdot]")
    assert_raises(
        lambda: mx.vecdot(mx.array(1.0), mx.array(2.0)), ValueError, "[vecdot] inputs must be at least 1D."
    )
    assert_raises(
        lambda: mx.vecdot(o((2, 1)), o((2, 3))),
        ValueError,
        "[vecdot] a and b must have the same size along axis.",
    )
    with pytest.raises(TypeError):
        mx.vecdot([1, 2], [3, 4])


def test_vecdot_grad():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for argnum in (0, 1):
        check_grad(lambda a, b: mx.vecdot(a, b, axis=0), a, b, argnum=argnum)


# ----------------------------------------------------------------- windows


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
    assert info == (
        "  Complete contraction:  ij,jk,kl->il\n         Naive scaling:  4\n"
        "     Optimized scaling:  3\n      Naive FLOP count:  360\n"
        "  Optimized FLOP count:  180\n"
    )
    assert mx.einsum_path("ii", mx.ones((3, 3)))[0] == [(0,)]
    path, info = mx.einsum_path("...ij,...jk->...ik", mx.ones((5, 2, 3)), b)
    assert path == [(0, 1)] and "Naive FLOP count:  240\n" in info
    path, info = mx.einsum_path("i...,i...", mx.ones((5, 2, 3)), mx.ones((5, 1, 3)))
    assert "Naive scaling:  3\n" in info and "Naive FLOP count:  60\n" in info
    assert "Complete contraction:  ij, jk\n" in mx.einsum_path("ij, jk", a, b)[1]
    # The path agrees with einsum's result.
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.einsum("ij,jk->ik", mx.array(x), b)), x @ np.ones((3, 4)), rtol=1e-6
    )


def test_einsum_path_errors():
    a = mx.ones((2, 3))
    cases = [
        (
            ("ij,jk->ik", a),
            "[einsum_path] Number of operands, 1, does not match number of input subscripts, 2",
        ),
        (
            ("ij,jk->ik", a, mx.ones((4, 5))),
            "[einsum_path] Cannot broadcast dimension 0 of input 1 with shape (4,5) to size 3.",
        ),
        (
            ("ij,jk->ik", a, mx.ones(3)),
            "[einsum_path] Invalid number of subscripts 2 for input 1 with 1 dimensions.",
        ),
        (("ij,jk->ii", a, mx.ones((3, 4))), "[einsum_path] Repeat indices not allowed in output."),
        (("i2", a), "[einsum_path] Subscripts must be letters, but got '2'."),
        (
            ("...i,...i->...", a, mx.ones((4, 3))),
            "[einsum_path] Cannot broadcast dimension 0 of input 1 with shape (4,3) to size 2.",
        ),
    ]
    for args, msg in cases:
        assert_raises(lambda: mx.einsum_path(*args), ValueError, msg)


# ------------------------------------------------------------------ depends


def test_gather_mm():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(3, 2, 4)).astype(np.float32)
    b = rng.normal(size=(2, 4, 5)).astype(np.float32)
    A, B = mx.array(a), mx.array(b)
    li, ri = np.array([0, 2]), np.array([1, 0])
    assert_array(mx.gather_mm(A, B, mx.array(li), mx.array(ri)), a[li] @ b[ri], mx.float32)
    assert_array(mx.gather_mm(A, B, rhs_indices=mx.array([1, 0, 1])), a @ b[[1, 0, 1]], mx.float32)
    lb = np.array([[0], [2]])
    assert_array(
        mx.gather_mm(A, B, lhs_indices=mx.array(lb), rhs_indices=mx.array(ri)), a[lb] @ b[ri], mx.float32
    )
    for dt in (mx.int64, mx.uint32, mx.int8):
        out = mx.gather_mm(A, B, mx.array(li).astype(dt), mx.array(ri), sorted_indices=True)
        assert_array(out, a[li] @ b[ri], mx.float32)
    assert_array(mx.gather_mm(A[0], B[0]), a[0] @ b[0], mx.float32)
    assert_array(mx.gather_mm(A[0, 0], B, None, mx.array(ri)), a[0, 0] @ b[ri], mx.float32)
    assert_array(mx.gather_mm(A, B[0, :, 0], mx.array([1, 0]), None), a[[1, 0]] @ b[0, :, 0], mx.float32)
    a16 = a.astype(np.float16).astype(np.float32)
    assert_array(
        mx.gather_mm(A.astype(mx.float16), B, mx.array(li), mx.array(ri)), a16[li] @ b[ri], mx.float32
    )
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
    assert_raises(
        lambda: mx.gather_mm(A, B, mx.array([0.0, 2]), mx.array([1, 0])),
        ValueError,
        "[gather_mm] Got indices with invalid dtype. Indices must be integral.",
    )
    assert_raises(
        lambda: mx.gather_mm(A.astype(mx.int32), B.astype(mx.int32), mx.array([0]), mx.array([1])),
        ValueError,
        "[gather_mm] Only real floating point types are supported but int32 and int32",
    )
    assert_raises(
        lambda: mx.gather_mm(A, B[:, :3], mx.array([0]), mx.array([1])),
        ValueError,
        "[gather_mm] Last dimension of first input with shape (3,2,4) must match second to last "
        "dimension of second input with shape (2,3,5).",
    )
    assert_raises(lambda: mx.gather_mm(mx.array(1.0), B), ValueError, "[matmul] Got 0 dimension input.")
    assert_raises(
        lambda: mx.gather_mm(A, B, mx.array([0, 2]), mx.array([1, 0, 1])), ValueError, "[broadcast_shapes]"
    )
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
        assert_array(
            mx.segmented_mm(A, B, mx.array([[1, 5]]).astype(dt)), np_segmented(a, b, [[1, 5]]), mx.float32
        )
    assert_array(
        mx.segmented_mm(A.astype(mx.float16), B, mx.array([[0, 2]])),
        np_segmented(a, b, [[0, 2]]),
        mx.float32,
        atol=2e-3,
    )
    assert_array(
        mx.segmented_mm(A.T.T, mx.array(b.T.copy()).T, mx.array([[0, 6]])),
        np_segmented(a, b, [[0, 6]]),
        mx.float32,
    )
    assert mx.segmented_mm(A, B, mx.zeros((0, 2), mx.int32)).shape == (0, 2, 3)
    assert_raises(
        lambda: mx.segmented_mm(A, B, mx.array([[0, 2, 3]])),
        ValueError,
        "[segmented_mm] The segments should have shape (..., 2) but (1,3) was provided.",
    )
    assert_raises(
        lambda: mx.segmented_mm(A, B, mx.array([[0.0, 2]])),
        ValueError,
        "[segmented_mm] Got segments with invalid dtype. Segments must be integral.",
    )
    assert_raises(
        lambda: mx.segmented_mm(A.astype(mx.int32), B.astype(mx.int32), mx.array([[0, 2]])),
        ValueError,
        "[segmented_mm] Only real floating point types are supported but int32 and int32",
    )
    assert_raises(
        lambda: mx.segmented_mm(A.astype(mx.complex64), B, mx.array([[0, 2]])),
        ValueError,
        "[segmented_mm] Only real floating point types are supported but complex64 and float32",
    )
    # MLX has no vjp for segmented_mm; ours comes from the composition.
    rng = np.random.default_rng(16)
    segs = mx.array([[0, 2], [1, 6], [4, 4]])
    for argnum in (0, 1):
        check_grad(
            lambda a, b: mx.segmented_mm(a, b, segs),
            rng.normal(size=(2, 6)),
            rng.normal(size=(6, 3)),
            argnum=argnum,
        )
    for sa, sb in (((3, 2, 6), (6, 3)), ((2, 6), (2, 6, 3)), ((6,), (6, 3))):
        assert_raises(
            lambda: mx.segmented_mm(mx.ones(sa), mx.ones(sb), mx.array([[0, 2]])),
            ValueError,
            "[segmented_mm] Batched matmul not supported",
        )


# ------------------------------------------------------------ block_masked_mm


def np_block_masked(a, b, bs, mask_out=None, mask_lhs=None, mask_rhs=None):
    def expand(m, rows, cols):
        m = np.asarray(m)
        m = np.broadcast_to(m, np.broadcast_shapes(m.shape, (-(-rows // bs), -(-cols // bs))))
        return np.repeat(np.repeat(m, bs, -2), bs, -1)[..., :rows, :cols]

    a = (
        a.copy()
        if mask_lhs is None
        else np.where(expand(mask_lhs, *a.shape[-2:]), a, 0)
        if np.asarray(mask_lhs).dtype == bool
        else a * expand(mask_lhs, *a.shape[-2:])
    )
    b = (
        b.copy()
        if mask_rhs is None
        else np.where(expand(mask_rhs, *b.shape[-2:]), b, 0)
        if np.asarray(mask_rhs).dtype == bool
        else b * expand(mask_rhs, *b.shape[-2:])
    )
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
    cases = [
        dict(mask_out=mo),
        dict(mask_lhs=ml),
        dict(mask_rhs=mo),
        dict(mask_lhs=mlf),
        dict(mask_out=mrf),
        dict(mask_out=mo[:1].repeat(2, 0)),
        dict(mask_lhs=ml, mask_rhs=mo, mask_out=mo),
        dict(mask_out=np.array([True, False, True])),
    ]
    for kw in cases:
        out = mx.block_masked_mm(A, B, 32, **{k: mx.array(v) for k, v in kw.items()})
        assert_array(out, np_block_masked(a, b, 32, **kw), mx.float32, atol=1e-4, msg=str(kw))
    out = mx.block_masked_mm(A, B, mask_out=mx.array([[True, False]]))  # block 64
    assert_array(out, np_block_masked(a, b, 64, mask_out=np.array([[True, False]])), mx.float32, atol=1e-4)
    # Sizes that are not multiples of the block size.
    out = mx.block_masked_mm(A[:40, :50], B[:50, :70], 32, mask_lhs=mx.array(ml), mask_rhs=mx.array(mo))
    assert_array(
        out, np_block_masked(a[:40, :50], b[:50, :70], 32, mask_lhs=ml, mask_rhs=mo), mx.float32, atol=1e-4
    )
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
    assert_raises(
        lambda: mx.block_masked_mm(A, B, 16, mask_lhs=m),
        ValueError,
        "[block_masked_mm] Only block_sizes 32, 64 are supported.Got block size 16.",
    )
    assert_raises(
        lambda: mx.block_masked_mm(A, B, 32, mask_out=mx.array([[True, False]])),
        ValueError,
        "[broadcast_shapes]",
    )
    assert_raises(
        lambda: mx.block_masked_mm(A.astype(mx.float16), B.astype(mx.float16), 32, mask_lhs=m),
        RuntimeError,
        "[BlockMaskedMM::eval] Currently only supports float32.",
    )
    assert_raises(
        lambda: mx.block_masked_mm(mx.ones((3, 64, 64)), B, 32, mask_lhs=mx.ones((4, 2, 2), mx.bool_)),
        ValueError,
        "[broadcast_shapes]",
    )
    assert_raises(lambda: mx.block_masked_mm(A.astype(mx.int32), B.astype(mx.int32)), ValueError, "[matmul]")
    rng = np.random.default_rng(15)
    b = rng.normal(size=(64, 96)).astype(np.float32)
    mask = np.array([[2.0, 0.5], [1, 3]], np.float32)
    g = mx.grad(lambda a: mx.block_masked_mm(a, mx.array(b), 32, mask_lhs=mx.array(mask)).sum())(A)
    expected = np.repeat(np.repeat(mask, 32, 0), 32, 1) * b.sum(1)[None, :]
    np.testing.assert_allclose(np.array(g), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_vector_matrix_products_every_split(dtype):
    # A row times a matrix: threads take bands of the matrix's rows, four rows
    # at a time, in column blocks of 4096; a matrix times a column: four rows'
    # dots at a time (backend/cpu/products.cpp). Sizes around each split,
    # and a matrix sliced out of a wider one (rows further apart than n).
    rng = np.random.default_rng(7)
    for k, n in [(3, 5), (9, 8000), (70, 1000), (1023, 67), (64, 4100), (257, 4097)]:
        wide = np_values(dtype, (k, n + 3), rng)
        b = to_mx(wide, dtype)[:, :n]
        x = np_values(dtype, (k,), rng)
        scale = max(1, k // 8)
        assert_array(
            to_mx(x, dtype) @ b, ref_in(x, dtype) @ ref_in(wide[:, :n], dtype), dtype, **tol(dtype, scale)
        )
        # A matrix times a column: dots of its rows (n rows of k).
        rows = np_values(dtype, (n, k + 5), rng)
        y = np_values(dtype, (k,), rng)
        assert_array(
            to_mx(rows, dtype)[:, :k] @ to_mx(y, dtype),
            ref_in(rows[:, :k], dtype) @ ref_in(y, dtype),
            dtype,
            **tol(dtype, scale),
        )
    # Batched rows against one matrix, and one row against a batch.
    xs = np_values(dtype, (3, 1, 300), rng)
    m = np_values(dtype, (300, 200), rng)
    assert_array(
        to_mx(xs, dtype) @ to_mx(m, dtype), ref_in(xs, dtype) @ ref_in(m, dtype), dtype, **tol(dtype, 40)
    )
    ms = np_values(dtype, (2, 300, 200), rng)
    assert_array(
        to_mx(xs[0], dtype) @ to_mx(ms, dtype),
        ref_in(xs[0], dtype) @ ref_in(ms, dtype),
        dtype,
        **tol(dtype, 40),
    )
