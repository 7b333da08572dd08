"""mx.fft against numpy.fft: values, shapes and dtypes over sizes (powers
of two, primes, composites), axes, norms and input types; gradients against
values recorded from MLX 0.32.4 and finite differences; vmap; errors."""

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(11)


def close(out, ref, tol=1e-4):
    ref = np.asarray(ref)
    assert tuple(out.shape) == ref.shape, (out.shape, ref.shape)
    scale = max(1.0, float(np.abs(ref).max())) if ref.size else 1.0
    np.testing.assert_allclose(np.array(out), ref, rtol=tol, atol=tol * scale)


def real(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def cplx(*shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 12, 13, 64, 100, 1000])
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_one_dimensional(n, norm):
    x, z = real(3, n), cplx(3, n)
    for f, npf, arg in [
        (mx.fft.fft, np.fft.fft, z),
        (mx.fft.ifft, np.fft.ifft, z),
        (mx.fft.fft, np.fft.fft, x),
        (mx.fft.rfft, np.fft.rfft, x),
    ]:
        out = f(mx.array(arg), norm=norm)
        assert out.dtype == mx.complex64
        close(out, npf(arg, norm=norm))
    spec = np.fft.rfft(x)
    for m in sorted({n, max(1, 2 * (n // 2 + 1) - 1)}):
        out = mx.fft.irfft(mx.array(spec.astype(np.complex64)), n=m, norm=norm)
        assert out.dtype == mx.float32
        close(out, np.fft.irfft(spec, n=m, norm=norm))


def test_sizes_axes_and_layouts():
    z, x = cplx(4, 6, 5), real(4, 6, 5)
    # n pads with zeros or truncates; other axes; a transposed input.
    for n in (3, 5, 9):
        close(mx.fft.fft(mx.array(z), n=n, axis=1), np.fft.fft(z, n=n, axis=1))
        close(mx.fft.rfft(mx.array(x), n=n, axis=0), np.fft.rfft(x, n=n, axis=0))
        close(mx.fft.irfft(mx.array(z), n=n, axis=-2), np.fft.irfft(z, n=n, axis=-2))
    xt = mx.array(x).transpose(2, 0, 1)
    close(mx.fft.fft(xt), np.fft.fft(x.transpose(2, 0, 1)))
    close(mx.fft.rfft(xt[:, ::2], axis=1), np.fft.rfft(x.transpose(2, 0, 1)[:, ::2], axis=1))
    # Integer, half and complex inputs to the real transform.
    close(mx.fft.fft(mx.arange(6)), np.fft.fft(np.arange(6)))
    close(
        mx.fft.rfft(mx.array(x).astype(mx.float16)),
        np.fft.rfft(x.astype(np.float16).astype(np.float32)),
        1e-3,
    )
    close(mx.fft.rfft(mx.array(z)), np.fft.rfft(z.real))
    assert mx.fft.irfft(mx.array(x)).dtype == mx.float32
    # Empty batch dims.
    assert mx.fft.fft(mx.zeros((0, 4))).shape == (0, 4)
    assert mx.fft.rfft(mx.zeros((0, 4))).shape == (0, 3)


def test_multi_dimensional():
    z, x = cplx(3, 4, 6), real(3, 4, 6)
    close(mx.fft.fft2(mx.array(z)), np.fft.fft2(z))
    close(mx.fft.ifft2(mx.array(z), s=(5, 3)), np.fft.ifft2(z, s=(5, 3)))
    close(mx.fft.fftn(mx.array(z)), np.fft.fftn(z))
    close(mx.fft.ifftn(mx.array(z), axes=(2, 0), norm="ortho"), np.fft.ifftn(z, axes=(2, 0), norm="ortho"))
    close(mx.fft.rfft2(mx.array(x)), np.fft.rfft2(x))
    close(mx.fft.rfftn(mx.array(x), axes=(2, 0)), np.fft.rfftn(x, axes=(2, 0)))
    close(mx.fft.rfftn(mx.array(x), s=(3, 7), axes=(0, 2)), np.fft.rfftn(x, s=(3, 7), axes=(0, 2)))
    spec = np.fft.rfftn(x).astype(np.complex64)
    close(mx.fft.irfftn(mx.array(spec)), np.fft.irfftn(spec))
    close(mx.fft.irfft2(mx.array(spec), s=(4, 7)), np.fft.irfft2(spec, s=(4, 7)))
    close(
        mx.fft.irfftn(mx.array(spec), s=(5, 4, 9), axes=(0, 1, 2), norm="forward"),
        np.fft.irfftn(spec, s=(5, 4, 9), axes=(0, 1, 2), norm="forward"),
    )


def test_frequencies_and_shifts():
    for n, d in [(1, 1.0), (5, 0.5), (8, 2.0)]:
        close(mx.fft.fftfreq(n, d), np.fft.fftfreq(n, d), 1e-6)
        close(mx.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d), 1e-6)
        assert mx.fft.fftfreq(n, d).dtype == mx.float32
    a = np.arange(30).reshape(5, 6)
    for axes in (None, 1, (0,), (1, 0)):
        np.testing.assert_array_equal(
            np.array(mx.fft.fftshift(mx.array(a), axes=axes)), np.fft.fftshift(a, axes)
        )
        np.testing.assert_array_equal(
            np.array(mx.fft.ifftshift(mx.array(a), axes=axes)), np.fft.ifftshift(a, axes)
        )


def test_gradients_as_mlx():
    # Recorded from MLX 0.32.4: the vjp applies the conjugate transpose.
    z = mx.array([1 + 2j, 3 - 1j, 0.5 + 0j, -1 + 1j], mx.complex64)
    c = mx.array([0.5 - 1j, 2 + 0j, 1j, -1 - 1j], mx.complex64)
    xr = mx.array([1.0, 2.0, -1.0, 0.5, 3.0])
    cr = mx.array([0.5 - 1j, 2 + 1j, 1j], mx.complex64)
    cases = [
        (mx.vjp(lambda a: mx.fft.fft(a), [z], [c]), [1.5 - 1j, -0.5 + 1j, -0.5 + 1j, 1.5 - 5j]),
        (
            mx.vjp(lambda a: mx.fft.ifft(a), [z], [c]),
            [0.375 - 0.25j, 0.375 - 1.25j, -0.125 + 0.25j, -0.125 + 0.25j],
        ),
        (mx.vjp(lambda a: mx.fft.rfft(a), [xr], [cr]), [2.5, -0.420808, -0.754763, -1.48131, 2.65688]),
        (mx.vjp(lambda a: mx.fft.irfft(a, n=5), [cr], [xr]), [1.1, 1.17984 + 0.733094j, -1.27984 - 0.33552j]),
        (
            mx.vjp(lambda a: mx.fft.irfft(a), [z], [mx.array([1.0, 2, 3, 4, 5, 6])]),
            [3.5, -1 + 1.73205j, -1 + 0.57735j, -0.5],
        ),
        (
            mx.vjp(lambda a: mx.fft.fft(a, norm="ortho"), [z], [c]),
            [0.75 - 0.5j, -0.25 + 0.5j, -0.25 + 0.5j, 0.75 - 2.5j],
        ),
        (mx.vjp(lambda a: mx.fft.fft(a, n=6), [z], [mx.ones(6, mx.complex64)]), [6, 0, 0, 0]),
        (mx.jvp(lambda a: mx.fft.rfft(a), [xr], [xr]), [5.5, 2.94959 + 1.83273j, -3.19959 - 0.8388j]),
    ]
    for (_, (got,)), want in cases:
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-4)


def test_gradients_finite_differences():
    # Real in, real out: the gradient is unambiguous.
    x = RNG.standard_normal(9)
    w = RNG.standard_normal(5)

    def f(v):
        spec = mx.fft.rfft(v)
        return (mx.abs(spec) ** 2 * mx.array(w, mx.float32)).sum() + mx.fft.irfft(spec * 1j, n=9).sum() ** 2

    g = np.array(mx.grad(f)(mx.array(x, mx.float32)))
    eps = 1e-3
    for i in range(9):
        d = np.zeros(9)
        d[i] = eps
        up = f(mx.array(x + d, mx.float32)).item()
        dn = f(mx.array(x - d, mx.float32)).item()
        assert abs((up - dn) / (2 * eps) - g[i]) < 2e-2 * max(1.0, abs(g[i]))


def test_vmap_matches_loop():
    z = mx.array(cplx(4, 3, 8))
    for f in (
        lambda a: mx.fft.fft(a),
        lambda a: mx.fft.ifft2(a),
        lambda a: mx.fft.irfft(a, n=10),
        lambda a: mx.fft.rfft(mx.real(a), axis=0),
    ):
        out = mx.vmap(f, in_axes=1)(z)
        for i in range(3):
            close(out[i], np.array(f(z[:, i])))


def test_errors_as_mlx():
    x = mx.zeros((2, 4))
    with pytest.raises(ValueError, match=r"\[fftn\] Invalid FFT output size requested \(0\)"):
        mx.fft.fft(x, n=0)
    with pytest.raises(ValueError, match=r"\[fftn\] Invalid FFT output size requested \(0\)"):
        mx.fft.fft(mx.zeros((0,)))
    with pytest.raises(ValueError, match=r"\[fftn\] Invalid FFT output size requested \(0\)"):
        mx.fft.irfft(mx.array([1.0 + 0j]))
    with pytest.raises(ValueError, match=r"\[fft\] Invalid norm"):
        mx.fft.fft(x, norm="bad")
    with pytest.raises(ValueError, match=r"\[fftn\] Duplicated axis received \(0,0\)"):
        mx.fft.fftn(x, axes=[0, 0])
    with pytest.raises(ValueError, match=r"\[fftn\] Shape and axes have different sizes"):
        mx.fft.fftn(x, s=[2], axes=[0, 1])
    with pytest.raises(ValueError, match=r"\[fftn\] `axes` should not be `None`"):
        mx.fft.fftn(x, s=[2, 2])
    with pytest.raises(IndexError):
        mx.fft.fft(x, axis=3)
    with pytest.raises(IndexError):
        mx.fft.fft(mx.array(1.0))
    with pytest.raises(ValueError, match=r"\[fftfreq\] `n` must be greater than 0"):
        mx.fft.fftfreq(0)


# Short-time transforms ----------------------------------------------------------

SIGNAL = np.sin(np.arange(40) * 0.3).astype(np.float32)


def test_stft_as_mlx():
    # Values recorded from MLX 0.32.4.
    x = mx.array(SIGNAL)
    s = mx.fft.stft(x, n_fft=8)
    assert s.shape == (5, 21) and s.dtype == mx.complex64
    np.testing.assert_allclose(
        np.array(s)[:3, :3],
        [
            [4.21902, 4.43319, 5.41008],
            [1.6219, 0.15144 + 1.77334j, -1.37192 + 0.96206j],
            [-0.19725, 0.19725 + 0.21417j, -0.60645 + 0.35352j],
        ],
        atol=1e-4,
    )
    s2 = mx.fft.stft(x, n_fft=8, hop_length=3, win_length=6, center=False)
    assert s2.shape == (5, 11)
    np.testing.assert_allclose(
        np.array(s2)[:2, :3],
        [[4.54687, 4.86943, 1.50691], [-1.98231 + 0.35168j, -1.3704 - 1.44016j, 0.2786 - 2.14211j]],
        atol=1e-4,
    )
    w = mx.array(np.hanning(8).astype(np.float32))
    np.testing.assert_allclose(
        np.array(mx.fft.stft(x, n_fft=8, window=w))[1, :3],
        [-0.22208 - 0.41401j, -1.03454 + 0.27608j, -1.80416 - 0.29648j],
        atol=1e-4,
    )
    np.testing.assert_allclose(
        np.array(mx.fft.stft(x[:3], n_fft=8))[:, 0], [2.31137, 0, -1.12928, 0, -0.0528], atol=1e-4
    )
    np.testing.assert_allclose(
        np.array(mx.fft.stft(x, n_fft=8, pad_mode="edge", hop_length=5))[2, :3],
        [-0.56464 + 0.48781j, -0.35352 + 0.06901j, 0.88202 - 0.96585j],
        atol=1e-4,
    )
    two = mx.fft.stft(x, n_fft=8, onesided=False, norm="ortho")
    assert two.shape == (8, 21)
    np.testing.assert_allclose(np.array(two)[6, :2], [-0.06974, 0.06974 - 0.07572j], atol=1e-4)
    assert mx.fft.stft(x.astype(mx.complex64), n_fft=8).shape == (8, 21)
    assert mx.fft.stft(mx.zeros((2, 3, 40)), n_fft=8).shape == (2, 3, 5, 21)


def test_stft_matches_numpy_frames():
    # Every frame is the rfft of the reflect-padded signal's window.
    x = RNG.standard_normal((2, 50)).astype(np.float32)
    n_fft, hop = 16, 5
    padded = np.pad(x, ((0, 0), (8, 8)), mode="reflect")
    frames = np.stack([padded[:, f * hop : f * hop + n_fft] for f in range(1 + (66 - n_fft) // hop)], axis=1)
    close(mx.fft.stft(mx.array(x), n_fft=n_fft, hop_length=hop), np.swapaxes(np.fft.rfft(frames), -1, -2))


def test_istft_inverts_stft():
    x = mx.array(SIGNAL)
    np.testing.assert_allclose(np.array(mx.fft.istft(mx.fft.stft(x, n_fft=8), n_fft=8)), SIGNAL, atol=1e-5)
    w = mx.array(np.hanning(8).astype(np.float32))
    r = mx.fft.istft(mx.fft.stft(x, n_fft=8, window=w), n_fft=8, window=w, length=40)
    np.testing.assert_allclose(np.array(r), SIGNAL, atol=1e-5)
    b = mx.stack([x, 2 * x])
    r = mx.fft.istft(mx.fft.stft(b, n_fft=16, hop_length=4), n_fft=16, hop_length=4, length=37)
    np.testing.assert_allclose(
        np.array(r)[:, -3:], [[-0.69987, -0.8797, -0.98094], [-1.39975, -1.75939, -1.96187]], atol=1e-4
    )
    s = mx.fft.stft(x, n_fft=8, hop_length=8, center=False)
    np.testing.assert_allclose(
        np.array(mx.fft.istft(s, n_fft=8, hop_length=8, center=False)), SIGNAL, atol=1e-5
    )
    s2 = mx.fft.stft(x, n_fft=8, hop_length=3, win_length=6, center=False)
    assert mx.fft.istft(s2, n_fft=8, hop_length=3, win_length=6, center=False).shape == (38,)
    assert mx.fft.istft(mx.fft.stft(x, n_fft=8), n_fft=8, length=30).shape == (30,)
    assert mx.fft.istft(mx.fft.stft(x, n_fft=8)).shape == (40,)
    two = mx.fft.stft(x, n_fft=8, onesided=False)
    np.testing.assert_allclose(np.array(mx.fft.istft(two, n_fft=8, onesided=False)), SIGNAL, atol=1e-5)


def test_stft_errors_as_mlx():
    x = mx.array(SIGNAL)
    with pytest.raises(ValueError, match=r"\[stft\] n_fft must be positive"):
        mx.fft.stft(x, n_fft=0)
    with pytest.raises(ValueError, match=r"\[stft\] hop_length must be positive"):
        mx.fft.stft(x, n_fft=8, hop_length=0)
    with pytest.raises(ValueError, match=r"\[stft\] window length must not exceed n_fft"):
        mx.fft.stft(x, n_fft=8, win_length=9)
    with pytest.raises(ValueError, match=r"\[stft\] Input is too short for the given n_fft"):
        mx.fft.stft(x[:5], n_fft=8, center=False)
