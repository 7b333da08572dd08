# Ops checked against MLX 0.32.4: values, dtypes and error types of corner
# cases (arange inference, shape overflow, empty inputs, NaN medians,
# complex logcumsumexp, pad modes, linalg and fft argument checks). The
# expected values were recorded from MLX 0.32.4 (CPU) and are written out
# literally.
import math

import numpy as np
import pytest

import mlx.core as mx

# ----------------------------------------------------------------- arange

ARANGE_CASES = [
    ((5,), {}, mx.int32, [0, 1, 2, 3, 4]),
    ((5.0,), {}, mx.float32, [0.0, 1.0, 2.0, 3.0, 4.0]),
    ((1, 3.0), {}, mx.float32, [1.0, 2.0]),
    ((1, 5, 1), {}, mx.int32, [1, 2, 3, 4]),
    ((2**40, 2**40 + 3), {}, mx.int64, [2**40, 2**40 + 1, 2**40 + 2]),
    ((-(2**40), -(2**40) + 3), {}, mx.int64, [-(2**40), -(2**40) + 1, -(2**40) + 2]),
    ((2**31 - 3, 2**31 - 1), {}, mx.int32, [2**31 - 3, 2**31 - 2]),
    ((-(2**31), -(2**31) + 2), {}, mx.int32, [-(2**31), -(2**31) + 1]),
    ((-(2**31) - 1, -(2**31) + 1), {}, mx.int64, [-(2**31) - 1, -(2**31)]),
    ((2**40, 2**40 + 3, 2**40), {}, mx.int64, [2**40]),
    ((), {"stop": 2, "step": 2**40}, mx.int64, [0]),
    ((2**40 + 3, 2**40, -1), {}, mx.int64, [2**40 + 3, 2**40 + 2, 2**40 + 1]),
    ((), {"stop": 2**40, "step": -1}, mx.int64, []),
    ((0.5, 2**40, 2**39), {}, mx.float32, [0.5, 549755813888.0]),
    ((0, 3, 0.2), {"dtype": mx.int32}, mx.int32, [0] * 15),
    ((-1, -4, -0.9), {"dtype": mx.int32}, mx.int32, [-1] * 4),
    ((0, 10, 100), {}, mx.int32, [0]),
    ((10, 0, 1), {}, mx.int32, []),
    ((10, 0, math.inf), {}, mx.float32, []),
    ((0, 10, math.inf), {}, mx.float32, [0.0]),
    ((0, -10, -math.inf), {}, mx.float32, [0.0]),
    ((2**31 - 2, 2**31 + 2), {}, mx.int64, [2**31 - 2, 2**31 - 1, 2**31, 2**31 + 1]),
    (
        (2**31 - 2, 2**31 + 2),
        {"dtype": mx.int32},
        mx.int32,
        [2147483646, 2147483647, -2147483648, -2147483647],
    ),
    ((-3,), {"step": -1}, mx.int32, [0, -1, -2]),
    ((-3, None, -1), {}, mx.int32, [0, -1, -2]),
    ((), {"stop": 2, "step": 0.5}, mx.float32, [0.0, 0.5, 1.0, 1.5]),
    ((), {"stop": 3}, mx.int32, [0, 1, 2]),
]


@pytest.mark.parametrize("args,kwargs,dtype,values", ARANGE_CASES)
def test_arange(args, kwargs, dtype, values):
    a = mx.arange(*args, **kwargs)
    assert a.dtype == dtype
    assert a.tolist() == values


def test_arange_errors():
    with pytest.raises(TypeError):
        mx.arange(start=1, step=2)
    with pytest.raises(TypeError):
        mx.arange(2**63)
    with pytest.raises(ValueError, match=r"\[arange\] step must be nonzero."):
        mx.arange(2, 2, 0)
    with pytest.raises(ValueError):
        mx.arange(0, 5, 0)


# ---------------------------------------------------------- shape checks


def test_shape_entries_take_integer_scalars():
    assert mx.topk(mx.arange(4), np.int32(2)).shape == (2,)
    assert mx.reshape(mx.arange(4), [np.int64(2), np.int32(2)]).shape == (2, 2)
    assert mx.zeros(np.int64(3)).shape == (3,)
    for bad in (np.float32(2), "2", 2.0):
        with pytest.raises(TypeError):
            mx.reshape(mx.arange(4), [bad, 2])
    with pytest.raises(TypeError):
        mx.topk(mx.arange(4), np.float32(2))


def test_shape_overflow_errors():
    big = 2**31
    for ctor in (mx.zeros, mx.ones):
        with pytest.raises(OverflowError, match=f"Shape dimension {big} is outside the supported range"):
            ctor(big)
        with pytest.raises(OverflowError, match=f"Integer value {big} is outside the supported range"):
            ctor([big])
    with pytest.raises(OverflowError, match="-2147483649"):
        mx.full([-(2**31) - 1], 0.0)
    with pytest.raises(OverflowError, match=str(big)):
        mx.reshape(mx.zeros(4), [big])
    with pytest.raises(OverflowError, match=str(big)):
        mx.broadcast_to(mx.zeros(4), [big, 1])
    big_arr = mx.zeros(2**30)
    with pytest.raises(OverflowError, match=r"\[concatenate\] Shape dimension 3221225472"):
        mx.concatenate([big_arr] * 3)
    with pytest.raises(OverflowError, match=r"\[repeat\] Shape dimension 2147483648"):
        mx.repeat(big_arr, 2)
    with pytest.raises(OverflowError, match=r"\[kron\] Shape dimension 4294967296"):
        mx.kron(mx.zeros(2**16), mx.zeros(2**16))
    assert mx.zeros((2, 3)).shape == (2, 3)


def test_broadcast_to_negative_dims():
    with pytest.raises(ValueError, match=r"\[broadcast_to\] Negative dimensions not allowed."):
        mx.broadcast_to(mx.ones((10, 20)), (-1, 10, 20))
    assert mx.broadcast_to(mx.ones((0,)), (3, 0)).shape == (3, 0)


# ---------------------------------------------------------- empty inputs


def test_take_from_empty_axis():
    a = mx.zeros((4, 0))
    out = mx.take(a, mx.array([1, 2]), axis=0)
    assert out.shape == (2, 0) and out.dtype == mx.float32
    with pytest.raises(ValueError, match=r"\[take\] Cannot do a non-empty take from an empty axis."):
        mx.take(a, mx.array([[1]]), axis=1)
    with pytest.raises(ValueError, match=r"\[take\] Cannot do a non-empty take from an empty axis."):
        mx.take(a, mx.array([1, 2]))
    with pytest.raises(ValueError, match="zero elements"):
        mx.take(a, 1, axis=1)


def test_kron():
    assert mx.kron(mx.array([[1, 2], [3, 4]]), mx.array([[0, 1], [1, 0]])).tolist() == [
        [0, 1, 0, 2],
        [1, 0, 2, 0],
        [0, 3, 0, 4],
        [3, 0, 4, 0],
    ]
    for a, b in (
        (mx.array([]), mx.array([1, 2])),
        (mx.array([1, 2]), mx.zeros((0, 2))),
        (mx.array(2.0), mx.zeros((0,))),
    ):
        with pytest.raises(ValueError, match=r"\[kron\] Input arrays cannot be empty."):
            mx.kron(a, b)


def test_put_along_axis_empty():
    a = mx.array([], mx.float32)
    b = mx.put_along_axis(a, a, a, axis=None)  # any index dtype when nothing is put
    assert b.shape == (0,) and b.dtype == mx.float32
    c = mx.put_along_axis(mx.zeros((4, 0)), mx.array([[1]]), mx.array(1.0), axis=1)
    assert c.shape == (4, 0)
    d = mx.put_along_axis(mx.zeros((2, 3)), mx.array([[2], [0]]), mx.array([[5.0], [7.0]]), axis=1)
    assert d.tolist() == [[0.0, 0.0, 5.0], [7.0, 0.0, 0.0]]
    for dt in (mx.int64, mx.uint64):
        out = mx.put_along_axis(
            mx.zeros((4, 8), dtype=dt), mx.array([[0], [1], [2], [3]]), mx.ones((4, 1), dtype=dt), axis=1
        )
        assert out.dtype == dt
        assert out[:, 0].tolist() == [1, 0, 0, 0]


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
def test_pad_reflect_symmetric_empty_axis(mode):
    with pytest.raises(ValueError, match=rf"\[pad\] Cannot pad empty axis 0 using mode '{mode}'."):
        mx.pad(mx.array([]), 2, mode=mode)
    with pytest.raises(ValueError, match=rf"\[pad\] Cannot pad empty axis 1 using mode '{mode}'."):
        mx.pad(mx.zeros((3, 0)), [(0, 0), (1, 0)], mode=mode)
    assert mx.pad(mx.zeros((0, 3)), [(0, 0), (2, 1)], mode=mode).shape == (0, 6)


def test_pad_reflect_symmetric_wide():
    x = mx.array([1.0, 2.0, 3.0])
    assert mx.pad(x, [(5, 7)], mode="symmetric").tolist() == [2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3]
    assert mx.pad(x, [(5, 7)], mode="reflect").tolist() == [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2]
    assert mx.pad(mx.arange(6).reshape(2, 3), [(3, 2), (4, 4)], mode="reflect").tolist() == [
        [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5],
        [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2],
        [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5],
        [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2],
        [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5],
        [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2],
        [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5],
    ]
    assert mx.pad(mx.array([1.0]), [(2, 2)], mode="reflect").tolist() == [1, 1, 1, 1, 1]


# --------------------------------------------------------------- median


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32])
@pytest.mark.parametrize("vals", [[1.0, math.nan, 0.0], [math.nan, 1.0, 0.0], [1.0, 2.0, math.nan, 4.0]])
def test_median_nan(vals, dtype):
    out = mx.median(mx.array(vals, dtype=dtype))
    assert out.dtype == dtype
    assert mx.isnan(out).item()


def test_median_nan_along_axis():
    x = mx.array([[1.0, math.nan, 3.0], [4.0, 5.0, 6.0]])
    out = mx.median(x, axis=1).tolist()
    assert math.isnan(out[0]) and out[1] == 5.0
    out = mx.median(mx.array([[1.0, math.nan], [2.0, 3.0], [4.0, 5.0]]), axis=0).tolist()
    assert out[0] == 2.0 and math.isnan(out[1])
    assert mx.median(mx.array([3.0, 1.0, 2.0, 4.0], mx.bfloat16)).item() == 2.5
    assert mx.median(mx.array([1, 2, 3, 4])).dtype == mx.float32


# --------------------------------------------------------- logcumsumexp


def test_logcumsumexp_real():
    x = mx.array([[0.5, -1.0, 2.0], [0.0, 3.0, -2.0]])
    np.testing.assert_allclose(
        mx.logcumsumexp(x, axis=1).tolist(),
        [[0.5, 0.7014132738113403, 2.2413113117218018], [0.0, 3.0485873222351074, 3.054985284805298]],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        mx.logcumsumexp(x, axis=0, reverse=True).tolist(),
        [[0.9740769863128662, 3.0181498527526855, 2.0181498527526855], [0.0, 3.0, -2.0]],
        rtol=1e-5,
    )
    assert mx.logcumsumexp(mx.array([-math.inf, math.inf, -math.inf])).tolist() == [
        -math.inf,
        math.inf,
        math.inf,
    ]


def test_logcumsumexp_complex():
    a = mx.array(np.array([1, 2, 3], np.float32) + 1j)
    out = mx.logcumsumexp(a)
    assert out.dtype == mx.complex64
    np.testing.assert_allclose(np.array(out), [1 + 1j, 2.31326 + 1j, 3.40761 + 1j], rtol=1e-5)
    np.testing.assert_allclose(
        np.array(mx.logcumsumexp(a, reverse=True)), [3.40761 + 1j, 3.31326 + 1j, 3 + 1j], rtol=1e-5
    )
    excl = np.array(mx.logcumsumexp(a, inclusive=False))
    assert excl[0].real == -math.inf
    np.testing.assert_allclose(excl[1:], [1 + 1j, 2.31326 + 1j], rtol=1e-5)
    z = mx.array(np.array([[1 + 1j, 0.5 - 2j, -1 + 0.25j], [2 + 0j, 0 - 1j, 3 + 3j]], np.complex64))
    np.testing.assert_allclose(
        np.array(mx.logcumsumexp(z, axis=1)),
        [
            [1 + 1j, 0.10499292612075806 + 0.7889591455459595j, 0.3638613522052765 + 0.657357931137085j],
            [2 + 0j, 2.076171398162842 - 0.1057252511382103j, 2.4948699474334717 + 2.976405620574951j],
        ],
        rtol=1e-4,
        atol=1e-5,
    )
    np.testing.assert_allclose(
        np.array(mx.logcumsumexp(z, axis=0)),
        [
            [1 + 1j, 0.5 - 2j, -1 + 0.25j],
            [
                2.2135701179504395 + 0.25271138548851013j,
                0.8523647785186768 - 1.633009672164917j,
                2.9829511642456055 + 2.992889404296875j,
            ],
        ],
        rtol=1e-4,
        atol=1e-5,
    )
    big = mx.array(np.array([100 + 1j, 101 + 0.5j, 99 - 1j], np.complex64))
    np.testing.assert_allclose(
        np.array(mx.logcumsumexp(big)),
        [100 + 1j, 101.2885971069336 + 0.6325452327728271j, 101.28748321533203 + 0.5310425162315369j],
        rtol=1e-5,
    )


# ------------------------------------------------------------------- fft


def test_fft_argument_errors():
    with pytest.raises(ValueError, match=r"\[fftn\] Requires array with at least one dimension."):
        mx.fft.irfftn(mx.array(3.0))
    with pytest.raises(ValueError, match=r"\[fftn\] Requires array with at least one dimension."):
        mx.fft.fftn(mx.array(3.0))
    with pytest.raises(ValueError):
        mx.fft.fft(mx.array([1.0]), norm="invalid")
    for f in (mx.fft.fftfreq, mx.fft.rfftfreq):
        with pytest.raises(ValueError, match="`n` must be greater than 0."):
            f(0)
        with pytest.raises(ValueError, match="`d` must be non-zero."):
            f(4, d=0.0)


def test_fftfreq_values():
    np.testing.assert_array_equal(
        mx.fft.fftfreq(6, d=1.0).tolist(),
        [0.0, 0.1666666716337204, 0.3333333432674408, -0.5, -0.3333333432674408, -0.1666666716337204],
    )
    assert mx.fft.rfftfreq(8, d=-0.5).tolist() == [-0.0, -0.25, -0.5, -0.75, -1.0]
    assert mx.fft.fftfreq(5, d=0.25).dtype == mx.float32


# ---------------------------------------------------------------- linalg


@pytest.mark.parametrize("name", ["det", "slogdet"])
def test_det_errors(name):
    f = getattr(mx.linalg, name)
    op = f"linalg::{name}"
    with pytest.raises(ValueError, match=rf"\[{op}\] Only defined for square matrices."):
        f(mx.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), stream=mx.cpu)
    with pytest.raises(ValueError, match=rf"\[{op}\] Arrays must have >= 2 dimensions."):
        f(mx.array([1.0, 2.0]), stream=mx.cpu)
    with pytest.raises(ValueError, match=rf"\[{op}\] Complex inputs are not supported."):
        f(mx.array([[1.0 + 1j, 2.0], [3.0, 4.0]]), stream=mx.cpu)
    with pytest.raises(ValueError, match=rf"\[{op}\] Complex inputs are not supported."):
        f(mx.eye(4).astype(mx.complex64), stream=mx.cpu)


def test_det_int_and_empty():
    assert mx.linalg.det(mx.array([[1, 2], [3, 4]]), stream=mx.cpu).item() == pytest.approx(-2.0)
    d = mx.linalg.det(mx.zeros((3, 0, 0)), stream=mx.cpu)
    assert d.tolist() == [1.0, 1.0, 1.0]


def test_pinv_empty_and_tall():
    assert mx.linalg.pinv(mx.zeros((0, 3)), stream=mx.cpu).shape == (3, 0)
    assert mx.linalg.pinv(mx.zeros((2, 3, 0)), stream=mx.cpu).shape == (2, 0, 3)
    np.testing.assert_allclose(
        mx.linalg.pinv(mx.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), stream=mx.cpu).tolist(),
        [
            [-1.3333311080932617, -0.33333149552345276, 0.6666648983955383],
            [1.0833314657211304, 0.3333318531513214, -0.41666531562805176],
        ],
        rtol=1e-4,
        atol=1e-5,
    )


def test_complex_svd():
    a_np = np.array([[1 + 2j, 0.5 - 1j, 0], [2j, -1, 1 + 1j], [0.25, 3 - 1j, 2]], np.complex64)
    a = mx.array(a_np)
    s = mx.linalg.svd(a, compute_uv=False, stream=mx.cpu)
    assert s.dtype == mx.float32
    np.testing.assert_allclose(
        s.tolist(), [3.93426251411438, 3.1524689197540283, 1.3769603967666626], rtol=1e-5
    )
    u, s, vt = mx.linalg.svd(a, stream=mx.cpu)
    assert (u.dtype, s.dtype, vt.dtype) == (mx.complex64, mx.float32, mx.complex64)
    np.testing.assert_allclose(np.array(u @ mx.diag(s) @ vt), a_np, atol=1e-5)
    s = mx.linalg.svd(
        mx.array(np.array([[1 + 1j, 2 + 2j], [3 + 3j, 4 + 4j]], np.complex64)),
        compute_uv=False,
        stream=mx.cpu,
    )
    np.testing.assert_allclose(s.tolist(), [7.72866, 0.517554], rtol=1e-5)


def test_complex_eig():
    a_np = np.array([[1 + 2j, 0.5 - 1j, 0], [2j, -1, 1 + 1j], [0.25, 3 - 1j, 2]], np.complex64)
    a = mx.array(a_np)
    w = np.array(mx.linalg.eigvals(a, stream=mx.cpu))
    expected = [
        -2.4484663009643555 - 0.32896652817726135j,
        1.3423558473587036 + 1.7233059406280518j,
        3.1061103343963623 + 0.6056599020957947j,
    ]
    np.testing.assert_allclose(sorted(w, key=lambda z: z.real), expected, rtol=1e-4, atol=1e-5)
    w, v = mx.linalg.eig(a, stream=mx.cpu)
    assert w.dtype == mx.complex64 and v.dtype == mx.complex64
    np.testing.assert_allclose(np.array(a @ v), np.array(w[None, :] * v), atol=1e-4)


def test_complex_eigh():
    h_np = np.array([[2, 1 - 1j, 0.5j], [1 + 1j, 3, -1], [-0.5j, -1, 1]], np.complex64)
    h = mx.array(h_np)
    for uplo in ("L", "U"):
        w, v = mx.linalg.eigh(h, UPLO=uplo, stream=mx.cpu)
        assert w.dtype == mx.float32 and v.dtype == mx.complex64
        np.testing.assert_allclose(
            w.tolist(), [0.413671612739563, 1.2560654878616333, 4.33026123046875], rtol=1e-5
        )
        np.testing.assert_allclose(np.array(h @ v), np.array(w[None, :] * v), atol=1e-5)
    # Only the named triangle is read.
    lower_only = mx.array(np.tril(h_np))
    np.testing.assert_allclose(
        mx.linalg.eigvalsh(lower_only, UPLO="L", stream=mx.cpu).tolist(),
        [0.413671612739563, 1.2560654878616333, 4.33026123046875],
        rtol=1e-5,
    )
    with pytest.raises(ValueError, match="float32, float64 or complex64"):
        mx.linalg.eigh(mx.array([[1, 2], [2, 1]]), stream=mx.cpu)


@pytest.mark.parametrize("n", [2**16, 2**17, 2**20])
def test_fft_long_powers_of_two(n):
    # Lengths from 2^16 take the six-step path (in-cache transforms and
    # blocked transposes); the results must equal the radix-2 ones, which
    # NumPy's transform stands for here.
    rng = np.random.default_rng(0)
    x = (rng.random((2, n)) + 1j * rng.random((2, n))).astype(np.complex64)
    for mx_f, np_f in ((mx.fft.fft, np.fft.fft), (mx.fft.ifft, np.fft.ifft)):
        out = np.array(mx_f(mx.array(x)))
        ref = np_f(x.astype(np.complex128))
        assert np.abs(out - ref).max() <= 1e-5 * np.abs(ref).max()
    r = x.real.copy()
    out = np.array(mx.fft.rfft(mx.array(r)))
    ref = np.fft.rfft(r.astype(np.float64))
    assert np.abs(out - ref).max() <= 1e-5 * np.abs(ref).max()
    back = np.array(mx.fft.irfft(mx.array(ref.astype(np.complex64))))
    np.testing.assert_allclose(back, r, atol=1e-5)


def test_median_complex_nan():
    out = mx.median(mx.array([complex(1, 0), complex(math.nan, 0), complex(0, 0)]))
    assert mx.isnan(out).item()
    assert mx.median(mx.array([0, 1, 2, 3, 4])).item() == 2


def test_fp8_round_trip():
    v = mx.array(
        [
            448,
            256,
            0.015625,
            1.0,
            -1.0,
            0.3,
            500,
            1e9,
            math.nan,
            math.inf,
            -math.inf,
            0.001,
            0.0019,
            0.00098,
            -0.0,
            460,
            464,
            2**-9,
            2**-10,
        ]
    )
    q = mx.to_fp8(v)
    assert q.dtype == mx.uint8
    assert q.tolist() == [126, 120, 8, 56, 184, 42, 126, 126, 126, 126, 254, 1, 1, 1, 128, 126, 126, 1, 0]
    back = mx.from_fp8(q)
    assert back.dtype == mx.bfloat16
    assert back.tolist() == [
        448.0,
        256.0,
        0.015625,
        1.0,
        -1.0,
        0.3125,
        448.0,
        448.0,
        448.0,
        448.0,
        -448.0,
        0.001953125,
        0.001953125,
        0.001953125,
        -0.0,
        448.0,
        448.0,
        0.001953125,
        0.0,
    ]
    table = mx.from_fp8(mx.arange(256).astype(mx.uint8), dtype=mx.float32).tolist()
    assert table[:4] == [0.0, 0.001953125, 0.00390625, 0.005859375]
    assert table[120:127] == [256.0, 288.0, 320.0, 352.0, 384.0, 416.0, 448.0]
    assert math.isnan(table[127]) and math.isnan(table[255]) and table[128] == -0.0
    assert mx.to_fp8(mx.array([1.0, 2.5], mx.float16)).tolist() == [56, 66]
    with pytest.raises(ValueError, match=r"\[from_fp8\] Input must have type uint8"):
        mx.from_fp8(mx.array([1.0]))
    with pytest.raises(ValueError, match=r"\[to_fp8\] Only real floating types are supported"):
        mx.to_fp8(mx.array([1]))
