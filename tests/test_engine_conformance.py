# Engine behaviours checked against MLX 0.32.4: graph destruction, kernels
# that once crashed, errors raised at evaluation time (eval and async_eval),
# async_eval under transforms, and streams across threads. Expected values
# were recorded from MLX 0.32.4 (CPU) and are written out literally.
import os
import re
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import mlx.core as mx

SINGULAR = "singular|LU factorization failed"


def run_python(code, timeout=300):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(mx.__file__)))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ------------------------------------------------------------ destruction


@pytest.mark.parametrize("build", ["x = x + x", "x = mx.concatenate(mx.split(x, 2))", "x = mx.abs(x)"])
def test_deep_graph_destroyed_without_eval(build):
    # A graph 300,000 nodes deep is dropped unevaluated: releasing it must
    # not recurse once per node (the shared input of x + x and the siblings
    # of split used to overflow the stack). Run in a subprocess so that a
    # crash fails this test only.
    run = run_python(f"""
        import mlx.core as mx
        x = mx.ones((2,))
        for _ in range(300_000):
            {build}
        del x
        print("ok")
    """)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ok"


def test_deep_graph_evaluated_after_building():
    x = mx.ones((2,))
    for _ in range(20_000):
        x = mx.concatenate(mx.split(x, 2))
    y = x + x
    assert y.tolist() == [2.0, 2.0]


# ------------------------------------------------------------------ conv


def test_conv2d_kernel_wider_than_64_in_two_dims():
    # Used to write out of bounds (kernel positions > 64 in two dims).
    x = ((mx.arange(36) % 7) - 3).reshape(1, 6, 6, 1).astype(mx.float32)
    w = ((mx.arange(70 * 70) % 5) - 2).reshape(1, 70, 70, 1).astype(mx.float32)
    y = mx.conv2d(x, w, stride=1, padding=33)
    assert y.shape == (1, 3, 3, 1)
    assert y.squeeze().tolist() == [[2.0, 5.0, 3.0]] * 3


def test_conv_general_flip_grad_with_input_dilation():
    inputs = ((mx.arange(25) % 6) * 0.5 - 1.0).reshape(1, 5, 5, 1)
    kernel = ((mx.arange(9) % 4) * 0.25 - 0.3).reshape(1, 3, 3, 1)

    def conv(flip):
        return lambda k: mx.conv_general(
            inputs, k, stride=1, padding=([2, 2], [3, 3]), input_dilation=(16, 16), flip=flip
        )

    out = conv(True)(kernel)
    assert out.shape == (1, 68, 68, 1)
    cot = mx.sin(mx.arange(out.size) * 0.37).reshape(out.shape)
    expected = np.array(
        [
            [4.420506477355957, 4.429257869720459, 3.838573932647705],
            [4.4421539306640625, 4.405765533447266, 3.773080825805664],
            [4.4603447914123535, 4.378905773162842, 3.7047572135925293],
        ]
    )
    (dk,) = mx.vjp(conv(True), (kernel,), (cot,))[1]
    np.testing.assert_allclose(np.array(dk.squeeze()), expected, rtol=1e-4, atol=1e-4)
    (dk,) = mx.vjp(conv(False), (kernel,), (cot,))[1]
    np.testing.assert_allclose(np.array(dk.squeeze()), expected[::-1, ::-1], rtol=1e-4, atol=1e-4)


def test_conv_transpose2d_grad():
    a = ((mx.arange(1 * 4 * 4 * 2) % 5) * 0.1 - 0.2).reshape(1, 4, 4, 2)
    b = ((mx.arange(3 * 3 * 3 * 2) % 7) * 0.1 - 0.3).reshape(3, 3, 3, 2)

    def f(a, b):
        return mx.conv_transpose2d(a, b, stride=(2, 2), padding=(1, 1), dilation=(2, 1))

    out = f(a, b)
    assert out.shape == (1, 9, 7, 3)
    ct = ((mx.arange(out.size) % 4) * 0.5 - 0.5).reshape(out.shape)
    ga, gb = mx.vjp(f, [a, b], [ct])[1]
    expected_ga = [
        [
            [[-0.05, -0.45], [-1.2, -0.1], [0.3, -0.7], [-0.9, 0.1]],
            [[-0.55, -0.45], [-0.15, -0.65], [-0.95, 0.05], [-0.2, -0.2]],
            [[-0.55, -0.45], [-0.95, 0.05], [-0.15, -0.65], [-0.7, 0.2]],
            [[-0.45, -0.5], [-0.1, 0.3], [-0.7, -0.3], [0.1, 0.4]],
        ]
    ]
    expected_gb = [
        [
            [[0.35, 0.55], [-0.6, -0.5], [-0.55, -0.35]],
            [[-0.2, -0.7], [0.4, 0.7], [0.55, 0.55]],
            [[0.0, 0.55], [-0.3, -0.7], [-0.35, -0.55]],
        ],
        [
            [[0.2, 0.6], [0.55, 0.55], [-0.6, -0.2]],
            [[-0.3, -0.7], [-0.5, -0.75], [0.5, 0.6]],
            [[0.0, 0.5], [0.2, 0.7], [-0.5, -0.5]],
        ],
        [
            [[-0.35, -0.55], [0.5, 0.6], [0.55, 0.35]],
            [[0.2, 0.7], [-0.6, -0.8], [-0.55, -0.55]],
            [[0.0, -0.55], [0.1, 0.7], [0.35, 0.55]],
        ],
    ]
    np.testing.assert_allclose(np.array(ga), expected_ga, atol=1e-5)
    np.testing.assert_allclose(np.array(gb), expected_gb, atol=1e-5)


# ------------------------------------------------------ errors at eval time


def singular_plus_one():
    return mx.linalg.inv(mx.zeros((2, 2)), stream=mx.cpu) + 1


def test_async_eval_error_raised_by_synchronize_once():
    c = singular_plus_one()
    mx.async_eval(c)
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.synchronize(mx.cpu)  # a device stands for its default stream
    mx.synchronize()  # raised once only
    assert (mx.ones((2,)) + 1).tolist() == [2, 2]


def test_async_eval_error_raised_by_next_eval_of_anything():
    c = singular_plus_one()
    mx.async_eval(c)
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(mx.ones((3,)) + 1)
    assert (mx.ones((3,)) + 1).tolist() == [2, 2, 2]


def test_failed_node_is_not_evaluated():
    # MLX 0.32.4 returns the unwritten buffer of the failed node on a second
    # eval; here the node stays unevaluated and raises again.
    c = singular_plus_one()
    for _ in range(3):
        with pytest.raises(RuntimeError, match=SINGULAR):
            mx.eval(c)
    # What did evaluate before the failure keeps its value.
    a = mx.ones((2, 2)) * 3
    d = mx.linalg.inv(mx.zeros((2, 2)), stream=mx.cpu) + a
    with pytest.raises(RuntimeError, match=SINGULAR):
        mx.eval(d)
    assert a.tolist() == [[3, 3], [3, 3]]


def test_async_eval_in_transforms_is_refused():
    def fun(x):
        y = x + 1.0
        mx.async_eval(y)
        return mx.exp(y)

    msg = r"\[async_eval\] Not allowed inside a graph transformation."
    with pytest.raises(ValueError, match=msg):
        mx.grad(fun)(mx.array(1.0))
    with pytest.raises(ValueError, match=msg):
        mx.vmap(fun)(mx.ones((2, 2)))
    with pytest.raises(ValueError, match=msg):
        mx.jvp(fun, (mx.array(1.0),), (mx.array(1.0),))
    # Outside transforms it works.
    y = mx.array(1.0) + 1.0
    mx.async_eval(y)
    assert y.item() == 2.0


def test_async_eval_twice_then_eval():
    for _ in range(200):
        x = mx.array(1) + mx.array(1) + mx.array(1)
        mx.async_eval(x)
        y = x + 1
        mx.async_eval(y)
        assert x.item() == 3
        assert y.item() == 4


# ------------------------------------------------------------- streams


def test_stream_of_another_thread_is_refused():
    s = mx.new_stream(mx.cpu)
    errors = []

    def work():
        try:
            with mx.stream(s):
                mx.eval(2 * mx.arange(10))
        except RuntimeError as e:
            errors.append(str(e))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert len(errors) == 1
    assert re.fullmatch(r"There is no Stream\(cpu, \d+\) in current thread\.", errors[0])
    # The thread that made it still uses it.
    with mx.stream(s):
        assert (2 * mx.arange(3)).tolist() == [0, 2, 4]


def test_thread_local_stream_works_in_every_thread():
    tls = mx.new_thread_local_stream(mx.cpu)
    results = [None, None]

    def work(i):
        with mx.stream(tls):
            x = mx.arange(10)
            mx.eval(2 * x)
            results[i] = x.tolist()
        mx.clear_streams()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [list(range(10))] * 2


def test_default_stream_is_set_per_thread():
    s = mx.new_stream(mx.cpu)
    before = mx.default_stream(mx.cpu)
    seen = []

    def work():
        mx.set_default_stream(s)
        seen.append(mx.default_stream(mx.cpu) == s)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [True]
    assert mx.default_stream(mx.cpu) == before


# ------------------------------------------------------------ interop


def test_export_to_dot():
    import io

    a = mx.array(1.0)
    b = mx.array(2.0)
    f = io.StringIO()
    mx.export_to_dot(f, mx.exp(a + b) * a, x=a)
    dot = f.getvalue()
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    for label in ('label ="Add"', 'label ="Exp"', 'label ="Multiply"', '"x"', "rank=source", "rank=sink"):
        assert label in dot
    # Several outputs (siblings), and an array without a graph.
    f = io.StringIO()
    mx.export_to_dot(f, *mx.divmod(a, b))
    assert f.getvalue().count("rank=sink") == 2
    f = io.StringIO()
    mx.export_to_dot(f, a)
    assert f.getvalue().count("rank=source") == 1


def test_dlpack_export():
    x = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    assert x.__dlpack_device__() == (1, 0)
    y = np.from_dlpack(x)
    assert y.dtype == np.float32 and y.tolist() == [[0, 1, 2], [3, 4, 5]]
    z = np.from_dlpack(mx.array([1 + 2j, 3 - 1j]))
    assert z.dtype == np.complex64 and z.tolist() == [1 + 2j, 3 - 1j]
    torch = pytest.importorskip("torch")
    t = torch.tensor(x.T)  # strided views go through too
    assert t.tolist() == [[0, 3], [1, 4], [2, 5]]
    d = mx.array([1.0, 2.0]) - torch.tensor([0.5, 0.5])  # other frameworks' arrays as operands
    assert isinstance(d, mx.array) and d.tolist() == [0.5, 1.5]


def test_transforms_on_threads_do_not_interfere():
    # Tracing state is per thread: grad on one thread must not make another
    # thread's evaluations count as evaluations inside a transform.
    x = mx.array([1.0, 2.0, 3.0])
    xb = mx.broadcast_to(x, (8, 3))
    errors = []

    def grad_worker():
        try:
            g = mx.grad(lambda a: (a * a).sum())
            for _ in range(300):
                if g(x).tolist() != [2.0, 4.0, 6.0]:
                    errors.append("grad")
                    return
        except Exception as e:
            errors.append(repr(e))

    def vmap_worker():
        try:
            h = mx.vmap(lambda a: a * a)
            for _ in range(300):
                if h(xb).tolist() != [[1.0, 4.0, 9.0]] * 8:
                    errors.append("vmap")
                    return
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=w) for w in (grad_worker, vmap_worker) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
