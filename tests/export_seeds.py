"""Primitives that real MLX 0.32.4 serializes but cannot trace on a CPU-only
build (its fast ops take their unfused fallback there): RoPE (forward and
inverse, traditional or not, with freqs), ScaledDotProductAttention with its
logsumexp output, RMSNorm, LayerNorm and their VJPs.

For each, tools/make_mlxfn_data.py writes a one-node "seed" file in the
.mlxfn layout with `write_seed`, has real MLX import it and export the
imported function again: the file kept in tests/data/mlxfn/seed_<name>.mlxfn
is the one MLX's own writer produced from its own parse of the seed, and the
expected outputs come from `reference` (MLX's ops and fast fallbacks, whose
vjp gives the inverse rotation and the norms' gradients).
"""

import struct

import numpy as np

# MLX's Dtype::Val numbering and sizes.
_DTYPES = {"bool": (0, 1), "int32": (7, 4), "float32": (10, 4)}


class _W:
    def __init__(self):
        self.b = bytearray()

    def u64(self, v):
        self.b += struct.pack("<Q", v)

    def i32(self, v):
        self.b += struct.pack("<i", v)

    def f32(self, v):
        self.b += struct.pack("<f", v)

    def flag(self, v):
        self.b += struct.pack("<B", 1 if v else 0)

    def str(self, s):
        self.u64(len(s))
        self.b += s.encode()

    def shape(self, s):
        self.u64(len(s))
        for d in s:
            self.i32(d)

    def dtype(self, name):
        val, size = _DTYPES[name]
        self.i32(val)
        self.b += struct.pack("<B", size)

    def ids(self, ids):
        self.u64(len(ids))
        for i in ids:
            self.u64(i)


def write_seed(path, name, state, inputs, outputs):
    """One function: `inputs` [(shape, dtype)] feed one node `name` with
    `state` [(kind, value)], kind in i (int32), f (float32), b (bool);
    `outputs` [(shape, dtype)] are all returned."""
    w = _W()
    w.str("0.32.4")
    w.i32(1)
    w.flag(False)
    w.str("")
    w.u64(0)  # no keyword inputs
    in_ids = list(range(1, len(inputs) + 1))
    out_ids = list(range(100, 100 + len(outputs)))
    w.ids(in_ids)
    w.u64(len(inputs))
    for shape, dt in inputs:
        w.shape(shape)
        w.dtype(dt)
    w.ids(out_ids)
    w.u64(len(inputs) + 1)
    for i in in_ids:
        w.u64(i)
        w.flag(False)
        w.flag(False)
    w.u64(out_ids[0])
    w.flag(True)
    w.ids(in_ids)
    w.i32(0)  # stream index, device type (cpu), device index
    w.i32(0)
    w.i32(0)
    w.str(name)
    for kind, v in state:
        {"i": w.i32, "f": w.f32, "b": w.flag}[kind](v)
    if len(outputs) == 1:
        w.u64(0)
        w.shape(outputs[0][0])
        w.dtype(outputs[0][1])
    else:
        w.u64(len(outputs) - 1)
        w.ids(out_ids)
        w.u64(len(outputs))
        for shape, _ in outputs:
            w.shape(shape)
        w.u64(len(outputs))
        for _, dt in outputs:
            w.dtype(dt)
    with open(path, "wb") as f:
        f.write(bytes(w.b))


def _rope_state(dims, traditional, base, scale, forward):
    return [("i", dims), ("b", traditional), ("f", base), ("f", scale), ("b", forward)]


def _sdpa_state(scale, causal, sinks, lse):
    return [("f", scale), ("b", causal), ("b", sinks), ("b", lse), ("b", False)]


def seeds():
    """(name, primitive, state, inputs as numpy arrays, output (shape,
    dtype) list, reference(mx, *inputs) -> outputs)."""
    r = np.random.default_rng(7)

    def f32(*s):
        return r.standard_normal(s).astype(np.float32)

    x = f32(2, 2, 5, 8)
    off = np.array(3, np.int32)
    freqs = (np.arange(1, 4, dtype=np.float32) * 1.5).astype(np.float32)
    q, k, v = f32(1, 4, 3, 8), f32(1, 2, 5, 8), f32(1, 2, 5, 8)
    mask = f32(1, 4, 3, 5)
    sinks = f32(4)
    xn, wn, bn, gn = f32(3, 6), f32(6), f32(6), f32(3, 6)

    def rope_ref(dims, traditional, base, scale, forward, with_freqs=False):
        def ref(mx, a, o, *fr):
            kw = dict(traditional=traditional, base=None if with_freqs else base, scale=scale, offset=o)
            if with_freqs:
                kw["freqs"] = fr[0]
            f = lambda t: mx.fast.rope(t, dims, **kw)  # noqa: E731
            if forward:
                return (f(a),)
            # The inverse rotation of a is the vjp of the rotation at a.
            return (mx.vjp(f, [a], [a])[1][0],)

        return ref

    def attention_ref(scale, causal, with_mask, with_sinks):
        def ref(mx, q, k, v, *rest):
            rest = list(rest)
            m = rest.pop(0) if with_mask else None
            s = rest.pop(0) if with_sinks else None
            mode = "causal" if causal else m
            out = mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mode, sinks=s)
            kk = mx.repeat(k, q.shape[1] // k.shape[1], 1)
            scores = (q @ kk.swapaxes(-1, -2)) * scale
            if causal:
                L, S = q.shape[2], k.shape[2]
                keep = mx.arange(S - L, S)[:, None] >= mx.arange(S)[None]
                scores = mx.where(keep, scores, -mx.inf)
            elif m is not None:
                scores = scores + m
            if s is not None:
                col = mx.broadcast_to(s.reshape(1, -1, 1, 1), scores.shape[:-1] + (1,))
                scores = mx.concatenate([col, scores], -1)
            return out, mx.logsumexp(scores, -1, keepdims=True)

        return ref

    def norm_vjp_ref(layer, eps, with_weight, with_bias):
        def ref(mx, x, w, *rest):
            g = rest[-1]
            b = rest[0] if layer else None

            def f(x, w, b):
                ww = w if with_weight else None
                if not layer:
                    return mx.fast.rms_norm(x, ww, eps)
                return mx.fast.layer_norm(x, ww, b if with_bias else None, eps)

            grads = mx.vjp(f, [x, w, b if layer else mx.array(0.0)], [g])[1]
            grads = [grads[0], grads[1] if with_weight else mx.zeros_like(w)]
            if layer:
                grads.append(mx.vjp(f, [x, w, b], [g])[1][2] if with_bias else mx.zeros_like(b))
            return tuple(grads)

        return ref

    F = "float32"
    return [
        (
            "rope_traditional",
            "RoPE",
            _rope_state(6, True, 10000.0, 1.0, True),
            [x, off],
            [(x.shape, F)],
            rope_ref(6, True, 10000.0, 1.0, True),
        ),
        (
            "rope_inverse",
            "RoPE",
            _rope_state(8, False, 500.0, 0.5, False),
            [x, off],
            [(x.shape, F)],
            rope_ref(8, False, 500.0, 0.5, False),
        ),
        (
            "rope_inverse_traditional_freqs",
            "RoPE",
            _rope_state(6, True, 0.0, 2.0, False),
            [x, off, freqs],
            [(x.shape, F)],
            rope_ref(6, True, 0.0, 2.0, False, True),
        ),
        (
            "sdpa_logsumexp_causal",
            "ScaledDotProductAttention",
            _sdpa_state(0.3, True, False, True),
            [q, k, v],
            [((1, 4, 3, 8), F), ((1, 4, 3, 1), F)],
            attention_ref(0.3, True, False, False),
        ),
        (
            "sdpa_logsumexp_mask_sinks",
            "ScaledDotProductAttention",
            _sdpa_state(0.5, False, True, True),
            [q, k, v, mask, sinks],
            [((1, 4, 3, 8), F), ((1, 4, 3, 1), F)],
            attention_ref(0.5, False, True, True),
        ),
        (
            "rms_norm",
            "RMSNorm",
            [("f", 1e-5)],
            [xn, wn],
            [(xn.shape, F)],
            lambda mx, x, w: (mx.fast.rms_norm(x, w, 1e-5),),
        ),
        (
            "layer_norm",
            "LayerNorm",
            [("f", 1e-4)],
            [xn, wn, bn],
            [(xn.shape, F)],
            lambda mx, x, w, b: (mx.fast.layer_norm(x, w, b, 1e-4),),
        ),
        (
            "rms_norm_vjp",
            "RMSNormVJP",
            [("f", 1e-5)],
            [xn, wn, gn],
            [(xn.shape, F), (wn.shape, F)],
            norm_vjp_ref(False, 1e-5, True, False),
        ),
        (
            "layer_norm_vjp",
            "LayerNormVJP",
            [("f", 1e-5)],
            [xn, wn, bn, gn],
            [(xn.shape, F), (wn.shape, F), (bn.shape, F)],
            norm_vjp_ref(True, 1e-5, True, True),
        ),
        (
            "layer_norm_vjp_no_weight",
            "LayerNormVJP",
            [("f", 1e-5)],
            [xn, np.array(1.0, np.float32), np.array(0.0, np.float32), gn],
            [(xn.shape, F), ((), F), ((), F)],
            norm_vjp_ref(True, 1e-5, False, False),
        ),
    ]


def dtype_name(a):
    return {np.dtype(np.float32): "float32", np.dtype(np.int32): "int32", np.dtype(np.bool_): "bool"}[a.dtype]
