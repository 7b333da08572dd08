"""The sort kernels (mlx/backend/cpu/sort_scan_vector.cpp and the scalar
reference in sort_scan.cpp) against NumPy, on every path: sorting networks
(rows up to 256 values; argsort too), the vectorized quicksort above,
long rows split over the pool, the radix argsort, and types narrower than
32 bits sorted as int32 keys. tests/kernel_tests.txt runs this file once
per instruction set (MLX_CPU_ISA); one test also compares the scalar path
with this process's in a child process.

mx.sort behaves as a stable sort (as MLX 0.32.4's does): equal values keep
their input order, which shows in the bits of -0.0 and 0.0 and of NaNs
(NaNs last). NumPy's stable sort gives the same bits, so values are checked
bit for bit against np.sort(kind="stable"); argsort against
np.argsort(kind="stable")."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(18)

SIZES = [
    0,
    1,
    2,
    3,
    7,
    8,
    9,
    15,
    16,
    17,
    31,
    32,
    33,
    63,
    64,
    65,
    127,
    128,
    129,
    255,
    256,
    257,
    511,
    513,
    1000,
    4097,
    100003,
]
PATTERNS = ["random", "few", "equal", "sorted", "reverse", "special"]
WIDE = [np.float32, np.int32, np.uint32]
NARROW = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.float16]
SPECIAL_F = [np.nan, -np.nan, 0.0, -0.0, np.inf, -np.inf]


def make(n, dtype, pattern):
    if dtype == np.bool_:
        x = RNG.integers(0, 2, n).astype(dtype)
    elif np.issubdtype(dtype, np.floating):
        x = (RNG.standard_normal(n) * 100).astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = RNG.integers(int(info.min), int(info.max), n, endpoint=True).astype(dtype)
    if n == 0:
        return x
    if pattern == "few":
        x = x[RNG.integers(0, min(4, n), n)]
    elif pattern == "equal":
        x = np.full(n, x[0], dtype)
    elif pattern == "sorted":
        x = np.sort(x)
    elif pattern == "reverse":
        x = np.sort(x)[::-1].copy()
    elif pattern == "special":
        k = n // 3 + 1
        where = RNG.integers(0, n, k)
        if np.issubdtype(dtype, np.floating):
            x[where] = np.array(SPECIAL_F, dtype)[RNG.integers(0, len(SPECIAL_F), k)]
        elif dtype != np.bool_:
            info = np.iinfo(dtype)
            x[where] = np.array([info.min, info.max, 0], dtype)[RNG.integers(0, 3, k)]
    return x


def bits(a):
    return np.ascontiguousarray(a).view(np.uint8)


def check(x, axis=-1):
    a = mx.array(x)
    got = np.array(mx.sort(a, axis=axis))
    want = np.sort(x, axis=axis, kind="stable")
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(bits(got), bits(want))
    order = np.array(mx.argsort(a, axis=axis))
    assert order.dtype == np.uint32
    assert np.array_equal(order, np.argsort(x, axis=axis, kind="stable"))


@pytest.mark.parametrize("dtype", WIDE)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_rows_of_every_size(dtype, pattern):
    for n in SIZES:
        check(make(n, dtype, pattern))


@pytest.mark.parametrize("dtype", NARROW)
@pytest.mark.parametrize("pattern", ["random", "few", "reverse", "special"])
def test_narrow_types(dtype, pattern):
    for n in [0, 1, 9, 16, 64, 65, 200, 5000]:
        check(make(n, dtype, pattern))


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint32, np.int16])
def test_one_long_row(dtype):
    # 2^20 values: threaded splits of one row, deep partitions.
    for pattern in ["random", "few", "sorted", "special"]:
        check(make(1 << 20, dtype, pattern))


def test_pivots_hitting_the_maximum_and_organ_pipes():
    n = 50000
    ramp = np.arange(n // 2, dtype=np.int32)
    for x in [
        np.concatenate([ramp, ramp[::-1]]),  # organ pipe
        np.tile(np.arange(7, dtype=np.int32), n // 7),  # sawtooth
        np.where(np.arange(n) % 50 == 0, 5, 9).astype(np.int32),  # mostly the maximum
        np.where(np.arange(n) % 2 == 0, -(2**31), 2**31 - 1).astype(np.int32),
        np.full(n, np.nan, np.float32),
        np.full(n, -0.0, np.float32),
    ]:
        check(x)


@pytest.mark.parametrize("n", [5, 16, 100, 3000])
def test_many_rows_and_other_axes(n):
    x = (RNG.standard_normal((40, n)) * 3).round().astype(np.float32)
    check(x, axis=1)
    check(x, axis=0)
    check(x.reshape(4, 10, n), axis=1)
    i = RNG.integers(-5, 5, (n, 6)).astype(np.int32)
    check(i, axis=0)


def test_non_contiguous_and_broadcast_inputs():
    x = RNG.standard_normal((300, 130)).astype(np.float32)
    a = mx.array(x)
    for view, ref in [(a.T, x.T), (a[::2, 1::3], x[::2, 1::3]), (a[:, ::-1], x[:, ::-1])]:
        for axis in (0, 1):
            assert np.array_equal(np.array(mx.sort(view, axis=axis)), np.sort(ref, axis=axis))
            assert np.array_equal(
                np.array(mx.argsort(view, axis=axis)), np.argsort(ref, axis=axis, kind="stable")
            )
    # Row-contiguous views that start inside their buffer.
    for view, ref in [(a[3:], x[3:]), (a.reshape(-1)[7:], x.reshape(-1)[7:]), (a[5, :100], x[5, :100])]:
        assert np.array_equal(np.array(mx.sort(view)), np.sort(ref))
        assert np.array_equal(np.array(mx.argsort(view)), np.argsort(ref, kind="stable"))
    b = mx.broadcast_to(mx.array(x[0]), (5, 130))
    assert np.array_equal(np.array(mx.sort(b)), np.broadcast_to(np.sort(x[0]), (5, 130)))
    assert np.array_equal(
        np.array(mx.argsort(b, axis=0)), np.zeros((5, 130), np.int64) + np.arange(5)[:, None]
    )


def test_empty_and_flattened():
    for shape in [(0,), (3, 0), (0, 4)]:
        x = np.zeros(shape, np.float32)
        assert np.array(mx.sort(mx.array(x))).shape == shape
        assert np.array(mx.argsort(mx.array(x))).shape == shape
    x = RNG.standard_normal((33, 17)).astype(np.float32)
    assert np.array_equal(np.array(mx.sort(mx.array(x), axis=None)), np.sort(x, axis=None))
    with pytest.raises(IndexError, match=r"^\[sort\]"):
        mx.sort(mx.array(1.0))


# MLX 0.32.4's mx.sort of these float32 bits (recorded): zeros and NaNs
# keep their input order and bits.
MLX_IN = [1065353216, 1065353216, 0, 2143289345, 2143289344, 4290772992, 4290772992, 2147483648,
          3212836864, 0, 2147483648, 2143289344, 4290772992, 2143289344, 0, 0, 0, 0, 0, 3212836864,
          2147483648, 4290772992, 1065353216, 2147483648, 2147483648, 2143289344, 2147483648,
          3212836864, 2147483648, 3212836864, 1065353216, 3212836864, 0, 2143289344, 4290772992,
          2143289344, 4290772992, 1065353216, 4290772992, 0]  # fmt: skip
MLX_OUT = [3212836864, 3212836864, 3212836864, 3212836864, 3212836864, 0, 2147483648, 0, 2147483648,
           0, 0, 0, 0, 0, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 0, 0,
           1065353216, 1065353216, 1065353216, 1065353216, 1065353216, 2143289345, 2143289344,
           4290772992, 4290772992, 2143289344, 4290772992, 2143289344, 4290772992, 2143289344,
           2143289344, 4290772992, 2143289344, 4290772992, 4290772992]  # fmt: skip


@pytest.mark.parametrize("reps", [1, 4, 300])
def test_signed_zeros_and_nans_as_mlx(reps):
    # 40 and 160 values: one network; 12000: quicksort. Both put the bits
    # of the zeros and NaNs back after sorting.
    x = np.tile(np.array(MLX_IN, np.uint32), reps).view(np.float32)
    got = np.array(mx.sort(mx.array(x))).view(np.uint32)
    if reps == 1:
        assert got.tolist() == MLX_OUT
    assert np.array_equal(got, np.sort(x, kind="stable").view(np.uint32))


SCRIPT = r"""
import sys
import numpy as np
import mlx.core as mx
rng = np.random.default_rng(3)
out = {}
for n in [16, 100, 5000, 300000]:
    x = (rng.standard_normal((3, n)) * 20).round().astype(np.float32)
    x[:, ::11] = np.nan
    x[:, ::13] = -0.0
    out[f"f{n}"] = np.array(mx.sort(mx.array(x))).view(np.uint32)
    out[f"a{n}"] = np.array(mx.argsort(mx.array(x)))
    i = rng.integers(-50, 50, (3, n)).astype(np.int16)
    out[f"i{n}"] = np.array(mx.sort(mx.array(i), axis=0))
    out[f"j{n}"] = np.array(mx.argsort(mx.array(i), axis=0))
np.savez(sys.argv[1], isa=np.array(mx._cpu_isa()), **out)
"""


def test_scalar_path_matches_this_process(tmp_path):
    results = {}
    for isa in ["scalar", None]:
        path = tmp_path / f"{isa}.npz"
        env = dict(os.environ)
        env.pop("MLX_CPU_ISA", None)
        if isa:
            env["MLX_CPU_ISA"] = isa
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(path)], env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        results[isa] = dict(np.load(path))
    assert str(results["scalar"]["isa"]) == "scalar"
    for key, value in results["scalar"].items():
        if key != "isa":
            assert np.array_equal(value, results[None][key]), key
