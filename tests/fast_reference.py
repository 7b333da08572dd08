"""NumPy references of mx.fast (checked against MLX 0.32.4's outputs when
they were written; the tests compare the project to these)."""

import numpy as np


def rms_norm(x, w, eps):
    x = np.asarray(x, np.float64)
    y = x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)
    return y * w if w is not None else y


def layer_norm(x, w, b, eps):
    x = np.asarray(x, np.float64)
    y = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def rope(x, dims, traditional, base, scale, offset, freqs=None):
    x = np.asarray(x, np.float64)
    out = x.copy()
    t_len = x.shape[-2]
    half = dims // 2
    inv = base ** (-np.arange(half) * 2.0 / dims) if freqs is None else 1.0 / np.asarray(freqs, np.float64)
    offset = np.asarray(offset).reshape(-1)
    for bi in range(x.shape[0]):
        o = offset[bi] if offset.size > 1 else offset[0]
        ang = ((np.arange(t_len) + o) * scale)[:, None] * inv[None, :]
        c, s = np.cos(ang), np.sin(ang)
        xb = x[bi]
        if traditional:
            a, b = xb[..., 0:dims:2], xb[..., 1:dims:2]
            out[bi, ..., 0:dims:2] = a * c - b * s
            out[bi, ..., 1:dims:2] = a * s + b * c
        else:
            a, b = xb[..., :half], xb[..., half:dims]
            out[bi, ..., :half] = a * c - b * s
            out[bi, ..., half:dims] = a * s + b * c
    return out


def sdpa(q, k, v, scale, mask=None, sinks=None):
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    b, hq, l, d = q.shape
    hkv, s = k.shape[1], k.shape[2]
    rep = hq // hkv
    k = np.repeat(k, rep, axis=1)
    v = np.repeat(v, rep, axis=1)
    scores = q @ np.swapaxes(k, -1, -2) * scale
    # Masked keys score the lowest finite value (MLX): a fully masked row
    # attends uniformly to every key.
    low = np.finfo(np.float64).min
    if isinstance(mask, str):
        keep = np.arange(s)[None, :] <= np.arange(l)[:, None] + (s - l)
        scores = np.where(keep, scores, low)
    elif mask is not None and np.asarray(mask).dtype == bool:
        scores = np.where(mask, scores, low)
    elif mask is not None:
        scores = scores + mask
    m = scores.max(-1, keepdims=True)
    if sinks is not None:
        m = np.maximum(m, np.asarray(sinks, np.float64)[None, :, None, None])
    e = np.exp(scores - m)
    den = e.sum(-1, keepdims=True)
    if sinks is not None:
        den = den + np.exp(np.asarray(sinks, np.float64)[None, :, None, None] - m)
    return (e / den) @ v


def gated_delta(q, k, v, g, b, s0=None, mask=None):
    """o_t = S_t q_t with S_t = g_t S_{t-1} + b_t (v_t - g_t S_{t-1} k_t) k_t^T
    per (batch, value head); value head h reads key head h // (Hv / Hk);
    masked steps keep S and output zeros. S is (Dv, Dk)."""
    B, T, Hk, Dk = q.shape
    Hv, Dv = v.shape[2], v.shape[3]
    o = np.zeros((B, T, Hv, Dv))
    s = np.zeros((B, Hv, Dv, Dk)) if s0 is None else np.array(s0, np.float64)
    for bi in range(B):
        for h in range(Hv):
            hk = h // (Hv // Hk)
            S = s[bi, h].copy()
            for t in range(T):
                if mask is not None and not mask[bi, t]:
                    continue
                S = g[bi, t, h] * S
                S = S + b[bi, t, h] * np.outer(v[bi, t, h] - S @ k[bi, t, hk], k[bi, t, hk])
                o[bi, t, h] = S @ q[bi, t, hk]
            s[bi, h] = S
    return o, s
