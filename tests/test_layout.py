"""Shape manipulation ops against NumPy: joining, splitting, repeating,
padding, flipping, rolling, grids, strided views, diagonals and products."""

import numpy as np
import pytest

import mlx.core as mx

DTYPES = [mx.bool_, mx.uint8, mx.int32, mx.int64, mx.float16, mx.bfloat16, mx.float32, mx.complex64]


def npy(x):
    if x.dtype == mx.bfloat16:
        x = x.astype(mx.float32)
    return np.array(x)


def check(out, ref, dtype=None):
    assert tuple(out.shape) == tuple(ref.shape), (out.shape, ref.shape)
    if dtype is not None:
        assert out.dtype == dtype
    np.testing.assert_allclose(
        npy(out).astype(np.complex128), np.asarray(ref).astype(np.complex128), rtol=1e-5
    )


def layouts(n):
    """(mx, np) pairs of the same values: contiguous, transposed, strided, broadcast."""
    base = np.arange(n * 6).reshape(n, 6) % 7 - 3
    yield mx.array(base), base
    yield mx.array(base.T.copy()).T, base
    big = np.arange(n * 12).reshape(n, 12) % 5
    yield mx.array(big)[:, ::2], big[:, ::2]
    yield mx.broadcast_to(mx.array(base[:1]), (n, 6)), np.broadcast_to(base[:1], (n, 6))


@pytest.mark.parametrize("dtype", DTYPES)
def test_concatenate_stack_dtypes(dtype):
    a = mx.arange(6).reshape(2, 3).astype(dtype)
    b = (mx.arange(6).reshape(2, 3) + 1).astype(dtype)
    for axis in [0, 1, -1]:
        check(mx.concatenate([a, b], axis=axis), np.concatenate([npy(a), npy(b)], axis=axis), dtype)
        check(mx.stack([a, b], axis=axis), np.stack([npy(a), npy(b)], axis=axis), dtype)
    check(mx.concat([a, b], axis=None), np.concatenate([npy(a).ravel(), npy(b).ravel()]), dtype)


def test_concatenate_layouts_and_promotion():
    for (x, nx), (y, ny) in zip(layouts(3), list(layouts(3))[::-1]):
        check(mx.concatenate([x, y], axis=1), np.concatenate([nx, ny], axis=1))
        check(mx.concatenate([x, y, x]), np.concatenate([nx, ny, nx]))
    r = mx.concatenate([mx.ones((2, 2), mx.int32), mx.ones((1, 2), mx.float16)])
    assert r.dtype == mx.float16 and r.shape == (3, 2)
    assert mx.concatenate([mx.zeros((0, 3)), mx.ones((2, 3))]).shape == (2, 3)
    assert mx.stack([mx.array(1), mx.array(2)]).tolist() == [1, 2]


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"^\[concatenate\]"):
        mx.concatenate([])
    with pytest.raises(ValueError, match=r"^\[concatenate\]"):
        mx.concatenate([mx.ones((2, 3)), mx.ones((3, 2))])
    with pytest.raises(ValueError, match=r"^\[concatenate\]"):
        mx.concatenate([mx.ones((2, 3)), mx.ones((3,))])
    with pytest.raises(IndexError, match=r"^\[concatenate\]"):
        mx.concatenate([mx.ones((2, 3))] * 2, axis=2)
    with pytest.raises(ValueError, match=r"^\[stack\]"):
        mx.stack([])
    with pytest.raises(ValueError, match=r"^\[stack\]"):
        mx.stack([mx.ones((2, 3)), mx.ones((3, 2))])


def test_split_unstack():
    n = np.arange(24).reshape(4, 6)
    a = mx.array(n)
    for ios, axis in [(2, 0), (3, 1), ([1, 3], 1), ([2, 1], 1), ([-1], 0), ([0, 10], 1)]:
        out = mx.split(a, ios, axis=axis)
        ref = np.split(n, ios, axis=axis)
        assert isinstance(out, list) and len(out) == len(ref)
        for o, r in zip(out, ref):
            check(o, r)
    assert len(a.split(2)) == 2
    u = mx.unstack(a, axis=1)
    assert isinstance(u, tuple) and len(u) == 6
    check(u[2], n[:, 2])
    with pytest.raises(ValueError, match=r"^\[split\]"):
        mx.split(a, 4, axis=1)
    with pytest.raises(ValueError, match=r"^\[split\]"):
        mx.split(a, 0)
    with pytest.raises(IndexError, match=r"^\[split\]"):
        mx.split(a, 2, axis=2)
    with pytest.raises(IndexError, match=r"^\[unstack\]"):
        mx.unstack(mx.array(1))


@pytest.mark.parametrize("dtype", [mx.bool_, mx.int8, mx.float32, mx.bfloat16])
def test_repeat_tile(dtype):
    n = (np.arange(6).reshape(2, 3) % 3).astype(np.float32)
    a = mx.array(n).astype(dtype)
    nn = npy(a)
    check(mx.repeat(a, 2), np.repeat(nn, 2), dtype)
    check(mx.repeat(a, 3, axis=1), np.repeat(nn, 3, axis=1), dtype)
    check(mx.repeat(a, 0, axis=0), np.repeat(nn, 0, axis=0), dtype)
    for reps in [2, (2, 1), (2, 1, 3), (1,)]:
        check(mx.tile(a, reps), np.tile(nn, reps), dtype)
    check(mx.tile(mx.array(1), (3,)), np.tile(1, (3,)))
    with pytest.raises(ValueError, match=r"^\[repeat\]"):
        mx.repeat(a, -1, axis=1)
    with pytest.raises(IndexError, match=r"^\[repeat\]"):
        mx.repeat(a, 2, axis=2)


def test_pad():
    n = np.arange(12).reshape(3, 4)
    a = mx.array(n)
    for width in [1, (1, 2), [(1, 2)], [(0, 1), (2, 0)]]:
        npw = width if not isinstance(width, list) or len(width) > 1 else width[0]
        check(mx.pad(a, width), np.pad(n, npw))
        for mode in ["edge", "reflect", "symmetric"]:
            check(mx.pad(a, width, mode=mode), np.pad(n, npw, mode=mode))
    check(mx.pad(a, 2, constant_values=-1), np.pad(n, 2, constant_values=-1))
    r = mx.pad(a.astype(mx.int32), 1, constant_values=2.5)
    assert r.dtype == mx.int32 and r[0, 0].item() == 2
    # A Python float is weak (as in binary ops): exact in float64, rounded
    # once into the array's type otherwise (MLX 0.32.4).
    with mx.stream(mx.cpu):
        assert mx.pad(mx.array([1.0], mx.float64), 1, constant_values=0.1).tolist() == [0.1, 1.0, 0.1]
        assert mx.pad(mx.array([1.0], mx.float64), 1, constant_values=1e300).tolist() == [1e300, 1.0, 1e300]
    for dt, np_dt in [(mx.float16, np.float16), (mx.float32, np.float32), (mx.uint8, np.uint8)]:
        p = mx.pad(mx.array([1], dt), 1, constant_values=0.1)
        assert p.dtype == dt and p.tolist()[0] == float(np_dt(0.1))
    check(mx.pad(a.T, 1, mode="edge"), np.pad(n.T, 1, mode="edge"))
    check(
        mx.pad(mx.array(n[:, ::2]), [(3, 3), (2, 2)], mode="reflect"),
        np.pad(n[:, ::2], [(3, 3), (2, 2)], mode="reflect"),
    )
    assert mx.pad(mx.zeros((0, 2)), 1, mode="edge").shape == (2, 4)
    with pytest.raises(ValueError, match=r"^\[pad\]"):
        mx.pad(a, -1)
    with pytest.raises(ValueError, match=r"^\[pad\]"):
        mx.pad(a, 1, mode="foo")
    with pytest.raises(ValueError, match=r"^\[pad\]"):
        mx.pad(a, [(1, 2), (0, 1), (1, 1)])


def test_flip_roll():
    n = np.arange(24).reshape(2, 3, 4)
    a = mx.array(n)
    check(mx.flip(a), np.flip(n))
    check(mx.flip(a, 1), np.flip(n, 1))
    check(mx.flip(a, [0, 2]), np.flip(n, [0, 2]))
    check(mx.flip(a.transpose()), np.flip(n.T))
    for shift, axis in [(1, None), (-7, None), (2, 1), ((1, 2), (0, 2)), (5, (1, 2)), (30, 2)]:
        check(mx.roll(a, shift, axis), np.roll(n, shift, axis))
    check(mx.roll(a, (1, 2), 1), np.roll(n, 3, 1))
    with pytest.raises(IndexError, match=r"^\[flip\]"):
        mx.flip(a, 3)
    with pytest.raises(ValueError, match=r"^\[roll\]"):
        mx.roll(a, (1, 2), (0, 1, 2))


def test_meshgrid_atleast_broadcast():
    x, y = mx.arange(3), mx.arange(4)
    for indexing in ["xy", "ij"]:
        for sparse in [False, True]:
            out = mx.meshgrid(x, y, indexing=indexing, sparse=sparse)
            ref = np.meshgrid(np.arange(3), np.arange(4), indexing=indexing, sparse=sparse)
            assert isinstance(out, tuple)
            for o, r in zip(out, ref):
                check(o, r)
    assert mx.meshgrid() == ()
    with pytest.raises(ValueError, match=r"^\[meshgrid\]"):
        mx.meshgrid(x, indexing="q")
    for f, g in [
        (mx.atleast_1d, np.atleast_1d),
        (mx.atleast_2d, np.atleast_2d),
        (mx.atleast_3d, np.atleast_3d),
    ]:
        for shape in [(), (3,), (2, 3), (2, 3, 4)]:
            assert f(mx.zeros(shape)).shape == g(np.zeros(shape)).shape
    out = mx.atleast_1d(mx.array(1), mx.array(2))
    assert isinstance(out, list) and out[0].shape == (1,)
    assert mx.broadcast_shapes((1, 2), (3, 1), (2,)) == (3, 2)
    with pytest.raises(ValueError, match=r"^\[broadcast_shapes\]"):
        mx.broadcast_shapes()
    with pytest.raises(ValueError, match=r"^\[broadcast_shapes\]"):
        mx.broadcast_shapes((2,), (3,))
    b = mx.broadcast_arrays(mx.zeros((2, 1)), mx.ones((3,)))
    assert [t.shape for t in b] == [(2, 3), (2, 3)]


def test_transposes_unflatten():
    a = mx.zeros((2, 3, 4))
    assert mx.permute_dims(a).shape == (4, 3, 2)
    assert mx.permute_dims(a, (1, 0, 2)).shape == (3, 2, 4)
    assert mx.matrix_transpose(a).shape == (2, 4, 3)
    with pytest.raises(ValueError, match=r"^\[matrix_transpose\]"):
        mx.matrix_transpose(mx.zeros(3))
    assert mx.unflatten(a, 1, (3, 1)).shape == (2, 3, 1, 4)
    assert mx.unflatten(a, -1, (-1, 2)).shape == (2, 3, 2, 2)
    with pytest.raises(ValueError, match=r"^\[Unflatten\]"):
        mx.unflatten(a, 1, (2, 2))
    with pytest.raises(ValueError, match=r"^\[unflatten\]"):
        mx.unflatten(a, 1, ())
    with pytest.raises(IndexError, match=r"^\[unflatten\]"):
        mx.unflatten(a, 3, (4,))


def test_as_strided():
    n = np.arange(12)
    a = mx.array(n).reshape(3, 4)
    check(mx.as_strided(a, (3, 2), (1, 2)), np.lib.stride_tricks.as_strided(n, (3, 2), (8, 16)))
    check(mx.as_strided(a, (2, 2), (1, 1), 1), np.array([[1, 2], [2, 3]]))
    check(mx.as_strided(a.T), n.reshape(3, 4).T)
    check(mx.as_strided(a, (3, 3), (0, 1)), np.broadcast_to(n[:3], (3, 3)))
    with pytest.raises(ValueError, match=r"^\[as_strided\]"):
        mx.as_strided(a, (4, 4), (4, 1))


def test_diag_diagonal_trace():
    n = np.arange(12).reshape(3, 4)
    a = mx.array(n)
    for k in [-2, -1, 0, 1, 3, 5]:
        check(mx.diag(a, k), np.diag(n, k))
        check(mx.diagonal(a, k), np.diagonal(n, k))
        check(mx.diag(mx.arange(3), k), np.diag(np.arange(3), k))
    n3 = np.arange(24).reshape(2, 3, 4)
    check(mx.diagonal(mx.array(n3), 1, 2, 0), np.diagonal(n3, 1, 2, 0))
    check(
        mx.diagonal(mx.array(n3).transpose(2, 0, 1), -1, 0, 2), np.diagonal(n3.transpose(2, 0, 1), -1, 0, 2)
    )
    check(a.diagonal(1), np.diagonal(n, 1))
    check(a.diag(), np.diag(n))
    assert mx.trace(a).item() == np.trace(n)
    assert mx.trace(a.astype(mx.int8)).dtype == mx.int32
    assert mx.trace(a, dtype=mx.float32).dtype == mx.float32
    check(mx.trace(mx.array(n3), 1, 1, 2), np.trace(n3, 1, 1, 2))
    with pytest.raises(ValueError, match=r"^\[diag\]"):
        mx.diag(mx.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"^\[diagonal\]"):
        mx.diagonal(a, 0, 0, 0)
    with pytest.raises(IndexError, match=r"^\[diagonal\]"):
        mx.diagonal(a, 0, 0, 2)
    with pytest.raises(ValueError, match=r"^\[trace\]"):
        mx.trace(mx.arange(3))


def test_diff():
    n = np.array([[1, 4, 9, 16], [2, 3, 5, 7]])
    a = mx.array(n)
    for k, axis in [(1, -1), (2, -1), (1, 0), (5, -1), (0, 0)]:
        check(mx.diff(a, k, axis), np.diff(n, k, axis=axis))
    check(mx.diff(mx.array([True, False, False])), np.diff(np.array([True, False, False])))
    with pytest.raises(ValueError, match=r"^\[diff\]"):
        mx.diff(a, -1)
    with pytest.raises(IndexError, match=r"^\[diff\]"):
        mx.diff(a, axis=3)


def test_products():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    y = rng.standard_normal((3, 4)).astype(np.float32)
    v = rng.standard_normal(3).astype(np.float32)
    check(mx.outer(mx.array(v), mx.array(x)), np.outer(v, x))
    check(mx.inner(mx.array(x), mx.array(v)), np.inner(x, v))
    check(mx.kron(mx.array(x), mx.array(y)), np.kron(x, y))
    check(mx.kron(mx.array([1, 2]), mx.ones((2, 2))), np.kron([1, 2], np.ones((2, 2))))
    check(mx.tensordot(mx.array(x), mx.array(y), 1), np.tensordot(x, y, 1))
    check(mx.tensordot(mx.array(x), mx.array(x), [[0, 1], [0, 1]]), np.tensordot(x, x, [[0, 1], [0, 1]]))
    check(mx.tensordot(mx.array(y), mx.array(x), [[0], [1]]), np.tensordot(y, x, [[0], [1]]))
    with pytest.raises(ValueError, match=r"^\[tensordot\]"):
        mx.tensordot(mx.array(x), mx.array(x), -1)
    with pytest.raises(ValueError, match=r"^\[inner\]"):
        mx.inner(mx.array(x), mx.array(y))
    z = rng.standard_normal((2, 3, 3)).astype(np.float32)
    for subs, ops in [
        ("ij,jk->ik", (x, y)),
        ("ij,jk", (x, y)),
        ("ii->i", (z[0],)),
        ("ii", (z[0],)),
        ("bii->b", (z,)),
        ("bij,bjk->bik", (z, z)),
        ("i,i->", (v, v)),
        ("ij->ji", (x,)),
        ("...j,j->...", (z, v)),
        ("ij,kl->ijkl", (x, x)),
        ("bij->", (z,)),
    ]:
        out = mx.einsum(subs, *[mx.array(o) for o in ops])
        np.testing.assert_allclose(np.array(out), np.einsum(subs, *ops), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"^\[einsum\]"):
        mx.einsum("ij,jk->ik", mx.array(x))


def test_split_pieces_transforms():
    # Consecutive pieces come from one node: its vjp concatenates the
    # cotangents, with zeros for pieces that were dropped or unused.
    x_np = np.arange(24, dtype=np.float32).reshape(2, 12)
    x = mx.array(x_np)

    def first_and_last(x):
        a, _, c = mx.split(x, 3, axis=-1)  # the middle piece is dropped
        return (a * 2).sum() + (c * c).sum()

    g = np.array(mx.grad(first_and_last)(x))
    want = np.zeros_like(x_np)
    want[:, :4] = 2
    want[:, 8:] = 2 * x_np[:, 8:]
    np.testing.assert_array_equal(g, want)
    # Uneven indices, an empty piece, negative and clamped indices.
    pieces = mx.split(x, [3, 3, -2, 40], axis=1)
    assert [p.shape for p in pieces] == [(2, 3), (2, 0), (2, 7), (2, 2), (2, 0)]
    for p, q in zip(pieces, np.split(x_np, [3, 3, 10, 12], axis=1)):
        np.testing.assert_array_equal(np.array(p), q)
    g = mx.grad(lambda x: sum((p * (i + 1)).sum() for i, p in enumerate(mx.split(x, [3, 3, -2], axis=1))))(x)
    np.testing.assert_array_equal(np.array(g)[0], [1] * 3 + [3] * 7 + [4] * 2)
    # Decreasing indices (pieces restart, as NumPy's): still per-piece slices.
    for p, q in zip(mx.split(x, [6, 2], axis=1), np.split(x_np, [6, 2], axis=1)):
        np.testing.assert_array_equal(np.array(p), q)
    # jvp, and vmap with a dropped piece.
    t = mx.ones_like(x)
    _, tans = mx.jvp(lambda x: mx.split(x, 2, axis=1), [x], [t])
    assert [tt.shape for tt in tans] == [(2, 6), (2, 6)]
    v = mx.vmap(lambda r: mx.split(r, 3)[2] * 10)(x)
    np.testing.assert_array_equal(np.array(v), x_np[:, 8:] * 10)
    v = mx.vmap(lambda r: mx.split(r, 3)[1], in_axes=1)(x.T)
    np.testing.assert_array_equal(np.array(v), x_np[:, 4:8])


# Reshape of strided inputs ----------------------------------------------------


def _layouts():
    """(name, mx view, numpy view) of the same values in different layouts."""
    base = np.arange(2 * 6 * 8, dtype=np.float32).reshape(2, 6, 8)
    a = mx.array(base)
    yield "transposed", a.transpose(1, 0, 2), base.transpose(1, 0, 2)
    yield "swapped last", a.swapaxes(1, 2), base.swapaxes(1, 2)
    yield "column slice", a[:, :, 2:6], base[:, :, 2:6]
    yield "stepped", a[:, ::2, ::2], base[:, ::2, ::2]
    yield "reversed", a[:, ::-1], base[:, ::-1]
    yield "broadcast", mx.broadcast_to(a[:, :1, :], (2, 6, 8)), np.broadcast_to(base[:, :1, :], (2, 6, 8))
    yield "size-1 axes", a[:, 1:2, :].transpose(2, 1, 0), base[:, 1:2, :].transpose(2, 1, 0)


@pytest.mark.parametrize("name,x,ref", list(_layouts()), ids=[l[0] for l in _layouts()])
def test_reshape_strided_inputs(name, x, ref):
    # Reshape views a strided input where its layout allows and copies
    # otherwise; either way the values are NumPy's.
    size = ref.size
    shapes = {
        (size,),
        (-1, ref.shape[-1]),
        (ref.shape[0], -1),
        ref.shape[:-1] + (2, ref.shape[-1] // 2),
        (1,) + ref.shape + (1,),
        (ref.shape[0], 1, -1, 1),
        (2, -1),
    }
    for shape in shapes:
        out = x.reshape(*shape)
        expected = ref.reshape(shape)
        np.testing.assert_array_equal(np.array(out), expected, err_msg=f"{name} -> {shape}")
        # The result feeds other ops as any array does.
        np.testing.assert_array_equal(np.array(out * 2 + 1), expected * 2 + 1)
        np.testing.assert_array_equal(np.array(out.sum(axis=-1)), expected.sum(axis=-1))
        np.testing.assert_array_equal(np.array(out.reshape(-1)), expected.reshape(-1))


def test_reshape_of_split_heads_matches_numpy():
    # The attention pattern: q, k, v sliced from one projection, heads split
    # off the last axis (a view), moved, then merged back (a copy), with
    # the gradient flowing through both.
    rng = np.random.default_rng(3)
    qkv = rng.standard_normal((2, 5, 24)).astype(np.float32)

    def f(t):
        q, k, v = mx.split(t, 3, axis=-1)
        q = q.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
        k = k.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
        return (q * k).transpose(0, 2, 1, 3).reshape(2, 5, 8) * v

    q, k, v = np.split(qkv, 3, axis=-1)
    qh = q.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
    kh = k.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
    expected = (qh * kh).transpose(0, 2, 1, 3).reshape(2, 5, 8) * v
    np.testing.assert_allclose(np.array(f(mx.array(qkv))), expected, rtol=1e-6)
    g = mx.grad(lambda t: f(t).sum())(mx.array(qkv))
    dq = kh.transpose(0, 2, 1, 3).reshape(2, 5, 8) * v
    dk = qh.transpose(0, 2, 1, 3).reshape(2, 5, 8) * v
    dv = expected / v
    np.testing.assert_allclose(np.array(g), np.concatenate([dq, dk, dv], axis=-1), rtol=1e-5, atol=1e-6)
