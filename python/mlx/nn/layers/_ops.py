"""Composite ops the layers need, built from mlx.core primitives.

Each helper uses the mlx.core (or mlx.core.fast) op when the extension
provides it and otherwise composes it from basic ops with the same result.
"""

import math

import mlx.core as mx


def _fast(name):
    fast = getattr(mx, "fast", None)
    return getattr(fast, name, None) if fast is not None else None


def _out_type(x, *others):
    dt = x.dtype
    for o in others:
        if o is not None:
            dt = (mx.zeros((), dt) + mx.zeros((), o.dtype)).dtype
    return dt


def softmax(x, axis=-1):
    if hasattr(mx, "softmax"):
        return mx.softmax(x, axis=axis)
    m = mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    e = mx.exp(x - m)
    return e / mx.sum(e, axis=axis, keepdims=True)


def addmm(c, a, b):
    if hasattr(mx, "addmm"):
        return mx.addmm(c, a, b)
    dt = _out_type(a, b, c)
    if dt in (mx.float16, mx.bfloat16):
        # mx.addmm rounds once, after adding c to the float32 product
        f32 = mx.float32
        return (mx.matmul(a.astype(f32), b.astype(f32)) + c.astype(f32)).astype(dt)
    return mx.matmul(a, b) + c


def layer_norm(x, weight, bias, eps):
    fn = _fast("layer_norm")
    if fn is not None:
        return fn(x, weight, bias, eps)
    # like mx.fast.layer_norm: float32 inside, then the promoted type
    dt = _out_type(x, weight, bias)
    xf = x.astype(mx.float32) if x.dtype in (mx.float16, mx.bfloat16) else x
    mean = mx.mean(xf, axis=-1, keepdims=True)
    xc = xf - mean
    var = mx.mean(mx.square(xc), axis=-1, keepdims=True)
    y = (xc * mx.rsqrt(var + eps)).astype(dt)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(x, weight, eps):
    fn = _fast("rms_norm")
    if fn is not None:
        return fn(x, weight, eps)
    dt = _out_type(x, weight)
    xf = x.astype(mx.float32) if x.dtype in (mx.float16, mx.bfloat16) else x
    y = (xf * mx.rsqrt(mx.mean(mx.square(xf), axis=-1, keepdims=True) + eps)).astype(dt)
    if weight is not None:
        y = y * weight
    return y


def rope(x, dims, traditional, base, scale, offset):
    fn = _fast("rope")
    if fn is not None:
        return fn(x, dims, traditional=traditional, base=base, scale=scale, offset=offset)
    if x.ndim < 3:
        raise ValueError(
            "[rope] Input must have at least 3 dimensions but got input with "
            f"{x.ndim} dimensions."
        )
    L = x.shape[-2]
    half = dims // 2
    positions = (mx.arange(L).astype(mx.float32) + offset) * scale
    inv_freq = mx.exp(
        -mx.arange(half).astype(mx.float32) * (math.log(base) / half)
    )
    theta = positions[:, None] * inv_freq[None, :]
    cos = mx.cos(theta).astype(x.dtype)
    sin = mx.sin(theta).astype(x.dtype)
    rot, rest = x[..., :dims], x[..., dims:]
    if traditional:
        pairs = mx.unflatten(rot, -1, (half, 2))
        x1, x2 = pairs[..., 0], pairs[..., 1]
        r1 = x1 * cos - x2 * sin
        r2 = x1 * sin + x2 * cos
        out = mx.flatten(mx.stack([r1, r2], axis=-1), -2, -1)
    else:
        x1, x2 = rot[..., :half], rot[..., half:]
        out = mx.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)
    if dims < x.shape[-1]:
        out = mx.concatenate([out, rest], axis=-1)
    return out


def scaled_dot_product_attention(q, k, v, scale, mask=None):
    fn = _fast("scaled_dot_product_attention")
    if fn is not None:
        return fn(q, k, v, scale=scale, mask=mask)
    n_q_heads, n_kv_heads = q.shape[-3], k.shape[-3]
    if n_q_heads != n_kv_heads:
        rep = n_q_heads // n_kv_heads
        k = mx.repeat(k, rep, axis=-3)
        v = mx.repeat(v, rep, axis=-3)
    scores = mx.matmul(q * scale, mx.swapaxes(k, -1, -2))
    if isinstance(mask, str):
        if mask != "causal":
            raise ValueError(f"[scaled_dot_product_attention] invalid mask option '{mask}'")
        qL, kL = scores.shape[-2], scores.shape[-1]
        qi = mx.arange(kL - qL, kL)[:, None]
        ki = mx.arange(kL)[None, :]
        mask = qi >= ki
    if mask is not None:
        if mask.dtype == mx.bool_:
            scores = mx.where(mask, scores, mx.array(-float("inf"), scores.dtype))
        else:
            scores = scores + mask.astype(scores.dtype)
    return mx.matmul(softmax(scores.astype(mx.float32), axis=-1).astype(v.dtype), v)
