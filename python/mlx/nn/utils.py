"""nn.value_and_grad and checkpoint."""

from functools import wraps
from typing import Callable, Optional

import mlx.core as mx


def value_and_grad(model, fn: Callable):
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


def checkpoint(module, fn: Optional[Callable] = None):
    """Wrap ``fn`` (``module.__call__`` by default) so that its intermediate
    values are recomputed in the backward pass (gradient checkpointing).
    Where mlx.core.checkpoint is missing the function runs unchanged (same
    values and gradients, without the memory saving)."""
    if fn is None:
        fn = module.__call__

    if not hasattr(mx, "checkpoint"):
        return fn

    def inner_fn(params, *args, **kwargs):
        module.update(params)
        return fn(*args, **kwargs)

    checkpointed_fn = mx.checkpoint(inner_fn)

    @wraps(fn)
    def wrapped_checkpointed_fn(*args, **kwargs):
        return checkpointed_fn(module.trainable_parameters(), *args, **kwargs)

    return wrapped_checkpointed_fn
