"""Elementwise ops against NumPy, driven by op_table: every accepted dtype,
every layout (contiguous, transposed, sliced, broadcast, empty, 0-d), the
rejected dtypes, and special values."""

import math
import warnings

import numpy as np
import pytest

import mlx.core as mx
from helpers import (
    FLOATS,
    INEXACT,
    INTS,
    all_layouts,
    assert_array,
    assert_raises,
    layout,
    np_values,
    promote,
    seeded_rng,
    to_mx,
)
from op_table import BINARY, BITWISE, UNARY, compute_np, pair_ok

warnings.filterwarnings("ignore", category=RuntimeWarning)


UNARY_CASES = [(row, d) for row in UNARY for d in row.dtypes]


@pytest.mark.parametrize("row,dtype", UNARY_CASES, ids=[f"{r.name}-{d}" for r, d in UNARY_CASES])
def test_unary(row, dtype):
    rng, seed = seeded_rng(row.name, dtype)
    out_t = row.out(dtype)
    for lname, a, x in all_layouts(dtype, rng, domain=row.domain):
        with np.errstate(all="ignore"):
            expected = row.ref(compute_np(x, dtype))
        assert_array(
            row.fn(a),
            expected,
            out_t,
            rtol=row.rtol,
            atol=row.atol,
            msg=f"{row.name}({dtype}, {lname}) seed={seed}",
        )


REJECT_CASES = [(row, d, exc, prefix) for row in UNARY for ds, exc, prefix in row.rejects for d in ds]


@pytest.mark.parametrize(
    "row,dtype,exc,prefix", REJECT_CASES, ids=[f"{r.name}-{d}" for r, d, _, _ in REJECT_CASES]
)
def test_unary_rejects(row, dtype, exc, prefix):
    a = to_mx(np_values(dtype, (2, 3), np.random.default_rng(0)), dtype)
    assert_raises(lambda: row.fn(a), exc, prefix)


def _pairs(row):
    """Same-dtype pairs for every accepted dtype, plus a sample of mixed pairs."""
    same = [(d, d) for d in row.dtypes if pair_ok(row, d, d)]
    mixed = [(a, b) for a in row.dtypes for b in row.dtypes if a != b and pair_ok(row, a, b)]
    rng, _ = seeded_rng("pairs", row.name)
    idx = rng.choice(len(mixed), size=min(12, len(mixed)), replace=False) if mixed else []
    return same + [mixed[i] for i in sorted(idx)]


BINARY_CASES = [(row, a, b) for row in BINARY for a, b in _pairs(row)]

# (layout of a, layout of b); row vectors of shape (4,) broadcast against (3, 4).
LAYOUT_PAIRS = [
    ("contiguous", "contiguous"),
    ("transposed", "sliced"),
    ("broadcast", "transposed"),
    ("scalar", "contiguous"),
    ("sliced", "scalar"),
    ("empty", "empty"),
    ("contiguous", "row"),
]


def _binary_inputs(row, da, db, la, lb, rng):
    dom_a = dict(domain=row.domain_a)
    dom_b = dict(domain=row.domain_b, nonzero=row.nonzero_b)
    a, x = layout(la, da, rng, **dom_a)
    if lb == "row":
        y = np_values(db, (4,), rng, **dom_b)
        b = to_mx(y, db)
    else:
        b, y = layout(lb, db, rng, **dom_b)
    if row.int_valued:
        # Integer-valued floats keep floor(a / b) away from rounding flips.
        x, y = (
            np.round(x.real) if x.dtype.kind == "f" else x,
            np.where(np.round(y) == 0, 1, np.round(y)) if y.dtype.kind == "f" else y,
        )
        a, b = (to_mx(x, da) if da in FLOATS else a), (to_mx(y, db) if db in FLOATS else b)
    return a, x, b, y


@pytest.mark.parametrize("row,da,db", BINARY_CASES, ids=[f"{r.name}-{a}-{b}" for r, a, b in BINARY_CASES])
def test_binary(row, da, db):
    rng, seed = seeded_rng(row.name, da, db)
    out_t = row.out(da, db)
    t = promote(da, db)
    if out_t in INEXACT and t not in INEXACT:
        t = out_t  # int / int and friends compute in float
    for la, lb in LAYOUT_PAIRS:
        a, x, b, y = _binary_inputs(row, da, db, la, lb, rng)
        with np.errstate(all="ignore"):
            expected = row.ref(compute_np(x, t), compute_np(y, t))
        assert_array(
            row.fn(a, b),
            expected,
            out_t,
            rtol=row.rtol,
            atol=row.atol,
            msg=f"{row.name}({da} {la}, {db} {lb}) seed={seed}",
        )


def _binary_rejects():
    cases = []
    for row in BINARY:
        for ds, exc, prefix in row.rejects:
            for d in ds:
                cases.append((row, d, "float32", exc, prefix))
                cases.append((row, "int32", d, exc, prefix))
        if row.name in BITWISE:
            for a, b in [
                ("float32", "int32"),
                ("int8", "float16"),
                ("uint64", "int8"),
                ("complex64", "bool"),
                ("bfloat16", "bfloat16"),
            ]:
                cases.append((row, a, b, RuntimeError, f"[{row.name}]"))
    return cases


BINARY_REJECTS = _binary_rejects()


@pytest.mark.parametrize(
    "row,da,db,exc,prefix", BINARY_REJECTS, ids=[f"{c[0].name}-{c[1]}-{c[2]}" for c in BINARY_REJECTS]
)
def test_binary_rejects(row, da, db, exc, prefix):
    rng = np.random.default_rng(0)
    a = to_mx(np_values(da, (2, 3), rng), da)
    b = to_mx(np_values(db, (2, 3), rng, nonzero=True), db)
    assert_raises(lambda: row.fn(a, b), exc, prefix)


def test_bitwise_error_names_dtypes():
    # MLX: "[bitwise_and] Only allowed on integer or boolean types but got types int32 and float32."
    with pytest.raises(RuntimeError, match=r"^\[bitwise_and\] .*int32 and float32"):
        mx.bitwise_and(mx.array([1]), mx.array([1.0]))
    with pytest.raises(RuntimeError, match=r"^\[right_shift\] .*float32 and float32"):
        mx.right_shift(mx.array([1]), mx.array([1.0]))


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "equal", "arctan2"])
def test_binary_shape_mismatch(name):
    assert_raises(
        lambda: getattr(mx, name)(mx.zeros((2, 3)), mx.zeros((4,))), ValueError, "[broadcast_shapes]"
    )


@pytest.mark.parametrize("dtype", ["int32", "float32", "float16", "uint8"])
def test_large_strided_binary(dtype):
    # Large enough to be split across threads; a transposed and a stride-0 input.
    rng, seed = seeded_rng("large", dtype)
    x = np_values(dtype, (64, 300), rng)
    y = np_values(dtype, (300,), rng)
    a = to_mx(x, dtype).T
    b = mx.broadcast_to(to_mx(y, dtype)[:, None], (300, 64))
    t = promote(dtype, dtype)
    expected = compute_np(x, t).T + compute_np(y, t)[:, None]
    if dtype in INTS:
        expected = expected.astype(dtype)
    assert_array(a + b, expected, dtype, msg=f"add seed={seed}")
    assert_array(
        mx.exp(a[::3, ::2]),
        np.exp(x.astype(np.float64).T[::3, ::2]),
        "float32" if dtype in INTS else dtype,
        msg=f"exp seed={seed}",
    )


@pytest.mark.parametrize(
    "dtype,n", [("float32", (1 << 23) + 13), ("int8", (1 << 25) + 5), ("float64", (1 << 22) + 3)]
)
def test_outputs_past_the_cache_size(dtype, n):
    # Outputs of 32 MB or more are written with streaming stores in blocks
    # (backend/cpu/streaming.h): every element, the odd tail and the thread
    # chunks' edges must land. Also a donated input, a scalar operand and a
    # comparison (bool output of a quarter the size).
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 20).astype(dtype)
    y = (rng.standard_normal(n) * 20).astype(dtype)
    a, b = mx.array(x, getattr(mx, dtype)), mx.array(y, getattr(mx, dtype))
    np.testing.assert_array_equal(np.array(a - b), x - y)
    np.testing.assert_array_equal(np.array(a * 3), x * np.array(3, dtype))
    np.testing.assert_array_equal(np.array(a[1:] + b[:-1]), x[1:] + y[:-1])
    np.testing.assert_array_equal(np.array(a < b), x < y)
    np.testing.assert_array_equal(np.array(-a), -x)
    np.testing.assert_array_equal(np.array(mx.abs(b)), np.abs(y))
    c = a + 0  # a buffer that the next op may take over
    del a
    np.testing.assert_array_equal(np.array(c * b), x * y)


def test_exact_float64_ops_on_values_float32_cannot_hold():
    # Integer-valued results (floor, sign, remainder, ...) come out the same
    # whether float64 inputs of the tables above are computed in float64 or
    # float32; these inputs round in float32 (1 - 2**-40 to 1, 1e-300 to 0,
    # 2**40 + 1 to 2**40), so a float64 op done in float32 gets them wrong.
    e = 2.0**-40
    x = np.array([1 - e, -(1 - e), 1 + e, 2.5 + 2**-30, 1e-300, -1e-300, 2.0**40 + 1, 3 + 2**-45])
    y = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0])
    a, b = mx.array(x, mx.float64), mx.array(y, mx.float64)
    for name in ["floor", "ceil", "trunc", "round", "sign"]:
        out = getattr(mx, name)(a)
        assert out.dtype == mx.float64, name
        np.testing.assert_array_equal(np.array(out), getattr(np, name)(x), err_msg=name)
    for name in ["floor_divide", "remainder", "equal", "less"]:
        np.testing.assert_array_equal(
            np.array(getattr(mx, name)(a, b)), getattr(np, name)(x, y), err_msg=name
        )
    np.testing.assert_array_equal(np.array(a.astype(mx.int64)), x.astype(np.int64))


# Special values --------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, NAN, INF, -INF, 1e-30, 65504.0], np.float32)


@pytest.mark.parametrize(
    "name",
    [
        "isnan",
        "isinf",
        "isfinite",
        "isposinf",
        "isneginf",
        "abs",
        "sign",
        "floor",
        "ceil",
        "trunc",
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sigmoid",
        "logical_not",
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_unary_special_values(name, dtype):
    row = next(r for r in UNARY if r.name == name)
    x = SPECIAL.astype(dtype)
    with np.errstate(all="ignore"):
        expected = row.ref(compute_np(x, dtype))
    assert_array(row.fn(to_mx(x, dtype)), expected, row.out(dtype), msg=f"{name}({dtype})")


@pytest.mark.parametrize("name,ref", [("maximum", np.maximum), ("minimum", np.minimum)])
def test_minmax_propagate_nan(name, ref):
    x = np.array([NAN, 1.0, NAN, -INF], np.float32)
    y = np.array([1.0, NAN, NAN, 2.0], np.float32)
    assert_array(getattr(mx, name)(mx.array(x), mx.array(y)), ref(x, y), "float32")


def test_nan_to_num():
    x = np.array([NAN, INF, -INF, 1.5], np.float32)
    assert_array(mx.nan_to_num(mx.array(x)), np.nan_to_num(x), "float32")
    assert_array(
        mx.nan_to_num(mx.array(x), nan=2.0, posinf=3.0, neginf=-4.0),
        np.array([2.0, 3.0, -4.0, 1.5]),
        "float32",
    )
    h = mx.nan_to_num(mx.array(x).astype(mx.float16))
    assert_array(h, np.array([0, 65504, -65504, 1.5]), "float16")
    assert_array(mx.nan_to_num(mx.array([1, 2])), np.array([1, 2]), "int32")


def test_integer_division_signs():
    # MLX floor_divide / remainder follow Python: the remainder has the divisor's sign.
    a = np.array([7, -7, 7, -7, 0], np.int32)
    b = np.array([2, 2, -2, -2, 3], np.int32)
    assert_array(mx.floor_divide(mx.array(a), mx.array(b)), a // b, "int32")
    assert_array(mx.remainder(mx.array(a), mx.array(b)), a % b, "int32")
    q, r = mx.divmod(mx.array(a), mx.array(b))
    assert_array(q, a // b, "int32")
    assert_array(r, a % b, "int32")
    f = a.astype(np.float32) + 0.5
    assert_array(
        mx.remainder(mx.array(f), mx.array(b.astype(np.float32))),
        np.remainder(f, b.astype(np.float32)),
        "float32",
    )
    # int / int is float32 in MLX.
    assert_array(mx.divide(mx.array(a), mx.array(b)), a / b, "float32")


@pytest.mark.parametrize("name", ["floor", "ceil"])
def test_floor_ceil_edges(name):
    # float32 floor/ceil are computed through int32 below 2^23 (math.h):
    # signed zeros, halves at the edge, whole values past it, inf and NaN.
    x = np.array(
        [-0.0, 0.0, -0.5, 0.5, -1.0, 1.5, -1.5, 8388607.5, -8388607.5, 8388608.0, 1e30, -1e30]
        + [np.inf, -np.inf, np.nan, 1e-45, -1e-45, 0.99999994, -0.99999994],
        np.float32,
    )
    got = np.array(getattr(mx, name)(mx.array(x)))
    want = getattr(np, name)(x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    # a non-contiguous input, and float // float, which floors the quotient
    m = mx.array(x.reshape(1, -1)).T
    np.testing.assert_array_equal(np.array(getattr(mx, name)(m)).ravel(), want)
    a = np.linspace(-7, 7, 57, dtype=np.float32)
    np.testing.assert_array_equal(np.array(mx.array(a) // 0.5), a // np.float32(0.5))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32"])
def test_small_integer_division_every_pair(dtype):
    # floor_divide / remainder of integers up to 32 bits run in floating
    # point (the kernel's note says why that is exact): every pair of 8-bit
    # values, and wider ones around the edges and at random, against NumPy.
    # A zero divisor gives 0 for both, as NumPy and MLX; MIN // -1 wraps.
    info = np.iinfo(dtype)
    if info.bits == 8:
        v = np.arange(info.min, info.max + 1)
        a, b = (x.ravel().astype(dtype) for x in np.meshgrid(v, v))
    else:
        edge = np.concatenate([np.arange(-300, 300), info.min + np.arange(300), info.max - np.arange(300)])
        edge = edge[(edge >= info.min) & (edge <= info.max)]
        rng = np.random.default_rng(0)
        ra = rng.integers(info.min, info.max + 1, 400_000)
        rb = rng.integers(info.min, info.max + 1, 400_000)
        ea, eb = (x.ravel() for x in np.meshgrid(edge, edge[::7]))
        a = np.concatenate([ra, ea]).astype(dtype)
        b = np.concatenate([rb, eb]).astype(dtype)
    with np.errstate(divide="ignore", over="ignore"):
        q = np.floor_divide(a, b)
        r = np.remainder(a, b)
    assert_array(mx.floor_divide(mx.array(a), mx.array(b)), q, dtype)
    assert_array(mx.remainder(mx.array(a), mx.array(b)), r, dtype)
    # the scalar-divisor loops
    for d in (3, -3, 1, 7):
        if info.min == 0 and d < 0:
            continue
        with np.errstate(divide="ignore", over="ignore"):
            assert_array(mx.array(a) // d, a // np.array(d, dtype), dtype)
            assert_array(mx.array(a) % d, a % np.array(d, dtype), dtype)


def test_integer_power_negative_exponent_is_zero():
    # MLX returns 0 for any integer base raised to a negative integer power.
    a = mx.array([2, 1, -1, 0, 3, -2, 5], mx.int32)
    b = mx.array([-1, -1, -1, -1, -2, -3, 0], mx.int32)
    assert_array(mx.power(a, b), np.array([0, 0, 0, 0, 0, 0, 1]), "int32")
    assert_array(
        mx.power(mx.array([3, 2], mx.int8), mx.array([4, 7], mx.int8)), np.array([81, -128]), "int8"
    )  # wraps


def test_round_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.25, 2.675, -3.14159], np.float32)
    assert_array(mx.round(mx.array(x)), np.round(x), "float32")
    assert_array(mx.round(mx.array(x), 1), np.array([0.5, 1.5, 2.5, -0.5, 1.2, 2.7, -3.1]), "float32")
    assert_array(
        mx.round(mx.array([1234, -1250, 1250], mx.int16), -2), np.array([1200, -1200, 1200]), "int16"
    )
    assert_array(mx.round(mx.array([5, 7])), np.array([5, 7]), "int32")
    z = mx.array(np.array([1.5 + 2.5j, -0.4 + 0.6j], np.complex64))
    assert_array(mx.round(z), np.array([2 + 2j, 0 + 1j]), "complex64")


def test_complex_ops():
    z = np.array([1.5 + 2.5j, -3.2 + 0.7j, 0j], np.complex64)
    w = np.array([0.5 + 1j, 2 - 1j, 1 + 1j], np.complex64)
    assert_array(mx.negative(mx.array(z)), -z, "complex64")
    assert_array(mx.abs(mx.array(z)), np.abs(z), "float32")
    assert_array(mx.real(mx.array(z)), z.real, "float32")
    assert_array(mx.imag(mx.array(z)), z.imag, "float32")
    assert_array(mx.conj(mx.array(z)), np.conj(z), "complex64")
    assert_array(mx.floor_divide(mx.array(z), mx.array(w)), z / w, "complex64")
    assert_array(mx.multiply(mx.array(z), mx.array(w)), z * w, "complex64")


def test_bool_arithmetic():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    assert_array(mx.add(mx.array(a), mx.array(b)), a | b, "bool")
    assert_array(mx.subtract(mx.array(a), mx.array(b)), a ^ b, "bool")
    assert_array(mx.multiply(mx.array(a), mx.array(b)), a & b, "bool")
    assert_array(mx.left_shift(mx.array(a), mx.array(b)), (a.astype(np.uint8) << b), "uint8")
    assert_array(mx.bitwise_invert(mx.array(a)), ~a, "bool")


@pytest.mark.parametrize("dt", ["int8", "int16", "int32", "int64"])
def test_left_shift_of_negative_and_into_the_sign_bit(dt):
    # Shifting a negative value left was undefined behaviour in the kernel
    # (UBSan, tools/sanitize.sh); the answer wraps as in NumPy.
    bits = np.dtype(dt).itemsize * 8
    info = np.iinfo(dt)
    a = np.array([-1, -3, info.min, info.max, 1, -1], dt)
    b = np.array([3, 1, 1, 1, bits - 1, bits - 1], dt)
    assert_array(mx.left_shift(mx.array(a), mx.array(b)), np.left_shift(a, b), dt)
    # broadcast and non-contiguous
    assert_array(mx.left_shift(mx.array(a)[::2], mx.array(b[1])), np.left_shift(a[::2], b[1]), dt)


def test_where_and_clip():
    rng = np.random.default_rng(0)
    c = rng.uniform(size=(3, 4)) > 0.5
    x = rng.uniform(-2, 2, size=(3, 4)).astype(np.float32)
    y = np.arange(4, dtype=np.int32)
    assert_array(mx.where(mx.array(c), mx.array(x), mx.array(y)), np.where(c, x, y), "float32")
    assert_array(mx.where(mx.array(c).T, 1, 2.5), np.where(c.T, 1, 2.5), "float32")
    assert_array(mx.where(mx.array(c), mx.array(y, mx.int8), 3), np.where(c, y, 3), "int8")
    assert_array(mx.clip(mx.array(x), -1, 1), np.clip(x, -1, 1), "float32")
    assert_array(mx.clip(mx.array(x).T, None, 0.5), np.minimum(x.T, 0.5), "float32")
    assert_array(mx.clip(mx.array(y, mx.int16), 1, None), np.maximum(y, 1), "int16")
    assert_raises(lambda: mx.clip(mx.array(x), None, None), ValueError, "[clip]")


@pytest.mark.parametrize(
    "dt", ["bool", "uint8", "int16", "float16", "float32", "int64", "float64", "complex64"]
)
def test_where_rows_every_size_and_stride(dt):
    # The branchless row kernel (contiguous condition, x and y contiguous or
    # single values) and the strided loop, on every element size; NaN
    # payloads and -0.0 pass bit for bit.
    rng = np.random.default_rng(1)
    c = rng.uniform(size=(37, 65)) > 0.5
    x = (rng.standard_normal((37, 65)) * 100).astype(dt)
    y = (rng.standard_normal((37, 65)) * 100).astype(dt)
    if dt in ("float16", "float32", "float64"):
        x[0, :4] = [np.nan, -0.0, np.inf, -np.inf]
    cases = [
        (c, x, y),
        (c, x, y[:1, :1]),
        (c, x[:1, :1], y),
        (c, x[:1, :1], y[:1, :1]),
        (c[:, :32], x[:, ::2][:, :32], y[:, 1::2]),
        (c[:, :1], x, y),
        (c.T, x.T, y.T),
        (c[::2], x[::2], y[::2]),
    ]
    for cc, xx, yy in cases:
        got = mx.where(mx.array(cc), mx.array(xx), mx.array(yy))
        assert got.dtype == mx.array(x).dtype  # (float64 from NumPy becomes float32, as in MLX)
        g = np.array(got)
        want = np.where(cc, xx, yy).astype(g.dtype)
        if dt in ("float16", "float32", "float64"):
            np.testing.assert_array_equal(g.view(f"u{g.itemsize}"), want.view(f"u{want.itemsize}"))
        else:
            np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("n", [1, 7, 33, 1000, 70001])
def test_unary_ops_of_bool_read_as_bytes(n):
    # bool inputs load as bytes in the contiguous unary loop (any nonzero
    # byte is true); contiguous, strided and threaded sizes.
    b = np.random.default_rng(n).random(n) > 0.5
    for x, want in [(mx.array(b), b), (mx.array(b)[::2], b[::2])]:
        np.testing.assert_array_equal(np.array(mx.logical_not(x)), ~want)
        np.testing.assert_array_equal(np.array(mx.abs(x)), np.abs(want))
        np.testing.assert_array_equal(np.array(mx.square(x.astype(mx.float32))), want.astype(np.float32))


def test_isclose_allclose_array_equal():
    a = np.array([1.0, NAN, INF, 1e-9, 2.0], np.float32)
    b = np.array([1.0 + 1e-7, NAN, INF, 0.0, 2.1], np.float32)
    assert_array(mx.isclose(mx.array(a), mx.array(b)), np.isclose(a, b), "bool")
    assert_array(
        mx.isclose(mx.array(a), mx.array(b), equal_nan=True), np.isclose(a, b, equal_nan=True), "bool"
    )
    assert mx.allclose(mx.array(a[[0, 3]]), mx.array(b[[0, 3]])).item() is True
    assert mx.allclose(mx.array(a), mx.array(b)).item() is False
    assert mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0])).item() is True
    assert mx.array_equal(mx.array([1, 2]), mx.array([1, 2, 3])).item() is False
    assert mx.array_equal(mx.array([NAN]), mx.array([NAN])).item() is False
    assert mx.array_equal(mx.array([NAN]), mx.array([NAN]), equal_nan=True).item() is True


def test_aliases_are_same_objects():
    assert mx.asin is mx.arcsin and mx.acosh is mx.arccosh and mx.conj is mx.conjugate
    assert mx.pow is mx.power and mx.atan2 is mx.arctan2


def test_operators_match_functions():
    a = mx.array([[1, -2, 3]], mx.int16)
    b = mx.array([[2], [3]], mx.int16)
    x, y = np.array([[1, -2, 3]], np.int16), np.array([[2], [3]], np.int16)
    assert_array(a + b, x + y, "int16")
    assert_array(a - b, x - y, "int16")
    assert_array(a * b, x * y, "int16")
    assert_array(a // b, x // y, "int16")
    assert_array(a % b, x % y, "int16")
    assert_array(a**b, x**y, "int16")
    assert_array(a & b, x & y, "int16")
    assert_array(a << b, x << y, "int16")
    assert_array(-a, -x, "int16")
    assert_array(~a, ~x, "int16")
    assert_array(a < b, x < y, "bool")
    assert_array(abs(a), np.abs(x), "int16")


def test_complex_products_agree_exactly_across_kernels():
    # The contiguous loop and the strided one round complex products the
    # same way (no FMA in one only), so prod's gradient equals a multiply
    # bit for bit, as MLX checks.
    rng = np.random.default_rng(11)
    p = (rng.standard_normal((2, 37)) + 1j * rng.standard_normal((2, 37))).astype(np.complex64)
    c = (rng.standard_normal(37) + 1j * rng.standard_normal(37)).astype(np.complex64)
    primal, cot = mx.array(p), mx.array(c)
    contiguous = mx.conj(primal[1]) * cot
    strided = mx.conj(primal).T[:, 1] * cot
    assert mx.array_equal(contiguous, strided).item()
    _, vjps = mx.vjp(lambda x: x.prod(axis=0), [primal], [cot])
    expected = mx.stack([mx.conj(primal[1]) * cot, mx.conj(primal[0]) * cot])
    assert mx.array_equal(vjps[0], expected).item()


def test_nan_through_the_fast_float32_kernels():
    # NaN lanes once went through integer exponent arithmetic (an undefined
    # conversion and a signed overflow, found by UBSan): every kernel of
    # backend/cpu/math.h must give NaN there and be unaffected elsewhere.
    x = np.linspace(-5, 5, 1003).astype(np.float32)
    x[::7] = np.nan
    ops = [
        "exp",
        "expm1",
        "log",
        "log1p",
        "sin",
        "cos",
        "tan",
        "sinh",
        "cosh",
        "tanh",
        "arcsinh",
        "arctan",
        "erf",
    ]
    for name in ops:
        got = np.array(getattr(mx, name)(mx.array(x)))
        ref = getattr(np, name, None) or {"erf": np.vectorize(math.erf)}[name]
        with np.errstate(invalid="ignore", divide="ignore"):
            want = ref(x.astype(np.float64)).astype(np.float32)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        ok = ~np.isnan(want) & np.isfinite(want)
        np.testing.assert_allclose(got[ok], want[ok], rtol=2e-6, atol=1e-6, err_msg=name)


def test_integer_overflow_wraps_like_numpy():
    # Signed overflow is undefined in C++ (UBSan flagged add, multiply, abs
    # in the sanitized fuzz run): the kernels compute in unsigned types and
    # wrap exactly as NumPy does, also for 16-bit products (int promotion).
    for np_t, mx_t in [
        (np.int8, mx.int8),
        (np.int16, mx.int16),
        (np.uint16, mx.uint16),
        (np.int32, mx.int32),
        (np.uint32, mx.uint32),
        (np.int64, mx.int64),
        (np.uint64, mx.uint64),
    ]:
        info = np.iinfo(np_t)
        x = np.array([info.max, info.min, info.max - 1, info.min + 1, 3, 0] * 3, dtype=np_t)
        y = np.array([1, -1 if info.min < 0 else 1, info.max, info.max, info.max, 7] * 3, dtype=np_t)
        a, b = mx.array(x), mx.array(y)
        small = np.array([3, 5, 7, 2, 1, 0] * 3, dtype=np_t)
        with np.errstate(over="ignore"):
            cases = [(a + b, x + y), (a - b, x - y), (a * b, x * y), (mx.square(a), x * x)]
            cases += [(a ** mx.array(small), np.power(x, small))]
            if info.min < 0:
                cases += [(-a, -x), (mx.abs(a), np.abs(x))]
        for got, want in cases:
            assert got.dtype == mx_t
            np.testing.assert_array_equal(np.array(got), want, err_msg=str(np_t))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_power_of_two_is_the_rounded_square(dtype):
    # x ** 2 takes a product instead of pow: the same correctly rounded
    # value, signed zeros, infinities and NaN included.
    x = np.random.default_rng(3).standard_normal(1000).astype(np.float32)
    x[:5] = [np.nan, np.inf, -np.inf, -0.0, 1e30]
    a = mx.array(x).astype(getattr(mx, dtype))
    got = np.array((a**2).astype(mx.float64))
    exact = np.array(a.astype(mx.float64)) ** 2  # exact for every narrower type
    if dtype == "float64":
        want = exact
    else:
        # Squares of 16-bit values are exact in float32: one rounding.
        narrow = exact if dtype == "float32" else exact.astype(np.float32)
        want = np.array(mx.array(narrow).astype(getattr(mx, dtype)).astype(mx.float64))
    np.testing.assert_array_equal(got, want)
    assert not np.signbit(got[3])


def test_complex_power_of_two_is_pow():
    # Complex x ** 2 stays pow (its rounding differs from the product's);
    # values recorded from MLX 0.32.4.
    z = mx.array([1 + 1j, 3 - 2j, 0.5 + 0.25j], dtype=mx.complex64)
    want = [(-8.742277657347586e-08 + 2j), (4.999999523162842 - 11.999999046325684j), (0.1875 + 0.25j)]
    assert (z**2).tolist() == want
