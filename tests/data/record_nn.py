"""Records mlx.nn / mlx.optimizers results from real MLX 0.32 as test data.

Run in a separate environment that has real MLX (never the project's):
    /work/venv-mlx/bin/python tests/data/record_nn.py
It writes tests/data/nn_mlx.json; tests/test_nn*.py, test_losses.py and
test_optimizers.py replay the same cases (tests/nn_cases.py,
tests/data/nn_optim_cases.py) against the project.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import nn_cases  # noqa: E402
import nn_optim_cases  # noqa: E402
from nn_helpers import run_cases, save_reference  # noqa: E402

if __name__ == "__main__":
    import mlx.core as mx

    assert "/work/main" not in mx.__file__, "record with real MLX, not the project"
    cases = {**nn_cases.CASES, **nn_optim_cases.CASES}
    out = run_cases(cases)
    save_reference(os.path.join(HERE, "nn_mlx.json"), out)
    print(f"recorded {len(cases)} cases, {len(out)} values, MLX {mx.__version__}")
