"""Accuracy of the vectorized float math (mlx/backend/cpu/math.h) against
NumPy in float64: at most 4 ulp over the whole float32 range (tiny,
subnormal and huge inputs, both signs, next to the zeros and poles of the
trigonometric functions), exact special values (signed zeros, infinities,
NaN, overflow thresholds, domain errors), and float16 / bfloat16 results
within one of their ulps of the correctly rounded value. The C++ checker
tools/check_fast_math.cpp sweeps the functions at every ISA level."""

import warnings

import math

import numpy as np
import pytest

import mlx.core as mx

warnings.filterwarnings("ignore", category=RuntimeWarning)

MAX_ULP = 4

# name: (mlx function, float64 reference)
OPS = {
    "tanh": (mx.tanh, np.tanh),
    "sin": (mx.sin, np.sin),
    "cos": (mx.cos, np.cos),
    "tan": (mx.tan, np.tan),
    "log1p": (mx.log1p, np.log1p),
    "expm1": (mx.expm1, np.expm1),
    "log2": (mx.log2, np.log2),
    "log10": (mx.log10, np.log10),
    "sinh": (mx.sinh, np.sinh),
    "cosh": (mx.cosh, np.cosh),
    "arctan": (mx.arctan, np.arctan),
    "arcsinh": (mx.arcsinh, np.arcsinh),
    "arctanh": (mx.arctanh, np.arctanh),
    "arccosh": (mx.arccosh, np.arccosh),
    "arcsin": (mx.arcsin, np.arcsin),
    "arccos": (mx.arccos, np.arccos),
    "exp": (mx.exp, np.exp),
    "log": (mx.log, np.log),
    "erf": (mx.erf, np.vectorize(math.erf, otypes=[np.float64])),
}

F32 = np.finfo(np.float32)
SPECIALS = np.array(
    [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        F32.tiny,
        -F32.tiny,
        F32.smallest_subnormal,
        -F32.smallest_subnormal,
        F32.max,
        -F32.max,
        1e-30,
        -1e-30,
        1e30,
        -1e30,
        8192.0,
        16777216.0,
        16777218.0,
        -16777218.0,
        1e10,
        88.72283,
        88.72284,
        89.41598,
        89.416,
        -17.0,
        -104.0,
        0.625,
        -0.625,
        4096.0,
        4097.0,
    ],
    dtype=np.float32,
)


def ordered(a):
    """float32 bits as integers ordered like the floats (+0 and -0 both 0)."""
    i = np.asarray(a, np.float32).view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def ulp_distance(a, b):
    """Number of float32 steps between a and b (inf counts as the step
    after FLT_MAX); NaN must sit at the same places and is excluded."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    np.testing.assert_array_equal(nan_a, nan_b, err_msg="NaN positions differ")
    d = np.abs(ordered(a) - ordered(b))
    return np.where(nan_a, 0, d)


def _ord16(a):
    """The same ordering for float16 bits."""
    i = np.asarray(a, np.float16).view(np.int16).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFF), i)


def _bf16_round(x):
    """float32 -> nearest bfloat16 (ties to even), kept as float32."""
    b = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) << 16
    out = r.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out)


def reference(name, x):
    with np.errstate(all="ignore"):
        return OPS[name][1](np.asarray(x, np.float64)).astype(np.float32)


def run(name, x):
    return np.array(OPS[name][0](mx.array(np.asarray(x, np.float32))))


def log_uniform(rng, n, lo=1e-40, hi=3e38, signed=True):
    x = np.exp(rng.uniform(np.log(lo), np.log(hi), n)).astype(np.float32)
    if signed:
        x *= rng.choice(np.array([-1, 1], np.float32), n)
    return x


def domain_points(name, rng, n=20000):
    """Extra inputs where the function is interesting."""
    if name in ("arcsin", "arccos", "arctanh"):
        return np.concatenate(
            [
                rng.uniform(-1, 1, n).astype(np.float32),
                log_uniform(rng, n, 1e-40, 1.0),
                np.float32(1) - log_uniform(rng, n, 1e-8, 1.0, signed=False),
                np.float32(-1) + log_uniform(rng, n, 1e-8, 1.0, signed=False),
            ]
        )
    if name in ("log1p",):
        return np.concatenate(
            [
                rng.uniform(-1, 1, n).astype(np.float32),
                np.float32(-1) + log_uniform(rng, n, 1e-8, 1.0, signed=False),
                log_uniform(rng, n, 1e-40, 1.0),
            ]
        )
    if name == "arccosh":
        # Next to 1 (acosh ~ sqrt(2 (x - 1))), the range switches at 2 and
        # 4096, and large x.
        return np.concatenate(
            [
                np.float32(1) + log_uniform(rng, n, 1e-7, 1.0, signed=False),
                rng.uniform(1.0, 8.0, n).astype(np.float32),
                rng.uniform(4000, 4200, n).astype(np.float32),
                log_uniform(rng, n, 1.0, 3e38, signed=False),
            ]
        )
    if name in ("log", "log2", "log10"):
        return np.concatenate(
            [rng.uniform(0.5, 2.0, n).astype(np.float32), log_uniform(rng, n, 1e-45, 3e38, signed=False)]
        )
    if name in ("sin", "cos", "tan"):
        # The floats nearest to multiples of pi/2 (zeros and poles), and
        # their neighbours.
        k = rng.integers(1, 10_000_000, n)
        near = (k * (np.pi / 2)).astype(np.float32)
        near = near[np.abs(near) <= 2**24]
        return np.concatenate(
            [
                rng.uniform(-20, 20, n).astype(np.float32),
                near,
                np.nextafter(near, np.float32(np.inf)),
                np.nextafter(near, np.float32(0)),
                -near,
                log_uniform(rng, n, 1.0, 3e38),
            ]
        )
    return np.concatenate(
        [
            rng.uniform(-20, 20, n).astype(np.float32),
            rng.uniform(-0.9, 0.9, n).astype(np.float32),
            rng.uniform(80, 95, n).astype(np.float32),
        ]
    )


@pytest.mark.parametrize("name", list(OPS))
def test_max_ulp_float32(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    x = np.concatenate([log_uniform(rng, 200_000), domain_points(name, rng), SPECIALS])
    y = run(name, x)
    want = reference(name, x)
    d = ulp_distance(y, want)
    worst = int(np.argmax(d))
    assert d.max() <= MAX_ULP, f"{name}({x[worst]!r}) = {y[worst]!r}, want {want[worst]!r}: {d.max()} ulp"
    # Signed zeros and infinities exactly.
    exact = (want == 0) | np.isinf(want)
    np.testing.assert_array_equal(y[exact], want[exact])
    np.testing.assert_array_equal(np.signbit(y[exact]), np.signbit(want[exact]))


def test_special_values():
    inf, nan = np.inf, np.nan
    pio2 = np.float32(np.pi / 2)
    cases = {
        "tanh": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (inf, 1.0),
            (-inf, -1.0),
            (20.0, 1.0),
            (-1e30, -1.0),
            (1e-45, 1e-45),
            (nan, nan),
        ],
        "sin": [(0.0, 0.0), (-0.0, -0.0), (inf, nan), (-inf, nan), (nan, nan), (1e-40, 1e-40)],
        "cos": [(0.0, 1.0), (-0.0, 1.0), (inf, nan), (nan, nan)],
        "tan": [(0.0, 0.0), (-0.0, -0.0), (inf, nan), (nan, nan), (-1e-40, -1e-40)],
        "log1p": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (-1.0, -inf),
            (-2.0, nan),
            (-inf, nan),
            (inf, inf),
            (nan, nan),
            (1e-40, 1e-40),
            (-1e-10, -1e-10),
        ],
        "expm1": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (-inf, -1.0),
            (-100.0, -1.0),
            (inf, inf),
            (100.0, inf),
            (nan, nan),
            (1e-40, 1e-40),
            (-1e-10, -1e-10),
        ],
        "log2": [(0.0, -inf), (-0.0, -inf), (-1.0, nan), (inf, inf), (nan, nan), (1.0, 0.0), (1e-45, -149.0)],
        "log10": [(0.0, -inf), (-1.0, nan), (inf, inf), (nan, nan), (1.0, 0.0)],
        "sinh": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (inf, inf),
            (-inf, -inf),
            (nan, nan),
            (1e-40, 1e-40),
            (100.0, inf),
            (-100.0, -inf),
        ],
        "cosh": [(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, inf), (nan, nan), (100.0, inf), (-100.0, inf)],
        "arctan": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (inf, pio2),
            (-inf, -pio2),
            (nan, nan),
            (1e-40, 1e-40),
            (1e30, pio2),
        ],
        "arcsinh": [(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -inf), (nan, nan), (1e-40, 1e-40)],
        "arctanh": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (1.0, inf),
            (-1.0, -inf),
            (1.5, nan),
            (-2.0, nan),
            (inf, nan),
            (nan, nan),
            (1e-40, 1e-40),
        ],
        "arcsin": [
            (0.0, 0.0),
            (-0.0, -0.0),
            (1.0, pio2),
            (-1.0, -pio2),
            (1.0001, nan),
            (-2.0, nan),
            (inf, nan),
            (nan, nan),
            (1e-40, 1e-40),
        ],
        "erf": [(0.0, 0.0), (-0.0, -0.0), (inf, 1.0), (-inf, -1.0), (nan, nan), (3.925, 1.0), (-10.0, -1.0)],
        "arccos": [
            (1.0, 0.0),
            (-1.0, np.float32(np.pi)),
            (0.0, pio2),
            (-0.0, pio2),
            (1.0001, nan),
            (-inf, nan),
            (nan, nan),
        ],
    }
    for name, pairs in cases.items():
        x = np.array([p[0] for p in pairs], np.float32)
        want = np.array([p[1] for p in pairs], np.float32)
        y = run(name, x)
        np.testing.assert_array_equal(y, want, err_msg=name)
        num = ~np.isnan(want)  # the sign of a NaN is not specified
        np.testing.assert_array_equal(np.signbit(y[num]), np.signbit(want[num]), err_msg=name)


def test_log2_powers_of_two():
    k = np.arange(-149, 128)
    x = np.ldexp(np.float32(1), k).astype(np.float32)
    np.testing.assert_array_equal(run("log2", x), k.astype(np.float32))


def test_log10_powers_of_ten():
    k = np.arange(0, 11)  # 10^k is a float up to 10^10
    x = (10.0**k).astype(np.float32)
    np.testing.assert_array_equal(run("log10", x), k.astype(np.float32))


def test_overflow_thresholds():
    # The largest float whose result is finite, and the next one.
    for name, last in [
        ("exp", 88.72283172607422),
        ("expm1", 88.72283172607422),
        ("sinh", 89.41598510742188),
        ("cosh", 89.41598510742188),
    ]:
        x = np.array([last, np.nextafter(np.float32(last), np.float32(np.inf))], np.float32)
        y = run(name, x)
        assert np.isfinite(y[0]) and y[1] == np.inf, (name, y)
        assert ulp_distance(y[0], reference(name, x[:1])[0]) <= MAX_ULP
        if name == "sinh":
            np.testing.assert_array_equal(run(name, -x), -y)


@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_trig_large_arguments(name):
    """|x| > 2^24 takes the C library fix-up, in contiguous, strided and
    0-d arrays, and for bfloat16 (whose range reaches 3e38)."""
    rng = np.random.default_rng(7)
    x = np.concatenate([log_uniform(rng, 5000, 1.0, 3e38), [np.inf, -np.inf, np.nan]])
    x = x.astype(np.float32)
    rng.shuffle(x)
    want = reference(name, x)
    fn = OPS[name][0]
    assert ulp_distance(run(name, x), want).max() <= MAX_ULP
    a = mx.array(np.stack([x, x]).T)  # (n, 2): the transpose is strided
    y = np.array(fn(a.T))
    assert ulp_distance(y[0], want).max() <= MAX_ULP
    assert ulp_distance(y[1], want).max() <= MAX_ULP
    assert ulp_distance(np.array(fn(a[::3, 0])), want[::3]).max() <= MAX_ULP
    for v in [1e30, -3.0e38, 16777218.0, 123456789.0]:
        got = np.array(fn(mx.array(np.float32(v))))
        assert ulp_distance(got, reference(name, np.float32(v))) <= 1, v
    xb = _bf16_round(x)
    yb = np.array(fn(mx.array(xb).astype(mx.bfloat16)).astype(mx.float32))
    assert (ulp_distance(yb, _bf16_round(reference(name, xb))) // 65536).max() <= 1


@pytest.mark.parametrize("name", list(OPS))
def test_float16_bfloat16(name):
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    base = np.concatenate([log_uniform(rng, 20000, 1e-8, 60000.0), domain_points(name, rng, 2000), SPECIALS])
    # float16: every input representable, result within one half-precision ulp.
    with np.errstate(over="ignore"):
        x16 = base.astype(np.float16)
    x16 = x16[np.isfinite(x16) | ~np.isfinite(base)]
    y = np.array(OPS[name][0](mx.array(x16)))
    assert y.dtype == np.float16
    with np.errstate(all="ignore"):
        want = OPS[name][1](x16.astype(np.float64)).astype(np.float16)
    same_nan = np.isnan(y) == np.isnan(want)
    assert same_nan.all(), x16[~same_nan][:5]
    d = np.where(np.isnan(want), 0, np.abs(_ord16(y) - _ord16(want)))
    assert d.max() <= 1, (x16[np.argmax(d)], y[np.argmax(d)], want[np.argmax(d)])
    # bfloat16: the same against the float64 result rounded to bfloat16.
    xb = _bf16_round(np.concatenate([log_uniform(rng, 20000), base]))
    yb = np.array(OPS[name][0](mx.array(xb).astype(mx.bfloat16)).astype(mx.float32))
    wantb = _bf16_round(reference(name, xb))
    db = ulp_distance(yb, wantb) // 65536
    assert db.max() <= 1, (xb[np.argmax(db)], yb[np.argmax(db)], wantb[np.argmax(db)])
