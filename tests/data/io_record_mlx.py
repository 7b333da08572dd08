"""Writes the io_mlx.* fixtures with real MLX 0.32.4 (run by hand in the
separate MLX environment: /work/venv-mlx/bin/python io_record_mlx.py).
tests/test_io.py reads them back and checks the values below."""

import mlx.core as mx


def fixtures():
    a = mx.arange(24, dtype=mx.float32).reshape(2, 3, 4) / 4
    b = mx.arange(6, dtype=mx.int16).reshape(3, 2) - 2
    c = (mx.arange(5) % 2).astype(mx.bool_)
    h = mx.arange(4).astype(mx.bfloat16) * 1.5
    return a, b, c, h


if __name__ == "__main__":
    a, b, c, h = fixtures()
    mx.save("io_mlx.npy", a.T)
    mx.savez("io_mlx.npz", a, b=b, c=c)
    mx.save_safetensors("io_mlx.safetensors", {"a": a, "b": b, "c": c, "h": h}, {"format": "mlx"})
    mx.save_gguf(
        "io_mlx.gguf",
        {"a": a, "b": b, "s": mx.array(2.5)},
        {"name": "fixture", "ints": mx.array([1, 2, 3]), "tok": ["x", "yz"], "u": mx.array(7, mx.uint8)},
    )
