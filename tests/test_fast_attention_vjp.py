"""The gradients of mx.fast.scaled_dot_product_attention without a mask
array or sinks, which one blockwise node (ScaledDotProductAttentionVJP)
computes: against the same attention written with ops in float64, across
the kernel's query (64) and key (256) blocks, grouped heads, L < S, every
float dtype; its own rules (second order, vmap) and its export."""

import io
import re

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(7)


def rand(*shape):
    return mx.array(RNG.standard_normal(shape).astype(np.float32))


def composed(q, k, v, scale, causal):
    """Attention with ops (grouped heads by repeat), in q's dtype."""
    group = q.shape[1] // k.shape[1]
    k, v = mx.repeat(k, group, axis=1), mx.repeat(v, group, axis=1)
    s = (q @ k.swapaxes(-1, -2)) * scale
    if causal:
        L, S = q.shape[2], k.shape[2]
        keep = mx.arange(S)[None] <= mx.arange(L)[:, None] + (S - L)
        s = mx.where(keep, s, -np.inf)
    return mx.softmax(s, axis=-1) @ v


def grads(fn, q, k, v, cot):
    return mx.grad(lambda q, k, v: (fn(q, k, v) * cot).sum(), argnums=(0, 1, 2))(q, k, v)


def fast(scale, causal):
    mask = "causal" if causal else None
    return lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)


def labels(arrays):
    s = io.StringIO()
    mx.export_to_dot(s, *arrays)
    return re.findall(r'label ="([^"]+)"', s.getvalue())


SHAPES = [
    # (B, Hq, Hkv, L, S, D, Dv)
    (2, 4, 2, 150, 600, 16, 8),  # grouped heads, L < S, several blocks
    (1, 2, 2, 130, 130, 16, 16),  # L == S
    (1, 3, 1, 1, 300, 8, 8),  # one query (decoding)
    (1, 1, 1, 65, 257, 4, 5),  # one past each block size
]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_match_the_composed_attention(shape, causal):
    B, Hq, Hkv, L, S, D, Dv = shape
    q, k, v, cot = rand(B, Hq, L, D), rand(B, Hkv, S, D), rand(B, Hkv, S, Dv), rand(B, Hq, L, Dv)
    scale = D**-0.5
    got = grads(fast(scale, causal), q, k, v, cot)
    assert "ScaledDotProductAttentionVJP" in labels(got)
    want = grads(lambda *a: composed(*a, scale, causal), *(x.astype(mx.float64) for x in (q, k, v)), cot)
    for g, w, x in zip(got, want, (q, k, v)):
        assert g.dtype == x.dtype and g.shape == x.shape
        np.testing.assert_allclose(np.array(g), np.array(w), rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float64])
def test_dtypes(dtype):
    q, k, v, cot = rand(1, 2, 70, 16), rand(1, 2, 90, 16), rand(1, 2, 90, 16), rand(1, 2, 70, 16)
    want = grads(fast(0.25, True), q, k, v, cot)
    got = grads(fast(0.25, True), *(x.astype(dtype) for x in (q, k, v)), cot.astype(dtype))
    tol = {mx.float16: 2e-2, mx.bfloat16: 8e-2, mx.float64: 1e-5}[dtype]
    for g, w in zip(got, want):
        assert g.dtype == dtype
        np.testing.assert_allclose(np.array(g.astype(mx.float32)), np.array(w), rtol=tol, atol=tol)
    exact = grads(lambda *a: composed(*a, 0.25, True), *(x.astype(mx.float64) for x in (q, k, v)), cot)
    got64 = grads(fast(0.25, True), *(x.astype(mx.float64) for x in (q, k, v)), cot)
    for g, w in zip(got64, exact):
        np.testing.assert_allclose(np.array(g), np.array(w), rtol=1e-10, atol=1e-12)


def test_transposed_inputs_and_other_cases_fall_back():
    q, k, v, cot = rand(1, 2, 40, 8), rand(1, 2, 50, 8), rand(1, 2, 50, 8), rand(1, 2, 40, 8)
    qt = q.swapaxes(1, 2).reshape(1, 40, 2, 8).swapaxes(1, 2)  # non-contiguous
    got = grads(fast(0.3, False), qt, k, v, cot)
    want = grads(lambda *a: composed(*a, 0.3, False), q, k, v, cot)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.array(g), np.array(w), rtol=2e-4, atol=2e-5)
    # More queries than keys with a causal mask (rows that see no key) keeps
    # the reference gradient, as do mask arrays.
    q6 = rand(1, 2, 60, 8)
    g = grads(fast(0.3, True), q6, k[:, :, :20], v[:, :, :20], rand(1, 2, 60, 8))
    assert "ScaledDotProductAttentionVJP" not in labels(g)


def test_second_order_and_vmap():
    q, k, v, cot = rand(1, 2, 9, 4), rand(1, 1, 11, 4), rand(1, 1, 11, 4), rand(1, 2, 9, 4)

    def outer(fn):
        return mx.grad(lambda q: (grads(fn, q, k, v, cot)[1] ** 2).sum())(q)

    np.testing.assert_allclose(
        np.array(outer(fast(0.5, True))),
        np.array(outer(lambda *a: composed(*a, 0.5, True))),
        rtol=1e-4,
        atol=1e-5,
    )
    qs = rand(3, 1, 2, 9, 4)
    g = mx.vmap(lambda q: grads(fast(0.5, False), q, k, v, cot)[0])(qs)
    for i in range(3):
        want = grads(lambda *a: composed(*a, 0.5, False), qs[i], k, v, cot)[0]
        np.testing.assert_allclose(np.array(g[i]), np.array(want), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("native", ["0", "1"])
def test_export_of_the_gradient(tmp_path, monkeypatch, native):
    q, k, v, cot = rand(1, 2, 70, 8), rand(1, 2, 80, 8), rand(1, 2, 80, 8), rand(1, 2, 70, 8)
    fn = lambda q, k, v: grads(fast(0.3, True), q, k, v, cot)  # noqa: E731
    monkeypatch.setenv("MLX_EXPORT_NATIVE", native)
    path = str(tmp_path / "g.mlxfn")
    mx.export_function(path, fn, q, k, v)
    got = mx.import_function(path)(q, k, v)
    for g, w in zip(got, fn(q, k, v)):
        np.testing.assert_allclose(np.array(g), np.array(w), rtol=1e-4, atol=1e-5)
