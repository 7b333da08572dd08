"""Records mx.random outputs from real MLX 0.32 as test data.

Run in a separate environment that has real MLX (never the project's):
    python tests/data/record_random.py > tests/data/random_mlx.json
tests/test_random.py replays every case against the project.
"""

import json

import mlx.core as mx

# name -> (function name, kwargs); kwargs use plain Python values only, so
# the test can rebuild the same call.
CASES = {
    "key": ("key", {"seed": 42}),
    "key_big": ("key", {"seed": 1234567890123}),
    "split": ("split", {"seed": 42}),
    "split3": ("split", {"seed": 42, "num": 3}),
    "uniform": ("uniform", {"seed": 42, "shape": [10]}),
    "uniform_odd": ("uniform", {"seed": 5, "shape": [3, 3]}),
    "uniform_f16": ("uniform", {"seed": 42, "shape": [5], "dtype": "float16"}),
    "uniform_bf16": ("uniform", {"seed": 42, "shape": [5], "dtype": "bfloat16"}),
    "uniform_range": ("uniform", {"seed": 42, "low": -2, "high": 3, "shape": [2, 3]}),
    "normal": ("normal", {"seed": 42, "shape": [10]}),
    "normal_odd": ("normal", {"seed": 9, "shape": [7]}),
    "normal_loc_scale": ("normal", {"seed": 42, "shape": [4], "loc": 1.0, "scale": 2.0}),
    "normal_f16": ("normal", {"seed": 3, "shape": [6], "dtype": "float16"}),
    # 16-bit samples: erfinv / the inverse CDF in float32, rounded, then scaled in the dtype.
    "normal_f16_loc_scale": (
        "normal",
        {"seed": 0, "shape": [40], "dtype": "float16", "loc": 1.3, "scale": 2.7},
    ),
    "normal_bf16": ("normal", {"seed": 0, "shape": [40], "dtype": "bfloat16"}),
    "laplace_f16": ("laplace", {"seed": 0, "shape": [40], "dtype": "float16"}),
    "laplace_bf16_loc_scale": (
        "laplace",
        {"seed": 0, "shape": [40], "dtype": "bfloat16", "loc": 1.3, "scale": 2.7},
    ),
    "randint": ("randint", {"seed": 42, "low": 0, "high": 100, "shape": [10]}),
    # Intervals that float32 cannot represent exactly: clamped below high.
    "randint_2p24": ("randint", {"seed": 0, "low": 1 << 24, "high": (1 << 24) + 2, "shape": [12]}),
    "randint_uint32": (
        "randint",
        {"seed": 0, "low": 1 << 24, "high": (1 << 24) + 2, "shape": [12], "dtype": "uint32"},
    ),
    "randint_int64": (
        "randint",
        {"seed": 0, "low": 1 << 40, "high": (1 << 40) + 1024, "shape": [6], "dtype": "int64"},
    ),
    "randint_int8": ("randint", {"seed": 0, "low": -100, "high": 100, "shape": [12], "dtype": "int8"}),
    "randint_bool": ("randint", {"seed": 0, "low": 0, "high": 2, "shape": [12], "dtype": "bool_"}),
    "randint_reversed": ("randint", {"seed": 0, "low": 10, "high": -10, "shape": [5]}),
    "randint_negative": ("randint", {"seed": 42, "low": -50, "high": 7, "shape": [10]}),
    "randint_big": ("randint", {"seed": 11, "low": 0, "high": 1 << 30, "shape": [5]}),
    "bernoulli": ("bernoulli", {"seed": 42, "p": 0.3, "shape": [12]}),
    "truncated_normal": ("truncated_normal", {"seed": 42, "lower": -1, "upper": 1, "shape": [8]}),
    "gumbel": ("gumbel", {"seed": 42, "shape": [6]}),
    "laplace": ("laplace", {"seed": 42, "shape": [6]}),
    "laplace_loc_scale": ("laplace", {"seed": 1, "shape": [4], "loc": 2.0, "scale": 0.5}),
    "categorical": ("categorical", {"seed": 42, "logits": [[0.1, 1.0, 2.0, -1.0], [3.0, 0.0, 0.0, 0.0]]}),
    "categorical_axis0": (
        "categorical",
        {"seed": 8, "logits": [[0.1, 1.0], [2.0, -1.0], [0.5, 0.5]], "axis": 0},
    ),
    # Several distributions: Gumbel noise laid out (..., samples, classes).
    "categorical_num_samples": (
        "categorical",
        {
            "seed": 3,
            "logits": [[0.1, 1.0, 2.0, -1.0], [3.0, 0.0, 0.5, 0.0], [0.2, 0.2, 0.2, 0.2]],
            "num_samples": 5,
        },
    ),
    "categorical_shape": (
        "categorical",
        {
            "seed": 3,
            "logits": [[0.1, 1.0, 2.0, -1.0], [3.0, 0.0, 0.5, 0.0], [0.2, 0.2, 0.2, 0.2]],
            "shape": [2, 3],
        },
    ),
    # One distribution sampled several times: MLX inverts its CDF instead.
    "categorical_1d_num_samples": (
        "categorical",
        {"seed": 1, "logits": [1.0, 2.0, 0.5, -1.0], "num_samples": 9},
    ),
    "categorical_1d_shape": ("categorical", {"seed": 6, "logits": [0.3, 0.1, 2.0], "shape": [2, 5]}),
    "categorical_single_row": ("categorical", {"seed": 4, "logits": [[0.3, 0.1, 2.0, 1.0]]}),
    "permutation": ("permutation", {"seed": 42, "x": 10}),
    "permutation_array": ("permutation", {"seed": 42, "x": [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]}),
    "multivariate_normal": (
        "multivariate_normal",
        {
            "seed": 3,
            "mean": [0.5, -1.0, 2.0],
            "shape": [4],
            "cov": [[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]],
        },
    ),
    "multivariate_normal_batched": (
        "multivariate_normal",
        {"seed": 4, "mean": [[0.0, 1.0], [2.0, 3.0]], "cov": [[1.0, 0.5], [0.5, 2.0]]},
    ),
}


def run(mx, name, kw):
    kw = dict(kw)
    key = mx.random.key(kw.pop("seed"))
    if name == "key":
        return key
    if "dtype" in kw:
        kw["dtype"] = getattr(mx, kw["dtype"])
    for k in ("logits", "x", "mean", "cov"):
        if isinstance(kw.get(k), list):
            kw[k] = mx.array(kw[k])
    return getattr(mx.random, name)(key=key, **kw)


def to_json(a):
    import mlx.core as mx_

    if a.dtype in (mx_.float16, mx_.bfloat16):
        a = a.astype(mx_.float32)
    return a.tolist()


if __name__ == "__main__":
    out = {case: to_json(run(mx, fn, kw)) for case, (fn, kw) in CASES.items()}
    mx.random.seed(7)
    out["global_seed7"] = [
        mx.random.uniform(shape=(4,)).tolist(),
        mx.random.normal((4,)).tolist(),
        mx.random.randint(0, 1000, (4,)).tolist(),
    ]
    print(json.dumps(out, indent=0))
