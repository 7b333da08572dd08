"""NumPy <-> mx.array conversion times: mx.array(numpy_array) and
np.array(mx_array) for 16M elements of bool, int8 and float32.

Usage:
  python benchmarks/numpy_conversion.py                 # this checkout's mlx
  python benchmarks/numpy_conversion.py --oracle PY     # also run PY (e.g. the
      venv of Apple's MLX, /work/venv-mlx/bin/python) and print ours / theirs

Each timing is the median of --reps runs; mx.array(...) is followed by
mx.eval so a lazy conversion is not undercounted. The oracle runs in its own
process (its mlx is never imported here), in the same sitting.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

DTYPES = ["bool", "int8", "float32"]


def measure(n, reps):
    import numpy as np

    import mlx.core as mx

    rng = np.random.default_rng(0)
    out = {}
    for name in DTYPES:
        if name == "bool":
            src = rng.random(n) > 0.5
        else:
            src = (rng.random(n) * 100).astype(name)
        to_mx, to_np = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            a = mx.array(src)
            mx.eval(a)
            t1 = time.perf_counter()
            b = np.array(a)
            t2 = time.perf_counter()
            to_mx.append(t1 - t0)
            to_np.append(t2 - t1)
            assert b.dtype == src.dtype and b.shape == src.shape
            del a, b
        out[name] = {"to_mx": statistics.median(to_mx), "to_np": statistics.median(to_np)}
    return out


def run(python, n, reps, pythonpath=None):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    else:
        # The oracle must load its own libmlx, not one found through ours.
        env.pop("LD_LIBRARY_PATH", None)
    cmd = [python, os.path.abspath(__file__), "--child", "--n", str(n), "--reps", str(reps)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{python} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", help="python of an environment with Apple's MLX")
    ap.add_argument("--n", type=int, default=16 * 1024 * 1024)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(measure(a.n, a.reps)))
        return
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
    ours = run(sys.executable, a.n, a.reps, os.environ.get("PYTHONPATH", os.path.abspath(here)))
    theirs = run(a.oracle, a.n, a.reps) if a.oracle else None
    print(f"{a.n} elements, median of {a.reps} runs (ms)")
    head = f"{'dtype':8} {'direction':22} {'ours':>9}"
    if theirs:
        head += f" {'MLX':>9} {'ours/MLX':>9}"
    print(head)
    for name in DTYPES:
        for key, label in [("to_mx", "mx.array(np_array)"), ("to_np", "np.array(mx_array)")]:
            line = f"{name:8} {label:22} {ours[name][key] * 1e3:9.2f}"
            if theirs:
                t = theirs[name][key]
                line += f" {t * 1e3:9.2f} {ours[name][key] / t:9.2f}"
            print(line)


if __name__ == "__main__":
    main()
