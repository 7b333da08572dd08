"""mx.linalg.eigh / eigvalsh against NumPy."""

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(0)


def sym(*shape, dtype=np.float32):
    a = RNG.standard_normal(shape)
    return ((a + np.swapaxes(a, -1, -2)) / 2).astype(dtype)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reconstructs(dtype, tol, uplo):
    a = sym(3, 5, 5, dtype=dtype)
    # Only the named triangle is read.
    tri = np.tril(a) if uplo == "L" else np.triu(a)
    mdt = mx.float64 if dtype == np.float64 else mx.float32
    w, v = mx.linalg.eigh(mx.array(tri, mdt), UPLO=uplo)
    assert w.shape == (3, 5) and v.shape == (3, 5, 5) and w.dtype == v.dtype
    wn, vn = np.array(w), np.array(v)
    np.testing.assert_allclose(wn, np.linalg.eigvalsh(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(
        vn @ (wn[..., None] * np.swapaxes(vn, -1, -2)), a, rtol=tol * 10, atol=tol * 10
    )
    np.testing.assert_allclose(
        np.array(mx.linalg.eigvalsh(mx.array(a, mdt))), np.linalg.eigvalsh(a), rtol=tol, atol=tol
    )


def test_eigh_non_contiguous_and_errors():
    a = sym(4, 4)
    w, _ = mx.linalg.eigh(mx.array(a).T)
    np.testing.assert_allclose(np.array(w), np.linalg.eigvalsh(a), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError):
        mx.linalg.eigh(mx.ones((3, 4)))
    with pytest.raises(ValueError):
        mx.linalg.eigh(mx.ones((3,)))
    with pytest.raises(ValueError):
        mx.linalg.eigh(mx.ones((3, 3), mx.int32))
    with pytest.raises(ValueError):
        mx.grad(lambda x: mx.linalg.eigvalsh(x).sum())(mx.array(a))


# ---- norm and cross: composed from ops; numpy.linalg is the reference.
INF = float("inf")
VECTOR_ORDS = [None, 2, 1, 0, 3, 0.5, -1, INF, -INF]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, INF, -INF]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norms_match_numpy(ord, keepdims):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    x[0, 1] = 0.0
    for axis in [0, 1, -1]:
        got = mx.linalg.norm(mx.array(x), ord=ord, axis=axis, keepdims=keepdims)
        want = np.linalg.norm(x.astype(np.float64), ord=ord, axis=axis, keepdims=keepdims)
        assert got.dtype == mx.float32 and got.shape == want.shape
        np.testing.assert_allclose(np.array(got), want, rtol=1e-5, atol=1e-6)
    # A non-contiguous (transposed) input, and a 1-D one with no axis.
    got = mx.linalg.norm(mx.array(x).T, ord=ord, axis=0)
    np.testing.assert_allclose(
        np.array(got), np.linalg.norm(x.T.astype(np.float64), ord=ord, axis=0), rtol=1e-5
    )
    got = mx.linalg.norm(mx.array(x[1]), ord=ord, keepdims=keepdims)
    np.testing.assert_allclose(
        np.array(got), np.linalg.norm(x[1].astype(np.float64), ord=ord, keepdims=keepdims), rtol=1e-5
    )


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norms_match_numpy(ord, keepdims):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    for axis in [(1, 2), (2, 1), (0, 2), (-1, 0)]:
        got = mx.linalg.norm(mx.array(x), ord=ord, axis=axis, keepdims=keepdims)
        want = np.linalg.norm(x.astype(np.float64), ord=ord, axis=axis, keepdims=keepdims)
        assert got.dtype == mx.float32 and got.shape == want.shape, (axis, got.shape, want.shape)
        np.testing.assert_allclose(np.array(got), want, rtol=2e-5, atol=1e-6)
    got = mx.linalg.norm(mx.array(x[0]), ord=ord)  # 2-D, no axis
    np.testing.assert_allclose(np.array(got), np.linalg.norm(x[0].astype(np.float64), ord=ord), rtol=2e-5)


def test_norm_defaults_dtypes_and_gradient():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    # No ord and no axis: the 2-norm of everything, any rank.
    np.testing.assert_allclose(
        mx.linalg.norm(mx.array(x)).item(), np.sqrt((x.astype(np.float64) ** 2).sum()), rtol=1e-6
    )
    assert mx.linalg.norm(mx.array([1, 2, 3])).dtype == mx.float32
    assert mx.linalg.norm(mx.array([1, 2], mx.float16)).dtype == mx.float16
    assert mx.linalg.norm(mx.array([1.0, 2.0], mx.float64)).dtype == mx.float64
    z = mx.linalg.norm(mx.array([3 + 4j, 0j]))
    assert z.dtype == mx.float32 and z.item() == 5.0
    assert mx.linalg.norm(mx.zeros((0,))).item() == 0.0
    assert mx.linalg.norm(mx.zeros((0, 3)), ord=1, axis=1).shape == (0,)
    g = mx.grad(lambda v: mx.linalg.norm(v))(mx.array([3.0, 4.0]))
    np.testing.assert_allclose(np.array(g), [0.6, 0.8], rtol=1e-6)
    # Matrix norms without singular values differentiate as compositions;
    # those with them do not (as in MLX 0.32, whose SVD has no vjp).
    m = mx.array([[1.0, -2.0], [3.0, 4.0]])
    g = mx.grad(lambda m: mx.linalg.norm(m, ord=1))(m)
    np.testing.assert_allclose(np.array(g), [[0.0, -1.0], [0.0, 1.0]])
    with pytest.raises(ValueError):
        mx.grad(lambda m: mx.linalg.norm(m, ord=2))(m)


def test_norm_errors():
    v = mx.array([3.0, -4.0])
    with pytest.raises(ValueError, match=r"\[linalg::norm\] Norm 'fro' only supported for matrices"):
        mx.linalg.norm(v, ord="fro")
    with pytest.raises(ValueError, match=r"\[linalg::norm\] Received too many axes"):
        mx.linalg.norm(mx.ones((2, 2, 2)), axis=(0, 1, 2))
    with pytest.raises(ValueError, match=r"\[linalg::norm\] Received too many axes"):
        mx.linalg.norm(mx.ones((2, 2, 2)), ord=2)
    with pytest.raises(ValueError, match=r"Invalid ord 3 for matrix norm"):
        mx.linalg.norm(mx.ones((2, 2)), ord=3)
    with pytest.raises(ValueError, match=r"Invalid ord value 'abc' for matrix norm"):
        mx.linalg.norm(mx.ones((2, 2)), ord="abc")
    with pytest.raises(IndexError, match=r"Invalid axis 5"):
        mx.linalg.norm(v, axis=5)
    with pytest.raises(ValueError, match=r"Duplicate axes"):
        mx.linalg.norm(mx.ones((2, 2)), axis=(0, 0))


def test_cross_matches_numpy():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.linalg.cross(mx.array(a), mx.array(b))), np.cross(a, b), rtol=1e-5, atol=1e-6
    )
    # Another axis, broadcasting, 2-vectors (zero third component), ints.
    np.testing.assert_allclose(
        np.array(mx.linalg.cross(mx.array(a.T), mx.array(b.T), axis=0)),
        np.cross(a.T, b.T, axis=0),
        rtol=1e-5,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        np.array(mx.linalg.cross(mx.array(a), mx.array(b[0]))), np.cross(a, b[0]), rtol=1e-5, atol=1e-6
    )
    two = np.array([4.0, 5.0], np.float32)
    np.testing.assert_array_equal(
        np.array(mx.linalg.cross(mx.array([1.0, 2.0, 3.0]), mx.array(two))),
        np.cross([1.0, 2.0, 3.0], np.array([4.0, 5.0, 0.0])),
    )
    r = mx.linalg.cross(mx.array([1, 2, 3]), mx.array([4, 5, 6]))
    assert r.dtype == mx.int32 and r.tolist() == [-3, 6, -3]
    with pytest.raises(ValueError, match=r"\[linalg::cross\] The specified axis must have size 2 or 3"):
        mx.linalg.cross(mx.ones((4,)), mx.ones((4,)))


# ---- inv, solve, cholesky (LAPACK): numpy.linalg is the reference.
def spd(*shape, dtype=np.float32):
    a = RNG.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
def test_inv_solve_cholesky_match_numpy(dtype, tol):
    a = spd(3, 4, 4, dtype=dtype)
    mt = mx.float32 if dtype == np.float32 else mx.float64
    x = mx.array(a, dtype=mt)
    np.testing.assert_allclose(np.array(mx.linalg.inv(x)), np.linalg.inv(a), rtol=tol, atol=tol)
    # A transposed (non-contiguous) input.
    g = RNG.standard_normal((4, 4)).astype(dtype) + 4 * np.eye(4, dtype=dtype)
    np.testing.assert_allclose(
        np.array(mx.linalg.inv(mx.array(g, dtype=mt).T)), np.linalg.inv(g.T), rtol=tol, atol=tol
    )
    b = RNG.standard_normal((3, 4, 2)).astype(dtype)
    np.testing.assert_allclose(
        np.array(mx.linalg.solve(x, mx.array(b, dtype=mt))), np.linalg.solve(a, b), rtol=tol, atol=tol
    )
    v = RNG.standard_normal(4).astype(dtype)
    np.testing.assert_allclose(
        np.array(mx.linalg.solve(x[0], mx.array(v, dtype=mt))), np.linalg.solve(a[0], v), rtol=tol, atol=tol
    )
    low = np.linalg.cholesky(a)
    np.testing.assert_allclose(np.array(mx.linalg.cholesky(x)), low, rtol=tol, atol=tol)
    np.testing.assert_allclose(
        np.array(mx.linalg.cholesky(x, upper=True)), np.swapaxes(low, -1, -2), rtol=tol, atol=tol
    )
    assert mx.linalg.inv(x).dtype == mt and mx.linalg.cholesky(x).dtype == mt


def test_inv_transforms_and_errors():
    a = mx.array(spd(3, 3))
    # vjp against central differences of sum(inv(a) * w).
    w = mx.array(RNG.standard_normal((3, 3)).astype(np.float32))
    f = lambda m: (mx.linalg.inv(m) * w).sum()
    g = np.array(mx.grad(f)(a))
    a64, w64 = np.array(a, np.float64), np.array(w, np.float64)
    num = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            d = np.zeros((3, 3))
            d[i, j] = 1e-5
            num[i, j] = ((np.linalg.inv(a64 + d) * w64).sum() - (np.linalg.inv(a64 - d) * w64).sum()) / 2e-5
    np.testing.assert_allclose(g, num, rtol=1e-3, atol=1e-4)
    batch = mx.array(spd(2, 3, 3))
    np.testing.assert_allclose(
        np.array(mx.vmap(mx.linalg.inv, in_axes=2)(mx.moveaxis(batch, 0, 2))),
        np.linalg.inv(np.array(batch)),
        rtol=1e-4,
        atol=1e-5,
    )
    with pytest.raises(ValueError, match=r"\[linalg::inv\] Arrays must have type float32 or float64"):
        mx.linalg.inv(mx.array([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match=r"\[linalg::inv\] Inverses are only defined for square"):
        mx.linalg.inv(mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[linalg::inv\] Arrays must have >= 2 dimensions"):
        mx.linalg.inv(mx.ones((2,)))
    with pytest.raises(RuntimeError, match=r"\[linalg::inv\] The matrix is singular"):
        mx.eval(mx.linalg.inv(mx.zeros((2, 2))))
    with pytest.raises(RuntimeError, match=r"\[linalg::cholesky\] The matrix is not positive definite"):
        mx.eval(mx.linalg.cholesky(mx.array([[1.0, 2.0], [2.0, 1.0]])))
    with pytest.raises(ValueError, match=r"\[linalg::solve\] Last dimension of first input"):
        mx.linalg.solve(mx.eye(2), mx.ones((3,)))


def test_triangular_helpers_match_numpy():
    a = RNG.standard_normal((2, 4, 4)).astype(np.float32) + 4 * np.eye(4, dtype=np.float32)
    low, up = np.tril(a), np.triu(a)
    x = mx.array(a)
    # The other triangle is ignored.
    np.testing.assert_allclose(np.array(mx.linalg.tri_inv(x)), np.linalg.inv(low), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        np.array(mx.linalg.tri_inv(x, upper=True)), np.linalg.inv(up), rtol=1e-4, atol=1e-5
    )
    assert np.all(np.triu(np.array(mx.linalg.tri_inv(x)), 1) == 0)
    b = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.linalg.solve_triangular(x, mx.array(b))), np.linalg.solve(low, b), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        np.array(mx.linalg.solve_triangular(x, mx.array(b), upper=True)),
        np.linalg.solve(up, b),
        rtol=1e-4,
        atol=1e-5,
    )
    s = spd(4, 4)
    fac = mx.linalg.cholesky(mx.array(s))
    np.testing.assert_allclose(np.array(mx.linalg.cholesky_inv(fac)), np.linalg.inv(s), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        np.array(mx.linalg.cholesky_inv(fac.T, upper=True)), np.linalg.inv(s), rtol=1e-4, atol=1e-5
    )
    with pytest.raises(ValueError, match=r"\[linalg::solve_triangular\] Last dimension of first input"):
        mx.linalg.solve_triangular(x[0], mx.ones((3,)))
    with pytest.raises(
        ValueError, match=r"\[linalg::cholesky_inv\] Cholesky inverse is only defined for square"
    ):
        mx.linalg.cholesky_inv(mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[linalg::inv\] Arrays must have type float32 or float64"):
        mx.linalg.tri_inv(mx.array([[1, 0], [1, 1]]))


# Factorizations: LU, QR, SVD, and det / slogdet / pinv built on them -------


def _mx(a, dtype):
    return mx.array(a, mx.float64 if dtype == np.float64 else mx.float32)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4), (1, 1)])
def test_factorizations_reconstruct(dtype, tol, shape):
    a = RNG.standard_normal(shape).astype(dtype)
    m, n = shape[-2:]
    k = min(m, n)
    x = _mx(a, dtype)
    # QR: orthonormal Q (m, k), upper-triangular R (k, n), Q R = a; R as numpy's.
    q, r = mx.linalg.qr(x)
    assert q.shape == shape[:-2] + (m, k) and r.shape == shape[:-2] + (k, n) and q.dtype == x.dtype
    qn, rn = np.array(q), np.array(r)
    np.testing.assert_allclose(qn @ rn, a, rtol=tol * 10, atol=tol * 10)
    np.testing.assert_allclose(
        np.swapaxes(qn, -1, -2) @ qn, np.broadcast_to(np.eye(k), qn.shape[:-2] + (k, k)), atol=tol * 10
    )
    np.testing.assert_array_equal(rn, np.triu(rn))
    np.testing.assert_allclose(np.abs(rn), np.abs(np.linalg.qr(a)[1]), rtol=tol * 10, atol=tol * 10)
    # SVD: full U and V^T, values as numpy's.
    u, s, vt = mx.linalg.svd(x)
    assert u.shape == shape[:-2] + (m, m) and s.shape == shape[:-2] + (k,) and vt.shape == shape[:-2] + (n, n)
    un, sn, vtn = np.array(u), np.array(s), np.array(vt)
    np.testing.assert_allclose(sn, np.linalg.svd(a, compute_uv=False), rtol=tol * 10, atol=tol * 10)
    np.testing.assert_allclose(
        (un[..., :, :k] * sn[..., None, :]) @ vtn[..., :k, :], a, rtol=tol * 10, atol=tol * 10
    )
    np.testing.assert_allclose(np.array(mx.linalg.svd(x, compute_uv=False)), sn, rtol=tol, atol=tol)
    # LU: a[i] = (L U)[p[i]], L unit lower (m, k), U upper (k, n).
    p, l, uu = mx.linalg.lu(x)
    assert p.dtype == mx.uint32 and l.shape == shape[:-2] + (m, k) and uu.shape == shape[:-2] + (k, n)
    lu_prod = np.array(l) @ np.array(uu)
    pn = np.array(p)
    np.testing.assert_allclose(
        np.take_along_axis(lu_prod, pn[..., :, None], axis=-2), a, rtol=tol * 10, atol=tol * 10
    )
    packed, piv = mx.linalg.lu_factor(x)
    assert piv.shape == shape[:-2] + (k,) and piv.dtype == mx.uint32
    np.testing.assert_allclose(
        np.tril(np.array(packed), -1)[..., :, :k] + np.eye(m, k), np.array(l), atol=tol
    )
    # The pseudo-inverse.
    np.testing.assert_allclose(np.array(mx.linalg.pinv(x)), np.linalg.pinv(a), rtol=tol * 100, atol=tol * 100)


def test_lu_as_mlx():
    # Recorded from MLX 0.32.4: the swaps and the permutation.
    a = mx.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 10]])
    p, l, u = mx.linalg.lu(a)
    np.testing.assert_array_equal(np.array(p), [1, 2, 0])
    np.testing.assert_allclose(np.array(l), [[1, 0, 0], [1 / 7, 1, 0], [4 / 7, 0.5, 1]], rtol=1e-5)
    np.testing.assert_allclose(
        np.array(u), [[7, 8, 10], [0, 6 / 7, 11 / 7], [0, 0, -0.5]], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_array_equal(np.array(mx.linalg.lu_factor(a)[1]), [2, 2, 2])
    b = mx.array([[0.0, 1], [2, 3], [4, 5], [6, 7]])
    np.testing.assert_array_equal(np.array(mx.linalg.lu(b)[0]), [1, 3, 2, 0])
    np.testing.assert_array_equal(np.array(mx.linalg.lu_factor(b)[1]), [3, 3])


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
def test_det_and_slogdet(dtype, tol):
    a = RNG.standard_normal((3, 4, 4)).astype(dtype)
    x = _mx(a, dtype)
    np.testing.assert_allclose(np.array(mx.linalg.det(x)), np.linalg.det(a), rtol=tol * 10, atol=tol * 10)
    sign, logabs = mx.linalg.slogdet(x)
    ns, nl = np.linalg.slogdet(a)
    np.testing.assert_array_equal(np.array(sign), ns)
    np.testing.assert_allclose(np.array(logabs), nl, rtol=tol * 10, atol=tol * 10)
    # Gradients: d det = det inv(a)^T, d log|det| = inv(a)^T (as MLX).
    inv_t = np.swapaxes(np.linalg.inv(a), -1, -2)
    np.testing.assert_allclose(
        np.array(mx.grad(lambda v: mx.linalg.det(v).sum())(x)),
        np.linalg.det(a)[:, None, None] * inv_t,
        rtol=tol * 100,
        atol=tol * 100,
    )
    np.testing.assert_allclose(
        np.array(mx.grad(lambda v: mx.linalg.slogdet(v)[1].sum())(x)), inv_t, rtol=tol * 100, atol=tol * 100
    )
    # Singular, permuted, integer inputs (as MLX: 0 and (0, -inf), float32).
    assert mx.linalg.det(mx.array([[1.0, 2], [2, 4]])).item() == 0
    s, l = mx.linalg.slogdet(mx.zeros((2, 2)))
    assert s.item() == 0 and l.item() == -np.inf
    assert mx.linalg.det(mx.array([[0.0, 1], [1, 0]])).item() == -1
    d = mx.linalg.det(mx.eye(3, dtype=mx.int32))
    assert d.dtype == mx.float32 and d.item() == 1


def test_factorization_errors_and_transforms():
    with pytest.raises(ValueError, match=r"\[linalg::qr\] Arrays must have >= 2 dimensions"):
        mx.linalg.qr(mx.ones(3))
    with pytest.raises(
        ValueError, match=r"\[linalg::svd\] Arrays must have type float32, float64 or complex64"
    ):
        mx.linalg.svd(mx.eye(3, dtype=mx.int32))
    with pytest.raises(ValueError, match=r"\[linalg::det\] Only defined for square matrices"):
        mx.linalg.det(mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"vjp is not implemented"):
        mx.grad(lambda v: mx.linalg.svd(v, compute_uv=False).sum())(mx.eye(3))
    with pytest.raises(ValueError, match=r"vjp is not implemented"):
        mx.grad(lambda v: mx.linalg.qr(v)[1].sum())(mx.eye(3))
    # Empty inputs: as MLX (an identity V^T for no rows).
    u, s, vt = mx.linalg.svd(mx.zeros((0, 3)))
    assert u.shape == (0, 0) and s.shape == (0,)
    np.testing.assert_array_equal(np.array(vt), np.eye(3))
    q, r = mx.linalg.qr(mx.zeros((3, 0)))
    assert q.shape == (3, 0) and r.shape == (0, 0)
    # vmap over a middle axis.
    a = mx.array(RNG.standard_normal((4, 3, 4)).astype(np.float32))
    out = mx.vmap(lambda v: mx.linalg.svd(v, compute_uv=False), in_axes=1)(a)
    for i in range(3):
        np.testing.assert_allclose(
            np.array(out[i]), np.array(mx.linalg.svd(a[:, i], compute_uv=False)), rtol=1e-5
        )
    sq = mx.array(RNG.standard_normal((3, 5, 3)).astype(np.float32))
    dets = mx.vmap(mx.linalg.det, in_axes=1)(sq)
    np.testing.assert_allclose(np.array(dets), [mx.linalg.det(sq[:, i]).item() for i in range(5)], rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eig_matches_numpy_and_mlx(dtype):
    a = RNG.standard_normal((2, 5, 5)).astype(dtype)
    w, v = mx.linalg.eig(_mx(a, dtype))
    assert w.dtype == mx.complex64 and v.dtype == mx.complex64 and w.shape == (2, 5) and v.shape == (2, 5, 5)
    wn, vn = np.array(w), np.array(v)
    # A v = v diag(w), unit columns; the values as numpy's (as a set).
    np.testing.assert_allclose(a @ vn, vn * wn[..., None, :], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(vn, axis=-2), 1, atol=1e-5)
    for got, want in zip(wn, np.linalg.eigvals(a)):
        np.testing.assert_allclose(
            np.sort_complex(got), np.sort_complex(want.astype(np.complex64)), atol=1e-4
        )
    np.testing.assert_allclose(np.array(mx.linalg.eigvals(_mx(a, dtype))), wn, atol=1e-5)
    # A rotation (a complex pair), recorded from MLX 0.32.4.
    w, v = mx.linalg.eig(mx.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 2]]))
    np.testing.assert_allclose(np.array(w), [1j, -1j, 2], atol=1e-6)
    r = 0.70710677
    np.testing.assert_allclose(np.array(v), [[r, r, 0], [-r * 1j, r * 1j, 0], [0, 0, 1]], atol=1e-6)
    with pytest.raises(ValueError, match=r"\[linalg::eig\] Only defined for square matrices"):
        mx.linalg.eig(mx.ones((2, 3)))
