"""mlx.utils tree helpers; expected values recorded from MLX 0.32.4."""

from collections import namedtuple

import numpy as np
import pytest

import mlx.core as mx
from mlx.utils import (
    tree_flatten,
    tree_map,
    tree_map_with_path,
    tree_merge,
    tree_reduce,
    tree_unflatten,
)

TREE = {"a": [1, (2, 3)], "b": {"c": 4, "d": []}, "e": None}
P = namedtuple("P", "x y")


def test_flatten_keys():
    assert tree_flatten(TREE) == [("a.0", 1), ("a.1.0", 2), ("a.1.1", 3), ("b.c", 4), ("e", None)]
    # MLX drops the first character of the prefix
    assert tree_flatten(TREE, prefix="p")[0] == (".a.0", 1)
    assert tree_flatten(TREE, prefix=".p")[0] == ("p.a.0", 1)
    assert tree_flatten(5) == [("", 5)]
    assert tree_flatten(5, prefix="x") == [("", 5)]
    assert tree_flatten([1, 2]) == [("0", 1), ("1", 2)]
    assert tree_flatten({"a": {"b": []}, "c": {}}) == []
    assert tree_flatten(P(1, 2)) == [("0", 1), ("1", 2)]


def test_flatten_destination_and_is_leaf():
    d = {}
    out = tree_flatten(TREE, destination=d)
    assert out is d
    assert d == {"a.0": 1, "a.1.0": 2, "a.1.1": 3, "b.c": 4, "e": None}
    lst = [("z", 0)]
    assert tree_flatten([7], destination=lst) is lst
    assert lst == [("z", 0), ("0", 7)]
    assert tree_flatten(TREE, is_leaf=lambda x: isinstance(x, list)) == [
        ("a", [1, (2, 3)]),
        ("b.c", 4),
        ("b.d", []),
        ("e", None),
    ]


def test_unflatten():
    assert tree_unflatten([("a.0", 1), ("a.1.0", 2), ("b.c", 3)]) == {"a": [1, [2]], "b": {"c": 3}}
    assert tree_unflatten({"0": 1, "1": 2}) == [1, 2]
    assert tree_unflatten([("1", 1), ("0", 2)]) == [2, 1]
    assert tree_unflatten([("0", 1), ("2", 2)]) == [1, {}, 2]
    assert tree_unflatten([]) == []
    assert tree_unflatten([("", 5)]) == 5
    assert tree_unflatten([("a.b.0.c", 1), ("a.b.1", 2)]) == {"a": {"b": [{"c": 1}, 2]}}
    assert tree_unflatten([("10", 1), ("2", 2)]) == [{}, {}, 2] + [{}] * 7 + [1]


def test_roundtrip_arrays():
    params = {
        "layers": [{"weight": mx.ones((2, 3)), "bias": mx.zeros((2,))}, {"weight": mx.ones((1, 2))}],
        "scale": mx.array(2.0),
    }
    flat = tree_flatten(params)
    assert [k for k, _ in flat] == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "scale"]
    back = tree_unflatten(flat)
    assert back["layers"][0]["weight"].shape == (2, 3)
    assert back["scale"].item() == 2.0


def test_tree_map():
    assert tree_map(lambda x, y: x + y, [1, (2, 3)], [10, (20, 30)]) == [11, (22, 33)]
    assert tree_map(lambda x: x + 1, P(1, 2)) == P(2, 3)
    assert isinstance(tree_map(lambda x: x, P(1, 2)), P)
    # structure comes from the first tree; extra keys in rest are ignored
    assert tree_map(lambda x, y: (x, y), {"a": 1}, {"a": 2, "b": 3}) == {"a": (1, 2)}
    with pytest.raises(KeyError):
        tree_map(lambda x, y: x, {"a": 1, "b": 3}, {"a": 2})
    with pytest.raises(IndexError):
        tree_map(lambda x, y: x, [1, 2], [1])
    out = tree_map(lambda x: 2 * x, {"w": mx.array([1.0, 2.0])})
    np.testing.assert_allclose(np.array(out["w"]), [2.0, 4.0])


def test_tree_map_is_leaf():
    seen = []
    tree_map(lambda x: seen.append(x), {"a": [1, 2], "b": 3}, is_leaf=lambda x: isinstance(x, list))
    assert seen == [[1, 2], 3]


def test_tree_map_with_path():
    assert tree_map_with_path(lambda p, x: p, TREE) == {
        "a": ["a.0", ("a.1.0", "a.1.1")],
        "b": {"c": "b.c", "d": []},
        "e": "e",
    }
    assert tree_map_with_path(lambda p, x: p, [1, [2]], path="z") == ["z.0", ["z.1.0"]]
    assert tree_map_with_path(lambda p, x: p, 5) is None
    assert tree_map_with_path(lambda p, x, y: (p, x + y), {"a": 1}, {"a": 2}) == {"a": ("a", 3)}


def test_tree_reduce():
    assert tree_reduce(lambda a, x: a + x, [1, 2, {"a": 3}], 0) == 6
    assert tree_reduce(lambda a, x: a + x, [1, 2, {"a": 3}]) == 6
    assert tree_reduce(lambda a, x: a + x, []) is None
    assert (
        tree_reduce(
            lambda a, x: a + len(x),
            [[1, 2], [3]],
            0,
            is_leaf=lambda x: isinstance(x, list) and all(isinstance(i, int) for i in x),
        )
        == 3
    )
    total = tree_reduce(lambda a, x: a + x.sum(), {"a": mx.ones((3,)), "b": [mx.ones((2, 2))]}, 0)
    assert total.item() == 7


def test_tree_merge():
    m = tree_merge({"a": 1, "b": {"c": 2}}, {"b": {"d": 3}})
    assert m == {"a": 1, "b": {"c": 2, "d": 3}}
    assert tree_merge([1, None], [None, 2]) == [1, 2]
    assert tree_merge([1], [None, 2]) == [1, 2]
    assert tree_merge((1, None), (None, 2)) == (1, 2)
    assert tree_merge(None, {"a": 2}) == {"a": 2}
    assert tree_merge({"a": 1}, {"a": 2}, lambda a, b: a + b) == {"a": 3}
    with pytest.raises(ValueError, match="no merge function"):
        tree_merge({"a": 1}, {"a": 2})
    with pytest.raises(ValueError):
        tree_merge({"a": 1}, [2])


def test_tree_merge_empty_and_missing_as_mlx():
    # Behaviour read off MLX 0.32.4.
    from mlx.utils import tree_merge

    assert tree_merge({}, {}) == {}
    assert tree_merge([{}, {"a": 1}], [{}, {"b": 2}]) == [{}, {"a": 1, "b": 2}]
    assert tree_merge(None, {"a": 1}) == {"a": 1}
    assert tree_merge([], []) == []
    assert tree_merge({"a": {}}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert tree_merge([1], [None, 2]) == [1, 2]
    assert tree_merge((1,), (None, 2)) == (1, 2)
    assert tree_merge([], [1]) == [1]
    for a, b in [(None, None), ({}, None), ({"a": []}, {"a": None}), ({"a": 1}, [1])]:
        with pytest.raises(ValueError, match="no merge function"):
            tree_merge(a, b)
    with pytest.raises(ValueError, match="Cannot merge list with dict"):
        tree_merge([], {})
