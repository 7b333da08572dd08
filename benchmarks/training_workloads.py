"""The training workloads users hit after the shared suite's (issue 18):
attention forward and backward at sequence length 2048, layer-norm
backward, the embedding gather's backward (a scatter-add into the table),
and a bfloat16 MLP training step; this project (or any mlx on the path, so
real MLX too) and PyTorch CPU on the same shapes.

    python benchmarks/training_workloads.py [--only NAME ...]          # mlx
    python benchmarks/training_workloads.py --torch [--only NAME ...]  # PyTorch
    python benchmarks/training_workloads.py --jax [--only NAME ...]    # JAX (Python >= 3.12)
    python benchmarks/training_workloads.py --compare [--mlx-python P] [--jax-python P]

Each figure is the median milliseconds of one call (the work and the
evaluation of its result) over ~2 s of calls. JAX runs each workload
under jax.jit (attention through jax.nn.dot_product_attention, in its
(B, L, H, D) layout); it needs Python 3.12 or later, so its own venv.
"""

import argparse
import json
import os
import subprocess
import sys

from timing import median_time

B, H, L, D = 1, 8, 2048, 64  # attention: batch, heads, sequence, head size
LN_ROWS, LN_DIM = 8192, 1024
VOCAB, DIM, TOKENS = 32000, 512, 8192
MLP = (1024, 4096, 1024)
BATCH = 256


def mlx_workloads():
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.utils import tree_map

    rng = mx.random.key(0)

    def rand(*shape, dtype=mx.float32):
        nonlocal rng
        rng, k = mx.random.split(rng)
        return mx.random.normal(shape, key=k).astype(dtype)

    q, k, v, cot = rand(B, H, L, D), rand(B, H, L, D), rand(B, H, L, D), rand(B, H, L, D)
    scale = D**-0.5

    def attention(q, k, v):
        return mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask="causal")

    attention_grad = mx.grad(lambda q, k, v: (attention(q, k, v) * cot).sum(), argnums=(0, 1, 2))

    x, w, b, ln_cot = rand(LN_ROWS, LN_DIM), rand(LN_DIM), rand(LN_DIM), rand(LN_ROWS, LN_DIM)
    ln_grad = mx.grad(lambda x, w, b: (mx.fast.layer_norm(x, w, b, 1e-5) * ln_cot).sum(), argnums=(0, 1, 2))

    table = rand(VOCAB, DIM)
    idx = mx.random.randint(0, VOCAB, (TOKENS,), key=mx.random.key(1))
    emb_cot = rand(TOKENS, DIM)
    emb_grad = mx.grad(lambda t: (t[idx] * emb_cot).sum())

    model = nn.Sequential(nn.Linear(MLP[0], MLP[1]), nn.GELU(), nn.Linear(MLP[1], MLP[2]))
    model.set_dtype(mx.bfloat16)
    xb, yb = rand(BATCH, MLP[0], dtype=mx.bfloat16), rand(BATCH, MLP[2], dtype=mx.bfloat16)
    loss_and_grad = nn.value_and_grad(model, lambda m, x, y: ((m(x) - y) ** 2).mean())

    def bf16_step():
        loss, grads = loss_and_grad(model, xb, yb)
        model.update(tree_map(lambda p, g: p - 0.01 * g, model.parameters(), grads))
        mx.eval(loss, model.parameters())

    mx.eval(q, k, v, cot, x, w, b, ln_cot, table, idx, emb_cot, xb, yb, model.parameters())
    return {
        "attention_fwd_s2048": lambda: mx.eval(attention(q, k, v)),
        "attention_fwd_bwd_s2048": lambda: mx.eval(attention_grad(q, k, v)),
        "layer_norm_bwd_8192x1024": lambda: mx.eval(ln_grad(x, w, b)),
        "embedding_bwd_32000x512_8192": lambda: mx.eval(emb_grad(table)),
        "mlp_bf16_train_step_b256": bf16_step,
    }


def torch_workloads():
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)

    def rand(*shape, dtype=torch.float32, grad=False):
        return torch.randn(*shape).to(dtype).requires_grad_(grad)

    q, k, v = (rand(B, H, L, D, grad=True) for _ in range(3))
    cot = rand(B, H, L, D)

    def attention_fwd():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def attention_fwd_bwd():
        torch.autograd.grad((F.scaled_dot_product_attention(q, k, v, is_causal=True) * cot).sum(), (q, k, v))

    x, w, b = rand(LN_ROWS, LN_DIM, grad=True), rand(LN_DIM, grad=True), rand(LN_DIM, grad=True)
    ln_cot = rand(LN_ROWS, LN_DIM)

    def ln_bwd():
        torch.autograd.grad((F.layer_norm(x, (LN_DIM,), w, b, 1e-5) * ln_cot).sum(), (x, w, b))

    table = rand(VOCAB, DIM, grad=True)
    idx = torch.randint(0, VOCAB, (TOKENS,))
    emb_cot = rand(TOKENS, DIM)

    def emb_bwd():
        torch.autograd.grad((table[idx] * emb_cot).sum(), (table,))

    model = torch.nn.Sequential(
        torch.nn.Linear(MLP[0], MLP[1]), torch.nn.GELU(), torch.nn.Linear(MLP[1], MLP[2])
    ).to(torch.bfloat16)
    xb, yb = rand(BATCH, MLP[0], dtype=torch.bfloat16), rand(BATCH, MLP[2], dtype=torch.bfloat16)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def bf16_step():
        opt.zero_grad()
        loss = ((model(xb) - yb) ** 2).mean()
        loss.backward()
        opt.step()

    return {
        "attention_fwd_s2048": attention_fwd,
        "attention_fwd_bwd_s2048": attention_fwd_bwd,
        "layer_norm_bwd_8192x1024": ln_bwd,
        "embedding_bwd_32000x512_8192": emb_bwd,
        "mlp_bf16_train_step_b256": bf16_step,
    }


def jax_workloads():
    import jax
    import jax.numpy as jnp

    keys = iter(jax.random.split(jax.random.key(0), 32))

    def rand(*shape, dtype=jnp.float32):
        return jax.random.normal(next(keys), shape).astype(dtype)

    def ready(fn):
        return lambda: jax.block_until_ready(fn())

    q, k, v, cot = rand(B, L, H, D), rand(B, L, H, D), rand(B, L, H, D), rand(B, L, H, D)  # (B, L, H, D)
    attention = jax.jit(lambda q, k, v: jax.nn.dot_product_attention(q, k, v, is_causal=True))
    attention_grad = jax.jit(
        jax.grad(
            lambda q, k, v: (jax.nn.dot_product_attention(q, k, v, is_causal=True) * cot).sum(), (0, 1, 2)
        )
    )

    def layer_norm(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) * jax.lax.rsqrt(var + 1e-5) * w + b

    x, w, b, ln_cot = rand(LN_ROWS, LN_DIM), rand(LN_DIM), rand(LN_DIM), rand(LN_ROWS, LN_DIM)
    ln_grad = jax.jit(jax.grad(lambda x, w, b: (layer_norm(x, w, b) * ln_cot).sum(), (0, 1, 2)))
    table = rand(VOCAB, DIM)
    idx = jax.random.randint(next(keys), (TOKENS,), 0, VOCAB)
    emb_cot = rand(TOKENS, DIM)
    emb_grad = jax.jit(jax.grad(lambda t: (t[idx] * emb_cot).sum()))

    bf = jnp.bfloat16
    params = [
        rand(MLP[0], MLP[1], dtype=bf),
        rand(MLP[1], dtype=bf),
        rand(MLP[1], MLP[2], dtype=bf),
        rand(MLP[2], dtype=bf),
    ]
    xb, yb = rand(BATCH, MLP[0], dtype=bf), rand(BATCH, MLP[2], dtype=bf)

    def loss(p):
        h = jax.nn.gelu(xb @ p[0] + p[1], approximate=False)
        return (((h @ p[2] + p[3]) - yb) ** 2).mean()

    @jax.jit
    def step(p):
        g = jax.grad(loss)(p)
        return [a - 0.01 * d for a, d in zip(p, g)]

    state = {"p": params}

    def bf16_step():
        state["p"] = step(state["p"])
        return state["p"]

    return {
        "attention_fwd_s2048": ready(lambda: attention(q, k, v)),
        "attention_fwd_bwd_s2048": ready(lambda: attention_grad(q, k, v)),
        "layer_norm_bwd_8192x1024": ready(lambda: ln_grad(x, w, b)),
        "embedding_bwd_32000x512_8192": ready(lambda: emb_grad(table)),
        "mlp_bf16_train_step_b256": ready(bf16_step),
    }


def measure(framework, only):
    work = {"torch": torch_workloads, "jax": jax_workloads}.get(framework, mlx_workloads)()
    out = {}
    for name, fn in work.items():
        if only and name not in only:
            continue
        out[name] = 1000 * median_time(fn, seconds=2.0, warmup=2, min_runs=5)
    return out


def run_child(python, args, env=None):
    cmd = [python, os.path.abspath(__file__), "--json", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    if res.returncode != 0:
        raise RuntimeError(res.stdout + res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--torch", action="store_true")
    p.add_argument("--jax", action="store_true", help="JAX (needs Python 3.12 or later)")
    p.add_argument("--compare", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", nargs="*", default=[])
    p.add_argument("--mlx-python", default="/work/venv-mlx/bin/python")
    p.add_argument("--jax-python", default="/work/venv-jax/bin/python")
    args = p.parse_args()
    if not args.compare:
        res = measure("torch" if args.torch else "jax" if args.jax else "mlx", args.only)
        if args.json:
            print(json.dumps(res))
        else:
            for name, ms in res.items():
                print(f"{name:32s} {ms:9.2f} ms")
        return
    only = ["--only", *args.only] if args.only else []
    cols = {"ours": run_child(sys.executable, only), "torch": run_child(sys.executable, ["--torch", *only])}
    if os.path.exists(args.mlx_python):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        cols["MLX"] = run_child(args.mlx_python, only, env)
    if os.path.exists(args.jax_python):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        cols["JAX"] = run_child(args.jax_python, ["--jax", *only], env)
    print(f"{'workload':32s} " + " ".join(f"{c:>9s}" for c in cols) + "   (ms; x = their time / ours)")
    for name, ours in cols["ours"].items():
        row = f"{name:32s} {ours:9.2f}"
        for c, res in cols.items():
            if c != "ours" and name in res:
                row += f" {res[name]:9.2f} x{res[name] / ours:5.2f}"
        print(row)


if __name__ == "__main__":
    main()
