"""Peak memory of one gradient of a deep MLP with and without mx.checkpoint.

Each layer is sin(sin(sin(x @ w))): without checkpointing the backward pass
keeps three activations a layer, with it only the layer's output.
Usage: python benchmarks/checkpoint_memory.py [depth] [width] [batch]
"""

import sys

import mlx.core as mx


def layer(w, x):
    return mx.sin(mx.sin(mx.sin(x @ w)))


def peak_bytes(ws, x, ckpt):
    f = mx.checkpoint(layer) if ckpt else layer

    def loss(ws):
        h = x
        for w in ws:
            h = f(w, h)
        return (h * h).sum()

    mx.clear_cache()
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    mx.eval(mx.grad(loss)(ws))
    return mx.get_peak_memory() - base


def main():
    depth, width, batch = (int(a) for a in (sys.argv[1:] + ["32", "1024", "1024"][len(sys.argv) - 1 :]))
    ws = [mx.random.normal((width, width), key=mx.random.key(i)) * (1 / width**0.5) for i in range(depth)]
    x = mx.random.normal((batch, width), key=mx.random.key(depth))
    mx.eval(ws, x)
    plain, ckpt = peak_bytes(ws, x, False), peak_bytes(ws, x, True)
    print(
        f"depth {depth} width {width} batch {batch}: peak above inputs "
        f"{plain / 2**20:.1f} MiB plain, {ckpt / 2**20:.1f} MiB checkpointed "
        f"({plain / ckpt:.2f}x less)"
    )


if __name__ == "__main__":
    main()
