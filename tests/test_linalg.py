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
    np.testing.assert_allclose(vn @ (wn[..., None] * np.swapaxes(vn, -1, -2)), a, rtol=tol * 10, atol=tol * 10)
    np.testing.assert_allclose(np.array(mx.linalg.eigvalsh(mx.array(a, mdt))), np.linalg.eigvalsh(a), rtol=tol,
                               atol=tol)


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
