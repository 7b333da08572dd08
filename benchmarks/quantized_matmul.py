"""Quantized products: a 4096 x 4096 matrix-vector product (decode) and a
512-row matrix product (prompt), 4-bit and 8-bit affine (group 64), 4-bit
group 32 and mxfp4: matrix-vector in GB/s of packed weights plus scales and
biases read, matrix products in GFLOP/s.
"cached": one matrix, read again and again (it fits a 16 MB L3); "DRAM": 8
matrices in turn, so the weights come from memory.

    python benchmarks/quantized_matmul.py    # this project or real MLX on the path
"""

import mlx.core as mx
from timing import median_time


def main():
    n = 4096
    copies = 8
    ws = [mx.random.normal((n, n)) / 64 for _ in range(copies)]
    for mode, bits, gs in [("affine", 4, 64), ("affine", 4, 32), ("affine", 8, 64), ("mxfp4", 4, 32)]:
        mats = [mx.quantize(w, gs, bits, mode=mode) for w in ws]
        mx.eval(mats)
        nbytes = sum(p.nbytes for p in mats[0])
        for m in [1, 512]:
            x = mx.random.normal((m, n))
            mx.eval(x)
            turn = [0]

            def run(k):
                p = mats[k]
                mx.eval(
                    mx.quantized_matmul(x, p[0], p[1], p[2] if len(p) > 2 else None, True, gs, bits, mode)
                )

            def cycle():
                turn[0] = (turn[0] + 1) % copies
                run(turn[0])

            t1 = median_time(lambda: run(0))
            head = f"{mode:6s} {bits}-bit g{gs:3d} M={m:4d}: {t1 * 1e3:8.2f} ms"
            if m == 1:
                t8 = median_time(cycle)
                print(f"{head}, cached {nbytes / t1 / 1e9:6.2f} GB/s, DRAM {nbytes / t8 / 1e9:6.2f} GB/s")
            else:
                print(f"{head}, {2 * m * n * n / t1 / 1e9:6.1f} GFLOP/s")


if __name__ == "__main__":
    main()
