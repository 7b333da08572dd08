"""Exports a small MLP for run_exported.cpp:
    python export_mlp.py model.mlxfn
then (after building this directory against the installed library)
    ./run_exported model.mlxfn 2 8 0.5
"""

import json
import sys

import mlx.core as mx
import mlx.nn as nn


def main(path):
    mx.random.seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    mx.eval(model.parameters())
    x = mx.full((2, 8), 0.5)
    mx.export_function(path, model, x, metadata=json.dumps({"layers": [8, 16, 3]}))
    print(model(x))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "model.mlxfn")
