"""Creation ops against NumPy, with MLX's default dtypes (int32 / float32)."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL, DTYPES, assert_array, assert_raises
import math


@pytest.mark.parametrize(
    "args,kw,expected,dtype",
    [
        ((5,), {}, np.arange(5), "int32"),
        ((2, 9, 3), {}, np.arange(2, 9, 3), "int32"),
        ((10, 0, -3), {}, np.arange(10, 0, -3), "int32"),
        ((5, 0), {}, np.arange(5, 0), "int32"),
        ((0.5, 3), {}, np.arange(0.5, 3), "float32"),
        ((0, 5, 2.0), {}, np.arange(0, 5, 2.0), "float32"),
        ((0, 1, 0.1), {}, np.arange(0, 1, 0.1), "float32"),
        ((3,), {"dtype": mx.float16}, np.arange(3), "float16"),
        ((2, 9, 3), {"dtype": mx.uint8}, np.arange(2, 9, 3), "uint8"),
        ((0, 5), {"dtype": mx.int64}, np.arange(0, 5), "int64"),
        ((0, 4), {"dtype": mx.bfloat16}, np.arange(0, 4), "bfloat16"),
        # MLX: an integer arange steps by int(start + step) - int(start).
        ((0.5, 10, 1.3), {"dtype": mx.int32}, np.arange(8), "int32"),
        ((1, 2, 0.3), {"dtype": mx.int8}, np.array([1, 1, 1, 1]), "int8"),
    ],
)
def test_arange(args, kw, expected, dtype):
    assert_array(mx.arange(*args, **kw), expected, dtype, atol=1e-6)


def test_arange_errors():
    assert_raises(lambda: mx.arange(0, 5, 0), ValueError, "[arange]")
    assert_raises(lambda: mx.arange(float("nan")), ValueError, "[arange]")
    assert_raises(lambda: mx.arange(0, float("inf")), ValueError, "[arange]")
    # MLX: "bool not supported for arange." (no prefix); ValueError either way.
    with pytest.raises(ValueError, match="bool"):
        mx.arange(3, dtype=mx.bool_)
    with pytest.raises(TypeError):
        mx.arange("a")


def test_linspace():
    assert_array(mx.linspace(0, 1, 7), np.linspace(0, 1, 7), "float32")
    assert_array(mx.linspace(-2, 5, 50), np.linspace(-2, 5, 50), "float32", atol=1e-6)
    assert_array(mx.linspace(0, 10, 4, dtype=mx.int32), np.array([0, 3, 6, 10]), "int32")
    assert_array(mx.linspace(0, 1, 0), np.zeros(0), "float32")
    assert_array(mx.linspace(2, 3, 1), np.array([2.0]), "float32")
    assert_array(mx.linspace(0, 1, 5, dtype=mx.float16), np.linspace(0, 1, 5), "float16")
    assert_raises(lambda: mx.linspace(0, 1, -1), ValueError, "[linspace]")


@pytest.mark.parametrize("dtype", ALL)
def test_zeros_ones_full(dtype):
    t = DTYPES[dtype]
    assert_array(mx.zeros((2, 3), t), np.zeros((2, 3)), dtype)
    assert_array(mx.ones((3,), dtype=t), np.ones(3), dtype)
    assert_array(mx.zeros(4, t), np.zeros(4), dtype)
    assert_array(mx.ones((), t), np.ones(()), dtype)
    assert_array(mx.zeros((0, 2), t), np.zeros((0, 2)), dtype)
    assert_array(mx.full((2, 2), 1, t), np.ones((2, 2)), "int32" if dtype == "bool" else dtype)
    like = mx.zeros((2, 1), t)
    assert_array(mx.zeros_like(like), np.zeros((2, 1)), dtype)
    assert_array(mx.ones_like(like), np.ones((2, 1)), dtype)
    assert_array(mx.full_like(like, True), np.ones((2, 1)), dtype)


def test_default_dtypes():
    assert_array(mx.zeros((2,)), np.zeros(2), "float32")
    assert_array(mx.ones([2, 2]), np.ones((2, 2)), "float32")
    assert_array(mx.full(3, 1.0), np.ones(3), "float32")
    assert_array(mx.full((2,), 7), np.full(2, 7), "int32")
    assert_array(mx.full((2,), True), np.full(2, True), "bool")
    assert_array(mx.full((2,), 1 + 2j), np.full(2, 1 + 2j), "complex64")
    assert_array(mx.empty((2,)), np.zeros(2), "float32")
    assert_array(mx.asarray([1, 2.5]), np.array([1, 2.5]), "float32")
    assert_array(mx.asarray([1, 2], dtype=mx.float16), np.array([1, 2]), "float16")


def test_full_dtype_rules():
    # MLX 0.32.4 keeps `dtype` only where the scalar's kind allows it.
    assert_array(mx.full((2,), 2.7, mx.int32), np.full(2, 2.7), "float32")
    assert_array(mx.full((2,), 2.7, mx.float16), np.full(2, 2.7), "float16")
    assert_array(mx.full((2,), 3, mx.bool_), np.full(2, 3), "int32")
    assert_array(mx.full((2,), 3, mx.float16), np.full(2, 3), "float16")
    assert_array(mx.full((2,), True, mx.int8), np.full(2, 1), "int8")
    assert_array(mx.full((2,), 1 + 2j, mx.float32), np.full(2, 1 + 2j), "complex64")
    # An mx.array value keeps its own dtype; a NumPy one takes dtype.
    assert_array(mx.full((2,), mx.array(2.5), mx.int32), np.full(2, 2.5), "float32")
    assert_array(mx.full((2,), np.array([1, 2]), mx.float16), np.array([1, 2]), "float16")
    assert_array(mx.full((2, 3), mx.array([1, 2, 3])), np.tile([1, 2, 3], (2, 1)), "int32")
    # full_like uses dtype (or the array's dtype) for any scalar.
    assert_array(mx.full_like(mx.array([1, 2]), 2.5), np.array([2, 2]), "int32")
    assert_array(mx.full_like(mx.array([1, 2]), 2.5, dtype=mx.float16), np.full(2, 2.5), "float16")
    with pytest.raises(ValueError, match="overflow"):
        mx.full((2,), 300, mx.int8)


def test_creation_errors():
    assert_raises(lambda: mx.zeros((-1, 2)), ValueError, "[")
    assert_raises(lambda: mx.full((2, 3), mx.array([1, 2])), ValueError, "[broadcast")
    assert_raises(lambda: mx.eye(-1), ValueError, "[eye]")
    assert_raises(lambda: mx.tril(mx.ones(3)), ValueError, "[tril]")
    assert_raises(lambda: mx.triu(mx.ones(3)), ValueError, "[triu]")


@pytest.mark.parametrize(
    "n,m,k", [(3, None, 0), (2, 4, 1), (4, None, -2), (3, None, 5), (0, None, 0), (4, 2, -1)]
)
def test_eye_tri(n, m, k):
    assert_array(mx.eye(n, m, k), np.eye(n, m, k), "float32")
    assert_array(mx.eye(n, m, k, dtype=mx.int32), np.eye(n, m, k), "int32")
    assert_array(mx.tri(n, m, k), np.tri(n, m, k), "float32")
    assert_array(mx.tri(n, m, k, dtype=mx.bool_), np.tri(n, m, k, dtype=bool), "bool")


def test_identity():
    assert_array(mx.identity(3), np.identity(3), "float32")
    assert_array(mx.identity(2, mx.uint8), np.identity(2), "uint8")


@pytest.mark.parametrize("k", [-2, -1, 0, 1, 3])
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "float16"])
def test_tril_triu(k, dtype):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(2, 3, 4)).round().astype(dtype)
    a = mx.array(x)
    assert_array(mx.tril(a, k), np.tril(x, k), dtype)
    assert_array(mx.triu(a, k=k), np.triu(x, k), dtype)
    # A transposed (non-contiguous) input.
    assert_array(mx.tril(a.transpose(0, 2, 1), k), np.tril(x.transpose(0, 2, 1), k), dtype)


# Shape ops (bound in python/src/ops_shape.cpp) -------------------------------


def _x():
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    return mx.array(x), x


def test_shape_ops_values():
    a, x = _x()
    assert_array(mx.reshape(a, (4, -1)), x.reshape(4, -1), "int32")
    assert_array(mx.reshape(a.T, (-1,)), x.T.reshape(-1), "int32")  # non-contiguous input
    assert_array(mx.flatten(a, 1), x.reshape(2, 12), "int32")
    assert_array(mx.flatten(a, -2, -1), x.reshape(2, 12), "int32")
    assert_array(mx.flatten(a), x.reshape(-1), "int32")
    assert_array(mx.flatten(mx.array(1.0)), np.array([1.0]), "float32")
    assert_array(mx.squeeze(mx.zeros((1, 3, 1))), np.zeros(3), "float32")
    assert_array(mx.squeeze(mx.zeros((1, 3, 1)), 2), np.zeros((1, 3)), "float32")
    assert_array(mx.expand_dims(a, (0, 4)), x[None, ..., None], "int32")
    assert_array(mx.transpose(a, (2, 0, 1)), x.transpose(2, 0, 1), "int32")
    assert_array(mx.transpose(a), x.T, "int32")
    assert_array(mx.swapaxes(a, 0, 2), np.swapaxes(x, 0, 2), "int32")
    assert_array(mx.moveaxis(a, 0, -1), np.moveaxis(x, 0, -1), "int32")
    assert_array(mx.broadcast_to(a, (2, 2, 3, 4)), np.broadcast_to(x, (2, 2, 3, 4)), "int32")
    assert_array(mx.broadcast_to(mx.array(2.5), (2, 3)), np.full((2, 3), 2.5), "float32")
    assert_array(mx.contiguous(a.T), x.T, "int32")
    assert_array(mx.reshape(mx.zeros((0, 3)), (3, 0)), np.zeros((3, 0)), "float32")


def test_shape_ops_errors():
    a, _ = _x()
    assert_raises(lambda: mx.reshape(a, (5, 5)), ValueError, "[reshape]")
    assert_raises(lambda: mx.reshape(a, (-1, -1)), ValueError, "[reshape]")
    assert_raises(lambda: mx.flatten(a, 2, 1), ValueError, "[flatten]")
    assert_raises(lambda: mx.squeeze(a, 0), ValueError, "[squeeze]")
    assert_raises(lambda: mx.expand_dims(a, 5), IndexError, "[expand_dims]")
    # axis=None is not an axis (found by the sanitizer: it read an empty optional).
    assert_raises(lambda: mx.expand_dims(a, None), TypeError, "expand_dims")
    assert_raises(lambda: mx.transpose(a, (0, 0, 1)), ValueError, "[transpose]")
    assert_raises(lambda: mx.transpose(a, (0, 1)), ValueError, "[transpose]")
    assert_raises(lambda: mx.swapaxes(a, 0, 5), IndexError, "[swapaxes]")
    assert_raises(lambda: mx.moveaxis(a, 3, 0), IndexError, "[moveaxis]")
    # MLX names broadcast_shapes here; ours says broadcast_to (see report).
    assert_raises(lambda: mx.broadcast_to(a, (3, 3, 4)), ValueError, "[broadcast")


# ------------------------------------------------------------------ constants


def test_constants():
    assert mx.e == math.e and mx.pi == math.pi
    assert mx.inf == math.inf and math.isnan(mx.nan)
    assert mx.euler_gamma == 0.5772156649015329
    assert mx.newaxis is None
    assert mx.ones((2, 3))[:, mx.newaxis].shape == (2, 1, 3)


# -------------------------------------------------------------------- softmax


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows(name):
    f, g = getattr(mx, name), getattr(np, name)
    for M in [-1, 0, 1, 2, 3, 5, 7, 64, 1000]:
        out = f(M)
        assert_array(out, g(M), mx.float32, atol=3e-7, msg=str(M))
    with pytest.raises(TypeError):
        f(2.5)
    assert f(4, stream=mx.cpu).shape == (4,)


def test_window_exact_values():
    # Recorded from MLX: Blackman's ends are exactly zero in float32.
    assert mx.blackman(5).tolist()[0] == 0.0 and mx.blackman(5).tolist()[2] == 1.0
    assert mx.bartlett(5).tolist() == [0.0, 0.5, 1.0, 0.5, 0.0]


# ---------------------------------------------------------- dtype queries
