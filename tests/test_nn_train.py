"""End to end: small models trained with mlx.nn + mlx.optimizers reach a
loss threshold. Each *_case() builds a model, its loss, optimizer and
batches; benchmarks/engine_and_training_times.py times the same training
runs (the tests check only what the models learn)."""

from types import SimpleNamespace

import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


def _fit(model, loss_fn, opt, batches, steps):
    step = nn.value_and_grad(model, loss_fn)
    losses = []
    for i in range(steps):
        loss, grads = step(*batches(i))
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state)
        losses.append(loss.item())
    return losses


def fit(case):
    return _fit(case.model, case.loss_fn, case.opt, case.batches, case.steps)


def mlp_classification_case():
    mx.random.seed(0)
    x = mx.random.uniform(-1, 1, (256, 2))
    # two classes split by a circle: needs the hidden layer
    labels = (mx.sum(x * x, axis=1) < 0.5).astype(mx.int32)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = optim.Adam(learning_rate=0.02)

    def loss_fn(xb, yb):
        return nn.losses.cross_entropy(model(xb), yb, reduction="mean")

    return SimpleNamespace(
        model=model, loss_fn=loss_fn, opt=opt, batches=lambda i: (x, labels), steps=300, x=x, labels=labels
    )


def test_mlp_regression_and_classification():
    case = mlp_classification_case()
    losses = fit(case)
    assert losses[-1] < 0.05 and losses[0] > 0.5
    acc = mx.mean(mx.argmax(case.model(case.x), axis=1) == case.labels).item()
    assert acc > 0.95


def test_mlp_with_schedule_and_weight_decay():
    mx.random.seed(1)
    x = mx.random.normal((128, 4))
    w_true = mx.array([[1.0], [-2.0], [0.5], [3.0]])
    y = x @ w_true + 0.1
    model = nn.Sequential(nn.Linear(4, 16), nn.GELU(), nn.Linear(16, 1))
    sched = optim.join_schedules([optim.linear_schedule(0.0, 0.05, 10), optim.cosine_decay(0.05, 190)], [10])
    opt = optim.AdamW(learning_rate=sched, weight_decay=1e-4)

    def loss_fn(xb, yb):
        return nn.losses.mse_loss(model(xb), yb)

    losses = _fit(model, loss_fn, opt, lambda i: (x, y), 200)
    assert losses[-1] < 0.05 * losses[0]
    assert opt.step.item() == 200


class TinyLM(nn.Module):
    def __init__(self, vocab=16, dims=32, heads=4, layers=2, seq=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dims)
        self.pos = nn.Embedding(seq, dims)
        self.encoder = nn.TransformerEncoder(layers, dims, heads, mlp_dims=64)
        self.out = nn.Linear(dims, vocab)

    def __call__(self, tokens):
        L = tokens.shape[1]
        mask = nn.MultiHeadAttention.create_additive_causal_mask(L)
        h = self.embed(tokens) + self.pos(mx.arange(L))
        return self.out(self.encoder(h, mask))


def tiny_lm_case():
    # Sequences count up by a per-sequence step (mod 16): the next token is
    # predictable from the previous two, so a causal model can learn it.
    mx.random.seed(2)
    vocab, seq, batch = 16, 8, 64

    def batches(i):
        key = mx.random.key(i)
        k1, k2 = mx.random.split(key)
        start = mx.random.randint(0, vocab, (batch, 1), key=k1)
        stride = mx.random.randint(1, 4, (batch, 1), key=k2)
        toks = (start + stride * mx.arange(seq + 1)) % vocab
        return toks[:, :-1], toks[:, 1:]

    model = TinyLM(vocab=vocab, seq=seq)
    opt = optim.Adam(learning_rate=3e-3)

    def loss_fn(inp, tgt):
        logits = model(inp)
        # the first position has nothing to go on: score positions 1..7
        return nn.losses.cross_entropy(logits[:, 1:], tgt[:, 1:], reduction="mean")

    return SimpleNamespace(model=model, loss_fn=loss_fn, opt=opt, batches=batches, steps=150)


def test_tiny_transformer_language_model():
    case = tiny_lm_case()
    losses = fit(case)
    assert losses[0] > 2.0
    assert sum(losses[-10:]) / 10 < 0.05, losses[-10:]
    case.model.eval()
    inp, tgt = case.batches(1000)
    acc = mx.mean(mx.argmax(case.model(inp)[:, 2:], axis=-1) == tgt[:, 2:]).item()
    assert acc > 0.9


def small_cnn_case():
    # 8x8 images holding one horizontal or one vertical line, plus noise
    mx.random.seed(3)
    n = 128
    pos = mx.random.randint(0, 8, (n,))
    vertical = mx.random.bernoulli(0.5, (n,))
    grid = mx.arange(8)
    rows = (grid[None, :, None] == pos[:, None, None]) & ~vertical[:, None, None]
    cols = (grid[None, None, :] == pos[:, None, None]) & vertical[:, None, None]
    images = (rows | cols).astype(mx.float32) + 0.1 * mx.random.normal((n, 8, 8))
    images = images[..., None]
    labels = vertical.astype(mx.int32)

    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(4),
        lambda x: x.reshape(x.shape[0], -1),
        nn.Linear(8, 2),
    )
    opt = optim.Adam(learning_rate=0.01)

    def loss_fn(xb, yb):
        return nn.losses.cross_entropy(model(xb), yb, reduction="mean")

    return SimpleNamespace(
        model=model,
        loss_fn=loss_fn,
        opt=opt,
        batches=lambda i: (images, labels),
        steps=60,
        images=images,
        labels=labels,
    )


def test_small_cnn_learns_line_orientation():
    case = small_cnn_case()
    losses = fit(case)
    assert losses[-1] < 0.1 < losses[0]
    assert mx.mean(mx.argmax(case.model(case.images), axis=1) == case.labels).item() > 0.95


@pytest.mark.skipif(not hasattr(mx, "compile"), reason="mx.compile not in mlx.core yet")
def test_compiled_training_step_matches_eager():
    # MLX's idiom: compile the whole step with model and optimizer state as
    # implicit inputs and outputs.
    from functools import partial

    def run(compiled):
        mx.random.seed(4)
        model = nn.Sequential(nn.Linear(3, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 1))
        opt = optim.AdamW(learning_rate=0.01)
        x = mx.random.normal((32, 3))
        y = mx.sum(x, axis=1, keepdims=True)
        loss_and_grad = nn.value_and_grad(model, lambda a, b: nn.losses.mse_loss(model(a), b))

        def step(a, b):
            loss, grads = loss_and_grad(a, b)
            opt.update(model, grads)
            return loss

        if compiled:
            state = [model.state, opt.state]
            step = partial(mx.compile, inputs=state, outputs=state)(step)
        losses = []
        for _ in range(5):
            loss = step(x, y)
            mx.eval(loss, model.parameters(), opt.state)
            losses.append(loss.item())
        return losses, model.parameters()

    eager_losses, eager_params = run(False)
    comp_losses, comp_params = run(True)
    assert all(abs(a - b) <= 1e-5 * max(1.0, abs(a)) for a, b in zip(eager_losses, comp_losses))
    from mlx.utils import tree_flatten

    for (k, a), (_, b) in zip(tree_flatten(eager_params), tree_flatten(comp_params)):
        assert mx.allclose(a, b, rtol=1e-5, atol=1e-6).item(), k
