"""all_sum bandwidth between 2 local ranks on the ring backend, 1 MB to
256 MB of float32, against a plain TCP socket pair on loopback and against
real MLX's ring (its own mlx.launch) in the same sitting; our mpi backend
too where Open MPI's mpirun is found.

Bandwidth is array bytes / time. For 2 ranks an all_sum of N bytes moves N
bytes each way per rank (half in the reduce-scatter, half in the
all-gather), so the socket pair is timed exchanging N bytes in both
directions at once: its bandwidth is the bound the ring can approach.

    python benchmarks/distributed_all_sum.py [--mlx-python /work/venv-mlx/bin/python] [--mpirun PATH]
"""

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time

from timing import times_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES_MB = [1, 4, 16, 64, 256]


def best_time(fn, reps):
    return times_of(fn, reps)[0]


def reps_for(mb):
    return max(3, min(20, 256 // mb))


def rank_main():
    """One rank: all_sum timings as JSON on stdout (rank 0 only)."""
    import mlx.core as mx

    g = mx.distributed.init(strict=True, backend=os.environ.get("MLX_BENCH_BACKEND", "ring"))
    out = {}
    for mb in SIZES_MB:
        x = mx.ones((mb * (1 << 20) // 4,), dtype=mx.float32)
        mx.eval(x)

        def run():
            mx.eval(mx.distributed.all_sum(x))

        out[mb] = best_time(run, reps_for(mb))
        y = mx.distributed.all_sum(x)
        assert y[0].item() == g.size() and y[-1].item() == g.size()
    if g.rank() == 0:
        print("RESULT " + json.dumps(out), flush=True)


def socket_rank(rank, port):
    """One end of the socket pair: sends and receives N bytes at once."""
    if rank == 0:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(1)
        conn, _ = srv.accept()
    else:
        for _ in range(200):
            try:
                conn = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    out = {}
    for mb in SIZES_MB:
        n = mb << 20
        src = bytearray(n)
        dst = bytearray(n)

        def run():
            t = threading.Thread(target=conn.sendall, args=(src,))
            t.start()
            view = memoryview(dst)
            got = 0
            while got < n:
                got += conn.recv_into(view[got:], min(n - got, 4 << 20))
            t.join()

        out[mb] = best_time(run, reps_for(mb))
    if rank == 0:
        print("RESULT " + json.dumps(out), flush=True)


def free_port(n=2):
    while True:
        base = random.randint(20000, 60000)
        try:
            for p in range(base, base + n):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                s.close()
            return base
        except OSError:
            continue


def parse(proc):
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return {int(k): v for k, v in json.loads(line[7:]).items()}
    raise RuntimeError(proc.stdout + proc.stderr)


def run_ring(launcher, python, pythonpath):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = launcher + ["-n", "2", "-p", str(free_port())]
    cmd += [python, os.path.abspath(__file__), "--rank"]
    return parse(subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600))


def run_mpi(mpirun):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), MLX_BENCH_BACKEND="mpi")
    cmd = [mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", "2"]
    cmd += [sys.executable, os.path.abspath(__file__), "--rank"]
    return parse(subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600))


def run_sockets():
    port = free_port(1)
    procs = [
        subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--socket", str(r), str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in (0, 1)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    return parse(subprocess.CompletedProcess([], 0, outs[0][0], outs[0][1]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rank", action="store_true")
    p.add_argument("--socket", nargs=2, type=int)
    p.add_argument("--mlx-python", default="/work/venv-mlx/bin/python")
    p.add_argument("--mpirun", default=shutil.which("mpirun"), help="Open MPI's mpirun, for our mpi backend")
    args = p.parse_args()
    if args.rank:
        return rank_main()
    if args.socket:
        return socket_rank(*args.socket)
    sock = run_sockets()
    ours = run_ring([sys.executable, "-m", "mlx.launch"], sys.executable, os.path.join(ROOT, "python"))
    # Real MLX's launcher is its console script, next to its python.
    mlx_launch = os.path.join(os.path.dirname(args.mlx_python), "mlx.launch")
    theirs = run_ring([mlx_launch], args.mlx_python, None) if os.path.exists(mlx_launch) else None
    mpi = run_mpi(args.mpirun) if args.mpirun else None
    print("all_sum of float32 between 2 local ranks, GB/s (array bytes / time)")
    head = f"{'MB':>5} {'sockets':>8} {'ring':>8} {'ring/sock':>10}"
    if theirs:
        head += f" {'MLX ring':>9} {'ring/MLX':>9}"
    if mpi:
        head += f" {'mpi':>8} {'mpi/sock':>9}"
    print(head)
    for mb in SIZES_MB:
        gb = (mb << 20) / 1e9
        row = f"{mb:>5} {gb / sock[mb]:>8.2f} {gb / ours[mb]:>8.2f} {sock[mb] / ours[mb]:>10.2f}"
        if theirs:
            row += f" {gb / theirs[mb]:>9.2f} {theirs[mb] / ours[mb]:>9.2f}"
        if mpi:
            row += f" {gb / mpi[mb]:>8.2f} {sock[mb] / mpi[mb]:>9.2f}"
        print(row)


if __name__ == "__main__":
    main()
