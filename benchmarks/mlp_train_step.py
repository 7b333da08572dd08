"""One training step of an MLP (batch 256, 784-512-512-10): value_and_grad
of a cross-entropy loss and a hand-written SGD update, no mlx.nn.

    python benchmarks/mlp_train_step.py                 # this project (or any mlx on the path)
    /path/venv-mlx/bin/python benchmarks/mlp_train_step.py   # real MLX
    /path/venv-ref/bin/python benchmarks/mlp_train_step.py --torch

Prints the median milliseconds per step over ~3 s of steps.
"""

import sys

from timing import median_time

SIZES = [784, 512, 512, 10]
BATCH = 256
LR = 0.01


def median_ms(step, seconds=3.0):
    return 1000 * median_time(step, seconds, warmup=3, min_runs=10)


def mlx_step():
    import mlx.core as mx

    k = mx.random.key(0)
    keys = mx.random.split(k, len(SIZES))
    params = []
    for i in range(len(SIZES) - 1):
        scale = (1.0 / SIZES[i]) ** 0.5
        w = mx.random.uniform(-scale, scale, (SIZES[i], SIZES[i + 1]), key=keys[i])
        params += [w, mx.zeros((SIZES[i + 1],))]
    x = mx.random.normal((BATCH, SIZES[0]), key=keys[-1])
    y = mx.random.randint(0, SIZES[-1], (BATCH,), key=k)
    mx.eval(params, x, y)

    def loss_fn(params, x, y):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = mx.maximum(h, 0)
        logits = h
        lse = mx.logsumexp(logits, axis=-1)
        picked = mx.take_along_axis(logits, y[:, None], axis=-1)[:, 0]
        return (lse - picked).mean()

    vg = mx.value_and_grad(loss_fn)

    def step():
        nonlocal params
        loss, grads = vg(params, x, y)
        params = [p - LR * g for p, g in zip(params, grads)]
        mx.eval(loss, params)

    return step, f"mlx {getattr(mx, '__version__', '?')}"


def torch_step():
    import torch

    torch.manual_seed(0)
    params = []
    for i in range(len(SIZES) - 1):
        scale = (1.0 / SIZES[i]) ** 0.5
        w = (torch.rand(SIZES[i], SIZES[i + 1]) * 2 - 1) * scale
        params += [w.requires_grad_(), torch.zeros(SIZES[i + 1], requires_grad=True)]
    x = torch.randn(BATCH, SIZES[0])
    y = torch.randint(0, SIZES[-1], (BATCH,))

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= LR * g

    return step, f"torch {torch.__version__} ({torch.get_num_threads()} threads)"


if __name__ == "__main__":
    step, name = torch_step() if "--torch" in sys.argv else mlx_step()
    print(f"{name}: mlp_train_step_b256 {median_ms(step):.2f} ms/step")
