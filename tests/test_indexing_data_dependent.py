"""Ops whose output shape depends on values: boolean masks, nonzero,
bincount and unique without a size, against NumPy; MLX's masked assignment;
errors inside vmap."""

import numpy as np
import pytest

import mlx.core as mx

from helpers import NP_DTYPES, assert_array, to_mx

RNG = np.random.default_rng(0)


def layouts(x):
    """The same values as a contiguous, a transposed and a sliced array."""
    a = mx.array(x)
    yield x, a
    yield x.T, a.T
    yield x[::2], a[::2]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float16", "float32", "complex64"])
def test_nonzero(dtype):
    x = (RNG.integers(0, 3, (5, 4)) * (RNG.random((5, 4)) > 0.3)).astype(NP_DTYPES[dtype])
    for xn, xa in layouts(x):
        ours = mx.nonzero(xa)
        ref = np.nonzero(xn)
        assert len(ours) == len(ref)
        for o, r in zip(ours, ref):
            assert o.dtype == mx.int32
            np.testing.assert_array_equal(np.array(o), r)


def test_nonzero_shapes_and_errors():
    assert [i.shape for i in mx.nonzero(mx.zeros((0, 3)))] == [(0,), (0,)]
    assert [i.tolist() for i in mx.nonzero(mx.array([0, 2, 0, 1]))] == [[1, 3]]
    b = mx.broadcast_to(mx.array([1, 0, 1]), (2, 3))
    np.testing.assert_array_equal(np.array(mx.nonzero(b)[1]), [0, 2, 0, 2])
    with pytest.raises(ValueError, match="nonzero"):
        mx.nonzero(mx.array(1))


def test_bincount():
    x = RNG.integers(0, 10, 100)
    np.testing.assert_array_equal(np.array(mx.bincount(mx.array(x))), np.bincount(x))
    assert mx.bincount(mx.array(x)).dtype == mx.int32
    np.testing.assert_array_equal(
        np.array(mx.bincount(mx.array(x), minlength=15)), np.bincount(x, minlength=15)
    )
    w = RNG.random(100).astype(np.float32)
    np.testing.assert_allclose(np.array(mx.bincount(mx.array(x), mx.array(w))), np.bincount(x, w), rtol=1e-5)
    assert mx.bincount(mx.array(x), mx.array(w)).dtype == mx.float32
    assert mx.bincount(mx.array(x, dtype=mx.uint8), mx.ones(100, dtype=mx.int32)).dtype == mx.float32
    assert mx.bincount(mx.array([], dtype=mx.int32)).shape == (0,)
    assert mx.bincount(mx.array([], dtype=mx.int32), minlength=3).tolist() == [0, 0, 0]
    # Gradient flows to the weights.
    g = mx.grad(lambda w: (mx.bincount(mx.array([0, 2, 2]), w) * mx.array([1.0, 2.0, 3.0])).sum())(mx.ones(3))
    assert g.tolist() == [1.0, 3.0, 3.0]


def test_bincount_errors():
    with pytest.raises(ValueError, match="bincount"):
        mx.bincount(mx.array([1, -1]))
    with pytest.raises(ValueError, match="bincount"):
        mx.bincount(mx.array([[1, 2]]))
    with pytest.raises(ValueError, match="bincount"):
        mx.bincount(mx.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="bincount"):
        mx.bincount(mx.array([1, 2]), mx.ones(3))


@pytest.mark.parametrize("dtype", ["int32", "uint8", "float32", "bool"])
def test_unique_without_size(dtype):
    x = RNG.integers(0, 6, (4, 5)).astype(NP_DTYPES[dtype])
    for xn, xa in layouts(x):
        vals, idx, inv, counts = mx.unique(xa, return_index=True, return_inverse=True, return_counts=True)
        rv, ri, rinv, rc = np.unique(xn, return_index=True, return_inverse=True, return_counts=True)
        np.testing.assert_array_equal(np.array(vals), rv)
        np.testing.assert_array_equal(np.array(idx), ri)
        np.testing.assert_array_equal(np.array(inv), rinv.reshape(xn.shape))
        np.testing.assert_array_equal(np.array(counts), rc)
    assert mx.unique(mx.array([], dtype=mx.int32)).shape == (0,)
    assert mx.unique(mx.array(3)).tolist() == [3]


@pytest.mark.parametrize("dtype", ["bool", "int16", "float32", "bfloat16", "complex64"])
def test_boolean_mask_getitem(dtype):
    x = RNG.integers(-3, 4, (4, 3, 2)).astype(NP_DTYPES[dtype])
    a = to_mx(x, dtype)
    m1 = RNG.random(4) > 0.5
    m2 = RNG.random((4, 3)) > 0.5
    m3 = RNG.random((4, 3, 2)) > 0.5
    for m in (m1, m2, m3):
        assert_array(a[mx.array(m)], x[m])
    assert_array(a[:, mx.array(m2[0])], x[:, m2[0]])
    assert_array(a[mx.array(m1), 1], x[m1, 1])
    assert_array(a[mx.array(m1), :, mx.array([1])], x[m1, :, np.array([1])])
    assert_array(a[m1.tolist()], x[m1])
    # Transposed and sliced arrays and masks.
    assert_array(a.T[mx.array(m3.T)], x.T[m3.T])
    assert_array(a[::2][mx.array(m1[::2])], x[::2][m1[::2]])
    assert_array(a[mx.zeros(4, dtype=mx.bool_)], x[np.zeros(4, bool)])


def test_boolean_mask_errors():
    a = mx.zeros((4, 3))
    with pytest.raises(IndexError):
        a[mx.array([True, False])]
    with pytest.raises(IndexError):
        a[mx.zeros((4, 3, 2), dtype=mx.bool_)]


def test_boolean_mask_setitem_and_at():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    m = np.array([True, False, True, True])
    a = mx.array(x)
    a[mx.array(m)] = 0.0
    x2 = x.copy()
    x2[m] = 0
    assert_array(a, x2)
    a = mx.array(x)
    a[mx.array(m)] = mx.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    x2 = x.copy()
    x2[m] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert_array(a, x2)
    # Values broadcast over the dims the mask leaves.
    a = mx.array(x)
    a[mx.array(m)] = mx.array([1.0, 2, 3])
    x2 = x.copy()
    x2[m] = [1, 2, 3]
    assert_array(a, x2)
    # Mixed with other indices (NumPy's rule).
    a = mx.array(x)
    a[1:, mx.array([True, False, True])] = -1.0
    x2 = x.copy()
    x2[1:, [True, False, True]] = -1
    assert_array(a, x2)
    # at[mask] accumulates like integer indices.
    out = mx.array(x).at[mx.array(m)].add(10.0)
    x2 = x.copy()
    x2[m] += 10
    assert_array(out, x2)
    with pytest.raises(RuntimeError, match="enough elements"):
        b = mx.zeros(4)
        b[mx.array([True, False, True, False])] = mx.array([7.0])


def test_masked_assignment_in_order_as_mlx():
    # MLX takes values in order and ignores extra ones.
    a = mx.zeros(4)
    a[mx.array([True, False, True, False])] = mx.array([7.0, 8.0, 9.0])
    assert a.tolist() == [7.0, 0.0, 8.0, 0.0]
    b = mx.zeros((3, 2))
    b[mx.array([True, False, True])] = mx.array([[1.0], [2.0]])
    assert b.tolist() == [[1, 1], [0, 0], [2, 2]]


def test_gradients_through_masks():
    x = mx.array([1.0, -2.0, 3.0, -4.0])
    g = mx.grad(lambda x: (x[x > 0] ** 2).sum())(x)
    assert g.tolist() == [2.0, 0.0, 6.0, 0.0]


def test_errors_inside_vmap():
    x = mx.array([[1.0, -2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="vmap"):
        mx.vmap(lambda r: r[r > 0])(x)
    with pytest.raises(ValueError, match="vmap"):
        mx.vmap(lambda r: mx.nonzero(r)[0])(x)
    with pytest.raises(ValueError, match="vmap"):
        mx.vmap(lambda r: mx.unique(r))(x)
    with pytest.raises(ValueError, match="vmap"):
        mx.vmap(lambda r: mx.bincount(r.astype(mx.int32)))(mx.array([[1, 2], [0, 1]]))
    # A mask that does not depend on the mapped input is a constant: fine.
    m = mx.array([True, False])
    out = mx.vmap(lambda r: r[m])(x)
    assert out.tolist() == [[1.0], [3.0]]

    # Masked assignment needs no evaluation, so it works under vmap.
    def zero_negative(r):
        r = mx.array(r)
        r[r < 0] = 0.0
        return r

    assert mx.vmap(zero_negative)(x).tolist() == [[1.0, 0.0], [3.0, 4.0]]
