"""One row per differentiable mlx.core op (and per op that must give zero
gradients or refuse to differentiate), for tests/test_transforms_table.py.

A row names the op, a function of mx arrays that applies it, and how to draw
each argument. Float arguments are the ones differentiated unless `diff`
says otherwise; integer and boolean arguments (indices, masks) ride along
and are mapped by vmap like the others. Inputs are drawn so that the op is
smooth near them (no ties for max/sort, no kinks for abs/clip, domains of
log/arcsin...), which lets central differences serve as the reference.

The table is written against mlx.core only, so the same rows can be run by
hand against MLX 0.32.4 to confirm what the tests expect of it.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

import mlx.core as mx


# Argument generators: rng, shape -> NumPy array --------------------------------


def N(rng, shape):
    return rng.normal(size=shape)


def P(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def U(rng, shape):
    return rng.uniform(-0.8, 0.8, shape)


def AWAY(rng, shape):
    """Away from zero, either sign (abs, reciprocal, divisors)."""
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def ZERO_AT_1(rng, shape):
    """AWAY with an exact zero in flat position 1 (and only there)."""
    x = AWAY(rng, shape)
    x.reshape(-1)[1] = 0.0
    return x


def R(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def I(n):
    """Integer indices in [0, n)."""
    return lambda rng, shape: rng.integers(0, n, shape).astype(np.int32)


def PERM(axis):
    """Unique indices along `axis` (a random permutation of it per lane)."""

    def gen(rng, shape):
        return np.argsort(rng.normal(size=shape), axis=axis).astype(np.int32)

    return gen


def B(rng, shape):
    return rng.normal(size=shape) > 0


def SPREAD(rng, shape):
    """Values with gaps of at least 0.1 (no ties, no near-ties)."""
    n = int(np.prod(shape))
    v = np.arange(n) * 0.25 + rng.uniform(0, 0.1, n) - n * 0.125
    return rng.permutation(v).reshape(shape)


def arg(shape, gen=N):
    return (tuple(shape), gen)


X34 = [arg((3, 4))]


@dataclass
class Case:
    name: str  # pytest id; unique
    fn: Callable  # mx arrays -> mx array or list of mx arrays
    args: list = field(default_factory=lambda: list(X34))
    diff: Optional[tuple] = None  # arguments differentiated (default: the float ones)
    # vmap specs: list of (in_axes tuple, out_axes); None: derived from the args.
    vmap: Optional[list] = None
    second: bool = False  # also checks grad of grad and jvp of grad
    zero_grad: bool = False  # integer/boolean-valued (or piecewise constant): zero gradients
    jvp: bool = True  # forward mode checked
    requires: str = ""  # attribute of mx the op needs (skipped when absent)
    rtol: float = 1e-5
    atol: float = 1e-6
    eps: float = 1e-6  # finite-difference step

    def diff_args(self):
        if self.diff is not None:
            return list(self.diff)
        return [i for i, (_, g) in enumerate(self.args) if g not in (B,) and not _is_int(g)]


def _is_int(gen):
    return getattr(gen, "__qualname__", "").startswith(("I.", "PERM."))


def draw(case, rng):
    return [g(rng, s) for s, g in case.args]


# Rows --------------------------------------------------------------------------

CASES = []


def add(*cases):
    CASES.extend(cases)


def _attr(name):
    return lambda *a, **k: getattr(mx, name)(*a, **k)


# Unary elementwise math.
UNARY = [
    ("abs", AWAY),
    ("arccos", U),
    ("acos", U),
    ("arccosh", R(1.5, 3)),
    ("acosh", R(1.5, 3)),
    ("arcsin", U),
    ("asin", U),
    ("arcsinh", N),
    ("asinh", N),
    ("arctan", N),
    ("atan", N),
    ("arctanh", U),
    ("atanh", U),
    ("cos", N),
    ("cosh", N),
    ("degrees", N),
    ("radians", N),
    ("erf", N),
    ("erfinv", U),
    ("exp", N),
    ("expm1", N),
    ("log", P),
    ("log10", P),
    ("log1p", P),
    ("log2", P),
    ("negative", N),
    ("reciprocal", AWAY),
    ("rsqrt", P),
    ("sigmoid", N),
    ("sin", N),
    ("sinh", N),
    ("sqrt", P),
    ("square", N),
    ("tan", U),
    ("tanh", N),
    ("conj", N),
    ("conjugate", N),
    ("real", N),
    ("nan_to_num", N),
    ("contiguous", N),
    ("positive", N),
]
SECOND = {"abs", "arcsin", "erf", "erfinv", "log1p", "rsqrt", "sigmoid", "tan", "tanh", "sqrt"}
for _n, _g in UNARY:
    add(Case(_n, _attr(_n), [arg((3, 4), _g)], second=_n in SECOND, requires=_n))
add(
    Case("softmax", lambda x: mx.softmax(x, axis=-1) * mx.arange(1.0, 5.0), requires="softmax", second=True),
    Case("softmax_axis0", lambda x: mx.softmax(x, axis=0) * mx.arange(1.0, 5.0), requires="softmax"),
    Case("astype_f64", lambda x: x.astype(mx.float64)),
    Case("imag", mx.imag, zero_grad=True),
    Case("stop_gradient", mx.stop_gradient, zero_grad=True),
)
# Piecewise constant or integer/boolean valued: zero gradients.
for _n in ["floor", "ceil", "round", "sign", "trunc", "isnan", "isinf", "isfinite", "isposinf", "isneginf"]:
    add(Case(_n, _attr(_n), [arg((3, 4), AWAY)], zero_grad=True, requires=_n))
add(
    Case("round_decimals", lambda x: mx.round(x, 2), [arg((3, 4), AWAY)], zero_grad=True),
    Case("logical_not", lambda x: mx.logical_not(x > 0), zero_grad=True),
    Case("argmax", lambda x: mx.argmax(x, axis=1), zero_grad=True),
    Case("argmin", lambda x: mx.argmin(x), zero_grad=True),
    Case("argsort", lambda x: mx.argsort(x, axis=0), zero_grad=True),
    Case("argpartition", lambda x: mx.argpartition(x, 1, axis=1), zero_grad=True),
    Case("all", lambda x: mx.all(x > 0, axis=1), zero_grad=True),
    Case("any", lambda x: mx.any(x > 0), zero_grad=True),
    Case(
        "count_nonzero", lambda x: mx.count_nonzero(x > 0, axis=1), zero_grad=True, requires="count_nonzero"
    ),
    Case("searchsorted", lambda x: mx.searchsorted(mx.array([-1.0, 0.0, 1.0]), x), zero_grad=True),
    Case("zeros_like", mx.zeros_like, zero_grad=True),
    Case("ones_like", mx.ones_like, zero_grad=True),
)

# Binary elementwise.
BINARY = [
    ("add", N, N),
    ("subtract", N, N),
    ("multiply", N, N),
    ("divide", N, AWAY),
    ("power", P, N),
    ("pow", P, N),
    ("logaddexp", N, N),
    ("arctan2", N, N),
    ("atan2", N, N),
    ("remainder", R(0.1, 0.9), R(1.0, 2.0)),
]
SECOND |= {"divide", "power", "logaddexp", "arctan2"}
for _n, _ga, _gb in BINARY:
    add(Case(_n, _attr(_n), [arg((3, 4), _ga), arg((3, 4), _gb)], second=_n in SECOND, requires=_n))
add(
    Case("maximum", mx.maximum, [arg((3, 4), SPREAD), arg((3, 4), SPREAD)], second=True),
    Case("minimum", mx.minimum, [arg((3, 4), SPREAD), arg((3, 4), SPREAD)]),
    Case("add_broadcast", lambda a, b: a * b + a, [arg((3, 1)), arg((4,))]),
    Case("divide_broadcast", mx.divide, [arg((2, 1, 4)), arg((3, 1), AWAY)]),
    Case("power_scalar", lambda a: mx.power(a, 3.0) + mx.power(2.0, a), [arg((3, 4), P)]),
    Case("maximum_scalar", lambda a: mx.maximum(a, 0.0), [arg((3, 4), AWAY)]),
    Case("where", mx.where, [arg((3, 4), B), arg((3, 4)), arg((3, 4))]),
    Case("where_broadcast", mx.where, [arg((4,), B), arg((3, 1)), arg((3, 4))]),
    Case("clip", lambda x: mx.clip(x, -0.5, 0.5), [arg((3, 4), SPREAD)]),
    Case("clip_arrays", mx.clip, [arg((3, 4), SPREAD), arg((4,), R(-3.0, -1.0)), arg((3, 1), R(1.0, 3.0))]),
    Case("clip_one_side", lambda x: mx.clip(x, None, 0.3), [arg((3, 4), SPREAD)]),
)
for _n in [
    "equal",
    "not_equal",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "floor_divide",
    "isclose",
    "array_equal",
    "allclose",
]:
    add(Case(_n, _attr(_n), [arg((3, 4), SPREAD), arg((3, 4), SPREAD)], zero_grad=True, requires=_n))
add(
    Case(
        "logical_and", lambda a, b: mx.logical_and(a > 0, b > 0), [arg((3, 4)), arg((3, 4))], zero_grad=True
    ),
    Case("logical_or", lambda a, b: mx.logical_or(a > 0, b > 0), [arg((3, 4)), arg((3, 4))], zero_grad=True),
    Case(
        "logical_xor", lambda a, b: mx.logical_xor(a > 0, b > 0), [arg((3, 4)), arg((3, 4))], zero_grad=True
    ),
    # As MLX 0.32.4: neither output of divmod has a gradient (remainder has).
    Case(
        "divmod",
        lambda a, b: mx.divmod(a, b)[1] + mx.divmod(a, b)[0],
        [arg((3, 4), R(0.1, 0.9)), arg((3, 4), R(1.0, 2.0))],
        zero_grad=True,
    ),
)

# Products.
add(
    Case("matmul", mx.matmul, [arg((3, 4)), arg((4, 2))], second=True),
    Case("matmul_batched", mx.matmul, [arg((2, 3, 4)), arg((4, 2))]),
    Case("matmul_vec_mat", mx.matmul, [arg((4,)), arg((4, 3))]),
    Case("matmul_mat_vec", mx.matmul, [arg((3, 4)), arg((4,))]),
    Case("matmul_vec_vec", mx.matmul, [arg((4,)), arg((4,))]),
    Case("matmul_op", lambda a, b: a @ b, [arg((2, 3)), arg((2, 3, 4))]),
    Case("inner", mx.inner, [arg((3, 4)), arg((2, 4))]),
    Case("inner_vec", mx.inner, [arg((4,)), arg((4,))]),
    Case("outer", mx.outer, [arg((3,)), arg((4,))]),
    Case("kron", mx.kron, [arg((2, 3)), arg((3, 2))]),
    Case("tensordot", lambda a, b: mx.tensordot(a, b, axes=1), [arg((3, 4)), arg((4, 2))]),
    Case(
        "tensordot_axes",
        lambda a, b: mx.tensordot(a, b, axes=([0, 2], [1, 0])),
        [arg((2, 3, 4)), arg((4, 2, 3))],
    ),
    Case("einsum_matmul", lambda a, b: mx.einsum("ij,jk->ik", a, b), [arg((3, 4)), arg((4, 2))], second=True),
    Case("einsum_batched", lambda a, b: mx.einsum("bij,bjk->bki", a, b), [arg((2, 3, 4)), arg((2, 4, 3))]),
    Case("einsum_reduce", lambda a: mx.einsum("ij->j", a)),
    Case("einsum_diag", lambda a: mx.einsum("ii->i", a), [arg((3, 3))]),
    Case("einsum_outer", lambda a, b: mx.einsum("i,j->ij", a, b), [arg((3,)), arg((4,))]),
    Case(
        "einsum_three",
        lambda a, b, c: mx.einsum("ij,jk,k->i", a, b, c),
        [arg((3, 4)), arg((4, 2)), arg((2,))],
    ),
    Case(
        "addmm",
        lambda c, a, b: mx.addmm(c, a, b, alpha=0.5, beta=2.0),
        [arg((3, 2)), arg((3, 4)), arg((4, 2))],
        requires="addmm",
    ),
    Case("vecdot", lambda a, b: mx.vecdot(a, b), [arg((3, 4)), arg((3, 4))], requires="vecdot"),
)

# Reductions.
add(
    Case("sum", lambda x: mx.sum(x, axis=1)),
    Case("sum_all", mx.sum),
    Case("sum_keepdims", lambda x: mx.sum(x, axis=(0, 2), keepdims=True), [arg((2, 3, 4))]),
    Case("prod", lambda x: mx.prod(x, axis=0), [arg((3, 4), P)], second=True),
    Case("prod_all", mx.prod, [arg((2, 3), AWAY)]),
    Case("prod_with_zero", lambda x: mx.prod(x, axis=1), [arg((3, 4), ZERO_AT_1)]),
    Case("prod_axes_with_zero", lambda x: mx.prod(x, axis=(0, 2)), [arg((2, 3, 2), ZERO_AT_1)]),
    Case("mean", lambda x: mx.mean(x, axis=-1)),
    Case("mean_all", mx.mean),
    Case("var", lambda x: mx.var(x, axis=1)),
    Case("var_ddof", lambda x: mx.var(x, axis=0, ddof=1, keepdims=True)),
    Case("std", lambda x: mx.std(x, axis=0), second=True),
    Case("std_all", mx.std),
    Case("max", lambda x: mx.max(x, axis=1), [arg((3, 4), SPREAD)]),
    Case("max_all", mx.max, [arg((3, 4), SPREAD)]),
    Case("min", lambda x: mx.min(x, axis=0, keepdims=True), [arg((3, 4), SPREAD)]),
    Case("logsumexp", lambda x: mx.logsumexp(x, axis=1), second=True),
    Case("logsumexp_all", mx.logsumexp),
    Case("median", lambda x: mx.median(x, axis=1), [arg((3, 5), SPREAD)]),
    Case("trace", mx.trace, [arg((3, 4))]),
    Case("trace_offset", lambda x: mx.trace(x, offset=1, axis1=1, axis2=2), [arg((2, 3, 4))]),
)

# Shape and layout.
add(
    Case("reshape", lambda x: mx.reshape(x, (2, 6))),
    Case("reshape_method", lambda x: x.reshape(4, -1)),
    Case("flatten", lambda x: mx.flatten(x, 1, 2), [arg((2, 3, 4))]),
    Case("unflatten", lambda x: mx.unflatten(x, 1, (2, 2))),
    Case("transpose", lambda x: mx.transpose(x, (2, 0, 1)), [arg((2, 3, 4))]),
    Case("transpose_T", lambda x: x.T),
    Case("permute_dims", lambda x: mx.permute_dims(x, (1, 2, 0)), [arg((2, 3, 4))]),
    Case("matrix_transpose", mx.matrix_transpose, [arg((2, 3, 4))]),
    Case("swapaxes", lambda x: mx.swapaxes(x, 0, 2), [arg((2, 3, 4))]),
    Case("moveaxis", lambda x: mx.moveaxis(x, 0, -1), [arg((2, 3, 4))]),
    Case("squeeze", lambda x: mx.squeeze(x, 1), [arg((3, 1, 4))]),
    Case("squeeze_all", mx.squeeze, [arg((3, 1, 4, 1))]),
    Case("expand_dims", lambda x: mx.expand_dims(x, (0, 2))),
    Case("broadcast_to", lambda x: mx.broadcast_to(x, (2, 3, 4)), [arg((3, 1))]),
    Case("broadcast_arrays", lambda a, b: mx.broadcast_arrays(a, b), [arg((3, 1)), arg((4,))]),
    Case("atleast_1d", mx.atleast_1d, [arg(())]),
    Case("atleast_2d", mx.atleast_2d, [arg((4,))]),
    Case("atleast_3d", mx.atleast_3d, [arg((3, 4))]),
    Case(
        "concatenate",
        lambda a, b, c: mx.concatenate([a, b, c], axis=1),
        [arg((3, 2)), arg((3, 4)), arg((3, 1))],
    ),
    Case("concat", lambda a, b: mx.concat([a, b]), [arg((2, 4)), arg((3, 4))]),
    Case("stack", lambda a, b: mx.stack([a, b], axis=1), [arg((3, 4)), arg((3, 4))]),
    Case("split", lambda x: mx.split(x, [1, 3], axis=1)),
    Case("split_sections", lambda x: mx.split(x, 3, axis=0)),
    Case("unstack", lambda x: mx.unstack(x, axis=1), requires="unstack"),
    Case("pad", lambda x: mx.pad(x, ((1, 0), (2, 1)))),
    Case("pad_value", lambda x: mx.pad(x, 1, constant_values=2.0)),
    Case("pad_edge", lambda x: mx.pad(x, ((0, 2), (1, 1)), mode="edge")),
    Case("repeat", lambda x: mx.repeat(x, 2, axis=1)),
    Case("repeat_flat", lambda x: mx.repeat(x, 2)),
    Case("tile", lambda x: mx.tile(x, (2, 1, 2))),
    Case("roll", lambda x: mx.roll(x, 2, axis=1)),
    Case("roll_flat", lambda x: mx.roll(x, -3)),
    Case("roll_axes", lambda x: mx.roll(x, (1, 2), axis=(0, 1))),
    Case("flip", lambda x: x[::-1, ::-1]),
    Case("diagonal", lambda x: mx.diagonal(x, 1)),
    Case("diagonal_axes", lambda x: mx.diagonal(x, -1, 2, 0), [arg((3, 2, 4))]),
    Case("diag_vector", lambda x: mx.diag(x, 1), [arg((3,))]),
    Case("diag_matrix", lambda x: mx.diag(x, -1)),
    Case("tril", lambda x: mx.tril(x, 1)),
    Case("triu", lambda x: mx.triu(x, -1)),
    Case("diff", lambda x: mx.diff(x, 2, axis=1)),
    Case("meshgrid", lambda a, b: mx.meshgrid(a, b), [arg((3,)), arg((4,))]),
    Case("meshgrid_ij", lambda a, b: mx.meshgrid(a, b, indexing="ij"), [arg((3,)), arg((4,))]),
    Case("as_strided", lambda x: mx.as_strided(x, (3, 3), (4, 1), 1)),
    Case("full", lambda v: mx.full((2, 3, 4), v), [arg((4,))]),
)

# Indexing.
add(
    Case("take", lambda x, i: mx.take(x, i, axis=1), [arg((3, 4)), arg((2, 3), I(4))]),
    Case("take_flat", lambda x, i: mx.take(x, i), [arg((3, 4)), arg((5,), I(12))]),
    Case("take_scalar_index", lambda x: mx.take(x, 2, axis=0)),
    Case(
        "take_along_axis",
        lambda x, i: mx.take_along_axis(x, i, axis=1),
        [arg((3, 4)), arg((3, 5), I(4))],
        second=True,
    ),
    Case(
        "take_along_axis_flat",
        lambda x, i: mx.take_along_axis(x, i, axis=None),
        [arg((3, 4)), arg((6,), I(12))],
    ),
    Case(
        "put_along_axis",
        lambda x, i, v: mx.put_along_axis(x, i, v, axis=1),
        [arg((3, 4)), arg((3, 4), PERM(1)), arg((3, 4))],
    ),
    Case(
        "put_along_axis_partial",
        lambda x, v: mx.put_along_axis(x, mx.array([[0, 2]] * 3), v, axis=1),
        [arg((3, 4)), arg((3, 2))],
    ),
    Case("slice", lambda x: mx.slice(x, mx.array([1, 0]), (0, 1), (2, 3))),
    Case(
        "slice_update",
        lambda x, u: mx.slice_update(x, u, mx.array([1, 1]), (0, 1)),
        [arg((3, 4)), arg((2, 2))],
    ),
    Case("getitem_slices", lambda x: x[1:, ::2]),
    Case("getitem_negative", lambda x: x[::-2, 1:3]),
    Case("getitem_int", lambda x: x[1]),
    Case("getitem_ellipsis", lambda x: x[..., 2, None], [arg((2, 3, 4))]),
    Case("getitem_array", lambda x, i: x[i], [arg((3, 4)), arg((5,), I(3))], second=True),
    Case("getitem_array_slice", lambda x, i: x[i, 1:3], [arg((3, 4)), arg((2, 2), I(3))]),
    Case(
        "getitem_two_arrays", lambda x, i, j: x[i, :, j], [arg((3, 2, 4)), arg((5,), I(3)), arg((5,), I(4))]
    ),
    Case("setitem", lambda x, v: _setitem(x, v), [arg((3, 4)), arg((4,))]),
    Case("at_add", lambda x, i, v: x.at[i].add(v), [arg((3, 4)), arg((5,), I(3)), arg((5, 4))]),
    Case("at_subtract", lambda x, v: x.at[mx.array([0, 2, 0])].subtract(v), [arg((3, 4)), arg((3, 4))]),
    Case(
        "at_multiply", lambda x, v: x.at[mx.array([1, 2])].multiply(v), [arg((3, 4), AWAY), arg((2, 4), AWAY)]
    ),
    Case("at_divide", lambda x, v: x.at[mx.array([1, 0])].divide(v), [arg((3, 4), AWAY), arg((2, 4), AWAY)]),
    Case(
        "at_maximum",
        lambda x, v: x.at[mx.array([1, 0])].maximum(v),
        [arg((3, 4), SPREAD), arg((2, 4), SPREAD)],
    ),
    Case(
        "at_minimum",
        lambda x, v: x.at[mx.array([2, 0])].minimum(v),
        [arg((3, 4), SPREAD), arg((2, 4), SPREAD)],
    ),
)

# Sorting and scans.
add(
    Case("sort", lambda x: mx.sort(x, axis=1), [arg((3, 4), SPREAD)], second=True),
    Case("sort_flat", lambda x: mx.sort(x, axis=None), [arg((3, 4), SPREAD)]),
    Case("topk", lambda x: mx.topk(x, 2, axis=1), [arg((3, 4), SPREAD)]),
    Case("topk_axis0", lambda x: mx.topk(x, 2, axis=0), [arg((3, 4), SPREAD)]),
    Case("partition", lambda x: mx.sort(mx.partition(x, 1, axis=1), axis=1), [arg((3, 4), SPREAD)]),
    Case("cumsum", lambda x: mx.cumsum(x, axis=1)),
    Case("cumsum_reverse", lambda x: mx.cumsum(x, axis=0, reverse=True, inclusive=False)),
    Case("cumulative_sum", lambda x: mx.cumulative_sum(x, axis=0), requires="cumulative_sum"),
    Case(
        "cumulative_prod",
        lambda x: mx.cumulative_prod(x, axis=1),
        [arg((3, 4), AWAY)],
        requires="cumulative_prod",
    ),
    Case("cumprod", lambda x: mx.cumprod(x, axis=1), [arg((3, 4), AWAY)], second=True),
    Case(
        "cumprod_reverse", lambda x: mx.cumprod(x, axis=0, reverse=True, inclusive=False), [arg((3, 4), AWAY)]
    ),
    Case("cummax", lambda x: mx.cummax(x, axis=1), [arg((3, 4), SPREAD)]),
    Case("cummax_reverse", lambda x: mx.cummax(x, axis=0, reverse=True), [arg((3, 4), SPREAD)]),
    Case("cummin", lambda x: mx.cummin(x, axis=1), [arg((3, 4), SPREAD)]),
    Case("cummax_exclusive", lambda x: mx.cummax(x, axis=1, inclusive=False)[:, 1:], [arg((3, 4), SPREAD)]),
    Case(
        "cummin_exclusive_reverse",
        lambda x: mx.cummin(x, axis=0, reverse=True, inclusive=False)[:-1],
        [arg((3, 4), SPREAD)],
    ),
    Case("cumprod_with_zero", lambda x: mx.cumprod(x, axis=1), [arg((3, 4), ZERO_AT_1)]),
    Case(
        "cumprod_exclusive_with_zero",
        lambda x: mx.cumprod(x, axis=1, reverse=True, inclusive=False),
        [arg((3, 4), ZERO_AT_1)],
    ),
    Case("logcumsumexp", lambda x: mx.logcumsumexp(x, axis=1), second=True),
    Case("logcumsumexp_reverse", lambda x: mx.logcumsumexp(x, axis=0, reverse=True)),
)


# Convolutions, structured products and the fused ops of mx.fast.
add(
    Case(
        "conv1d",
        lambda x, w: mx.conv1d(x, w, stride=2, padding=1),
        [arg((2, 7, 2)), arg((3, 3, 2))],
        requires="conv1d",
        second=True,
    ),
    Case(
        "conv1d_groups",
        lambda x, w: mx.conv1d(x, w, dilation=2, groups=2),
        [arg((1, 7, 4)), arg((4, 2, 2))],
        requires="conv1d",
    ),
    Case(
        "conv2d",
        lambda x, w: mx.conv2d(x, w, stride=(2, 1), padding=1),
        [arg((1, 5, 4, 2)), arg((3, 3, 2, 2))],
        requires="conv2d",
    ),
    Case(
        "conv3d",
        lambda x, w: mx.conv3d(x, w, padding=(1, 0, 0)),
        [arg((1, 3, 3, 3, 1)), arg((2, 2, 2, 2, 1))],
        requires="conv3d",
    ),
    Case(
        "conv_general",
        lambda x, w: mx.conv_general(x, w, stride=1, padding=(1, 0), input_dilation=2, flip=True),
        [arg((1, 3, 4, 2)), arg((2, 2, 3, 2))],
        requires="conv_general",
    ),
    Case(
        "conv_transpose1d",
        lambda x, w: mx.conv_transpose1d(x, w, stride=2, padding=1),
        [arg((1, 4, 2)), arg((3, 3, 2))],
        requires="conv_transpose1d",
    ),
    Case(
        "conv_transpose2d",
        lambda x, w: mx.conv_transpose2d(x, w, stride=2, output_padding=1),
        [arg((1, 3, 2, 2)), arg((2, 2, 3, 2))],
        requires="conv_transpose2d",
    ),
    Case("convolve_full", mx.convolve, [arg((5,)), arg((3,))], requires="convolve"),
    Case(
        "convolve_same",
        lambda a, v: mx.convolve(a, v, mode="same"),
        [arg((6,)), arg((3,))],
        requires="convolve",
    ),
    Case(
        "convolve_valid",
        lambda a, v: mx.convolve(a, v, mode="valid"),
        [arg((3,)), arg((5,))],
        requires="convolve",
    ),
    # float32 only (as MLX); linear, so a large step keeps differences exact.
    Case(
        "hadamard_transform",
        lambda x: mx.hadamard_transform(x.astype(mx.float32), scale=0.5).astype(mx.float64),
        [arg((3, 8))],
        requires="hadamard_transform",
        eps=0.5,
        rtol=1e-4,
        atol=1e-5,
    ),
    Case(
        "gather_mm",
        lambda a, b, li, ri: mx.gather_mm(a, b, li, ri),
        [arg((2, 3, 4)), arg((3, 4, 2)), arg((3,), I(2)), arg((3,), I(3))],
        requires="gather_mm",
    ),
    Case(
        "segmented_mm",
        lambda a, b: mx.segmented_mm(a, b, mx.array([[0, 2], [2, 6], [3, 3]])),
        [arg((3, 6)), arg((6, 2))],
        requires="segmented_mm",
    ),
    Case("minmax", lambda x: mx.minmax(x, axis=1), [arg((3, 4), SPREAD)], requires="minmax"),
    Case(
        "conv_transpose3d",
        lambda x, w: mx.conv_transpose3d(x, w, stride=(2, 1, 1), padding=(0, 1, 0)),
        [arg((1, 2, 3, 2, 2)), arg((2, 2, 3, 2, 2))],
        requires="conv_transpose3d",
    ),
    # float32 only (as MLX); bilinear in a and b, so a large step keeps
    # central differences exact (the mask, a third factor, stays fixed).
    Case(
        "block_masked_mm",
        lambda a, b, ml: mx.block_masked_mm(
            a.astype(mx.float32),
            b.astype(mx.float32),
            32,
            mx.array([[True], [False]]),
            ml.astype(mx.float32),
            None,
        ).astype(mx.float64),
        [arg((64, 64)), arg((64, 32)), arg((2, 2))],
        diff=(0, 1),
        requires="block_masked_mm",
        eps=0.5,
        rtol=1e-4,
        atol=1e-4,
    ),
    Case(
        "compile",
        lambda x, y: mx.compile(lambda a, b: mx.sin(a) * b + a)(x, y),
        [arg((3, 4)), arg((3, 4))],
        requires="compile",
        second=True,
    ),
    Case("depends", lambda x: mx.depends(x * 2.0, x), requires="depends"),
    Case(
        "checkpoint", lambda x, y: mx.checkpoint(lambda a, b: mx.sin(a) * b)(x, y), [arg((3, 4)), arg((3, 4))]
    ),
    Case("full_like", lambda x: mx.full_like(x, 2.0) * x, requires="full_like"),
    Case(
        "fast_rms_norm",
        lambda x, w: mx.fast.rms_norm(x, w, 1e-5),
        [arg((3, 4)), arg((4,))],
        requires="fast.rms_norm",
    ),
    Case(
        "fast_layer_norm",
        lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5),
        [arg((3, 4)), arg((4,)), arg((4,))],
        requires="fast.layer_norm",
    ),
    Case(
        "fast_rope",
        lambda x: mx.fast.rope(x, 4, traditional=False, base=100.0, scale=1.0, offset=1),
        [arg((1, 3, 4))],
        requires="fast.rope",
    ),
    Case(
        "fast_sdpa",
        lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.5),
        [arg((1, 2, 3, 4)), arg((1, 2, 5, 4)), arg((1, 2, 5, 4))],
        requires="fast.scaled_dot_product_attention",
    ),
)


# Edge shapes: 0-d inputs, empty arrays, unusual slices.
add(
    Case("exp_scalar", mx.exp, [arg(())]),
    Case("multiply_scalar_array", mx.multiply, [arg(()), arg((3, 4))]),
    Case("sum_scalar", mx.sum, [arg(())]),
    Case("matmul_scalar_result", lambda a, b: a @ b, [arg((4,)), arg((4,))]),
    Case("sum_empty", lambda x: mx.sum(x, axis=0), [arg((0, 4))]),
    Case("matmul_empty_inner", mx.matmul, [arg((3, 0)), arg((0, 2))]),
    Case("concatenate_empty", lambda a, b: mx.concatenate([a, b]), [arg((0, 4)), arg((3, 4))]),
    Case("slice_step3", lambda x: x[::3, ::-3], [arg((7, 5))]),
    Case("slice_negative_range", lambda x: x[-1:0:-2], [arg((7, 3))]),
    Case("slice_empty", lambda x: x[5:, 1:] + 0.0, [arg((3, 4))]),
    Case("slice_newaxis", lambda x: x[None, :, None, 1::2]),
    Case("take_empty_indices", lambda x: mx.take(x, mx.array([], mx.int32), axis=0) + 0.0),
    Case("reshape_empty", lambda x: mx.reshape(x, (2, 0, 3)), [arg((0, 6))]),
)


def _setitem(x, v):
    y = x * 1.0
    y[1] = v
    return y


# Ops that refuse to differentiate: (id, function of one float64 (3, 4) array,
# modes that raise, exception type, text the message must contain).
RAISES = [
    ("view", lambda x: mx.view(x, mx.int64), ("vjp", "jvp"), ValueError, "View"),
]


# Gradients at kinks, ties, zeros and infinities, where the derivative is a
# convention: (id, function, inputs, argnums). EXPECTED holds MLX 0.32.4's
# answers (read off it; NaN compares equal to NaN).
def _g(f, *xs, argnums=0):
    return (f, [np.asarray(x, np.float32) for x in xs], argnums)


_W3 = [1.0, 2.0, 3.0]
SPECIAL = {
    "abs_at_zero": _g(lambda x: mx.abs(x).sum(), [0.0, -1.0, 2.0]),
    "maximum_tie": _g(lambda x, y: mx.maximum(x, y).sum(), [1.0, 2.0], [1.0, 3.0], argnums=(0, 1)),
    "minimum_tie": _g(lambda x, y: mx.minimum(x, y).sum(), [1.0, 2.0], [1.0, 3.0], argnums=(0, 1)),
    "relu_at_zero": _g(lambda x: mx.maximum(x, 0.0).sum(), [0.0, 1.0, -1.0]),
    "max_tie": _g(lambda x: mx.max(x), [1.0, 3.0, 3.0]),
    "min_tie_rows": _g(lambda x: mx.min(x, axis=1).sum(), [[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]]),
    "sort_tie": _g(lambda x: (mx.sort(x) * mx.array(_W3)).sum(), [2.0, 1.0, 2.0]),
    "clip_at_bounds": _g(lambda x: mx.clip(x, 0.0, 1.0).sum(), [0.0, 1.0, 0.5, 2.0]),
    "sqrt_at_zero": _g(lambda x: mx.sqrt(x).sum(), [0.0, 1.0]),
    "where_sqrt_negative": _g(lambda x: mx.where(x > 0, mx.sqrt(x), 0.0).sum(), [-1.0, 4.0]),
    "power_at_zero": _g(lambda x: mx.power(x, 2.0).sum(), [0.0, -2.0]),
    "power_exponent_zero_base": _g(lambda y: mx.power(mx.array([0.0, 0.0, 2.0]), y).sum(), [2.0, 0.0, 1.0]),
    "power_exponent_negative_base": _g(lambda y: mx.power(mx.array([-2.0]), y).sum(), [3.0]),
    "power_zero_zero": _g(lambda x: mx.power(x, 0.0).sum(), [0.0]),
    "logsumexp_neg_inf": _g(lambda x: mx.logsumexp(x), [-np.inf, 0.0]),
    "logaddexp_neg_inf": _g(lambda x: mx.logaddexp(x, mx.array(-np.inf)).sum(), [0.0]),
    "prod_two_zeros": _g(lambda x: mx.prod(x), [0.0, 0.0, 2.0]),
    "prod_one_zero": _g(lambda x: mx.prod(x), [3.0, 0.0, 2.0]),
    "std_constant": _g(lambda x: mx.std(x), [1.0, 1.0]),
    "remainder_divisor": _g(lambda b: mx.remainder(mx.array([5.0, -5.0]), b).sum(), [3.0, 3.0]),
    "remainder_negative": _g(lambda a: mx.remainder(a, mx.array([-3.0, 3.0])).sum(), [5.0, -5.0]),
    "cummax_tie": _g(lambda x: (mx.cummax(x) * mx.array([1.0, 2.0, 3.0, 4.0])).sum(), [1.0, 1.0, 0.0, 1.0]),
    "cummin_tie": _g(lambda x: (mx.cummin(x) * mx.array([1.0, 2.0, 3.0, 4.0])).sum(), [1.0, 1.0, 2.0, 1.0]),
    "topk_tie": _g(lambda x: (mx.topk(x, 2) * mx.array([1.0, 2.0])).sum(), [3.0, 3.0, 1.0]),
    "median_even": _g(lambda x: mx.median(x), [1.0, 4.0, 2.0, 3.0]),
    "median_tie": _g(lambda x: mx.median(x), [1.0, 2.0, 2.0]),
    "at_maximum_tie": _g(lambda x: x.at[mx.array([0, 0])].maximum(mx.array([1.0, 1.0])).sum(), [1.0, 2.0]),
    "sign_at_zero": _g(lambda x: (mx.sign(x) * x).sum(), [0.0, -2.0]),
    "sigmoid_saturated": _g(lambda x: mx.sigmoid(x).sum(), [100.0, -100.0]),
    "clip_nan": _g(lambda x: mx.clip(x, 0.0, 1.0).sum(), [np.nan]),
    "max_nan": _g(lambda x: mx.max(x), [np.nan, 1.0]),
    "maximum_nan": _g(lambda x: mx.maximum(x, mx.array([1.0, np.nan])).sum(), [np.nan, 1.0]),
    "cast_to_int": _g(lambda x: mx.abs(x.astype(mx.int32)).astype(mx.float32).sum(), [-1.5, 2.5]),
    "nan_to_num_inf": _g(lambda x: mx.nan_to_num(x).sum(), [np.inf, np.nan, 1.0]),
    "logcumsumexp_large": _g(lambda x: (mx.logcumsumexp(x) * mx.array(_W3)).sum(), [100.0, 101.0, 102.0]),
    "logcumsumexp_very_negative": _g(
        lambda x: (mx.logcumsumexp(x) * mx.array(_W3)).sum(), [-100.0, -101.0, -102.0]
    ),
    "logsumexp_large": _g(lambda x: mx.logsumexp(x), [1000.0, 1010.0, 1020.0]),
    "softmax_large": _g(lambda x: (mx.softmax(x) * mx.array(_W3)).sum(), [1000.0, 1001.0, 999.0]),
}
# jvp at ties: (function, primal, tangent).
SPECIAL_JVP = {
    "max_tie_first": (lambda a: mx.max(a), [[1.0, 3.0], [3.0, 0.0]], [[10.0, 1.0], [2.0, 5.0]]),
    "min_tie_first": (lambda a: mx.min(a, axis=1), [[1.0, 1.0, 2.0]], [[4.0, 8.0, 1.0]]),
    "clip_at_bounds": (lambda a: mx.clip(a, 0.0, 1.0), [0.0, 1.0, 0.5], [1.0, 1.0, 1.0]),
    "maximum_tie": (lambda a: mx.maximum(a, mx.array([1.0, 1.0])), [1.0, 2.0], [10.0, 10.0]),
    "logcumsumexp_large": (lambda a: mx.logcumsumexp(a), [100.0, 101.0, 102.0], [1.0, -2.0, 0.5]),
}

NAN, INF = float("nan"), float("inf")
EXPECTED = {
    "abs_at_zero": [[0.0, -1.0, 1.0]],
    "maximum_tie": [[0.0, 0.0], [1.0, 1.0]],
    "minimum_tie": [[0.0, 1.0], [1.0, 0.0]],
    "relu_at_zero": [[0.0, 1.0, 0.0]],
    "max_tie": [[0.0, 0.5, 0.5]],
    "min_tie_rows": [[[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]],
    "sort_tie": [[2.0, 1.0, 3.0]],
    "clip_at_bounds": [[0.0, 0.0, 1.0, 0.0]],
    "sqrt_at_zero": [[INF, 0.5]],
    "where_sqrt_negative": [[NAN, 0.25]],
    "power_at_zero": [[0.0, -4.0]],
    "power_exponent_zero_base": [[0.0, -INF, 1.3862943649291992]],
    "power_exponent_negative_base": [[NAN]],
    "power_zero_zero": [[NAN]],
    "logsumexp_neg_inf": [[0.0, 1.0]],
    "logaddexp_neg_inf": [[1.0]],
    "prod_two_zeros": [[0.0, 0.0, 0.0]],
    "prod_one_zero": [[0.0, 6.0, 0.0]],
    "std_constant": [[NAN, NAN]],
    "remainder_divisor": [[-1.0, 2.0]],
    "remainder_negative": [[1.0, 1.0]],
    "cummax_tie": [[1.0, 5.0, 0.0, 4.0]],
    "cummin_tie": [[1.0, 5.0, 0.0, 4.0]],
    "topk_tie": [[1.0, 2.0, 0.0]],
    "median_even": [[0.0, 0.0, 0.5, 0.5]],
    "median_tie": [[0.0, 1.0, 0.0]],
    "at_maximum_tie": [[1.0, 1.0]],
    "sign_at_zero": [[0.0, -1.0]],
    "sigmoid_saturated": [[0.0, 0.0]],
    "clip_nan": [[0.0]],
    "max_nan": [[NAN, NAN]],
    "maximum_nan": [[0.0, 0.0]],
    "cast_to_int": [[-1.0, 1.0]],
    "nan_to_num_inf": [[0.0, 0.0, 1.0]],
    "logcumsumexp_large": [[1.807977557182312, 2.1962990760803223, 1.9957139492034912]],
    "logcumsumexp_very_negative": [[4.457818031311035, 1.2720613479614258, 0.2700905203819275]],
    "logsumexp_large": [[2.0610597672998665e-09, 4.539786823443137e-05, 0.9999545812606812]],
    "softmax_large": [[-0.2068694829940796, 0.10291135311126709, 0.10395810008049011]],
}
EXPECTED_JVP = {
    "max_tie_first": 1.0,
    "min_tie_first": [4.0],
    "clip_at_bounds": [0.0, 0.0, 1.0],
    "maximum_tie": [0.0, 10.0],
    "logcumsumexp_large": [1.0, -1.1931722164154053, -0.06680315732955933],
}


# Complex inputs (complex64): (id, function, input shapes). MLX's convention:
# jvp is the derivative along a real step; vjp(c) is dL/dRe z + i dL/dIm z
# for L = Re(sum(conj(c) * f(z))).
def _cw(x):
    return x * mx.array(np.array([0.5 - 1.0j, 1.5 + 0.25j, -1.0 + 0.5j, 2.0j], np.complex64))


COMPLEX = [
    ("add", lambda a, b: a + b, [(3, 4), (3, 4)]),
    ("subtract", lambda a, b: a - b, [(3, 4), (4,)]),
    ("multiply", lambda a, b: a * b, [(3, 4), (3, 4)]),
    ("divide", lambda a, b: a / (b + 2.0), [(3, 4), (3, 4)]),
    ("square", mx.square, [(3, 4)]),
    ("exp", mx.exp, [(3, 4)]),
    ("sin", mx.sin, [(3, 4)]),
    ("cos", mx.cos, [(3, 4)]),
    ("abs", mx.abs, [(3, 4)]),
    ("real", mx.real, [(3, 4)]),
    ("imag", mx.imag, [(3, 4)]),
    ("conj", mx.conj, [(3, 4)]),
    ("conj_weighted", lambda a: _cw(mx.conj(a)), [(3, 4)]),
    ("sum", lambda a: _cw(a).sum(axis=0), [(3, 4)]),
    ("prod", lambda a: mx.prod(a, axis=1), [(3, 4)]),
    ("matmul", mx.matmul, [(3, 4), (4, 2)]),
    ("transpose_reshape", lambda a: _cw(a.T.reshape(4, 3).T), [(4, 3)]),
    ("slice", lambda a: _cw(a[::-1, 1:]), [(3, 5)]),
    ("take", lambda a: _cw(mx.take(a, mx.array([2, 0, 2]), axis=0)), [(3, 4)]),
    ("concatenate", lambda a, b: mx.concatenate([a, b]) * 1j, [(1, 4), (2, 4)]),
    ("astype_real", lambda a: (a * 1j).astype(mx.float32), [(3, 4)]),
    ("cumsum", lambda a: mx.cumsum(_cw(a), axis=1), [(3, 4)]),
    ("cumprod", lambda a: mx.cumprod(a, axis=1), [(3, 4)]),
    ("at_add", lambda a, v: _cw(a.at[mx.array([0, 2, 0])].add(v)), [(3, 4), (3, 4)]),
    ("at_multiply", lambda a, v: a.at[mx.array([0, 2, 0])].multiply(v), [(3, 4), (3, 4)]),
    ("einsum", lambda a, b: mx.einsum("ij,kj->ik", a, b), [(3, 4), (2, 4)]),
    ("outer", mx.outer, [(3,), (4,)]),
    ("kron", mx.kron, [(2, 2), (2, 3)]),
    ("tensordot", lambda a, b: mx.tensordot(a, b, axes=1), [(3, 4), (4, 2)]),
    ("where", lambda a, b: mx.where(mx.array([True, False, True, False]), a, b), [(3, 4), (3, 4)]),
    ("pad_repeat", lambda a: _cw(mx.repeat(mx.pad(a, ((1, 0), (0, 0))), 1, axis=0)), [(2, 4)]),
    ("mean", lambda a: mx.mean(a, axis=0), [(3, 4)]),
    ("sqrt", mx.sqrt, [(3, 4)]),
    ("log", mx.log, [(3, 4)]),
    ("power", lambda a: mx.power(a, 2.0), [(3, 4)]),
]
