"""Convolutions against a NumPy reference (direct sum over kernel
positions), their gradients against finite differences, vmap against a
loop, dtypes and errors."""

import itertools

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(0)


def ref_conv(x, w, stride, lo, hi, kdil, idil, groups, flip):
    """NumPy conv_general: x (N, S..., C), w (O, K..., C/groups)."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    nsp = x.ndim - 2
    # Input dilation: zeros between entries.
    shape = [x.shape[0]] + [(s - 1) * d + 1 for s, d in zip(x.shape[1:-1], idil)] + [x.shape[-1]]
    xd = np.zeros(shape)
    xd[(slice(None),) + tuple(slice(None, None, d) for d in idil)] = x
    # Padding (negative crops).
    for d in range(nsp):
        ax = d + 1
        if lo[d] < 0:
            xd = np.take(xd, range(-lo[d], xd.shape[ax]), axis=ax)
        if hi[d] < 0:
            xd = np.take(xd, range(0, xd.shape[ax] + hi[d]), axis=ax)
        pw = [(0, 0)] * xd.ndim
        pw[ax] = (max(lo[d], 0), max(hi[d], 0))
        xd = np.pad(xd, pw)
    if flip:
        w = np.flip(w, axis=tuple(range(1, nsp + 1)))
    ks = w.shape[1:-1]
    out_sp = [(xd.shape[d + 1] - ((ks[d] - 1) * kdil[d] + 1)) // stride[d] + 1 for d in range(nsp)]
    cin_g = w.shape[-1]
    cout_g = w.shape[0] // groups
    out = np.zeros([x.shape[0]] + out_sp + [w.shape[0]])
    for g in range(groups):
        xg = xd[..., g * cin_g : (g + 1) * cin_g]
        wg = w[g * cout_g : (g + 1) * cout_g]
        for kpos in itertools.product(*[range(k) for k in ks]):
            idx = (slice(None),) + tuple(
                slice(kpos[d] * kdil[d], kpos[d] * kdil[d] + (out_sp[d] - 1) * stride[d] + 1, stride[d])
                for d in range(nsp)
            )
            patch = xg[idx]
            out[..., g * cout_g : (g + 1) * cout_g] += patch @ wg[(slice(None),) + kpos].T
    return out


CASES = [
    # nsp, N, spatial, cin, cout, k, stride, lo, hi, kdil, idil, groups, flip
    (1, 2, (9,), 3, 4, (3,), (1,), (0,), (0,), (1,), (1,), 1, False),
    (1, 2, (10,), 4, 6, (3,), (2,), (1,), (2,), (2,), (1,), 2, True),
    (1, 1, (7,), 2, 2, (2,), (1,), (-1,), (1,), (1,), (2,), 1, False),
    (2, 2, (6, 5), 3, 4, (3, 2), (1, 2), (1, 0), (1, 1), (1, 1), (1, 1), 1, False),
    (2, 1, (7, 7), 4, 4, (3, 3), (2, 1), (2, 1), (0, 1), (2, 1), (1, 2), 4, True),
    (2, 3, (4, 4), 5, 3, (1, 1), (1, 1), (0, 0), (0, 0), (1, 1), (1, 1), 1, False),
    (3, 1, (4, 5, 3), 2, 3, (2, 2, 2), (1, 2, 1), (1, 0, 1), (0, 1, 1), (1, 1, 2), (1, 1, 1), 1, False),
]


def make(case, dtype=np.float32):
    nsp, n, sp, cin, cout, k, *_rest = case
    groups = case[11]
    x = RNG.standard_normal((n, *sp, cin)).astype(dtype)
    w = RNG.standard_normal((cout, *k, cin // groups)).astype(dtype)
    return x, w


def call(case, x, w):
    _, _, _, _, _, _, stride, lo, hi, kdil, idil, groups, flip = case
    return mx.conv_general(
        x,
        w,
        stride=list(stride),
        padding=(list(lo), list(hi)),
        kernel_dilation=list(kdil),
        input_dilation=list(idil),
        groups=groups,
        flip=flip,
    )


@pytest.mark.parametrize("case", range(len(CASES)))
def test_conv_general_matches_reference(case):
    c = CASES[case]
    x, w = make(c)
    out = call(c, mx.array(x), mx.array(w))
    ref = ref_conv(x, w, *c[6:])
    assert out.shape == ref.shape and out.dtype == mx.float32
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype,tol", [(mx.float16, 3e-2), (mx.bfloat16, 1e-1), (mx.float64, 1e-10)])
def test_dtypes(dtype, tol):
    c = CASES[3]
    x, w = make(c)
    out = call(c, mx.array(x).astype(dtype), mx.array(w).astype(dtype))
    assert out.dtype == dtype
    ref = ref_conv(
        np.array(mx.array(x).astype(dtype).astype(mx.float32)),
        np.array(mx.array(w).astype(dtype).astype(mx.float32)),
        *c[6:],
    )
    np.testing.assert_allclose(np.array(out.astype(mx.float64)), ref, rtol=tol, atol=tol)
    # Mixed dtypes promote.
    assert mx.conv1d(mx.ones((1, 4, 2), mx.float16), mx.ones((1, 2, 2))).dtype == mx.float32


def test_layouts_and_shorthands():
    x = RNG.standard_normal((2, 8, 9, 3)).astype(np.float32)
    w = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
    xt = mx.array(np.ascontiguousarray(x.transpose(0, 2, 1, 3))).transpose(0, 2, 1, 3)  # non-contiguous
    out = mx.conv2d(xt, mx.array(w), stride=(2, 1), padding=1, dilation=(1, 2))
    ref = ref_conv(x, w, (2, 1), (1, 1), (1, 1), (1, 2), (1, 1), 1, False)
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-4, atol=1e-4)
    out = mx.conv1d(mx.array(x[:, :, 0]), mx.array(w[:, :, 0]), stride=2, padding=1, groups=1)
    ref = ref_conv(x[:, :, 0], w[:, :, 0], (2,), (1,), (1,), (1,), (1,), 1, False)
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-4, atol=1e-4)
    x3 = RNG.standard_normal((1, 4, 4, 4, 2)).astype(np.float32)
    w3 = RNG.standard_normal((3, 2, 2, 2, 2)).astype(np.float32)
    out = mx.conv3d(mx.array(x3), mx.array(w3), stride=(1, 2, 1), padding=(0, 1, 0))
    ref = ref_conv(x3, w3, (1, 2, 1), (0, 1, 0), (0, 1, 0), (1, 1, 1), (1, 1, 1), 1, False)
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-4, atol=1e-4)


def test_conv_transpose_is_the_input_gradient():
    # conv_transpose(y, w) equals the vjp of conv with respect to its input.
    for stride, pad, dil in [(1, 0, 1), (2, 1, 1), (2, 0, 2), (3, 2, 1)]:
        x = mx.array(RNG.standard_normal((2, 11, 3)).astype(np.float32))
        w = mx.array(RNG.standard_normal((4, 3, 3)).astype(np.float32))
        y = mx.conv1d(x, w, stride=stride, padding=pad, dilation=dil)
        cot = mx.array(RNG.standard_normal(y.shape).astype(np.float32))
        _, (gx,) = mx.vjp(lambda x: mx.conv1d(x, w, stride=stride, padding=pad, dilation=dil), [x], [cot])
        # The transposed weight maps C_out back to C_in.
        t = mx.conv_transpose1d(
            cot,
            mx.swapaxes(w, 0, 2),
            stride=stride,
            padding=pad,
            dilation=dil,
            output_padding=x.shape[1] - ((y.shape[1] - 1) * stride - 2 * pad + dil * 2 + 1),
        )
        np.testing.assert_allclose(np.array(t), np.array(gx), rtol=1e-4, atol=1e-4)


def test_conv_transpose_shapes_as_mlx():
    assert mx.conv_transpose2d(
        mx.ones((1, 5, 5, 2)), mx.ones((3, 2, 2, 2)), stride=2, padding=1, output_padding=1
    ).shape == (1, 9, 9, 3)
    assert mx.conv_transpose1d(mx.ones((1, 5, 4)), mx.ones((6, 3, 2)), stride=2, groups=2).shape == (1, 11, 6)
    assert mx.conv_transpose3d(mx.ones((1, 3, 3, 3, 2)), mx.ones((2, 2, 2, 2, 2))).shape == (1, 4, 4, 4, 2)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n,m", [(7, 3), (3, 7), (6, 4), (5, 5), (4, 1)])
def test_convolve(mode, n, m):
    a = RNG.standard_normal(n).astype(np.float32)
    v = RNG.standard_normal(m).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.convolve(mx.array(a), mx.array(v), mode=mode)),
        np.convolve(a, v, mode=mode),
        rtol=1e-5,
        atol=1e-5,
    )


def numeric_grad(f, x, eps=1e-6):
    x = np.array(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("case", [0, 1, 2, 4, 6])
def test_gradients_match_finite_differences(case):
    c = CASES[case]
    x, w = make(c, np.float64)
    cot = RNG.standard_normal(ref_conv(x, w, *c[6:]).shape)

    def loss(x, w):
        return (call(c, x, w) * mx.array(cot, mx.float64)).sum()

    f64 = lambda a: mx.array(a, mx.float64)
    gx, gw = mx.grad(loss, argnums=(0, 1))(f64(x), f64(w))
    assert gx.dtype == mx.float64
    np.testing.assert_allclose(
        np.array(gx), numeric_grad(lambda x: (ref_conv(x, w, *c[6:]) * cot).sum(), x), rtol=1e-7, atol=1e-8
    )
    np.testing.assert_allclose(
        np.array(gw), numeric_grad(lambda w: (ref_conv(x, w, *c[6:]) * cot).sum(), w), rtol=1e-5, atol=1e-6
    )
    # jvp against the same directional derivative.
    tx, tw = RNG.standard_normal(x.shape), RNG.standard_normal(w.shape)
    _, (t,) = mx.jvp(lambda x, w: call(c, x, w), [f64(x), f64(w)], [f64(tx), f64(tw)])
    eps = 1e-6
    fd = (ref_conv(x + eps * tx, w + eps * tw, *c[6:]) - ref_conv(x - eps * tx, w - eps * tw, *c[6:])) / (
        2 * eps
    )
    np.testing.assert_allclose(np.array(t), fd, rtol=1e-5, atol=1e-6)


def test_second_order():
    x = mx.array(RNG.standard_normal((1, 6, 2)), mx.float64)
    w = mx.array(RNG.standard_normal((2, 3, 2)), mx.float64)
    # d/dw of (d/dx loss) . v is linear in w: compare against a finite difference.
    v = mx.array(RNG.standard_normal((1, 6, 2)), mx.float64)

    def inner(w):
        gx = mx.grad(lambda x: (mx.conv1d(x, w, padding=1) ** 2).sum())(x)
        return (gx * v).sum()

    g = mx.grad(inner)(w)
    eps = 1e-6
    wn = np.array(w)
    fd = np.zeros_like(wn)
    for i in np.ndindex(wn.shape):
        d = np.zeros_like(wn)
        d[i] = eps
        fd[i] = (inner(mx.array(wn + d, mx.float64)).item() - inner(mx.array(wn - d, mx.float64)).item()) / (
            2 * eps
        )
    np.testing.assert_allclose(np.array(g), fd, rtol=1e-5, atol=1e-6)


def test_vmap_matches_loop():
    xs = mx.array(RNG.standard_normal((3, 2, 7, 4)).astype(np.float32))
    ws = mx.array(RNG.standard_normal((3, 6, 3, 2)).astype(np.float32))
    f = lambda x, w: mx.conv1d(x, w, stride=2, padding=1, groups=2)
    for in_axes, xi, wi in [
        ((0, None), xs, ws[0]),
        ((None, 0), xs[0], ws),
        ((0, 0), xs, ws),
        ((2, 1), xs.transpose(1, 2, 0, 3), ws.transpose(1, 0, 2, 3)),
    ]:
        out = mx.vmap(f, in_axes=in_axes)(xi, wi)
        for b in range(3):
            xb = xs[b] if in_axes[0] is not None else xi
            wb = ws[b] if in_axes[1] is not None else wi
            np.testing.assert_allclose(np.array(out[b]), np.array(f(xb, wb)), rtol=1e-4, atol=1e-4)


def test_errors_as_mlx():
    x, w = mx.ones((2, 8, 3)), mx.ones((4, 3, 3))
    with pytest.raises(ValueError, match=r"\[conv\] Invalid input array with type int32"):
        mx.conv1d(x.astype(mx.int32), w.astype(mx.int32))
    with pytest.raises(ValueError, match=r"input channels in the input and weight array to match"):
        mx.conv1d(x, mx.ones((4, 3, 2)))
    with pytest.raises(ValueError, match=r"1-3 spatial dimensions"):
        mx.conv1d(mx.ones((8, 3)), w)
    with pytest.raises(ValueError, match=r"divisible by the number of groups"):
        mx.conv1d(x, w, groups=2)
    with pytest.raises(ValueError, match=r"cannot be smaller than weight"):
        mx.conv1d(x, mx.ones((4, 9, 3)))
    with pytest.raises(ValueError, match=r"Stride sizes must be positive"):
        mx.conv1d(x, w, stride=0)
    with pytest.raises(ValueError, match="convolve"):
        mx.convolve(mx.ones(3), mx.ones(2), mode="bad")
    # Negative padding crops, as MLX.
    assert mx.conv1d(x, w, padding=-1).shape == (2, 4, 4)


def test_empty_batch():
    assert mx.conv2d(mx.zeros((0, 5, 5, 2)), mx.ones((3, 2, 2, 2))).shape == (0, 4, 4, 3)
