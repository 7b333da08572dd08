"""mx.sort and mx.argsort of 1M values (float32, int32) as rows of 16, 64,
128, 1024, 4096 and one row of 1M, against NumPy's np.sort / np.argsort
(argsort: kind="stable", as MLX's) in the same process, alternating calls
so that a busy machine slows both alike.

Prints each side's time (the minimum over rounds: 1 thread in CPU
milliseconds, the default threads in wall milliseconds) and the ratio
NumPy / ours (above 1: ours is faster). NumPy sorts on one thread.

    PYTHONPATH=python python benchmarks/sort_rows.py [--threads 1|default] [--dtype float32]
"""

import argparse
import os
import subprocess
import sys
import time

N = 1 << 20
ROWS = [16, 64, 128, 1024, 4096, N]


def best(fn, clock, rounds):
    fn()
    times = []
    for _ in range(rounds):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times) * 1e3


def run(threads, dtypes, rounds):
    import numpy as np

    import mlx.core as mx

    clock = time.process_time if threads == "1" else time.perf_counter
    rng = np.random.default_rng(0)
    print(f"threads={threads} ({'CPU' if threads == '1' else 'wall'} ms, min of {rounds})")
    print(f"{'op':8} {'dtype':8} {'row':>8} {'ours':>8} {'numpy':>8} {'numpy/ours':>10}")
    for dtype in dtypes:
        for n in ROWS:
            if dtype == "float32":
                x = rng.standard_normal(N).astype(np.float32)
            else:
                x = rng.integers(-(2**31), 2**31 - 1, N).astype(dtype)
            x = x.reshape(N // n, n)
            a = mx.array(x)
            mx.eval(a)
            for op, ours, theirs in (
                ("sort", lambda: mx.eval(mx.sort(a)), lambda: np.sort(x)),
                ("argsort", lambda: mx.eval(mx.argsort(a)), lambda: np.argsort(x, kind="stable")),
            ):
                t_ours = t_np = float("inf")
                for _ in range(3):  # alternate the two sides
                    t_ours = min(t_ours, best(ours, clock, rounds))
                    t_np = min(t_np, best(theirs, clock, rounds))
                print(f"{op:8} {dtype:8} {n:>8} {t_ours:8.2f} {t_np:8.2f} {t_np / t_ours:10.2f}")
            sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", choices=["1", "default", "both"], default="both")
    p.add_argument("--dtype", action="append", choices=["float32", "int32"])
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    dtypes = args.dtype or ["float32", "int32"]
    if args.threads == "both":
        # The thread count is read once per process: one child per setting.
        for threads in ("1", "default"):
            cmd = [sys.executable, __file__, "--threads", threads, "--rounds", str(args.rounds)]
            cmd += sum((["--dtype", d] for d in dtypes), [])
            subprocess.run(cmd, check=True)
        return
    if args.threads == "1":
        os.environ["MLX_NUM_THREADS"] = "1"
    run(args.threads, dtypes, args.rounds)


if __name__ == "__main__":
    main()
