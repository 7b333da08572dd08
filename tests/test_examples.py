"""The Python examples run (a few steps each)."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_transformer_lm_example(tmp_path):
    # The example's own extra (`examples`, also in `test`): progress bar and plot.
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", "transformer_lm", "train.py"),
            "--steps",
            "20",
            "--batch",
            "8",
            "--context",
            "32",
            "--plot",
            str(plot),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "20/20" in out.stdout and "sample:" in out.stdout
    final = re.search(r"^final loss: (\d+\.\d+) nats/char", out.stdout, re.M)
    assert final, out.stdout
    # Twenty steps already take the loss below a uniform guess over the characters (about 3.6).
    assert 0 < float(final.group(1)) < 3.5
    png = plot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000  # a drawn figure (axes, labels, legend), not an empty image


def _gguf_example():
    import importlib.util

    path = os.path.join(ROOT, "examples", "gguf_llama", "generate.py")
    spec = importlib.util.spec_from_file_location("gguf_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gguf_example_kv_cache_matches_concatenation():
    # The in-place cache (buffers grown 256 positions at a time) returns what
    # concatenating every step's keys and values gives, across the growth.
    import numpy as np

    import mlx.core as mx

    g = _gguf_example()
    cache, keys, values = g.KVCache(), [], []
    rng = np.random.default_rng(0)
    for n in [200, 1, 60, 1, 1, 300]:
        k = mx.array(rng.standard_normal((1, 3, n, 8)).astype(np.float32))
        v = mx.array(rng.standard_normal((1, 3, n, 4)).astype(np.float32))
        keys.append(k)
        values.append(v)
        ck, cv = cache.update(k, v)
        np.testing.assert_array_equal(np.array(ck), np.array(mx.concatenate(keys, axis=2)))
        np.testing.assert_array_equal(np.array(cv), np.array(mx.concatenate(values, axis=2)))
    assert cache.offset == 563 and cache.keys.shape[2] >= 563


def test_gguf_example_stacked_projections_give_the_same_values():
    # q/k/v (and gate/up) stacked at load time: one product whose columns
    # are exactly the separate products'; mismatched quantizations stay apart.
    import numpy as np

    import mlx.core as mx

    g = _gguf_example()
    rng = np.random.default_rng(1)
    x = mx.array(rng.standard_normal((3, 64)).astype(np.float32))
    projs = []
    for n in [32, 16, 16]:
        w, s, b = mx.quantize(mx.array(rng.standard_normal((n, 64)).astype(np.float32)), 32, 4)
        projs.append((w, s.astype(mx.float16), b.astype(mx.float16), 32, 4))
    stacked = g.Llama._stack(projs)
    assert type(stacked) is tuple
    for rows in (x[:1], x):  # decoding (one row) and a short prompt
        separate = mx.concatenate([g.Llama.linear(rows, p) for p in projs], axis=-1)
        np.testing.assert_array_equal(np.array(g.Llama.linear(rows, stacked)), np.array(separate))
    w8, s8, b8 = mx.quantize(mx.array(rng.standard_normal((8, 64)).astype(np.float32)), 32, 8)
    mixed = g.Llama._stack([projs[0], (w8, s8.astype(mx.float16), b8.astype(mx.float16), 32, 8)])
    assert type(mixed) is list
    want = mx.concatenate([g.Llama.linear(x, p) for p in mixed], axis=-1)
    np.testing.assert_array_equal(np.array(g.Llama.linear(x, mixed)), np.array(want))
