"""Writes quantized_mlx.safetensors with real MLX 0.32.4 (run by hand in the
separate MLX environment: cd tests/data && /work/venv-mlx/bin/python
quantized_record_mlx.py). Every input is stored next to MLX's answers;
tests/test_quantized.py recomputes them here and compares."""

import mlx.core as mx
import mlx.nn as nn

DTYPES = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16}


def inputs():
    mx.random.seed(7)
    w = mx.random.normal((2, 128))
    # groups of note: all zeros, one large value, a negative edge, ties
    w[0, :32] = 0
    w[0, 32:64] = mx.linspace(-1, 0.5, 32)
    w[1, :32] = mx.where(mx.arange(32) == 5, 15.0, 0.0)
    w[1, 32:64] = (mx.arange(32) % 16) * 0.25 - 2
    return {
        "w": w,
        "x": mx.random.normal((3, 128)),
        "xb": mx.random.normal((2, 3, 1, 128)),
        "wb": mx.random.normal((3, 16, 128)),
        "wt": mx.random.normal((128, 64)),
        "cot": mx.random.normal((3, 16)),
        "fp8_in": mx.concatenate([mx.random.normal((200,)) * 50, mx.array([0.3, 1000, -470, 1e-4, 2.0**-9])]),
        "lin_x": mx.random.normal((2, 64)),
        "ids": mx.array([[0, 3], [7, 7]], dtype=mx.int32),
    }


def record():
    d = inputs()
    out = dict(d)
    w, x = d["w"], d["x"]
    for name, t in DTYPES.items():
        wt = w.astype(t)
        for gs in (32, 64, 128):
            for bits in (2, 3, 4, 5, 6, 8):
                q, s, b = mx.quantize(wt, gs, bits)
                key = f"affine_{name}_{gs}_{bits}"
                out[key + "_q"], out[key + "_s"], out[key + "_b"] = q, s, b
                out[key + "_deq"] = mx.dequantize(q, s, b, gs, bits)
        for mode in ("mxfp4", "mxfp8", "nvfp4"):
            q, s = mx.quantize(wt, mode=mode)
            key = f"{mode}_{name}"
            out[key + "_q"], out[key + "_s"] = q, s
            out[key + "_deq"] = mx.dequantize(q, s, mode=mode)
        g = mx.array(3.0)
        q, s = mx.quantize(wt, mode="nvfp4", global_scale=g)
        out[f"nvfp4g_{name}_q"], out[f"nvfp4g_{name}_s"] = q, s
        out[f"nvfp4g_{name}_deq"] = mx.dequantize(q, s, mode="nvfp4", global_scale=g)
    # products
    q, s, b = mx.quantize(w, 64, 4)
    out["qmm_t"] = mx.quantized_matmul(x, q, s, b, True, 64, 4)
    qt, st, bt = mx.quantize(d["wt"], 32, 8)
    out["qmm_n"] = mx.quantized_matmul(x, qt, st, bt, False, 32, 8)
    qb, sb, bb = mx.quantize(d["wb"], 32, 4)
    out["qmm_batched"] = mx.quantized_matmul(d["xb"], qb, sb, bb, True, 32, 4)
    for mode in ("mxfp4", "mxfp8", "nvfp4"):
        qf, sf = mx.quantize(d["wb"][0], mode=mode)
        out[f"qmm_{mode}"] = mx.quantized_matmul(x, qf, sf, transpose=True, mode=mode)
    lhs = mx.array([1, 0], dtype=mx.uint32)
    rhs = mx.array([1, 2], dtype=mx.uint32)
    out["gather"] = mx.gather_qmm(d["xb"][:, 0], qb, sb, bb, lhs, rhs, True, 32, 4)

    def f(s_, b_):
        return mx.quantized_matmul(x, qb[0], s_, b_, True, 32, 4)

    _, (ds, db) = mx.vjp(f, [sb[0], bb[0]], [d["cot"]])
    out["grad_scales"], out["grad_biases"] = ds, db

    def g(x_):
        return mx.quantized_matmul(x_, qb[0], sb[0], bb[0], True, 32, 4)

    out["grad_x"] = mx.vjp(g, [x], [d["cot"]])[1][0]
    # fp8
    out["to_fp8"] = mx.to_fp8(d["fp8_in"])
    out["from_fp8"] = mx.from_fp8(mx.arange(256).astype(mx.uint8), mx.float32)
    # layers: a model quantized by MLX, saved under MLX's key names
    mx.random.seed(3)
    model = nn.Sequential(nn.Embedding(8, 64), nn.Linear(64, 32), nn.Linear(32, 64, bias=False))
    nn.quantize(
        model, class_predicate=lambda p, m: {"group_size": 32, "bits": 8} if p == "layers.2" else True
    )
    model.save_weights("quantized_model_mlx.safetensors")
    out["model_emb"] = model.layers[0](d["ids"])
    out["model_out"] = model.layers[2](model.layers[1](d["lin_x"]))
    out["model_as_linear"] = model.layers[0].as_linear(d["lin_x"])
    mx.save_safetensors("quantized_mlx.safetensors", out)


if __name__ == "__main__":
    record()
