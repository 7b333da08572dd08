"""The 4096 x 4096 4-bit quantized matrix-vector product against the
machine's memory bandwidth, in one sitting: a STREAM-like copy, triad,
read and four-stream read (benchmarks/stream.c, built here with cc, same
thread count; the kernels read four rows at once, as the last does), then
quantized_matmul of one row of x with 8 different matrices in turn (72 MB,
so the weights come from memory, not the cache), in GB/s of packed words,
scales and biases read, and as a fraction of each bandwidth.

    python benchmarks/matvec_bandwidth.py [--threads 2] [--mib 256]

The issue's target: the matrix-vector product at 80% or more of the
memory bandwidth. The load average is printed before and after (the host
is shared: numbers are only comparable at low load).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def load():
    return open("/proc/loadavg").read().split()[0]


def stream(threads, mib):
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "stream")
        cc = os.environ.get("CC", "cc")
        subprocess.run(
            [cc, "-O3", "-march=native", "-pthread", os.path.join(HERE, "stream.c"), "-o", exe], check=True
        )
        out = subprocess.run([exe, str(threads), str(mib)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# This project's paths: the default (the fixed-point kernel where the CPU
# has AVX-512 VNNI), the float path, the integer-dot path.
PATHS = {
    "default": {"MLX_QMM_INT8": "0"},
    "MLX_QMM_X24=0": {"MLX_QMM_INT8": "0", "MLX_QMM_X24": "0"},
    "MLX_QMM_INT8=1": {"MLX_QMM_INT8": "1"},
}


def matvec(bits, group, path, copies=8, n=4096):
    import mlx.core as mx
    from timing import median_time

    os.environ.pop("MLX_QMM_X24", None)
    os.environ.update(PATHS[path])
    mats = []
    for i in range(copies):
        w = mx.random.normal((n, n), key=mx.random.key(i)) / 64
        q, s, b = mx.quantize(w, group, bits)
        mats.append((q, s.astype(mx.float16), b.astype(mx.float16)))
    mx.eval(mats)
    nbytes = sum(a.nbytes for a in mats[0])
    x = mx.random.normal((1, n))
    mx.eval(x)
    turn = [0]

    def cycle():
        turn[0] = (turn[0] + 1) % copies
        mx.eval(mx.quantized_matmul(x, *mats[turn[0]], True, group, bits))

    def cached():
        mx.eval(mx.quantized_matmul(x, *mats[0], True, group, bits))

    t_dram = min(median_time(cycle, seconds=1.0) for _ in range(3))
    t_cached = min(median_time(cached, seconds=1.0) for _ in range(3))
    return nbytes, t_dram, t_cached


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--mib", type=int, default=256, help="MiB per STREAM array")
    args = ap.parse_args()
    print(f"load average before: {load()}")
    bw = stream(args.threads, args.mib)
    print(
        f"STREAM-like, {bw['threads']} threads, {bw['mib']} MiB arrays: copy {bw['copy']:.2f} GB/s, "
        f"triad {bw['triad']:.2f} GB/s, read {bw['read']:.2f} GB/s, read as four streams {bw['read4']:.2f} GB/s"
    )
    ref = max(bw["copy"], bw["triad"], bw["read"], bw["read4"])
    for path in PATHS:
        for bits, group in [(4, 64), (4, 32)]:
            nbytes, t_dram, t_cached = matvec(bits, group, path)
            gbs = nbytes / t_dram / 1e9
            print(
                f"4096x4096 {bits}-bit g{group:<3d} {path:15s} {nbytes / 1e6:5.2f} MB  from memory "
                f"{t_dram * 1e6:7.1f} us {gbs:6.2f} GB/s = {gbs / bw['triad']:4.0%} of triad, "
                f"{gbs / bw['copy']:4.0%} of copy, {gbs / ref:4.0%} of the best   "
                f"(cached {t_cached * 1e6:6.1f} us, {nbytes / t_cached / 1e9:6.2f} GB/s)"
            )
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
