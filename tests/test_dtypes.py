"""Dtypes: the promotion table, weak Python scalars, overflow checks, finfo,
iinfo, issubdtype, astype and view. Expected values are facts read off
MLX 0.32.4 and written here as literal data."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL, DTYPES, PROMOTION, assert_array, assert_raises, dtype_name


@pytest.mark.parametrize("a", ALL)
def test_promotion_table(a):
    for b in ALL:
        out = mx.add(mx.zeros((1,), DTYPES[a]), mx.zeros((1,), DTYPES[b]))
        assert dtype_name(out.dtype) == PROMOTION[(a, b)], (a, b)
        # Promotion is symmetric and comparisons still give bool.
        assert PROMOTION[(a, b)] == PROMOTION[(b, a)]
        assert mx.equal(mx.zeros((1,), DTYPES[a]), mx.zeros((1,), DTYPES[b])).dtype == mx.bool_


# Python scalars are "weak": they take the array's dtype where their kind fits.
WEAK = {
    # scalar: {array dtype: result dtype} where the result differs from the array's dtype
    2: {"bool": "int32"},
    2.5: {
        d: "float32"
        for d in ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"]
    },
    True: {},
    1j: {d: "complex64" for d in ALL},
}


@pytest.mark.parametrize("scalar", list(WEAK), ids=repr)
@pytest.mark.parametrize("dtype", ALL)
def test_weak_scalars(scalar, dtype):
    want = WEAK[scalar].get(dtype, dtype)
    a = mx.ones((2,), DTYPES[dtype])
    assert dtype_name((a + scalar).dtype) == want
    assert dtype_name((scalar + a).dtype) == want
    assert dtype_name(mx.multiply(a, scalar).dtype) == want


def test_weak_scalar_examples():
    out = mx.array([1], mx.float16) * 2.0
    assert_array(out, np.array([2.0]), "float16")
    assert_array(mx.array([1], mx.bfloat16) + 1, np.array([2.0]), "bfloat16")
    assert_array(mx.array([1], mx.int8) + 127, np.array([-128]), "int8")  # wraps
    assert_array(mx.array([1], mx.uint8) + 255, np.array([0]), "uint8")
    assert_array(mx.array([1.0], mx.float16) + 10**6, np.array([np.inf]), "float16")


@pytest.mark.parametrize(
    "dtype,value",
    [
        ("int8", 1000),
        ("int8", 128),
        ("int8", -129),
        ("uint8", -1),
        ("uint8", 256),
        ("int16", 70000),
        ("uint16", 65536),
        ("int32", 2**31),
        ("uint32", 2**32),
        ("uint32", -1),
    ],
)
def test_weak_scalar_overflow(dtype, value):
    # MLX: "Converting 1000 to int8 would result in overflow." (ValueError, no prefix)
    a = mx.ones((1,), DTYPES[dtype])
    with pytest.raises(ValueError, match="overflow"):
        mx.eval(a + value)


def test_weak_scalar_uint64_negative():
    assert_array(mx.ones((1,), mx.uint64) + -1, np.array([0]), "uint64")


def test_weak_scalar_bool_big_int():
    assert (mx.ones((1,), mx.bool_) + 2**40).dtype == mx.int32


FINFO = {
    # dtype: (min, max, eps, smallest_normal, bits, result dtype)
    "float16": (-65504.0, 65504.0, 0.0009765625, 6.103515625e-05, 16, "float16"),
    "bfloat16": (
        -3.3895313892515355e38,
        3.3895313892515355e38,
        0.0078125,
        1.1754943508222875e-38,
        16,
        "bfloat16",
    ),
    "float32": (
        -3.4028234663852886e38,
        3.4028234663852886e38,
        1.1920928955078125e-07,
        1.1754943508222875e-38,
        32,
        "float32",
    ),
    "float64": (
        -1.7976931348623157e308,
        1.7976931348623157e308,
        2.220446049250313e-16,
        2.2250738585072014e-308,
        64,
        "float64",
    ),
    "complex64": (
        -3.4028234663852886e38,
        3.4028234663852886e38,
        1.1920928955078125e-07,
        1.1754943508222875e-38,
        32,
        "float32",
    ),
}


@pytest.mark.parametrize("dtype", list(FINFO))
def test_finfo(dtype):
    lo, hi, eps, tiny, bits, t = FINFO[dtype]
    f = mx.finfo(DTYPES[dtype])
    assert f.min == pytest.approx(lo, rel=1e-7)
    assert f.max == pytest.approx(hi, rel=1e-7)
    assert f.eps == eps
    assert dtype_name(f.dtype) == t


@pytest.mark.parametrize("dtype", list(FINFO))
def test_finfo_smallest_normal_bits(dtype):
    _, _, _, tiny, bits, _ = FINFO[dtype]
    f = mx.finfo(DTYPES[dtype])
    assert f.smallest_normal == tiny
    assert f.bits == bits


IINFO = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-32768, 32767),
    "uint16": (0, 65535),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


@pytest.mark.parametrize("dtype", list(IINFO))
def test_iinfo(dtype):
    i = mx.iinfo(DTYPES[dtype])
    assert (i.min, i.max) == IINFO[dtype]
    assert i.dtype == DTYPES[dtype]


def test_info_errors():
    assert_raises(lambda: mx.finfo(mx.int32), ValueError, "[finfo]")
    assert_raises(lambda: mx.finfo(mx.bool_), ValueError, "[finfo]")
    assert_raises(lambda: mx.iinfo(mx.float32), ValueError, "[iinfo]")
    assert_raises(lambda: mx.iinfo(mx.bool_), ValueError, "[iinfo]")


@pytest.mark.parametrize(
    "a,b,want",
    [
        (mx.int8, mx.integer, True),
        (mx.int8, mx.signedinteger, True),
        (mx.uint8, mx.signedinteger, False),
        (mx.uint32, mx.unsignedinteger, True),
        (mx.bool_, mx.integer, False),
        (mx.bool_, mx.number, False),
        (mx.bool_, mx.generic, True),
        (mx.float16, mx.floating, True),
        (mx.bfloat16, mx.floating, True),
        (mx.complex64, mx.inexact, True),
        (mx.complex64, mx.floating, False),
        (mx.float32, mx.inexact, True),
        (mx.float32, mx.number, True),
        (mx.generic, mx.number, False),
        (mx.number, mx.generic, True),
        (mx.int32, mx.int32, True),
        (mx.int32, mx.int64, False),
        (mx.complexfloating, mx.inexact, True),
        (mx.floating, mx.inexact, True),
        (mx.inexact, mx.floating, False),
        (mx.signedinteger, mx.integer, True),
        (mx.integer, mx.number, True),
    ],
)
def test_issubdtype(a, b, want):
    assert mx.issubdtype(a, b) is want


def test_dtype_objects():
    sizes = {
        "bool": 1,
        "uint8": 1,
        "uint16": 2,
        "uint32": 4,
        "uint64": 8,
        "int8": 1,
        "int16": 2,
        "int32": 4,
        "int64": 8,
        "float16": 2,
        "bfloat16": 2,
        "float32": 4,
        "float64": 8,
        "complex64": 8,
    }
    for name, t in DTYPES.items():
        assert t.size == sizes[name]
        assert t == DTYPES[name] and hash(t) == hash(DTYPES[name])
    assert str(mx.float32) == "mlx.core.float32"
    assert mx.float32 != mx.int32


# astype and view -----------------------------------------------------------


@pytest.mark.parametrize("src", ALL)
def test_astype_roundtrip(src):
    x = np.array([0, 1, 2, 3, 100], np.float64)
    a = mx.array(x).astype(DTYPES[src])
    for dst in ALL:
        want = x.astype(bool) if dst == "bool" or src == "bool" else x
        if src == "bool" and dst != "bool":
            want = want.astype(np.float64)
        assert_array(a.astype(DTYPES[dst]), want, dst, msg=f"{src}->{dst}")
        assert_array(mx.astype(a.T, DTYPES[dst]), want, dst, msg=f"{src}->{dst} (0-stride 1-d)")


@pytest.mark.parametrize(
    "src", ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "float16"]
)
@pytest.mark.parametrize("n", [7, 256, 1000, 70001])
def test_astype_to_and_from_float16_matches_numpy(src, n):
    # Integers, bool and float16 convert through float32 blocks with F16C
    # (exact: each value is a float32 value, or too large for float16 either
    # way); bool loads as bytes. Tails, several blocks, threaded sizes.
    rng = np.random.default_rng(n)
    if src == "bool":
        x = rng.random(n) > 0.5
    elif src == "float16":
        x = (rng.standard_normal(n) * 1000).astype(np.float16)
    else:
        info = np.iinfo(src)
        x = rng.integers(max(info.min, -(2**40)), min(info.max, 2**40), n, endpoint=True).astype(src)
        edges = [info.min, info.max] + (
            [65519, 65520] if info.max >= 65520 else []
        )  # float16's rounding edge
        x[: len(edges)] = edges
    a = mx.array(x)
    targets = ["float16", "float32", "bool"] + (
        ["int32", "float64"] if src == "float16" else ["uint8", "int8"]
    )
    with np.errstate(over="ignore"):
        for dst in targets:
            got = np.array(a.astype(getattr(mx, "bool_" if dst == "bool" else dst)))
            want = x.astype(dst)
            assert got.dtype == want.dtype
            if dst == "float16":
                np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))
            else:
                np.testing.assert_array_equal(got, want)
    # transposed copies into byte-sized outputs (tiles)
    if n >= 1000:
        m = x[: (n // 40) * 40].reshape(40, -1)
        for dst in ["uint8", "int8", "bool"]:
            got = np.array(mx.array(m).T.astype(getattr(mx, "bool_" if dst == "bool" else dst)))
            with np.errstate(over="ignore", invalid="ignore"):
                want = m.T.astype(dst)
            if src != "float16":
                np.testing.assert_array_equal(got, want)


def test_astype_float_to_int():
    # Truncation toward zero (values in range), and NaN/nonzero to bool.
    assert_array(mx.array([1.7, -1.7, 2.5, -2.5]).astype(mx.int32), np.array([1, -1, 2, -2]), "int32")
    assert_array(mx.array([0.0, 2.0, float("nan")]).astype(mx.bool_), np.array([False, True, True]), "bool")
    assert_array(mx.array([1 + 2j]).astype(mx.float32), np.array([1.0]), "float32")
    assert_array(mx.array([-1, 256], mx.int32).astype(mx.uint8), np.array([255, 0]), "uint8")
    x = np.arange(12, dtype=np.float32).reshape(3, 4) / 3
    assert_array(mx.array(x).T[::2].astype(mx.float16), x.T[::2], "float16")


def test_view():
    assert_array(mx.view(mx.array([1.0]), mx.int32), np.array([1065353216]), "int32")
    assert_array(
        mx.view(mx.array([1, 2, 3, 4], mx.int8), mx.int16),
        np.array([1, 2, 3, 4], np.int8).view(np.int16),
        "int16",
    )
    assert_array(
        mx.array([1.0, 2.0]).view(mx.float16), np.array([1.0, 2.0], np.float32).view(np.float16), "float16"
    )
    assert_array(mx.view(mx.array([-1], mx.int32), mx.uint32), np.array([2**32 - 1]), "uint32")
    assert_raises(lambda: mx.view(mx.array([1, 2, 3], mx.int8), mx.int16), ValueError, "[view]")


_D = [
    "bool_",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
]
# MLX 0.32.4 can_cast(row, column), recorded.
_CAN_CAST = """
11111111111111 01111011111111 00111001111111 00011000111111 00001000011111 00000111111111
00000011111111 00000001111111 00000000111111 00000000010111 00000000001111 00000000000111
00000000000011 00000000000001""".split()


def test_can_cast():
    for i, a in enumerate(_D):
        for j, b in enumerate(_D):
            want = _CAN_CAST[i][j] == "1"
            assert mx.can_cast(getattr(mx, a), getattr(mx, b)) is want, (a, b)
    assert mx.can_cast(mx.array([1]), mx.float32) is True
    assert mx.can_cast(mx.array(1.0), mx.int32) is False
    assert mx.can_cast(from_=mx.int8, to=mx.int32)
    assert_raises(
        lambda: mx.can_cast(1, mx.int32), ValueError, "[can_cast] `from_` must be an array or a dtype."
    )
    with pytest.raises(TypeError):
        mx.can_cast(mx.int8, "int32")


def test_result_type():
    assert mx.result_type(mx.int8, mx.uint8) == mx.int16
    assert mx.result_type(mx.array([1]), mx.float16) == mx.float16
    assert mx.result_type(mx.int8) == mx.int8
    assert mx.result_type(mx.array([1], mx.int8), mx.array(1.0)) == mx.float32  # arrays are not weak
    assert mx.result_type(mx.bfloat16, mx.float16) == mx.float32
    assert mx.result_type(mx.uint64, mx.int64) == mx.float32
    assert mx.result_type(mx.int8, mx.int16, mx.float16, mx.complex64) == mx.complex64
    assert_raises(
        lambda: mx.result_type(), ValueError, "[result_type] At least one array or dtype is required."
    )
    for bad in (1, 1.0, np.float32):
        assert_raises(
            lambda: mx.result_type(bad, mx.int8), ValueError, "[result_type] Inputs must be arrays or dtypes."
        )


# MLX 0.32.4 isdtype(dtype, kind) over _D, recorded.
_ISDTYPE = {
    "bool": "10000000000000",
    "signed integer": "00000111100000",
    "unsigned integer": "01111000000000",
    "integral": "01111111100000",
    "real floating": "00000000011110",
    "complex floating": "00000000000001",
    "numeric": "01111111111111",
}


def test_isdtype():
    for kind, row in _ISDTYPE.items():
        for d, bit in zip(_D, row):
            assert mx.isdtype(getattr(mx, d), kind) is (bit == "1"), (d, kind)
    assert mx.isdtype(mx.float32, mx.float32) and not mx.isdtype(mx.float32, mx.float16)
    assert not mx.isdtype(mx.float32, (mx.float16, "integral"))
    assert mx.isdtype(mx.int32, (mx.float16, "integral"))
    assert not mx.isdtype(mx.float32, ())
    assert_raises(
        lambda: mx.isdtype(mx.float32, "foo"), ValueError, "[isdtype] Unknown data type kind: 'foo'."
    )
    for bad in (mx.floating, 3, [mx.float32]):
        assert_raises(lambda: mx.isdtype(mx.float32, bad), ValueError, "[isdtype] `kind` must be")
    with pytest.raises(TypeError):
        mx.isdtype(mx.array(1), "numeric")


# -------------------------------------------------------------- einsum_path
