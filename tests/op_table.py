"""One row per elementwise op: the mx function, a NumPy reference, the dtypes
MLX 0.32 accepts, the input domain, the output dtype rule and a tolerance.

References receive NumPy inputs already cast to the compute type chosen by
`compute_np`: integers keep their (promoted) width so wrap-around matches,
floats and complex widen to float64 / complex128.
"""

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

import mlx.core as mx
from helpers import ALL, FLOATS, INEXACT, INTS, REAL, at_least_float, promote

POS = (0.1, 3.0)
UNIT = (-0.95, 0.95)


def same(t):
    return t


def to_bool(t):
    return "bool"


def abs_out(t):
    return "float32" if t == "complex64" else t


@dataclass
class Unary:
    name: str
    ref: Callable
    dtypes: list
    out: Callable = at_least_float
    domain: tuple = (-3.0, 3.0)
    rtol: Optional[float] = None
    atol: Optional[float] = None
    # (dtypes, exception, message prefix) that must be rejected.
    rejects: list = field(default_factory=list)

    @property
    def fn(self):
        return getattr(mx, self.name)


@dataclass
class Binary:
    name: str
    ref: Callable
    dtypes: list
    out: Callable = promote  # (a dtype, b dtype) -> out dtype
    domain_a: tuple = (-3.0, 3.0)
    domain_b: tuple = (-3.0, 3.0)
    nonzero_b: bool = False
    int_valued: bool = False  # float inputs rounded to integers
    rtol: Optional[float] = None
    atol: Optional[float] = None
    rejects: list = field(default_factory=list)

    @property
    def fn(self):
        return getattr(mx, self.name)


def compute_np(x, t):
    """x as the NumPy type a reference computes in for mx dtype name t."""
    if t == "complex64":
        return np.asarray(x).astype(np.complex128)
    if t in FLOATS:
        return np.asarray(x).astype(np.float64)
    return np.asarray(x).astype(t)


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _erfinv(y):
    # Newton's method on erf(x) = y, in float64.
    y = np.asarray(y, np.float64)
    y0 = np.clip(y, -0.999, 0.999)
    x = np.zeros_like(y)
    for _ in range(60):
        x = x - (_erf(x) - y0) / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    return np.where(np.abs(y) == 1, np.copysign(np.inf, y), np.where(np.abs(y) > 1, np.nan, x))


def _keep_int(f):
    """f for inexact input; integers and bools are returned unchanged."""
    return lambda x: x if x.dtype.kind in "biu" else f(x)


def _sign(x):
    if x.dtype == np.bool_:
        return x
    if x.dtype.kind == "c":
        a = np.abs(x)
        return np.where(a == 0, 0, x / np.where(a == 0, 1, a))
    # MLX: sign(nan) is 0 for real floats.
    return np.where(np.isnan(x), 0, np.sign(x)) if x.dtype.kind == "f" else np.sign(x)


def _float_in(f):
    """Float-valued op: integer and bool inputs are computed as float32 values."""
    return lambda x: f(x.astype(np.float64) if x.dtype.kind in "biu" else x)


NOT_COMPLEX = [d for d in ALL if d != "complex64"]
NOT_BOOL = [d for d in ALL if d != "bool"]

UNARY = [
    Unary("abs", np.abs, ALL, out=abs_out),
    Unary("negative", np.negative, NOT_BOOL, out=same, rejects=[(["bool"], ValueError, "[negative]")]),
    Unary("sign", _sign, ALL, out=same),
    Unary("square", np.square, ALL, out=same),
    Unary("sqrt", _float_in(np.sqrt), ALL, domain=POS),
    Unary("rsqrt", _float_in(lambda x: 1 / np.sqrt(x)), NOT_COMPLEX, domain=POS),
    Unary("reciprocal", _float_in(lambda x: 1 / x), ALL, domain=POS),
    Unary("exp", _float_in(np.exp), ALL),
    Unary("expm1", _float_in(np.expm1), NOT_COMPLEX, rejects=[(["complex64"], ValueError, "[expm1]")]),
    Unary("log", _float_in(np.log), ALL, domain=POS),
    Unary("log2", _float_in(np.log2), NOT_COMPLEX, domain=POS),
    Unary("log10", _float_in(np.log10), NOT_COMPLEX, domain=POS),
    Unary("log1p", _float_in(np.log1p), NOT_COMPLEX, domain=(-0.9, 3.0)),
    Unary("sin", _float_in(np.sin), ALL),
    Unary("cos", _float_in(np.cos), ALL),
    Unary("tan", _float_in(np.tan), ALL, domain=(-1.4, 1.4)),
    Unary("arcsin", _float_in(np.arcsin), NOT_COMPLEX, domain=UNIT),
    Unary("arccos", _float_in(np.arccos), NOT_COMPLEX, domain=UNIT),
    Unary("arctan", _float_in(np.arctan), NOT_COMPLEX),
    Unary("sinh", _float_in(np.sinh), ALL),
    Unary("cosh", _float_in(np.cosh), ALL),
    Unary("tanh", _float_in(np.tanh), ALL),
    Unary("arcsinh", _float_in(np.arcsinh), NOT_COMPLEX),
    Unary("arccosh", _float_in(np.arccosh), NOT_COMPLEX, domain=(1.05, 3.0)),
    Unary("arctanh", _float_in(np.arctanh), NOT_COMPLEX, domain=UNIT),
    Unary(
        "sigmoid",
        _float_in(lambda x: 1 / (1 + np.exp(-x))),
        NOT_COMPLEX,
        rejects=[(["complex64"], ValueError, "[sigmoid]")],
    ),
    Unary("erf", _float_in(_erf), NOT_COMPLEX, rejects=[(["complex64"], ValueError, "[erf]")]),
    Unary(
        "erfinv",
        _float_in(_erfinv),
        NOT_COMPLEX,
        domain=UNIT,
        atol=1e-5,
        rejects=[(["complex64"], ValueError, "[erfinv]")],
    ),
    Unary(
        "floor", _keep_int(np.floor), NOT_COMPLEX, out=same, rejects=[(["complex64"], ValueError, "[floor]")]
    ),
    Unary("ceil", _keep_int(np.ceil), NOT_COMPLEX, out=same, rejects=[(["complex64"], ValueError, "[ceil]")]),
    Unary(
        "trunc", _keep_int(np.trunc), NOT_COMPLEX, out=same, rejects=[(["complex64"], ValueError, "[trunc]")]
    ),
    Unary("round", _keep_int(np.round), ALL, out=same),
    Unary("degrees", _float_in(np.degrees), NOT_COMPLEX),
    Unary("radians", _float_in(np.radians), NOT_COMPLEX),
    Unary("real", np.real, ALL, out=abs_out),
    Unary("imag", np.imag, ALL, out=abs_out),
    Unary("conjugate", np.conjugate, ALL, out=same),
    Unary("logical_not", np.logical_not, ALL, out=to_bool),
    Unary(
        "bitwise_invert",
        np.invert,
        ["bool"] + INTS,
        out=same,
        rejects=[(INEXACT, ValueError, "[bitwise_invert]")],
    ),
    Unary("isnan", np.isnan, ALL, out=to_bool),
    Unary("isinf", np.isinf, ALL, out=to_bool),
    Unary("isfinite", np.isfinite, ALL, out=to_bool),
    Unary("isposinf", np.isposinf, NOT_COMPLEX, out=to_bool),
    Unary("isneginf", np.isneginf, NOT_COMPLEX, out=to_bool),
    Unary(
        "nan_to_num",
        lambda x: x,
        NOT_COMPLEX,
        out=same,
        rejects=[(["complex64"], ValueError, "[nan_to_num]")],
    ),
]


def p_float(a, b):
    return at_least_float(promote(a, b))


def p_bool(a, b):
    return "bool"


def p_shift(a, b):
    t = promote(a, b)
    return "uint8" if t == "bool" else t


def _bool_or(f, fb):
    return lambda x, y: fb(x, y) if x.dtype == np.bool_ else f(x, y)


def _floor_divide(x, y):
    if x.dtype.kind == "c":
        return x / y  # MLX does not floor complex quotients
    if x.dtype.kind in "biu":
        return np.floor_divide(x, y) if x.dtype != np.bool_ else x & y
    return np.floor(x / y)


def _power(x, y):
    if x.dtype == np.bool_:
        return x | ~y
    return np.power(x, y)


INTEGRAL = ["bool"] + INTS
BITWISE_ERR = (RuntimeError, "[{name}]")

BINARY = [
    Binary("add", _bool_or(np.add, np.logical_or), ALL),
    Binary("subtract", _bool_or(np.subtract, np.not_equal), ALL),
    Binary("multiply", _bool_or(np.multiply, np.logical_and), ALL),
    Binary("divide", np.divide, ALL, out=p_float, nonzero_b=True),
    Binary("floor_divide", _floor_divide, ALL, nonzero_b=True, int_valued=True),
    Binary(
        "remainder",
        _bool_or(np.remainder, lambda x, y: x & ~y),
        REAL,
        nonzero_b=True,
        int_valued=True,
        rejects=[(["complex64"], ValueError, "[remainder]")],
    ),
    Binary("power", _power, REAL, domain_a=(0.1, 3.0), domain_b=(0.0, 3.0)),
    Binary("maximum", np.maximum, REAL),
    Binary("minimum", np.minimum, REAL),
    Binary("logaddexp", np.logaddexp, REAL, out=p_float),
    Binary("arctan2", np.arctan2, REAL, out=p_float, rejects=[(["complex64"], ValueError, "[arctan2]")]),
    Binary("equal", np.equal, ALL, out=p_bool),
    Binary("not_equal", np.not_equal, ALL, out=p_bool),
    Binary("greater", np.greater, REAL, out=p_bool),
    Binary("greater_equal", np.greater_equal, REAL, out=p_bool),
    Binary("less", np.less, REAL, out=p_bool),
    Binary("less_equal", np.less_equal, REAL, out=p_bool),
    Binary("logical_and", np.logical_and, ALL, out=p_bool),
    Binary("logical_or", np.logical_or, ALL, out=p_bool),
    Binary("logical_xor", np.logical_xor, ALL, out=p_bool),
    Binary("bitwise_and", np.bitwise_and, INTEGRAL),
    Binary("bitwise_or", np.bitwise_or, INTEGRAL),
    Binary("bitwise_xor", np.bitwise_xor, INTEGRAL),
    Binary("left_shift", np.left_shift, INTEGRAL, out=p_shift, domain_b=(0.0, 3.0)),
    Binary("right_shift", np.right_shift, INTEGRAL, out=p_shift, domain_b=(0.0, 3.0)),
]

BITWISE = {"bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"}


def pair_ok(row, a, b):
    """Whether MLX accepts dtypes (a, b) for this binary op."""
    if a not in row.dtypes or b not in row.dtypes:
        return False
    if row.name in BITWISE:
        return promote(a, b) in INTEGRAL
    return True
