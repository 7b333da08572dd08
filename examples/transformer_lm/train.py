"""Trains a small character-level transformer language model on the
bundled text with a tqdm progress bar, then writes the loss curve to a PNG
with matplotlib, samples some text and prints the final loss.

Needs the optional example packages: pip install tqdm matplotlib
(or the project's `examples` extra).

    python examples/transformer_lm/train.py [--steps 300] [--plot loss.png]
"""

import argparse
import math
import os
import sys

try:
    import matplotlib
    from tqdm import tqdm
except ImportError as e:  # pragma: no cover - a message, not a feature
    sys.exit(f"this example needs tqdm and matplotlib ({e}); install them with: pip install tqdm matplotlib")

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

import mlx.core as mx  # noqa: E402
import mlx.nn as nn  # noqa: E402
import mlx.optimizers as optim  # noqa: E402


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


def ema(values, decay=0.9):
    """Exponential moving average with the start-up bias removed (the first
    points are not pulled towards zero)."""
    out, avg = [], 0.0
    for i, v in enumerate(values, 1):
        avg = decay * avg + (1 - decay) * v
        out.append(avg / (1 - decay**i))
    return out


def plot_losses(path, losses, smoothed, uniform, decay):
    steps = range(1, len(losses) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    ax.plot(steps, losses, color="tab:blue", alpha=0.3, linewidth=1, label="loss per step (one batch)")
    ax.plot(
        steps,
        smoothed,
        color="tab:blue",
        linewidth=2,
        label=f"moving average (EMA, decay {decay}): final {smoothed[-1]:.3f}",
    )
    ax.axhline(
        uniform, color="gray", linestyle="--", linewidth=1, label=f"uniform guess, ln(vocab) = {uniform:.3f}"
    )
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy loss (nats per character)")
    ax.set_title("Character-level transformer LM: training loss")
    ax.set_xlim(1, max(len(losses), 2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")  # the curve starts high on the left
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


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
    # The bar goes to stdout (with the sample and the final loss), not stderr.
    with tqdm(total=args.steps, desc="training", unit="step", file=sys.stdout, ncols=90) as bar:
        for i in range(args.steps):
            x, y = batches(data, args.batch, args.context, keys[i])
            loss = step(x, y)
            mx.eval(state)
            losses.append(loss.item())
            bar.update(1)
            if (i + 1) % 10 == 0 or i + 1 == args.steps:
                bar.set_postfix(loss=f"{sum(losses[-10:]) / len(losses[-10:]):.3f}")

    decay = 0.9
    smoothed = ema(losses, decay)
    uniform = math.log(len(chars))
    plot_losses(args.plot, losses, smoothed, uniform, decay)

    # Greedy continuation of a prompt.
    prompt = "The lighthouse"
    tokens = [index[c] for c in prompt]
    for _ in range(80):
        ctx = mx.array(tokens[-args.context :])[None]
        tokens.append(int(mx.argmax(model(ctx)[0, -1]).item()))
    print("sample:", "".join(chars[t] for t in tokens))
    print(
        f"final loss: {losses[-1]:.3f} nats/char (moving average {smoothed[-1]:.3f}; "
        f"step 1: {losses[0]:.3f}, uniform guess: {uniform:.3f}); loss curve in {args.plot}"
    )


if __name__ == "__main__":
    main()
