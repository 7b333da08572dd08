"""Helpers for trees of arrays (nested lists, tuples and dicts), as in mlx.utils.

A *tree* is a nested structure of ``list``, ``tuple`` and ``dict`` containers;
anything else is a leaf.  Flattened keys join the path components with ``.``
(``"layers.0.weight"``).
"""

from collections import defaultdict
from itertools import zip_longest
from typing import Any, Callable, Dict, List, Optional, Tuple, Union


def _rebuild_sequence(tree, children):
    # namedtuples take their fields positionally, other sequences an iterable
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*children)
    return type(tree)(children)


def tree_map(fn: Callable, tree: Any, *rest: Any, is_leaf: Optional[Callable] = None) -> Any:
    """Apply ``fn`` to the leaves of ``tree`` (and the matching leaves of
    ``rest``) and return a tree of the same structure with the results.

    The structure is taken from ``tree``; the trees in ``rest`` must contain at
    least the same nodes. ``is_leaf`` lets a caller stop the recursion early.
    """
    if is_leaf is not None and is_leaf(tree):
        return fn(tree, *rest)
    if isinstance(tree, (list, tuple)):
        children = [
            tree_map(fn, child, *(r[i] for r in rest), is_leaf=is_leaf) for i, child in enumerate(tree)
        ]
        return _rebuild_sequence(tree, children)
    if isinstance(tree, dict):
        return {k: tree_map(fn, child, *(r[k] for r in rest), is_leaf=is_leaf) for k, child in tree.items()}
    return fn(tree, *rest)


def tree_map_with_path(
    fn: Callable,
    tree: Any,
    *rest: Any,
    is_leaf: Optional[Callable] = None,
    path: Optional[Any] = None,
) -> Any:
    """Like :func:`tree_map` but ``fn`` also receives the leaf's path
    (``"a.0.b"``) as its first argument."""

    def sub(key):
        return str(key) if path is None else f"{path}.{key}"

    if is_leaf is not None and is_leaf(tree):
        return fn(path, tree, *rest)
    if isinstance(tree, (list, tuple)):
        children = [
            tree_map_with_path(fn, child, *(r[i] for r in rest), is_leaf=is_leaf, path=sub(i))
            for i, child in enumerate(tree)
        ]
        return _rebuild_sequence(tree, children)
    if isinstance(tree, dict):
        return {
            k: tree_map_with_path(fn, child, *(r[k] for r in rest), is_leaf=is_leaf, path=sub(k))
            for k, child in tree.items()
        }
    return fn(path, tree, *rest)


def tree_flatten(
    tree: Any,
    prefix: str = "",
    is_leaf: Optional[Callable] = None,
    destination: Union[List[Tuple[str, Any]], Dict[str, Any], None] = None,
) -> Union[List[Tuple[str, Any]], Dict[str, Any]]:
    """Flatten a tree into ``(key, leaf)`` pairs with dotted keys.

    As in MLX, the first character of ``prefix`` is dropped from the keys (the
    recursion builds keys as ``prefix + "." + key``), so a top level call
    normally leaves it empty. With ``destination`` a list is extended or a dict
    updated in place and returned.
    """
    if destination is None:
        destination = []
    _flatten_into(tree, prefix, is_leaf, destination)
    return destination


def _flatten_into(node, key, is_leaf, destination):
    # A module-level recursion: a nested recursive closure would form a
    # reference cycle holding ``destination`` (and its arrays) until the
    # garbage collector runs.
    if is_leaf is None or not is_leaf(node):
        if isinstance(node, (list, tuple)):
            for i, child in enumerate(node):
                _flatten_into(child, f"{key}.{i}", is_leaf, destination)
            return
        if isinstance(node, dict):
            for k, child in node.items():
                _flatten_into(child, f"{key}.{k}", is_leaf, destination)
            return
    if isinstance(destination, dict):
        destination[key[1:]] = node
    else:
        destination.append((key[1:], node))


def tree_unflatten(tree: Union[List[Tuple[str, Any]], Dict[str, Any]]) -> Any:
    """Rebuild a tree from ``(key, value)`` pairs (or a dict) made by
    :func:`tree_flatten`. Levels whose keys are all integers become lists
    (holes are filled with empty dicts), other levels become dicts."""
    items = tree.items() if isinstance(tree, dict) else tree
    items = list(items)
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]

    children = defaultdict(list)
    for key, value in items:
        head, _, rest = key.partition(".")
        children[head].append((rest, value))

    # A level is a list when its keys are integers that name distinct
    # positions ("01" and "1" would collide: then it stays a dict). Positions
    # are taken in increasing order, holes filled with empty dicts.
    try:
        positions = {k: int(k) for k in children}
    except ValueError:
        positions = None
    if positions is not None and len(set(positions.values())) == len(positions):
        out = []
        for k in sorted(children, key=positions.__getitem__):
            out.extend({} for _ in range(positions[k] - len(out)))
            out.append(tree_unflatten(children[k]))
        return out
    return {k: tree_unflatten(v) for k, v in children.items()}


def tree_reduce(fn, tree, initializer=None, is_leaf=None):
    """Fold ``fn(accumulator, leaf)`` over the leaves of ``tree``. Without an
    ``initializer`` the first leaf starts the accumulation."""
    if is_leaf is not None and is_leaf(tree):
        return tree if initializer is None else fn(initializer, tree)
    if isinstance(tree, (list, tuple)):
        values = tree
    elif isinstance(tree, dict):
        values = tree.values()
    else:
        return tree if initializer is None else fn(initializer, tree)
    acc = initializer
    for child in values:
        acc = tree_reduce(fn, child, acc, is_leaf)
    return acc


def tree_merge(tree_a, tree_b, merge_fn=None):
    """Merge two trees. Containers of the same kind merge child by child
    (lists and tuples by position, dicts by key); otherwise an empty
    container or ``None`` on one side gives the other side, and two leaves at
    the same place go to ``merge_fn(a, b)`` (a ``ValueError`` without it)."""

    def empty(t):
        return isinstance(t, (dict, list, tuple)) and len(t) == 0

    if isinstance(tree_a, (list, tuple)) and isinstance(tree_b, (list, tuple)):
        children = [tree_merge(a, b, merge_fn) for a, b in zip_longest(tree_a, tree_b)]
        return _rebuild_sequence(tree_a, children)
    if isinstance(tree_a, dict) and isinstance(tree_b, dict):
        keys = list(tree_a.keys()) + [k for k in tree_b.keys() if k not in tree_a]
        return type(tree_a)({k: tree_merge(tree_a.get(k), tree_b.get(k), merge_fn) for k in keys})
    if empty(tree_a) and empty(tree_b):
        raise ValueError(f"Cannot merge {type(tree_a).__name__} with {type(tree_b).__name__}")
    a_missing = tree_a is None or empty(tree_a)
    b_missing = tree_b is None or empty(tree_b)
    if a_missing != b_missing:
        return tree_b if a_missing else tree_a
    if merge_fn is None:
        raise ValueError("Trees contain elements at the same locations but no merge function was provided")
    return merge_fn(tree_a, tree_b)
