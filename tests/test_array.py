"""The mx.array object: construction, properties, printing, conversion,
operators and the buffer protocol."""

import copy
import pickle

import numpy as np
import pytest

import mlx.core as mx
from helpers import assert_array, assert_raises


@pytest.mark.parametrize(
    "val, dtype",
    [
        (1, mx.int32),
        (2**40, mx.int64),
        (1.5, mx.float32),
        (True, mx.bool_),
        (1 + 2j, mx.complex64),
        ([1, 2], mx.int32),
        ([1, 2.0], mx.float32),
        ([True, 2], mx.int32),
        ([True, False], mx.bool_),
        ([1, 1j], mx.complex64),
        ([], mx.float32),
        ([[1, 2], [3, 4]], mx.int32),
        (((1, 2), (3, 4)), mx.int32),
        ([1, 2**40], mx.int64),
    ],
)
def test_construction_dtype_inference(val, dtype):
    a = mx.array(val)
    assert a.dtype == dtype
    assert a.shape == np.array(val).shape
    if a.dtype != mx.complex64:
        assert a.tolist() == np.array(val).tolist()


def test_construction_with_dtype_and_from_arrays():
    assert mx.array([1, 2], mx.float16).dtype == mx.float16
    assert mx.array(mx.array([1, 2]), mx.float32).tolist() == [1.0, 2.0]
    a = mx.array([mx.array(1), mx.array(2.0)])
    assert a.dtype == mx.float32 and a.tolist() == [1.0, 2.0]
    b = mx.array([mx.array([1, 2]), mx.array([3, 4])])
    assert b.shape == (2, 2)


def test_construction_errors():
    with pytest.raises(ValueError, match="non-uniform"):
        mx.array([[1, 2], [3]])
    with pytest.raises(ValueError, match="Invalid type"):
        mx.array("abc")


@pytest.mark.parametrize(
    "np_dtype, mx_dtype",
    [
        (np.bool_, mx.bool_),
        (np.uint8, mx.uint8),
        (np.uint16, mx.uint16),
        (np.uint32, mx.uint32),
        (np.uint64, mx.uint64),
        (np.int8, mx.int8),
        (np.int16, mx.int16),
        (np.int32, mx.int32),
        (np.int64, mx.int64),
        (np.float16, mx.float16),
        (np.float32, mx.float32),
        (np.float64, mx.float32),  # MLX makes float32 from float64 data
        (np.complex64, mx.complex64),
    ],
)
def test_from_numpy(np_dtype, mx_dtype):
    x = (np.arange(12).reshape(3, 4) % 3).astype(np_dtype)
    for view in (x, x.T, x[::2, ::-1]):
        a = mx.array(view)
        assert a.dtype == mx_dtype
        assert a.shape == view.shape
        np.testing.assert_array_equal(np.array(a), view.astype(np.array(a).dtype))


def test_numpy_float64_with_dtype():
    a = mx.array(np.array([1.5, 2.5]), dtype=mx.float64)
    assert a.dtype == mx.float64


@pytest.mark.parametrize(
    "dtype, fmt",
    [
        (mx.bool_, "?"),
        (mx.uint8, "B"),
        (mx.int32, "i"),
        (mx.int64, "q"),
        (mx.uint64, "Q"),
        (mx.float16, "e"),
        (mx.float32, "f"),
        (mx.float64, "d"),
        (mx.complex64, "Zf"),
    ],
)
def test_buffer_protocol(dtype, fmt):
    a = mx.array([1, 0, 1], dtype)
    m = memoryview(a)
    assert m.format == fmt
    assert m.shape == (3,)
    assert m.itemsize == dtype.size


def test_buffer_protocol_no_copy_and_strides():
    a = mx.arange(12).reshape(3, 4)
    assert np.asarray(a).ctypes.data == np.asarray(a).ctypes.data
    t = a.T
    n = np.asarray(t)
    assert n.ctypes.data == np.asarray(a).ctypes.data  # a view, not a copy
    np.testing.assert_array_equal(n, np.arange(12).reshape(3, 4).T)
    # bfloat16 exports a buffer with format "bfloat16" (as MLX), which NumPy
    # cannot read.
    assert memoryview(mx.array([1.0], mx.bfloat16)).format == "bfloat16"
    with pytest.raises(ValueError):
        np.array(mx.array([1.0], mx.bfloat16))


def test_properties():
    a = mx.zeros((2, 3, 4), mx.float16)
    assert a.shape == (2, 3, 4)
    assert a.ndim == 3
    assert a.size == 24
    assert a.itemsize == 2
    assert a.nbytes == 48
    assert a.dtype == mx.float16
    assert a.T.shape == (4, 3, 2)
    assert a.mT.shape == (2, 4, 3)
    assert len(a) == 2


@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: mx.array([1, 2, 3]), "array([1, 2, 3], dtype=int32)"),
        (lambda: mx.array([1.5, 2, 3]), "array([1.5, 2, 3], dtype=float32)"),
        (lambda: mx.array(True), "array(True, dtype=bool)"),
        (lambda: mx.array([[1.0, 2], [3, 4]]), "array([[1, 2],\n       [3, 4]], dtype=float32)"),
        (
            lambda: mx.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
            "array([[[1, 2],\n        [3, 4]],\n       [[5, 6],\n        [7, 8]]], dtype=int32)",
        ),
        (lambda: mx.array([1e-7, 123456789.0, 0.1]), "array([1e-07, 1.23457e+08, 0.1], dtype=float32)"),
        (lambda: mx.array([1 + 2j, -1.5 - 0.5j]), "array([1+2j, -1.5-0.5j], dtype=complex64)"),
        (lambda: mx.array([-0.0, 1 / 3]), "array([-0, 0.333333], dtype=float32)"),
        (lambda: mx.array(3.14159265, mx.float64), "array(3.14159, dtype=float64)"),
        (lambda: mx.array([1.5], mx.bfloat16), "array([1.5], dtype=bfloat16)"),
        (lambda: mx.array([], mx.float32), "array([], dtype=float32)"),
        (lambda: mx.zeros((2, 0)), "array([[],\n       []], dtype=float32)"),
        (lambda: mx.array([float("nan"), -float("inf")]), "array([nan, -inf], dtype=float32)"),
        (lambda: mx.array([255], mx.uint8), "array([255], dtype=uint8)"),
        (lambda: mx.arange(2000), "array([0, 1, 2, ..., 1997, 1998, 1999], dtype=int32)"),
        (
            lambda: mx.arange(3000).reshape(3, 1000),
            "array([[0, 1, 2, ..., 997, 998, 999],\n       [1000, 1001, 1002, ..., 1997, 1998, 1999],\n"
            "       [2000, 2001, 2002, ..., 2997, 2998, 2999]], dtype=int32)",
        ),
    ],
)
def test_repr_matches_mlx(make, text):
    a = make()
    assert repr(a) == text
    assert str(a) == text


def test_item_tolist():
    assert mx.array(2.5).item() == 2.5
    assert isinstance(mx.array(1).item(), int)
    assert mx.array(True).item() is True
    assert mx.array([1.5], mx.float16).tolist() == [1.5]
    assert mx.array([[1, 2], [3, 4]]).T.tolist() == [[1, 3], [2, 4]]
    assert mx.array(1 + 2j).item() == 1 + 2j
    with pytest.raises(ValueError, match=r"\[convert\]"):
        mx.array([1, 2]).item()


def test_python_conversions():
    assert int(mx.array(2.7)) == 2
    assert float(mx.array(3)) == 3.0
    assert bool(mx.array(1)) is True
    assert complex(mx.array(1.0)) == 1 + 0j
    assert [1, 2, 3][mx.array(1)] == 2
    with pytest.raises(ValueError):
        bool(mx.array([1, 2]))
    with pytest.raises(TypeError):
        len(mx.array(1))


def test_iteration():
    rows = list(mx.array([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]


def test_astype_and_view():
    a = mx.array([1.7, -2.2])
    assert a.astype(mx.int32).tolist() == [1, -2]
    assert mx.astype(a, mx.float16).dtype == mx.float16
    assert mx.array([1, 2, 3]).view(mx.uint8).shape == (12,)
    assert mx.array(1.0).view(mx.int32).item() == 1065353216
    assert mx.view(mx.array([1, 2], mx.int16), mx.int32).shape == (1,)


def test_copy_and_pickle():
    a = mx.array([[1, 2], [3, 4]])
    assert copy.copy(a).tolist() == a.tolist()
    assert copy.deepcopy(a).tolist() == a.tolist()
    b = pickle.loads(pickle.dumps(a))
    assert b.tolist() == a.tolist() and b.dtype == a.dtype


def test_basic_indexing():
    a = mx.arange(24).reshape(2, 3, 4)
    n = np.arange(24).reshape(2, 3, 4)
    for idx in [
        0,
        -1,
        (1, 2),
        (slice(None), 1),
        (Ellipsis, 2),
        (None, 0),
        (0, slice(None, None, -1)),
        (slice(1, None), slice(None, None, 2), slice(3, 0, -2)),
        (),
    ]:
        np.testing.assert_array_equal(np.array(a[idx]), n[idx])
    assert mx.array(5)[...].item() == 5
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(ValueError):  # MLX 0.32.4: "Too many indices for array with 3 dimensions."
        a[0, 0, 0, 0]
    with pytest.raises(ValueError):
        mx.array(1)[0]


def test_operators_and_reflection():
    a = mx.array([1, 2, 3])
    assert (a + 1).tolist() == [2, 3, 4]
    assert (1 + a).tolist() == [2, 3, 4]
    assert (2 - a).tolist() == [1, 0, -1]
    assert (2 / mx.array([4])).tolist() == [0.5]
    assert (2 ** mx.array([3])).tolist() == [8]
    assert (7 // mx.array([2])).tolist() == [3]
    assert (7 % mx.array([4])).tolist() == [3]
    assert (-a).tolist() == [-1, -2, -3]
    assert (+a).tolist() == [1, 2, 3]
    assert abs(mx.array([-1.5])).tolist() == [1.5]
    assert (~mx.array([0], mx.uint8)).tolist() == [255]
    assert (mx.array([3], mx.uint8) & 5).tolist() == [1]
    assert (mx.array([3]) | 4).tolist() == [7]
    assert (mx.array([3]) ^ 1).tolist() == [2]
    assert (mx.array([1]) << 3).tolist() == [8]
    assert (mx.array([8]) >> 2).tolist() == [2]
    assert (a < 2).tolist() == [True, False, False]
    assert (a >= 2).tolist() == [False, True, True]
    assert (a == 2).tolist() == [False, True, False]
    assert (a != 2).tolist() == [True, False, True]
    m = mx.ones((2, 3)) @ mx.ones((3, 2))
    assert m.tolist() == [[3, 3], [3, 3]]


def test_inplace_operators_update_every_reference():
    x = mx.array([1, 2])
    y = x
    x += 1
    assert y.tolist() == [2, 3]
    x *= 2
    assert y.tolist() == [4, 6]
    z = mx.ones((2, 2))
    w = z
    z @= mx.ones((2, 2))
    assert w.tolist() == [[2, 2], [2, 2]]
    # The operator gives back the same object, as MLX's do.
    before = id(x)
    x -= 1
    assert id(x) == before and y is x


def test_computed_operands_broadcast_as_views():
    # Outside transforms, a computed operand is broadcast at once as a view
    # of its buffer (no Broadcast node): every layout must read right.
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 4)).astype(np.float32)
    a = mx.array(base)
    mx.eval(a)
    lazy = mx.exp(mx.array(rng.standard_normal((2, 3, 4)).astype(np.float32)))
    want_lazy = np.array(lazy)
    for operand, want in [
        (a, base),
        (a.T, base.T),
        (a[:, ::2], base[:, ::2]),
        (a[1], base[1]),
        (mx.array(2.5), np.float32(2.5)),
    ]:
        mx.eval(operand)
        target = (2,) + np.broadcast_shapes(np.shape(want), (3, 4) if np.ndim(want) < 2 else np.shape(want))
        other = mx.ones(target)
        np.testing.assert_array_equal(np.array(operand + other), np.broadcast_to(want, target) + 1)
        np.testing.assert_array_equal(
            np.array(mx.broadcast_to(operand, target)), np.broadcast_to(want, target)
        )
    np.testing.assert_allclose(np.array(lazy * a), want_lazy * base, rtol=1e-6)
    for dt in [mx.int8, mx.uint16, mx.float16, mx.bfloat16, mx.complex64]:
        x = mx.zeros((2, 3), dt)
        assert (x + 1).dtype == (x + mx.array(1, dt)).dtype
        np.testing.assert_array_equal(np.array((x + 1).astype(mx.float32)), np.ones((2, 3)))
    # Empty and 0-d targets.
    assert (mx.zeros((0, 3)) + 1).shape == (0, 3)
    assert (mx.array(1.0) + 1).item() == 2.0
    # The gradient still sees the broadcast of a traced operand.
    g = mx.grad(lambda s: (mx.ones((2, 3)) * s).sum())(mx.array(2.0))
    assert g.item() == 6.0


def test_weak_scalars():
    assert (mx.array([1], mx.float16) * 2.0).dtype == mx.float16
    assert (mx.array([1], mx.int8) + 1).dtype == mx.int8
    assert (mx.array([1], mx.int8) + 2.5).dtype == mx.float32
    assert (mx.array([True]) + 1).dtype == mx.int32
    assert (mx.array([True]) + True).dtype == mx.bool_
    assert (1 + mx.array([1], mx.uint8)).dtype == mx.uint8
    assert (mx.array([1.0], mx.bfloat16) + 1).dtype == mx.bfloat16
    assert (mx.array([1.0], mx.float16) + 1j).dtype == mx.complex64
    with pytest.raises(ValueError, match="overflow"):
        mx.array([1], mx.int8) + 1000
    with pytest.raises(ValueError, match="overflow"):
        mx.array([1], mx.uint8) + (-1)


def test_comparison_with_non_arrays():
    a = mx.array([1, 2])
    with pytest.raises(TypeError):  # as MLX 0.32.4 (its __eq__ refuses None)
        a == None  # noqa: E711
    assert (a != "x") is True


def test_printoptions():
    x = mx.array([1.123456789, 2.5, 1e-5, 3.0])
    default = "array([1.12346, 2.5, 1e-05, 3], dtype=float32)"
    assert repr(x) == default
    assert mx.get_printoptions().precision == -1
    try:
        mx.set_printoptions(precision=3)
        assert repr(x) == "array([1.123, 2.500, 0.000, 3.000], dtype=float32)"
        assert mx.get_printoptions().precision == 3
        with mx.printoptions(precision=2) as ctx:
            assert type(ctx).__name__ == "_PrintOptionsContext"
            assert repr(x) == "array([1.12, 2.50, 0.00, 3.00], dtype=float32)"
            assert repr(mx.array(3.14159)) == "array(3.14, dtype=float32)"
            assert repr(mx.array([1, 2])) == "array([1, 2], dtype=int32)"
            assert repr(mx.array([1.5 + 2.25j, -1j])) == "array([1.50+2.25j, -0.00-1.00j], dtype=complex64)"
            assert repr(mx.array([1.23456], mx.float16)) == "array([1.23], dtype=float16)"
        assert repr(x) == "array([1.123, 2.500, 0.000, 3.000], dtype=float32)"
        mx.set_printoptions(precision=0)
        assert str(x) == "array([1, 2, 0, 3], dtype=float32)"
        mx.set_printoptions(precision=-5)  # negative: 6 digits after the point
        assert repr(mx.array([1.5])) == "array([1.500000], dtype=float32)"
        with pytest.raises(TypeError):
            mx.set_printoptions(precision=1.5)
    finally:
        mx.set_printoptions()
    assert repr(x) == default and mx.get_printoptions().precision == -1
    opts = mx.PrintOptions(4)
    assert opts.precision == 4 and mx.PrintOptions().precision == -1
    opts.precision = 1
    with mx._PrintOptionsContext(opts):
        assert repr(mx.array([0.25])) == "array([0.2], dtype=float32)"
    assert repr(x) == default


# ------------------------------------------------- ArrayLike and from_dlpack


def test_array_like():
    obj = mx.ArrayLike([1, 2])
    assert isinstance(obj, mx.ArrayLike)
    with pytest.raises(ValueError):
        mx.array(obj)


def test_from_dlpack():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for v in (x, x.T, x[:, ::2]):
        out = mx.from_dlpack(v)
        assert_array(out, v, mx.float32)
    with pytest.raises(ValueError):  # as MLX 0.32.4: no negative strides
        mx.from_dlpack(x[::-1])
    assert_array(mx.from_dlpack(x, copy=True), x, mx.float32)
    for v, d in [
        (np.array([1, 2], np.int64), mx.int64),
        (np.array([1, 2], np.float16), mx.float16),
        (np.array([True]), mx.bool_),
        (np.array(3.0), mx.float32),
        (np.zeros((0, 3)), mx.float32),
        (np.array([1 + 2j], np.complex64), mx.complex64),
        (np.array([1, 2], np.uint16), mx.uint16),
    ]:
        assert_array(mx.from_dlpack(v), v, d)
    y = np.arange(3.0, dtype=np.float32)
    z = mx.from_dlpack(y)
    y[0] = 100
    assert z.tolist() == [0.0, 1.0, 2.0]  # a copy

    class Wrapper:
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    assert_array(mx.from_dlpack(Wrapper(x)), x, mx.float32)
    assert mx.from_dlpack(mx.array([1, 2])).tolist() == [1, 2]
    assert_raises(
        lambda: mx.from_dlpack(x, copy=False),
        ValueError,
        "[convert] Cannot import a CPU array without a copy.",
    )
    for bad in ([1, 2], 1):
        with pytest.raises(TypeError):
            mx.from_dlpack(bad)


# -------------------------------------------------------- hadamard_transform


def test_repeated_float_operands_keep_their_values():
    # The last few float operands' arrays are reused; no kernel may write
    # over one (0-d results could take over an input's buffer).
    for _ in range(3):
        for dt in [mx.float32, mx.float16, mx.bfloat16]:
            r = mx.array(1.0, dt) * 2.5
            s = mx.array(3.0, dt) + 2.5
            assert r.item() == 2.5 and s.item() == 5.5 and r.dtype == dt
        assert (mx.array([1.0, 2.0]) * 2.5).tolist() == [2.5, 5.0]
    # -0.0 and 0.0 are different operands; NaN is kept as NaN.
    assert np.signbit(np.array(mx.array(0.0) * -0.0))
    assert not np.signbit(np.array(mx.array(0.0) * 0.0))
    assert np.isnan((mx.array(1.0) + float("nan")).item())
    assert (mx.array(1.0) + 1e-8).dtype == mx.float32
    assert (mx.array([1], mx.int32) * 0.5).tolist() == [0.5]


def test_repeated_float_operands_at_changing_shapes():
    # A kept float operand also keeps its view at the last shape it met;
    # shapes, dtypes, donation and transforms see what they saw before.
    rng = np.random.default_rng(0)
    for shape in [(4,), (2, 3), (4,), (), (1, 4), (3, 1, 2)]:
        x = rng.standard_normal(shape).astype(np.float32)
        a = mx.array(x)
        for _ in range(2):
            np.testing.assert_allclose(np.array(a + 0.25), x + np.float32(0.25), rtol=1e-6)
            np.testing.assert_allclose(np.array(0.25 - a), np.float32(0.25) - x, rtol=1e-6)
            assert (a * 0.25).shape == shape and (a * 0.25).dtype == mx.float32
        i = mx.array(np.arange(int(np.prod(shape))).reshape(shape).astype(np.int32))
        assert (i + 0.25).dtype == mx.float32 and (i + 0.25).shape == shape
        # the result of one op as the next one's input (donated buffers)
        y = mx.exp(a) + 0.25
        y = y * 0.25
        mx.eval(y)
        np.testing.assert_allclose(np.array(y), (np.exp(x) + 0.25) * 0.25, rtol=1e-5)
    g = mx.grad(lambda v: ((v + 0.25) * 0.5).sum())(mx.ones((3,)))
    assert g.tolist() == [0.5, 0.5, 0.5]
    f = mx.compile(lambda v: v * 0.25 + 0.25, shapeless=True)
    assert f(mx.ones((2,))).tolist() == [0.5, 0.5]
    assert f(mx.ones((3,))).tolist() == [0.5, 0.5, 0.5]
