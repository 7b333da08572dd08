"""nn.value_and_grad, checkpoint and the data-parallel gradient helpers.

Like MLX's module it also exposes the tree helpers it imports
(``tree_flatten``, ``tree_unflatten``, ``tree_map``, ``tree_reduce``) and
``functools.reduce``: programs reach them through ``mlx.nn.utils``."""

from functools import reduce, wraps  # noqa: F401 - re-exported
from typing import Any, Callable, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.utils import tree_flatten, tree_map, tree_reduce, tree_unflatten  # noqa: F401


def value_and_grad(model: Module, fn: Callable):
    """Wrap ``fn`` so that calling it returns ``(value, grads)`` where the
    gradients are with respect to ``model.trainable_parameters()``."""

    def inner_fn(params, *args, **kwargs):
        model.update(params)
        return fn(*args, **kwargs)

    value_grad_fn = mx.value_and_grad(inner_fn)

    @wraps(fn)
    def wrapped_value_grad_fn(*args, **kwargs):
        return value_grad_fn(model.trainable_parameters(), *args, **kwargs)

    return wrapped_value_grad_fn


def checkpoint(module: Module, fn: Optional[Callable] = None):
    """Wrap ``fn`` (``module.__call__`` by default) so that its intermediate
    values are recomputed in the backward pass (gradient checkpointing)."""
    if fn is None:
        fn = module.__call__

    def inner_fn(params, *args, **kwargs):
        module.update(params)
        return fn(*args, **kwargs)

    checkpointed_fn = mx.checkpoint(inner_fn)

    @wraps(fn)
    def wrapped_checkpointed_fn(*args, **kwargs):
        return checkpointed_fn(module.trainable_parameters(), *args, **kwargs)

    return wrapped_checkpointed_fn


def _group_size_and_sum(group):
    """(size, all_sum) of the process group (the global one by default)."""
    group = group or mx.distributed.init()
    return group.size(), lambda x: mx.distributed.all_sum(x, group=group)


def average_gradients(
    gradients: Any,
    group=None,
    all_reduce_size: int = 32 * 1024**2,
    communication_stream=None,
):
    """Average ``gradients`` over the processes of ``group`` (data parallel
    training); with a single process they are returned unchanged.

    Arrays of one dtype are flattened and concatenated into batches of about
    ``all_reduce_size`` bytes, one all-sum each (each array on its own when
    it is 0 or the dtypes differ). ``communication_stream`` is the stream
    of the all-sums."""
    group = group or mx.distributed.init()
    n = group.size()
    if n == 1:
        return gradients

    def average(x):
        return mx.distributed.all_sum(x, group=group, stream=communication_stream) / n

    if all_reduce_size <= 0:
        return tree_map(average, gradients)
    flat = tree_flatten(gradients)
    if not flat:
        return gradients
    dtype = flat[0][1].dtype
    if any(g.dtype != dtype for _, g in flat):
        return tree_map(average, gradients)

    def reduce_batch(items):
        if len(items) == 1:
            key, g = items[0]
            return [(key, average(g))]
        summed = average(mx.concatenate([g.reshape(-1) for _, g in items]))
        cuts, total = [], 0
        for _, g in items[:-1]:
            total += g.size
            cuts.append(total)
        parts = mx.split(summed, cuts)
        return [(key, p.reshape(g.shape)) for (key, g), p in zip(items, parts)]

    out, batch, nbytes = [], [], 0
    for key, g in flat:
        batch.append((key, g))
        nbytes += g.nbytes
        if nbytes >= all_reduce_size:
            out.extend(reduce_batch(batch))
            batch, nbytes = [], 0
    if batch:
        out.extend(reduce_batch(batch))
    return tree_unflatten(out)


def clip_grad_norm_sharded(gradients: Any, max_norm: float, group=None):
    """Like ``mlx.optimizers.clip_grad_norm`` for gradients sharded over
    ``group``: the squared norms of the shards are summed over the group."""
    local = tree_reduce(lambda acc, g: acc + mx.sum(mx.square(g)), gradients, 0.0)
    _, all_sum = _group_size_and_sum(group)
    norm = mx.sqrt(all_sum(local))
    normalizer = mx.minimum(max_norm / (norm + 1e-6), 1.0)
    return tree_map(lambda g: g * normalizer, gradients), norm
