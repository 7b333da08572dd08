"""Records einsum_path results of real MLX 0.32.4 for tests/test_ops_more.py.

Run with the side venv that has MLX (never from the tests):
    /work/venv-mlx/bin/python tests/data/record_einsum_path.py
Random subscripts over 1-6 operands (scalars included), with and without an
explicit output; then subscripts with ellipses and upper-case labels (and the
errors MLX raises for some of them).
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
letters = "abcdeABC"
while len(out) < 400:
    n = random.randint(1, 4)
    sizes = {c: random.choice([1, 2, 3, 5]) for c in letters}
    ins, shapes = [], []
    for _ in range(n):
        sub = "".join(random.sample(letters, random.randint(0, 3)))
        shape = [sizes[c] for c in sub]
        if random.random() < 0.4:
            pos = random.randint(0, len(sub))
            sub = sub[:pos] + "..." + sub[pos:]
            shape = shape[:pos] + [random.choice([1, 4]) for _ in range(random.randint(0, 2))] + shape[pos:]
        ins.append(sub)
        shapes.append(shape)
    eq = ",".join(ins)
    if random.random() < 0.5:
        labels = sorted(set("".join(ins).replace(".", "")))
        rhs = "".join(random.sample(labels, random.randint(0, len(labels))))
        eq += "->" + ("..." if "..." in eq and random.random() < 0.7 else "") + rhs
    try:
        path, info = mx.einsum_path(eq, *[mx.ones(s) for s in shapes])
        out.append([eq, shapes, [list(p) for p in path], info])
    except ValueError as e:
        out.append([eq, shapes, "ValueError", str(e)])
with open(os.path.join(os.path.dirname(__file__), "einsum_path_mlx.json"), "w") as f:
    json.dump(out, f, indent=0)
