"""Export and import of functions (.mlxfn files, MLX 0.32.4's layout).

Files in tests/data/mlxfn/ were written by real MLX 0.32.4
(tools/make_mlxfn_data.py, with MLX's outputs beside them); they must
import and run here with the same results. Files written here must import
in real MLX, checked where an MLX environment exists (MLX_ORACLE_PYTHON,
default /work/venv-mlx/bin/python), skipped elsewhere."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

sys.path.insert(0, os.path.dirname(__file__))
import export_cases  # noqa: E402
import export_seeds  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "mlxfn")
CASES = {c[0]: c for c in export_cases.cases(mx)}
ORACLE = os.environ.get("MLX_ORACLE_PYTHON", "/work/venv-mlx/bin/python")


def assert_close(got, want, name=""):
    got = np.array(got)
    assert got.shape == want.shape, name
    assert got.dtype == want.dtype, name
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=name)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5, err_msg=name)


def load_npz(name):
    with np.load(os.path.join(DATA, name + ".npz")) as f:
        return {k: f[k] for k in f.files}


def seq(data, prefix):
    out = []
    while f"{prefix}{len(out)}" in data:
        out.append(data[f"{prefix}{len(out)}"])
    return out


# ---- files written by real MLX


@pytest.mark.parametrize("name", sorted(CASES))
def test_mlx_written_file_runs_here(name):
    _, _, _, options = CASES[name]
    data = load_npz(name)
    fn = mx.import_function(os.path.join(DATA, name + ".mlxfn"))
    outs = export_cases.call(fn, [mx.array(a) for a in seq(data, "in")], options)
    assert isinstance(outs, tuple)
    want = seq(data, "out")
    assert len(outs) == len(want)
    for k, (g, w) in enumerate(zip(outs, want)):
        assert_close(g, w, f"{name} output {k}")
    if "other" in options:
        outs = export_cases.call(fn, [mx.array(a) for a in seq(data, "other_in")], options)
        for k, (g, w) in enumerate(zip(outs, seq(data, "other_out"))):
            assert_close(g, w, f"{name} shapeless output {k}")


@pytest.mark.parametrize("name", [s[0] for s in export_seeds.seeds()])
def test_mlx_written_fast_primitive_runs_here(name):
    # Written by MLX's own writer (see export_seeds.py): the primitive itself,
    # not the fallback graph MLX's CPU build traces.
    path = os.path.join(DATA, "seed_" + name + ".mlxfn")
    prim = {s[0]: s[1] for s in export_seeds.seeds()}[name]
    with open(path, "rb") as f:
        assert prim.encode() in f.read()
    data = load_npz("seed_" + name)
    outs = mx.import_function(path)(*[mx.array(a) for a in seq(data, "in")])
    want = seq(data, "out")
    assert len(outs) == len(want)
    for k, (g, w) in enumerate(zip(outs, want)):
        assert_close(g, w, f"{name} output {k}")


def test_mlx_written_multi_trace_file():
    data = load_npz("multi")
    fn, meta = mx.import_function(os.path.join(DATA, "multi.mlxfn"), return_metadata=True)
    assert meta == "multi"
    ins = [[mx.array(data[f"t{t}_in{k}"]) for k in range(3) if f"t{t}_in{k}" in data] for t in range(3)]
    assert_close(fn(*ins[0])[0], data["t0_out"])
    assert_close(fn(*ins[1])[0], data["t1_out"])
    assert_close(fn(ins[2][0], z=ins[2][1])[0], data["t2_out"])
    with pytest.raises(ValueError, match="No imported function found"):
        fn(ins[2][0], y=ins[2][1])


def test_multi_trace_round_trip(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    fun, traces = export_cases.multi_trace(mx, path)
    fn = mx.import_function(path)
    assert_close(fn(*traces[0])[0], np.array(fun(*traces[0])))
    assert_close(fn(*traces[1])[0], np.array(fun(*traces[1])))
    assert_close(fn(traces[2][0], z=traces[2][1])[0], np.array(fun(traces[2][0], z=traces[2][1])))


# ---- round trips here


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip(name, tmp_path):
    _, fun, inputs, options = CASES[name]
    path = str(tmp_path / "f.mlxfn")
    export_cases.export(mx, path, name, fun, inputs, options)
    fn = mx.import_function(path)
    want = export_cases.call(fun, inputs, options)
    want = want if isinstance(want, tuple) else (want,)
    got = export_cases.call(fn, inputs, options)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert_close(g, np.array(w), f"{name} output {k}")
    if "other" in options:
        got = export_cases.call(fn, options["other"], options)
        want = export_cases.call(fun, options["other"], options)
        want = want if isinstance(want, tuple) else (want,)
        assert len(got) == len(want)
        for k, (g, w) in enumerate(zip(got, want)):
            assert_close(g, np.array(w), f"{name} shapeless output {k}")


@pytest.mark.parametrize(
    "fun",
    [
        lambda x: mx.logcumsumexp(x, 1, reverse=True),
        lambda x: mx.fft.irfftn(mx.fft.rfftn(x)),
        lambda x: mx.round(x * 10, -1) + mx.round(x, 3),
        lambda x: mx.fast.rms_norm(x, mx.ones(4) * 2, 1e-5) + mx.fast.layer_norm(x, None, None, 1e-5),
        lambda x: mx.compile(lambda a: mx.exp(a) * 2 + 1)(x),
        lambda x: mx.stop_gradient(x) + mx.arange(4, dtype=mx.float32),
        lambda x: mx.hadamard_transform(x),
        lambda x: mx.view(x, mx.int32) >> 3,
        lambda x: mx.depends([x * 2], [x + 1])[0],
        lambda x: mx.linalg.eigh(x @ x.T, stream=mx.cpu)[0],
        lambda x: mx.conv_general(x[None, :, :, None], mx.ones((2, 2, 2, 1)), flip=True),
    ],
)
def test_round_trip_more_primitives(fun, tmp_path):
    x = mx.array(np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32))
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, fun, x)
    (got,) = mx.import_function(path)(x)
    assert_close(got, np.array(fun(x)))


def test_non_contiguous_and_broadcast_constants(tmp_path):
    c = mx.arange(12, dtype=mx.float32).reshape(3, 4).T  # a transposed view
    b = mx.broadcast_to(mx.array([1.0, 2.0, 3.0]), (4, 3))
    mx.eval(c, b)
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: x * c + b, mx.zeros((4, 3)))
    (got,) = mx.import_function(path)(mx.ones((4, 3)))
    assert_close(got, np.array(c) + np.array(b))


def test_empty_and_scalar_inputs(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x, s: (x * s, s + 1), mx.zeros((0, 3)), mx.array(2.0))
    x, s = mx.import_function(path)(mx.zeros((0, 3)), mx.array(5.0))
    assert x.shape == (0, 3) and s.item() == 6.0


# ---- real MLX reads files written here


def oracle_available():
    return os.path.exists(ORACLE)


@pytest.mark.skipif(not oracle_available(), reason="no MLX 0.32.4 environment (MLX_ORACLE_PYTHON)")
def test_real_mlx_runs_files_written_here(tmp_path):
    expected = {}
    for name, (_, fun, inputs, options) in CASES.items():
        export_cases.export(mx, str(tmp_path / (name + ".mlxfn")), name, fun, inputs, options)
        outs = export_cases.call(fun, inputs, options)
        outs = outs if isinstance(outs, tuple) else (outs,)
        expected[name] = [np.array(o) for o in outs]
        np.savez(tmp_path / (name + ".npz"), **{f"in{k}": np.array(a) for k, a in enumerate(inputs)})
    script = f"""
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, {os.path.dirname(__file__)!r})
import export_cases
for name, _, _, options in export_cases.cases(mx):
    d = np.load({str(tmp_path)!r} + "/" + name + ".npz")
    ins = [mx.array(d[f"in{{k}}"]) for k in range(len(d.files))]
    fn = mx.import_function({str(tmp_path)!r} + "/" + name + ".mlxfn")
    outs = export_cases.call(fn, ins, options)
    np.savez({str(tmp_path)!r} + "/" + name + ".out.npz", *[np.array(o) for o in outs])
"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([ORACLE, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    for name, want in expected.items():
        with np.load(tmp_path / (name + ".out.npz")) as f:
            got = [f[f"arr_{k}"] for k in range(len(f.files))]
        assert len(got) == len(want), name
        for k, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{name} output {k} (read by MLX)")


# ---- API behaviour


def test_callback_reports_primitives_as_mlx():
    seen = {}
    prims = []

    def callback(d):
        if d["type"] == "primitive":
            prims.append((d["name"], d["arguments"]))
        else:
            seen[d["type"]] = d

    fn = lambda x, y: mx.log(mx.abs(x - y)).astype(mx.int32)  # noqa: E731
    mx.export_function(callback, fn, mx.array(1.0), y=mx.array(1.0))
    # MLX 0.32.4's answers for this function.
    assert [p[0] for p in prims] == ["Subtract", "Abs", "Log", "AsType"]
    assert [p[1] for p in prims] == [[], [], [2], [mx.int32]]
    assert len(seen["inputs"]["inputs"]) == 2 and len(seen["outputs"]["outputs"]) == 1
    assert len(seen["constants"]["constants"]) == 0
    assert seen["keyword_inputs"]["keywords"][0][0] == "y"


def test_callback_states_and_constants():
    prims = []
    consts = []

    def callback(d):
        if d["type"] == "primitive":
            prims.append((d["name"], d["arguments"]))
        elif d["type"] == "constants":
            consts.extend(d["constants"])

    w = mx.ones((2, 3))
    mx.eval(w)
    mx.export_function(callback, lambda x: (x * w).sum(0, keepdims=True), mx.zeros((2, 3)))
    assert ("Reduce", [2, [0]]) in prims  # MLX: Sum is 2, axes a list
    assert len(consts) == 1 and consts[0][1].shape == (2, 3)
    prims.clear()
    mx.export_function(callback, lambda x: mx.cumsum(x, 1, reverse=True), mx.zeros((2, 3)))
    assert prims == [("Scan", [2, 1, True, True])]
    prims.clear()
    mx.export_function(callback, lambda x: x.reshape(3, 2), mx.zeros((2, 3)))
    assert prims == [("Reshape", [(3, 2)])]


def test_kwarg_ordering(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    fn = lambda *, a, b, c: a - 2 * b + 3 * c  # noqa: E731
    a, b, c = mx.array(1.0), mx.array(10.0), mx.array(100.0)
    mx.export_function(path, fn, c=c, a=a, b=b)
    imported = mx.import_function(path)
    for kw in ({"a": a, "b": b, "c": c}, {"c": c, "b": b, "a": a}, {"b": b, "c": c, "a": a}):
        assert imported(**kw)[0].item() == 281.0
    assert imported({"b": b, "a": a, "c": c})[0].item() == 281.0
    with pytest.raises(ValueError, match="No imported function found"):
        imported(a=a, b=b, d=c)


def test_tuple_and_dict_inputs(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    mx.export_function(path, lambda x, y: x * y, (x,), {"y": y})
    f = mx.import_function(path)
    assert f((x,), {"y": y})[0].tolist() == [3.0, 8.0]
    assert f(x, y=y)[0].tolist() == [3.0, 8.0]


def test_shapeless_other_shapes_and_ranks(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: mx.exp(x) + x.sum(), mx.zeros((2, 3)), shapeless=True)
    f = mx.import_function(path)
    x = mx.arange(20, dtype=mx.float32).reshape(4, 5) / 10
    assert_close(f(x)[0], np.exp(np.array(x)) + np.array(x).sum())
    with pytest.raises(ValueError):
        f(mx.zeros((2,)))  # another number of dimensions
    with pytest.raises(ValueError):
        f(mx.zeros((2, 3), dtype=mx.int32))


def test_exporter_several_traces_constants_once(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    w = mx.ones((256, 256))
    mx.eval(w)
    with mx.exporter(path, lambda *xs: sum(xs) @ w) as exp:
        exp(mx.zeros((1, 256)))
        exp(mx.zeros((1, 256)), mx.ones((1, 256)))
        exp(mx.zeros((2, 256)))
    assert os.path.getsize(path) < 2 * w.nbytes
    f = mx.import_function(path)
    assert f(mx.ones((1, 256)))[0].shape == (1, 256)
    assert f(mx.ones((1, 256)), mx.ones((1, 256)))[0][0, 0].item() == 512.0
    assert f(mx.ones((2, 256)))[0].shape == (2, 256)


def test_exporter_errors(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    exp = mx.exporter(path, lambda x: x * 2)
    exp(mx.zeros(2))
    with pytest.raises(RuntimeError, match="twice with the same signature"):
        exp(mx.zeros(2))
    exp.close()
    with pytest.raises(RuntimeError, match="after exporting is closed"):
        exp(mx.zeros(3))


def test_metadata(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: x + 1, mx.zeros(2), metadata='{"model": "x"}')
    f, meta = mx.import_function(path, return_metadata=True)
    assert meta == '{"model": "x"}' and f(mx.zeros(2))[0].tolist() == [1.0, 1.0]
    mx.export_function(path, lambda x: x + 1, mx.zeros(2))
    assert mx.import_function(path, return_metadata=True)[1] == ""
    with pytest.raises(ValueError, match="only supported when exporting to a file"):
        mx.export_function(lambda d: None, lambda x: x, mx.zeros(2), metadata="m")


def test_errors(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    x = mx.zeros(2)
    with pytest.raises(ValueError, match="Outputs can be either"):
        mx.export_function(path, lambda a: 3, x)
    with pytest.raises(ValueError, match="Inputs can either be"):
        mx.export_function(path, lambda a: a, 3)
    with pytest.raises(ValueError, match="Unable to serialize primitive BitwiseInvert"):
        mx.export_function(path, lambda a: ~a, mx.zeros(2, dtype=mx.int32))
    with pytest.raises(RuntimeError, match="Failed to open"):
        mx.import_function(str(tmp_path / "missing.mlxfn"))
    with pytest.raises(RuntimeError, match="Failed to open"):
        mx.export_function(str(tmp_path / "no" / "dir.mlxfn"), lambda a: a, x)
    mx.export_function(path, lambda a: a + 1, x)
    f = mx.import_function(path)
    with pytest.raises(ValueError, match="No imported function found"):
        f(mx.zeros(3))
    with pytest.raises(ValueError, match="No imported function found"):
        f(x, x)
    with pytest.raises(ValueError, match="Inputs can either be"):
        f([x], {"a": x}, x)


def test_transforms_of_imported_function(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: mx.sin(x) * x, mx.zeros(3))
    f = mx.import_function(path)
    x = mx.array([0.5, 1.0, 2.0])
    g = mx.grad(lambda a: f(a)[0].sum())(x)
    assert_close(g, np.cos(np.array(x)) * np.array(x) + np.sin(np.array(x)))
    v = mx.vmap(lambda a: f(a)[0])(mx.stack([x, 2 * x]))
    assert_close(v, np.stack([np.sin(x) * x, np.sin(2 * x) * 2 * x]).astype(np.float32))
    c = mx.compile(lambda a: f(a)[0] + 1)(x)
    assert_close(c, np.sin(np.array(x)) * np.array(x) + 1)


def test_unevaluated_captured_arrays_export_their_graph(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    w = mx.arange(3, dtype=mx.float32) * 2  # not evaluated
    mx.export_function(path, lambda x: x + w, mx.zeros(3))
    assert mx.import_function(path)(mx.ones(3))[0].tolist() == [1.0, 3.0, 5.0]


@pytest.mark.parametrize(
    "kw",
    [
        {"dims": 8, "traditional": False, "base": 10000.0, "scale": 1.0, "offset": 3},
        {"dims": 6, "traditional": True, "base": 500.0, "scale": 0.5, "offset": 0},
        {
            "dims": 8,
            "traditional": False,
            "base": None,
            "scale": 1.0,
            "offset": 1,
            "freqs": mx.arange(1.0, 5.0),
        },
        {"dims": 4, "traditional": True, "base": 10.0, "scale": 2.0, "offset": mx.array([1, 4])},
    ],
)
def test_rope_written_as_its_graph(kw, tmp_path):
    # MLX's CPU build cannot run a deserialized RoPE: it is written unfused.
    x = mx.array(np.random.default_rng(2).standard_normal((2, 3, 5, 8)).astype(np.float32))
    fun = lambda a: mx.fast.rope(a, **kw)  # noqa: E731
    names = []
    mx.export_function(lambda d: names.append(d.get("name")), fun, x)
    assert "RoPE" not in names
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, fun, x)
    assert_close(mx.import_function(path)(x)[0], np.array(fun(x)))


def test_metal_kernel_traced_for_export_only(tmp_path):
    # As MLX's CPU build: the kernel can be exported, not run.
    kernel = mx.fast.metal_kernel(
        name="k", input_names=["a"], output_names=["out"], source="out[0] = a_shape[0];"
    )

    def call(a, stream=mx.gpu):
        return kernel(
            inputs=[a],
            grid=(a.size, 1, 1),
            threadgroup=(1, 1, 1),
            output_shapes=[a.shape],
            output_dtypes=[a.dtype],
            stream=stream,
        )[0]

    prims = []

    def callback(d):
        if d["type"] == "primitive":
            prims.append((d["name"], d["arguments"]))

    mx.export_function(callback, call, mx.zeros((2, 2)))
    assert prims == [
        (
            "CustomKernel",
            [
                "custom_kernel_k",
                "out[0] = a_shape[0];",
                4,
                1,
                1,
                1,
                1,
                1,
                [(True, False, False)],
                True,
                [],
                False,
                0,
                0,
            ],
        )
    ]
    path = str(tmp_path / "k.mlxfn")
    mx.export_function(path, call, mx.zeros((2, 2)))
    assert os.path.getsize(path) > 0
    with pytest.raises(ValueError, match="Unable to deserialize primitive CustomKernel"):
        mx.import_function(path)
    with pytest.raises(RuntimeError, match="No Metal back-end"):
        call(mx.zeros(2))
    with pytest.raises(ValueError, match="Only supports the GPU"):
        mx.export_function(path, lambda a: call(a, mx.cpu), mx.zeros(2))


def test_custom_functions_and_checkpoint_as_mlx(tmp_path):
    # As MLX 0.32.4: a custom_function with no rule is its function (its
    # graph is written, and stays differentiable); one with a rule, and
    # checkpoint, are a node MLX cannot write.
    x = mx.array(np.random.default_rng(4).standard_normal((2, 3)).astype(np.float32))
    path = str(tmp_path / "f.mlxfn")
    plain = mx.custom_function(lambda a: mx.exp(a) * 2)
    mx.export_function(path, plain, x)
    fn = mx.import_function(path)
    assert_close(fn(x)[0], np.exp(np.array(x)) * 2)
    assert_close(mx.grad(lambda a: fn(a)[0].sum())(x), np.exp(np.array(x)) * 2)

    @mx.custom_function
    def ruled(a):
        return mx.exp(a) * 2

    @ruled.vjp
    def ruled_vjp(primals, cotangent, output):
        return cotangent * 3

    checkpointed = mx.checkpoint(lambda a: mx.sin(a) * 2)
    for fun in (ruled, checkpointed):
        with pytest.raises(
            ValueError, match=r"^\[export_function\] Unable to serialize primitive CustomTransforms"
        ):
            mx.export_function(path, fun, x)
        with pytest.raises(ValueError, match=r"Unable to get state for primitive CustomTransforms"):
            mx.export_function(lambda d: None, fun, x)
    # Its gradient has no such node: exported, it gives the custom rule's.
    mx.export_function(path, lambda a: mx.grad(lambda b: ruled(b).sum())(a), x)
    assert_close(mx.import_function(path)(x)[0], np.full((2, 3), 3.0, np.float32))
    # A checkpointed function still differentiates as its function; its
    # gradient holds the node (the recomputation waits for its outputs), so
    # MLX refuses to export it too.
    ckpt_grad = lambda a: mx.grad(lambda b: checkpointed(b).sum())(a)  # noqa: E731
    assert_close(ckpt_grad(x), 2 * np.cos(np.array(x)))
    with pytest.raises(ValueError, match="Unable to serialize primitive CustomTransforms"):
        mx.export_function(path, ckpt_grad, x)


def test_no_ops_left_out_as_mlx(tmp_path):
    # MLX's export simplifies the trace: StopGradient (and Copy) are left
    # out, an output that is one is its input, and the imported function
    # differentiates through where the original did not (MLX 0.32.4 gives
    # these primitives, outputs and gradient for the same function).
    x = mx.array([1.0, 2.0])
    fun = lambda a: (mx.stop_gradient(a), mx.stop_gradient(a * 2) + 1)  # noqa: E731
    names = []
    mx.export_function(lambda d: names.append(d["name"]) if d["type"] == "primitive" else None, fun, x)
    assert names == ["Broadcast", "Multiply", "Broadcast", "Add"]
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, fun, x)
    assert os.path.getsize(path) == 521
    fn = mx.import_function(path)
    a, b = fn(x)
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 5.0]
    assert mx.grad(lambda v: fn(v)[1].sum())(x).tolist() == [2.0, 2.0]
    assert mx.grad(lambda v: fun(v)[1].sum())(x).tolist() == [0.0, 0.0]
