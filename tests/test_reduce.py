"""Reductions against NumPy: output dtypes as MLX (sum of int8 is int32,
argmax is uint32, mean of ints is float32), axes, keepdims, layouts, empty
inputs and errors."""

import warnings

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL, FLOATS, INTS, REAL, SIGNED, assert_array, assert_raises, np_values, seeded_rng, to_mx
from helpers import LAYOUTS, layout, to_np

warnings.filterwarnings("ignore", category=RuntimeWarning)

# MLX's sum/prod accumulate small integers (and bool) in 32 bits.
SUM_DTYPE = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32", "uint16": "uint32"}


def sum_out(t):
    return SUM_DTYPE.get(t, t)


def ref_in(x, t):
    if t == "complex64":
        return x.astype(np.complex128)
    if t in FLOATS:
        return x.astype(np.float64)
    return x


def _logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis if axis is not None else None)


# name -> (numpy reference, accepted dtypes, output dtype rule, exact?)
REDUCTIONS = {
    "sum": (lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims), ALL, sum_out),
    "prod": (lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims), ALL, sum_out),
    "max": (lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims), REAL, lambda t: t),
    "min": (lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims), REAL, lambda t: t),
    "all": (lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims), ALL, lambda t: "bool"),
    "any": (lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims), ALL, lambda t: "bool"),
    "mean": (
        lambda x, axis, keepdims: np.mean(
            x.astype(np.float64) if x.dtype.kind in "biu" else x, axis=axis, keepdims=keepdims
        ),
        ALL,
        lambda t: t if t in FLOATS + ["complex64"] else "float32",
    ),
    "var": (
        lambda x, axis, keepdims: np.var(
            x.astype(np.float64) if x.dtype.kind in "biu" else x, axis=axis, keepdims=keepdims
        ),
        REAL,
        lambda t: t if t in FLOATS else "float32",
    ),
    "std": (
        lambda x, axis, keepdims: np.std(
            x.astype(np.float64) if x.dtype.kind in "biu" else x, axis=axis, keepdims=keepdims
        ),
        REAL,
        lambda t: t if t in FLOATS else "float32",
    ),
    # logsumexp of unsigned/bool inputs follows MLX's integer subtraction; test signed and floats.
    "logsumexp": (
        lambda x, axis, keepdims: _logsumexp(x.astype(np.float64), axis, keepdims),
        SIGNED + FLOATS,
        lambda t: t if t in FLOATS else "float32",
    ),
}

# (axis, keepdims) applied to each layout below.
AXES = [(None, False), (0, False), (-1, True), ((0, 2), False), ((1, 2), True)]


def layouts(dtype, rng, domain):
    """(name, mx array, numpy array) of shape (3, 4, 5) in several layouts."""
    x = np_values(dtype, (3, 4, 5), rng, domain)
    yield "contiguous", to_mx(x, dtype), x
    y = np_values(dtype, (5, 3, 4), rng, domain)
    yield "transposed", to_mx(y, dtype).transpose(1, 2, 0), y.transpose(1, 2, 0)
    z = np_values(dtype, (6, 4, 10), rng, domain)
    yield "sliced", to_mx(z, dtype)[::2, :, 1::2], z[::2, :, 1::2]
    w = np_values(dtype, (3, 1, 5), rng, domain)
    yield "broadcast", mx.broadcast_to(to_mx(w, dtype), (3, 4, 5)), np.broadcast_to(w, (3, 4, 5))


CASES = [(name, d) for name, (_, dts, _) in REDUCTIONS.items() for d in dts]


@pytest.mark.parametrize("name,dtype", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_reduction(name, dtype):
    ref, _, out = REDUCTIONS[name]
    rng, seed = seeded_rng(name, dtype)
    domain = (0.5, 1.5) if name == "prod" else (-3.0, 3.0)
    for lname, a, x in layouts(dtype, rng, domain):
        for axis, keepdims in AXES:
            got = getattr(mx, name)(a, axis=axis, keepdims=keepdims)
            want = ref(ref_in(x, dtype), axis, keepdims)
            if out(dtype) in INTS:
                want = np.asarray(want).astype(out(dtype))
            assert_array(
                got,
                want,
                out(dtype),
                rtol=1e-4 if name in ("var", "std") else None,
                msg=f"{name}({dtype}, {lname}, axis={axis}, keepdims={keepdims}) seed={seed}",
            )


@pytest.mark.parametrize("dtype", ["float32", "int32", "float16", "int8", "bool"])
def test_large_reductions(dtype):
    # Big enough to use several threads; a transposed and a stride-0 input.
    rng = np.random.default_rng(0)
    x = np_values(dtype, (300, 257), rng)
    a = to_mx(x, dtype)
    for axis in [None, 0, 1]:
        assert_array(
            mx.sum(a.T, axis=axis),
            np.sum(ref_in(x.T, dtype), axis=axis).astype(np.float64 if dtype in FLOATS else sum_out(dtype)),
            sum_out(dtype),
            rtol=1e-3 if dtype == "float16" else 1e-5,
            atol=0.5 if dtype == "float16" else 1e-4,
        )
        assert_array(mx.max(a.T, axis=axis), np.max(x.T, axis=axis), dtype)
    b = mx.broadcast_to(a[:1], (300, 257))
    assert_array(mx.min(b, axis=0), np.min(np.broadcast_to(x[:1], (300, 257)), axis=0), dtype)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", REAL)
def test_arg_reductions(name, dtype):
    rng = np.random.default_rng(1)
    ref = getattr(np, name)
    for lname, a, x in layouts(dtype, rng, (-3.0, 3.0)):
        for axis in [None, 0, 1, -1]:
            for keepdims in [False, True]:
                got = getattr(mx, name)(a, axis=axis, keepdims=keepdims)
                want = ref(x, axis=axis, keepdims=keepdims)
                assert_array(got, want, "uint32", msg=f"{name}({dtype}, {lname}, {axis})")


def test_nan_handling():
    nan, inf = float("nan"), float("inf")
    x = np.array([[1.0, nan, 3.0], [inf, -inf, 2.0]], np.float32)
    a = mx.array(x)
    for name in ["sum", "prod", "max", "min", "mean"]:
        for axis in [0, 1]:
            assert_array(
                getattr(mx, name)(a, axis=axis),
                getattr(np, name)(x, axis=axis),
                "float32",
                msg=f"{name} axis={axis}",
            )
    # argmax/argmin pick the first NaN, as NumPy.
    assert_array(mx.argmax(a, axis=1), np.argmax(x, axis=1), "uint32")
    assert_array(mx.argmin(a, axis=1), np.argmin(x, axis=1), "uint32")
    assert_array(mx.logsumexp(mx.array([inf, 1.0])), np.array(inf), "float32")
    assert_array(mx.logsumexp(mx.array([-inf, -inf])), np.array(-inf), "float32")


def test_empty_inputs():
    e = mx.zeros((0, 3))
    assert_array(mx.sum(e), np.array(0.0), "float32")
    assert_array(mx.sum(e, axis=0), np.zeros(3), "float32")
    assert_array(mx.prod(e, axis=0), np.ones(3), "float32")
    assert_array(mx.all(e), np.array(True), "bool")
    assert_array(mx.any(e, axis=0), np.zeros(3, bool), "bool")
    assert_array(mx.mean(e, axis=0), np.full(3, np.nan), "float32")
    assert_array(mx.max(e, axis=1), np.zeros((0,)), "float32")  # non-empty reduced axis
    assert_array(mx.sum(mx.zeros((0, 3), mx.int8), axis=1), np.zeros((0,)), "int32")
    assert_raises(lambda: mx.max(e), ValueError, "[max]")
    assert_raises(lambda: mx.min(e, axis=0), ValueError, "[min]")
    assert_raises(lambda: mx.argmax(e), ValueError, "[argmax]")
    assert_raises(lambda: mx.argmin(e, axis=1), ValueError, "[argmin]")
    assert_raises(lambda: mx.logsumexp(e, axis=1), ValueError, "[logsumexp]")


def test_no_axes_returns_input():
    # MLX: reducing over no axes returns the input with its dtype (bool for all/any).
    a = mx.array([[1, 2], [3, 4]], mx.int8)
    for name in ["sum", "prod", "max", "min"]:
        assert_array(getattr(mx, name)(a, axis=()), np.array([[1, 2], [3, 4]]), "int8")
        assert_array(getattr(mx, name)(a[0, 0]), np.array(1), "int8")
    assert_array(mx.all(a, axis=()), np.ones((2, 2), bool), "bool")
    assert_array(mx.sum(mx.array(True)), np.array(True), "bool")
    assert_array(mx.mean(a, axis=()), np.array([[1, 2], [3, 4]]), "float32")


def test_var_ddof():
    x = np.arange(12, dtype=np.float32).reshape(3, 4) ** 1.5
    a = mx.array(x)
    for ddof in [0, 1, 2]:
        assert_array(mx.var(a, axis=1, ddof=ddof), np.var(x, axis=1, ddof=ddof), "float32", rtol=1e-5)
        assert_array(mx.std(a, ddof=ddof), np.std(x, ddof=ddof), "float32", rtol=1e-5)
    # ddof >= n gives inf (MLX divides by max(n - ddof, 0)).
    assert_array(mx.var(a, axis=0, ddof=3), np.full(4, np.inf), "float32")


@pytest.mark.parametrize(
    "name", ["sum", "prod", "max", "min", "all", "any", "mean", "logsumexp", "var", "std"]
)
def test_axis_errors(name):
    a = mx.zeros((2, 3))
    f = getattr(mx, name)
    # MLX's messages here carry no bracketed prefix ("Invalid axis 3 for array with 2
    # dimensions."); ours may add one, so only the type and the text are asserted.
    for bad in [2, -3]:
        with pytest.raises(IndexError, match="xis"):
            mx.eval(f(a, axis=bad))
    for dup in [(0, 0), (0, -2)]:
        with pytest.raises(ValueError, match="[Dd]uplicate"):
            mx.eval(f(a, axis=dup))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_axis_errors(name):
    with pytest.raises(IndexError, match="Invalid axis 2"):
        mx.eval(getattr(mx, name)(mx.zeros((2, 3)), axis=2))


def test_methods_match_functions():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    a = mx.array(x)
    assert_array(a.sum(axis=1), x.sum(axis=1), "float32")
    assert_array(a.max(), x.max(), "float32")
    assert_array(a.argmax(axis=2), x.argmax(axis=2), "uint32")
    assert_array(a.mean(axis=(0, 2), keepdims=True), x.mean(axis=(0, 2), keepdims=True), "float32")


def test_logsumexp_rows_special_values_and_long_rows():
    # One fused pass per row: special values per row as the composed form
    # (max taken out only when finite), and rows long enough to be split
    # across threads.
    inf, nan = np.inf, np.nan
    x = np.array(
        [[1.0, inf, 2.0], [-inf, -inf, -inf], [1.0, nan, 2.0], [inf, nan, 0.0], [-inf, 0.0, 1.0]], np.float32
    )
    assert_array(
        mx.logsumexp(mx.array(x), axis=-1), np.array([inf, -inf, nan, nan, np.log(np.e + 1)]), "float32"
    )
    rng = np.random.default_rng(3)
    for shape, axis in [((1, 300_001), None), ((2, 100_003), 1), ((70_001, 3), 0)]:
        v = (rng.standard_normal(shape) * 20).astype(np.float32)
        got = np.array(mx.logsumexp(mx.array(v), axis=axis))
        np.testing.assert_allclose(got, _logsumexp(v.astype(np.float64), axis, False), rtol=1e-5)
    for t in [mx.float16, mx.bfloat16]:
        v = rng.standard_normal((4, 1000)).astype(np.float32)
        got = mx.logsumexp(mx.array(v).astype(t), axis=1)
        assert got.dtype == t
        ref = _logsumexp(np.array(mx.array(v).astype(t).astype(mx.float32), np.float64), 1, False)
        np.testing.assert_allclose(np.array(got.astype(mx.float32)), ref, rtol=1e-2)


@pytest.mark.parametrize("n", [1, 5, 16, 17, 63, 64, 65, 130, 300])
def test_row_reductions_every_lane_split(n):
    # Rows reduce in four vectors of lanes, then one, then singly
    # (backend/cpu/lanes.h): lengths around each split.
    rng = np.random.default_rng(n)
    x = rng.standard_normal((7, n)).astype(np.float32)
    a = mx.array(x)
    np.testing.assert_allclose(np.array(a.sum(-1)), x.sum(-1), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.array(a.max(-1)), x.max(-1))
    np.testing.assert_array_equal(np.array(a.min(-1)), x.min(-1))
    np.testing.assert_allclose(
        np.array(mx.softmax(a, axis=-1)),
        np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
        rtol=1e-5,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        np.array(mx.logsumexp(a, axis=-1)), np.log(np.exp(x.astype(np.float64)).sum(-1)), rtol=1e-5, atol=1e-5
    )
    ln = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(np.array(mx.fast.layer_norm(a, None, None, 1e-5)), ln, rtol=1e-4, atol=1e-4)
    xi = rng.integers(-50, 50, (7, n)).astype(np.int32)
    np.testing.assert_array_equal(np.array(mx.array(xi).sum(-1)), xi.sum(-1))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint32", "float16", "float32", "complex64"])
def test_positive(dtype):
    rng = np.random.default_rng(0)
    for name in LAYOUTS:
        a, x = layout(name, dtype, rng)
        assert_array(mx.positive(a), x, dtype)
    with pytest.raises(TypeError):
        mx.positive(3)
    x = mx.array([1, 2])
    y = mx.positive(x)
    y[0] = 5
    assert x.tolist() == [1, 2]


@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8", "float32", "float16", "complex64"])
def test_count_nonzero(dtype):
    rng = np.random.default_rng(1)
    for name in LAYOUTS:
        a, x = layout(name, dtype, rng)
        x = np.round(x) if dtype != "bool" else x
        a = (
            to_mx(x, dtype)
            if name not in ("transposed", "sliced", "broadcast")
            else mx.round(a)
            if dtype not in ("bool", "int32", "uint8")
            else a
        )
        x = to_np(a)
        axes = [None, 0, -1, (0, 1)] if a.ndim == 2 else [None]
        for axis in axes:
            for keepdims in (False, True):
                out = mx.count_nonzero(a, axis=axis, keepdims=keepdims)
                assert_array(out, np.count_nonzero(x, axis=axis, keepdims=keepdims), mx.int32)
    assert mx.count_nonzero(mx.ones((2, 3)), 1).tolist() == [3, 3]  # axis positional


def test_count_nonzero_special():
    assert mx.count_nonzero(mx.array([np.nan, 0.0])).item() == 1
    assert_array(mx.count_nonzero(mx.array(0)), np.array(0), mx.int32)
    assert_array(mx.count_nonzero(mx.zeros((0, 2))), np.array(0), mx.int32)
    with pytest.raises(IndexError):
        mx.count_nonzero(mx.ones((2, 3)), axis=3)
    with pytest.raises(TypeError):
        mx.count_nonzero(mx.ones((2, 3)), 1, True)  # keepdims is keyword-only


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "float32", "bfloat16"])
def test_minmax(dtype):
    rng = np.random.default_rng(2)
    for name in LAYOUTS:
        if name == "empty":
            continue
        a, x = layout(name, dtype, rng)
        axes = [None, 0, 1, (0, 1)] if a.ndim == 2 else [None]
        for axis in axes:
            for keepdims in (False, True):
                out = mx.minmax(a, axis, keepdims)
                assert isinstance(out, tuple) and len(out) == 2
                assert_array(out[0], np.min(x, axis=axis, keepdims=keepdims), dtype)
                assert_array(out[1], np.max(x, axis=axis, keepdims=keepdims), dtype)


def test_minmax_errors_and_nan():
    lo, hi = mx.minmax(mx.array([1.0, np.nan]))
    assert np.isnan(lo.item()) and np.isnan(hi.item())
    out = mx.minmax(mx.zeros((0, 2)), axis=1)
    assert out[0].shape == (0,) and out[1].shape == (0,)
    assert_raises(lambda: mx.minmax(mx.zeros((0, 2))), ValueError, "[min]")
    with pytest.raises(ValueError):
        mx.minmax(mx.ones((2, 2)), axis=(0, 0))


# ------------------------------------------------------------------- addmm


def test_mean_of_integers_sums_in_their_accumulator_type():
    """As MLX 0.32.4: the sum is taken in the integer accumulator type (wrapping
    as it does) and then converted, so int64 extremes average exactly."""
    cases = [
        (mx.array([-(2**63), 2**63 - 1], dtype=mx.int64), -0.5),
        (mx.array([2**31 - 1, 2**31 - 1], dtype=mx.int32), -1.0),
        (mx.array([100, 101], dtype=mx.int8), 100.5),
        (mx.array([2**62, 2**62], dtype=mx.int64), -4.611686018427388e18),
        (mx.array([True, False, True]), 2 / 3),
    ]
    for a, want in cases:
        m = mx.mean(a)
        assert m.dtype == mx.float32
        assert m.item() == pytest.approx(want, rel=1e-6)


NAN = float("nan")


@pytest.mark.parametrize(
    "vals",
    [
        [1 + 1j, 2 + 2j, 3 + 3j, complex(NAN, 4)],
        [1 + 1j, 2 + 2j, complex(3, NAN), 4 + 4j],
        [complex(NAN, 1), 2 + 2j, 3 + 3j, 4 + 4j],
        [complex(NAN, NAN), 2 + 2j, 3 + 3j, 4 + 4j],
        [1 + 5j, 1 + 2j, 3 - 3j, 4 + 0j],
    ],
)
def test_complex_extremes_propagate_nan(vals):
    # A complex value is NaN when either part is; max/min (reductions and
    # elementwise) propagate it and argmax/argmin find the first, as NumPy
    # (MLX 0.32.4's test of this compares with NumPy, equal_nan=True).
    n = np.array(vals, np.complex64).reshape(2, 2)
    a = mx.array(n)

    def same(out, ref):
        np.testing.assert_array_equal(np.array(out), ref)

    for x, nx in [(a, n), (a.T, n.T)]:
        for axis in [0, 1, None]:
            same(mx.max(x, axis=axis), np.max(nx, axis=axis))
            same(mx.min(x, axis=axis), np.min(nx, axis=axis))
        same(mx.argmax(x.reshape(-1)), np.argmax(nx.reshape(-1)))
        same(mx.argmin(x.reshape(-1)), np.argmin(nx.reshape(-1)))
        same(mx.maximum(x[0], x[1]), np.maximum(nx[0], nx[1]))
        same(mx.minimum(x[0], x[1]), np.minimum(nx[0], nx[1]))
    # A long row (the lane-parallel path) and a column reduction.
    long = np.tile(n.reshape(-1), 300)
    same(mx.max(mx.array(long)), np.max(long))
    same(mx.min(mx.array(long.reshape(-1, 4)), axis=0), np.min(long.reshape(-1, 4), axis=0))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_sum_and_prod_wrap_like_numpy(dtype):
    # Accumulated in the unsigned type (signed overflow is undefined in C++;
    # the sanitizer run found it): the wrapped results are NumPy's.
    a = np.array([np.iinfo(dtype).max] * 3 + [np.iinfo(dtype).min], dtype=dtype)
    assert mx.sum(mx.array(a)).item() == int(np.sum(a, dtype=dtype))
    assert mx.prod(mx.array(a)).item() == int(np.prod(a, dtype=dtype))


@pytest.mark.parametrize("dtype", ["float32", "int32", "float16", "complex64", "bool"])
def test_reductions_read_four_streams(dtype):
    # Rows of 256 or more reduce four at a time, a long single row as four
    # quarters per thread, and column sums four rows at a time
    # (backend/cpu/reduce.cpp): row counts and lengths around each split.
    rng = np.random.default_rng(3)
    for shape in [(9, 300), (6, 1031), (2051, 33), (70001,), (1, 4099)]:
        x = np_values(dtype, shape, rng)
        a = to_mx(x, dtype)
        for axis in [None, 0, -1]:
            if dtype == "bool":
                assert_array(mx.any(a, axis=axis), np.any(x, axis=axis), "bool")
                assert_array(mx.all(a, axis=axis), np.all(x, axis=axis), "bool")
                continue
            assert_array(
                mx.sum(a, axis=axis),
                np.sum(ref_in(x, dtype), axis=axis).astype(np.float64 if dtype in FLOATS else sum_out(dtype)),
                sum_out(dtype),
                rtol=2e-3 if dtype == "float16" else 1e-5,
                atol=1.0 if dtype == "float16" else 1e-3,
            )
            if dtype != "complex64":
                assert_array(mx.max(a, axis=axis), np.max(x, axis=axis), dtype)
                assert_array(mx.min(a, axis=axis), np.min(x, axis=axis), dtype)
    # A NaN in the last of four rows, and in the last quarter of a long row.
    x = np.ones((8, 300), np.float32)
    x[3, 299] = np.nan
    assert (
        np.isnan(np.array(mx.max(mx.array(x), axis=-1))).tolist() == [False, False, False, True] + [False] * 4
    )
    y = np.ones(70001, np.float32)
    y[-300] = np.nan
    assert np.isnan(mx.max(mx.array(y)).item()) and np.isnan(mx.sum(mx.array(y)).item())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_argmax_of_many_rows(dtype):
    # Contiguous rows are read while the next one is prefetched; rows split
    # over threads, ties, a NaN in the first and in the last row.
    rng = np.random.default_rng(11)
    x = rng.integers(-20, 20, (301, 515)).astype(dtype)
    x[0, 7] = np.nan
    x[-1, -1] = np.nan
    for name in ["argmax", "argmin"]:
        np.testing.assert_array_equal(
            np.array(getattr(mx, name)(mx.array(x), axis=-1)), getattr(np, name)(x, axis=-1)
        )
        np.testing.assert_array_equal(
            np.array(getattr(mx, name)(mx.array(x)[::2], axis=-1)), getattr(np, name)(x[::2], axis=-1)
        )
