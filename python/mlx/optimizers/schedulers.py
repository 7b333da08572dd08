"""Learning rate schedules. Each returns a function of the step (an int or
an integer array, the number of updates done so far) giving the rate; pass
it as an optimizer's ``learning_rate``."""

import math
from typing import Callable, List

import mlx.core as mx


def exponential_decay(init: float, decay_rate: float) -> Callable:
    """``init * decay_rate ** step``."""
    return lambda step: init * decay_rate**step


def step_decay(init: float, decay_rate: float, step_size: int) -> Callable:
    """Multiply the rate by ``decay_rate`` every ``step_size`` steps."""
    return lambda step: init * (decay_rate ** (step // step_size))


def cosine_decay(init: float, decay_steps: int, end: float = 0.0) -> Callable:
    """Half a cosine period from ``init`` down to ``end`` over
    ``decay_steps`` steps; ``end`` afterwards."""

    def schedule(step):
        phase = (math.pi / decay_steps) * mx.minimum(step, decay_steps)
        return end + 0.5 * (1.0 + mx.cos(phase)) * (init - end)

    return schedule


def linear_schedule(init: float, end: float, steps: int) -> Callable:
    """From ``init`` to ``end`` in a straight line over ``steps`` steps;
    ``end`` afterwards. Often used as a warm-up in ``join_schedules``."""
    if steps < 1:
        raise ValueError(f"steps must be greater than 0, but got {steps}.")
    slope = (end - init) / steps
    return lambda step: mx.minimum(step, steps) * slope + init


def join_schedules(schedules: List[Callable], boundaries: List[int]) -> Callable:
    """Switch from ``schedules[i]`` to ``schedules[i + 1]`` at step
    ``boundaries[i]``; each later schedule counts steps from its boundary."""
    if not schedules:
        raise ValueError("Must provide at least 1 schedule to join.")
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(f"Received {len(boundaries)} boundaries but expected {len(schedules) - 1}.")

    def schedule(step):
        rate = schedules[0](step)
        for start, later in zip(boundaries, schedules[1:]):
            rate = mx.where(step < start, rate, later(step - start))
        return rate

    return schedule
