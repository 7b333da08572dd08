"""The quantized family: quantize/dequantize in every mode, quantized
products, their transforms, fp8 conversions, and the quantized nn layers.

Exact answers come from tests/data/quantized_mlx.safetensors, written by MLX
0.32.4 (tests/data/quantized_record_mlx.py) from the inputs stored in it."""

import pathlib

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from helpers import assert_raises
from mlx.utils import tree_flatten

DATA = pathlib.Path(__file__).parent / "data"
REC = mx.load(str(DATA / "quantized_mlx.safetensors"))
DTYPES = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16}
FP_MODES = ["mxfp4", "mxfp8", "nvfp4"]


def same(a, b, msg=""):
    """Bit-identical: shape, dtype and bytes."""
    assert a.shape == b.shape and a.dtype == b.dtype, f"{msg}: {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
    ua = mx.view(a, mx.uint8) if a.dtype.size > 1 else a
    ub = mx.view(b, mx.uint8) if b.dtype.size > 1 else b
    assert mx.array_equal(ua, ub).item(), msg


def close(a, b, tol):
    assert a.shape == b.shape and a.dtype == b.dtype
    assert mx.abs(a.astype(mx.float32) - b.astype(mx.float32)).max().item() <= tol


# ------------------------------------------------- recorded exact answers


@pytest.mark.parametrize("name", list(DTYPES))
@pytest.mark.parametrize("gs", [32, 64, 128])
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 8])
def test_affine_matches_mlx(name, gs, bits):
    w = REC["w"].astype(DTYPES[name])
    out = mx.quantize(w, gs, bits)
    assert isinstance(out, list) and len(out) == 3
    key = f"affine_{name}_{gs}_{bits}"
    for got, part in zip(out, ["q", "s", "b"]):
        same(got, REC[f"{key}_{part}"], f"{key}_{part}")
    same(mx.dequantize(*out, gs, bits), REC[key + "_deq"], key + "_deq")


@pytest.mark.parametrize("name", list(DTYPES))
@pytest.mark.parametrize("mode", FP_MODES)
def test_fp_modes_match_mlx(name, mode):
    w = REC["w"].astype(DTYPES[name])
    q, s = mx.quantize(w, mode=mode)
    key = f"{mode}_{name}"
    same(q, REC[key + "_q"], key)
    same(s, REC[key + "_s"], key)
    deq = mx.dequantize(q, s, mode=mode)
    assert deq.dtype == mx.bfloat16
    same(deq, REC[key + "_deq"], key)


@pytest.mark.parametrize("name", list(DTYPES))
def test_nvfp4_global_scale_matches_mlx(name):
    w = REC["w"].astype(DTYPES[name])
    g = mx.array(3.0)
    q, s = mx.quantize(w, mode="nvfp4", global_scale=g)
    same(q, REC[f"nvfp4g_{name}_q"])
    same(s, REC[f"nvfp4g_{name}_s"])
    same(mx.dequantize(q, s, mode="nvfp4", global_scale=g), REC[f"nvfp4g_{name}_deq"])


def test_fp8_matches_mlx():
    same(mx.to_fp8(REC["fp8_in"]), REC["to_fp8"])
    same(mx.from_fp8(mx.arange(256).astype(mx.uint8), mx.float32), REC["from_fp8"])
    assert mx.from_fp8(mx.array([56], mx.uint8)).dtype == mx.bfloat16
    assert_raises(lambda: mx.to_fp8(mx.array([1, 2])), ValueError, "[to_fp8]")
    assert_raises(lambda: mx.from_fp8(mx.array([1.0])), ValueError, "[from_fp8]")


def test_products_match_mlx():
    x, w = REC["x"], REC["w"]
    q, s, b = mx.quantize(w, 64, 4)
    close(mx.quantized_matmul(x, q, s, b, True, 64, 4), REC["qmm_t"], 1e-4)
    qt, st, bt = mx.quantize(REC["wt"], 32, 8)
    close(mx.quantized_matmul(x, qt, st, bt, False, 32, 8), REC["qmm_n"], 1e-4)
    qb, sb, bb = mx.quantize(REC["wb"], 32, 4)
    close(mx.quantized_matmul(REC["xb"], qb, sb, bb, True, 32, 4), REC["qmm_batched"], 1e-4)
    for mode in FP_MODES:
        qf, sf = mx.quantize(REC["wb"][0], mode=mode)
        close(mx.quantized_matmul(x, qf, sf, transpose=True, mode=mode), REC[f"qmm_{mode}"], 1e-3)
    lhs = mx.array([1, 0], dtype=mx.uint32)
    rhs = mx.array([1, 2], dtype=mx.uint32)
    close(mx.gather_qmm(REC["xb"][:, 0], qb, sb, bb, lhs, rhs, True, 32, 4), REC["gather"], 1e-4)


def test_gradients_match_mlx():
    x, cot = REC["x"], REC["cot"]
    qb, sb, bb = mx.quantize(REC["wb"], 32, 4)

    def f(s_, b_):
        return mx.quantized_matmul(x, qb[0], s_, b_, True, 32, 4)

    _, (ds, db) = mx.vjp(f, [sb[0], bb[0]], [cot])
    close(ds, REC["grad_scales"], 1e-3)
    close(db, REC["grad_biases"], 1e-4)
    _, (dx,) = mx.vjp(lambda x_: mx.quantized_matmul(x_, qb[0], sb[0], bb[0], True, 32, 4), [x], [cot])
    close(dx, REC["grad_x"], 1e-4)


# ------------------------------------------------- against NumPy


def np_unpack(words, bits):
    """The codes of each row: element i in bits [i*bits, (i+1)*bits) of the
    row's little-endian stream of uint32 words."""
    w = np.asarray(words).astype(np.uint64)
    rows = w.reshape(-1, w.shape[-1])
    n = rows.shape[-1] * 32 // bits
    out = np.zeros((rows.shape[0], n), np.uint64)
    for i in range(n):
        p = i * bits
        lo = rows[:, p // 32]
        hi = rows[:, p // 32 + 1] if p % 32 + bits > 32 else np.zeros_like(lo)
        out[:, i] = ((lo | (hi << np.uint64(32))) >> np.uint64(p % 32)) & np.uint64((1 << bits) - 1)
    return out.reshape(*w.shape[:-1], n)


@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 8])
def test_dequantize_against_numpy(bits):
    rng = np.random.default_rng(bits)
    w = rng.normal(size=(3, 2, 128)).astype(np.float32)
    q, s, b = mx.quantize(mx.array(w), 32, bits)
    codes = np_unpack(q, bits).reshape(3, 2, 4, 32)
    expect = (codes * np.array(s)[..., None] + np.array(b)[..., None]).reshape(3, 2, 128)
    np.testing.assert_allclose(np.array(mx.dequantize(q, s, b, 32, bits)), expect, rtol=1e-6, atol=1e-6)
    # error bound and exact zeros, as MLX promises
    assert np.all(np.abs(expect - w).reshape(3, 2, 4, 32) <= np.abs(np.array(s))[..., None] + 1e-6)
    assert codes.max() < 2**bits


def test_layouts_and_edge_shapes():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 32)).astype(np.float32)
    wt = mx.array(w).T  # non-contiguous
    ref = mx.quantize(mx.array(np.ascontiguousarray(w.T)), 32, 4)
    for a, b in zip(mx.quantize(wt, 32, 4), ref):
        same(a, b)
    # broadcast input
    wb = mx.broadcast_to(mx.array(w[:1]), (3, 32))
    for a, b in zip(mx.quantize(wb, 32, 4), mx.quantize(mx.array(np.repeat(w[:1], 3, 0)), 32, 4)):
        same(a, b)
    # empty rows
    q, s, b = mx.quantize(mx.zeros((0, 64)), 64, 4)
    assert q.shape == (0, 8) and s.shape == (0, 1)
    assert mx.dequantize(q, s, b, 64, 4).shape == (0, 64)
    # all zeros dequantize to exact zeros in every mode
    z = mx.zeros((4, 128))
    for mode in ["affine"] + FP_MODES:
        parts = mx.quantize(z, mode=mode)
        assert mx.all(mx.dequantize(*parts, mode=mode) == 0).item()


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("bits", [2, 3, 4, 8])
@pytest.mark.parametrize("m", [1, 3, 20])
@pytest.mark.parametrize("k", [64, 96])
def test_quantized_matmul_against_numpy(transpose, bits, m, k):
    # m <= 16 with k a multiple of the SIMD block runs the fused AVX2 kernel,
    # other m and k the reference kernel or the BLAS path.
    rng = np.random.default_rng(m * bits)
    shape = (48, k) if transpose else (k, 96)
    w = mx.array(rng.normal(size=shape).astype(np.float32))
    q, s, b = mx.quantize(w, 32, bits)
    wh = np.array(mx.dequantize(q, s, b, 32, bits), np.float64)
    x = rng.normal(size=(2, m, k)).astype(np.float32)
    out = mx.quantized_matmul(mx.array(x), q, s, b, transpose, 32, bits)
    expect = x @ (wh.T if transpose else wh)
    np.testing.assert_allclose(np.array(out), expect, rtol=1e-4, atol=1e-4)
    # a vector x, non-contiguous x, float16 x
    xv = mx.array(x[0, 0])
    np.testing.assert_allclose(
        np.array(mx.quantized_matmul(xv, q, s, b, transpose, 32, bits)), expect[0, 0], rtol=1e-4, atol=1e-4
    )
    xt = mx.array(np.ascontiguousarray(x[0].T)).T
    np.testing.assert_allclose(
        np.array(mx.quantized_matmul(xt, q, s, b, transpose, 32, bits)), expect[0], rtol=1e-4, atol=1e-4
    )
    h = mx.quantized_matmul(mx.array(x).astype(mx.float16), q, s, b, transpose, 32, bits)
    assert h.dtype == mx.float32  # scales are float32
    for t in [mx.float16, mx.bfloat16]:
        # 16-bit scales and biases, read without a float32 copy
        sh, bh = s.astype(t), b.astype(t)
        yh = mx.quantized_matmul(mx.array(x).astype(t), q, sh, bh, transpose, 32, bits)
        assert yh.dtype == t
        wh16 = np.array(mx.dequantize(q, sh, bh, 32, bits).astype(mx.float32), np.float64)
        x16 = np.array(mx.array(x).astype(t).astype(mx.float32), np.float64)
        ref = x16 @ (wh16.T if transpose else wh16)
        np.testing.assert_allclose(
            np.array(yh.astype(mx.float32)), ref, rtol=2e-2, atol=2e-2 * np.abs(ref).max()
        )


@pytest.mark.parametrize("bits,group", [(2, 32), (4, 32), (4, 64), (4, 128), (8, 32), (8, 64)])
@pytest.mark.parametrize("t", [mx.float16, mx.bfloat16])
def test_16bit_params_widened_in_the_kernel(bits, group, t):
    # float32 x with 16-bit scales and biases: the matrix-vector kernels read
    # the parameters as stored (2, 4 or 8 groups per block of 8 words, and a
    # tail of the bias sum); the result is the product with the widened
    # parameters.
    rng = np.random.default_rng(bits * 7 + group)
    w = mx.array(rng.standard_normal((21, 384)).astype(np.float32))
    q, s, b = mx.quantize(w, group, bits)
    sh, bh = s.astype(t), b.astype(t)
    wd = np.array(mx.dequantize(q, sh.astype(mx.float32), bh.astype(mx.float32), group, bits), np.float64)
    for m in (1, 3, 5, 30):
        x = rng.standard_normal((m, 384)).astype(np.float32)
        y = mx.quantized_matmul(mx.array(x), q, sh, bh, True, group, bits)
        assert y.dtype == mx.float32
        ref = x @ wd.T
        tol = 2e-6 * (np.abs(x) @ np.abs(wd).T) + 1e-6
        assert np.all(np.abs(np.array(y) - ref) <= tol)


@pytest.mark.parametrize("bits,group", [(2, 32), (2, 64), (4, 32), (4, 64), (4, 128), (8, 32), (8, 128)])
@pytest.mark.parametrize("k_blocks", [1, 3, 4.5, 9])
def test_matvec_rows_of_whole_and_half_blocks(bits, group, k_blocks):
    # The AVX-512 kernel reads 16 words a block; rows of an odd number of
    # 8-word halves (576 4-bit codes, SmolLM2's width) end with a half
    # block read masked. Every parameter storage and 1 to 9 rows of x.
    k = int(k_blocks * 16 * 32 // bits)
    if k % group:
        pytest.skip("k not a multiple of the group")
    rng = np.random.default_rng(bits * 100 + group + int(2 * k_blocks))
    w = mx.array(rng.standard_normal((37, k)).astype(np.float32))
    q, s, b = mx.quantize(w, group, bits)
    for t in (mx.float32, mx.float16, mx.bfloat16):
        st, bt = s.astype(t), b.astype(t)
        wd = np.array(mx.dequantize(q, st.astype(mx.float32), bt.astype(mx.float32), group, bits), np.float64)
        for m in (1, 2, 4, 5, 9):
            x = rng.standard_normal((m, k)).astype(np.float32)
            y = mx.quantized_matmul(mx.array(x), q, st, bt, True, group, bits)
            ref = x @ wd.T
            tol = 2e-6 * (np.abs(x) @ np.abs(wd).T) + 1e-6
            assert np.all(np.abs(np.array(y.astype(mx.float32)) - ref) <= tol), (t, m)


@pytest.mark.parametrize("mode", FP_MODES)
@pytest.mark.parametrize("k", [192, 576, 1152])
def test_fp_matvec_rows_of_whole_and_half_blocks(mode, k):
    # fp4 codes on 16 lanes: scale codes looked up 64 groups at a time
    # (1152 / 16 = 72 nvfp4 groups: a second chunk), half blocks at the end.
    rng = np.random.default_rng(k)
    w = mx.array(rng.normal(size=(29, k)).astype(np.float32))
    q, s = mx.quantize(w, mode=mode)
    wh = np.array(mx.dequantize(q, s, mode=mode, dtype=mx.float32), np.float64)
    for m in (1, 3, 6):
        x = rng.normal(size=(m, k)).astype(np.float32)
        y = np.array(mx.quantized_matmul(mx.array(x), q, s, mode=mode))
        tol = 2e-6 * (np.abs(x) @ np.abs(wh).T) + 1e-6
        assert np.all(np.abs(y - x @ wh.T) <= tol), m


@pytest.mark.parametrize("bits", [4, 8])
def test_matvec_of_tiny_and_nonfinite_x(bits):
    # The 4- and 8-bit kernels read x scaled by powers of two where that is
    # exact; x that would leave the normal range keeps its full precision.
    rng = np.random.default_rng(bits)
    w = mx.array(rng.standard_normal((24, 256)).astype(np.float32))
    q, s, b = mx.quantize(w, 64, bits)
    wd = np.array(mx.dequantize(q, s, b, 64, bits), np.float64)
    x = rng.standard_normal((2, 256)).astype(np.float32)
    for scale in (1e-33, 1e-20, 1e30):
        xs = (x * np.float32(scale)).astype(np.float32)
        y = np.array(mx.quantized_matmul(mx.array(xs), q, s, b, True, 64, bits)).astype(np.float64)
        ref = xs.astype(np.float64) @ wd.T
        tol = 2e-6 * (np.abs(xs).astype(np.float64) @ np.abs(wd).T)
        assert np.all(np.abs(y - ref) <= tol)
    xn = x.copy()
    xn[0, 5], xn[1, 200] = np.nan, np.inf
    y = np.array(mx.quantized_matmul(mx.array(xn), q, s, b, True, 64, bits))
    assert np.isnan(y[0]).all() and not np.isfinite(y[1]).any()


def test_batched_broadcast_weights():
    # the quantized KV cache layout: x (B, H, L, D), w (B, 1, S, D)
    rng = np.random.default_rng(1)
    keys = mx.array(rng.normal(size=(2, 1, 5, 64)).astype(np.float32))
    q, s, b = mx.quantize(keys, 32, 8)
    x = mx.array(rng.normal(size=(2, 4, 3, 64)).astype(np.float32))
    out = mx.quantized_matmul(x, q, s, b, True, 32, 8)
    assert out.shape == (2, 4, 3, 5)
    kh = np.array(mx.dequantize(q, s, b, 32, 8))
    np.testing.assert_allclose(np.array(out), np.array(x) @ np.swapaxes(kh, -1, -2), rtol=1e-4, atol=1e-4)
    vals = mx.quantized_matmul(out, q, s, b, False, 32, 8)
    np.testing.assert_allclose(np.array(vals), np.array(out) @ kh, rtol=1e-4, atol=1e-4)


def test_gather_qmm_against_loop():
    rng = np.random.default_rng(2)
    w = mx.array(rng.normal(size=(4, 32, 64)).astype(np.float32))
    q, s, b = mx.quantize(w, 64, 4)
    x = mx.array(rng.normal(size=(6, 1, 64)).astype(np.float32))
    idx = mx.array([3, 0, 0, 2, 1, 3])
    out = mx.gather_qmm(x, q, s, b, rhs_indices=idx, sorted_indices=False)
    for i, e in enumerate([3, 0, 0, 2, 1, 3]):
        ref = mx.quantized_matmul(x[i], q[e], s[e], b[e])
        assert mx.allclose(out[i], ref, atol=1e-5).item()
    # no indices: a plain quantized_matmul
    same(mx.gather_qmm(x[:4], q, s, b), mx.quantized_matmul(x[:4], q, s, b))
    assert_raises(lambda: mx.gather_qmm(x, q, s, b, rhs_indices=mx.array([0.5])), ValueError, "[gather_qmm]")


@pytest.mark.parametrize("mode", FP_MODES)
@pytest.mark.parametrize("k", [64, 96])
def test_fp_quantized_matmul_against_dequantized(mode, k):
    rng = np.random.default_rng(k)
    w = mx.array(rng.normal(size=(40, k)).astype(np.float32))
    q, s = mx.quantize(w, mode=mode)
    wh = mx.dequantize(q, s, mode=mode, dtype=mx.float32)
    for m in [1, 5, 12]:
        x = mx.array(rng.normal(size=(m, k)).astype(np.float32))
        close(mx.quantized_matmul(x, q, s, mode=mode), x @ wh.T, 1e-4)
        qt, st = mx.quantize(mx.array(rng.normal(size=(k, 64)).astype(np.float32)), mode=mode)
        wt = mx.dequantize(qt, st, mode=mode, dtype=mx.float32)
        close(mx.quantized_matmul(x, qt, st, transpose=False, mode=mode), x @ wt, 1e-4)


def test_qqmm_vector():
    rng = np.random.default_rng(3)
    x = mx.array(rng.normal(size=(1, 64)).astype(np.float32))
    w = mx.array(rng.normal(size=(16, 64)).astype(np.float32))
    for mode in ["nvfp4", "mxfp8"]:
        wq, ws = mx.quantize(w, mode=mode)
        xh = mx.dequantize(*mx.quantize(x, mode=mode), mode=mode, dtype=mx.float32)
        wh = mx.dequantize(wq, ws, mode=mode, dtype=mx.float32)
        close(mx.qqmm(x, wq, ws, mode=mode), xh @ wh.T, 1e-3)


# ------------------------------------------------- errors


def test_errors():
    w = mx.ones((4, 64))
    assert_raises(
        lambda: mx.quantize(w, mode="foo"), ValueError, "[quantize] Invalid quantization mode 'foo'."
    )
    assert_raises(
        lambda: mx.quantize(mx.ones((4, 96)), 48, 4), ValueError, "[quantize] The requested group size 48"
    )
    assert_raises(lambda: mx.quantize(w, 64, 7), ValueError, "[quantize] The requested number of bits 7")
    assert_raises(lambda: mx.quantize(mx.ones((64,))), ValueError, "[quantize] The matrix to be quantized")
    assert_raises(lambda: mx.quantize(mx.ones((2, 48))), ValueError, "[quantize] The last dimension")
    assert_raises(
        lambda: mx.quantize(mx.ones((2, 64), mx.int32)), ValueError, "[quantize] Only real floating"
    )
    assert_raises(lambda: mx.quantize(w, bits=3, mode="mxfp4"), ValueError, "[quantize] mxfp4 quantization")
    assert_raises(lambda: mx.quantize(w, global_scale=mx.array(1.0)), ValueError, "[quantize] Global scale")
    q, s, b = mx.quantize(w)
    assert_raises(lambda: mx.dequantize(q, s), ValueError, "[dequantize] Biases must be provided")
    assert_raises(lambda: mx.dequantize(q, s, b, 32), ValueError, "[dequantize] Shape of scales and biases")
    assert_raises(
        lambda: mx.dequantize(s, s, b), ValueError, "[dequantize] The matrix should be given as a uint32"
    )
    assert_raises(
        lambda: mx.dequantize(q, s, b, dtype=mx.int32), ValueError, "[dequantize] Only real floating"
    )
    qf, sf = mx.quantize(w, mode="mxfp4")
    assert_raises(
        lambda: mx.dequantize(qf, sf, b, mode="mxfp4"), ValueError, "[dequantize] Biases must be null"
    )
    assert_raises(
        lambda: mx.dequantize(qf, s, mode="mxfp4"), ValueError, "[dequantize] Scale type must be uint8"
    )
    x = mx.ones((2, 32))
    assert_raises(lambda: mx.quantized_matmul(x, q, s, b), ValueError, "[quantized_matmul] Last dimension")
    assert_raises(lambda: mx.quantized_matmul(x, s, s, b), ValueError, "[quantized_matmul] The weight matrix")


# ------------------------------------------------- transforms


def setup_qmm():
    rng = np.random.default_rng(4)
    w = mx.array(rng.normal(size=(16, 64)).astype(np.float32))
    x = mx.array(rng.normal(size=(3, 64)).astype(np.float32))
    return x, *mx.quantize(w, 32, 4)


def test_grad_of_packed_weights_raises():
    x, q, s, b = setup_qmm()
    with pytest.raises(RuntimeError, match="no gradient wrt the quantized weights"):
        mx.grad(lambda q_: mx.quantized_matmul(x, q_, s, b, True, 32, 4).sum())(q)
    qf, sf = mx.quantize(mx.ones((16, 64)), mode="mxfp8")
    with pytest.raises(ValueError, match="no gradient wrt scales"):
        mx.grad(lambda s_: mx.quantized_matmul(x, qf, s_, mode="mxfp8").sum())(sf)
    # asking for x alone is fine even though the weights are inputs too
    assert mx.grad(lambda x_: mx.quantized_matmul(x_, qf, sf, mode="mxfp8").sum())(x).shape == x.shape


def test_grads_against_finite_differences():
    x, q, s, b = setup_qmm()
    cot = mx.ones((3, 16))

    def f(s_, b_):
        return (mx.quantized_matmul(x, q, s_, b_, True, 32, 4) * cot).sum()

    ds, db = mx.grad(f, argnums=(0, 1))(s, b)
    eps = 1e-2
    for idx in [(0, 0), (5, 1), (15, 1)]:
        for arr, g, i in [(s, ds, 0), (b, db, 1)]:
            up, down = mx.array(arr), mx.array(arr)
            up[idx] += eps
            down[idx] -= eps
            args_up = (up, b) if i == 0 else (s, up)
            args_down = (down, b) if i == 0 else (s, down)
            num = (f(*args_up) - f(*args_down)) / (2 * eps)
            assert abs(g[idx].item() - num.item()) < 2e-2


def test_jvp_and_vmap_and_compile():
    x, q, s, b = setup_qmm()

    def f(x_):
        return mx.quantized_matmul(x_, q, s, b, True, 32, 4)

    t = mx.ones_like(x)
    _, (jt,) = mx.jvp(f, [x], [t])
    assert mx.allclose(jt, f(t), atol=1e-5).item()
    # jvp in the scales (beyond MLX): linear in them
    ts = mx.ones_like(s)
    _, (js,) = mx.jvp(lambda s_: mx.quantized_matmul(x, q, s_, b, True, 32, 4), [s], [ts])
    expect = x @ mx.dequantize(q, ts, mx.zeros_like(b), 32, 4).T
    assert mx.allclose(js, expect, atol=1e-4).item()
    # vmap over x, and over x and the weights together
    xs = mx.stack([x, 2 * x])
    assert mx.allclose(mx.vmap(f)(xs), mx.stack([f(x), f(2 * x)]), atol=1e-5).item()
    qs, ss, bs = mx.stack([q, q]), mx.stack([s, 2 * s]), mx.stack([b, b])

    def g(x_, q_, s_, b_):
        return mx.quantized_matmul(x_, q_, s_, b_, True, 32, 4)

    out = mx.vmap(g, in_axes=(None, 0, 0, 0))(x, qs, ss, bs)
    assert mx.allclose(out[1], g(x, q, 2 * s, b), atol=1e-5).item()
    vq = mx.vmap(lambda w_: mx.quantize(w_, 32, 4)[0], in_axes=1)(mx.ones((2, 4, 64)))
    assert vq.shape == (4, 2, 8)
    # compile, with a shape change
    cf = mx.compile(f)
    assert mx.array_equal(cf(x), f(x)).item()
    assert cf(mx.ones((5, 64))).shape == (5, 16)


# ------------------------------------------------- nn layers


def test_mlx_saved_model_loads_here():
    mx.random.seed(3)
    model = nn.Sequential(nn.Embedding(8, 64), nn.Linear(64, 32), nn.Linear(32, 64, bias=False))
    nn.quantize(
        model, class_predicate=lambda p, m: {"group_size": 32, "bits": 8} if p == "layers.2" else True
    )
    assert isinstance(model.layers[0], nn.QuantizedEmbedding)
    assert model.layers[2].bits == 8 and model.layers[2].group_size == 32
    model.load_weights(str(DATA / "quantized_model_mlx.safetensors"))
    close(model.layers[0](REC["ids"]), REC["model_emb"], 0)
    close(model.layers[2](model.layers[1](REC["lin_x"])), REC["model_out"], 1e-4)
    close(model.layers[0].as_linear(REC["lin_x"]), REC["model_as_linear"], 1e-4)


def test_save_load_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64))
    nn.quantize(model, 32, 8)
    path = str(tmp_path / "m.safetensors")
    model.save_weights(path)
    keys = sorted(mx.load(path))
    assert keys == sorted(f"layers.{i}.{k}" for i in (0, 2) for k in ["weight", "scales", "biases", "bias"])
    other = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64))
    nn.quantize(other, 32, 8)
    other.load_weights(path)
    x = mx.ones((2, 64))
    assert mx.array_equal(model(x), other(x)).item()


def test_layers_and_predicates():
    lin = nn.Linear(64, 32)
    ql = lin.to_quantized()
    assert isinstance(ql, nn.QuantizedLinear) and ql.weight.dtype == mx.uint32
    assert [k for k, _ in tree_flatten(ql.trainable_parameters())] == ["bias"]
    ql.unfreeze(keys=["scales"])
    assert sorted(k for k, _ in tree_flatten(ql.trainable_parameters())) == ["bias", "scales"]
    wh = mx.dequantize(ql.weight, ql.scales, ql.biases)
    x = mx.ones((3, 64))
    assert mx.allclose(ql(x), x @ wh.T + lin.bias, atol=1e-4).item()
    assert (
        repr(ql)
        == "QuantizedLinear(input_dims=64, output_dims=32, bias=True, group_size=64, bits=4, mode=affine)"
    )
    qf = nn.Linear(64, 32, bias=False).to_quantized(mode="mxfp4")
    assert qf.biases is None and [k for k, _ in tree_flatten(qf.parameters())] == ["weight", "scales"]
    emb = nn.Embedding(10, 64).to_quantized(bits=8)
    assert emb(mx.array(3)).shape == (64,) and emb(mx.array([[1, 2]])).shape == (1, 2, 64)
    with pytest.raises(ValueError, match="Quantized input is not supported"):
        nn.Embedding(10, 64).to_quantized(mode="mxfp8", quantize_input=True)
    with pytest.raises(ValueError, match="only supported for 'nvfp4' and 'mxfp8'"):
        nn.Linear(64, 32, bias=False).to_quantized(quantize_input=True)
    with pytest.raises(NotImplementedError):
        nn.Linear(64, 32).to_quantized(mode="mxfp8", quantize_input=True)
    m = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
    with pytest.raises(ValueError, match="Unable to quantize model"):
        nn.quantize(m, class_predicate=lambda p, m: True)
    m = nn.Sequential(nn.Embedding(4, 64), nn.Linear(64, 64))
    nn.quantize(m, class_predicate=lambda p, m: isinstance(m, nn.Linear))
    assert isinstance(m.layers[0], nn.Embedding) and isinstance(m.layers[1], nn.QuantizedLinear)


def test_qqlinear_modes():
    qq = nn.Linear(64, 32, bias=False).to_quantized(mode="mxfp8", quantize_input=True)
    assert isinstance(qq, nn.QQLinear) and qq.weight.dtype == mx.float32
    qq.eval()
    params = dict(tree_flatten(qq.parameters()))
    assert params["weight"].dtype == mx.uint32 and params["scales"].dtype == mx.uint8
    assert qq(mx.ones((1, 64))).shape == (1, 32)
    qq.train()
    assert qq.weight.dtype == mx.bfloat16 and "scales" not in qq
    qq.quantize()
    assert qq.weight.dtype == mx.uint32
    qq.dequantize()
    assert qq.weight.dtype == mx.bfloat16


def test_gather_qqmm_and_signatures():
    rng = np.random.default_rng(5)
    x = mx.array(rng.normal(size=(3, 1, 64)).astype(np.float32))
    w = mx.array(rng.normal(size=(2, 16, 64)).astype(np.float32))
    idx = mx.array([1, 0, 1])
    out = mx.gather_qqmm(x, w, rhs_indices=idx, mode="mxfp8")
    for i, e in enumerate([1, 0, 1]):
        close(out[i], mx.qqmm(x[i], w[e], mode="mxfp8"), 1e-5)
    # quantize takes global_scale positionally, qqmm's x and w are positional only
    g = mx.array(2.0)
    a = mx.quantize(w[0], 16, 4, "nvfp4", g)
    b = mx.quantize(w[0], mode="nvfp4", global_scale=g)
    same(a[0], b[0])
    with pytest.raises(TypeError):
        mx.qqmm(x=x[0], w=w[0])


@pytest.mark.parametrize("qtype,bits", [("Q4_0", 4), ("Q4_1", 4), ("Q8_0", 8)])
def test_gguf_triplets_feed_quantized_ops(tmp_path, qtype, bits):
    gguf = pytest.importorskip("gguf")
    from gguf.quants import dequantize, quantize

    t = getattr(gguf.GGMLQuantizationType, qtype)
    w = np.random.default_rng(0).standard_normal((16, 64)).astype(np.float32)
    raw = quantize(w, t)
    writer = gguf.GGUFWriter(str(tmp_path / "q.gguf"), "llama")
    writer.add_tensor("blk.0.w.weight", raw, raw_shape=raw.shape, raw_dtype=t)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    out = mx.load(str(tmp_path / "q.gguf"))
    q, s, b = out["blk.0.w.weight"], out["blk.0.w.scales"], out["blk.0.w.biases"]
    ref = dequantize(raw, t)
    wh = mx.dequantize(q, s, b, 32, bits)
    assert wh.dtype == mx.float16
    # scale * q + bias rounds twice in float16 (as MLX computes it)
    np.testing.assert_allclose(np.array(wh.astype(mx.float32)), ref, rtol=1e-3, atol=5e-3)
    x = np.random.default_rng(1).standard_normal((2, 64)).astype(np.float32)
    y = mx.quantized_matmul(mx.array(x), q, s, b, True, 32, bits)
    np.testing.assert_allclose(np.array(y), x @ ref.T, rtol=1e-2, atol=1e-2)


def test_gather_qmm_rules_match_the_composition():
    rng = np.random.default_rng(6)
    w = mx.array(rng.normal(size=(3, 16, 64)).astype(np.float32))
    q, s, b = mx.quantize(w, 32, 4)
    x = mx.array(rng.normal(size=(2, 2, 64)).astype(np.float32))
    lhs, rhs = mx.array([1, 0, 1, 1]), mx.array([2, 2, 0, 1])

    def fused(x_, s_, b_):
        return mx.gather_qmm(x_, q, s_, b_, lhs, rhs, True, 32, 4)

    def composed(x_, s_, b_):
        return mx.quantized_matmul(x_[lhs], q[rhs], s_[rhs], b_[rhs], True, 32, 4)

    assert mx.allclose(fused(x, s, b), composed(x, s, b), atol=1e-5).item()
    cot = mx.array(rng.normal(size=(4, 2, 16)).astype(np.float32))
    _, g1 = mx.vjp(fused, [x, s, b], [cot])
    _, g2 = mx.vjp(composed, [x, s, b], [cot])
    for a, c in zip(g1, g2):
        assert mx.allclose(a, c, atol=1e-4).item()
    tans = [mx.ones_like(x), mx.ones_like(s), mx.ones_like(b)]
    _, (j1,) = mx.jvp(fused, [x, s, b], tans)
    _, (j2,) = mx.jvp(composed, [x, s, b], tans)
    assert mx.allclose(j1, j2, atol=1e-4).item()
    with pytest.raises(RuntimeError, match="no gradient wrt the quantized weights"):
        mx.grad(lambda q_: mx.gather_qmm(x, q_, s, b, lhs, rhs, True, 32, 4).sum())(q)
    # vmap (beyond MLX, which has none): as a loop over the mapped axis
    xs = mx.stack([x, 2 * x])
    v = mx.vmap(fused, in_axes=(0, None, None))(xs, s, b)
    assert mx.allclose(v, mx.stack([fused(x, s, b), fused(2 * x, s, b)]), atol=1e-5).item()
    # out-of-range indices are an error, not a read past the data
    with pytest.raises(IndexError):
        mx.eval(mx.gather_qmm(x, q, s, b, mx.array([5]), mx.array([0]), True, 32, 4))


@pytest.mark.parametrize(
    "axes",
    [
        (0, None, None, None, None, None),
        (None, 0, 0, 0, None, None),
        (None, None, None, None, 0, 0),
        (0, 0, 0, 0, 0, 0),
        (1, None, None, None, 1, None),
        (None, 2, 2, 2, None, 0),
    ],
)
def test_gather_qmm_vmap_is_a_loop(axes):
    rng = np.random.default_rng(11)
    n = 2
    wq, ws, wb = mx.quantize(mx.array(rng.normal(size=(3, 16, 64)).astype(np.float32)), 32, 4)
    x = mx.array(rng.normal(size=(4, 1, 64)).astype(np.float32))
    lhs, rhs = mx.array([1, 0, 3]), mx.array([0, 2, 1])
    base = [x, wq, ws, wb, lhs, rhs]
    args = []
    for k, (a, ax) in enumerate(zip(base, axes)):
        if ax is None:
            args.append(a)
            continue
        lanes = [a + j if k >= 4 and k == 4 else a for j in range(n)]  # lhs lanes differ
        lanes = [lanes[j] * (j + 1) if k in (0, 2) else lanes[j] for j in range(n)]
        if k == 4:
            lanes = [mx.minimum(la, 3) for la in lanes]
        args.append(mx.stack(lanes, axis=ax))

    def f(*a):
        return mx.gather_qmm(*a, True, 32, 4)

    out = mx.vmap(f, in_axes=axes)(*args)
    loop = mx.stack(
        [f(*[a if ax is None else mx.take(a, j, axis=ax) for a, ax in zip(args, axes)]) for j in range(n)]
    )
    assert out.shape == loop.shape == (n, 3, 1, 16)
    assert mx.allclose(out, loop, atol=1e-4).item()


def test_zero_group_size_and_bits_raise():
    # MLX divides by them (SIGFPE): here a clear ValueError (found by tools/fuzz.py).
    w = mx.zeros((2, 64))
    packed = mx.zeros((2, 8), dtype=mx.uint32)
    scales = biases = mx.zeros((2, 1))
    x = mx.zeros((1, 64))
    calls = [
        lambda: mx.quantize(w, group_size=0),
        lambda: mx.quantize(w, group_size=0, mode="mxfp4"),
        lambda: mx.quantize(w, bits=0),
        lambda: mx.dequantize(packed, scales, biases, group_size=0),
        lambda: mx.dequantize(packed, scales, biases, bits=0),
        lambda: mx.quantized_matmul(x, packed, scales, biases, group_size=0),
        lambda: mx.quantized_matmul(x, packed, scales, biases, bits=0),
        lambda: mx.gather_qmm(x, packed, scales, biases, group_size=0),
        lambda: mx.gather_qmm(x, packed, scales, biases, bits=0),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"^\[(quantize|dequantize|quantized_matmul|gather_qmm)\]"):
            mx.eval(call())
