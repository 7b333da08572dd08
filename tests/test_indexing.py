"""Gather/scatter-based ops and Python indexing against NumPy: take,
take_along_axis, put_along_axis, dynamic slice/slice_update, unique,
advanced indexing, __setitem__ and array.at."""

import numpy as np
import pytest

import mlx.core as mx


def check(out, ref):
    assert tuple(out.shape) == tuple(np.shape(ref)), (out.shape, np.shape(ref))
    np.testing.assert_array_equal(np.array(out), ref)


N = np.arange(60).reshape(3, 4, 5).astype(np.int32)


@pytest.mark.parametrize(
    "dtype", [mx.bool_, mx.uint8, mx.int16, mx.int64, mx.float16, mx.float32, mx.complex64]
)
def test_take_dtypes(dtype):
    a = mx.array(N).astype(dtype)
    n = np.array(a.astype(mx.float32) if dtype in (mx.float16,) else a)
    idx = np.array([[2, 0], [1, 1]])
    for axis in [0, 1, 2, -1]:
        ref = np.take(n, np.clip(idx, 0, n.shape[axis] - 1), axis=axis)
        out = mx.take(a, mx.array(idx), axis=axis)
        assert out.dtype == dtype
        np.testing.assert_array_equal(np.array(out.astype(mx.float32) if dtype == mx.float16 else out), ref)


def test_take_variants():
    a = mx.array(N)
    check(mx.take(a, mx.array([7, -1, 3])), np.take(N, [7, -1, 3]))
    check(mx.take(a, 2), np.take(N, 2))
    check(mx.take(a, 1, axis=1), np.take(N, 1, axis=1))
    check(mx.take(a, mx.array(2), axis=2), np.take(N, 2, axis=2))
    check(
        mx.take(a.transpose(2, 0, 1), mx.array([[0], [4]], mx.uint8), axis=0),
        np.take(N.transpose(2, 0, 1), [[0], [4]], axis=0),
    )
    check(mx.take(a[:, ::2], mx.array([1, 0]), axis=1), np.take(N[:, ::2], [1, 0], axis=1))
    check(mx.take(mx.array(3), mx.array([0])), np.array([3]))
    assert mx.take(mx.zeros((0, 3)), mx.array([], mx.int32), axis=0).shape == (0, 3)
    with pytest.raises(ValueError, match=r"^\[gather\]"):
        mx.take(a, mx.array([0.5]))
    with pytest.raises(IndexError, match=r"^\[take\]"):
        mx.take(a, mx.array([1]), axis=3)


def test_take_put_along_axis():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    a = mx.array(x)
    for axis in [0, 1, 2, -1]:
        idx = np.argsort(x, axis=axis)
        check(mx.take_along_axis(a, mx.array(idx), axis=axis), np.take_along_axis(x, idx, axis=axis))
        small = np.take(idx, [0], axis=axis)
        check(mx.take_along_axis(a, mx.array(small), axis=axis), np.take_along_axis(x, small, axis=axis))
        y = x.copy()
        np.put_along_axis(y, small, -1.0, axis=axis)
        check(mx.put_along_axis(a, mx.array(small), mx.array(-1.0), axis=axis), y)
    flat = np.array([3, 7])
    check(mx.take_along_axis(a, mx.array(flat), axis=None), np.take_along_axis(x.ravel(), flat, axis=0))
    y = x.copy().ravel()
    y[flat] = 5
    check(mx.put_along_axis(a, mx.array(flat), mx.array(5.0), axis=None), y.reshape(x.shape))
    # broadcast index over a non-axis dim
    check(mx.take_along_axis(a, mx.array([[[1]]]), axis=1), np.take_along_axis(x, np.array([[[1]]]), 1))
    with pytest.raises(ValueError, match=r"^\[take_along_axis\]"):
        mx.take_along_axis(a, mx.array([1]), axis=0)
    with pytest.raises(ValueError, match=r"^\[put_along_axis\]"):
        mx.put_along_axis(a, mx.array([1]), mx.array(1.0), axis=0)


def test_dynamic_slice_and_update():
    b = mx.arange(12).reshape(3, 4)
    check(mx.slice(b, mx.array([1, 1]), [0, 1], [2, 2]), np.arange(12).reshape(3, 4)[1:3, 1:3])
    check(mx.slice(b, mx.array(1), [0], [2, 4]), np.arange(12).reshape(3, 4)[1:3])
    ref = np.arange(12).reshape(3, 4)
    ref[1, 1:3] = [7, 8]
    check(mx.slice_update(b, mx.array([[7, 8]]), mx.array([1, 1]), [0, 1]), ref)
    check(mx.slice_update(b, mx.array([7, 8]), mx.array([1, 1]), [0, 1]), ref)
    with pytest.raises(ValueError, match=r"^\[slice\]"):
        mx.slice(b, mx.array([1]), [0, 1], [2, 2])
    with pytest.raises(ValueError, match=r"^\[slice\]"):
        mx.slice(b, mx.array([1, 1]), [0, 1], [5, 2])
    with pytest.raises(ValueError, match=r"^\[slice\]"):
        mx.slice(b, mx.array([1.0, 1]), [0, 1], [2, 2])
    with pytest.raises(IndexError, match=r"^\[slice\]"):
        mx.slice(b, mx.array([1]), [2], [2, 4])
    with pytest.raises(ValueError, match=r"^\[slice_update\]"):
        mx.slice_update(b, mx.ones((1, 2)), mx.array([1]), [0, 1])


def test_unique():
    a = mx.array([2, 1, 2, 3, 1])
    check(mx.unique(a, 3), np.array([1, 2, 3]))
    check(mx.unique(a, 5), np.array([1, 2, 3, 1, 1]))
    v, i, inv, c = mx.unique(a, 4, True, True, True, fill_value=0)
    check(v, np.array([1, 2, 3, 0]))
    check(i, np.array([1, 0, 3, 1]))
    check(inv, np.array([1, 0, 1, 2, 0]))
    check(c, np.array([2, 2, 1, 0]))
    assert i.dtype == mx.uint32 and inv.dtype == mx.uint32 and c.dtype == mx.int32
    # truncated output keeps the smallest values
    v, c = mx.unique(a, 2, return_counts=True)
    check(v, np.array([1, 2]))
    check(c, np.array([2, 2]))
    x = np.random.default_rng(1).integers(0, 10, (6, 7))
    u, ui, uinv, uc = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    v, i, inv, c = mx.unique(mx.array(x), len(u), True, True, True)
    check(v, u)
    check(i, ui)
    check(inv, uinv.reshape(x.shape))
    check(c, uc)


def test_advanced_getitem():
    a = mx.array(N)
    for idx in [
        (0, slice(None), [1, 2]),
        ([0, 1], slice(None), [1, 2]),
        (slice(None), [0, 1], [1, 2]),
        (None, [0, 1], None, [1, 2]),
        ([0, 1], None, [1, 2]),
        (Ellipsis, [1, 2]),
        (np.array([[0], [1]]), np.array([1, 2])),
        ([0, 1], 1),
        (1, [0, 1]),
        (slice(None), 1, [0, 1]),
        (slice(None, None, 2), [[0]], slice(1, 3)),
        ([[0, 1]],),
        ([-1, 0], slice(None, None, -1)),
        (np.array([], np.int32),),
    ]:
        mx_idx = tuple(mx.array(i) if isinstance(i, np.ndarray) else i for i in idx)
        check(a[mx_idx], N[idx])
    check(a[mx.array(1)], N[1])
    check(a[mx.array([0, 2], mx.uint8)], N[[0, 2]])
    check(a.T[[1, 0]], N.T[[1, 0]])
    # Boolean masks are supported (tests/test_data_dependent.py).
    with pytest.raises(ValueError):
        a[1.5]
    with pytest.raises(ValueError):  # MLX 0.32.4: "Too many indices for array with 3 dimensions."
        a[[0], [0], [0], [0]]


def test_setitem():
    def both(stmt, value):
        n = np.arange(12).reshape(3, 4).astype(np.int32)
        b = mx.array(n)
        alias = b
        exec(stmt, {"b": b, "v": mx.array(value) if isinstance(value, np.ndarray) else value})
        exec(stmt, {"b": n, "v": value})
        check(b, n)
        check(alias, n)  # in place: every handle sees the update

    both("b[0] = v", 5)
    both("b[:, 1] = v", np.array([7, 8, 9]))
    both("b[[0, 2]] = v", 0)
    both("b[1:, [0, 3]] = v", np.array([[1, 2], [3, 4]]))
    both("b[None, 0] = v", 1)
    both("b[::-1, 0] = v", np.array([1, 2, 3]))
    both("b[..., -1] = v", np.array([1, 2, 3]))
    both("b[b > 5] = v", 0)
    both("b[1, ::2] = v", np.array([10, 20]))
    b = mx.arange(12).reshape(3, 4)
    b[0] = 1.5
    assert b.dtype == mx.int32 and b[0].tolist() == [1, 1, 1, 1]
    b[0] = mx.ones((1, 1, 4))
    b[[0, 0], [1, 1]] = mx.array([1, 2])
    assert b[0, 1].item() in (1, 2)
    with pytest.raises(ValueError):
        b[0] = mx.ones((2, 4))


def test_array_at():
    b = mx.arange(4)
    check(b.at[mx.array([0, 0, 1])].add(1), np.array([2, 2, 2, 3]))
    check(b.at[mx.array([0, 0, 1])].multiply(2), np.array([0, 2, 2, 3]))
    check(b.at[1:].subtract(1), np.array([0, 0, 1, 2]))
    check(b.at[mx.array([0, 0])].maximum(mx.array([5, 7])), np.array([7, 1, 2, 3]))
    check(b.at[mx.array([3, 3])].minimum(mx.array([1, 0])), np.array([0, 1, 2, 0]))
    f = mx.ones((2, 3))
    check(f.at[:, [0, 0]].divide(2.0), np.array([[0.25, 1, 1]] * 2, np.float32))
    check(b, np.arange(4))  # not in place
    x = np.zeros((3, 4), np.float32)
    idx = np.array([0, 2, 0])
    np.add.at(x, (idx, slice(None)), 1.0)
    check(mx.zeros((3, 4)).at[mx.array(idx), :].add(1.0), x)
    assert type(b.at).__name__ == "ArrayAt"


def test_gather_scatter_large():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2000, 64)).astype(np.float32)
    idx = rng.integers(0, 2000, 5000)
    check(mx.take(mx.array(x), mx.array(idx), axis=0), x[idx])
    y = np.zeros((2000, 64), np.float32)
    np.add.at(y, idx, x[: len(idx) % 2000 or 1][:1])
    out = mx.zeros((2000, 64)).at[mx.array(idx)].add(mx.array(x[:1]))
    np.testing.assert_allclose(np.array(out), y, rtol=1e-5)


# MLX 0.32.4 refuses a derivative with respect to indices that depend on what
# is differentiated ("[gather] Cannot calculate VJP with respect to indices.
# Use stop_gradient on indices ..."); stop_gradient on them makes it work.
_X = mx.array([1.0, 2.0, 3.0, 4.0])
_I = mx.array([1, 3])
_U = mx.array([5.0, 6.0])
INDEX_GRAD_CASES = {
    "take": lambda: mx.vjp(lambda x, i: mx.take(x, i), [_X, _I], [mx.ones((2,))]),
    "getitem": lambda: mx.vjp(lambda x, i: x[i], [_X, _I.astype(mx.uint32)], [mx.ones((2,))]),
    "indices_only": lambda: mx.vjp(lambda i: mx.take(_X, i), [_I], [mx.ones((2,))]),
    "take_along_axis": lambda: mx.vjp(
        lambda x, i: mx.take_along_axis(x, i, axis=0), [_X[:, None], _I[:, None]], [mx.ones((2, 1))]
    ),
    "scatter_add": lambda: mx.vjp(lambda x, i, u: x.at[i].add(u), [_X, _I, _U], [mx.ones((4,))]),
    "put_along_axis": lambda: mx.vjp(
        lambda x, i, u: mx.put_along_axis(x, i, u, axis=0),
        [_X[:, None], _I[:, None], _U[:, None]],
        [mx.ones((4, 1))],
    ),
    "jvp_take": lambda: mx.jvp(
        lambda x, i: mx.take(x, i), [_X, _I], [mx.ones((4,)), mx.ones((2,), dtype=mx.int32)]
    ),
    "computed": lambda: mx.grad(lambda w: mx.take(w, mx.argsort(w)[:2]).sum())(_X),
    "gather_mm": lambda: mx.grad(
        lambda w: mx.gather_mm(
            mx.ones((4, 1, 2, 2)), mx.ones((4, 1, 2, 2)), None, mx.reshape(mx.argsort(w)[:2], (1, 2))
        ).sum()
    )(_X),
}


@pytest.mark.parametrize("name", list(INDEX_GRAD_CASES))
def test_index_derivative_needs_stop_gradient(name):
    mode = "JVP" if name.startswith("jvp") else "VJP"
    with pytest.raises(
        ValueError, match=f"Cannot calculate {mode} with respect to indices. Use stop_gradient"
    ):
        mx.eval(INDEX_GRAD_CASES[name]())


def test_index_derivative_with_stop_gradient():
    w = mx.array([4.0, 3.0, 2.0, 1.0])
    g = mx.grad(lambda w: mx.take(w, mx.stop_gradient(mx.argsort(w)[:2])).sum())(w)
    check(g, np.array([0.0, 0.0, 1.0, 1.0], np.float32))
    # Indices given as constants are not differentiated: MLX's values.
    _, (gx, gi) = mx.vjp(lambda x, i: mx.take(x, mx.stop_gradient(i)), [_X, _I], [mx.ones((2,))])
    check(gx, np.array([0.0, 1.0, 0.0, 1.0], np.float32))
    check(gi, np.zeros(2, np.int32))
    a = mx.ones((4, 1, 2, 2))

    def stopped(w):
        idx = mx.stop_gradient(mx.reshape(mx.argsort(w)[:2], (1, 2)))
        return mx.gather_mm(a, a, idx, idx).sum()

    check(mx.grad(stopped)(mx.array([3.0, 1.0, 2.0, 0.0])), np.zeros(4, np.float32))
    # Rules that build indices themselves (sort, max, cummax, unique) keep working.
    x = mx.array([[3.0, 1.0, 2.0]])
    check(mx.grad(lambda x: (mx.sort(x, axis=1) * mx.array([1.0, 2.0, 3.0])).sum())(x), [[3.0, 1.0, 2.0]])
    check(mx.grad(lambda x: mx.max(x))(x), [[1.0, 0.0, 0.0]])
    check(mx.grad(lambda x: mx.cummax(x, axis=1).sum())(x), [[3.0, 0.0, 0.0]])
    hess = mx.grad(lambda x: mx.grad(lambda y: (mx.sort(y, axis=1) ** 3).sum())(x).sum())(x)
    check(hess, 6 * np.array(x))
    g = mx.grad(lambda x: mx.unique(x, size=3).sum())(mx.array([3.0, 1.0, 2.0]))
    check(g, np.ones(3, np.float32))


def test_unique_gradient_goes_to_first_occurrences():
    # MLX 0.32.4's values: a repeated value's gradient goes to its first
    # occurrence; padding slots take the fill (by default the smallest value,
    # whose first occurrence gets their gradient).
    x = mx.array([3.0, 1.0, 3.0, 2.0])
    w = mx.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    recorded = {
        3: ([100.0, 1.0, 0.0, 10.0], [100.0, 1.0, 0.0, 10.0]),
        5: ([100.0, 11001.0, 0.0, 10.0], [100.0, 1.0, 0.0, 10.0]),
        2: ([0.0, 1.0, 0.0, 10.0], [0.0, 1.0, 0.0, 10.0]),
    }
    for size, (plain, filled) in recorded.items():
        check(mx.grad(lambda x: (mx.unique(x, size=size) * w[:size]).sum())(x), np.array(plain, np.float32))
        g = mx.grad(lambda x: (mx.unique(x, size, fill_value=mx.array(7.0)) * w[:size]).sum())(x)
        check(g, np.array(filled, np.float32))
    gf = mx.grad(lambda f: (mx.unique(x, 5, fill_value=f) * w).sum())(mx.array(7.0))
    assert gf.item() == 11000.0
    values, index, inverse, counts = mx.unique(x, 5, True, True, True)
    check(values, np.array([1, 2, 3, 1, 1], np.float32))
    check(index, np.array([1, 3, 0, 1, 1], np.uint32))
    check(inverse, np.array([2, 0, 2, 1], np.uint32))
    check(counts, np.array([1, 1, 2, 0, 0], np.int32))


def test_slice_only_indices_match_numpy():
    # Plain slices with at most one Ellipsis take a direct path; empty,
    # reversed and out-of-range slices, NumPy-integer or too big parts, ints and
    # new axes take the general one: both agree with NumPy.
    a = np.arange(2 * 3 * 5 * 4, dtype=np.float32).reshape(2, 3, 5, 4)
    m = mx.array(a)
    cases = [
        slice(None),
        (Ellipsis, slice(1, 3), slice(None)),
        (slice(-3, None), slice(None, None, 2)),
        (slice(0, 100),),
        (Ellipsis, slice(None, None, 3)),
        (slice(1, 2), Ellipsis, slice(2, None)),
        (slice(3, 1),),
        (slice(None, None, -1), slice(1, 3)),
        (slice(np.int64(1), None), Ellipsis),
        (Ellipsis, slice(1, 3), None),
        (slice(None), 1, slice(None, 2)),
    ]
    for idx in cases:
        np.testing.assert_array_equal(np.array(m[idx]), a[idx])
    with pytest.raises(ValueError):
        m[slice(None), slice(None), slice(None), slice(None), slice(None)]
    with pytest.raises(ValueError):
        m[..., slice(None), ...]
    with pytest.raises(ValueError, match="32-bit"):  # as MLX
        m[slice(-(2**40), 2**40)]
