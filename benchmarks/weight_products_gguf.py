"""One token's weight products of a GGUF model (every quantized 2-D tensor
times a vector, all in one evaluation): this project's float path and
MLX_QMM_INT8 path, and, if given, ggml's CPU kernels (the ones llama.cpp
runs) through benchmarks/ggml_weight_products.c built as a binary.

    python benchmarks/weight_products_gguf.py [model.gguf] [--ggml ./ggml_bench]
        [--reps 30] [--rounds 2]

Engines alternate `--rounds` times; best times are reported (the host is
shared, means are noisy).
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def ours(path, reps):
    import numpy as np

    import mlx.core as mx

    w = mx.load(path)
    prods = []
    for name, a in w.items():
        base = name[: -len(".weight")] if name.endswith(".weight") else name
        if name.endswith((".scales", ".biases")) or base + ".scales" not in w:
            continue
        s, b = w[base + ".scales"], w[base + ".biases"]
        # K-quants have groups of 16, 32 or 128; Q4_0/Q4_1/Q8_0 of 32
        for group, bits in [(32, 4), (32, 8), (16, 6), (16, 2), (16, 3), (32, 5), (128, 8)]:
            k = s.shape[-1] * group
            if a.shape[-1] * 32 == k * bits:
                break
        x = mx.array(((np.arange(k) * 7919) % 1000 / 500.0 - 1.0).astype(np.float32))[None]
        prods.append((x, a, s, b, group, bits))
    nbytes = sum(p[1].nbytes + p[2].nbytes + p[3].nbytes for p in prods)

    def run():
        mx.eval([mx.quantized_matmul(x, a, s, b, True, g, bits) for x, a, s, b, g, bits in prods])

    run()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        run()
        ts.append(time.perf_counter() - t)
    return {"products": len(prods), "bytes": nbytes, "best_s": min(ts), "mean_s": sum(ts) / len(ts)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default=None)
    ap.add_argument("--ggml", default=None)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--engine", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.model is None:
        sys.path.insert(0, os.path.join(HERE, "..", "examples", "gguf_llama"))
        import generate

        args.model = generate.default_model()
    if args.engine:
        os.environ["MLX_QMM_INT8"] = "1" if args.engine == "int8" else "0"
        print(json.dumps(ours(args.model, args.reps)))
        return
    me = [sys.executable, os.path.abspath(__file__), args.model, "--reps", str(args.reps)]
    engines = {
        "this project (float)": me + ["--engine", "float"],
        "this project (MLX_QMM_INT8=1)": me + ["--engine", "int8"],
    }
    if args.ggml:
        engines["ggml (llama.cpp's kernels)"] = [args.ggml, args.model, str(args.threads), str(args.reps)]
    best = {}
    for _ in range(args.rounds):
        for name, cmd in engines.items():
            r = json.loads(
                subprocess.run(cmd, capture_output=True, text=True, check=True)
                .stdout.strip()
                .splitlines()[-1]
            )
            if name not in best or r["best_s"] < best[name]["best_s"]:
                best[name] = r
    base = best.get("ggml (llama.cpp's kernels)")
    print(f"{os.path.basename(args.model)}: one token's weight products, best of {args.rounds} x {args.reps}")
    for name, r in best.items():
        line = f"{name:30s} {r['products']} products {r['bytes'] / 1e6:6.1f} MB  {r['best_s'] * 1e3:7.2f} ms  {r['bytes'] / r['best_s'] / 1e9:5.1f} GB/s"
        if base:
            line += f"  x{base['best_s'] / r['best_s']:.2f} of ggml's speed"
        print(line)


if __name__ == "__main__":
    main()
