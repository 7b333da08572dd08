"""nn.init: shapes, dtypes and distribution statistics on large arrays
(exact values for fixed seeds are in the recorded cases of test_nn.py)."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

FAN_IN, FAN_OUT = 200, 300  # a (300, 200) weight: fan_in = 200, fan_out = 300


def _sample(init, shape=(FAN_OUT, FAN_IN), **kw):
    mx.random.seed(0)
    return np.array(init(mx.zeros(shape), **kw))


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
def test_dtype_and_shape(dtype):
    for make in (
        nn.init.normal,
        nn.init.uniform,
        nn.init.glorot_normal,
        nn.init.glorot_uniform,
        nn.init.he_normal,
        nn.init.he_uniform,
        nn.init.identity,
        nn.init.orthogonal,
    ):
        a = make(dtype=dtype)(mx.zeros((6, 6)))
        assert a.shape == (6, 6) and a.dtype == dtype, make.__name__
    assert nn.init.constant(1.5, dtype=dtype)(mx.zeros((2, 3))).dtype == dtype
    assert nn.init.sparse(0.5, dtype=dtype)(mx.zeros((4, 3))).dtype == dtype


def test_normal_and_uniform_statistics():
    a = _sample(nn.init.normal(mean=1.0, std=0.5))
    assert abs(a.mean() - 1.0) < 0.01 and abs(a.std() - 0.5) < 0.01
    u = _sample(nn.init.uniform(low=-3.0, high=1.0))
    assert u.min() >= -3.0 and u.max() < 1.0 and abs(u.mean() + 1.0) < 0.02


def test_glorot_and_he_scales():
    std = _sample(nn.init.glorot_normal()).std()
    assert abs(std - math.sqrt(2 / (FAN_IN + FAN_OUT))) < 0.02 * std
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    g = _sample(nn.init.glorot_uniform(), gain=2.0)
    assert abs(np.abs(g).max() - 2 * bound) < 0.01 * bound
    # MLX's he_normal has std gain / sqrt(fan) (gain 1 by default, not sqrt(2))
    assert abs(_sample(nn.init.he_normal()).std() - 1 / math.sqrt(FAN_IN)) < 0.02 / math.sqrt(FAN_IN)
    assert abs(_sample(nn.init.he_normal(), mode="fan_out", gain=2.0).std() - 2 / math.sqrt(FAN_OUT)) < 0.002
    hb = math.sqrt(3 / FAN_IN)
    assert abs(np.abs(_sample(nn.init.he_uniform())).max() - hb) < 0.01 * hb


def test_identity_orthogonal_sparse_constant():
    np.testing.assert_array_equal(np.array(nn.init.identity()(mx.zeros((3, 3)))), np.eye(3))
    q = _sample(nn.init.orthogonal(), shape=(8, 5))
    np.testing.assert_allclose(q.T @ q, np.eye(5), atol=1e-5)
    q = _sample(nn.init.orthogonal(gain=3.0), shape=(4, 9))
    np.testing.assert_allclose(q @ q.T, 9 * np.eye(4), atol=1e-4)
    s = _sample(nn.init.sparse(0.75, std=2.0), shape=(400, 10))
    # each row (output feature) loses ceil(0.75 * 10) = 8 of its inputs;
    # the rest is N(0, 2^2)
    assert ((s == 0).sum(axis=1) == 8).all()
    assert abs(s[s != 0].std() - 2.0) < 0.15
    np.testing.assert_array_equal(np.array(nn.init.constant(0.25)(mx.zeros((2, 2)))), np.full((2, 2), 0.25))


def test_default_layer_init_ranges():
    mx.random.seed(1)
    lin = nn.Linear(64, 32)
    assert np.abs(np.array(lin.weight)).max() <= 1 / 8 and np.abs(np.array(lin.bias)).max() <= 1 / 8
    emb = nn.Embedding(1000, 16)
    assert abs(np.array(emb.weight).std() - 0.25) < 0.01
