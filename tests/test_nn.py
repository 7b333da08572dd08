"""mlx.nn (Module, layers, activations, init) against results recorded from
real MLX 0.32 by tests/data/record_nn.py; the cases are in tests/nn_cases.py."""

import os
import sys

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "data")]

from nn_cases import CASES  # noqa: E402
from nn_helpers import check_case, load_reference  # noqa: E402

REF = load_reference(os.path.join(HERE, "data", "nn_mlx.json"))

# Differences that come from mlx.core ops, not from mlx.nn: 'case/key' -> why.
KNOWN_CORE = {}


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_mlx(name):
    check_case(name, CASES[name], REF, skip=KNOWN_CORE)


def test_layers_call_mlx_core_directly():
    # the layers use mx.fast / mx.addmm / mx.conv* themselves: no stand-ins
    # composed from basic ops remain in mlx.nn
    import mlx.nn.layers as layers

    pkg = os.path.dirname(layers.__file__)
    assert not {"_ops.py", "_conv.py"} & set(os.listdir(pkg))
    for name in os.listdir(pkg):
        if name.endswith(".py"):
            text = open(os.path.join(pkg, name)).read()
            assert "hasattr(mx" not in text and "getattr(mx.fast" not in text, name


if KNOWN_CORE:  # none known at present

    @pytest.mark.parametrize("key", sorted(KNOWN_CORE))
    def test_known_core_differences(key):
        pytest.xfail(KNOWN_CORE[key])


# ------------------------------------------------ weights files (mx.save) --


def _model():
    mx.random.seed(3)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LayerNorm(4), nn.Linear(4, 2))


@pytest.mark.parametrize("ext", [".npz", ".safetensors"])
def test_save_and_load_weights_file(tmp_path, ext):
    path = str(tmp_path / ("w" + ext))
    src = _model()
    src.save_weights(path)
    dst = _model()
    dst.apply(lambda p: p * 0)
    dst.load_weights(path)
    for (k, a), (k2, b) in zip(tree_flatten(src.parameters()), tree_flatten(dst.parameters())):
        assert k == k2
        np.testing.assert_array_equal(np.array(a), np.array(b))
    loaded = mx.load(path)
    assert sorted(loaded) == sorted(k for k, _ in tree_flatten(src.parameters()))
    # strict loading refuses a file for another model; non-strict takes the overlap
    other = nn.Sequential(nn.Linear(3, 4))
    with pytest.raises(ValueError):
        other.load_weights(path)
    other.load_weights(path, strict=False)
    np.testing.assert_array_equal(np.array(other.layers[0].weight), np.array(src.layers[0].weight))


def test_save_weights_rejects_unknown_extension(tmp_path):
    with pytest.raises(ValueError):
        _model().save_weights(str(tmp_path / "w.pt"))


def test_value_and_grad_passes_kwargs_and_restores_nothing_extra():
    m = _model()
    x = mx.ones((2, 3))

    def loss(x, scale=1.0):
        return (m(x) * scale).sum()

    v1, g1 = nn.value_and_grad(m, loss)(x, scale=2.0)
    v2, g2 = nn.value_and_grad(m, loss)(x)
    np.testing.assert_allclose(v1.item(), 2 * v2.item(), rtol=1e-5)
    for (k, a), (_, b) in zip(tree_flatten(g1), tree_flatten(g2)):
        np.testing.assert_allclose(np.array(a), 2 * np.array(b), rtol=1e-5, atol=1e-6, err_msg=k)
    # only trainable parameters get gradients
    m.layers[0].freeze()
    _, g = nn.value_and_grad(m, loss)(x)
    assert [k for k, _ in tree_flatten(g)] == [k for k, _ in tree_flatten(m.trainable_parameters())]


def test_every_public_layer_is_covered():
    import inspect

    source = open(os.path.join(HERE, "nn_cases.py")).read()
    skip = ("Quantized", "QQ", "Sharded", "AllToSharded", "FullyShard")  # distributed ones: test_distributed*
    layers = [
        n
        for n, v in vars(nn).items()
        if inspect.isclass(v) and issubclass(v, nn.Module) and n != "Module" and not n.startswith(skip)
    ]
    assert [n for n in layers if f"nn.{n}" not in source and f'"{n}"' not in source] == []


def test_safetensors_weights_keep_half_dtypes(tmp_path):
    src = _model()
    src.set_dtype(mx.bfloat16)
    path = str(tmp_path / "half.safetensors")
    src.save_weights(path)
    dst = _model()
    dst.load_weights(path)
    for (k, a), (_, b) in zip(tree_flatten(src.parameters()), tree_flatten(dst.parameters())):
        assert b.dtype == mx.bfloat16, k
        assert mx.array_equal(a, b), k
