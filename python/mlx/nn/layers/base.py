"""nn.Module: the base class of layers and models.

A module is a ``dict``. Attributes holding arrays, dicts, lists or tuples
are stored as dict items: those are the module's parameters (arrays whose
key does not start with ``_``) and its children (sub-modules, possibly
inside dicts and lists). Everything else is an ordinary attribute.
"""

from __future__ import annotations

import textwrap
from typing import Any, Callable, List, Optional, Tuple, Union

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten


def _select(owner, path, value, keep, leaf_fn, is_leaf):
    """Rebuild ``value`` (found at ``path`` in module ``owner``): leaves go
    through ``leaf_fn``; dict/list members that ``keep`` rejects become
    ``{}`` (so list positions survive); sub-modules recurse on their own
    members."""
    if is_leaf(owner, path, value):
        return leaf_fn(value)
    if isinstance(value, Module):
        return value.filter_and_map(keep, leaf_fn, is_leaf)
    if isinstance(value, (dict, list)):
        members = value.items() if isinstance(value, dict) else enumerate(value)
        built = {}
        for k, v in members:
            sub = f"{path}.{k}"
            built[k] = _select(owner, sub, v, keep, leaf_fn, is_leaf) if keep(owner, sub, v) else {}
        return built if isinstance(value, dict) else list(built.values())
    raise RuntimeError("Unexpected leaf found while traversing the module")


def _matching_entries(dst, src, strict, what):
    """The (key, new value) pairs of ``src`` whose key exists in ``dst``;
    with ``strict`` anything else is an error, otherwise it is skipped."""
    if isinstance(src, dict):
        for k, v in src.items():
            if k in dst:
                yield k, v
            elif strict:
                raise ValueError(f'Module does not have {what} named "{k}".')
    elif isinstance(src, list):
        for i, v in enumerate(src):
            if i < len(dst):
                yield i, v
            elif strict:
                raise ValueError(f"List index {i} is out of bounds for destination of length {len(dst)}.")
    elif strict:
        raise ValueError(f"Received invalid type: {type(src).__name__}.")


def _not_a_container(module, key, value):
    return not isinstance(value, (Module, dict, list))


def _check_weights(expected, given):
    """The checks of a strict load: same names, arrays, same shapes."""
    sep = ",\n"
    extra = sorted(given.keys() - expected.keys())
    if extra:
        raise ValueError(f"Received {len(extra)} parameters not in model: \n{sep.join(extra)}.")
    missing = sorted(expected.keys() - given.keys())
    if missing:
        raise ValueError(f"Missing {len(missing)} parameters: \n{sep.join(missing)}.")
    for name, current in expected.items():
        new = given[name]
        if not isinstance(new, mx.array):
            raise ValueError(f"Expected mx.array but received {type(new)} for parameter {name}")
        if new.shape != current.shape:
            raise ValueError(
                f"Expected shape {current.shape} but received shape {new.shape} for parameter {name}"
            )


# The recursive walks below are module-level functions on purpose: a nested
# function that calls itself is a reference cycle (function -> closure cell
# -> function), and one that also captures the module keeps the module and
# its arrays alive until the garbage collector runs.


def _update_parameters(dst, src, strict):
    for k, new in _matching_entries(dst, src, strict, "parameter"):
        if isinstance(dst[k], mx.array):
            if strict and not isinstance(new, mx.array):
                raise ValueError(f"Received invalid type: {type(new).__name__}.")
            dst[k] = new
        else:
            _update_parameters(dst[k], new, strict)


def _update_modules(dst, src, strict):
    for k, new in _matching_entries(dst, src, strict, "sub-module"):
        current = dst[k]
        if isinstance(current, Module) and isinstance(new, Module):
            dst[k] = new
        elif isinstance(current, (dict, list)):
            _update_modules(current, new, strict)
        elif strict and new != {}:
            raise ValueError(f"Received invalid type: {type(new).__name__}.")


class Module(dict):
    """Base class of layers and models (see the module docstring)."""

    __call__: Callable

    def __init__(self):
        self._no_grad = set()  # local keys excluded from trainable_parameters
        self._training = True

    @property
    def training(self):
        """True in training mode (see :meth:`train`)."""
        return self._training

    @property
    def state(self):
        """The module's state: the module itself, a dict."""
        return self

    def _extra_repr(self):
        return ""

    def __repr__(self):
        text = f"{type(self).__name__}({self._extra_repr()}"
        children = tree_flatten(self.children(), is_leaf=self.is_module)
        for name, child in children:
            text += "\n" + textwrap.indent(f"({name}): {child!r}", "  ")
        return text + ("\n)" if children else ")")

    # -- attributes: containers live in the dict, the rest on the object --

    def __getattr__(self, key: str):
        # only called when normal lookup fails
        if key in self:
            return self[key]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __setattr__(self, key: str, val: Any):
        if isinstance(val, (mx.array, dict, list, tuple)):
            self.__dict__.pop(key, None)
            self[key] = val
        else:
            self.pop(key, None)
            super().__setattr__(key, val)

    def __delattr__(self, name):
        if name in self:
            del self[name]
        else:
            super().__delattr__(name)

    # -- weights files ----------------------------------------------------

    def load_weights(
        self,
        file_or_weights: Union[str, List[Tuple[str, mx.array]]],
        strict: bool = True,
    ) -> Module:
        """Set parameters from a ``.npz`` / ``.safetensors`` file or a list
        of ``(name, array)`` pairs. ``strict`` requires exactly the model's
        parameter names with the same shapes; otherwise whatever matches is
        loaded."""
        weights = file_or_weights
        if isinstance(weights, str):
            weights = list(mx.load(weights).items())
        elif isinstance(weights, dict):
            weights = list(weights.items())
        if strict:
            _check_weights(dict(tree_flatten(self.parameters())), dict(weights))
        if weights:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file: str):
        """Write the parameters to ``file``: ``.npz`` or ``.safetensors``."""
        params = dict(tree_flatten(self.parameters()))
        if file.endswith(".npz"):
            mx.savez(file, **params)
        elif file.endswith(".safetensors"):
            mx.save_safetensors(file, params)
        else:
            raise ValueError(f"Unsupported file extension for {file}. Use '.npz' or '.safetensors'.")

    # -- filters (module, key, value) -> bool ------------------------------

    @staticmethod
    def is_module(value):
        return isinstance(value, Module)

    @staticmethod
    def valid_child_filter(module, key, value):
        return isinstance(value, (dict, list))

    @staticmethod
    def valid_parameter_filter(module, key, value):
        return isinstance(value, (dict, list, mx.array)) and not key.startswith("_")

    @staticmethod
    def trainable_parameter_filter(module, key, value):
        return Module.valid_parameter_filter(module, key, value) and key not in module._no_grad

    # -- views of the tree --------------------------------------------------

    def filter_and_map(
        self,
        filter_fn: Callable[[Module, str, Any], bool],
        map_fn: Optional[Callable] = None,
        is_leaf_fn: Optional[Callable[[Module, str, Any], bool]] = None,
    ):
        """A tree of this module's members that ``filter_fn`` keeps, with
        ``map_fn`` applied to the leaves (non-containers unless
        ``is_leaf_fn`` says otherwise). Sub-modules become dicts."""
        map_fn = map_fn or (lambda v: v)
        is_leaf_fn = is_leaf_fn or _not_a_container
        return {
            k: _select(self, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in self.items()
            if filter_fn(self, k, v)
        }

    def parameters(self):
        """Every parameter, as a tree of dicts and lists of arrays."""
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self):
        """The parameters that are not frozen."""
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self):
        """The direct sub-modules (as a tree: they may sit in lists/dicts)."""
        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=lambda m, k, v: self.is_module(v))

    def leaf_modules(self):
        """The sub-modules that have no sub-modules of their own."""

        def childless(m, k, v):
            return self.is_module(v) and not tree_flatten(v.children())

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=childless)

    def modules(self):
        """This module and all its sub-modules (see :meth:`apply_to_modules`
        for the order)."""
        found = []
        self.apply_to_modules(lambda _, m: found.append(m))
        return found

    def named_modules(self):
        """``(dotted name, module)`` for this module ('') and every
        sub-module."""
        found = []
        self.apply_to_modules(lambda name, m: found.append((name, m)))
        return found

    # -- changing the tree --------------------------------------------------

    def update(self, parameters: dict, strict: bool = True) -> Module:
        """Replace parameters with the arrays in ``parameters`` (a tree shaped
        like :meth:`parameters`, possibly partial). With ``strict`` every
        entry must name an existing parameter and hold an array."""
        _update_parameters(self, parameters, strict)
        return self

    def apply(
        self,
        map_fn: Callable[[mx.array], mx.array],
        filter_fn: Optional[Callable[[Module, str, Any], bool]] = None,
    ) -> Module:
        """Replace each parameter (that ``filter_fn`` keeps) ``p`` by
        ``map_fn(p)``."""
        self.update(self.filter_and_map(filter_fn or self.valid_parameter_filter, map_fn))
        return self

    def update_modules(self, modules: dict, strict: bool = True) -> Module:
        """Replace sub-modules with those in ``modules`` (a tree shaped like
        :meth:`children`, possibly partial)."""
        _update_modules(self, modules, strict)
        return self

    def apply_to_modules(self, apply_fn: Callable[[str, Module], Any]) -> Module:
        """Call ``apply_fn(name, module)`` on this module (name '') and every
        sub-module, depth first, later children first (MLX's order)."""
        pending = [("", self)]
        while pending:
            name, module = pending.pop()
            apply_fn(name, module)
            prefix = "." + name if name else ""
            pending += tree_flatten(module.children(), prefix=prefix, is_leaf=self.is_module)
        return self

    # -- freezing -----------------------------------------------------------

    def _own_parameter_names(self):
        # this module's parameters, not those of its sub-modules
        own = self.filter_and_map(
            lambda m, k, v: not isinstance(v, Module) and m.valid_parameter_filter(m, k, v)
        )
        return [k for k, _ in tree_flatten(own)]

    def _modules_and_keys(self, recurse, keys, strict):
        """The modules a (un)freeze acts on and its ``keys`` as a list (None
        for all). With ``strict`` every key must be a member of at least one
        of those modules (checked before anything changes)."""
        modules = self.modules() if recurse else [self]
        if keys is None:
            return modules, None
        keys = keys if isinstance(keys, list) else [keys]
        if strict:
            for k in keys:
                if not any(k in m for m in modules):
                    raise KeyError(f"Module doesn't contain member {k}.")
        return modules, keys

    def freeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> Module:
        """Leave parameters out of :meth:`trainable_parameters`: all of
        them, or the members named in ``keys``; in sub-modules too when
        ``recurse``. With ``strict`` a key that no (sub-)module has is a
        ``KeyError``."""
        modules, keys = self._modules_and_keys(recurse, keys, strict)
        for m in modules:
            m._no_grad.update(m._own_parameter_names() if keys is None else keys)
        return self

    def unfreeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> Module:
        """Undo :meth:`freeze` for all parameters or the members in
        ``keys``."""
        modules, keys = self._modules_and_keys(recurse, keys, strict)
        for m in modules:
            if keys is None:
                m._no_grad.clear()
            else:
                m._no_grad.difference_update(keys)
        return self

    # -- modes and dtypes ---------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=False``: evaluation mode) on this module
        and all sub-modules; it changes what e.g. Dropout and BatchNorm do."""

        for m in self.modules():
            m._set_training(mode)
        return self

    def _set_training(self, mode: bool):
        # this module's own switch (QQLinear also requantizes its weight)
        self._training = mode

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def set_dtype(
        self,
        dtype: mx.Dtype,
        predicate: Optional[Callable[[mx.Dtype], bool]] = lambda x: mx.issubdtype(x, mx.floating),
    ):
        """Cast the parameters whose dtype satisfies ``predicate`` (floating
        point ones by default; all when ``None``) to ``dtype``."""
        wanted = predicate or (lambda _: True)
        self.apply(lambda p: p.astype(dtype) if wanted(p.dtype) else p)
