#!/usr/bin/env bash
# Runs workloads of the shared MLX-API suite (../shared/bench) for this
# project, real MLX, NumPy and PyTorch in one sitting, and prints the table.
#   VENV_MLX: a venv with `mlx[cpu]` (real MLX); VENV_REF: one with torch==2.13.0 and numpy;
#   VENV_JAX (optional): one with jax (Python 3.12 or later).
#   benchmarks/run_suite.sh OUT_DIR [WORKLOAD...]   (default: the workloads below; "all": every one)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite="${MLX_BENCH_SUITE:-$here/../../shared/bench}"
out="${1:-$here/results/$(date +%F)}"
shift || true
# Engine (matmul, elementwise, reductions, dispatch), array ops (copies,
# gather/scatter, sort, scans) and the MLP training step.
only=("$@")
if [ ${#only[@]} -eq 0 ]; then
  only=(matmul_f32_512 matmul_f32_1024 matmul_f32_2048 matmul_f16_1024 matmul_bf16_1024
        matvec_f32_4096 add_f32_16M exp_f32_16M gelu_sigmoid_16M_eager sum_all_4096x4096
        sum_lastaxis_4096x4096 sum_axis0_4096x4096 argmax_lastaxis_4096x4096
        softmax_lastaxis_4096x4096 logsumexp_lastaxis_4096x4096 transpose_add1_4096x4096
        transpose_copy_4096x4096 bcast_add_row_4096x4096 bcast_add_col_4096x4096
        take_1M_from_4M take_rows_64K_of_32Kx256 scatter_add_1M_into_1M sort_f32_1M
        argsort_f32_1M cumsum_lastaxis_4096x4096 dispatch_graph_1000ops
        dispatch_eval_each_1000ops chain16_1M_eager chain16_small_eager
        mlp_sgd_step_b256 mlp_adam_step_b256)
fi
only_args=(--only "${only[@]}")
if [ "${only[*]}" = "all" ]; then
  only_args=()
fi
mkdir -p "$out"
python3 "$suite/machine.py" > "$out/machine.txt" 2>&1 || true
grep -m1 'model name' /proc/cpuinfo >> "$out/machine.txt" || true
python3 "$suite/bench.py" --json "$out/ours.json" "${only_args[@]}"
# The reference venvs must not see this project through PYTHONPATH.
ref() { env -u PYTHONPATH "$@"; }
ref "${VENV_MLX:?}/bin/python" "$suite/bench.py" --json "$out/mlx.json" "${only_args[@]}"
ref "${VENV_REF:?}/bin/python" "$suite/bench_numpy.py" --json "$out/numpy.json" "${only_args[@]}"
ref "${VENV_REF:?}/bin/python" "$suite/bench_torch.py" --json "$out/torch.json" "${only_args[@]}"
jsons=("$out/ours.json" "$out/mlx.json" "$out/numpy.json" "$out/torch.json")
if [ -n "${VENV_JAX:-}" ]; then
  ref "$VENV_JAX/bin/python" "$suite/bench_jax.py" --json "$out/jax.json" "${only_args[@]}"
  jsons+=("$out/jax.json")
fi
python3 "$suite/compare.py" "${jsons[@]}" | tee "$out/table.txt"
for extra in "$here/mlp_train_step.py"; do
  { python3 "$extra"; ref "$VENV_MLX/bin/python" "$extra"; ref "$VENV_REF/bin/python" "$extra" --torch; } | tee -a "$out/table.txt"
done
