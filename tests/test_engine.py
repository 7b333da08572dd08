"""Lazy evaluation, graph memory, async_eval, devices, streams and memory API."""

import gc
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mlx.core as mx


def test_million_op_chain_evaluates_and_frees():
    mx.eval(mx.zeros((1,)))  # warm the allocator
    base = mx.get_active_memory()
    x = mx.array(0.0)
    for _ in range(1_000_000):
        x = x + 1.0
    mx.eval(x)
    assert x.item() == 1_000_000.0
    # The graph is detached after eval: only x's own buffer stays alive.
    assert mx.get_active_memory() - base < 4096


def test_unevaluated_million_op_chain_destroys_without_recursion():
    y = mx.array(1.0)
    for _ in range(1_000_000):
        y = y * 1.0
    del y
    gc.collect()


def test_intermediates_freed_during_eval():
    mx.eval(mx.zeros((1,)))
    mx.clear_cache()
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    n = 1 << 20  # 4 MB per float32 buffer
    x = mx.ones((n,))
    for _ in range(20):
        x = x * 1.5
    mx.eval(x)
    # 20 intermediates of 4 MB each would need 80 MB; freeing them as the
    # evaluation goes keeps the peak at a few buffers.
    assert mx.get_peak_memory() - base < 5 * 4 * n


def test_eval_many_outputs_and_trees():
    a = mx.arange(4)
    b = a * 2
    c = {"x": [a + 1, (b,)], "y": None, "z": 3}
    mx.eval(c, b)
    assert b.tolist() == [0, 2, 4, 6]
    assert c["x"][0].tolist() == [1, 2, 3, 4]


def test_async_eval_then_read():
    a = mx.ones((256, 256))
    b = (a + 2).sum()
    mx.async_eval(b)
    assert b.item() == 3 * 256 * 256
    mx.synchronize()


def singular_inverse_plus_one():
    """An array whose evaluation fails: inv of a singular matrix is built
    without complaint and raises only when its kernel runs."""
    return mx.linalg.inv(mx.zeros((2, 2)), stream=mx.cpu) + 1


SINGULAR = r"\[linalg::inv\] The matrix is singular"


def test_async_eval_error_is_raised_by_eval():
    c = singular_inverse_plus_one()
    mx.async_eval(c)  # returns; the error belongs to whoever waits for the value
    # As in MLX, the next synchronize (or eval, or async_eval) raises it, once.
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.synchronize()
    mx.synchronize()
    # The failed node was left unevaluated: evaluating it raises again.
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(c)


def test_eval_error_is_raised():
    c = singular_inverse_plus_one()
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(c)
    # The engine goes on working.
    assert (mx.ones((3,)) + 1).tolist() == [2, 2, 2]


def test_async_error_is_raised_by_eval_of_a_computed_array():
    # mx.eval of an array already computed returns at once, but not past an
    # error an async_eval left waiting.
    done = mx.ones((2,)) + 1
    mx.eval(done)
    mx.async_eval(singular_inverse_plus_one())
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(done)
    mx.eval(done)


def test_async_error_is_raised_by_eval_of_a_small_node():
    # A one-node eval keeps the GIL (transforms.cpp), but not past an async
    # evaluation's error.
    mx.async_eval(singular_inverse_plus_one())
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(mx.ones((2,)) + 1)
    y = mx.ones((2,)) + 1
    mx.eval(y)
    assert y.tolist() == [2, 2]


def test_small_evals_beside_a_thread_evaluating_large_graphs():
    # Small evals keep the GIL only when no other evaluation runs; with
    # another thread evaluating they wait for it as usual (no deadlock).
    import threading

    stop = threading.Event()
    errors = []

    def large():
        try:
            a = mx.ones((512, 512))
            while not stop.is_set():
                mx.eval((a @ a).sum())
        except Exception as e:  # pragma: no cover
            errors.append(e)

    t = threading.Thread(target=large)
    t.start()
    try:
        y = mx.zeros((4,))
        for _ in range(2000):
            y = y + 1
            mx.eval(y)
    finally:
        stop.set()
        t.join(timeout=60)
    assert not t.is_alive() and not errors
    assert y.tolist() == [2000] * 4


def test_eval_arguments():
    # (a CPython function with pybind11's signature line, for the stubs)
    assert mx.eval.__doc__.startswith("eval(*args: typing.Any) -> None")
    assert mx.eval.__module__ == "mlx.core"
    mx.eval()
    mx.eval(None, 3, "x")
    with pytest.raises(TypeError):
        mx.eval(x=mx.ones((1,)))
    with pytest.raises(ValueError, match=r"\[broadcast_shapes\]"):
        mx.eval(mx.ones((2,)) + mx.ones((3,)))


def test_operator_results_are_full_arrays():
    # Operators make their Python objects directly (python/src/array_type.h
    # wrap_array): they are freed, weak-referenced, copied and pickled as any.
    import copy
    import gc
    import pickle
    import weakref

    x = mx.array([1.0, 2.0])
    y = x + 1
    assert type(y) is mx.array and isinstance(y, mx.array)
    assert copy.deepcopy(y).tolist() == [2.0, 3.0]
    assert pickle.loads(pickle.dumps(y)).tolist() == [2.0, 3.0]
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None


def test_eval_error_is_raised_again():
    c = singular_inverse_plus_one()
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(c)
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(c)


def test_shared_inputs_evaluate_once():
    # MLX_PROFILE=1 makes the engine print, at exit, how many times each
    # primitive ran ("Exp  0.010 ms  1 calls"); it is read once per process.
    code = textwrap.dedent("""
        import json
        import mlx.core as mx
        a = mx.arange(5)
        b = mx.exp(a)     # an int -> float AsType, then Exp; b is read three times
        c = b * b - b
        mx.eval(c)
        d = mx.sqrt(b)    # b already has its value: only Sqrt runs
        mx.eval(c, d)
        print(json.dumps([c.tolist(), d.tolist()]))
    """)
    env = dict(os.environ, MLX_PROFILE="1", PYTHONPATH=os.path.dirname(os.path.dirname(mx.__file__)))
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    e = np.exp(np.arange(5, dtype=np.float32))
    c, d = json.loads(run.stdout)
    np.testing.assert_allclose(c, e * e - e, rtol=1e-6)
    np.testing.assert_allclose(d, np.sqrt(e), rtol=1e-6)
    calls = {}
    for line in run.stderr.splitlines():
        words = line.split()
        if len(words) >= 3 and words[-1] == "calls":
            calls[words[0]] = int(words[-2])
    assert calls == {"Arange": 1, "AsType": 1, "Exp": 1, "Multiply": 1, "Subtract": 1, "Sqrt": 1}, run.stderr


def test_devices():
    assert mx.default_device() == mx.cpu
    assert repr(mx.default_device()) == "Device(cpu, 0)"
    assert mx.is_available(mx.cpu)
    assert not mx.is_available(mx.gpu)
    assert mx.Device(mx.cpu) == mx.Device(mx.cpu, 0)
    assert mx.Device(mx.gpu).type == mx.gpu
    with pytest.raises(ValueError, match=r"\[set_default_device\]"):
        mx.set_default_device(mx.gpu)
    with pytest.raises(ValueError, match=r"\[new_stream\]"):
        mx.new_stream(mx.gpu)
    with pytest.raises(ValueError, match=r"\[default_stream\]"):
        mx.default_stream(mx.gpu)
    with pytest.raises(ValueError, match=r"\[default_stream\]"):
        mx.add(mx.array(1), mx.array(2), stream=mx.gpu)
    mx.set_default_device(mx.cpu)
    assert mx.device_count(mx.cpu) == 1


def test_streams():
    s0 = mx.default_stream(mx.cpu)
    assert repr(s0) == "Stream(Device(cpu, 0), 0)"
    assert s0.device == mx.cpu
    s = mx.new_stream(mx.cpu)
    assert s != s0
    with mx.stream(s):
        assert mx.default_stream(mx.cpu) == s
        x = mx.ones((4,)) * 3
    assert mx.default_stream(mx.cpu) == s0
    y = mx.add(x, 1, stream=s)
    z = mx.add(x, 1, stream=mx.cpu)
    assert y.tolist() == z.tolist() == [4, 4, 4, 4]
    mx.synchronize(s)
    mx.synchronize()


def test_memory_api():
    mx.clear_cache()
    assert mx.get_cache_memory() == 0
    a = mx.ones((1024, 1024))
    mx.eval(a)
    assert mx.get_active_memory() >= 4 * 1024 * 1024
    assert mx.get_peak_memory() >= mx.get_active_memory()
    del a
    assert mx.get_cache_memory() >= 4 * 1024 * 1024
    mx.clear_cache()
    assert mx.get_cache_memory() == 0
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0
    old = mx.set_memory_limit(1 << 40)
    assert mx.get_memory_limit() == 1 << 40
    mx.set_memory_limit(old)
    old_cache = mx.set_cache_limit(0)
    b = mx.ones((256,))
    mx.eval(b)
    del b
    assert mx.get_cache_memory() == 0
    mx.set_cache_limit(old_cache)


# ---- buffer donation: a kernel may write over an input nothing else sees --
def test_donation_never_touches_held_arrays():
    import numpy as np

    x = mx.arange(12, dtype=mx.float32).reshape(3, 4)
    mx.eval(x)
    ref = np.array(x)
    # Unary, binary (either side), scatter and slice update on a held input.
    outs = [mx.exp(x), x + 1, 1 + x, x * x, x.at[mx.array([0, 0])].add(5.0)]
    y = mx.array(x)
    y[1:2] = 7.0
    mx.eval(outs, y)
    np.testing.assert_array_equal(np.array(x), ref)
    np.testing.assert_allclose(np.array(outs[0]), np.exp(ref), rtol=1e-6)
    np.testing.assert_array_equal(np.array(outs[3]), ref * ref)
    expected = ref.copy()
    expected[0] += 10
    np.testing.assert_array_equal(np.array(outs[4]), expected)


def test_donated_chains_compute_correctly():
    import numpy as np

    a = np.random.default_rng(0).standard_normal((64, 33)).astype(np.float32)
    x = mx.array(a)
    # Every intermediate here has one consumer and may be reused in place.
    y = mx.sqrt(mx.abs(((x + 1) * 2 - x) / 3)) + mx.exp(-(x * x))
    z = mx.zeros((64, 33)).at[mx.array([1, 1, 2])].add(mx.ones((3, 33)))
    w = mx.zeros((64, 33))
    w[3:5] = mx.ones((2, 33))
    want = np.sqrt(np.abs(((a + 1) * 2 - a) / 3)) + np.exp(-(a * a))
    np.testing.assert_allclose(np.array(y), want, rtol=1e-5, atol=1e-6)
    zz = np.zeros((64, 33), np.float32)
    zz[1] = 2
    zz[2] = 1
    np.testing.assert_array_equal(np.array(z), zz)
    assert np.array(w)[3:5].sum() == 66 and np.array(w).sum() == 66


def test_no_donation_while_tracing_with_eval_inside():
    # An eval inside a differentiated function must leave the forward values
    # the backward pass reads intact.
    def f(x):
        c = mx.ones((8,)) * 3.0  # a constant intermediate
        y = mx.sin(x * c)
        mx.eval(y)
        return (y * c).sum()

    x = mx.linspace(0, 1, 8)
    g = mx.grad(f)(x)
    expected = 9.0 * mx.cos(3.0 * x)
    assert mx.allclose(g, expected, atol=1e-5).item()


# ---- fusion at eval: chains of elementwise ops on large arrays run as one
# node; values anything else still holds are materialized, bit for bit.
def test_eager_fusion_keeps_held_values_and_results():
    import numpy as np

    rng = np.random.default_rng(1)
    a_np = rng.standard_normal((1024, 1100)).astype(np.float32)  # past the fusion threshold
    x = mx.array(a_np)
    a = x * 2  # held by Python: must get its value
    b = mx.exp(-(a * a)) + a  # the chain
    later = a * 3  # a lazy consumer outside this eval
    c = mx.sqrt(mx.abs(b)) * 0.5 - 1
    mx.eval(c)
    np.testing.assert_array_equal(np.array(a), a_np * 2)
    ref_b = np.exp(-((a_np * 2) ** 2)) + a_np * 2
    np.testing.assert_allclose(np.array(b), ref_b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.array(c), np.sqrt(np.abs(ref_b)) * 0.5 - 1, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(np.array(later), a_np * 6)
    # The same chain without fusion (small arrays never fuse) agrees bit for bit.
    parts = [mx.array(a_np[i : i + 256]) for i in range(0, 1024, 256)]
    small = [mx.sqrt(mx.abs(mx.exp(-((p * 2) * (p * 2))) + p * 2)) * 0.5 - 1 for p in parts]
    np.testing.assert_array_equal(np.concatenate([np.array(s) for s in small]), np.array(c))


def test_eager_fusion_donates_inputs_only_it_holds():
    # A fused chain takes over the buffer of an input nothing else holds, as
    # single nodes do: MLX 0.32.4's peak memory does not grow here (its test
    # of donation through no-ops: reshape, transpose, stop_gradient).
    def fun(x):
        for _ in range(4):
            x = mx.abs(x)
            x = mx.reshape(x, (-1,))
            x = x.T.T
            x = mx.stop_gradient(x)
            x = mx.abs(x)
        return x

    x = mx.zeros((2048, 2048))
    mx.eval(x)
    mx.reset_peak_memory()
    pre = mx.get_peak_memory()
    out = fun(x)
    del x
    mx.eval(out)
    assert mx.get_peak_memory() == pre
    # Values stay right when an input is donated to one output while
    # another output (or a later step) still reads it; a held input is
    # never written over.
    rng = np.random.default_rng(2)
    a_np = rng.standard_normal((1024, 1100)).astype(np.float32)
    for keep in [False, True]:
        x = mx.array(a_np) * 1.0
        mx.eval(x)
        y = mx.abs(x)  # an output the caller holds, computed before x is read again
        z = mx.exp(y * x) - x
        held = x if keep else None
        del x
        mx.eval(y, z)
        np.testing.assert_array_equal(np.array(y), np.abs(a_np))
        np.testing.assert_allclose(np.array(z), np.exp(np.abs(a_np) * a_np) - a_np, rtol=1e-5, atol=1e-5)
        if keep:
            np.testing.assert_array_equal(np.array(held), a_np)


def test_eager_fusion_of_in_cache_chains_matches_separate_nodes():
    # Under 2^20 elements only chains of six or more elementwise nodes fuse
    # (an optimizer's update of a 512x512 weight, say); fused or not, the
    # values are the same, bit for bit.
    import mlx.optimizers as optim

    rng = np.random.default_rng(5)
    shapes = [(512, 512), (300, 301), (1 << 16,), (1 << 16, 1)]
    params = {f"p{i}": mx.array(rng.standard_normal(s).astype(np.float32)) for i, s in enumerate(shapes)}
    grads = {k: mx.array(rng.standard_normal(v.shape).astype(np.float32)) for k, v in params.items()}

    def three_steps():
        opt = optim.AdamW(learning_rate=1e-3, bias_correction=True)
        p = dict(params)
        for _ in range(3):
            p = opt.apply_gradients(grads, p)
            mx.eval(p, opt.state)
        short = mx.exp(p["p0"]) * 2.0  # two nodes: not fused
        return [np.array(v) for v in p.values()] + [np.array(short)]

    fused = three_steps()
    mx.disable_compile()  # (no fusion at all)
    try:
        separate = three_steps()
    finally:
        mx.enable_compile()
    for f, s in zip(fused, separate):
        np.testing.assert_array_equal(f, s)


def test_eager_fusion_long_chain_values():
    # 600 elementwise nodes on an array past the fusion threshold (its eval
    # time per node, which must not grow with the chain, is measured by
    # benchmarks/engine_and_training_times.py).
    v = np.linspace(-2, 2, 1 << 20, dtype=np.float32)
    y = mx.array(v)
    for i in range(600):
        if i % 2:
            y = y * 1.0001 + 0.5
            v = v * np.float32(1.0001) + np.float32(0.5)
        else:
            y = mx.maximum(y, -1.5)
            v = np.maximum(v, np.float32(-1.5))
    mx.eval(y)
    np.testing.assert_allclose(np.array(y), v, rtol=1e-5)


def test_metal_and_cuda_modules_as_mlx_cpu_build():
    # Neither backend is available; metal's memory functions are deprecated
    # aliases of mlx.core's.
    assert mx.metal.is_available() is False and mx.cuda.is_available() is False
    with pytest.warns(DeprecationWarning, match=r"mx\.metal\.get_active_memory is deprecated"):
        assert mx.metal.get_active_memory() == mx.get_active_memory()
    with pytest.warns(DeprecationWarning):
        old = mx.metal.set_cache_limit(1 << 20)
    assert mx.set_cache_limit(old) == 1 << 20
    with pytest.warns(DeprecationWarning):
        assert mx.metal.device_info() == {}
    assert mx.metal.start_capture("trace.gputrace") is None and mx.metal.stop_capture() is None


def test_distributed_singleton_group_as_mlx():
    # One process: MLX's singleton group (values recorded from MLX 0.32.4).
    assert mx.distributed.is_available()
    g = mx.distributed.init()
    assert (g.rank(), g.size()) == (0, 1)
    with pytest.raises(RuntimeError, match=r"\[distributed\] Couldn't initialize any backend"):
        mx.distributed.init(strict=True)
    with pytest.raises(ValueError, match=r"\[distributed\] The only valid values for backend"):
        mx.distributed.init(backend="bad")
    x = mx.array([1.0, 2.0])
    for f in (
        mx.distributed.all_sum,
        mx.distributed.all_max,
        mx.distributed.all_min,
        mx.distributed.all_gather,
        mx.distributed.sum_scatter,
    ):
        assert mx.array_equal(f(x, group=g), x).item()
    assert mx.array_equal(mx.grad(lambda v: mx.distributed.all_sum(v).sum())(x), mx.ones(2)).item()
    with pytest.raises(ValueError, match="Cannot send to a singleton group"):
        mx.distributed.send(x, 0)
    with pytest.raises(ValueError, match="Cannot recv from a singleton group"):
        mx.distributed.recv((2,), mx.float32, 0)
    with pytest.raises(RuntimeError, match="Cannot split the distributed group further"):
        g.split(0)
