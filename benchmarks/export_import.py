"""Export/import costs: import_function of a 100-layer MLP file (target
under 50 ms) and the cost of a call of the imported function against the
compiled original.

    PYTHONPATH=python python benchmarks/export_import.py
"""

import os
import tempfile
import time

import mlx.core as mx


def best(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main(layers=100, width=64, batch=8):
    mx.random.seed(0)
    weights = [(mx.random.normal((width, width)) / width**0.5, mx.zeros(width)) for _ in range(layers)]
    mx.eval(weights)

    def mlp(x):
        for w, b in weights:
            x = mx.maximum(x @ w + b, 0)
        return x

    x = mx.random.normal((batch, width))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mlp.mlxfn")
        t = time.perf_counter()
        mx.export_function(path, mlp, x)
        export_s = time.perf_counter() - t
        size = os.path.getsize(path)
        import_s = best(lambda: mx.import_function(path), 10)
        imported = mx.import_function(path)
    compiled = mx.compile(mlp)
    mx.eval(compiled(x), imported(x))
    call_compiled = best(lambda: mx.eval(compiled(x)), 50)
    call_imported = best(lambda: mx.eval(imported(x)), 50)
    print(f"{layers}-layer MLP ({width} wide): file {size / 1e6:.2f} MB, export {export_s * 1e3:.1f} ms")
    print(f"import_function: {import_s * 1e3:.2f} ms (target < 50 ms)")
    print(f"call, compiled original: {call_compiled * 1e6:.0f} us")
    print(f"call, imported function: {call_imported * 1e6:.0f} us")


if __name__ == "__main__":
    main()
