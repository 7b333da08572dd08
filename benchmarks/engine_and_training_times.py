"""Times that the test suite used to assert as limits, printed instead:

* eval of a chain of elementwise nodes on 2**20 float32 values past the
  fusion threshold (tests/test_engine.py::test_eager_fusion_long_chain_values)
  at several lengths: the time per node should stay flat as the chain grows
  (a plan quadratic in the chain length would show here);
* the training runs of tests/test_nn_train.py (the same models, data,
  optimizers and step counts, built by its *_case() functions).

    PYTHONPATH=python:tests python benchmarks/engine_and_training_times.py [--repeat 3]

Prints the median of --repeat runs. The limits the tests once asserted are
shown for reference (on two cores): chain of 600 nodes < 20 s; MLP 300 steps
< 20 s; tiny transformer 150 steps < 30 s; CNN 60 steps < 20 s.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import mlx.core as mx  # noqa: E402


def chain_seconds(length, n=1 << 20):
    x = mx.linspace(-2, 2, n)
    mx.eval(x)
    y = x
    for i in range(length):
        y = y * 1.0001 + 0.5 if i % 2 else mx.maximum(y, -1.5)
    start = time.perf_counter()
    mx.eval(y)
    return time.perf_counter() - start


def training_seconds(make_case):
    from test_nn_train import fit

    case = make_case()
    start = time.perf_counter()
    fit(case)
    return time.perf_counter() - start


def median(fn, repeat):
    return statistics.median(fn() for _ in range(repeat))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    chain_seconds(75)  # warm-up: thread pool, allocator cache
    print("elementwise chain on 2**20 float32 values (eval only)")
    print(f"{'nodes':>8} {'seconds':>10} {'us/node':>10}")
    for length in [75, 150, 300, 600, 1200]:
        s = median(lambda: chain_seconds(length), args.repeat)
        print(f"{length:>8} {s:>10.3f} {1e6 * s / length:>10.1f}")

    import test_nn_train as t

    print("\ntraining runs of tests/test_nn_train.py")
    print(f"{'run':<36} {'steps':>6} {'seconds':>10} {'ms/step':>10}")
    for label, make in [
        ("MLP classifier (Adam)", t.mlp_classification_case),
        ("tiny transformer LM (Adam)", t.tiny_lm_case),
        ("small CNN (Adam)", t.small_cnn_case),
    ]:
        steps = make().steps
        s = median(lambda: training_seconds(make), args.repeat)
        print(f"{label:<36} {steps:>6} {s:>10.3f} {1e3 * s / steps:>10.2f}")


if __name__ == "__main__":
    main()
