"""mx.fast against NumPy references (tests/fast_reference.py, which agree
with MLX 0.32), gradients against finite differences, vmap against loops,
dtypes and errors."""

import numpy as np
import pytest

import mlx.core as mx

import fast_reference as R

RNG = np.random.default_rng(0)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(
        np.array(a.astype(mx.float32) if a.dtype != mx.float64 else a), b, rtol=tol, atol=tol
    )


@pytest.mark.parametrize("with_weight", [True, False])
def test_rms_norm(with_weight):
    x, w = f32(3, 5, 16), f32(16)
    out = mx.fast.rms_norm(mx.array(x), mx.array(w) if with_weight else None, 1e-5)
    close(out, R.rms_norm(x, w if with_weight else None, 1e-5))
    # Non-contiguous input, 16-bit types and promotion.
    xt = mx.array(x).transpose(1, 0, 2)
    close(mx.fast.rms_norm(xt, mx.array(w), 1e-5), R.rms_norm(x.transpose(1, 0, 2), w, 1e-5))
    assert mx.fast.rms_norm(mx.array(x).astype(mx.float16), mx.array(w), 1e-5).dtype == mx.float32
    h = mx.fast.rms_norm(mx.array(x).astype(mx.bfloat16), mx.array(w).astype(mx.bfloat16), 1e-5)
    assert h.dtype == mx.bfloat16
    close(h, R.rms_norm(x, w, 1e-5), tol=5e-2)
    # The promoted type must be floating (MLX 0.32.4): an int32 x alone is refused.
    assert mx.fast.rms_norm(mx.ones((2, 4), mx.int32), mx.ones(4), 1e-5).dtype == mx.float32
    for dt in (mx.int32, mx.complex64):
        with pytest.raises(ValueError, match=f"\\[rms_norm\\] Received unsupported type {str(dt)[9:]}"):
            mx.fast.rms_norm(mx.ones((2, 4), dt), None, 1e-5)


@pytest.mark.parametrize("w_on,b_on", [(True, True), (True, False), (False, True), (False, False)])
def test_layer_norm(w_on, b_on):
    x, w, b = f32(4, 33), f32(33), f32(33)
    out = mx.fast.layer_norm(mx.array(x), mx.array(w) if w_on else None, mx.array(b) if b_on else None, 1e-5)
    close(out, R.layer_norm(x, w if w_on else None, b if b_on else None, 1e-5), tol=2e-5)
    assert mx.fast.layer_norm(mx.array(x).astype(mx.float16), None, None, 1e-5).dtype == mx.float16
    assert mx.fast.layer_norm(mx.ones((2, 4), mx.int32), None, mx.ones(4), 1e-5).dtype == mx.float32
    with pytest.raises(ValueError, match=r"\[layer_norm\] Received unsupported type int32"):
        mx.fast.layer_norm(mx.ones((2, 4), mx.int32), None, None, 1e-5)


@pytest.mark.parametrize("dtype", [mx.int32, mx.uint8, mx.bool_, mx.complex64])
def test_fast_ops_need_floating_inputs(dtype):
    x = mx.ones((1, 2, 3, 8), dtype)
    name = str(dtype)[9:]
    with pytest.raises(ValueError, match=f"\\[rope\\] Input must be a floating type but got {name}"):
        mx.fast.rope(x, 8, traditional=False, base=10000.0, scale=1.0, offset=0)
    with pytest.raises(ValueError, match=f"Received unsupported type {name}"):
        mx.fast.scaled_dot_product_attention(x, x, x, scale=1.0)
    # A float operand promotes integer ones (sdpa), integer freqs are fine (rope).
    if dtype == mx.complex64:
        with pytest.raises(ValueError, match="Received unsupported type complex64"):
            mx.fast.scaled_dot_product_attention(x, mx.ones((1, 2, 3, 8)), x, scale=1.0)
    else:
        assert (
            mx.fast.scaled_dot_product_attention(x, mx.ones((1, 2, 3, 8)), x, scale=1.0).dtype == mx.float32
        )
    y = mx.fast.rope(
        mx.ones((1, 2, 3, 8), mx.float16),
        8,
        traditional=False,
        base=None,
        scale=1.0,
        offset=0,
        freqs=mx.ones(4, mx.int32),
    )
    assert y.dtype == mx.float16


def test_norms_past_the_cache_size():
    # Outputs of 32 MB or more are written with streaming stores
    # (backend/cpu/streaming.h); rows here are not a multiple of the block.
    x, w, b = f32(2051, 4099), f32(4099), f32(4099)
    close(mx.fast.rms_norm(mx.array(x), mx.array(w), 1e-5), R.rms_norm(x, w, 1e-5), tol=1e-4)
    close(
        mx.fast.layer_norm(mx.array(x), mx.array(w), mx.array(b), 1e-5), R.layer_norm(x, w, b, 1e-5), tol=1e-4
    )


@pytest.mark.parametrize(
    "dims,traditional,base,scale,offset",
    [
        (8, False, 10000.0, 1.0, 0),
        (8, True, 10000.0, 1.0, 0),
        (6, False, 500.0, 0.5, 3),
        (6, True, 500.0, 2.0, 7),
    ],
)
def test_rope(dims, traditional, base, scale, offset):
    x = f32(2, 3, 5, 8)
    out = mx.fast.rope(mx.array(x), dims, traditional=traditional, base=base, scale=scale, offset=offset)
    close(out, R.rope(x, dims, traditional, base, scale, offset))
    out = mx.fast.rope(
        mx.array(x), dims, traditional=traditional, base=base, scale=scale, offset=mx.array(offset)
    )
    close(out, R.rope(x, dims, traditional, base, scale, offset))


def test_rope_freqs_batch_offsets_and_dtypes():
    x = f32(2, 3, 5, 8)
    fr = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    close(
        mx.fast.rope(mx.array(x), 8, traditional=False, base=None, scale=1.0, offset=2, freqs=mx.array(fr)),
        R.rope(x, 8, False, None, 1.0, 2, fr),
    )
    close(
        mx.fast.rope(mx.array(x), 8, traditional=False, base=10000.0, scale=1.0, offset=mx.array([1, 4])),
        R.rope(x, 8, False, 10000.0, 1.0, [1, 4]),
    )
    h = mx.fast.rope(mx.array(x).astype(mx.float16), 8, traditional=True, base=10000.0, scale=1.0, offset=0)
    assert h.dtype == mx.float16
    close(h, R.rope(x, 8, True, 10000.0, 1.0, 0), tol=1e-2)


@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("offset", [0, 7000, 20000])
def test_rope_long_sequences(traditional, offset):
    # Angles up to 8192 take the vectorized sin/cos, larger ones the C
    # library's (through a table); both agree with the reference.
    # The angle is position * frequency rounded to float32, as MLX computes
    # it (at angle 8000 that rounding alone moves the result by ~5e-4).
    x = f32(2, 2, 1200, 20)
    pos = (np.arange(1200, dtype=np.float32) + np.float32(offset))[:, None]
    inv = (np.float32(10000.0) ** (-np.arange(8, dtype=np.float32) * np.float32(2 / 16))).astype(np.float32)
    ang = (pos * inv[None, :]).astype(np.float64)
    c, sn = np.cos(ang), np.sin(ang)
    a, b = (x[..., 0:16:2], x[..., 1:16:2]) if traditional else (x[..., :8], x[..., 8:16])
    want = x.astype(np.float64)
    lo, hi = (slice(0, 16, 2), slice(1, 16, 2)) if traditional else (slice(0, 8), slice(8, 16))
    want[..., lo], want[..., hi] = a * c - b * sn, a * sn + b * c
    out = mx.fast.rope(mx.array(x), 16, traditional=traditional, base=10000.0, scale=1.0, offset=offset)
    close(out, want, tol=2e-5)
    out = mx.fast.rope(
        mx.array(x).astype(mx.bfloat16), 16, traditional=traditional, base=10000.0, scale=1.0, offset=offset
    )
    assert out.dtype == mx.bfloat16
    close(out, want, tol=5e-2)


MASKS = ["none", "causal", "bool", "additive"]


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("use_sinks", [False, True])
def test_sdpa(mask, use_sinks):
    q, k, v = f32(2, 4, 3, 8), f32(2, 2, 5, 8), f32(2, 2, 5, 6)
    sinks = f32(4) if use_sinks else None
    m = {"none": None, "causal": "causal", "bool": RNG.random((3, 5)) > 0.3, "additive": f32(2, 1, 3, 5)}[
        mask
    ]
    if mask == "bool":
        m[:, 0] = True
    mm = mx.array(m) if isinstance(m, np.ndarray) else m
    out = mx.fast.scaled_dot_product_attention(
        mx.array(q),
        mx.array(k),
        mx.array(v),
        scale=0.3,
        mask=mm,
        sinks=None if sinks is None else mx.array(sinks),
    )
    assert out.shape == (2, 4, 3, 6)
    close(out, R.sdpa(q, k, v, 0.3, m, sinks))


@pytest.mark.parametrize("mask", ["none", "causal", "bool", "additive"])
def test_sdpa_fused_blocks(mask):
    # Query blocks of 64 and key blocks of 256: lengths across both, L < S
    # (a prompt after a cache), grouped heads, sinks, broadcast masks.
    q, k, v = f32(2, 4, 150, 16), f32(2, 2, 600, 16), f32(2, 2, 600, 8)
    m = {
        "none": None,
        "causal": "causal",
        "bool": RNG.random((1, 150, 600)) > 0.5,
        "additive": f32(2, 1, 1, 600),
    }[mask]
    mm = mx.array(m) if isinstance(m, np.ndarray) else m
    sinks = f32(4)
    for s in (None, sinks):
        out = mx.fast.scaled_dot_product_attention(
            mx.array(q),
            mx.array(k),
            mx.array(v),
            scale=0.25,
            mask=mm,
            sinks=None if s is None else mx.array(s),
        )
        close(out, R.sdpa(q, k, v, 0.25, m, s), tol=2e-5)
    q64 = mx.array(q.astype(np.float64))
    out = mx.fast.scaled_dot_product_attention(
        q64, mx.array(k).astype(mx.float64), mx.array(v).astype(mx.float64), scale=0.25, mask=mm
    )
    assert out.dtype == mx.float64
    np.testing.assert_allclose(np.array(out), R.sdpa(q, k, v, 0.25, m), rtol=1e-10, atol=1e-10)


def test_sdpa_masked_rows_and_transposed_inputs():
    q, k, v = f32(1, 2, 4, 8), f32(1, 2, 5, 8), f32(1, 2, 5, 8)
    m = np.ones((4, 5), bool)
    m[1] = False  # a row with every key masked: the mean of v (MLX 0.32.4), not NaN
    out = mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(m)
    )
    close(out, R.sdpa(q, k, v, 0.5, m))
    np.testing.assert_allclose(np.array(out)[:, :, 1], v.mean(axis=2), rtol=1e-5, atol=1e-6)
    # A scalar False mask (every row), causal with more queries than keys, float16.
    none = mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(False)
    )
    np.testing.assert_allclose(
        np.array(none), np.broadcast_to(v.mean(2, keepdims=True), none.shape), rtol=1e-5
    )
    half = mx.fast.scaled_dot_product_attention(
        *(mx.array(a).astype(mx.float16) for a in (q, k, v)), scale=0.5, mask=mx.array(False)
    )
    assert half.dtype == mx.float16 and not mx.isnan(half).any().item()
    q6 = f32(1, 2, 6, 8)
    close(
        mx.fast.scaled_dot_product_attention(
            mx.array(q6), mx.array(k[:, :, :3]), mx.array(v[:, :, :3]), scale=0.5, mask="causal"
        ),
        R.sdpa(q6, k[:, :, :3], v[:, :, :3], 0.5, "causal"),
    )
    # The gradient of a fully masked row reaches neither q nor k (MLX: zeros).
    g = mx.grad(
        lambda q: mx.fast.scaled_dot_product_attention(
            q, mx.array(k), mx.array(v), scale=0.5, mask=mx.array(False)
        ).sum()
    )(mx.array(q))
    np.testing.assert_array_equal(np.array(g), 0)
    # An additive -inf row stays NaN, as in MLX.
    inf_mask = mx.full((4, 5), -np.inf)
    assert (
        mx.isnan(
            mx.fast.scaled_dot_product_attention(
                mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=inf_mask
            )
        )
        .all()
        .item()
    )
    with_sink = mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(m), sinks=mx.array(f32(2))
    )
    np.testing.assert_array_equal(np.array(with_sink)[:, :, 1], 0)
    # Non-contiguous q, k, v (a layout that needs a copy).
    qt = mx.array(q.transpose(0, 2, 1, 3).copy()).transpose(0, 2, 1, 3)
    close(
        mx.fast.scaled_dot_product_attention(qt, mx.array(k), mx.array(v), scale=0.5, mask="causal"),
        R.sdpa(q, k, v, 0.5, "causal"),
    )


def test_sdpa_vjp_and_vmap():
    q, k, v = f32(1, 4, 70, 8), f32(1, 2, 300, 8), f32(1, 2, 300, 8)
    add = f32(1, 1, 70, 300)
    args = [mx.array(a) for a in (q, k, v, add)]

    def fused(q, k, v, m):
        return (mx.fast.scaled_dot_product_attention(q, k, v, scale=0.3, mask=m) ** 2).sum()

    def composed(q, k, v, m):
        s = (mx.repeat(q, 1, 1).reshape(1, 2, 2, 70, 8) @ k[:, :, None].swapaxes(-1, -2)).reshape(
            1, 4, 70, 300
        )
        p = mx.softmax(s * 0.3 + m, axis=-1).reshape(1, 2, 2, 70, 300)
        return ((p @ v[:, :, None]).reshape(1, 4, 70, 8) ** 2).sum()

    g1 = mx.grad(fused, argnums=(0, 1, 2, 3))(*args)
    g2 = mx.grad(composed, argnums=(0, 1, 2, 3))(*args)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-4, atol=1e-5)
    # vmap over a leading axis of q with a mapped bool mask.
    qs, ms = mx.array(f32(3, 1, 2, 5, 8)), mx.array(RNG.random((3, 5, 6)) > 0.3)
    kk, vv = mx.array(f32(1, 2, 6, 8)), mx.array(f32(1, 2, 6, 8))
    f = lambda q, m: mx.fast.scaled_dot_product_attention(q, kk, vv, scale=0.3, mask=m)
    out = mx.vmap(f)(qs, ms)
    for i in range(3):
        np.testing.assert_allclose(np.array(out[i]), np.array(f(qs[i], ms[i])), rtol=1e-5, atol=1e-6)


def test_sdpa_half_and_decode_shapes():
    q, k, v = f32(1, 8, 1, 16), f32(1, 2, 9, 16), f32(1, 2, 9, 16)
    out = mx.fast.scaled_dot_product_attention(
        *(mx.array(a).astype(mx.bfloat16) for a in (q, k, v)), scale=0.25, mask="causal"
    )
    assert out.dtype == mx.bfloat16
    close(out, R.sdpa(q, k, v, 0.25, "causal"), tol=5e-2)


@pytest.mark.parametrize(
    "L, group, D, Dv",
    [
        (1, 3, 12, 15),
        (2, 4, 16, 19),
        (3, 3, 8, 11),
        (1, 8, 64, 67),
        (5, 2, 7, 10),
        (1, 3, 64, 64),
        (2, 4, 128, 72),
    ],
)
@pytest.mark.parametrize("mask", MASKS)
def test_sdpa_grouped_heads_per_task(L, group, D, Dv, mask):
    # Short queries: one task holds the heads of a kv group (rows of several
    # heads), with direct loops up to 8 rows (AVX2 ones when D and Dv are
    # multiples of 8) and a GEMM past them; masks and sinks differ per head.
    Hkv, S = 2, 37
    q, k, v = f32(2, Hkv * group, L, D), f32(2, Hkv, S, D), f32(2, Hkv, S, Dv)
    m = {
        "none": None,
        "causal": "causal",
        "bool": RNG.random((2, Hkv * group, L, S)) > 0.4,
        "additive": f32(1, Hkv * group, L, S),
    }[mask]
    mm = mx.array(m) if isinstance(m, np.ndarray) else m
    for s in (None, f32(Hkv * group)):
        out = mx.fast.scaled_dot_product_attention(
            mx.array(q),
            mx.array(k),
            mx.array(v),
            scale=0.4,
            mask=mm,
            sinks=None if s is None else mx.array(s),
        )
        close(out, R.sdpa(q, k, v, 0.4, m, s), tol=2e-5)


def test_sdpa_reads_kv_cache_slices():
    # Keys and values sliced from a larger buffer (a KV cache) are read in
    # place through their head strides; broadcast heads too.
    q = f32(2, 6, 1, 16)
    kb, vb = f32(2, 3, 256, 16), f32(2, 3, 256, 8)
    k, v = mx.array(kb)[:, :, :37], mx.array(vb)[:, :, :37]
    out = mx.fast.scaled_dot_product_attention(mx.array(q), k, v, scale=0.3)
    close(out, R.sdpa(q, kb[:, :, :37], vb[:, :, :37], 0.3, None))
    kbc = mx.broadcast_to(mx.array(kb[:1, :1]), (2, 3, 256, 16))[:, :, 5:40]
    out = mx.fast.scaled_dot_product_attention(mx.array(q), kbc, v[:, :, :35], scale=0.3, mask="causal")
    want_k = np.broadcast_to(kb[:1, :1], (2, 3, 256, 16))[:, :, 5:40]
    close(out, R.sdpa(q, want_k, vb[:, :, :35], 0.3, "causal"))


def test_cross_entropy():
    logits, t = f32(6, 10), RNG.integers(0, 10, 6)
    ref = np.log(np.exp(logits.astype(np.float64)).sum(-1)) - logits[np.arange(6), t]
    close(mx.fast.cross_entropy(mx.array(logits), mx.array(t)), ref)
    assert mx.fast.cross_entropy(mx.array(logits).astype(mx.float16), mx.array(t)).dtype == mx.float32


def test_cross_entropy_fused_rules():
    # Large rows, leading dims, negative targets (from the end), float64,
    # non-contiguous logits; gradients (first and second order), jvp, vmap.
    logits, t = f32(3, 5, 1000), RNG.integers(-1000, 1000, (3, 5))
    x64 = logits.astype(np.float64)
    ref = (
        np.log(np.exp(x64 - x64.max(-1, keepdims=True)).sum(-1))
        + x64.max(-1)
        - np.take_along_axis(x64, (t % 1000)[..., None], -1)[..., 0]
    )
    close(mx.fast.cross_entropy(mx.array(logits), mx.array(t)), ref, tol=1e-5)
    out64 = mx.fast.cross_entropy(mx.array(x64, mx.float64), mx.array(t))
    assert out64.dtype == mx.float64
    np.testing.assert_allclose(np.array(out64), ref, rtol=1e-12)
    lt = mx.array(np.ascontiguousarray(logits.transpose(1, 0, 2))).transpose(1, 0, 2)
    close(mx.fast.cross_entropy(lt, mx.array(t)), ref, tol=1e-5)
    with pytest.raises(ValueError, match=r"\[cross_entropy\]"):
        mx.fast.cross_entropy(mx.ones((2, 0)), mx.array([0, 0]))

    small, ts = RNG.standard_normal((4, 7)), mx.array(RNG.integers(0, 7, 4))
    fd_check(lambda x: mx.fast.cross_entropy(x, ts), [small], 0)
    # The gradient's own gradient (CrossEntropyGrad's vjp) against the
    # composed loss.
    composed = lambda x: mx.logsumexp(x, axis=-1) - mx.take_along_axis(x, ts[:, None], -1)[:, 0]
    w = mx.array(RNG.standard_normal((4, 7)), mx.float64)
    hv = lambda f: mx.grad(lambda x: (mx.grad(lambda y: (f(y) ** 2).sum())(x) * w).sum())(
        mx.array(small, mx.float64)
    )
    np.testing.assert_allclose(
        np.array(hv(lambda x: mx.fast.cross_entropy(x, ts))), np.array(hv(composed)), rtol=1e-10, atol=1e-12
    )
    tan = mx.array(RNG.standard_normal((4, 7)), mx.float64)
    x0 = mx.array(small, mx.float64)
    _, j1 = mx.jvp(lambda x: mx.fast.cross_entropy(x, ts), [x0], [tan])
    _, j2 = mx.jvp(composed, [x0], [tan])
    np.testing.assert_allclose(np.array(j1[0]), np.array(j2[0]), rtol=1e-10)
    xs, tb = mx.array(f32(4, 3, 9)), mx.array(RNG.integers(0, 9, (3, 4)))
    out = mx.vmap(mx.fast.cross_entropy, in_axes=(0, 1))(xs, tb)
    for i in range(4):
        np.testing.assert_allclose(
            np.array(out[i]), np.array(mx.fast.cross_entropy(xs[i], tb[:, i])), rtol=1e-6
        )
    g = mx.vmap(mx.grad(lambda x, t: mx.fast.cross_entropy(x, t).sum()))(xs, tb.T)
    for i in range(4):
        gi = mx.grad(lambda x: mx.fast.cross_entropy(x, tb[:, i]).sum())(xs[i])
        np.testing.assert_allclose(np.array(g[i]), np.array(gi), rtol=1e-6, atol=1e-7)


def fd_check(f, args, argnum, eps=1e-6, tol=1e-6):
    """vjp and jvp of f (float64) at args against central differences."""
    args = [mx.array(a, mx.float64) if isinstance(a, np.ndarray) else a for a in args]
    out = f(*args)
    cot = mx.array(RNG.standard_normal(out.shape), mx.float64)
    g = mx.grad(lambda *a: (f(*a) * cot).sum(), argnums=argnum)(*args)
    x = np.array(args[argnum])
    fd = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        up = list(args)
        dn = list(args)
        up[argnum] = mx.array(x + d, mx.float64)
        dn[argnum] = mx.array(x - d, mx.float64)
        fd[i] = ((f(*up) - f(*dn)) * cot).sum().item() / (2 * eps)
    np.testing.assert_allclose(np.array(g), fd, rtol=tol, atol=tol)
    tan = RNG.standard_normal(x.shape)
    _, (t,) = mx.jvp(
        lambda a: f(*(args[:argnum] + [a] + args[argnum + 1 :])), [args[argnum]], [mx.array(tan, mx.float64)]
    )
    up = list(args)
    dn = list(args)
    up[argnum] = mx.array(x + eps * tan, mx.float64)
    dn[argnum] = mx.array(x - eps * tan, mx.float64)
    np.testing.assert_allclose(
        np.array(t), (np.array(f(*up)) - np.array(f(*dn))) / (2 * eps), rtol=tol, atol=tol
    )


def test_gradients():
    x, w, b = RNG.standard_normal((3, 6)), RNG.standard_normal(6), RNG.standard_normal(6)
    for argnum in (0, 1):
        fd_check(lambda x, w: mx.fast.rms_norm(x, w, 1e-5), [x, w], argnum)
    fd_check(lambda x: mx.fast.rms_norm(x, None, 1e-5), [x], 0)
    for argnum in (0, 1, 2):
        fd_check(lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5), [x, w, b], argnum)
    fd_check(lambda x: mx.fast.layer_norm(x, None, None, 1e-5), [x], 0)
    xr = RNG.standard_normal((2, 2, 3, 8))
    for trad in (False, True):
        fd_check(lambda x: mx.fast.rope(x, 6, traditional=trad, base=100.0, scale=0.7, offset=2), [xr], 0)
    q, k, v = (
        RNG.standard_normal((1, 2, 3, 4)),
        RNG.standard_normal((1, 1, 4, 4)),
        RNG.standard_normal((1, 1, 4, 4)),
    )
    for argnum in (0, 1, 2):
        fd_check(
            lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.5, mask="causal"),
            [q, k, v],
            argnum,
        )


def _composed_norm(layer):
    # The norms written with ops: their gradients come from the ops' rules.
    def f(x, w, b, eps=1e-5):
        c = x - mx.mean(x, axis=-1, keepdims=True) if layer else x
        y = c * mx.rsqrt(mx.mean(c * c, axis=-1, keepdims=True) + eps)
        y = y * w if w is not None else y
        return y + b if b is not None else y

    return f


@pytest.mark.parametrize(
    "layer,w_on,b_on",
    [
        (False, True, False),
        (False, False, False),
        (True, True, True),
        (True, True, False),
        (True, False, True),
        (True, False, False),
    ],
)
def test_norm_vjp_fused_matches_ops(layer, w_on, b_on):
    # The vjp is one fused NormGrad node; it must equal the gradient of the
    # norm written with ops, also over many rows (several row ranges, whose
    # weight and bias sums are added in order: bit-identical when rerun),
    # and to second order.
    rng = np.random.default_rng(7)
    x = mx.array(rng.standard_normal((3, 50, 37)))
    w = mx.array(rng.standard_normal(37)) if w_on else None
    b = mx.array(rng.standard_normal(37)) if b_on else None
    cot = mx.array(rng.standard_normal((3, 50, 37)))
    fast = (
        (lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5))
        if layer
        else (lambda x, w, b: mx.fast.rms_norm(x, w, 1e-5))
    )
    ref = _composed_norm(layer)
    args = [a for a in (x, w, b) if a is not None]

    def call(f):
        def g(*a):
            it = iter(a)
            return f(next(it), next(it) if w_on else None, next(it) if b_on else None)

        return g

    for dtype, tol in [(mx.float64, 1e-10), (mx.float32, 1e-4)]:
        a = [v.astype(dtype) for v in args]
        got = mx.vjp(call(fast), a, [cot.astype(dtype)])[1]
        want = mx.vjp(call(ref), a, [cot.astype(dtype)])[1]
        for gv, wv in zip(got, want):
            assert gv.dtype == dtype
            np.testing.assert_allclose(np.array(gv), np.array(wv), rtol=tol, atol=tol)
    again = mx.vjp(call(fast), [v.astype(mx.float32) for v in args], [cot.astype(mx.float32)])[1]
    first = mx.vjp(call(fast), [v.astype(mx.float32) for v in args], [cot.astype(mx.float32)])[1]
    for p, q in zip(again, first):
        assert mx.array_equal(p, q).item()
    # Second order: the gradient of a function of the gradient.
    a64 = [v.astype(mx.float64) for v in args]
    cot64 = cot.astype(mx.float64)

    def second(f):
        return lambda *a: (mx.grad(lambda *z: (call(f)(*z) * cot64).sum())(*a) ** 2).sum()

    np.testing.assert_allclose(
        np.array(mx.grad(second(fast))(*a64)), np.array(mx.grad(second(ref))(*a64)), rtol=1e-8, atol=1e-8
    )


def test_norm_vjp_half_types_vmap_and_empty():
    rng = np.random.default_rng(8)
    x, w, b, cot = f32(6, 40), f32(40), f32(40), f32(6, 40)
    for dtype in (mx.float16, mx.bfloat16):
        got = mx.vjp(
            lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5),
            [mx.array(v).astype(dtype) for v in (x, w, b)],
            [mx.array(cot).astype(dtype)],
        )[1]
        want = mx.vjp(
            lambda x, w, b: _composed_norm(True)(x, w, b), [mx.array(v) for v in (x, w, b)], [mx.array(cot)]
        )[1]
        for gv, wv in zip(got, want):
            assert gv.dtype == dtype
            np.testing.assert_allclose(np.array(gv.astype(mx.float32)), np.array(wv), rtol=5e-2, atol=5e-2)
    # vmap of the gradient: per-entry weight gradients must not mix entries.
    xs = mx.array(rng.standard_normal((4, 5, 16)).astype(np.float32))
    wv = mx.array(rng.standard_normal(16).astype(np.float32))
    gw = lambda x: mx.grad(lambda w: (mx.fast.rms_norm(x, w, 1e-5) ** 2).sum())(wv)
    out = mx.vmap(gw)(xs)
    for i in range(4):
        np.testing.assert_allclose(np.array(out[i]), np.array(gw(xs[i])), rtol=1e-5, atol=1e-5)
    # No rows: the weight and bias gradients are zeros.
    g = mx.grad(lambda w, b: mx.fast.layer_norm(mx.zeros((0, 8)), w, b, 1e-5).sum(), argnums=(0, 1))(
        mx.ones(8), mx.ones(8)
    )
    assert all(np.array_equal(np.array(v), np.zeros(8, np.float32)) for v in g)


def test_vmap_matches_loop():
    x, w = mx.array(f32(4, 3, 8)), mx.array(f32(4, 8))
    cases = [
        (lambda x: mx.fast.rms_norm(x, w[0], 1e-5), (x,), (1,)),
        (lambda x, w: mx.fast.rms_norm(x, w, 1e-5), (x, w), (0, 0)),
        (lambda x, w: mx.fast.layer_norm(x, w, w, 1e-5), (x, w[:3]), (1, 0)),
        (
            lambda x: mx.fast.rope(x, 8, traditional=False, base=10000.0, scale=1.0, offset=3),
            (x[:, None],),
            (0,),
        ),
    ]
    for f, args, axes in cases:
        out = mx.vmap(f, in_axes=axes)(*args)
        for i in range(args[0].shape[axes[0]]):
            sl = [mx.take(a, i, axis=ax) for a, ax in zip(args, axes)]
            np.testing.assert_allclose(np.array(out[i]), np.array(f(*sl)), rtol=1e-5, atol=1e-5)


def test_errors_as_mlx():
    x = mx.ones((2, 8))
    with pytest.raises(ValueError, match=r"\[rms_norm\] \(\*weight\) must have the same size"):
        mx.fast.rms_norm(x, mx.ones(4), 1e-5)
    with pytest.raises(ValueError, match=r"\[rms_norm\] \(\*weight\) must have 1 dimension"):
        mx.fast.rms_norm(x, mx.ones((2, 8)), 1e-5)
    r = mx.ones((1, 2, 4, 8))
    with pytest.raises(ValueError, match=r"\[rope\] Only one of base or freqs"):
        mx.fast.rope(r, 8, traditional=False, base=10000.0, scale=1.0, offset=0, freqs=mx.ones(4))
    with pytest.raises(ValueError, match=r"\[rope\] dims must be even"):
        mx.fast.rope(r, 7, traditional=False, base=10000.0, scale=1.0, offset=0)
    with pytest.raises(ValueError, match=r"\[rope\] Input must have at least 3 dimensions"):
        mx.fast.rope(mx.ones(8), 8, traditional=False, base=10000.0, scale=1.0, offset=0)
    with pytest.raises(ValueError, match=r"offset must be a scalar or vector"):
        mx.fast.rope(r, 8, traditional=False, base=10000.0, scale=1.0, offset=mx.array([1, 2]))
    q, k = mx.ones((1, 4, 3, 8)), mx.ones((1, 3, 5, 8))
    with pytest.raises(ValueError, match=r"n_heads must be a multiple of n_kv_heads"):
        mx.fast.scaled_dot_product_attention(q, k, k, scale=0.3)
    with pytest.raises(ValueError, match=r"invalid mask option 'bad'"):
        mx.fast.scaled_dot_product_attention(
            q, mx.ones((1, 2, 5, 8)), mx.ones((1, 2, 5, 8)), scale=0.3, mask="bad"
        )
    # sinks: one per query head, of a type that promotes to the output's;
    # an additive mask likewise (MLX 0.32.4's messages).
    q2, k2 = mx.ones((1, 2, 3, 4)), mx.ones((1, 2, 5, 4))
    sdpa = mx.fast.scaled_dot_product_attention
    for shape in [(3,), (), (1,), (2, 1)]:
        with pytest.raises(ValueError, match=r"Received invalid shape for sinks"):
            sdpa(q2, k2, k2, scale=1.0, sinks=mx.zeros(shape))
    h2 = q2.astype(mx.float16), k2.astype(mx.float16), k2.astype(mx.float16)
    for dt in (mx.float32, mx.bfloat16):
        with pytest.raises(ValueError, match=r"Type of sinks must promote to output type float16"):
            sdpa(*h2, scale=1.0, sinks=mx.zeros((2,), dt))
    with pytest.raises(ValueError, match=r"Type of sinks must promote to output type float32"):
        sdpa(q2, k2, k2, scale=1.0, sinks=mx.zeros((2,), mx.float64))
    with pytest.raises(ValueError, match=r"Mask type must promote to output type float16"):
        sdpa(*h2, scale=1.0, mask=mx.zeros((3, 5)))
    assert sdpa(*h2, scale=1.0, sinks=mx.zeros((2,), mx.int32)).dtype == mx.float16
    assert sdpa(q2, k2, k2, scale=1.0, sinks=mx.zeros((2,), mx.float16)).dtype == mx.float32
    assert sdpa(q2, k2, k2, scale=1.0, mask=mx.zeros((3, 5), mx.int32)).dtype == mx.float32
    with pytest.raises(RuntimeError, match=r"\[cuda_kernel\] No CUDA back-end"):
        mx.fast.cuda_kernel(name="k", input_names=["a"], output_names=["b"], source="")
    k = mx.fast.metal_kernel(name="k", input_names=["a"], output_names=["b"], source="")
    with pytest.raises(RuntimeError, match=r"\[metal_kernel\] No Metal back-end"):
        k(
            inputs=[mx.ones(2)],
            output_shapes=[(2,)],
            output_dtypes=[mx.float32],
            grid=(1, 1, 1),
            threadgroup=(1, 1, 1),
        )


@pytest.mark.parametrize("with_state,with_mask", [(False, False), (True, False), (True, True)])
def test_gated_delta_update(with_state, with_mask):
    B, T, Hk, Hv, Dk, Dv = 2, 5, 2, 4, 3, 2
    q, k, v = f32(B, T, Hk, Dk), f32(B, T, Hk, Dk), f32(B, T, Hv, Dv)
    g = RNG.uniform(0.5, 1, (B, T, Hv)).astype(np.float32)
    b = RNG.uniform(0, 1, (B, T, Hv)).astype(np.float32)
    s0 = f32(B, Hv, Dv, Dk) if with_state else None
    mask = np.array([[1, 1, 0, 1, 1], [1, 0, 1, 1, 0]], bool) if with_mask else None
    o, s = mx.fast.gated_delta_update(
        *(mx.array(a) for a in (q, k, v, g, b)),
        None if s0 is None else mx.array(s0),
        None if mask is None else mx.array(mask),
    )
    ro, rs = R.gated_delta(q, k, v, g, b, s0, mask)
    assert o.shape == (B, T, Hv, Dv) and s.shape == (B, Hv, Dv, Dk)
    close(o, ro)
    close(s, rs)


def test_gated_delta_gradients_and_vmap():
    B, T, H, Dk, Dv = 1, 3, 1, 2, 2
    args = [
        RNG.standard_normal((B, T, H, Dk)),
        RNG.standard_normal((B, T, H, Dk)),
        RNG.standard_normal((B, T, H, Dv)),
        RNG.uniform(0.5, 1, (B, T, H)),
        RNG.uniform(0, 1, (B, T, H)),
        RNG.standard_normal((B, H, Dv, Dk)),
    ]
    for argnum in range(6):
        fd_check(lambda *a: mx.fast.gated_delta_update(*a)[0], args, argnum)
    fd_check(lambda *a: mx.fast.gated_delta_update(*a)[1], args, 2)
    xs = [mx.array(np.stack([a] * 3).astype(np.float32)) for a in args]
    out = mx.vmap(lambda *a: mx.fast.gated_delta_update(*a)[0])(*xs)
    for i in range(3):
        close(out[i], np.array(mx.fast.gated_delta_update(*[x[i] for x in xs])[0]))
