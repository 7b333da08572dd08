"""The timing loops the benchmarks share: the median of repeated calls, and
a fixed number of calls (collectives: every rank must make the same calls)."""

import time


def median_time(fn, seconds=2.0, warmup=1, min_runs=5):
    """Seconds per call of fn(): the median over at least `seconds` of calls
    (and at least `min_runs` of them), after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < min_runs:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def times_of(fn, reps):
    """The seconds of each of `reps` calls of fn(), after one untimed call."""
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)
