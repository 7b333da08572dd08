"""The fixed-point path of quantized_matmul (4- and 8-bit affine codes, few rows of
x, CPUs with AVX-512 VNNI; the default there): x as 24-bit fixed point per
weight group in three int8 digits, dotted with the codes in integers. Its
kernel is checked against its plain reference loops (MLX_QMM_X24=reference,
on any CPU), and both against the exact product within the bound of x's
rounding. On other CPUs, or with MLX_QMM_X24=0, the float path runs; the
bounds hold for it too."""

import numpy as np
import pytest

import mlx.core as mx


def run(monkeypatch, mode, *args):
    monkeypatch.setenv("MLX_QMM_X24", mode)
    return np.array(mx.quantized_matmul(*args))


def operands(rng, n, k, group, dtype=mx.float32, bits=4):
    w = mx.array(rng.standard_normal((n, k)).astype(np.float32))
    q, s, b = mx.quantize(w, group, bits)
    return q, s.astype(dtype), b.astype(dtype)


def check_against_exact(y, x, q, s, b, group, bits=4):
    """|y - exact| within x's rounding (each element at most half a step,
    a step at most max|x_group| * 2^-21: sum over groups of |s| * sum codes
    * max|x_group| * 2^-22) plus float32's rounding of the sums."""
    s, b = s.astype(mx.float32), b.astype(mx.float32)
    w_hat = np.array(mx.dequantize(q, s, b, group, bits)).astype(np.float64)
    codes = np.rint((w_hat - np.repeat(np.array(b), group, -1)) / np.repeat(np.array(s), group, -1))
    m, k = x.shape
    amax = np.abs(x.reshape(m, k // group, group)).max(-1).astype(np.float64)
    weight = (codes * np.repeat(np.abs(np.array(s)), group, -1)).reshape(-1, k // group, group).sum(-1)
    rounding = amax @ weight.T * 2.0**-22
    mag = np.abs(x).astype(np.float64) @ np.abs(w_hat).T
    exact = x.astype(np.float64) @ w_hat.T
    assert np.all(np.abs(y - exact) <= rounding + 2e-6 * mag + 1e-30)
    return mag


# Rows of whole groups and whole halves of a block (8 words: 64 4-bit or 32
# 8-bit codes), some ending with a half block.
SHAPES = [
    (bits, group, k)
    for bits in (4, 8)
    for group in (32, 64, 128)
    for k in (64, 96, 128, 160, 192, 576, 2048)
    if k % group == 0 and k % (256 // bits) == 0
]


@pytest.mark.parametrize("bits,group,k", SHAPES)
@pytest.mark.parametrize("m", [1, 2, 4, 5, 9, 40])  # chunks of 4 rows of x
@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])  # 16-bit ones read as stored
def test_kernel_matches_reference_and_exact(monkeypatch, bits, group, k, m, dtype):
    rng = np.random.default_rng(group * 10 + k + m + bits)
    q, s, b = operands(rng, 37, k, group, dtype, bits)
    x = rng.standard_normal((m, k)).astype(np.float32)
    x[:, :group] *= 300  # groups of different magnitudes: each its own step
    args = (mx.array(x), q, s, b, True, group, bits)
    kernel = run(monkeypatch, "1", *args)
    ref = run(monkeypatch, "reference", *args)
    mag = check_against_exact(ref, x, q, s, b, group, bits)
    check_against_exact(kernel, x, q, s, b, group, bits)
    assert np.all(np.abs(kernel - ref) <= 2e-6 * mag)


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize("group", [32, 64, 128])
def test_each_group_its_own_step(monkeypatch, bits, group):
    # Rows of x nonzero in one group only, of magnitudes 2^-60 to 2^60: a
    # group's step (and the lane it is spread to) is all the result has.
    rng = np.random.default_rng(group + bits)
    k = 1152
    q, s, b = operands(rng, 40, k, group, bits=bits)
    groups = k // group
    x = np.zeros((groups, k), np.float32)
    for g in range(groups):
        x[g, g * group : (g + 1) * group] = rng.standard_normal(group) * 2.0 ** (int(g * 120 / groups) - 60)
    args = (mx.array(x), q, s, b, True, group, bits)
    for mode in ["1", "reference"]:
        check_against_exact(run(monkeypatch, mode, *args), x, q, s, b, group, bits)


def test_reference_is_not_the_float_path(monkeypatch):
    # x rounded to 24 bits per group changes low bits: the reference does
    # run (and so does the kernel, on a CPU with AVX-512 VNNI).
    rng = np.random.default_rng(1)
    q, s, b = operands(rng, 64, 512, 64)
    x = mx.array(rng.standard_normal((1, 512)).astype(np.float32))
    args = (x, q, s, b, True, 64, 4)
    assert not np.array_equal(run(monkeypatch, "reference", *args), run(monkeypatch, "0", *args))


def test_zero_groups_and_rows_of_x(monkeypatch):
    # A group of zeros in one row of x and not in the row before it (the
    # fixed-point buffer is reused row to row), and a row of zeros.
    rng = np.random.default_rng(2)
    q, s, b = operands(rng, 24, 256, 32)
    x = rng.standard_normal((3, 256)).astype(np.float32)
    x[1, 32:96] = 0
    x[2] = 0
    args = (mx.array(x), q, s, b, True, 32, 4)
    for mode in ["1", "reference"]:
        y = run(monkeypatch, mode, *args)
        check_against_exact(y, x, q, s, b, 32)
        np.testing.assert_array_equal(y[2], 0)


@pytest.mark.parametrize(
    "special",
    [np.inf, -np.inf, np.nan, 1e-39, 2.0**-101, 3.0e38],
    ids=["inf", "-inf", "nan", "subnormal", "tiny", "huge"],
)
def test_non_finite_and_out_of_range_x(monkeypatch, special):
    # Non-finite x, or a group whose largest element is below 2^-100, take
    # the float path (the same values bit for bit, NaN and inf included);
    # huge but finite x stays on the fixed-point path.
    rng = np.random.default_rng(3)
    q, s, b = operands(rng, 16, 256, 64)
    x = rng.standard_normal((2, 256)).astype(np.float32)
    if abs(special) < 1e-30:
        x[1] = special * rng.uniform(0.5, 1, 256)
    else:
        x[1, 70] = special
    args = (mx.array(x), q, s, b, True, 64, 4)
    float_path = run(monkeypatch, "0", *args)
    for mode in ["1", "reference"]:
        y = run(monkeypatch, mode, *args)
        if special == 3.0e38:
            assert np.isfinite(y[0]).all()
            check_against_exact(y[:1], x[:1], q, s, b, 64)
        else:
            np.testing.assert_array_equal(y, float_path)


def test_strided_x_and_batched_w(monkeypatch):
    rng = np.random.default_rng(4)
    q, s, b = operands(rng, 3 * 24, 576, 64, mx.float16)
    q, s, b = (a.reshape(3, 24, -1) for a in (q, s, b))
    x = rng.standard_normal((3, 2, 576)).astype(np.float32)
    xs = mx.array(np.ascontiguousarray(x.transpose(0, 2, 1))).transpose(0, 2, 1)
    args = (xs, q, s, b, True, 64, 4)
    y = run(monkeypatch, "1", *args)
    ref = run(monkeypatch, "reference", *args)
    assert y.shape == (3, 2, 24)
    for i in range(3):
        check_against_exact(y[i], x[i], q[i], s[i], b[i], 64)
        check_against_exact(ref[i], x[i], q[i], s[i], b[i], 64)


@pytest.mark.parametrize(
    "bits,group,k,transpose,m",
    [
        (2, 32, 256, True, 1),
        (3, 32, 256, True, 1),
        (4, 32, 96, True, 1),  # not whole 64-code halves of a block
        (4, 64, 256, False, 1),
        (4, 64, 256, True, 41),  # longer prompts: BLAS on decoded w
    ],
)
def test_uncovered_cases_take_the_float_path(monkeypatch, bits, group, k, transpose, m):
    rng = np.random.default_rng(5)
    n = 64
    w = mx.array(rng.standard_normal((n, k) if transpose else (k, n)).astype(np.float32))
    q, s, b = mx.quantize(w, group, bits)
    x = mx.array(rng.standard_normal((m, k)).astype(np.float32))
    args = (x, q, s, b, transpose, group, bits)
    for mode in ["1", "reference"]:
        np.testing.assert_array_equal(run(monkeypatch, mode, *args), run(monkeypatch, "0", *args))


def test_default_takes_the_kernel_where_the_cpu_has_it(monkeypatch):
    rng = np.random.default_rng(6)
    q, s, b = operands(rng, 32, 512, 64)
    x = rng.standard_normal((1, 512)).astype(np.float32)
    args = (mx.array(x), q, s, b, True, 64, 4)
    on = run(monkeypatch, "1", *args)
    monkeypatch.delenv("MLX_QMM_X24")
    np.testing.assert_array_equal(np.array(mx.quantized_matmul(*args)), on)
    check_against_exact(on, x, q, s, b, 64)
