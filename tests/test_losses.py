"""mlx.nn.losses against results recorded from real MLX 0.32 by
tests/data/record_nn.py (cases in tests/data/nn_optim_cases.py), plus
properties that hold whatever the reference says."""

import os
import sys

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "data")]

from nn_helpers import check_case, load_reference  # noqa: E402
from nn_optim_cases import CASES  # noqa: E402

REF = load_reference(os.path.join(HERE, "data", "nn_mlx.json"))
LOSS_CASES = [n for n in CASES if n.startswith("loss_")]


@pytest.mark.parametrize("name", LOSS_CASES)
def test_same_as_mlx(name):
    check_case(name, CASES[name], REF)


def test_every_loss_is_covered():
    names = {n for n in dir(nn.losses) if not n.startswith("_") and n.endswith("loss")}
    names |= {"cross_entropy", "binary_cross_entropy"}
    source = open(os.path.join(HERE, "data", "nn_optim_cases.py")).read()
    assert {n for n in names if f"L.{n}(" not in source} == set()


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_reductions_agree(reduction):
    a = mx.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
    b = mx.zeros((2, 3))
    full = np.array(nn.losses.mse_loss(a, b, reduction="none"))
    got = np.array(nn.losses.mse_loss(a, b, reduction=reduction))
    want = {"none": full, "mean": full.mean(), "sum": full.sum()}[reduction]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_cross_entropy_matches_numpy():
    logits = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], np.float32)
    tgt = np.array([0, 2])
    lse = np.log(np.exp(logits).sum(-1))
    want = lse - logits[np.arange(2), tgt]
    got = nn.losses.cross_entropy(mx.array(logits), mx.array(tgt))
    np.testing.assert_allclose(np.array(got), want, rtol=1e-5)
