"""Sorting, partitioning, searchsorted, scans and median against NumPy."""

import numpy as np
import pytest

import mlx.core as mx

DTYPES = [mx.uint8, mx.int16, mx.int32, mx.int64, mx.float16, mx.bfloat16, mx.float32]


def npy(x):
    return np.array(x.astype(mx.float32) if x.dtype in (mx.bfloat16,) else x)


def check(out, ref, rtol=1e-5):
    assert tuple(out.shape) == tuple(np.shape(ref)), (out.shape, np.shape(ref))
    np.testing.assert_allclose(
        npy(out).astype(np.float64), np.asarray(ref).astype(np.float64), rtol=rtol, atol=1e-5
    )


def sample(dtype, shape=(4, 5, 6)):
    x = np.random.default_rng(0).integers(0, 50, shape)
    return mx.array(x).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_argsort(dtype):
    a = sample(dtype)
    n = npy(a)
    for axis in [0, 1, -1, None]:
        out = mx.sort(a, axis=axis)
        assert out.dtype == dtype
        check(out, np.sort(n, axis=axis))
        idx = mx.argsort(a, axis=axis)
        assert idx.dtype == mx.uint32
        check(idx, np.argsort(n, axis=axis, kind="stable"))
    check(mx.sort(a.transpose(2, 0, 1), axis=1), np.sort(n.transpose(2, 0, 1), axis=1))
    check(mx.sort(a[:, ::2], axis=1), np.sort(n[:, ::2], axis=1))


def test_sort_special():
    x = np.array([3.0, np.nan, 1.0, -np.inf, 2.0], np.float32)
    check(mx.sort(mx.array(x)), np.sort(x))
    check(mx.argsort(mx.array(x)), np.argsort(x, kind="stable"))
    check(mx.sort(mx.array([True, False, True])), np.array([False, True, True]))
    assert mx.sort(mx.zeros((0, 3)), axis=0).shape == (0, 3)
    with pytest.raises(IndexError, match=r"^\[sort\]"):
        mx.sort(mx.array(3))
    with pytest.raises(IndexError, match=r"^\[argsort\]"):
        mx.argsort(mx.array([1, 2]), axis=1)


@pytest.mark.parametrize("dtype", [mx.int32, mx.float32, mx.float16])
def test_partition_topk(dtype):
    a = sample(dtype)
    n = npy(a)
    for axis in [0, -1]:
        for kth in [0, 2, -1]:
            p = npy(mx.partition(a, kth, axis=axis))
            ref = np.partition(n, kth, axis=axis)
            np.testing.assert_array_equal(np.take(p, kth, axis=axis), np.take(ref, kth, axis=axis))
            k = kth % n.shape[axis]
            assert (np.take(p, range(k), axis=axis) <= np.expand_dims(np.take(p, k, axis=axis), axis)).all()
            ip = npy(mx.argpartition(a, kth, axis=axis)).astype(np.int64)
            np.testing.assert_array_equal(
                np.take(np.take_along_axis(n, ip, axis), kth, axis=axis), np.take(ref, kth, axis=axis)
            )
        t = mx.topk(a, 3, axis=axis)
        check(
            mx.sort(t, axis=axis),
            np.take(np.sort(n, axis=axis), range(n.shape[axis] - 3, n.shape[axis]), axis=axis),
        )
    check(mx.topk(mx.array([[1, 2], [3, 4]]), 1, axis=None), np.array([4]))
    with pytest.raises(ValueError, match=r"^\[topk\]"):
        mx.topk(mx.array([1, 2]), 3)
    with pytest.raises(ValueError, match=r"^\[partition\]"):
        mx.partition(mx.array([1, 2]), 3)


def test_searchsorted():
    s = np.array([1, 2, 2, 3, 5], np.float32)
    v = np.array([[0, 2, 2.5], [5, 6, 1]], np.float32)
    for side in ["left", "right"]:
        out = mx.searchsorted(mx.array(s), mx.array(v), side=side)
        assert out.dtype == mx.uint32
        check(out, np.searchsorted(s, v, side=side))
    check(mx.searchsorted(mx.array([1, 2, 3]), mx.array([2, 2.5])), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"^\[searchsorted\]"):
        mx.searchsorted(mx.array([[1, 2]]), mx.array([1]))
    with pytest.raises(ValueError, match=r"^\[searchsorted\]"):
        mx.searchsorted(mx.array([1, 2]), mx.array([1]), side="x")


def np_scan(f, x, axis, reverse, inclusive, init):
    if reverse:
        x = np.flip(x, axis)
    y = f(x, axis=axis)
    if not inclusive:
        y = np.concatenate(
            [np.full_like(np.take(y, [0], axis=axis), init), np.delete(y, -1, axis=axis)], axis=axis
        )
    return np.flip(y, axis) if reverse else y


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
def test_scans(axis, reverse, inclusive):
    x = np.random.default_rng(3).standard_normal((3, 4, 5)).astype(np.float32)
    a = mx.array(x)
    kw = dict(axis=axis, reverse=reverse, inclusive=inclusive)
    check(mx.cumsum(a, **kw), np_scan(np.cumsum, x, axis, reverse, inclusive, 0), rtol=1e-4)
    check(mx.cumprod(a, **kw), np_scan(np.cumprod, x, axis, reverse, inclusive, 1), rtol=1e-4)
    check(mx.cummax(a, **kw), np_scan(np.maximum.accumulate, x, axis, reverse, inclusive, -np.inf))
    check(mx.cummin(a, **kw), np_scan(np.minimum.accumulate, x, axis, reverse, inclusive, np.inf))
    lcse = np.log(np_scan(np.cumsum, np.exp(x.astype(np.float64)), axis, reverse, inclusive, 0))
    check(mx.logcumsumexp(a, **kw), lcse, rtol=1e-4)
    check(a.cumsum(**kw), np_scan(np.cumsum, x, axis, reverse, inclusive, 0), rtol=1e-4)


@pytest.mark.parametrize(
    "dtype", [mx.bool_, mx.int8, mx.uint8, mx.int32, mx.int64, mx.float16, mx.bfloat16, mx.complex64]
)
def test_scan_dtypes(dtype):
    a = mx.array([1, 2, 3, 0]).astype(dtype)
    expect_sum = mx.int32 if dtype == mx.bool_ else dtype
    assert mx.cumsum(a).dtype == expect_sum
    assert mx.cumprod(a).dtype == dtype
    assert mx.cummax(a).dtype == dtype
    if dtype != mx.complex64:
        assert mx.logcumsumexp(a).dtype == (dtype if dtype in (mx.float16, mx.bfloat16) else mx.float32)
    ref = np.cumsum(np.array([1, 2, 3, 0]).astype(bool if dtype == mx.bool_ else np.float64))
    check(mx.cumsum(a).astype(mx.float32) if dtype != mx.complex64 else mx.real(mx.cumsum(a)), ref)


def test_scan_misc():
    n = np.arange(12).reshape(3, 4)
    a = mx.array(n)
    check(mx.cumsum(a), np.cumsum(n))  # axis None flattens
    check(mx.cumsum(a, axis=1, dtype=mx.float32), np.cumsum(n, axis=1))
    assert mx.cumsum(a, dtype=mx.float32).dtype == mx.float32
    assert mx.cumulative_sum is mx.cumsum and mx.cumulative_prod is mx.cumprod
    check(mx.cumsum(a.T, axis=0), np.cumsum(n.T, axis=0))
    check(mx.cumsum(mx.array(3)), np.array([3]))
    assert mx.cumsum(mx.zeros((0, 3)), axis=0).shape == (0, 3)
    big = np.ones((300, 257), np.float32)
    check(mx.cumsum(mx.array(big), axis=0), np.cumsum(big, axis=0))
    with pytest.raises(IndexError, match=r"^\[cumsum\]"):
        mx.cumsum(a, axis=2)
    with pytest.raises(IndexError, match=r"^\[cumsum\]"):
        mx.cumsum(mx.array(2.0), axis=0)


def test_median():
    x = np.random.default_rng(4).standard_normal((4, 5, 6)).astype(np.float32)
    a = mx.array(x)
    for axis in [None, 0, 1, (0, 2), -1]:
        for keepdims in [False, True]:
            check(mx.median(a, axis=axis, keepdims=keepdims), np.median(x, axis=axis, keepdims=keepdims))
    assert mx.median(mx.arange(4)).dtype == mx.float32
    assert mx.median(mx.array([1, 2], mx.float16)).dtype == mx.float16


def test_grads_and_vmap_of_indexing_sort_scan():
    """vjp of the gather/scatter/sort/scan/concatenate rules against central differences."""
    x = mx.array([3.0, 1.0, 2.0, 5.0])
    w = mx.arange(4).astype(mx.float32)
    fns = [
        lambda x: mx.take(x, mx.array([0, 0, 2])).sum(),
        lambda x: (mx.sort(x) * w).sum(),
        lambda x: (mx.cumsum(x, reverse=True) * w).sum(),
        lambda x: mx.cumprod(x).sum(),
        lambda x: mx.cummax(x).sum(),
        lambda x: mx.logcumsumexp(x).sum(),
        lambda x: (mx.concatenate([x, x * 2])[::2]).sum(),
        lambda x: (mx.pad(x, 1) * mx.arange(6)).sum(),
        lambda x: mx.pad(x, 2, mode="edge").sum(),
        lambda x: mx.zeros(4).at[mx.array([1, 1])].add(x[:2]).sum(),
        lambda x: mx.topk(x, 2).sum(),
        lambda x: (mx.roll(x, 1) * w).sum(),
    ]
    xn = np.array(x)
    for f in fns:
        g = np.array(mx.grad(f)(x))
        fd = []
        for i in range(4):
            e = np.zeros(4, np.float32)
            e[i] = 1e-2
            fd.append((f(mx.array(xn + e)).item() - f(mx.array(xn - e)).item()) / 2e-2)
        np.testing.assert_allclose(g, fd, atol=1e-2)
    m = mx.arange(12).reshape(3, 4)
    check(mx.vmap(lambda v, i: mx.take(v, i))(m, mx.array([[0], [1], [2]])), np.array([[0], [5], [10]]))
    check(mx.vmap(mx.sort)(mx.array([[3, 1], [0, -1]])), np.array([[1, 3], [-1, 0]]))
    check(mx.vmap(lambda v: mx.cumsum(v, axis=0), in_axes=1)(m), np.cumsum(np.arange(12).reshape(3, 4), 0).T)


def test_integer_scans_wrap_like_numpy():
    # cumsum/cumprod of signed integers past their range wrap as NumPy's
    # (signed overflow is undefined in C++: computed in unsigned types).
    for mx_t, np_t in [
        (mx.int16, np.int16),
        (mx.int32, np.int32),
        (mx.int64, np.int64),
        (mx.uint32, np.uint32),
    ]:
        info = np.iinfo(np_t)
        x = np.array([info.max, 5, info.max, 3, info.min, 7, 2, info.max], np_t)
        with np.errstate(over="ignore"):
            for axis_x in (x, np.stack([x, x[::-1]], axis=1)):
                got = mx.cumsum(mx.array(axis_x), axis=0)
                np.testing.assert_array_equal(np.array(got), np.cumsum(axis_x, axis=0, dtype=np_t))
                got = mx.cumprod(mx.array(axis_x), axis=0)
                np.testing.assert_array_equal(np.array(got), np.cumprod(axis_x, axis=0, dtype=np_t))
