"""mx.random: bit-exact streams recorded from real MLX 0.32, distribution
statistics, shapes, dtypes and errors."""

import json
import os
import sys

import numpy as np
import pytest

import mlx.core as mx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
from record_random import CASES, run, to_json  # noqa: E402

with open(os.path.join(os.path.dirname(__file__), "data", "random_mlx.json")) as f:
    RECORDED = json.load(f)


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_numbers_as_mlx(case):
    fn, kw = CASES[case]
    ours = np.array(to_json(run(mx, fn, kw)))
    ref = np.array(RECORDED[case])
    assert ours.shape == ref.shape
    if ref.dtype.kind in "iub":
        np.testing.assert_array_equal(ours, ref)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_global_seed_sequence_as_mlx():
    mx.random.seed(7)
    ours = [
        mx.random.uniform(shape=(4,)).tolist(),
        mx.random.normal((4,)).tolist(),
        mx.random.randint(0, 1000, (4,)).tolist(),
    ]
    ref = RECORDED["global_seed7"]
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], ref[1], rtol=1e-5, atol=1e-6)
    assert ours[2] == ref[2]


def test_same_key_same_numbers_and_global_state_advances():
    k = mx.random.key(0)
    assert mx.array_equal(mx.random.uniform(shape=(5,), key=k), mx.random.uniform(shape=(5,), key=k))
    mx.random.seed(3)
    a = mx.random.uniform(shape=(5,))
    b = mx.random.uniform(shape=(5,))
    assert not mx.array_equal(a, b)
    mx.random.seed(3)
    assert mx.array_equal(a, mx.random.uniform(shape=(5,)))


def test_key_and_split_shapes():
    k = mx.random.key(1)
    assert k.shape == (2,) and k.dtype == mx.uint32
    assert mx.random.split(k).shape == (2, 2)
    assert mx.random.split(k, 5).shape == (5, 2)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
def test_uniform_statistics(dtype):
    x = mx.random.uniform(-1, 3, (100000,), dtype=dtype, key=mx.random.key(2))
    assert x.dtype == dtype and x.shape == (100000,)
    v = np.array(x.astype(mx.float32))
    assert v.min() >= -1 and v.max() < 3
    assert abs(v.mean() - 1) < 0.02


def test_uniform_broadcasts_bounds():
    x = mx.random.uniform(mx.array([0.0, 10.0]), mx.array([1.0, 11.0]), (3, 2), key=mx.random.key(0))
    v = np.array(x)
    assert v.shape == (3, 2)
    assert (v[:, 0] < 1).all() and (v[:, 1] >= 10).all()


def test_normal_statistics_and_loc_scale():
    x = np.array(mx.random.normal((200000,), loc=2.0, scale=3.0, key=mx.random.key(4)))
    assert abs(x.mean() - 2) < 0.03 and abs(x.std() - 3) < 0.03


def test_truncated_normal_bounds():
    x = np.array(mx.random.truncated_normal(-0.5, 1.5, (10000,), key=mx.random.key(5)))
    assert x.min() >= -0.5 and x.max() <= 1.5


def test_randint_range_dtype():
    x = mx.random.randint(-3, 4, (10000,), dtype=mx.int16, key=mx.random.key(6))
    assert x.dtype == mx.int16
    v = np.array(x)
    assert v.min() == -3 and v.max() == 3


def test_bernoulli_mean_and_dtype():
    x = mx.random.bernoulli(0.25, (100000,), key=mx.random.key(7))
    assert x.dtype == mx.bool_
    assert abs(np.array(x).mean() - 0.25) < 0.01
    assert mx.random.bernoulli(mx.array([0.0, 1.0])).tolist() == [False, True]


def test_categorical_frequencies():
    logits = mx.log(mx.array([0.2, 0.5, 0.3]))
    s = np.array(mx.random.categorical(logits, shape=(50000,), key=mx.random.key(8)))
    freq = np.bincount(s, minlength=3) / s.size
    np.testing.assert_allclose(freq, [0.2, 0.5, 0.3], atol=0.01)
    assert mx.random.categorical(logits, num_samples=7).shape == (7,)
    assert mx.random.categorical(mx.zeros((4, 3)), num_samples=5).shape == (4, 5)


def test_permutation_is_a_permutation():
    p = np.array(mx.random.permutation(100, key=mx.random.key(9)))
    assert sorted(p.tolist()) == list(range(100))
    x = mx.arange(12).reshape(3, 4)
    y = np.array(mx.random.permutation(x, axis=1, key=mx.random.key(9)))
    assert sorted(y[0].tolist()) == [0, 1, 2, 3]
    assert (y[1] - y[0] == 4).all()


def test_gumbel_laplace_statistics():
    g = np.array(mx.random.gumbel((200000,), key=mx.random.key(10)))
    assert abs(g.mean() - 0.5772) < 0.02
    l = np.array(mx.random.laplace((200000,), loc=1.0, scale=2.0, key=mx.random.key(11)))
    assert abs(np.median(l) - 1.0) < 0.03 and abs(np.abs(l - 1).mean() - 2.0) < 0.03


def test_errors():
    with pytest.raises(ValueError):
        mx.random.randint(0, 5, (3,), dtype=mx.float32)
    with pytest.raises(ValueError):
        mx.random.normal((3,), dtype=mx.int32)
    with pytest.raises(ValueError):
        mx.random.bernoulli(mx.array([1, 0]))
    with pytest.raises((ValueError, IndexError)):
        mx.random.categorical(mx.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError):
        mx.random.uniform(shape=(-1,))


def test_random_under_grad_and_vmap():
    # Random draws are constants to transforms.
    k = mx.random.key(0)
    g = mx.grad(lambda x: (x * mx.random.normal((3,), key=k)).sum())(mx.ones(3))
    assert mx.allclose(g, mx.random.normal((3,), key=k))
    keys = mx.random.split(k, 4)
    out = mx.vmap(lambda kk: mx.random.uniform(shape=(2,), key=kk))(keys)
    assert out.shape == (4, 2)
    assert mx.array_equal(out[1], mx.random.uniform(shape=(2,), key=keys[1]))


def test_state_list_and_compile():
    assert isinstance(mx.random.state, list) and len(mx.random.state) == 1
    mx.random.seed(7)
    assert mx.random.state[0].tolist() == mx.random.key(7).tolist()
    a = mx.random.uniform(shape=(3,))
    assert mx.random.state[0].tolist() != mx.random.key(7).tolist()
    # Restoring the state replays the stream.
    mx.random.seed(7)
    saved = mx.random.state[0]
    b = mx.random.uniform(shape=(3,))
    mx.random.state[0] = saved
    assert mx.array_equal(mx.random.uniform(shape=(3,)), b) and mx.array_equal(a, b)
    # Compiled functions draw fresh numbers when the state flows through.
    state = [mx.random.state]
    f = mx.compile(lambda: mx.random.uniform(shape=(2,)), inputs=state, outputs=state)
    mx.random.seed(1)
    x1, x2 = f(), f()
    mx.random.seed(1)
    y1, y2 = mx.random.uniform(shape=(2,)), mx.random.uniform(shape=(2,))
    assert not mx.array_equal(x1, x2)
    assert mx.array_equal(x1, y1) and mx.array_equal(x2, y2)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize("sampler", [mx.random.normal, mx.random.laplace])
def test_half_samples_stay_finite(sampler, dtype):
    # Drawn in float32 and rounded once (MLX): a 16-bit uniform could reach
    # |u| = 1 and give an infinite sample.
    a = sampler(shape=(100000,), dtype=dtype, key=mx.random.key(0))
    assert a.dtype == dtype and mx.isfinite(a).all().item()
    key = mx.random.key(1)
    b = sampler(shape=(3, 2), loc=1.0, scale=2.0, dtype=dtype, key=key)
    assert mx.allclose(b, 2.0 * sampler(shape=(3, 2), dtype=dtype, key=key) + 1.0).item()


@pytest.mark.parametrize(
    "dtype,low,high",
    [(mx.int32, 2**24, 2**24 + 2), (mx.uint32, 2**24, 2**24 + 2), (mx.int64, 2**40, 2**40 + 1024)],
)
def test_randint_stays_below_high(dtype, low, high):
    a = mx.random.randint(low, high, [10000], dtype=dtype, key=mx.random.key(0))
    assert a.dtype == dtype
    assert mx.all(a >= low).item() and mx.all(a < high).item()
