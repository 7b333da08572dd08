"""Python protocols of mx.array and indexing corner cases: DLPack, the buffer
protocol, NumPy interop, the array API namespace, __format__, repr
summaries, comparisons with foreign objects, __index__, logical and in-place
operators, Device equality, and every index kind MLX accepts.

Expected values and messages were recorded from Apple's MLX 0.32.4 (CPU).
"""

import numpy as np
import pytest

import mlx.core as mx

# --------------------------------------------------------------------- repr


def test_repr_summarises_dims_longer_than_six():
    assert str(mx.arange(6)) == "array([0, 1, 2, 3, 4, 5], dtype=int32)"
    assert str(mx.arange(7)) == "array([0, 1, 2, ..., 4, 5, 6], dtype=int32)"
    assert str(mx.arange(10)) == "array([0, 1, 2, ..., 7, 8, 9], dtype=int32)"
    assert repr(mx.zeros((7, 2), mx.int32)) == (
        "array([[0, 0],\n       [0, 0],\n       [0, 0],\n       ...,\n"
        "       [0, 0],\n       [0, 0],\n       [0, 0]], dtype=int32)"
    )
    assert str(mx.zeros((2, 8), mx.int32)) == (
        "array([[0, 0, 0, ..., 0, 0, 0],\n       [0, 0, 0, ..., 0, 0, 0]], dtype=int32)"
    )


# ------------------------------------------------------------------- format


def test_format_specs():
    assert f"{mx.array(0.35487):.1f}" == "0.4"
    assert f"{mx.arange(3)[0]:.2f}" == "0.00"
    assert f"{mx.array(3):5d}" == "    3"
    assert f"{mx.array(1 + 2j):.1f}" == "1.0+2.0j"
    assert f"{mx.array(3.5, mx.bfloat16):.3f}" == "3.500"
    assert f"{mx.array([1, 2, 3])}" == "array([1, 2, 3], dtype=int32)"
    assert format(mx.array(2.5)) == "2.5"
    assert f"{mx.array(True)}" == "True" and f"{mx.array(1 + 2j)}" == "(1+2j)"
    assert f"{mx.array([2.5])}" == "array([2.5], dtype=float32)"
    for bad in (mx.arange(3), mx.array([1.5])):
        with pytest.raises(TypeError, match="unsupported format string"):
            f"{bad:.2f}"


# ----------------------------------------------------- comparisons, operands


def test_equality_with_foreign_objects():
    a = mx.array([1, 2, 3])
    for other in ("hello", [1, 2, 3], (1, 2, 3), {}, object(), mx.float32):
        assert (a == other) is False
        assert (a != other) is True
    with pytest.raises(TypeError):
        a == None  # noqa: E711


@pytest.mark.parametrize(
    "expr, message",
    [
        ("a < 'hello'", "Cannot perform less than on an mlx.core.array and str"),
        ("a >= [1, 2, 3]", "Cannot perform greater than or equal on an mlx.core.array and list"),
        ("'hello' < a", "Cannot perform greater than on an mlx.core.array and str"),
        ("a * 'hello'", "Cannot perform multiplication on an mlx.core.array and str"),
        ("a + [1, 2, 3]", "Cannot perform addition on an mlx.core.array and list"),
        ("[1, 2, 3] + a", "Cannot perform addition on an mlx.core.array and list"),
        ("a ** (1,)", "Cannot perform power on an mlx.core.array and tuple"),
        ("a & (1, 2, 3)", "Cannot perform bitwise and on an mlx.core.array and tuple"),
        ("a | 'hello'", "Cannot perform bitwise or on an mlx.core.array and str"),
        ("a + {}", "Cannot perform addition on an mlx.core.array and dict"),
    ],
)
def test_operators_refuse_foreign_operands(expr, message):
    a = mx.array([1, 2, 3])
    with pytest.raises(ValueError) as e:
        eval(expr)
    assert str(e.value) == message


@pytest.mark.parametrize("name", ["add", "sub", "mul", "truediv", "floordiv", "mod"])
def test_operator_slots_match_the_methods(name):
    # `a + b` runs the type's slot (python/src/array.cpp installs its own for
    # these operators), a.__add__(b) the bound method: the same results,
    # dtypes and errors, both ways round.
    import operator

    op = getattr(operator, name)
    a = mx.array([1, 2, 7], dtype=mx.int32)
    f = mx.array([1.5, -2.0, 4.0])
    for x, y, forward in [(a, 3, True), (3, a, False), (a, f, True), (f, 2.5, True), (2.5, f, False)]:
        got = op(x, y)
        want = getattr(x, f"__{name}__")(y) if forward else getattr(y, f"__r{name}__")(x)
        assert got.dtype == want.dtype
        assert got.tolist() == want.tolist()
    for bad in ("x", [1], None):
        for x, y in [(a, bad), (bad, a)]:
            if isinstance(bad, str) and name == "mod" and x is bad:
                continue  # str % a is string formatting
            with pytest.raises((TypeError, ValueError)) as slot_error:
                op(x, y)
            with pytest.raises((TypeError, ValueError)) as method_error:
                getattr(a, f"__{name}__" if x is a else f"__r{name}__")(bad)
            assert type(slot_error.value) is type(method_error.value)
            assert str(slot_error.value) == str(method_error.value)
    assert (-f).tolist() == f.__neg__().tolist() == [-1.5, 2.0, -4.0]


def test_operator_with_none_is_type_error():
    a = mx.array([1, 2, 3])
    with pytest.raises(TypeError):
        a + None
    with pytest.raises(TypeError):
        a < None


def test_numpy_operands_take_the_array_dtype():
    a = mx.array([1, 2], mx.int16)
    out = a + np.array([1.5, 2.0])
    assert out.dtype == mx.int16 and out.tolist() == [2, 4]
    out = a + np.float32(3.5)  # a NumPy scalar that is not a Python float
    assert out.dtype == mx.int16 and out.tolist() == [4, 5]
    out = a + np.float64(3.5)  # a Python float subclass: weak float
    assert out.dtype == mx.float32 and out.tolist() == [4.5, 5.5]
    out = a.__rsub__(np.array([1.5, 2.0]))
    assert out.dtype == mx.int16 and out.tolist() == [0, 0]
    out = a == np.array([1, 2.0])
    assert out.tolist() == [True, True]
    out = mx.array([1.0], mx.float16) + np.array([1.0])
    assert out.dtype == mx.float16


def test_mlx_array_protocol():
    class Wrapper:
        def __mlx_array__(self):
            return mx.array([5, 5, 5])

    a = mx.array([1, 2, 3])
    assert (a + Wrapper()).tolist() == [6, 7, 8]
    assert (a == Wrapper()).tolist() == [False, False, False]
    assert mx.array(Wrapper()).tolist() == [5, 5, 5]
    assert mx.asarray(Wrapper()).tolist() == [5, 5, 5]


# ---------------------------------------------------------------- __index__


def test_index_only_for_integer_scalars():
    assert [1, 2, 3][mx.array(1)] == 2
    assert mx.array(3, mx.uint8).__index__() == 3
    for bad in (mx.array(1.5), mx.array([1]), mx.array(True)):
        with pytest.raises(TypeError, match="Only 0-dimensional integer arrays"):
            bad.__index__()


# ------------------------------------------------- logical and in-place ops


def test_bitwise_operators_refuse_floats():
    for expr, what in [
        ("mx.array(1.0) & mx.array(1)", "bitwise and"),
        ("mx.array(1.0) | mx.array(1)", "bitwise or"),
        ("mx.array(1.0) ^ mx.array(1)", "bitwise xor"),
        ("mx.array(1.5) << 1", "left shift"),
        ("mx.array([1, 2]) & 2.5", "bitwise and"),
        ("~mx.array(1.5)", "bitwise inversion"),
    ]:
        with pytest.raises(ValueError) as e:
            eval(expr)
        assert str(e.value) == f"Floating point types not allowed with {what}."


def test_logical_operators_on_bool_arrays():
    assert (mx.array(True) & True).item() is True
    assert (mx.array(True) & False).item() is False
    assert (mx.array(False) | True).item() is True
    assert (mx.array(False) ^ True).item() is True
    assert (~mx.array(False)).item() is True
    out = mx.array([True, False]) & mx.array([True, True])
    assert out.dtype == mx.bool_ and out.tolist() == [True, False]


def test_inplace_operators():
    a = mx.array([1, 2, 3])
    b = a
    b += 3
    assert a.tolist() == [4, 5, 6]
    with pytest.raises(ValueError) as e:
        c = mx.array([1])
        c /= 1
    assert str(e.value) == "In place division cannot cast to non-floating point type."
    c = mx.array([1], mx.int8)
    c += 1.5
    assert c.dtype == mx.float32 and c.tolist() == [2.5]
    c = mx.array([1.5])
    c //= 1
    assert c.tolist() == [1.0]
    with pytest.raises(ValueError) as e:
        c = mx.array([1])
        c += "s"
    assert str(e.value) == "Cannot perform inplace addition on an mlx.core.array and str"
    with pytest.raises(ValueError) as e:
        c = mx.array([1.0])
        c &= 1
    assert str(e.value) == "Floating point types not allowed with bitwise and."
    m = mx.array(False)
    m ^= True
    assert m.item() is True


# ------------------------------------------------------------------ devices


def test_device_and_device_type_equality():
    assert mx.Device(mx.cpu) == mx.cpu
    assert mx.cpu == mx.Device(mx.cpu)
    assert not (mx.cpu != mx.Device(mx.cpu))
    assert not (mx.Device(mx.cpu) != mx.cpu)
    assert mx.Device(mx.gpu) != mx.cpu
    # MLX compares a DeviceType with a Device by type, the other way round
    # as Device(type, 0).
    assert mx.cpu == mx.Device(mx.cpu, 1)
    assert not (mx.Device(mx.cpu, 1) == mx.cpu)
    assert not (mx.cpu == 0) and not (mx.Device(mx.cpu) == "x")
    hash(mx.Device(mx.cpu))  # hashable


# ---------------------------------------------------------- array namespace


def test_array_namespace():
    xp = mx.array(1.0).__array_namespace__()
    assert xp is mx
    for name in ("asarray", "result_type", "can_cast", "isdtype", "vecdot", "add"):
        assert hasattr(xp, name)
    assert mx.isdtype(mx.float32, ("integral", "real floating"))
    assert not mx.isdtype(mx.bool_, "numeric")


# ------------------------------------------------------------------- asarray


def test_asarray_copy_rules():
    e = mx.array([1, 2, 3])
    for args, kw in [
        ((e,), {}),
        ((e,), {"dtype": mx.float32}),
        (([1, 2, 3],), {}),
        ((3,), {}),
    ]:
        with pytest.raises(ValueError) as err:
            mx.asarray(*args, copy=False, **kw)
        assert str(err.value) == "Unable to avoid copy while creating an array as requested."
    with pytest.raises(ValueError) as err:
        mx.asarray(np.arange(3), copy=False)
    assert str(err.value) == "[convert] Cannot import a CPU array without a copy."
    assert mx.asarray(e, copy=True).tolist() == [1, 2, 3]
    assert mx.asarray(e, dtype=mx.float32, copy=True).dtype == mx.float32
    assert mx.asarray(np.arange(3.0)).dtype == mx.float32
    with pytest.raises(ValueError, match="Invalid type str"):
        mx.asarray("abc")
    # A copy: later writes to the source are not seen.
    src = np.arange(4, dtype=np.float32)
    y = mx.asarray(src)
    src[0] = 100
    assert y.tolist() == [0, 1, 2, 3]


# ------------------------------------------------------------ buffer protocol

ALL_NUMPY = [
    (mx.bool_, np.bool_, "?"),
    (mx.uint8, np.uint8, "B"),
    (mx.uint16, np.uint16, "H"),
    (mx.uint32, np.uint32, "I"),
    (mx.uint64, np.uint64, "Q"),
    (mx.int8, np.int8, "b"),
    (mx.int16, np.int16, "h"),
    (mx.int32, np.int32, "i"),
    (mx.int64, np.int64, "q"),
    (mx.float16, np.float16, "e"),
    (mx.float32, np.float32, "f"),
    (mx.complex64, np.complex64, "Zf"),
]


@pytest.mark.parametrize("mt, nt, fmt", ALL_NUMPY)
def test_buffer_protocol_every_dtype(mt, nt, fmt):
    n = (np.arange(12) % 2 == 1) if nt is np.bool_ else np.arange(12).astype(nt)
    n = n.reshape(3, 4)
    a = mx.array(n)
    assert a.dtype == mt
    for f in (lambda x: x, lambda x: x.T):
        mv = memoryview(f(a))
        assert mv.format == fmt
        assert mv.shape == f(n).shape
        assert mv.strides == f(n).strides
        assert not mv.readonly
        np.testing.assert_array_equal(np.array(mv, copy=False), f(n))


def test_buffer_protocol_bfloat16():
    a = mx.ones((3, 4), mx.bfloat16)
    mv = memoryview(a)
    assert mv.format == "bfloat16" and mv.strides == (8, 2) and mv.shape == (3, 4)
    with pytest.raises(ValueError, match="bfloat16"):
        np.array(a)


def test_bytes_of_an_array():
    a = ord("a") * 257 + mx.arange(10).astype(mx.int16)
    ab = bytes(a)
    assert len(ab) == 20 and ab[1::2] == b"aaaaaaaaaa" and ab[::2] == b"abcdefghij"


def test_numpy_copy_semantics():
    y = mx.array([1.0, 2.0, 3.0])
    n = np.asarray(y)
    assert n.flags.writeable
    n[0] = 9
    assert y.tolist() == [9.0, 2.0, 3.0]  # a view, as in MLX
    y = mx.array([1.0, 2.0, 3.0])
    n = np.array(y, copy=False)
    n[0] = 9
    assert y.tolist() == [9.0, 2.0, 3.0]
    y = mx.array([1.0, 2.0, 3.0])
    n = np.array(y)
    n[0] = 9
    assert y.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        np.array(mx.arange(3), dtype=np.float32, copy=False)
    assert np.array(mx.arange(3), dtype=np.float32).dtype == np.float32
    assert np.array(mx.arange(3), copy=True).tolist() == [0, 1, 2]


def test_array_from_strided_numpy_keeps_strides():
    for src, strides in [
        (np.arange(12, dtype=np.float32).reshape(3, 4).T, (4, 16)),
        (np.arange(12, dtype=np.int64).reshape(3, 4).T, (8, 32)),
        (np.ones((3, 4, 5), np.float32).transpose(1, 0, 2), (20, 80, 4)),
        (np.ones((3, 4), np.float32)[:, 1:3], (16, 4)),
        (np.ones((3, 4), np.bool_).T, (1, 4)),
        (np.broadcast_to(np.arange(3, dtype=np.float32), (4, 3)), (0, 4)),
    ]:
        y = mx.array(src)
        assert memoryview(y).strides == strides
        assert y.tolist() == src.tolist()
    y = mx.array(np.ones((3, 4), np.complex128).T)
    assert y.dtype == mx.complex64 and memoryview(y).strides == (8, 32)
    y = mx.array(np.arange(12, dtype=np.float64).reshape(3, 4).T)
    assert y.dtype == mx.float32 and y.tolist() == np.arange(12).reshape(3, 4).T.tolist()
    y = mx.array(np.arange(10**6, dtype=np.float32)[::1000])
    assert y.shape == (1000,) and y[-1].item() == 999000


def test_array_from_reversed_numpy():
    # MLX 0.32.4 refuses negative strides here ("Cannot convert DLPack arrays
    # with negative strides"); this implementation copies the values.
    src = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::-1]
    assert mx.array(src).tolist() == src.tolist()


def test_shape_dim_overflow_from_numpy():
    # A zero-strided view: no memory behind its 2**31 elements.
    big = np.broadcast_to(np.zeros(1, np.bool_), (2**31,))
    with pytest.raises(OverflowError) as e:
        mx.array(big)
    assert str(e.value) == (
        "Shape dimension 2147483648 is outside the supported range "
        "[-2147483648, 2147483647]. MLX currently uses 32-bit integers for shape dimensions."
    )


# --------------------------------------------------------------- from lists


def test_lists_of_mlx_arrays():
    x, y = mx.array([1.0]), mx.array([2.0], mx.float16)
    z = mx.array([x, y])
    assert z.dtype == mx.float32 and z.shape == (2, 1) and z.tolist() == [[1.0], [2.0]]
    b = mx.array([True], mx.bool_)
    z = mx.array([[b, [2.0]], [[3.0], b]])
    assert z.tolist() == [[[1.0], [2.0]], [[3.0], [1.0]]]
    x = mx.array([1.0]).astype(mx.bfloat16)
    for bad in ([x, 1.0], [1.0, x], [x, mx.array([1, 2])], [[x], [1]]):
        with pytest.raises(ValueError) as e:
            mx.array(bad)
        assert str(e.value) == "Initialization encountered non-uniform length."
    assert mx.array([[1.0], x]).tolist() == [[1.0], [1.0]]
    with pytest.raises(ValueError) as e:
        mx.array([1, [2]])
    assert str(e.value) == "Initialization encountered extra dimension."

    def f(t):
        return (2 * mx.array([t, mx.array([2.0])])).sum()

    assert mx.grad(f)(mx.array([1.0])).item() == 2.0


def test_list_leaves_and_none():
    # A complex leaf in a real array keeps its real part.
    assert mx.array([1.5, 1j], mx.int32).tolist() == [1, 0]
    assert mx.array([1.5, 1j], mx.float16).tolist() == [1.5, 0.0]
    assert mx.array([1.5, 1j], mx.bool_).tolist() == [True, False]
    with pytest.raises(TypeError):
        mx.array(None)
    with pytest.raises(TypeError):
        mx.asarray(None)


# ------------------------------------------------------------------- DLPack


class CpuDLPack:
    """Hands NumPy the array's own capsule (as MLX's tests do)."""

    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return (1, 0)

    def __dlpack__(self, *args, **kwargs):
        kwargs["dl_device"] = (1, 0)
        return self.array.__dlpack__(*args, **kwargs)


def test_dlpack_export():
    assert mx.array([1, 2, 3]).__dlpack_device__() == (1, 0)
    x = mx.arange(16).reshape(4, 4)[::2, ::2]
    assert np.from_dlpack(CpuDLPack(x)).tolist() == [[0, 2], [8, 10]]
    assert np.from_dlpack(x).tolist() == [[0, 2], [8, 10]]
    assert np.from_dlpack(mx.array(1, mx.int32)).tolist() == 1
    for mt, nt, _ in ALL_NUMPY:
        y = np.from_dlpack(CpuDLPack(mx.ones((3,), mt)))
        assert y.dtype == nt and y.tolist() == [1, 1, 1]
    with pytest.raises(BufferError, match="CUDA DLPack export is not supported."):
        mx.array([1.0]).__dlpack__(dl_device=(2, 0))
    assert "dltensor" in repr(mx.array([1.0]).__dlpack__(max_version=(1, 0), copy=True))


def test_dlpack_import_keeps_strides():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = mx.from_dlpack(x.T)
    assert memoryview(y).strides == (4, 16) and not memoryview(y).c_contiguous
    assert y.tolist() == x.T.tolist()
    y = mx.from_dlpack(np.arange(20, dtype=np.int32)[2:10:2])
    assert memoryview(y).strides == (8,) and y.tolist() == [2, 4, 6, 8]
    y = mx.from_dlpack(np.broadcast_to(np.array([7], np.int32), (3,)))
    assert memoryview(y).strides == (0,) and y.tolist() == [7, 7, 7]
    with pytest.raises(ValueError) as e:
        mx.from_dlpack(np.arange(5, dtype=np.float32)[::-1])
    assert str(e.value) == "Cannot convert DLPack arrays with negative strides to mlx array."


def test_dlpack_import_dtypes_and_copy():
    for nt, mt in [
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
        (np.float64, mx.float32),
        (np.complex64, mx.complex64),
        (np.complex128, mx.complex64),
    ]:
        y = mx.from_dlpack(np.ones(3, nt))
        assert y.dtype == mt and y.tolist() == [1, 1, 1]
    x = np.arange(6, dtype=np.float32)
    y = mx.from_dlpack(x)
    x[0] = 100
    assert y.tolist()[0] == 0  # the CPU import copies, as in MLX
    with pytest.raises(ValueError) as e:
        mx.from_dlpack(np.arange(3.0), copy=False)
    assert str(e.value) == "[convert] Cannot import a CPU array without a copy."
    a = mx.array([1, 2])
    assert mx.from_dlpack(a) is not None and mx.from_dlpack(a, copy=True).tolist() == [1, 2]


def test_dlpack_torch():
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.bfloat16)
    a = mx.array(t)
    assert a.dtype == mx.bfloat16 and a.tolist() == [1.0, 2.0, 3.0]
    assert mx.from_dlpack(t).dtype == mx.bfloat16
    assert mx.asarray(t.T).tolist() == [1.0, 2.0, 3.0]
    s = torch.arange(12, dtype=torch.float32).reshape(3, 4).T
    assert mx.array(s).tolist() == s.tolist()
    assert memoryview(mx.from_dlpack(s)).strides == (4, 16)
    with pytest.raises(ValueError):
        mx.from_dlpack(torch.ones(3, dtype=torch.complex32))
    back = torch.from_dlpack(mx.ones((3,), mx.bfloat16))
    assert back.dtype == torch.bfloat16 and back.tolist() == [1.0, 1.0, 1.0]
    back = torch.from_dlpack(mx.arange(16).reshape(4, 4)[::2, ::2])
    assert back.tolist() == [[0, 2], [8, 10]]


# ----------------------------------------------------------------- indexing


def test_getitem_integer_like_indices():
    x = mx.arange(6).reshape(2, 3)
    assert x[np.int64(1), np.int32(2)].item() == 5
    assert x[np.array(1), ::2].tolist() == [3, 5]
    assert x[1 : np.int64(2)].tolist() == [[3, 4, 5]]
    assert x[:: np.int8(2)].tolist() == [[0, 1, 2]]
    assert x[[0, 1], [[0], [1]]].tolist() == [[0, 3], [1, 4]]
    assert x[None, ..., None, 0].shape == (1, 2, 1)
    assert x[mx.array([[0]]), mx.array([0, 1])].tolist() == [[0, 1]]
    assert x[..., mx.array([0, 2]), None].tolist() == [[[0], [2]], [[3], [5]]]


def test_getitem_refused_indices():
    x = mx.array([0, 1, 2])
    for idx in (2**32, 2**31, -(2**40), slice(None, 2**32), slice(2**31, None)):
        with pytest.raises(ValueError) as e:
            x[idx]
        assert str(e.value) == "Slice indices must be 32-bit integers."
    with pytest.raises(ValueError) as e:
        x[0:1.0]
    assert str(e.value) == "Slice indices must be integers or None."
    for idx in (True, 1.0, "a", np.array([0, 2]), np.bool_(True)):
        with pytest.raises(ValueError) as e:
            x[idx]
        assert str(e.value) == "Cannot index mlx array using the given type."
    with pytest.raises(ValueError) as e:
        mx.zeros((2, 2))[0, 0, 0]
    assert str(e.value) == "Too many indices for array with 2 dimensions."
    with pytest.raises(ValueError) as e:
        mx.zeros((2, 2))[..., ...]
    assert str(e.value) == "An index can only have a single ellipsis (...)"


def setitem(stmt):
    a = mx.arange(6).reshape(2, 3)
    exec(stmt)
    return a.tolist()


@pytest.mark.parametrize(
    "stmt, expected",
    [
        ("a[np.array([True, False])] = 0", [[0, 0, 0], [3, 4, 5]]),
        ("a[np.int64(1)] = 9", [[0, 1, 2], [9, 9, 9]]),
        ("a[True] = 7", [[7, 7, 7], [7, 7, 7]]),
        ("a[False] = 7", [[0, 1, 2], [3, 4, 5]]),
        ("a[mx.array(False)] = 7", [[0, 1, 2], [3, 4, 5]]),
        ("a[mx.array(True)] = mx.array([1, 2, 3])", [[1, 2, 3], [1, 2, 3]]),
        ("a[True] = mx.array([[[1, 2, 3]]])", [[1, 2, 3], [1, 2, 3]]),
        ("a[[True, False]] = 1", [[1, 1, 1], [3, 4, 5]]),
        (
            "a[mx.array([[True, False, True], [False, False, True]])] = mx.array([7, 8, 9])",
            [[7, 1, 8], [3, 4, 9]],
        ),
        ("a[np.array(1)] = 4", [[0, 1, 2], [4, 4, 4]]),
        ("a[0, np.int32(2)] = 4", [[0, 1, 4], [3, 4, 5]]),
        ("a[[0, 1], [0, 1]] = 4", [[4, 1, 2], [3, 4, 5]]),
        ("a[[[0, 1]]] = 4", [[4, 4, 4], [4, 4, 4]]),
        ("a[..., np.int64(1)] = 8", [[0, 8, 2], [3, 8, 5]]),
        ("a[:, [0, 2]] = 4", [[4, 1, 4], [4, 4, 4]]),
    ],
)
def test_setitem_index_kinds(stmt, expected):
    assert setitem(stmt) == expected


@pytest.mark.parametrize(
    "stmt, message",
    [
        ("a[2**32] = 1", "Slice indices must be 32-bit integers."),
        ("a[:2**32] = 1", "Slice indices must be 32-bit integers."),
        ("a[np.array([0])] = 9", "Cannot index mlx array using the given type."),
        ("a[0, 0, 0] = 1", "Too many indices for array with 2 dimensions."),
        ("a[..., ...] = 1", "An index can only have a single ellipsis (...)"),
    ],
)
def test_setitem_refused(stmt, message):
    with pytest.raises(ValueError) as e:
        setitem(stmt)
    assert str(e.value) == message


def test_setitem_mask_shape_checks():
    a = mx.arange(1000).reshape(10, 10, 10)
    for shape in [(1, 10, 10), (10, 10, 1)]:
        with pytest.raises(ValueError) as e:
            a[np.zeros(shape, bool)] = 0
        assert str(e.value) == (
            "[masked_scatter] The boolean mask should have the same shape as the beginning "
            f"of the indexed array but the mask has shape ({shape[0]},{shape[1]},{shape[2]}) "
            "and the array has shape (10,10,10)"
        )
    with pytest.raises(ValueError) as e:
        a[mx.zeros((10, 10, 10, 1), mx.bool_)] = 0
    assert str(e.value) == "[masked_scatter] The mask cannot have more dimensions than the target."


def test_setitem_zero_dim():
    x = mx.array(0)
    for stmt, value in [
        ("x[None, None] = 1", 1),
        ("x[..., None] = 2", 2),
        ("x[None, ..., None] = 3", 3),
        ("x[()] = 4", 4),
    ]:
        exec(stmt)
        assert x.item() == value
    for stmt in ("x[0] = 1", "x[:] = 5"):
        with pytest.raises(ValueError) as e:
            exec(stmt)
        assert str(e.value) == "too many indices for array: array is 0-dimensional"


def test_setitem_with_lists():
    a = mx.arange(16).reshape(4, 4)
    n = np.arange(16).reshape(4, 4)
    for idx, v in [
        (([0, 2], 0), 1),
        (([0, 2], slice(None)), 2),
        ((0, [0, 2]), 3),
        ((slice(None), [0, 2]), 4),
    ]:
        a[idx] = v
        n[idx] = v
    assert a.tolist() == n.tolist()


# ---------------------------------------------------------- shape arguments


def test_shape_arguments_take_the_index_protocol():
    a = mx.arange(4)
    assert mx.reshape(a, [np.int32(2), 2]).shape == (2, 2)
    assert mx.topk(a, np.int32(2)).shape == (2,)
    for value in (np.float32(2), "2"):
        with pytest.raises(TypeError):
            mx.topk(a, value)
        with pytest.raises(TypeError):
            mx.reshape(a, [value, 2])
    for call in (lambda: mx.zeros(2**31), lambda: mx.full(2**31, 0.0)):
        with pytest.raises(OverflowError) as e:
            call()
        assert str(e.value) == (
            "Shape dimension 2147483648 is outside the supported range [-2147483648, 2147483647]. "
            "MLX currently uses 32-bit integers for shape dimensions."
        )
    for call in (
        lambda: mx.ones([2**31]),
        lambda: mx.zeros((2**31,)),
        lambda: mx.reshape(a, [2**31]),
        lambda: mx.broadcast_to(a, [2**31, 1]),
        lambda: mx.zeros([np.int64(2**31)]),
    ):
        with pytest.raises(OverflowError) as e:
            call()
        assert str(e.value) == (
            "Integer value 2147483648 is outside the supported range [-2147483648, 2147483647]."
        )
    with pytest.raises(OverflowError) as e:
        mx.zeros([-(2**31) - 1])
    assert str(e.value) == (
        "Integer value -2147483649 is outside the supported range [-2147483648, 2147483647]."
    )


def test_take_from_an_empty_axis():
    a = mx.zeros((4, 0))
    assert mx.take(a, mx.array([1, 2]), axis=0).shape == (2, 0)
    assert mx.take(a, mx.array([], mx.int32), axis=1).shape == (4, 0)
    with pytest.raises(ValueError) as e:
        mx.take(a, mx.array([[1]]), axis=1)
    assert str(e.value) == "[take] Cannot do a non-empty take from an empty axis."
    e = mx.array([], mx.float32)
    assert mx.put_along_axis(e, e, e, axis=0).shape == (0,)
