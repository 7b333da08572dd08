"""mlx.nn (Module, layers, activations, init) against results recorded from
real MLX 0.32 by tests/data/record_nn.py; the cases are in tests/nn_cases.py."""
import os
import sys

import pytest

import mlx.core as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "data")]

from nn_cases import CASES  # noqa: E402
from nn_helpers import check_case, load_reference  # noqa: E402

REF = load_reference(os.path.join(HERE, "data", "nn_mlx.json"))

# Differences that come from mlx.core ops, not from mlx.nn: 'case/key' -> why.
KNOWN_CORE = {}

NEEDS = {
    "conv_forward": ("conv1d", "the convolution ops are not in mlx.core yet"),
    "init_orthogonal": ("linalg", "mx.linalg (qr) is not in mlx.core yet"),
}


def _marks(name):
    need = NEEDS.get(name)
    if need and not hasattr(mx, need[0]):
        return [pytest.mark.skip(reason=need[1])]
    return []


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in CASES])
def test_same_as_mlx(name):
    check_case(name, CASES[name], REF, skip=KNOWN_CORE)


@pytest.mark.parametrize("key", sorted(KNOWN_CORE))
def test_known_core_differences(key):
    pytest.xfail(KNOWN_CORE[key])
