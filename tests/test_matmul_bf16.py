"""bfloat16 matrix products (on Intel AMX tiles where the CPU has them, and
the products are large enough; elsewhere widened to float32 for BLAS): the
float32 sums of exact products, rounded once to bfloat16, so within one
bfloat16 rounding of the float64 product of the same values, for every
layout the operands come in."""

import numpy as np
import pytest

import mlx.core as mx


def bf16(rng, shape):
    return mx.array(rng.standard_normal(shape).astype(np.float32)).astype(mx.bfloat16)


def f64(a):
    return np.array(a.astype(mx.float32)).astype(np.float64)


def check(c, a, b):
    """c within one bfloat16 rounding (2^-8 relative) of the exact product,
    plus float32 sums' rounding."""
    assert c.dtype == mx.bfloat16
    exact = f64(a) @ f64(b)
    mag = np.abs(f64(a)) @ np.abs(f64(b))
    got = f64(c)
    assert got.shape == exact.shape
    assert np.all(np.abs(got - exact) <= 2.0**-8 * np.abs(exact) + 1e-6 * mag + 1e-30)


@pytest.mark.parametrize(
    "m,n,k",
    [
        (64, 128, 128),
        (128, 128, 128),
        (100, 300, 1000),
        (33, 47, 1025),
        (257, 17, 515),
        (16, 4096, 64),
        (512, 512, 512),
    ],
)
def test_products_of_every_shape(m, n, k):
    rng = np.random.default_rng(m + n + k)
    a, b = bf16(rng, (m, k)), bf16(rng, (k, n))
    check(a @ b, a, b)


def test_transposed_strided_and_batched_operands():
    rng = np.random.default_rng(1)
    a, b = bf16(rng, (96, 160)), bf16(rng, (200, 160))
    check(a @ b.T, a, b.T)  # b column-major
    odd_a, odd_b = bf16(rng, (40, 161)), bf16(rng, (72, 161))  # an odd k: the last pair half empty
    check(odd_a @ odd_b.T, odd_a, odd_b.T)
    at = bf16(rng, (160, 96)).T  # a column-major
    check(at @ b.T, at, b.T)
    strided = bf16(rng, (96, 320))[:, ::2]  # copied first
    check(strided @ b.T, strided, b.T)
    sliced = bf16(rng, (64, 200))[:, :160]  # rows 200 apart, read in place
    check(sliced @ b.T, sliced, b.T)
    batch_a, w = bf16(rng, (3, 2, 40, 160)), bf16(rng, (160, 72))
    out = batch_a @ w  # one weight for the whole batch
    assert out.shape == (3, 2, 40, 72)
    for i in range(3):
        for j in range(2):
            check(out[i, j], batch_a[i, j], w)
    wb = bf16(rng, (3, 1, 160, 72))  # broadcast over the second axis
    out = batch_a @ wb
    for i in range(3):
        for j in range(2):
            check(out[i, j], batch_a[i, j], wb[i, 0])


def test_buffers_reused_between_products():
    # The packed operands stay between calls: each product must zero its
    # own padding (an odd k's last pair, columns past n, rows past m).
    # A product full of inf first: a stale inf in the padding would give
    # NaN (inf * 0) in the next one.
    rng = np.random.default_rng(5)
    for m, n, k in [(128, 192, 192), (40, 72, 161), (100, 50, 255), (33, 17, 129), (128, 128, 128)]:
        for b_t in [False, True]:
            full = mx.full((256, 256), np.inf, mx.bfloat16)
            mx.eval(full @ full)
            a = bf16(rng, (m, k))
            b = bf16(rng, (n, k)).T if b_t else bf16(rng, (k, n))
            check(a @ b, a, b)


def test_agrees_with_the_widened_product():
    rng = np.random.default_rng(2)
    a, b = bf16(rng, (128, 256)), bf16(rng, (256, 192))
    wide = (a.astype(mx.float32) @ b.astype(mx.float32)).astype(mx.bfloat16)
    diff = np.abs(f64(a @ b) - f64(wide))
    # the same float32 sums but for their order: equal, or one bfloat16 step apart
    assert np.all(diff <= 2.0**-7 * np.abs(f64(wide)))
    assert np.mean(diff == 0) > 0.9


def test_inf_and_nan_propagate():
    rng = np.random.default_rng(3)
    a, b = (
        np.array(bf16(rng, (64, 128)).astype(mx.float32)),
        np.array(bf16(rng, (128, 160)).astype(mx.float32)),
    )
    a[3, 5] = np.inf
    a[7, 9] = np.nan
    ma, mb = mx.array(a).astype(mx.bfloat16), mx.array(b).astype(mx.bfloat16)
    got = f64(ma @ mb)
    ref = (ma.astype(mx.float32) @ mb.astype(mx.float32)).astype(mx.bfloat16)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(f64(ref)))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(f64(ref)))
    assert np.isnan(got[7]).all() and not np.isnan(got[:3]).any()


def test_gradients_of_a_bf16_product():
    rng = np.random.default_rng(4)
    a, b = bf16(rng, (64, 128)), bf16(rng, (128, 96))
    ga, gb = mx.grad(lambda x, y: (x @ y).astype(mx.float32).sum(), argnums=(0, 1))(a, b)
    assert ga.dtype == mx.bfloat16 and gb.dtype == mx.bfloat16
    ones = mx.ones((64, 96), mx.bfloat16)
    check(ga, ones, b.T)
    check(gb, a.T, ones)
