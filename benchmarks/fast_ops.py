"""Memory bandwidth of the mx.fast kernels and softmax on 16M float32
elements (4096 x 4096): bytes read once plus written once, per second.

    python benchmarks/fast_ops.py    # this project or real MLX on the path
"""

import mlx.core as mx
from timing import median_time


def gbps(fn, nbytes, seconds=2.0):
    return nbytes / median_time(fn, seconds) / 1e9


def main():
    n = 4096
    x = mx.random.normal((n, n))
    w = mx.random.normal((n,))
    r = mx.random.normal((1, 32, n, 128))  # the same 16M elements as heads x positions x features
    mx.eval(x, w, r)
    nbytes = 2 * 4 * n * n
    cases = {
        "rms_norm": lambda: mx.eval(mx.fast.rms_norm(x, w, 1e-5)),
        "layer_norm": lambda: mx.eval(mx.fast.layer_norm(x, w, w, 1e-5)),
        "rope": lambda: mx.eval(mx.fast.rope(r, 128, traditional=False, base=10000.0, scale=1.0, offset=0)),
        "softmax": lambda: mx.eval(mx.softmax(x, axis=-1)),
    }
    for name, fn in cases.items():
        try:
            print(f"{name:12s} {gbps(fn, nbytes):6.2f} GB/s")
        except Exception as e:  # a missing op on an older build
            print(f"{name:12s} unsupported ({type(e).__name__}: {e})")


if __name__ == "__main__":
    main()
