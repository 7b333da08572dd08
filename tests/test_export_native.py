"""Native .mlxfn files (MLX_EXPORT_NATIVE=1, ExportForm::Native in C++):
this project's own primitives that MLX has no serialized form of are
written as themselves ("native:<Name>", their own state) instead of as an
equivalent graph of MLX's primitives. They import here as the same
primitives with the same results, in smaller files with fewer nodes; real
MLX refuses them with its "Unable to deserialize primitive" error."""

import os
import struct
import subprocess

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

ORACLE = os.environ.get("MLX_ORACLE_PYTHON", "/work/venv-mlx/bin/python")


def _rng():
    return np.random.default_rng(11)


def _f32(r, *shape):
    return mx.array(r.standard_normal(shape).astype(np.float32))


def cases():
    """(name, function, inputs, the native primitive it must keep)."""
    r = _rng()
    x = _f32(r, 3, 8)
    w, b = _f32(r, 8), _f32(r, 8)
    h = _f32(r, 2, 2, 5, 8)
    q, k, v = _f32(r, 1, 4, 3, 8), _f32(r, 1, 2, 5, 8), _f32(r, 1, 2, 5, 8)
    mask = _f32(r, 1, 1, 3, 5)
    sinks = _f32(r, 4)
    targets = mx.array([1, 7, 0])
    g = [_f32(r, 1, 3, 2, 4), _f32(r, 1, 3, 2, 4), _f32(r, 1, 3, 4, 4)]
    gamma = mx.sigmoid(_f32(r, 1, 3, 4))
    beta = mx.sigmoid(_f32(r, 1, 3, 4))
    rope = lambda a: mx.fast.rope(a, 6, traditional=True, base=500.0, scale=0.5, offset=2)  # noqa: E731
    return [
        ("isnan", lambda a: mx.isnan(a / a), [x], "IsNaN"),
        ("isinf", lambda a: mx.isinf(1 / (a > 0)), [x], "IsInf"),
        ("isfinite", lambda a: mx.isfinite(mx.log(a)), [x], "IsFinite"),
        ("ifft", lambda a: mx.fft.ifft(mx.fft.fft(a)).real, [x], "FFT"),
        ("irfftn", lambda a: mx.fft.irfftn(mx.fft.rfftn(a)), [x], "FFT"),
        ("logsumexp", lambda a: mx.logsumexp(a, -1), [x], "LogSumExp"),
        ("rms_norm", lambda a, w: mx.fast.rms_norm(a, w, 1e-5), [x, w], "RMSNorm"),
        ("layer_norm", lambda a, w, b: mx.fast.layer_norm(a, w, b, 1e-4), [x, w, b], "LayerNorm"),
        (
            "rms_norm_grad",
            lambda a, w: mx.grad(lambda a, w: (mx.fast.rms_norm(a, w, 1e-5) ** 2).sum(), (0, 1))(a, w),
            [x, w],
            "NormGrad",
        ),
        (
            "layer_norm_grad",
            lambda a, w, b: mx.grad(lambda *p: (mx.fast.layer_norm(*p, 1e-5) ** 2).sum(), (0, 1, 2))(a, w, b),
            [x, w, b],
            "NormGrad",
        ),
        ("rope", rope, [h], "RoPE"),
        ("rope_inverse", lambda a: mx.vjp(rope, [a], [a * 2])[1][0], [h], "RoPE"),
        (
            "rope_freqs",
            lambda a, f: mx.fast.rope(a, 8, traditional=False, base=None, scale=1.0, offset=1, freqs=f),
            [h, mx.arange(1.0, 5.0)],
            "RoPE",
        ),
        (
            "attention_causal",
            lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.4, mask="causal"),
            [q, k, v],
            "ScaledDotProductAttention",
        ),
        (
            "attention_mask_sinks",
            lambda q, k, v, m, s: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.4, mask=m, sinks=s),
            [q, k, v, mask, sinks],
            "ScaledDotProductAttention",
        ),
        (
            "attention_bool_mask",
            lambda q, k, v, m: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.4, mask=m > 0),
            [q, k, v, mask],
            "ScaledDotProductAttention",
        ),
        ("cross_entropy", lambda a, t: mx.fast.cross_entropy(a, t), [x, targets], "CrossEntropy"),
        (
            "cross_entropy_grad",
            lambda a, t: mx.grad(lambda a: nn.losses.cross_entropy(a, t, reduction="mean"))(a),
            [x, targets],
            "CrossEntropyGrad",
        ),
        (
            "gated_delta",
            lambda q, k, v, ga, be: mx.fast.gated_delta_update(q, k, v, ga, be),
            [g[0], g[1], g[2], gamma, beta],
            "GatedDelta",
        ),
    ]


CASES = {c[0]: c for c in cases()}
# IsNaN's graph is one node (x != x): the native file is no smaller.
NO_SMALLER = {"isnan"}


def primitives(fun, inputs):
    names = []
    mx.export_function(lambda d: names.append(d["name"]) if d["type"] == "primitive" else None, fun, *inputs)
    return names


def flat(out):
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in flat(o)]
    return [out]


@pytest.mark.parametrize("name", sorted(CASES))
def test_native_round_trip(name, tmp_path, monkeypatch):
    _, fun, inputs, prim = CASES[name]
    fun = (lambda f: lambda *a: tuple(flat(f(*a))))(fun)
    native = "native:" + prim
    mlx_path, native_path = str(tmp_path / "mlx.mlxfn"), str(tmp_path / "native.mlxfn")
    monkeypatch.delenv("MLX_EXPORT_NATIVE", raising=False)
    mlx_prims = primitives(fun, inputs)
    assert not any(p.startswith("native:") for p in mlx_prims)
    mx.export_function(mlx_path, fun, *inputs)

    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    native_prims = primitives(fun, inputs)
    assert native in native_prims
    mx.export_function(native_path, fun, *inputs)
    if name in NO_SMALLER:
        assert len(native_prims) == len(mlx_prims)
    else:
        assert len(native_prims) < len(mlx_prims)
        assert os.path.getsize(native_path) < os.path.getsize(mlx_path)

    want = [np.array(o) for o in fun(*inputs)]
    for path in (mlx_path, native_path):
        got = mx.import_function(path)(*inputs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            g = np.array(g)
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5, err_msg=f"{name} {path}")
    # The import rebuilt the primitive itself: tracing the imported function
    # finds it again.
    assert native in primitives(mx.import_function(native_path), inputs)


def test_native_setting_is_read_at_each_export(tmp_path, monkeypatch):
    fun = lambda a: mx.fast.rms_norm(a, None, 1e-5)  # noqa: E731
    x = mx.ones((2, 4))
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    assert primitives(fun, [x]) == ["native:RMSNorm"]
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "0")
    assert "native:RMSNorm" not in primitives(fun, [x])
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    # An exporter takes the setting when made; its traces keep it.
    with mx.exporter(str(tmp_path / "f.mlxfn"), fun) as exp:
        monkeypatch.delenv("MLX_EXPORT_NATIVE")
        exp(x)
    with open(tmp_path / "f.mlxfn", "rb") as f:
        assert b"native:RMSNorm" in f.read()
    # A keyword of that name still goes to the function.
    path = str(tmp_path / "g.mlxfn")
    mx.export_function(path, lambda a, native: a * native, x, native=mx.array(3.0))
    (got,) = mx.import_function(path)(x, native=mx.array(2.0))
    np.testing.assert_array_equal(np.array(got), np.full((2, 4), 2.0, np.float32))


def test_native_primitives_with_an_mlx_form_stay_mlx(monkeypatch):
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    x = mx.ones((2, 4))
    names = primitives(lambda a: (mx.exp(a) @ a.T, mx.softmax(a, -1), mx.fft.fft(a), mx.round(a, 2)), [x])
    assert not any(n.startswith("native:") for n in names)
    assert {"Exp", "Matmul", "Softmax", "FFT", "Round"} <= set(names)


def test_native_file_with_wrong_inputs_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda a, w: mx.fast.rms_norm(a, w, 1e-5), mx.ones((2, 4)), mx.ones(4))
    with open(path, "rb") as f:
        data = bytearray(f.read())
    # has_weight (the byte after eps) cleared: the node then has one input
    # too many.
    at = data.index(b"native:RMSNorm") + len(b"native:RMSNorm") + 4
    assert data[at] == 1
    data[at] = 0
    with open(path, "wb") as f:
        f.write(bytes(data))
    with pytest.raises(ValueError, match=r"native:RMSNorm: wrong number of inputs"):
        mx.import_function(path)
    data[at] = 7
    with open(path, "wb") as f:
        f.write(bytes(data))
    with pytest.raises(RuntimeError, match="a boolean is neither 0 nor 1"):
        mx.import_function(path)


def test_native_file_every_byte_flipped(tmp_path, monkeypatch):
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    path = str(tmp_path / "f.mlxfn")
    fun = lambda q: mx.fast.scaled_dot_product_attention(q, q, q, scale=0.5, mask="causal")  # noqa: E731
    q = mx.ones((1, 2, 3, 4))
    mx.export_function(path, fun, q)
    with open(path, "rb") as f:
        data = f.read()
    for i in range(len(data)):
        mutated = bytearray(data)
        mutated[i] ^= 0xFF
        with open(path, "wb") as f:
            f.write(bytes(mutated))
        try:
            fn = mx.import_function(path)
            mx.eval(fn(q))
        except (ValueError, RuntimeError, IndexError, TypeError, MemoryError):
            pass


@pytest.mark.skipif(not os.path.exists(ORACLE), reason="no MLX 0.32.4 environment (MLX_ORACLE_PYTHON)")
def test_real_mlx_refuses_native_files(tmp_path, monkeypatch):
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda a: mx.fast.rms_norm(a, None, 1e-5) + 1, mx.ones((2, 4)))
    script = f"import mlx.core as mx\nmx.import_function({path!r})"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([ORACLE, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "ValueError: [import_function] Unable to deserialize primitive native:RMSNorm" in res.stderr


def test_native_fused_chain(tmp_path, monkeypatch):
    # A compiled chain on large arrays runs as one Fused node; an unevaluated
    # result of it captured by the exported function keeps that node.
    c = mx.array(np.random.default_rng(3).standard_normal(1 << 20).astype(np.float32))
    x = mx.array(np.random.default_rng(4).standard_normal(1 << 20).astype(np.float32))
    mx.eval(c, x)

    def exported(native):
        f = mx.compile(lambda v: (mx.exp(v) * 2 + 1, mx.isnan(v) | (v > 0.7)))
        y = f(c)
        fun = lambda a: (a + y[0], y[1])  # noqa: E731
        monkeypatch.setenv("MLX_EXPORT_NATIVE", native)
        names = primitives(fun, [x])
        path = str(tmp_path / f"f{native}.mlxfn")
        mx.export_function(path, fun, x)
        return fun, names, path

    _, mlx_names, mlx_path = exported("0")
    fun, native_names, native_path = exported("1")
    assert "native:Fused" not in mlx_names
    assert native_names.count("native:Fused") == 2
    assert len(native_names) < len(mlx_names)
    assert os.path.getsize(native_path) < os.path.getsize(mlx_path)
    want = [np.array(o) for o in fun(x)]
    for path in (mlx_path, native_path):
        got = mx.import_function(path)(x)
        for g, w in zip(got, want):
            assert np.array(g).dtype == w.dtype
            np.testing.assert_allclose(np.array(g), w, rtol=1e-6)
    assert primitives(mx.import_function(native_path), [x]).count("native:Fused") == 2


def test_native_fused_step_that_does_not_fit_raises(tmp_path, monkeypatch):
    c = mx.ones(1 << 20)
    mx.eval(c)
    y = mx.compile(lambda v: mx.exp(v) * 2)(c)
    monkeypatch.setenv("MLX_EXPORT_NATIVE", "1")
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda a: a + y, mx.ones(1 << 20))
    with open(path, "rb") as f:
        data = f.read()
    # The chain's Exp step renamed: another elementwise op imports; a
    # primitive that is no elementwise step, or an unknown name, raises.
    at = data.index(b"\x03\x00\x00\x00\x00\x00\x00\x00Exp")

    def with_step(name):
        with open(path, "wb") as f:
            f.write(data[:at] + struct.pack("<Q", len(name)) + name + data[at + 11 :])
        return path

    for name in (b"Abs", b"Tan"):
        mx.import_function(with_step(name))
    with pytest.raises(ValueError, match="step 0 \\(StopGradient\\) does not fit its inputs"):
        mx.import_function(with_step(b"StopGradient"))
    with pytest.raises(ValueError, match="Unable to deserialize primitive Nope"):
        mx.import_function(with_step(b"Nope"))
