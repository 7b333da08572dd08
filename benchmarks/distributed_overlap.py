"""Compute and communication overlapping in one evaluation, 2 local ranks
on the ring backend: a data-parallel step's shape (a chain of matmuls and an
all_sum of a gradient-sized array that does not depend on it), timed

  - compute alone, all_sum alone,
  - both in one mx.eval with the all_sum on the communication stream (the
    default: it runs on its own thread while the caller computes),
  - both in one mx.eval with the all_sum on the compute stream (stream=mx.cpu:
    one after the other, as without a communication stream).

Overlap shows as "together" below "serial" and near max(compute, all_sum).
On a 2-core host both ranks' compute share the cores, so the gain is bounded
by what is left idle while a rank waits on the socket.

    python benchmarks/distributed_overlap.py [--mb 64] [--layers 8]
"""

import argparse
import json
import os
import subprocess
import sys


def rank_main(mb, layers):
    import mlx.core as mx

    from timing import times_of

    def median_time(fn, reps=15):
        return times_of(fn, reps)[reps // 2]

    g = mx.distributed.init(strict=True, backend="ring")
    w = mx.random.normal((512, 512)) / 23
    x = mx.random.normal((512, 512))
    grad = mx.ones((mb * (1 << 20) // 4,))
    mx.eval(w, x, grad)

    def compute():
        h = x
        for _ in range(layers):
            h = mx.tanh(h @ w)
        return h

    times = {
        "compute": median_time(lambda: mx.eval(compute())),
        "all_sum": median_time(lambda: mx.eval(mx.distributed.all_sum(grad))),
        "together": median_time(lambda: mx.eval(compute(), mx.distributed.all_sum(grad))),
        "serial": median_time(lambda: mx.eval(compute(), mx.distributed.all_sum(grad, stream=mx.cpu))),
    }
    if g.rank() == 0:
        print("RESULT " + json.dumps({k: v * 1e3 for k, v in times.items()}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mb", type=int, default=64)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--rank", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.rank:
        rank_main(a.mb, a.layers)
        return
    cmd = [sys.executable, "-m", "mlx.launch", "-n", "2", __file__, "--rank", "--mb", str(a.mb)]
    cmd += ["--layers", str(a.layers)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if not line:
        sys.exit(out.stdout + out.stderr)
    r = json.loads(line[0][7:])
    print(
        f"load {os.getloadavg()[0]:.1f}, {a.mb} MB all_sum, {a.layers} matmul+tanh layers of 512x512 (ms, median)"
    )
    for k in ("compute", "all_sum", "together", "serial"):
        print(f"  {k:9s} {r[k]:8.2f}")
    print(
        f"  together/serial {r['together'] / r['serial']:.2f}, "
        f"together/max(compute, all_sum) {r['together'] / max(r['compute'], r['all_sum']):.2f}"
    )


if __name__ == "__main__":
    main()
