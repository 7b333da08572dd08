"""Products with affine codes of 2, 3, 5 and 6 bits in groups of 16 to 128
(GGUF's Q2_K, Q3_K, Q5_K and Q6_K shapes), which the AVX2 byte-stream
kernels (quantized_bytes.cpp) compute: the fused matrix-vector kernel (up
to 40 rows of x) and the decoding for BLAS (more rows). Checked against
NumPy on the dequantized matrix and against the generic reference loops
(MLX_CPU_ISA=scalar in a child process). tests/kernel_tests.txt runs this
file on every instruction-set path."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx


def operands(rng, n, k, group, bits, dtype=mx.float32):
    """Codes, scales and biases with groups of 16 made from groups of 32
    (quantize accepts 32, 64, 128): each half gets its own scale."""
    w = mx.array(rng.standard_normal((n, k)).astype(np.float32))
    q, s, b = mx.quantize(w, max(group, 32), bits)
    if group == 16:
        s = mx.repeat(s, 2, axis=-1) * mx.array(rng.uniform(0.5, 1.5, (n, k // 16)).astype(np.float32))
        b = mx.repeat(b, 2, axis=-1) + mx.array(rng.uniform(-0.1, 0.1, (n, k // 16)).astype(np.float32))
    return q, s.astype(dtype), b.astype(dtype)


def check(x, q, s, b, group, bits, transpose=True):
    y = mx.quantized_matmul(mx.array(x) if isinstance(x, np.ndarray) else x, q, s, b, transpose, group, bits)
    # float32 parameters: the product widens 16-bit ones exactly
    w = np.array(mx.dequantize(q, s.astype(mx.float32), b.astype(mx.float32), group, bits)).astype(np.float64)
    w = w.T if transpose else w
    xn = np.array(x).astype(np.float64)
    ref = xn @ w
    tol = 2e-6 * (np.abs(xn) @ np.abs(w)) + 1e-6
    got = np.array(y)
    assert got.shape == ref.shape
    assert np.all(np.abs(got - ref) <= tol), np.abs(got - ref).max()
    return got


@pytest.mark.parametrize("bits", [2, 3, 5, 6])
@pytest.mark.parametrize("group", [16, 32, 64])
@pytest.mark.parametrize("m", [1, 3, 5, 21, 41])
def test_codes_by_bytes_match_numpy(bits, group, m):
    rng = np.random.default_rng(bits * 100 + group + m)
    q, s, b = operands(rng, 37, 384, group, bits)
    check(rng.standard_normal((m, 384)).astype(np.float32), q, s, b, group, bits)


@pytest.mark.parametrize("bits", [2, 3, 5, 6])
@pytest.mark.parametrize("k", [32, 64, 96, 160])
def test_short_rows_end_inside_the_row(bits, k):
    # The last bytes of each row are read by loads that end with them: rows
    # of 8 to 120 bytes (fewer than 16 take the generic loop).
    rng = np.random.default_rng(k + bits)
    q, s, b = operands(rng, 5, k, 16, bits)
    for m in (1, 2, 4, 30, 45):
        check(rng.standard_normal((m, k)).astype(np.float32), q, s, b, 16, bits)


def test_strided_x_half_params_batched_and_untransposed():
    rng = np.random.default_rng(11)
    q, s, b = operands(rng, 3 * 24, 256, 16, 6, mx.float16)
    q, s, b = (a.reshape(3, 24, -1) for a in (q, s, b))
    x = rng.standard_normal((3, 7, 256)).astype(np.float32)
    xs = mx.array(np.ascontiguousarray(x.transpose(0, 2, 1))).transpose(0, 2, 1)
    y = np.array(mx.quantized_matmul(xs, q, s, b, True, 16, 6))
    for i in range(3):
        np.testing.assert_allclose(y[i], check(x[i], q[i], s[i], b[i], 16, 6), rtol=1e-6, atol=1e-6)
    # transpose=False decodes groups along the output columns
    q, s, b = operands(rng, 96, 64, 16, 3)
    for m in (1, 50):
        check(rng.standard_normal((m, 96)).astype(np.float32), q, s, b, 16, 3, transpose=False)
    # empty x
    q, s, b = operands(rng, 8, 64, 16, 5)
    assert mx.quantized_matmul(mx.zeros((0, 64)), q, s, b, True, 16, 5).shape == (0, 8)


CHILD = r"""
import sys
import numpy as np
import mlx.core as mx
sys.path.insert(0, sys.argv[1])
from test_quantized_bytes import operands
out = {}
for bits in (2, 3, 5, 6):
    for group in (16, 32):
        rng = np.random.default_rng(bits + group)
        q, s, b = operands(rng, 19, 576, group, bits)
        for m in (1, 6, 33, 48):
            x = mx.array(rng.standard_normal((m, 576)).astype(np.float32))
            out[f"{bits}_{group}_{m}"] = np.array(mx.quantized_matmul(x, q, s, b, True, group, bits))
            w = np.abs(np.array(mx.dequantize(q, s, b, group, bits)))
            out[f"mag_{bits}_{group}_{m}"] = np.abs(np.array(x)) @ w.T
np.savez(sys.argv[2], **out)
"""


def run_child(tmp_path, isa):
    path = tmp_path / f"{isa}.npz"
    env = dict(os.environ, MLX_CPU_ISA=isa)
    subprocess.run(
        [sys.executable, "-c", CHILD, os.path.dirname(os.path.abspath(__file__)), str(path)],
        env=env,
        check=True,
    )
    return np.load(path)


def test_simd_kernels_match_the_reference_loops(tmp_path):
    ref = run_child(tmp_path, "scalar")
    best = run_child(tmp_path, mx._cpu_best_isa())
    for key in ref.files:
        if not key.startswith("mag"):
            # float32 sums of 576 terms in another order
            assert np.all(np.abs(best[key] - ref[key]) <= 1e-6 * ref["mag_" + key] + 1e-7), key
