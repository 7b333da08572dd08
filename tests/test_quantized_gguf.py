"""GGUF K-quants kept quantized (beyond MLX, which dequantizes them to
float16): Q2_K ... Q8_K load as affine triplets that dequantize and
quantized_matmul use directly. Files are written by the gguf package and the
values checked against its own dequantization; MLX_GGUF_KQUANTS=float16
restores MLX's behaviour."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import write_gguf

gguf = pytest.importorskip("gguf")
from gguf.constants import GGML_QUANT_SIZES  # noqa: E402

# type: (bits, group size, byte offsets of float16 super-block scales)
K_TYPES = {
    "Q2_K": (2, 16, [80, 82]),
    "Q3_K": (3, 16, [108]),
    "Q4_K": (4, 32, [0, 2]),
    "Q5_K": (5, 32, [0, 2]),
    "Q6_K": (6, 16, [208]),
    "Q8_K": (8, 128, []),
}


def random_blocks(qtype, rows, blocks, seed=0):
    """Random bytes for rows x blocks super-blocks, with finite scales."""
    t = getattr(gguf.GGMLQuantizationType, qtype)
    _, nbytes = GGML_QUANT_SIZES[t]
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=(rows, blocks, nbytes), dtype=np.uint8)
    for p in K_TYPES[qtype][2]:
        d = rng.uniform(0.001, 0.05, size=(rows, blocks)).astype(np.float16)
        raw[..., p : p + 2] = d.view(np.uint8).reshape(rows, blocks, 2)
    if qtype == "Q8_K":
        d = rng.uniform(0.001, 0.05, size=(rows, blocks)).astype(np.float32)
        raw[..., 0:4] = d.view(np.uint8).reshape(rows, blocks, 4)
    return t, raw.reshape(rows, blocks * nbytes)


def q8_k_values(raw):
    b = raw.reshape(-1, 292)
    d = b[:, :4].copy().view(np.float32)
    q = b[:, 4:260].copy().view(np.int8).astype(np.float32)
    return (d * q).reshape(raw.shape[0], -1)


def reference(raw, t, qtype):
    if qtype == "Q8_K":  # the gguf package has no Q8_K codec
        return q8_k_values(raw)
    return gguf.quants.dequantize(raw, t)


@pytest.mark.parametrize("qtype", list(K_TYPES))
def test_k_quants_load_as_exact_affine_triplets(tmp_path, qtype):
    bits, group, _ = K_TYPES[qtype]
    t, raw = random_blocks(qtype, 6, 2)
    write_gguf(tmp_path / "k.gguf", {"blk.0.ffn.weight": (raw, t), "plain": (raw, t)})
    out = mx.load(str(tmp_path / "k.gguf"))
    assert sorted(out) == [
        "blk.0.ffn.biases",
        "blk.0.ffn.scales",
        "blk.0.ffn.weight",
        "plain",
        "plain.biases",
        "plain.scales",
    ]
    w, s, b = out["blk.0.ffn.weight"], out["blk.0.ffn.scales"], out["blk.0.ffn.biases"]
    assert w.dtype == mx.uint32 and w.shape == (6, 512 * bits // 32)
    assert s.dtype == mx.float32 and b.dtype == mx.float32 and s.shape == b.shape == (6, 512 // group)
    ref = reference(raw, t, qtype)
    got = np.array(mx.dequantize(w, s, b, group, bits))
    assert got.dtype == np.float32 and got.shape == ref.shape == (6, 512)
    if qtype == "Q8_K":
        # d * (q + 128) - 128 d rounds twice: within an ulp of the block's scale
        np.testing.assert_allclose(got, ref, rtol=0, atol=np.abs(ref).max() * 2**-22)
    else:
        np.testing.assert_array_equal(got, ref)
    assert np.array_equal(np.array(w), np.array(out["plain"]))


@pytest.mark.parametrize("qtype", list(K_TYPES))
@pytest.mark.parametrize("m", [1, 3, 21, 40, 41])
def test_k_quant_triplets_feed_quantized_matmul(tmp_path, qtype, m):
    bits, group, _ = K_TYPES[qtype]
    t, raw = random_blocks(qtype, 24, 3, seed=m)
    write_gguf(tmp_path / "k.gguf", {"w.weight": (raw, t)})
    out = mx.load(str(tmp_path / "k.gguf"))
    w, s, b = out["w.weight"], out["w.scales"], out["w.biases"]
    ref = reference(raw, t, qtype).astype(np.float64)
    x = np.random.default_rng(7).standard_normal((m, 768)).astype(np.float32)
    y = mx.quantized_matmul(mx.array(x), w, s, b, True, group, bits)
    assert y.dtype == mx.float32 and y.shape == (m, 24)
    # float32 sums of 768 terms: error relative to the sum of magnitudes
    tol = 1e-6 * (np.abs(x) @ np.abs(ref).T)
    assert np.all(np.abs(np.array(y) - x @ ref.T) <= tol)
    # non-contiguous x, float16 x (promoted to the float32 parameters)
    xt = mx.array(np.ascontiguousarray(x.T)).T
    assert np.all(np.abs(np.array(mx.quantized_matmul(xt, w, s, b, True, group, bits)) - x @ ref.T) <= tol)
    yh = mx.quantized_matmul(mx.array(x).astype(mx.float16), w, s, b, True, group, bits)
    assert yh.dtype == mx.float32


def test_k_quants_three_dims_and_names(tmp_path):
    t, raw = random_blocks("Q4_K", 6, 1)
    write_gguf(tmp_path / "k.gguf", {"e.weight": (raw.reshape(2, 3, 144), t)})
    out = mx.load(str(tmp_path / "k.gguf"))
    assert out["e.weight"].shape == (2, 3, 32) and out["e.scales"].shape == (2, 3, 8)
    got = mx.dequantize(out["e.weight"], out["e.scales"], out["e.biases"], 32, 4)
    np.testing.assert_array_equal(np.array(got).reshape(6, 256), gguf.quants.dequantize(raw, t))


def test_float16_switch_is_mlx_behaviour(tmp_path, monkeypatch):
    monkeypatch.setenv("MLX_GGUF_KQUANTS", "float16")
    for qtype in ("Q2_K", "Q4_K", "Q6_K"):
        t, raw = random_blocks(qtype, 3, 2)
        write_gguf(tmp_path / "k.gguf", {"k.weight": (raw, t)})
        out = mx.load(str(tmp_path / "k.gguf"))
        assert list(out) == ["k.weight"]
        a = out["k.weight"]
        assert a.dtype == mx.float16 and a.shape == (3, 512)
        ref = gguf.quants.dequantize(raw, t).astype(np.float16)
        np.testing.assert_array_equal(np.array(a), ref)
    # MLX cannot read these ones
    for qtype in ("Q3_K", "Q5_K", "Q8_K"):
        t, raw = random_blocks(qtype, 2, 1)
        write_gguf(tmp_path / "u.gguf", {"u": (raw, t)})
        with pytest.raises(RuntimeError, match=r"^\[load_gguf\].*unsupported ggml type"):
            mx.load(str(tmp_path / "u.gguf"))
    monkeypatch.setenv("MLX_GGUF_KQUANTS", "fp16")
    with pytest.raises(RuntimeError, match=r"^\[load_gguf\] MLX_GGUF_KQUANTS must be"):
        mx.load(str(tmp_path / "k.gguf"))


def test_truncated_k_quant_file_raises(tmp_path):
    t, raw = random_blocks("Q6_K", 4, 2)
    write_gguf(tmp_path / "k.gguf", {"k": (raw, t)})
    data = (tmp_path / "k.gguf").read_bytes()
    (tmp_path / "c.gguf").write_bytes(data[:-100])
    with pytest.raises(RuntimeError, match=r"^\[load_gguf\]"):
        mx.load(str(tmp_path / "c.gguf"))
