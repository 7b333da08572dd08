"""Throughput of the float32 unary math ops on 1M elements, in Gelem/s,
for inputs uniform in [-0.9, 0.9] and in a wider range (each op's domain).
Run on one thread to compare kernels:

    MLX_NUM_THREADS=1 PYTHONPATH=python python benchmarks/unary_math.py [op...]
"""

import sys
import time

import mlx.core as mx

# name: (function, wide range)
OPS = {
    "tanh": (mx.tanh, (-20, 20)),
    "sin": (mx.sin, (-20, 20)),
    "cos": (mx.cos, (-20, 20)),
    "log1p": (mx.log1p, (-0.9, 20)),
    "expm1": (mx.expm1, (-20, 20)),
    "log2": (mx.log2, (0, 20)),
    "log10": (mx.log10, (0, 20)),
    "sinh": (mx.sinh, (-20, 20)),
    "cosh": (mx.cosh, (-20, 20)),
    "arctan": (mx.arctan, (-20, 20)),
    "arcsinh": (mx.arcsinh, (-20, 20)),
    "arctanh": (mx.arctanh, (-1, 1)),
    "arcsin": (mx.arcsin, (-1, 1)),
    "arccos": (mx.arccos, (-1, 1)),
    "tan": (mx.tan, (-20, 20)),
    "exp": (mx.exp, (-20, 20)),
    "log": (mx.log, (0, 20)),
}


def gelems(fn, a, seconds=0.3):
    mx.eval(fn(a))
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t = time.perf_counter()
        mx.eval(fn(a))
        times.append(time.perf_counter() - t)
    return a.size / min(times) / 1e9


def main():
    n = 1 << 20
    names = sys.argv[1:] or list(OPS)
    print(f"{'op':8s} {'[-0.9,0.9]':>10s} {'wide':>8s}  range")
    for name in names:
        fn, (lo, hi) = OPS[name]
        small = mx.random.uniform(-0.9, 0.9, (n,))
        wide = mx.random.uniform(lo, hi, (n,))
        mx.eval(small, wide)
        print(f"{name:8s} {gelems(fn, small):10.3f} {gelems(fn, wide):8.3f}  [{lo}, {hi}]")


if __name__ == "__main__":
    main()
