"""Every instruction-set path of the CPU kernels: MLX_CPU_ISA forces the
scalar (baseline x86-64), AVX2 or AVX-512 code, as far as this CPU runs it.

Each path runs a battery of the kernels that have vectorized loops in a
child process (the choice is made once per process) and is checked against
NumPy. .ci/run also runs the kernel test files once per path.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

ORDER = ["scalar", "avx2", "avx512"]
AVAILABLE = ORDER[: ORDER.index(mx._cpu_best_isa()) + 1]

# Inputs made by NumPy from a fixed seed (odd sizes: vector bodies and tails).
BATTERY = r"""
import sys
import numpy as np
import mlx.core as mx
rng = np.random.default_rng(7)
x = rng.standard_normal((37, 129)).astype(np.float32)
y = rng.standard_normal((37, 129)).astype(np.float32)
x_nan = x.copy(); x_nan[3, 100] = np.nan
w = rng.standard_normal(129).astype(np.float32)
v16 = rng.standard_normal(257).astype(np.float16)
m16 = rng.standard_normal((257, 131)).astype(np.float16)
q = rng.standard_normal((2, 3, 9, 16)).astype(np.float32)
wq = rng.standard_normal((64, 128)).astype(np.float32)
xq = rng.standard_normal((3, 128)).astype(np.float32)
h = rng.standard_normal((5, 64)).astype(np.float32)
X, Y, XN = mx.array(x), mx.array(y), mx.array(x_nan)
out = {
    "isa": np.array(mx._cpu_isa()),
    "exp": mx.exp(X), "sin": mx.sin(X * 40), "tanh": mx.tanh(X), "sigmoid": mx.sigmoid(X),
    "log": mx.log(mx.abs(X) + 0.1), "erf": mx.erf(X),
    "add_vv": X + Y, "mul_sv": 3.0 * Y, "max_vs": mx.maximum(X, 0.25),
    "add_strided": X.T + Y.T,
    "sum_rows": mx.sum(X, axis=1), "sum_cols": mx.sum(X, axis=0), "max_all": mx.max(X),
    "argmax_rows": mx.argmax(X, axis=1), "argmin_nan": mx.argmin(XN, axis=1),
    "softmax": mx.softmax(X, axis=-1), "softmax_f16": mx.softmax(X.astype(mx.float16), axis=-1),
    "softmax_bf16": mx.softmax(X.astype(mx.bfloat16), axis=-1),
    "logsumexp": mx.logsumexp(X, axis=-1),
    "rms_norm": mx.fast.rms_norm(X, mx.array(w), 1e-5),
    "layer_norm": mx.fast.layer_norm(X, mx.array(w), mx.array(w), 1e-5),
    "rms_norm_grad": mx.grad(lambda a: mx.fast.rms_norm(a, mx.array(w), 1e-5).sum())(X),
    "rope": mx.fast.rope(mx.array(q), 16, traditional=False, base=10000.0, scale=1.0, offset=3),
    "sdpa": mx.fast.scaled_dot_product_attention(mx.array(q), mx.array(q), mx.array(q), scale=0.25,
                                                  mask="causal"),
    "to_f16": X.astype(mx.float16), "from_f16": mx.array(v16).astype(mx.float32),
    "matvec_f16": mx.array(v16) @ mx.array(m16),
    "hadamard": mx.hadamard_transform(mx.array(h)),
    "qmm": mx.quantized_matmul(mx.array(xq), *mx.quantize(mx.array(wq), 64, 4), transpose=True,
                               group_size=64, bits=4),
}
np.savez(sys.argv[1], **{k: np.array(v.astype(mx.float32) if isinstance(v, mx.array) and
                                      v.dtype in (mx.float16, mx.bfloat16) else v)
                         for k, v in out.items()})
"""


def run_battery(isa, tmp_path):
    path = tmp_path / f"{isa}.npz"
    env = dict(os.environ, MLX_CPU_ISA=isa)
    proc = subprocess.run(
        [sys.executable, "-c", BATTERY, str(path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return dict(np.load(path))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("isa")
    return {isa: run_battery(isa, tmp) for isa in AVAILABLE}


def test_each_path_is_taken(results):
    for isa, r in results.items():
        assert str(r["isa"]) == isa


# Tolerance of each entry: float32 loops differ between paths only in the
# order of their sums and in FMA contraction; 16-bit results by one rounding.
def tolerance(name):
    if name.endswith(("f16", "bf16")) or name in ("to_f16", "matvec_f16"):
        return 1e-2
    return 2e-5


@pytest.mark.parametrize("isa", AVAILABLE)
def test_paths_agree_with_numpy(results, isa):
    r = results[isa]
    rng = np.random.default_rng(7)
    x = rng.standard_normal((37, 129)).astype(np.float32)
    y = rng.standard_normal((37, 129)).astype(np.float32)
    x_nan = x.copy()
    x_nan[3, 100] = np.nan
    x64 = x.astype(np.float64)

    def softmax(a):
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    expected = {
        "exp": np.exp(x64),
        "sin": np.sin(x64 * 40),
        "tanh": np.tanh(x64),
        "sigmoid": 1 / (1 + np.exp(-x64)),
        "log": np.log(np.abs(x64) + 0.1),
        "add_vv": x64 + y,
        "mul_sv": 3.0 * y,
        "max_vs": np.maximum(x, 0.25),
        "add_strided": x.T + y.T,
        "sum_rows": x64.sum(axis=1),
        "sum_cols": x64.sum(axis=0),
        "max_all": x.max(),
        "argmax_rows": x.argmax(axis=1),
        "argmin_nan": np.array([np.argmin(row) for row in x_nan]),
        "softmax": softmax(x64),
        "softmax_f16": softmax(x64),
        "softmax_bf16": softmax(x64),
        "logsumexp": np.log(np.exp(x64).sum(axis=-1)),
        "to_f16": x,
        "from_f16": None,
    }
    for name, want in expected.items():
        if want is None:
            continue
        got = r[name]
        tol = 2e-2 if name == "softmax_bf16" else tolerance(name)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name} on {isa}")


@pytest.mark.parametrize("isa", AVAILABLE)
def test_paths_agree_with_each_other(results, isa):
    # The best path is the reference for the kernels NumPy has no form of.
    base = results[AVAILABLE[-1]]
    for name, got in results[isa].items():
        if name == "isa":
            continue
        want = base[name]
        assert got.shape == want.shape and got.dtype == want.dtype, name
        if np.issubdtype(got.dtype, np.integer):
            np.testing.assert_array_equal(got, want, err_msg=f"{name} on {isa}")
        else:
            tol = 1e-2 if name.endswith(("f16", "bf16")) or name in ("to_f16", "matvec_f16", "qmm") else 1e-4
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name} on {isa}")


def test_unknown_or_unavailable_isa_falls_back_with_a_warning():
    code = "import mlx.core as mx; print(mx._cpu_isa())"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, MLX_CPU_ISA="sse9"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == mx._cpu_best_isa()
    assert "MLX_CPU_ISA=sse9 is not one of scalar, avx2, avx512" in proc.stderr
    if "avx512" not in AVAILABLE:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            env=dict(os.environ, MLX_CPU_ISA="avx512"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.stdout.strip() == mx._cpu_best_isa()
        assert "this CPU cannot run it" in proc.stderr
