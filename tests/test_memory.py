"""Memory accounting as MLX 0.32.4 reports it: active and peak memory count
the bytes arrays hold (recorded on MLX's Linux CPU build: a 100 MiB array
counts 100 MiB, six of 40 MiB add 240 MiB), freed buffers go to the cache,
and the memory limit is a guideline that frees the cache first."""

import gc

import pytest

import mlx.core as mx

MiB = 1 << 20


@pytest.fixture(autouse=True)
def fresh_cache():
    gc.collect()
    mx.clear_cache()
    yield
    gc.collect()
    mx.clear_cache()


def test_active_memory_counts_what_arrays_hold():
    base = mx.get_active_memory()
    a = mx.zeros((100 * MiB // 4,))
    mx.eval(a)
    assert mx.get_active_memory() - base == 100 * MiB
    b = [mx.zeros((40 * MiB // 4,)) for _ in range(6)]
    mx.eval(b)
    assert mx.get_active_memory() - base == 340 * MiB
    assert mx.get_peak_memory() - base >= 340 * MiB
    small = mx.ones((1000,), dtype=mx.int8)
    mx.eval(small)
    assert mx.get_active_memory() - base == 340 * MiB + 1000
    del a, b, small
    assert mx.get_active_memory() == base


@pytest.mark.parametrize("n", [1, 63, 64, 65, 4095, 4097, 100_000, 3 * MiB + 5])
def test_cache_holds_at_most_a_page_more_than_asked(n):
    a = mx.zeros((n,), dtype=mx.uint8)
    mx.eval(a)
    base_cache = mx.get_cache_memory()
    del a
    held = mx.get_cache_memory() - base_cache
    unit = 64 if n <= 4096 else 4096
    assert n <= held < n + unit


def test_freed_buffers_are_reused():
    a = mx.zeros((10 * MiB // 4,))
    mx.eval(a)
    del a
    cached = mx.get_cache_memory()
    assert cached >= 10 * MiB
    # A slightly smaller array takes the cached buffer rather than a new one.
    b = mx.zeros((10 * MiB // 4 - 1000,))
    mx.eval(b)
    assert mx.get_cache_memory() <= cached - 10 * MiB + 4096
    del b


def test_memory_limit_frees_the_cache_and_proceeds():
    a = mx.zeros((20 * MiB // 4,))
    mx.eval(a)
    del a
    assert mx.get_cache_memory() >= 20 * MiB
    old = mx.set_memory_limit(10 * MiB)
    try:
        assert mx.get_memory_limit() == 10 * MiB
        # Past the limit the allocation still proceeds (a guideline, as in
        # MLX), after handing the cached buffers back.
        c = mx.ones((50 * MiB // 4,))
        mx.eval(c)
        assert c[0].item() == 1.0
        assert mx.get_cache_memory() < 20 * MiB
    finally:
        assert mx.set_memory_limit(old) == 10 * MiB


def test_impossible_request_raises_cleanly():
    with pytest.raises((RuntimeError, ValueError, OverflowError, MemoryError)):
        mx.eval(mx.zeros((1 << 45,), dtype=mx.uint8))
    assert mx.ones((3,)).sum().item() == 3.0


def test_cache_limit():
    old = mx.set_cache_limit(0)
    try:
        a = mx.ones((1 * MiB,))
        mx.eval(a)
        del a
        assert mx.get_cache_memory() == 0
    finally:
        mx.set_cache_limit(old)
