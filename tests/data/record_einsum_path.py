"""Records einsum_path results of real MLX 0.32.4 for tests/test_ops_more.py.

Run with the side venv that has MLX (never from the tests):
    /work/venv-mlx/bin/python tests/data/record_einsum_path.py
Random subscripts over 1-6 operands (scalars included), with and without an
explicit output.
"""
import json
import os
import random

import mlx.core as mx

random.seed(0)
letters = "abcdefg"
out = []
while len(out) < 200:
    n = random.randint(1, 6)
    sizes = {c: random.choice([1, 2, 3, 5, 7, 10, 40]) for c in letters}
    ins = ["".join(random.sample(letters[: random.randint(3, 7)], random.randint(0, 3))) for _ in range(n)]
    labels = sorted(set("".join(ins)))
    eq = ",".join(ins)
    if random.random() < 0.5:
        eq += "->" + "".join(random.sample(labels, random.randint(0, len(labels))))
    shapes = [[sizes[c] for c in s] for s in ins]
    path, info = mx.einsum_path(eq, *[mx.ones(s) for s in shapes])
    out.append([eq, shapes, [list(p) for p in path], info])
with open(os.path.join(os.path.dirname(__file__), "einsum_path_mlx.json"), "w") as f:
    json.dump(out, f, indent=0)
