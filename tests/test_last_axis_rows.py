"""softmax and logsumexp over short float32 rows (the fixed-width kernels
for 32, 64 and 128 values, many rows per call) and over long rows against
NumPy in double precision: special values per row (-inf rows, an inf, a
NaN), non-contiguous inputs, and the widths beside the kernels' own."""

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(8)


def np_logsumexp(x):
    x = x.astype(np.float64)
    m = np.max(x, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]).astype(np.float32)


def np_softmax(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("n", [16, 31, 32, 33, 64, 96, 128, 129, 4096])
def test_rows_against_numpy(n):
    x = (RNG.standard_normal((300, n)) * 4).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.softmax(mx.array(x), axis=-1)), np_softmax(x), rtol=2e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        np.array(mx.logsumexp(mx.array(x), axis=-1)), np_logsumexp(x), rtol=2e-6, atol=1e-6
    )


@pytest.mark.parametrize("n", [32, 64, 128])
def test_special_rows(n):
    x = RNG.standard_normal((6, n)).astype(np.float32)
    x[1] = -np.inf
    x[2, 5] = np.inf
    x[3, 7] = np.nan
    x[4, :] = 1e30
    x[5, 3] = -np.inf
    lse = np.array(mx.logsumexp(mx.array(x), axis=-1))
    assert lse[1] == -np.inf and lse[2] == np.inf and np.isnan(lse[3])
    np.testing.assert_allclose(lse[[0, 4, 5]], np_logsumexp(x[[0, 4, 5]]), rtol=2e-6)
    sm = np.array(mx.softmax(mx.array(x), axis=-1))
    assert np.isnan(sm[1]).all() and np.isnan(sm[3]).all()
    np.testing.assert_allclose(sm[[0, 4, 5]], np_softmax(x[[0, 4, 5]]), rtol=2e-6, atol=1e-7)


def test_non_contiguous_and_batched():
    x = RNG.standard_normal((4, 64, 40)).astype(np.float32)
    xt = mx.array(x).transpose(0, 2, 1)  # rows of 64 along a strided axis
    ref = x.transpose(0, 2, 1)
    np.testing.assert_allclose(np.array(mx.softmax(xt, axis=-1)), np_softmax(ref), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(np.array(mx.logsumexp(xt, axis=-1)), np_logsumexp(ref), rtol=2e-6, atol=1e-6)
    k = mx.logsumexp(xt, axis=-1, keepdims=True)
    assert k.shape == (4, 40, 1)
