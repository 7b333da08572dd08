"""The fast FFT kernels (float32 mixed-radix Stockham, four-step for long
lines, packed real transforms) against numpy.fft in double precision, and
against the double-precision reference kernels (MLX_CPU_REFERENCE_KERNELS=1
in a child process): every radix and their mixes, lengths past the
four-step threshold, block widths that leave partial blocks, strided axes,
non-contiguous inputs and each accepted input dtype."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(5)

# Every radix alone and mixed, primes left to the reference kernels, and
# lengths above the four-step threshold (4096) of each radix.
SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 14, 16, 25, 27, 30, 49, 60, 63, 98, 105, 128, 210, 243, 343, 625, 1000]
SIZES += [1024, 2401, 4096, 4100, 4116, 6000, 8192, 3**9, 5**6, 7**5, 2 * 3 * 5 * 7 * 32, 1 << 17]


def cplx(*shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


def real(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def rel_err(out, ref):
    out, ref = np.asarray(out), np.asarray(ref)
    assert out.shape == ref.shape, (out.shape, ref.shape)
    if ref.size == 0:
        return 0.0
    return float(np.abs(out - ref).max() / max(np.abs(ref).max(), 1e-30))


@pytest.mark.parametrize("n", SIZES)
def test_lengths_against_numpy(n):
    lines = 3 if n > 5000 else 13  # 13: a partial block of lines
    z = cplx(lines, n)
    assert rel_err(mx.fft.fft(mx.array(z)), np.fft.fft(z.astype(np.complex128))) < 2e-6
    assert rel_err(mx.fft.ifft(mx.array(z)), np.fft.ifft(z.astype(np.complex128))) < 2e-6
    x = real(lines, n)
    spec = np.fft.rfft(x.astype(np.float64))
    assert rel_err(mx.fft.rfft(mx.array(x)), spec) < 2e-6
    back = mx.fft.irfft(mx.array(spec.astype(np.complex64)), n=n)
    assert back.dtype == mx.float32
    assert rel_err(back, np.fft.irfft(spec, n=n)) < 2e-6


@pytest.mark.parametrize("n", [6, 16, 60, 343, 4100, 8192])
def test_strided_axes_and_layouts(n):
    z = cplx(n, 5, 3)
    for axis in (0, 1, 2):
        assert (
            rel_err(mx.fft.fft(mx.array(z), axis=axis), np.fft.fft(z.astype(np.complex128), axis=axis)) < 2e-6
        )
    x = real(n, 10)
    assert rel_err(mx.fft.rfft(mx.array(x), axis=0), np.fft.rfft(x.astype(np.float64), axis=0)) < 2e-6
    spec = np.fft.rfft(x.astype(np.float64), axis=0)
    got = mx.fft.irfft(mx.array(spec.astype(np.complex64)), n=n, axis=0)
    assert rel_err(got, np.fft.irfft(spec, n=n, axis=0)) < 2e-6
    # Non-contiguous inputs: a transposed view and a strided slice.
    zt = mx.array(z).transpose(2, 1, 0)
    assert rel_err(mx.fft.fft(zt), np.fft.fft(z.transpose(2, 1, 0).astype(np.complex128))) < 2e-6
    xs = mx.array(x)[::2]
    assert rel_err(mx.fft.rfft(xs, axis=0), np.fft.rfft(x[::2].astype(np.float64), axis=0)) < 2e-6


def test_n_dimensional_and_norms():
    z, x = cplx(12, 35, 16), real(10, 24, 18)
    for norm in ("backward", "ortho", "forward"):
        ref = np.fft.fftn(z.astype(np.complex128), norm=norm)
        assert rel_err(mx.fft.fftn(mx.array(z), norm=norm), ref) < 2e-6
        ref = np.fft.ifft2(z.astype(np.complex128), axes=(0, 2), norm=norm)
        assert rel_err(mx.fft.ifft2(mx.array(z), axes=(0, 2), norm=norm), ref) < 2e-6
        ref = np.fft.rfftn(x.astype(np.float64), norm=norm)
        assert rel_err(mx.fft.rfftn(mx.array(x), norm=norm), ref) < 2e-6
        assert (
            rel_err(
                mx.fft.irfftn(mx.array(ref.astype(np.complex64)), s=x.shape, axes=(0, 1, 2), norm=norm), x
            )
            < 5e-6
        )


def test_empty_and_scalar_batches():
    assert mx.fft.fft(mx.zeros((0, 8), mx.complex64)).shape == (0, 8)
    assert mx.fft.rfft(mx.zeros((4, 0, 16))).shape == (4, 0, 9)
    z = cplx(16)
    assert rel_err(mx.fft.fft(mx.array(z)), np.fft.fft(z.astype(np.complex128))) < 2e-6


@pytest.mark.parametrize(
    "dtype", [mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.uint8, mx.bool_, mx.complex64]
)
def test_input_dtypes(dtype):
    base = RNG.integers(0, 4, (6, 40)).astype(np.float32)
    a = mx.array(base).astype(dtype)
    vals = np.array(a.astype(mx.complex64)).astype(np.complex128)
    out = mx.fft.fft(a)
    assert out.dtype == mx.complex64
    assert rel_err(out, np.fft.fft(vals)) < 2e-6
    if dtype != mx.complex64:
        assert rel_err(mx.fft.rfft(a), np.fft.rfft(vals.real)) < 2e-6


SCRIPT = """
import sys, numpy as np, mlx.core as mx
rng = np.random.default_rng(3)
out = {}
for n in (12, 60, 343, 4116, 8192):
    z = (rng.standard_normal((5, n)) + 1j * rng.standard_normal((5, n))).astype(np.complex64)
    x = rng.standard_normal((5, n)).astype(np.float32)
    out[f"fft{n}"] = np.array(mx.fft.fft(mx.array(z)))
    out[f"ifft{n}"] = np.array(mx.fft.ifft(mx.array(z), axis=0))
    out[f"rfft{n}"] = np.array(mx.fft.rfft(mx.array(x)))
    out[f"irfft{n}"] = np.array(mx.fft.irfft(mx.array(z), n=n))
np.savez(sys.argv[1], **out)
"""


def test_fast_matches_reference_kernels(tmp_path):
    results = []
    for ref in ("1", "0"):
        path = tmp_path / f"out{ref}.npz"
        env = dict(os.environ, MLX_CPU_REFERENCE_KERNELS=ref)
        subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True)
        results.append(np.load(path))
    reference, fast = results
    for key in reference.files:
        assert rel_err(fast[key], reference[key]) < 2e-6, key
