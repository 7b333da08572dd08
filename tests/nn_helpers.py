"""Shared by tests/nn_cases.py, tests/data/record_nn.py and the nn tests.

Runs under both the project and real MLX (the recorder), so it imports only
mlx.core and numpy: no pytest here.
"""

import re

import numpy as np

import mlx.core as mx


def det(shape, k=0, scale=0.5, dtype=None):
    """A deterministic array from a formula: no random numbers involved."""
    n = int(np.prod(shape)) if len(shape) else 1
    v = np.sin(np.arange(n, dtype=np.float64) * 0.37 + k) * scale
    a = mx.array(v.reshape(shape).astype(np.float32))
    return a if dtype is None else a.astype(dtype)


def err(fn):
    """Run ``fn`` and return the exception's type name ('ok' if none)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what we compare
        return type(e).__name__
    return "ok"


def _is_mx_array(v):
    return type(v).__name__ == "array" and hasattr(v, "dtype") and hasattr(v, "tolist")


def encode(key, value, out):
    """Store ``value`` in ``out`` (a dict of NumPy arrays) under ``key``.

    mlx arrays keep their dtype in ``key + '@dtype'`` (half types are stored
    as float32, which NumPy can hold); strings, lists of strings, numbers,
    shapes and None become NumPy arrays too so one .npz holds everything.
    """
    if _is_mx_array(value):
        dt = str(value.dtype)
        if value.dtype in (mx.float16, mx.bfloat16):
            value = value.astype(mx.float32)
        out[key] = np.array(value)
        out[key + "@dtype"] = np.array(dt)
    elif isinstance(value, str):
        # object addresses differ from run to run
        out[key] = np.array(re.sub(r" at 0x[0-9a-fA-F]+", " at 0x?", value))
    elif value is None:
        out[key] = np.array("<None>")
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        out[key] = np.array(list(value), dtype=str) if value else np.zeros((0,), dtype="<U1")
    else:
        out[key] = np.array(value)


def run_cases(cases):
    """Run every case and return one flat dict 'case/key' -> NumPy array."""
    out = {}
    for name, fn in cases.items():
        for k, v in fn().items():
            encode(f"{name}/{k}", v, out)
    return out


def compare(ours, ref, rtol=1e-5, atol=1e-5):
    """Assert that two encoded values agree (shape, dtype, values)."""
    assert ours.shape == ref.shape, f"shape {ours.shape} != {ref.shape}"
    if ref.dtype.kind == "f":
        assert ours.dtype.kind == "f", f"dtype {ours.dtype} != {ref.dtype}"
        np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(ours, ref)


def save_reference(path, values):
    """Write encoded values as JSON: key -> [shape, numpy dtype, flat data]
    (floats with 8 significant digits, plenty for rtol 1e-5)."""
    import json

    def flat(a):
        if a.dtype.kind == "f":
            return [float(f"{x:.8g}") for x in a.ravel().tolist()]
        return a.ravel().tolist()

    data = {k: [list(a.shape), a.dtype.str, flat(a)] for k, a in sorted(values.items())}
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in data.items()) + "\n}\n")


def load_reference(path):
    import json

    with open(path) as f:
        data = json.load(f)
    return {k: np.array(v, dtype=dt).reshape(shape) for k, (shape, dt, v) in data.items()}


def check_case(name, fn, ref, skip=(), rtol=1e-5, atol=1e-5):
    """Run case ``name`` and compare every recorded value with ours; the
    keys in ``skip`` (full 'case/key' names) are left to other tests."""
    ours = run_cases({name: fn})
    want = {k for k in ref if k.startswith(name + "/")}
    problems = [f"{k}: missing" for k in sorted(want - ours.keys()) if k not in skip]
    problems += [f"{k}: not recorded by MLX" for k in sorted(ours.keys() - want)]
    for k in sorted(want & ours.keys()):
        if k in skip:
            continue
        # half precision results carry rounding of their own 16-bit steps
        dt = str(ref.get(k + "@dtype", ""))
        tol = {"mlx.core.float16": 2e-3, "mlx.core.bfloat16": 1.6e-2}.get(dt, 0)
        try:
            compare(ours[k], ref[k], rtol=max(rtol, tol), atol=max(atol, tol))
        except AssertionError as e:
            detail = str(e).strip().replace("\n", " ")[:400]
            problems.append(f"{k}: {detail}\n    ours={ours[k]!r:.300}\n    mlx ={ref[k]!r:.300}")
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems)
