"""The integer-dot path of quantized_matmul (MLX_QMM_INT8, beyond MLX): x
quantized to int8 per weight group and dotted with 4- or 8-bit affine codes
in integers. Its SIMD kernel is checked against its plain reference loops,
and both against the exact product within the bound of x's rounding; the
default float path is unchanged."""

import numpy as np
import pytest

import mlx.core as mx


def run(monkeypatch, mode, *args):
    monkeypatch.setenv("MLX_QMM_INT8", mode)
    return np.array(mx.quantized_matmul(*args))


def operands(rng, n, k, group, bits, dtype=mx.float32):
    w = mx.array(rng.standard_normal((n, k)).astype(np.float32))
    if group == 16:  # quantize has no groups of 16: split each group of 32 in two scales
        q, s, b = mx.quantize(w, 32, bits)
        s = mx.repeat(s, 2, axis=-1) * mx.array(rng.uniform(0.5, 1.5, (n, k // 16)).astype(np.float32))
        b = mx.repeat(b, 2, axis=-1)
    else:
        q, s, b = mx.quantize(w, group, bits)
    return q, s.astype(dtype), b.astype(dtype)


def rounding_bound(x, q, s, b, group, bits):
    """|error| of the int8 path: sum over groups of |s| * sum |code - o| *
    max|x_group| / 254 (x rounded to int8 per group), plus float slack."""
    codes = (np.array(mx.dequantize(q, s, b, group, bits)) - np.repeat(np.array(b), group, -1)) / np.repeat(
        np.array(s), group, -1
    )
    o = 2 ** (bits - 1)
    m, k = x.shape
    amax = np.abs(x.reshape(m, k // group, group)).max(-1)  # (m, groups)
    wgt = (np.abs(np.rint(codes) - o) * np.repeat(np.abs(np.array(s)), group, -1)).reshape(
        -1, k // group, group
    )
    return amax @ wgt.sum(-1).T / 254 * 1.001 + 1e-4


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize("group", [16, 32, 64, 128])
@pytest.mark.parametrize("m", [1, 3, 6, 20, 37])  # short prompts too
@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])  # 16-bit ones read as stored
def test_int8_kernel_matches_reference_and_bound(monkeypatch, bits, group, m, dtype):
    rng = np.random.default_rng(bits * 1000 + group + m)
    q, s, b = operands(rng, 40, 512, group, bits, dtype)
    x = rng.standard_normal((m, 512)).astype(np.float32)
    args = (mx.array(x), q, s, b, True, group, bits)
    simd = run(monkeypatch, "1", *args)
    ref = run(monkeypatch, "reference", *args)
    s, b = s.astype(mx.float32), b.astype(mx.float32)  # the same values, for NumPy
    mag = np.abs(x) @ np.abs(np.array(mx.dequantize(q, s, b, group, bits))).T
    assert np.all(np.abs(simd - ref) <= 1e-6 * mag + 1e-6)
    exact = x.astype(np.float64) @ np.array(mx.dequantize(q, s, b, group, bits)).astype(np.float64).T
    assert np.all(np.abs(simd - exact) <= rounding_bound(x, q, s, b, group, bits))
    # the rounding does change the result: it is not the float path
    assert not np.array_equal(simd, run(monkeypatch, "0", *args))


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize("group", [16, 32, 64, 128])
@pytest.mark.parametrize("n,k", [(43, 1152), (21, 2176), (7, 4096), (1, 576)])
@pytest.mark.parametrize("dtype", [mx.float32, mx.float16])
def test_int8_decoding_kernel_chunks_tails_and_rows(monkeypatch, bits, group, n, k, dtype):
    # One row of x: long rows of w four at a time (1024 bytes or more: 8 bits
    # at k 1152, both at 2176 and 4096; the rows left over one by one),
    # short ones one by one; groups in chunks of 8, the last partial chunk
    # padded with zeros.
    if k % group or k % (256 // bits):
        pytest.skip("not a covered shape")
    rng = np.random.default_rng(bits * 7 + group + n)
    q, s, b = operands(rng, n, k, group, bits, dtype)
    x = rng.standard_normal((1, k)).astype(np.float32)
    args = (mx.array(x), q, s, b, True, group, bits)
    simd = run(monkeypatch, "1", *args)
    ref = run(monkeypatch, "reference", *args)
    s, b = s.astype(mx.float32), b.astype(mx.float32)
    mag = np.abs(x) @ np.abs(np.array(mx.dequantize(q, s, b, group, bits))).T
    assert np.all(np.abs(simd - ref) <= 1e-6 * mag + 1e-6)
    exact = x.astype(np.float64) @ np.array(mx.dequantize(q, s, b, group, bits)).astype(np.float64).T
    assert np.all(np.abs(simd - exact) <= rounding_bound(x, q, s, b, group, bits))


def test_int8_strided_x_half_params_and_batched_w(monkeypatch):
    rng = np.random.default_rng(3)
    q, s, b = operands(rng, 3 * 24, 256, 64, 4, mx.float16)
    q, s, b = (a.reshape(3, 24, -1) for a in (q, s, b))
    x = rng.standard_normal((3, 2, 256)).astype(np.float32)
    xs = mx.array(np.ascontiguousarray(x.transpose(0, 2, 1))).transpose(0, 2, 1)
    args = (xs, q, s, b, True, 64, 4)
    simd = run(monkeypatch, "1", *args)
    ref = run(monkeypatch, "reference", *args)
    assert simd.shape == (3, 2, 24)
    np.testing.assert_allclose(simd, ref, rtol=1e-5, atol=1e-4)
    for i in range(3):
        bound = rounding_bound(x[i], q[i], s[i].astype(mx.float32), b[i].astype(mx.float32), 64, 4)
        exact = x[i] @ np.array(mx.dequantize(q[i], s[i], b[i], 64, 4)).astype(np.float64).T
        assert np.all(np.abs(simd[i] - exact) <= bound + 1e-3)  # float16 parameters widened


@pytest.mark.parametrize(
    "bits,group,k,transpose,m",
    [
        (3, 32, 256, True, 1),
        (6, 64, 256, True, 2),
        (2, 32, 256, True, 1),
        (4, 32, 96, True, 1),
        (4, 64, 256, False, 1),
        (4, 64, 256, True, 41),  # longer prompts: BLAS on decoded w
    ],
)
def test_int8_uncovered_cases_take_the_float_path(monkeypatch, bits, group, k, transpose, m):
    rng = np.random.default_rng(5)
    q, s, b = operands(rng, 64 if not transpose else 16, k if transpose else 64, group, bits)
    x = mx.array(rng.standard_normal((m, q.shape[0] if not transpose else k)).astype(np.float32))
    args = (x, q, s, b, transpose, group, bits)
    np.testing.assert_array_equal(run(monkeypatch, "1", *args), run(monkeypatch, "0", *args))


def test_default_is_the_float_path(monkeypatch):
    rng = np.random.default_rng(9)
    q, s, b = operands(rng, 16, 256, 64, 4)
    args = (mx.array(rng.standard_normal((1, 256)).astype(np.float32)), q, s, b, True, 64, 4)
    off = run(monkeypatch, "0", *args)
    monkeypatch.delenv("MLX_QMM_INT8")
    np.testing.assert_array_equal(np.array(mx.quantized_matmul(*args)), off)
    exact = np.array(args[0]) @ np.array(mx.dequantize(q, s, b, 64, 4)).T
    np.testing.assert_allclose(off, exact, rtol=1e-5, atol=1e-4)


def test_half_params_of_float32_product_keep_dtypes_and_grads():
    # 16-bit scales and biases are not cast to float32 copies for a float32
    # product; the result, its dtype and the cotangents' dtypes are MLX's
    # (recorded from MLX 0.32.4: grads float16, first entries below).
    rng = np.random.default_rng(0)
    w = mx.array(rng.standard_normal((8, 64)).astype(np.float32))
    q, s, b = mx.quantize(w, 32, 4)
    s, b = s.astype(mx.float16), b.astype(mx.float16)
    x = mx.array(rng.standard_normal((3, 64)).astype(np.float32))
    y = mx.quantized_matmul(x, q, s, b, True, 32, 4)
    assert y.dtype == mx.float32
    wd = np.array(mx.dequantize(q, s.astype(mx.float32), b.astype(mx.float32), 32, 4)).astype(np.float64)
    np.testing.assert_allclose(np.array(y), np.array(x) @ wd.T, rtol=1e-5, atol=1e-4)

    def f(s_, b_, x_):
        return (mx.quantized_matmul(x_, q, s_, b_, True, 32, 4) ** 2).sum()

    gs, gb, gx = mx.grad(f, argnums=(0, 1, 2))(s, b, x)
    assert (gs.dtype, gb.dtype, gx.dtype) == (mx.float16, mx.float16, mx.float32)
    assert np.array(gs)[0, :2].tolist() == [-1346.0, -2160.0]
    assert np.array(gb)[0, :2].tolist() == [-243.625, -83.8125]
    np.testing.assert_allclose(float(np.array(gx).sum()), 437.82733154296875, rtol=1e-5)
