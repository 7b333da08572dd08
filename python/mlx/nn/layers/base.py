"""nn.Module: a dict of parameters, sub-modules and containers of them."""

import textwrap
from typing import Any, Callable, List, Optional, Tuple, Union

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten


def _unwrap(model, value_key, value, filter_fn, map_fn, is_leaf_fn):
    if is_leaf_fn(model, value_key, value):
        return map_fn(value)

    if isinstance(value, Module):
        return {
            k: _unwrap(value, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in value.items()
            if filter_fn(value, k, v)
        }

    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = f"{value_key}.{k}"
            out[k] = (
                _unwrap(model, key, v, filter_fn, map_fn, is_leaf_fn)
                if filter_fn(model, key, v)
                else {}
            )
        return out

    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            key = f"{value_key}.{i}"
            out.append(
                _unwrap(model, key, v, filter_fn, map_fn, is_leaf_fn)
                if filter_fn(model, key, v)
                else {}
            )
        return out

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
                raise ValueError(
                    f"List index {i} is out of bounds for destination of length {len(dst)}."
                )
    elif strict:
        raise ValueError(f"Received invalid type: {type(src).__name__}.")


def _default_is_leaf(module, key, value):
    return not isinstance(value, (Module, dict, list))


class Module(dict):
    """Base class of layers and models.

    A module is a ``dict``: arrays, lists and dicts assigned as attributes are
    stored as items (and are its parameters and children); anything else is
    an ordinary attribute. Keys starting with ``_`` are not parameters.
    """

    __call__: Callable

    def __init__(self):
        self._no_grad = set()
        self._training = True

    @property
    def training(self):
        """Whether the module is in training mode."""
        return self._training

    @property
    def state(self):
        """The module's state dict (the module itself)."""
        return self

    def _extra_repr(self):
        return ""

    def __repr__(self):
        children = tree_flatten(self.children(), is_leaf=self.is_module)
        value = f"{type(self).__name__}({self._extra_repr()}"
        for k, v in children:
            value += "\n"
            value += textwrap.indent(f"({k}): {repr(v)}", prefix="  ")
        if children:
            value += "\n"
        value += ")"
        return value

    def __getattr__(self, key: str):
        if key in self:
            return self[key]
        raise AttributeError(
            f"'{type(self).__name__}' object has no attribute '{key}'"
        )

    def __setattr__(self, key: str, val: Any):
        if isinstance(val, (mx.array, dict, list, tuple)):
            if key in self.__dict__:
                del self.__dict__[key]
            self[key] = val
        else:
            if key in self:
                del self[key]
            super().__setattr__(key, val)

    def __delattr__(self, name):
        if name in self:
            del self[name]
        else:
            super().__delattr__(name)

    # -- weights -------------------------------------------------------------

    def load_weights(
        self,
        file_or_weights: Union[str, List[Tuple[str, mx.array]]],
        strict: bool = True,
    ) -> "Module":
        """Update the parameters from a ``.npz``/``.safetensors`` file or a
        list of ``(key, array)`` pairs. With ``strict`` the keys and shapes must
        match the model exactly."""
        weights = file_or_weights
        if isinstance(weights, str):
            if not hasattr(mx, "load"):
                raise NotImplementedError(
                    "Module.load_weights from a file needs mlx.core.load, "
                    "which this build does not provide yet."
                )
            weights = list(mx.load(weights).items())
        elif isinstance(weights, dict):
            weights = list(weights.items())

        if strict:
            new_weights = dict(weights)
            curr_weights = dict(tree_flatten(self.parameters()))
            extras = new_weights.keys() - curr_weights.keys()
            if extras:
                num_extra = len(extras)
                extras = ",\n".join(sorted(extras))
                raise ValueError(
                    f"Received {num_extra} parameters not in model: \n{extras}."
                )
            missing = curr_weights.keys() - new_weights.keys()
            if missing:
                num_missing = len(missing)
                missing = ",\n".join(sorted(missing))
                raise ValueError(f"Missing {num_missing} parameters: \n{missing}.")
            for k, v in curr_weights.items():
                v_new = new_weights[k]
                if not isinstance(v_new, mx.array):
                    raise ValueError(
                        "Expected mx.array but received "
                        f"{type(v_new)} for parameter {k}"
                    )
                if v_new.shape != v.shape:
                    raise ValueError(
                        f"Expected shape {v.shape} but received "
                        f"shape {v_new.shape} for parameter {k}"
                    )

        if len(weights) != 0:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file: str):
        """Save the parameters to ``.npz`` (``mx.savez``) or ``.safetensors``
        (``mx.save_safetensors``)."""
        params = dict(tree_flatten(self.parameters()))
        if file.endswith(".npz"):
            if not hasattr(mx, "savez"):
                raise NotImplementedError(
                    "Module.save_weights to .npz needs mlx.core.savez, which "
                    "this build does not provide yet."
                )
            mx.savez(file, **params)
        elif file.endswith(".safetensors"):
            if not hasattr(mx, "save_safetensors"):
                raise NotImplementedError(
                    "Module.save_weights to .safetensors needs "
                    "mlx.core.save_safetensors, which this build does not "
                    "provide yet."
                )
            mx.save_safetensors(file, params)
        else:
            raise ValueError(
                f"Unsupported file extension for {file}. "
                "Use '.npz' or '.safetensors'."
            )

    # -- filters -------------------------------------------------------------

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
        return (
            Module.valid_parameter_filter(module, key, value)
            and key not in module._no_grad
        )

    def filter_and_map(
        self,
        filter_fn: Callable[["Module", str, Any], bool],
        map_fn: Optional[Callable] = None,
        is_leaf_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ):
        """Walk the module, keep the members ``filter_fn`` accepts and apply
        ``map_fn`` to the leaves (as decided by ``is_leaf_fn``)."""
        map_fn = map_fn or (lambda x: x)
        is_leaf_fn = is_leaf_fn or _default_is_leaf
        return {
            k: _unwrap(self, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in self.items()
            if filter_fn(self, k, v)
        }

    def parameters(self):
        """All parameters (arrays) in a tree of dicts and lists."""
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self):
        """The parameters that are not frozen."""
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self):
        """The direct descendants of this module."""
        return self.filter_and_map(
            self.valid_child_filter, is_leaf_fn=lambda m, k, v: isinstance(v, Module)
        )

    def leaf_modules(self):
        """The sub-modules that have no sub-modules themselves."""

        def is_leaf_module(m, k, v):
            return isinstance(v, Module) and len(tree_flatten(v.children())) == 0

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=is_leaf_module)

    # -- updates -------------------------------------------------------------

    def update(self, parameters: dict, strict: bool = True) -> "Module":
        """Replace parameters with the arrays in ``parameters`` (a tree shaped
        like :meth:`parameters`, possibly partial). With ``strict`` every
        entry must name an existing parameter and hold an array."""

        def walk(dst, src):
            for k, new in _matching_entries(dst, src, strict, "parameter"):
                if isinstance(dst[k], mx.array):
                    if strict and not isinstance(new, mx.array):
                        raise ValueError(f"Received invalid type: {type(new).__name__}.")
                    dst[k] = new
                else:
                    walk(dst[k], new)

        walk(self, parameters)
        return self

    def apply(
        self,
        map_fn: Callable[[mx.array], mx.array],
        filter_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ) -> "Module":
        """Map the parameters (those ``filter_fn`` keeps) with ``map_fn`` and
        update the module with the result."""
        filter_fn = filter_fn or Module.valid_parameter_filter
        self.update(self.filter_and_map(filter_fn, map_fn))
        return self

    def update_modules(self, modules: dict, strict: bool = True) -> "Module":
        """Replace sub-modules with those in ``modules`` (a tree shaped like
        :meth:`children`, possibly partial)."""

        def walk(dst, src):
            for k, new in _matching_entries(dst, src, strict, "sub-module"):
                current = dst[k]
                if self.is_module(current) and self.is_module(new):
                    dst[k] = new
                elif isinstance(current, (dict, list)):
                    walk(current, new)
                elif strict and new != {}:
                    raise ValueError(f"Received invalid type: {type(new).__name__}.")

        walk(self, modules)
        return self

    def apply_to_modules(self, apply_fn: Callable[[str, "Module"], Any]) -> "Module":
        """Call ``apply_fn(name, module)`` on this module and every
        sub-module."""
        stack = [("", self)]
        while stack:
            prefix, mod = stack.pop()
            apply_fn(prefix, mod)
            prefix = "." + prefix if prefix else ""
            stack.extend(
                tree_flatten(mod.children(), prefix=prefix, is_leaf=self.is_module)
            )
        return self

    def modules(self):
        """A list of this module and all its sub-modules."""
        out = []
        self.apply_to_modules(lambda _, m: out.append(m))
        return out

    def named_modules(self):
        """A list of ``(name, module)`` for this module and its sub-modules."""
        out = []
        self.apply_to_modules(lambda k, m: out.append((k, m)))
        return out

    # -- freezing --------------------------------------------------------------

    def _validate_keys(self, keys, strict):
        keys = keys if isinstance(keys, list) else [keys]
        if strict:
            for k in keys:
                if k not in self:
                    raise KeyError(f"Module doesn't contain member {k}.")
        return keys

    def freeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Exclude parameters from :meth:`trainable_parameters` (all of them,
        or those named in ``keys``), in sub-modules too when ``recurse``."""

        def freeze_one(_, m):
            local_keys = keys
            if local_keys is None:
                local_keys = tree_flatten(
                    m.filter_and_map(
                        lambda m, k, v: (not isinstance(v, Module))
                        and m.valid_parameter_filter(m, k, v)
                    )
                )
                local_keys = [k for k, _ in local_keys]
            local_keys = m._validate_keys(local_keys, strict)
            m._no_grad.update(local_keys)

        if recurse:
            self.apply_to_modules(freeze_one)
        else:
            freeze_one("", self)
        return self

    def unfreeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Undo :meth:`freeze` (for all parameters or those in ``keys``)."""

        def unfreeze_one(_, m):
            if keys is None:
                m._no_grad.clear()
            else:
                local_keys = m._validate_keys(keys, strict)
                m._no_grad.difference_update(local_keys)

        if recurse:
            self.apply_to_modules(unfreeze_one)
        else:
            unfreeze_one("", self)
        return self

    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and all sub-modules."""

        def set_mode(_, m):
            m._training = mode

        self.apply_to_modules(set_mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def set_dtype(
        self,
        dtype: mx.Dtype,
        predicate: Optional[Callable[[mx.Dtype], bool]] = lambda x: mx.issubdtype(
            x, mx.floating
        ),
    ):
        """Cast the parameters for which ``predicate(dtype)`` holds (floating
        point ones by default) to ``dtype``."""
        if predicate is None:
            predicate = lambda _: True  # noqa: E731
        self.apply(lambda x: x.astype(dtype) if predicate(x.dtype) else x)
