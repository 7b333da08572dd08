"""Devices and streams: per-thread streams and device_info."""

import threading
import pytest
import mlx.core as mx
from helpers import assert_raises


def test_thread_local_stream():
    s = mx.new_thread_local_stream(mx.cpu)
    assert repr(s).startswith("ThreadLocalStream(Device(cpu, 0), ")
    assert s.device == mx.cpu and s == s and s != mx.new_thread_local_stream(mx.cpu)
    assert s != mx.default_stream(mx.cpu) and not (s == 1)
    a = mx.array([1.0, 2.0])
    assert mx.add(a, a, stream=s).tolist() == [2.0, 4.0]
    with mx.stream(s):
        inner = mx.default_stream(mx.cpu)
        assert (a + 1).tolist() == [2.0, 3.0]
    assert isinstance(inner, mx.Stream)
    # Each thread gets its own stream for the same handle.
    seen = []

    def work():
        with mx.stream(s):
            seen.append(mx.default_stream(mx.cpu))
            seen.append(mx.sum(a, stream=s).item())

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert seen[0] != inner and seen[1] == 3.0
    assert mx.new_thread_local_stream(mx.gpu).device == mx.gpu
    with pytest.raises(TypeError):
        mx.ThreadLocalStream()


def test_thread_unsafe_stream_and_misc():
    u = mx.new_thread_unsafe_stream(mx.cpu)
    assert isinstance(u, mx.Stream) and u.device == mx.cpu
    assert mx.new_thread_unsafe_stream(mx.Device(mx.cpu)) != u
    a = mx.array([1.0, 2.0])
    assert mx.add(a, a, stream=u).tolist() == [2.0, 4.0]
    assert_raises(
        lambda: mx.new_thread_unsafe_stream(mx.gpu),
        ValueError,
        "[new_thread_unsafe_stream] Cannot make gpu stream without gpu backend.",
    )
    assert mx.clear_streams() is None
    assert (a * 2).tolist() == [2.0, 4.0]


def test_device_info():
    info = mx.device_info()
    assert set(info) == {"architecture", "device_name"}
    assert info == mx.device_info(mx.cpu) == mx.device_info(mx.Device(mx.cpu)) == mx.device_info(d=mx.cpu)
    assert all(isinstance(v, str) for v in info.values())
    assert mx.device_info(mx.gpu) == {}


# ------------------------------------------------------------ print options
