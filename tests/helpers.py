"""Shared helpers for the NumPy-comparison tests: dtype lists, input
generators, the layouts every op is fed, and an assert that checks shape,
then dtype, then values.

MLX facts used here (dtype promotion, default dtypes) were read off
MLX 0.32.4 and are recorded as literal data; the tests never import MLX.
"""

import zlib

import numpy as np

import mlx.core as mx

# name -> mx dtype; the order is MLX's (bool, unsigned, signed, float, complex).
DTYPES = {
    "bool": mx.bool_,
    "uint8": mx.uint8,
    "uint16": mx.uint16,
    "uint32": mx.uint32,
    "uint64": mx.uint64,
    "int8": mx.int8,
    "int16": mx.int16,
    "int32": mx.int32,
    "int64": mx.int64,
    "float16": mx.float16,
    "bfloat16": mx.bfloat16,
    "float32": mx.float32,
    "float64": mx.float64,
    "complex64": mx.complex64,
}
ALL = list(DTYPES)
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
SIGNED = ["int8", "int16", "int32", "int64"]
INTS = UNSIGNED + SIGNED
FLOATS = ["float16", "bfloat16", "float32", "float64"]
HALF = ["float16", "bfloat16"]
REAL = ["bool"] + INTS + FLOATS
NUMERIC = INTS + FLOATS  # real, not bool
INEXACT = FLOATS + ["complex64"]

# NumPy dtype holding each mx dtype's values (bfloat16 goes through float32).
NP_DTYPES = {n: (np.float32 if n == "bfloat16" else np.dtype(n if n != "bool" else "bool")) for n in ALL}

_SHORT = ["b", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "bf", "f4", "f8", "c8"]
_LONG = dict(zip(_SHORT, ALL))
# MLX 0.32.4 `promote_types(row, column)`, read off the oracle.
_PROMOTION = {
    # columns: b u1 u2 u4 u8 i1 i2 i4 i8 f2 bf f4 f8 c8
    "b": "b u1 u2 u4 u8 i1 i2 i4 i8 f2 bf f4 f8 c8",
    "u1": "u1 u1 u2 u4 u8 i2 i2 i4 i8 f2 bf f4 f8 c8",
    "u2": "u2 u2 u2 u4 u8 i4 i4 i4 i8 f2 bf f4 f8 c8",
    "u4": "u4 u4 u4 u4 u8 i8 i8 i8 i8 f2 bf f4 f8 c8",
    "u8": "u8 u8 u8 u8 u8 f4 f4 f4 f4 f2 bf f4 f8 c8",
    "i1": "i1 i2 i4 i8 f4 i1 i2 i4 i8 f2 bf f4 f8 c8",
    "i2": "i2 i2 i4 i8 f4 i2 i2 i4 i8 f2 bf f4 f8 c8",
    "i4": "i4 i4 i4 i8 f4 i4 i4 i4 i8 f2 bf f4 f8 c8",
    "i8": "i8 i8 i8 i8 f4 i8 i8 i8 i8 f2 bf f4 f8 c8",
    "f2": "f2 f2 f2 f2 f2 f2 f2 f2 f2 f2 f4 f4 f8 c8",
    "bf": "bf bf bf bf bf bf bf bf bf f4 bf f4 f8 c8",
    "f4": "f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f8 c8",
    "f8": "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 c8",
    "c8": "c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8",
}
PROMOTION = {
    (_LONG[r], _LONG[c]): _LONG[v] for r, row in _PROMOTION.items() for c, v in zip(_SHORT, row.split())
}


def promote(a, b):
    return PROMOTION[(a, b)]


def at_least_float(name):
    return name if name in INEXACT else "float32"


def dtype_name(d):
    """'float32' for mx.float32."""
    s = str(d).split(".")[-1]
    return "bool" if s == "bool_" else s


# Input generation ------------------------------------------------------------


def seeded_rng(*parts):
    """(NumPy Generator, seed) for the test identified by `parts`.

    The seed is the CRC-32 of the parts joined by "/": the same on every run
    and every machine (Python's hash() of a str changes with PYTHONHASHSEED).
    Put the seed in the failure message; `np.random.default_rng(seed)`
    replays the inputs.
    """
    seed = zlib.crc32("/".join(map(str, parts)).encode())
    return np.random.default_rng(seed), seed


DEFAULT_DOMAIN = (-3.0, 3.0)


def np_values(name, shape, rng, domain=DEFAULT_DOMAIN, nonzero=False):
    """NumPy values exactly representable in dtype `name`, drawn from `domain`.

    Integers are rounded (and made non-negative for unsigned types); half
    types are rounded to their precision so that the reference sees the
    same inputs as MLX.
    """
    lo, hi = domain
    x = rng.uniform(lo, hi, size=shape)
    if name == "bool":
        return np.ones(shape, bool) if nonzero else x > (lo + hi) / 2
    if name == "complex64":
        y = rng.uniform(lo, hi, size=shape)
        if nonzero:
            x = np.where(np.abs(x) < 0.25, 0.5, x)
        return (x + 1j * y).astype(np.complex64)
    if name in INTS:
        x = np.round(x)
        if name in UNSIGNED:
            x = np.abs(x)
        if nonzero:
            x = np.where(x == 0, 1, x)
        return x.astype(name)
    if nonzero:
        x = np.where(np.abs(x) < 0.25, 0.5, x)
    if name == "bfloat16":
        return np.array(mx.array(x.astype(np.float32)).astype(mx.bfloat16).astype(mx.float32))
    return x.astype(name)


def to_mx(x, name):
    """mx array of dtype `name` holding NumPy values `x`.

    The dtype is given to mx.array itself: mx.array of a float64 ndarray
    alone is float32, and casting that up would round float64 inputs.
    """
    if name == "bfloat16":
        return mx.array(np.asarray(x, np.float32)).astype(mx.bfloat16)
    return mx.array(np.asarray(x), DTYPES[name])


def to_np(a):
    """NumPy copy of an mx array (bfloat16 through float32)."""
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


# Layouts: the same values presented with different strides ------------------

LAYOUTS = ["contiguous", "transposed", "sliced", "broadcast", "empty", "scalar"]


def layout(name, dtype, rng, domain=DEFAULT_DOMAIN, nonzero=False, shape=(3, 4)):
    """(mx array, NumPy array) with equal values, the mx one laid out as `name`.

    contiguous: row-major (3, 4); transposed: a (4, 3) array's .T;
    sliced: [::2, 1::2] of a (6, 8) array (steps in both axes);
    broadcast: a (1, 4) row broadcast to (3, 4) (stride 0);
    empty: shape (0, 4); scalar: a 0-d array.
    """
    gen = lambda s: np_values(dtype, s, rng, domain, nonzero)  # noqa: E731
    r, c = shape
    if name == "contiguous":
        x = gen((r, c))
        return to_mx(x, dtype), x
    if name == "transposed":
        x = gen((c, r))
        return to_mx(x, dtype).T, x.T
    if name == "sliced":
        x = gen((2 * r, 2 * c))
        return to_mx(x, dtype)[::2, 1::2], x[::2, 1::2]
    if name == "broadcast":
        x = gen((1, c))
        return mx.broadcast_to(to_mx(x, dtype), (r, c)), np.broadcast_to(x, (r, c))
    if name == "empty":
        x = gen((0, c))
        return to_mx(x, dtype), x
    if name == "scalar":
        x = gen(())
        return to_mx(x, dtype), np.asarray(x)
    raise ValueError(name)


def all_layouts(dtype, rng, **kw):
    for name in LAYOUTS:
        a, x = layout(name, dtype, rng, **kw)
        yield name, a, x


# Tolerances and the assert ---------------------------------------------------

# (rtol, atol) per result dtype for computed (not exact) results: some tens
# to hundreds of units in the last place of each type. float64 is held to
# float64 precision: a float64 result computed in float32 (relative error
# about 6e-8) fails its check.
TOL = {
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
    "float32": (1e-5, 1e-6),
    "float64": (1e-12, 1e-14),
    "complex64": (2e-5, 1e-6),
}

# A caller's extra slack given as a number is stated in float32 terms (the
# error of an algorithm scales with the precision it runs in); float64 gets
# the same slack in its own units, float64 eps / float32 eps = 2**-29 of it.
F64_PER_F32 = float(np.finfo(np.float64).eps / np.finfo(np.float32).eps)


def tolerance(name, rtol=None, atol=None):
    """(rtol, atol) for a result of dtype `name`.

    `rtol`/`atol` widen the dtype's own bounds. Each is a number (float32
    terms: used as is for the float32, half and complex64 types, scaled by
    F64_PER_F32 for float64) or a dict {dtype name: value} used as is for
    the dtypes it names.
    """

    def widen(base, extra):
        if extra is None:
            return base
        if isinstance(extra, dict):
            return max(base, extra.get(name, base))
        return max(base, extra * F64_PER_F32 if name == "float64" else extra)

    r, a = TOL[name]
    return widen(r, rtol), widen(a, atol)


def assert_array(out, expected, dtype=None, rtol=None, atol=None, msg=""):
    """Checks `out` (an mx array) against `expected` (NumPy): shape, then
    dtype (an mx dtype or its name), then values within `tolerance`.

    NaNs must match NaNs; integers and bools must match exactly.
    """
    assert isinstance(out, mx.array), f"{msg}: expected an mx.array, got {type(out)}"
    expected = np.asarray(expected)
    assert tuple(out.shape) == expected.shape, f"{msg}: shape {tuple(out.shape)} != expected {expected.shape}"
    if dtype is not None:
        want = dtype if isinstance(dtype, str) else dtype_name(dtype)
        assert dtype_name(out.dtype) == want, f"{msg}: dtype {out.dtype} != expected {want}"
    got = to_np(out)
    name = dtype_name(out.dtype)
    if name in INEXACT:
        r, a = tolerance(name, rtol, atol)
        wide = np.complex128 if name == "complex64" else np.float64
        np.testing.assert_allclose(
            got.astype(wide), expected.astype(wide), rtol=r, atol=a, equal_nan=True, err_msg=msg
        )
    else:
        np.testing.assert_array_equal(
            got, expected.astype(got.dtype) if expected.size else expected, err_msg=msg
        )


def assert_raises(fn, exc, prefix):
    """fn() raises `exc` whose message starts with `prefix` (e.g. "[matmul]")."""
    import pytest

    with pytest.raises(exc) as info:
        out = fn()
        mx.eval(out)
    assert str(info.value).startswith(prefix), f"message {str(info.value)!r} lacks {prefix!r}"


def central_grad(f, x, eps=1e-6):
    """d sum(f(x)) / dx by central differences, x float64 NumPy."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_grad(fn, *args, argnum=0, weights=None):
    """mx.grad of sum(w * fn(args)) against central differences, in float64."""
    rng = np.random.default_rng(7)
    xs = [np.asarray(a, np.float64) for a in args]
    f64 = lambda x: mx.array(x, mx.float64)  # noqa: E731
    out_shape = np.asarray(fn(*[f64(x) for x in xs])).shape
    w = f64(rng.uniform(-1, 1, out_shape) if weights is None else weights)

    def scalar(*ms):
        return mx.sum(fn(*ms) * w)

    g = mx.grad(scalar, argnums=argnum)(*[f64(x) for x in xs])
    assert g.dtype == mx.float64

    def np_f(x):
        ys = list(xs)
        ys[argnum] = x
        return float(np.asarray(scalar(*[f64(y) for y in ys])))

    np.testing.assert_allclose(np.array(g), central_grad(np_f, xs[argnum]), rtol=1e-5, atol=1e-7)


def write_gguf(path, tensors):
    """A GGUF file written by the gguf package: {name: (raw blocks, type)}."""
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    for name, (raw, qtype) in tensors.items():
        w.add_tensor(name, raw, raw_shape=raw.shape, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
