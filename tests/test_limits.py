"""Inputs at the limits of the types that hold them: shapes whose element count
overflows, negative dimensions, offsets near 2**31 and 2**63, the most negative
integers divided by -1, nesting deeper than the C stack, Python ints outside a
dtype. Each once crashed or hung the process (issue 17); each must now give
NumPy's answer or a clean error naming the op."""

import functools
import subprocess
import sys
import warnings

import numpy as np
import pytest

import mlx.core as mx

SIGNED = [(mx.int8, np.int8), (mx.int16, np.int16), (mx.int32, np.int32), (mx.int64, np.int64)]


# ------------------------------------------------------------ shape overflow

# (call, op named in the message): every element count here overflows int64
# (or wraps to 0: (2**16,) * 4), or its byte count does.
OVERFLOWING = [
    (lambda: mx.zeros((2**21, 2**21, 2**21)), "full"),
    (lambda: mx.ones((2**30, 2**30, 4)), "full"),
    (lambda: mx.full((2**31 - 1, 2**31 - 1, 2), 1.0), "full"),
    (lambda: mx.zeros((2**31 - 1, 2**31 - 1), dtype=mx.int64), "full"),
    (lambda: mx.tile(mx.array([1]), (2**16,) * 4), "tile"),
    (lambda: mx.broadcast_to(mx.array(1), (2**30, 2**30, 2**30)), "broadcast_to"),
    (lambda: mx.random.uniform(shape=(2**21,) * 3), "bits"),
    (lambda: mx.random.normal((2**31 - 1, 2**31 - 1, 2)), "bits"),
    (lambda: mx.random.laplace((2**16,) * 4), "bits"),
    (lambda: mx.eye(2**31 - 1), "eye"),
    (lambda: mx.tri(2**31 - 1, 2**31 - 1, dtype=mx.float32), "tri"),
    (lambda: mx.diag(mx.array([]), k=2**31 - 1), "diag"),
    # Broadcasting two inputs: each fits, their result does not.
    (lambda: mx.zeros((2**21, 1, 1), mx.bool_) + mx.zeros((2**21, 2**21), mx.bool_), "broadcast_to"),
]


@pytest.mark.parametrize("i", range(len(OVERFLOWING)))
def test_shape_whose_size_overflows_raises(i):
    call, op = OVERFLOWING[i]
    with pytest.raises(OverflowError, match=r"^\[%s\] An array of shape" % op):
        mx.eval(call())


def test_dimension_outside_int32_raises():
    # MLX's message for a computed dimension past int32.
    with pytest.raises(OverflowError, match=r"^\[pad\] Shape dimension 2147483649 is outside"):
        mx.pad(mx.array([1]), (2**30, 2**30))
    with pytest.raises(OverflowError, match=r"^\[tile\] Shape dimension 2147483648 is outside"):
        mx.tile(mx.array([1, 2]), 2**30)
    with pytest.raises(OverflowError, match=r"^\[diag\] Shape dimension"):
        mx.diag(mx.array([1.0, 2.0]), k=2**31 - 1)


def test_large_shapes_that_fit_are_accepted():
    # Empty arrays with huge dimensions hold no element: they are fine, as in MLX.
    x = mx.zeros((2**30, 2**30, 2**30, 0))
    assert x.shape == (2**30, 2**30, 2**30, 0) and x.size == 0
    assert mx.reshape(mx.zeros((0,)), (0, 2**31 - 1, 2**31 - 1)).shape == (0, 2**31 - 1, 2**31 - 1)
    # A broadcast view holds its elements' count, not their bytes.
    y = mx.broadcast_to(mx.array(7, mx.int8), (2**31 - 1, 2**31 - 1))
    assert y.shape == (2**31 - 1, 2**31 - 1)
    assert y[5, 9].item() == 7


NEGATIVE = [
    (lambda: mx.broadcast_to(mx.array(1.0), (-2, 3)), ValueError, "broadcast_to"),
    (lambda: mx.zeros((3, -1)), ValueError, "full"),
    (lambda: mx.full((-3,), 1), ValueError, "full"),
    (lambda: mx.random.normal((-1,)), ValueError, "bits"),
    (lambda: mx.random.randint(0, 5, (2, -4)), ValueError, "bits"),
    (lambda: mx.tile(mx.array([1]), (-2,)), ValueError, "tile"),
    (lambda: mx.reshape(mx.array([1]), (-2, 3)), ValueError, "reshape"),
    (lambda: mx.as_strided(mx.array([1, 2, 3]), (-1,), (1,)), ValueError, "as_strided"),
    (lambda: mx.eye(-2), ValueError, "eye"),
    (lambda: mx.pad(mx.array([1]), -5), ValueError, "pad"),
]


@pytest.mark.parametrize("i", range(len(NEGATIVE)))
def test_negative_dimensions_rejected(i):
    call, exc, op = NEGATIVE[i]
    with pytest.raises(exc, match=r"^\[%s\]" % op):
        mx.eval(call())


# ------------------------------------------------------------ offsets


@pytest.mark.parametrize(
    "shape,strides,offset",
    [
        ((3,), (1,), 2**63 - 1),
        ((3,), (1,), 2**64 - 1),
        ((10,), (2**40,), 0),
        ((2, 2), (2**62, 2**62), 0),
        ((3,), (-(2**62),), 2**62),
        ((2**20, 2**20), (2**43, 1), 0),
    ],
)
def test_as_strided_outside_the_buffer_raises(shape, strides, offset):
    with pytest.raises(ValueError, match=r"^\[as_strided\] The view .* reaches outside the input"):
        mx.eval(mx.as_strided(mx.array([False] * 3), shape, strides, offset))


def test_as_strided_inside_the_buffer():
    x = mx.arange(6)
    np.testing.assert_array_equal(mx.as_strided(x, (2, 2), (-1, 3), 1), [[1, 4], [0, 3]])
    assert mx.as_strided(x, (0, 2**31 - 1), (2**62, 2**62), 2**62).shape == (0, 2**31 - 1)


@pytest.mark.parametrize("k", [-(2**31), -(2**31) + 1, -5, -4, -1, 0, 3, 4, 2**31 - 2, 2**31 - 1])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 3, 0), (2, 1, 3)])
def test_triangles_and_diagonals_at_extreme_offsets(k, shape):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) + 1
    a = mx.array(x)
    n, m = shape[-2:]
    r = max(min(k, m + 1), -n - 1)  # the same answers (NumPy's diagonal crashes at -2**31)
    np.testing.assert_array_equal(mx.triu(a, k), np.triu(x, r))
    np.testing.assert_array_equal(mx.tril(a, k), np.tril(x, r))
    np.testing.assert_array_equal(mx.tri(n, m, k), np.tri(n, m, r))
    np.testing.assert_array_equal(mx.eye(n, m, k), np.eye(n, m, r))
    np.testing.assert_array_equal(mx.diagonal(a, k, -2, -1), np.diagonal(x, r, -2, -1))
    if len(shape) == 2:
        np.testing.assert_array_equal(mx.diag(a, k), np.diag(x, r))


def test_diag_of_vector_at_large_offsets():
    v = np.array([1.0, 2.0], np.float32)
    for k in (-3, 3, -300, 300):
        np.testing.assert_array_equal(mx.diag(mx.array(v), k), np.diag(v, k))
    assert mx.diag(mx.array([]), k=-300).shape == (300, 300)


# ------------------------------------------------------------ integer division


@pytest.mark.parametrize("mt,nt", SIGNED)
@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_most_negative_integer_divided_by_minus_one_wraps(mt, nt):
    lo = np.iinfo(nt).min
    x = np.array([lo, lo + 1, 7, -7, 0, lo], nt)
    y = np.array([-1, -1, -1, -1, -1, 3], nt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q, r = x // y, x % y
    a, b = mx.array(x), mx.array(y)
    for out, ref in [
        (a // b, q),
        (a % b, r),
        (mx.floor_divide(a, b), q),
        (mx.remainder(a, b), r),
        (a // -1, x // np.array(-1, nt)),
        (lo // mx.array([-1, -1], mt), np.full(2, lo, nt)),
        (mx.compile(lambda u, v: (u // v) + (u % v) * 2)(a, b), q + r * 2),
        (mx.vmap(lambda u: u // mx.array(-1, mt))(a), q * 0 + x // np.array(-1, nt)),
    ]:
        assert out.dtype == mt
        np.testing.assert_array_equal(np.array(out), ref)
    d, m = mx.divmod(a, b)
    np.testing.assert_array_equal(np.array(d), q)
    np.testing.assert_array_equal(np.array(m), r)
    c = mx.array(x)
    c //= b
    np.testing.assert_array_equal(np.array(c), q)
    c = mx.array(x)
    c %= b
    np.testing.assert_array_equal(np.array(c), r)
    # Broadcast and strided divisors take the same path.
    s = mx.array(np.array([[-1, 2]], nt))[:, ::-1]
    np.testing.assert_array_equal(np.array(mx.array(x)[:, None] // s), x[:, None] // np.array([[2, -1]], nt))


def test_integer_division_by_zero_still_gives_zero():
    a = mx.array([-(2**31), 5], mx.int32)
    np.testing.assert_array_equal(a // 0, [0, 0])
    np.testing.assert_array_equal(a % 0, [0, 0])


# ------------------------------------------------------------ Python arguments


def nested(depth, leaf, wrap=list):
    return functools.reduce(lambda a, _: wrap([a]), range(depth), leaf)


def test_lists_nested_past_the_depth_limit_raise():
    # 2,000 levels are converted (MLX takes more, and crashes at ~15,000);
    # deeper nesting is refused before any recursion can overflow the stack.
    x = mx.array(nested(2000, 3))
    assert x.shape == (1,) * 2000 and x.dtype == mx.int32
    assert mx.array(nested(1999, mx.array([1.5]))).shape == (1,) * 2000
    for obj in (nested(2001, 0), nested(15000, 0), nested(100000, 0, tuple), nested(15000, mx.array(1))):
        with pytest.raises(ValueError, match="nested more than 2000 levels deep"):
            mx.array(obj)
    with pytest.raises(ValueError, match="nested more than 2000 levels deep"):
        mx.add(nested(15000, 1.0), mx.array(1.0))


def test_deep_nesting_in_a_child_process_exits_cleanly():
    # The crash was a stack overflow: run it where one would kill only a child.
    code = "import functools, mlx.core as mx\ntry:\n mx.array(functools.reduce(lambda a, _: [a], range(50000), 0))\nexcept ValueError:\n print('ok')"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr[-500:]


ZERO_D_AS_SEQUENCE = [
    lambda: mx.jvp(lambda x: x, mx.array(1.0), [mx.array(1.0)]),
    lambda: mx.jvp(lambda x: x, [mx.array(1.0)], mx.array(1.0)),
    lambda: mx.vjp(lambda x: x, mx.array(1.0), [mx.array(1.0)]),
    lambda: mx.vjp(lambda x: x, [mx.array(1.0)], mx.array(1.0)),
    lambda: mx.reshape(mx.ones((2, 3)), mx.array(6)),
    lambda: mx.zeros(mx.array(3)),
    lambda: mx.broadcast_to(mx.ones((1, 4)), mx.array(4)),
    lambda: mx.random.normal(mx.array(3)),
    lambda: mx.fft.fftn(mx.ones((4, 4)), s=mx.array(4)),
    lambda: mx.transpose(mx.ones((2, 3)), mx.array(1)),
    lambda: mx.as_strided(mx.ones(4), (2,), mx.array(1)),
    lambda: mx.conv2d(mx.ones((1, 4, 4, 1)), mx.ones((1, 2, 2, 1)), stride=mx.array(1.5)),
    lambda: mx.pad(mx.ones((2,)), mx.array(1.5)),
]


@pytest.mark.parametrize("i", range(len(ZERO_D_AS_SEQUENCE)))
def test_zero_d_array_where_a_sequence_is_expected(i):
    # MLX: TypeError (incompatible function arguments); this gave SystemError.
    with pytest.raises(TypeError):
        mx.eval(ZERO_D_AS_SEQUENCE[i]())


def test_integer_zero_d_arrays_serve_as_ints():
    # As in MLX, where an int is taken an integer 0-d array is one too.
    x = mx.ones((1, 4, 4, 1))
    w = mx.ones((1, 2, 2, 1))
    ref = mx.conv2d(x, w, stride=1, padding=1)
    assert mx.array_equal(mx.conv2d(x, w, stride=mx.array(1), padding=mx.array(1)), ref).item()
    assert mx.array_equal(
        mx.conv1d(mx.ones((1, 4, 1)), mx.ones((1, 2, 1)), stride=mx.array(2)), mx.full((1, 2, 1), 2.0)
    ).item()
    np.testing.assert_array_equal(mx.sum(mx.ones((2, 3)), axis=mx.array(1)), [3, 3])
    np.testing.assert_array_equal(mx.pad(mx.ones((2,)), mx.array(1)), [0, 1, 1, 0])
    np.testing.assert_array_equal(mx.expand_dims(mx.ones((2,)), mx.array(0)).shape, (1, 2))
    np.testing.assert_array_equal(mx.tile(mx.ones(2), mx.array(2)), np.ones(4))
    np.testing.assert_array_equal(mx.roll(mx.arange(4), mx.array(1)), [3, 0, 1, 2])
    for parts in (mx.split(mx.ones(4), mx.array(2)), mx.ones(4).split(mx.array(2))):
        assert [p.shape for p in parts] == [(2,), (2,)]
    # Bools are ints there too, as in MLX.
    np.testing.assert_array_equal(mx.sum(mx.ones((2, 2)), axis=True), [2, 2])
    np.testing.assert_array_equal(mx.pad(mx.ones(2), True), [0, 1, 1, 0])
    np.testing.assert_array_equal(mx.topk(mx.ones(4), True), [1])
    np.testing.assert_array_equal(mx.roll(mx.arange(4), True), [3, 0, 1, 2])
    # Floats and strings are not.
    for call in (lambda: mx.tile(mx.ones(2), 2.0), lambda: mx.split(mx.ones(4), 2.0),
                 lambda: mx.roll(mx.arange(4), 1.0), lambda: mx.split(mx.ones(4), "ab"),
                 lambda: mx.tile(mx.ones(2), mx.array(2.0))):  # fmt: skip
        with pytest.raises(TypeError, match="incompatible function arguments"):
            call()


def test_out_of_range_python_ints():
    # MLX's errors for values a dtype cannot hold.
    for t, v in [(mx.int8, 2**31), (mx.int8, -129), (mx.uint8, -1), (mx.int32, 2**31), (mx.int16, 40000)]:
        with pytest.raises(
            ValueError, match="Converting %d to %s would result in overflow." % (v, str(t)[9:])
        ):
            mx.full_like(mx.array([1], dtype=t), v)
    np.testing.assert_array_equal(mx.full_like(mx.array([1], dtype=mx.int8), -128), [-128])
    # Past int64: OverflowError naming the value (MLX: RuntimeError std::bad_cast).
    for make in (lambda: mx.array(2**70), lambda: mx.array(2**63), lambda: mx.array(-(2**63) - 1),
                 lambda: mx.array([1, 2**64]), lambda: mx.array([[2**63]], dtype=mx.int32),
                 lambda: mx.full_like(mx.array([1]), 2**63)):  # fmt: skip
        with pytest.raises(OverflowError, match=r"Python int -?\d+ is outside the range of int64"):
            make()
    assert mx.array(2**63 - 1).item() == 2**63 - 1 and mx.array(-(2**63)).item() == -(2**63)
    # Shapes past int32, as MLX says it.
    with pytest.raises(OverflowError, match="Integer value 1099511627776 is outside the supported range"):
        mx.zeros((2**40,))
    with pytest.raises(OverflowError, match="Shape dimension 2147483648 is outside the supported range"):
        mx.zeros(2**31)
    # An int argument past int32: TypeError, as MLX (never pybind11's cast error).
    for call in (lambda: mx.tile(mx.array([1, 2]), 2**31), lambda: mx.pad(mx.array([1]), 2**62),
                 lambda: mx.sum(mx.array([1]), axis=2**40), lambda: mx.topk(mx.array([1, 2]), 2**40),
                 lambda: mx.roll(mx.array([1, 2]), 2**40), lambda: mx.take(mx.array([1, 2]), 2**40),
                 lambda: mx.conv1d(mx.ones((1, 4, 1)), mx.ones((1, 2, 1)), stride=2**40)):  # fmt: skip
        with pytest.raises(TypeError, match="incompatible function arguments"):
            call()


def test_cpu_device_past_index_zero():
    # MLX makes the Device, then raises IndexError where it is used.
    d = mx.Device(mx.cpu, 7)
    assert d.type == mx.cpu and not mx.is_available(d)
    assert mx.is_available(mx.Device(mx.cpu, 0))
    for call in (lambda: mx.zeros(2, stream=d), lambda: mx.add(mx.array(1), 1, stream=d),
                 lambda: mx.default_stream(d), lambda: mx.new_stream(d), lambda: mx.set_default_device(d)):  # fmt: skip
        with pytest.raises(IndexError, match=r"Device\(cpu, 7\) does not exist"):
            call()
    assert mx.default_device() == mx.cpu
    assert (mx.zeros(2) + 1).tolist() == [1.0, 1.0]


# ------------------------------------------------------------ non-finite matrices


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (3, 4), (5, 3), (2, 4, 4)])
@pytest.mark.parametrize("dtype", [mx.float32, mx.float64, mx.complex64])
def test_svd_of_a_matrix_holding_inf_returns_nan(shape, dtype):
    # LAPACK's gesdd did not return on 3x3 and larger (MLX hangs too); where it
    # returns it gives NaN values, and so does every size now.
    x = np.eye(*shape[-2:], dtype=np.float32) * np.ones(shape, np.float32)
    x[..., 0, 0] = -np.inf
    a = mx.array(x).astype(dtype)
    u, s, vt = mx.linalg.svd(a, stream=mx.cpu)
    assert u.shape == shape[:-1] + (shape[-2],) and vt.shape == shape[:-2] + (shape[-1], shape[-1])
    assert s.shape == shape[:-1][:-1] + (min(shape[-2:]),)
    for out in (u, s, vt, mx.linalg.svd(a, compute_uv=False, stream=mx.cpu)):
        assert np.isnan(np.array(out)).all()
    if dtype != mx.complex64:
        assert np.isnan(np.array(mx.linalg.pinv(a, stream=mx.cpu))).all()
    # Other matrices of the batch are not affected by one holding inf.
    if len(shape) == 3:
        x[1] = np.eye(*shape[-2:])
        s = np.array(mx.linalg.svd(mx.array(x).astype(dtype), compute_uv=False, stream=mx.cpu))
        np.testing.assert_allclose(s[1], np.ones(min(shape[-2:])))


def test_svd_of_a_matrix_holding_nan_raises():
    # As MLX: the decomposition fails (NumPy: LinAlgError).
    for x in ([[np.nan, 0, 0], [0, np.inf, 0], [0, 0, 1.0]], [[np.nan, 0], [0, 1.0]]):
        for uv in (True, False):
            with pytest.raises(RuntimeError, match=r"^\[linalg::svd\] The decomposition failed to converge"):
                mx.eval(mx.linalg.svd(mx.array(x), compute_uv=uv, stream=mx.cpu))


def test_trees_nested_too_deep_raise():
    # The transforms walk argument trees recursively: a tree nested 75,000
    # lists deep crashed mx.eval (stack overflow, found by tools/fuzz.py);
    # past 2000 levels it is a ValueError, below it works.
    import functools

    deep = functools.reduce(lambda a, _: [a], range(75000), 1.5)
    calls = [
        lambda: mx.eval(mx.array(0.0), deep),
        lambda: mx.async_eval(deep),
        lambda: mx.compile(lambda t: mx.array(1))(deep),
        lambda: mx.vmap(lambda x, t: x)(mx.ones(2), deep),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"^\[tree\] Trees nested more than 2000"):
            call()
    fine = functools.reduce(lambda a, _: [a], range(1500), mx.array(1.0) + 1)
    mx.eval(fine)
