"""The radix sort of rows (float32, int32 and uint32 rows from 64 values:
LSD passes alone up to 16384, a most-significant split above, threaded
passes from 65536) against NumPy: values, stable
argsort on ties, NaN and signed zeros, narrow and wide key ranges, rows
along inner axes, and the comparison sort below the radix threshold."""

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(21)


def keys(n, dtype, spread):
    if dtype == np.uint32:
        return RNG.integers(0, spread, n, dtype=np.uint64).astype(np.uint32)
    if dtype == np.int32:
        return RNG.integers(-spread // 2, spread // 2 + 1, n).astype(np.int32)
    x = (RNG.standard_normal(n) * spread).astype(np.float32)
    x[::97] = np.nan
    x[::89] = 0.0
    x[::83] = -0.0
    x[::71] = np.inf
    x[::67] = -np.inf
    return x


@pytest.mark.parametrize("n", [63, 64, 300, 2048, 16384, 16385, 65535, 65536, 300007])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint32])
@pytest.mark.parametrize("spread", [3, 1000, 2**31])
def test_rows_against_numpy(n, dtype, spread):
    x = keys(n, dtype, spread)
    got = np.array(mx.sort(mx.array(x)))
    assert got.dtype == x.dtype
    assert np.array_equal(got, np.sort(x), equal_nan=True)
    order = np.array(mx.argsort(mx.array(x)))
    assert order.dtype == np.uint32
    # Stable, as MLX's argsort: ties keep their input order.
    assert np.array_equal(order, np.argsort(x, kind="stable"))


def test_uniform_floats_and_constant_rows():
    x = RNG.random(1 << 18).astype(np.float32)
    assert np.array_equal(np.array(mx.sort(mx.array(x))), np.sort(x))
    assert np.array_equal(np.array(mx.argsort(mx.array(x))), np.argsort(x, kind="stable"))
    c = np.full(70000, 2.5, np.float32)
    assert np.array_equal(np.array(mx.sort(mx.array(c))), c)
    assert np.array_equal(np.array(mx.argsort(mx.array(c))), np.arange(70000))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_several_rows_and_axes(axis):
    for n in (100, 4096):
        x = RNG.integers(-50, 50, (37, n)).astype(np.int32)
        assert np.array_equal(np.array(mx.sort(mx.array(x), axis=axis)), np.sort(x, axis=axis))
        got = np.array(mx.argsort(mx.array(x), axis=axis))
        assert np.array_equal(got, np.argsort(x, axis=axis, kind="stable"))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_rows_along_axes(axis):
    x = RNG.integers(-50, 50, (3, 4096)).astype(np.int32)
    x = x if axis != 0 else x.T.copy()
    assert np.array_equal(np.array(mx.sort(mx.array(x), axis=axis)), np.sort(x, axis=axis))
    got = np.array(mx.argsort(mx.array(x), axis=axis))
    assert np.array_equal(got, np.argsort(x, axis=axis, kind="stable"))
    # A transposed (non-contiguous) input.
    xt = mx.array(x).T
    assert np.array_equal(np.array(mx.sort(xt, axis=-1)), np.sort(x.T, axis=-1))
