"""Quantized products: a 4096 x 4096 matrix-vector product (decode) and a
512-row matrix product (prompt), 4-bit and 8-bit affine (group 64) and
mxfp4, in GB/s of packed weights plus scales and biases read, and ms.

    python benchmarks/quantized_matmul.py    # this project or real MLX on the path
"""

import time

import mlx.core as mx


def median_time(fn, seconds=2.0):
    fn()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def main():
    n = 4096
    w = mx.random.normal((n, n)) / 64
    for mode, bits in [("affine", 4), ("affine", 8), ("mxfp4", 4)]:
        parts = mx.quantize(w, bits=bits, mode=mode)
        mx.eval(parts)
        nbytes = sum(p.nbytes for p in parts)
        biases = parts[2] if len(parts) > 2 else None
        for m in [1, 512]:
            x = mx.random.normal((m, n))
            mx.eval(x)

            def run():
                mx.eval(mx.quantized_matmul(x, parts[0], parts[1], biases, True, None, bits, mode))

            t = median_time(run)
            print(f"{mode:6s} {bits}-bit M={m:4d}: {t * 1e3:8.2f} ms  {nbytes / t / 1e9:6.2f} GB/s")


if __name__ == "__main__":
    main()
