"""The source tree keeps its layout: the op family is the unit on every floor.

mlx/ops/<family>.cpp (checks and node building), mlx/primitives/<family>.{h,cpp}
(classes and their rules), mlx/backend/cpu/<family>.cpp (evaluation only) and
python/src/<family>.cpp (bindings). A family may have several files on one
floor, named <family>_<part>; each floor also has a few shared files, named
below. docs/dev/layout.md describes the floors.
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FAMILIES = {
    "elementwise",
    "creation",
    "layout",
    "reduce",
    "products",
    "indexing",
    "sort_scan",
    "conv",
    "last_axis",
    "random",
    "fast",
    "fft",
    "linalg",
    "graph",
    "fused",
    "quantized",
    "distributed",
    "export",
}

# Files of a floor that serve every family there.
SHARED = {
    "mlx/ops": {"common"},
    "mlx/primitives": {"common"},
    "mlx/backend/cpu": {
        "blas",
        "copy",
        "dispatch",
        "lanes",
        "math",
        "parallel",
        "simd",
        "simd_avx2",
        "streaming",
        "strided",
    },
    "python/src": {
        "mlx",
        "array",
        "convert",
        "py_args",
        "trees",
        "device",
        "dtype",
        "memory",
        "io",
        "transforms",
        "compile",
        "backends",
    },
}

# Names that say when a file was written rather than what it holds.
VAGUE = {"more", "misc", "small", "utils", "extra", "other", "new"}

MAX_LINES = 1000


def stem_allowed(floor, stem):
    if stem in FAMILIES or stem in SHARED[floor]:
        return True
    owners = FAMILIES | (SHARED[floor] if floor == "python/src" else set())
    return any(stem.startswith(f + "_") for f in owners)


def test_every_file_belongs_to_a_family():
    bad = []
    for floor in SHARED:
        for name in sorted(os.listdir(os.path.join(ROOT, floor))):
            path = os.path.join(ROOT, floor, name)
            if not os.path.isfile(path) or not name.endswith((".cpp", ".h")):
                continue
            stem = name.rsplit(".", 1)[0]
            if not stem_allowed(floor, stem) or VAGUE & set(stem.split("_")):
                bad.append(f"{floor}/{name}")
    assert not bad, f"files outside the family layout (see docs/dev/layout.md): {bad}"


def test_no_file_is_too_long():
    long = []
    for top in ["mlx", "python", "tools", "examples", "benchmarks", "cmake", ".ci"]:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if not re.search(r"\.(cpp|h|py|cmake|sh)$", name) and name not in ("CMakeLists.txt", "run"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, errors="replace") as f:
                    n = sum(1 for _ in f)
                if n > MAX_LINES:
                    long.append(f"{os.path.relpath(path, ROOT)} ({n} lines)")
    assert not long, f"split these by what they hold: {long}"


def test_elementwise_table_rows_are_bound():
    """Every row of the elementwise table is a public op with a binding."""
    table = open(os.path.join(ROOT, "mlx/primitives/elementwise_table.h")).read()
    ops = re.findall(r"^MLX_\w+\(\w+, (\w+)", table, re.M)
    assert len(ops) > 50
    import mlx.core as mx

    missing = [op for op in ops if not hasattr(mx, op)]
    assert not missing, missing
