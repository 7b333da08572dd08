"""Layers and helpers for models split over a group of processes.

Tensor parallelism: ``AllToShardedLinear`` holds a block of the output rows
of a linear layer (every rank sees the whole input, the output stays
sharded) and ``ShardedToAllLinear`` a block of its input columns (the input
is sharded, the partial products are summed over the group). Their quantized
versions do the same with packed weights. ``shard_linear`` turns a
(quantized) linear layer into one of them; ``shard_inplace`` shards any
module's parameters by a rule. ``fully_shard`` keeps only a slice of every
parameter on each rank and gathers them for each call (FSDP)."""

import math
from functools import lru_cache
from typing import Callable, Optional, Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.linear import Linear
from mlx.nn.layers.quantized import _times_weight_t
from mlx.utils import tree_flatten, tree_map_with_path, tree_unflatten


@lru_cache
def sum_gradients(group):
    """The identity whose gradient is summed over ``group``: put in front of
    a layer whose output is sharded so that every rank gets the gradient of
    its (full) input."""
    if group.size() == 1:
        return lambda x: x

    @mx.custom_function
    def identity(x):
        return x

    @identity.vjp
    def identity(x, cotangent, _):
        return mx.distributed.all_sum(cotangent, group=group)

    return identity


def _segments_of(weight, segments, axis):
    """``weight`` split along ``axis`` into equal parts (an int), at the
    given indices (a list of ints) or at fractions of its size (floats)."""
    if isinstance(segments, int) or all(isinstance(s, int) for s in segments):
        return mx.split(weight, segments, axis=axis)
    size = weight.shape[axis]
    return mx.split(weight, [int(f * size) for f in segments], axis=axis)


def _shard_tree(parameters, rule, group=None):
    """The parameter tree with each array replaced by this rank's shard.

    ``rule(path, array)`` gives None (keep it whole), an axis, or
    ``(axis, segments)``: the array is made of ``segments`` (e.g. 3 for a
    fused QKV matrix) and each of them is split over the group, so that
    every rank holds its part of each segment."""
    group = group or mx.distributed.init()
    n, r = group.size(), group.rank()

    def shard(path, value):
        if not isinstance(value, mx.array):
            return value
        how = rule(path, value)
        if how is None:
            return value
        if isinstance(how, int):
            axis, segments = how, 1
        elif isinstance(how, tuple):
            axis, segments = how
        else:
            raise ValueError("The sharding function should return int or tuple[int, list]")
        mine = [mx.split(part, n, axis=axis)[r] for part in _segments_of(value, segments, axis)]
        return mx.contiguous(mx.concatenate(mine, axis=axis))

    return tree_map_with_path(shard, parameters)


def _rows_rule(segments):
    # Output rows of a weight (axis -2 of a matrix), and the bias with them.
    def rule(path, weight):
        if path.endswith("bias"):
            return -1, segments
        return max(weight.ndim - 2, 0), segments

    return rule


def _columns_rule(segments):
    # Input columns of a weight; the bias is added once after the sum.
    def rule(path, weight):
        return None if path.endswith("bias") else (-1, segments)

    return rule


def _check_sharding(sharding):
    if sharding not in ("all-to-sharded", "sharded-to-all"):
        raise ValueError(
            f"Sharding type {sharding=} not supported, choose one of 'all-to-sharded' or 'sharded-to-all'"
        )


def shard_inplace(
    module: Module,
    sharding: Union[str, Callable],
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """Replace ``module``'s parameters by this rank's shards.

    ``sharding`` is "all-to-sharded", "sharded-to-all" or a function of
    (path, weight) returning None, an axis or (axis, segments). The module's
    code is not changed: it must do its own communication."""
    if isinstance(sharding, str):
        _check_sharding(sharding)
        sharding = _rows_rule(segments) if sharding == "all-to-sharded" else _columns_rule(segments)
    module.update(_shard_tree(module.parameters(), sharding, group))


def shard_linear(
    module: Module,
    sharding: str,
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """A new sharded layer made from a ``Linear`` or ``QuantizedLinear``:
    ``AllToShardedLinear`` (or its quantized form) for "all-to-sharded",
    ``ShardedToAllLinear`` for "sharded-to-all". ``module`` is unchanged."""
    _check_sharding(sharding)
    dense = isinstance(module, Linear)
    if sharding == "all-to-sharded":
        make = AllToShardedLinear.from_linear if dense else QuantizedAllToShardedLinear.from_quantized_linear
    else:
        make = ShardedToAllLinear.from_linear if dense else QuantizedShardedToAllLinear.from_quantized_linear
    return make(module, segments=segments, group=group)


def _uniform(scale, shape):
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


class _Sharded(Module):
    """What the sharded linear layers share. Each rank holds a block of the
    weight: output rows (``_rows``: all-to-sharded) or input columns
    (sharded-to-all)."""

    _rows = True

    def _block(self, input_dims, output_dims, group):
        # (weight shape, bias size) of this rank's block
        self.group = group or mx.distributed.init()
        n = self.group.size()
        if self._rows:
            if output_dims % n != 0:
                raise ValueError(f"Cannot shard the output of size {output_dims} across {n} devices.")
            return (output_dims // n, input_dims), output_dims // n
        if input_dims % n != 0:
            raise ValueError(f"The input of size {input_dims} cannot be sharded across {n} devices.")
        return (output_dims, input_dims // n), output_dims

    def _whole(self, in_dims, out_dims):
        # the whole layer's (input_dims, output_dims) from this block's
        n = self.group.size()
        return (in_dims, out_dims * n) if self._rows else (in_dims * n, out_dims)

    def _finish(self, y):
        # sharded-to-all sums the partial products; the bias comes after
        if not self._rows:
            y = mx.distributed.all_sum(y, group=self.group)
        return y + self["bias"] if "bias" in self else y

    @classmethod
    def _from(cls, layer, input_dims, segments, group, **options):
        group = group or mx.distributed.init()
        sharded = cls(input_dims, layer.weight.shape[0], hasattr(layer, "bias"), group=group, **options)
        rule = _rows_rule(segments) if cls._rows else _columns_rule(segments)
        sharded.update(_shard_tree(layer.parameters(), rule, group))
        return sharded


class _DenseSharded(_Sharded):
    def __init__(self, input_dims, output_dims, bias=True, group=None):
        super().__init__()
        shape, bias_dims = self._block(input_dims, output_dims, group)
        scale = math.sqrt(1.0 / input_dims)
        self.weight = _uniform(scale, shape)
        if bias:
            self.bias = _uniform(scale, (bias_dims,))

    def _extra_repr(self) -> str:
        in_dims, out_dims = self._whole(self.weight.shape[1], self.weight.shape[0])
        return f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"

    @classmethod
    def from_linear(
        cls,
        linear_layer: Module,
        *,
        segments: Union[int, list] = 1,
        group: Optional[mx.distributed.Group] = None,
    ):
        return cls._from(linear_layer, linear_layer.weight.shape[1], segments, group)


class AllToShardedLinear(_DenseSharded):
    """A block of ``output_dims / size`` output features of a linear layer:
    the input is the same on every rank, the output is sharded. The input's
    gradient is summed over the group."""

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group: Optional[mx.distributed.Group] = None,
    ):
        super().__init__(input_dims, output_dims, bias, group)

    def __call__(self, x: mx.array) -> mx.array:
        x = sum_gradients(self.group)(x)
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T


class ShardedToAllLinear(_DenseSharded):
    """A block of ``input_dims / size`` input features of a linear layer:
    the input is sharded, the partial products are summed over the group so
    that every rank gets the whole output."""

    _rows = False

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group: Optional[mx.distributed.Group] = None,
    ):
        super().__init__(input_dims, output_dims, bias, group)

    def __call__(self, x: mx.array) -> mx.array:
        return self._finish(x @ self["weight"].T)


class _QuantizedSharded(_Sharded):
    """The quantized sharded layers: packed weights made by ``mx.quantize``
    (frozen, as in ``QuantizedLinear``)."""

    def __init__(self, input_dims, output_dims, bias, group_size, bits, mode, group):
        super().__init__()
        shape, bias_dims = self._block(input_dims, output_dims, group)
        self.group_size, self.bits, self.mode = group_size, bits, mode
        w = _uniform(math.sqrt(1.0 / input_dims), shape)
        self.weight, self.scales, *rest = mx.quantize(w, group_size, bits, mode=mode)
        self.biases = rest[0] if rest else None
        if bias:
            self.bias = mx.zeros((bias_dims,))
        self.freeze()

    def unfreeze(self, *args, **kwargs):
        """Unfreezes sub-modules; this layer's own parameters stay frozen."""
        super().unfreeze(*args, **kwargs)
        self.freeze(recurse=False)

    def _extra_repr(self) -> str:
        out_dims, packed = self.weight.shape
        in_dims, out_dims = self._whole(packed * 32 // self.bits, out_dims)
        return (
            f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}, "
            f"group_size={self.group_size}, bits={self.bits}, mode={self.mode}"
        )

    def __call__(self, x: mx.array) -> mx.array:
        if self._rows:
            x = sum_gradients(self.group)(x)
        return self._finish(_times_weight_t(self, x))

    @classmethod
    def from_quantized_linear(
        cls,
        quantized_linear_layer: Module,
        *,
        segments: Union[int, list] = 1,
        group: Optional[mx.distributed.Group] = None,
    ):
        q = quantized_linear_layer
        in_dims = q.weight.shape[1] * 32 // q.bits
        options = {"group_size": q.group_size, "bits": q.bits, "mode": getattr(q, "mode", "affine")}
        return cls._from(q, in_dims, segments, group, **options)


class QuantizedAllToShardedLinear(_QuantizedSharded):
    """``AllToShardedLinear`` with a quantized weight (see ``mx.quantize``)."""

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = 64,
        bits: int = 4,
        mode: str = "affine",
        group: Optional[mx.distributed.Group] = None,
    ):
        super().__init__(input_dims, output_dims, bias, group_size, bits, mode, group)


class QuantizedShardedToAllLinear(_QuantizedSharded):
    """``ShardedToAllLinear`` with a quantized weight (see ``mx.quantize``)."""

    _rows = False

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = 64,
        bits: int = 4,
        mode: str = "affine",
        group: Optional[mx.distributed.Group] = None,
    ):
        super().__init__(input_dims, output_dims, bias, group_size, bits, mode, group)


def _shardable(module, key, value):
    # Parameters, except those inside another FullyShardedModule.
    return not isinstance(value, FullyShardedModule) and Module.valid_parameter_filter(module, key, value)


def _gatherer(group, full_shapes, compute_dtype):
    """A function from the shards (flattened rows of every parameter) to
    the full parameters; its vjp sum-scatters the cotangents back to the
    shards, averaged over the group."""
    n = group.size()
    sizes = [math.prod(s) // n for s in full_shapes]
    cuts = [sum(sizes[: i + 1]) for i in range(len(sizes) - 1)]

    def cast(x, dtype):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)

    @mx.custom_function
    def gather(shards):
        flat = mx.concatenate([cast(s.reshape(1, -1), compute_dtype) for s in shards], axis=1)
        every = mx.distributed.all_gather(flat, group=group)
        return [p.reshape(s) for p, s in zip(mx.split(every, cuts, axis=1), full_shapes)]

    @gather.vjp
    def gather(shards, cotangents, _):
        rows = mx.concatenate([c.reshape(n, -1) for c in cotangents], axis=1)
        mine = mx.distributed.sum_scatter(rows, group=group) / n
        parts = mx.split(mine, cuts, axis=1)
        return [cast(p.reshape(s.shape), s.dtype) for p, s in zip(parts, shards)]

    return gather


class FullyShardedModule(Module):
    """``module`` with each parameter split along axis 0 over ``group``:
    each rank stores (and its optimizer updates) one slice. The full
    parameters are all-gathered for each call and the gradients
    sum-scattered back (and averaged) in the backward pass."""

    def __init__(
        self,
        module: Module,
        group: Optional[mx.distributed.Group] = None,
        compute_dtype: Optional[mx.Dtype] = None,
    ):
        super().__init__()
        group = group or mx.distributed.init()
        n = group.size()
        flat = tree_flatten(module.filter_and_map(_shardable))
        for path, a in flat:
            if a.ndim == 0:
                raise ValueError(f"Cannot shard parameter '{path}' because it is a scalar.")
            if a.shape[0] % n != 0:
                raise ValueError(
                    f"Cannot shard parameter '{path}' with shape {a.shape} "
                    f"across {n} devices: axis 0 must be divisible by {n}."
                )
        object.__setattr__(self, "_paths", [p for p, _ in flat])
        shapes = [a.shape for _, a in flat]
        module.update(_shard_tree(module.filter_and_map(_shardable), lambda p, w: 0, group))
        self.module = module
        self._gather_fn = _gatherer(group, shapes, compute_dtype)

    def _extra_repr(self) -> str:
        return f"num_sharded_params={len(self._paths)}"

    def _with_full_parameters(self, fn, *args, **kwargs):
        shards = self.module.filter_and_map(_shardable)
        full = self._gather_fn([a for _, a in tree_flatten(shards)])
        self.module.update(tree_unflatten(list(zip(self._paths, full))))
        try:
            return fn(*args, **kwargs)
        finally:
            self.module.update(shards)

    def __call__(self, *args, **kwargs):
        return self._with_full_parameters(self.module, *args, **kwargs)

    def as_linear(self, *args, **kwargs):
        return self._with_full_parameters(self.module.as_linear, *args, **kwargs)


def fully_shard(
    module: Module,
    *,
    group: Optional[mx.distributed.Group] = None,
    compute_dtype: Optional[mx.Dtype] = None,
) -> Module:
    """``module`` wrapped in a ``FullyShardedModule`` (``module`` itself on a
    single process, when it is already wrapped or has nothing to shard)."""
    group = group or mx.distributed.init()
    if group.size() == 1 or isinstance(module, FullyShardedModule):
        return module
    wrapped = FullyShardedModule(module, group=group, compute_dtype=compute_dtype)
    return wrapped if wrapped._paths else module
