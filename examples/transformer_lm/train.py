"""Trains a small character-level transformer language model on the
bundled text, printing a progress bar, then writes the loss curve to a PNG
and samples some text.

    python examples/transformer_lm/train.py [--steps 300] [--plot loss.png]
"""
import argparse
import math
import os
import sys
import time

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png import plot_line  # noqa: E402


class TransformerLM(nn.Module):
    def __init__(self, vocab, dims=64, heads=4, layers=2, context=64):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dims)
        self.positions = nn.Embedding(context, dims)
        self.encoder = nn.TransformerEncoder(layers, dims, heads, mlp_dims=4 * dims, norm_first=True)
        self.out = nn.Linear(dims, vocab)

    def __call__(self, x):
        t = x.shape[1]
        mask = nn.MultiHeadAttention.create_additive_causal_mask(t)
        h = self.embedding(x) + self.positions(mx.arange(t))
        return self.out(self.encoder(h, mask))


def batches(data, batch, context, key):
    starts = mx.random.randint(0, data.size - context - 1, (batch,), key=key)
    idx = starts[:, None] + mx.arange(context + 1)
    chunk = data[idx]
    return chunk[:, :-1], chunk[:, 1:]


def progress(step, total, loss, started):
    width = 30
    done = int(width * step / total)
    rate = step / max(time.time() - started, 1e-9)
    sys.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {step}/{total} loss {loss:.3f} {rate:.1f} it/s")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--plot", default="loss.png")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    text = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.txt")).read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = mx.array([index[c] for c in text], dtype=mx.int32)

    mx.random.seed(args.seed)
    model = TransformerLM(len(chars), context=args.context)
    opt = optim.AdamW(learning_rate=optim.cosine_decay(3e-3, args.steps), weight_decay=0.01)
    opt.init(model.trainable_parameters())

    def loss_fn(m, x, y):
        return nn.losses.cross_entropy(m(x), y, reduction="mean")

    state = [model.state, opt.state]

    def step(x, y):
        loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
        opt.update(model, grads)
        return loss

    # Traced once; the model and optimizer state flow in and out.
    step = mx.compile(step, inputs=state, outputs=state)
    losses = []
    keys = mx.random.split(mx.random.key(args.seed), args.steps)
    started = time.time()
    for i in range(args.steps):
        x, y = batches(data, args.batch, args.context, keys[i])
        loss = step(x, y)
        mx.eval(state)
        losses.append(loss.item())
        if (i + 1) % 10 == 0 or i + 1 == args.steps:
            progress(i + 1, args.steps, sum(losses[-10:]) / len(losses[-10:]), started)
    print()
    plot_line(args.plot, losses)
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f} (uniform: {math.log(len(chars)):.3f}); curve in {args.plot}")

    # Greedy continuation of a prompt.
    prompt = "The lighthouse"
    tokens = [index[c] for c in prompt]
    for _ in range(80):
        ctx = mx.array(tokens[-args.context:])[None]
        tokens.append(int(mx.argmax(model(ctx)[0, -1]).item()))
    print("sample:", "".join(chars[t] for t in tokens))


if __name__ == "__main__":
    main()
