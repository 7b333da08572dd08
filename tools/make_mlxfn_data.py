"""Regenerates tests/data/mlxfn/: each case of tests/export_cases.py
exported by real MLX 0.32.4 (<name>.mlxfn) with its inputs and MLX's
outputs (<name>.npz: in<k>, out<k>, and for shapeless cases other_in<k>,
other_out<k> from calling the imported file on inputs of other shapes).

Run with the separate MLX environment, never the project's:
    env -u PYTHONPATH /work/venv-mlx/bin/python tools/make_mlxfn_data.py
"""

import os
import sys

import numpy as np

import mlx.core as mx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import export_cases  # noqa: E402
import export_seeds  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "mlxfn")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, fun, inputs, options in export_cases.cases(mx):
        path = os.path.join(OUT, name + ".mlxfn")
        export_cases.export(mx, path, name, fun, inputs, options)
        fn = mx.import_function(path)
        outs = export_cases.call(fn, inputs, options)
        data = {f"in{k}": np.array(a) for k, a in enumerate(inputs)}
        data.update({f"out{k}": np.array(a) for k, a in enumerate(outs)})
        if "other" in options:
            other = options["other"]
            data.update({f"other_in{k}": np.array(a) for k, a in enumerate(other)})
            outs = export_cases.call(fn, other, options)
            data.update({f"other_out{k}": np.array(a) for k, a in enumerate(outs)})
        np.savez_compressed(os.path.join(OUT, name + ".npz"), **data)
        print(name, os.path.getsize(path), "bytes")
    path = os.path.join(OUT, "multi.mlxfn")
    fun, traces = export_cases.multi_trace(mx, path)
    fn = mx.import_function(path)
    data = {}
    for t, ins in enumerate(traces):
        outs = fn(*ins[:1]) if t == 0 else fn(*ins) if t == 1 else fn(ins[0], z=ins[1])
        data.update({f"t{t}_in{k}": np.array(a) for k, a in enumerate(ins)})
        data[f"t{t}_out"] = np.array(outs[0])
    np.savez_compressed(os.path.join(OUT, "multi.npz"), **data)
    print("multi", os.path.getsize(path), "bytes")
    for name, prim, state, inputs, outputs, reference in export_seeds.seeds():
        seed = os.path.join(OUT, "seed.tmp")
        ins = [(a.shape, export_seeds.dtype_name(a)) for a in inputs]
        export_seeds.write_seed(seed, prim, state, ins, outputs)
        arrays = [mx.array(a) for a in inputs]
        path = os.path.join(OUT, "seed_" + name + ".mlxfn")
        mx.export_function(path, mx.import_function(seed), *arrays)
        os.remove(seed)
        with open(path, "rb") as f:
            assert prim.encode() in f.read(), name
        data = {f"in{k}": a for k, a in enumerate(inputs)}
        data.update({f"out{k}": np.array(o) for k, o in enumerate(reference(mx, *arrays))})
        np.savez_compressed(os.path.join(OUT, "seed_" + name + ".npz"), **data)
        print("seed_" + name, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
