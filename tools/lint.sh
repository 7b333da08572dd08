#!/usr/bin/env bash
# Formatting and lint of the whole tree: clang-format for C++, ruff for Python.
#   bash tools/lint.sh          check (fails on drift; what CI runs)
#   bash tools/lint.sh --fix    apply
# The versions are pinned so that every machine formats alike.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q "clang-format==19.1.7" "ruff==0.17.6" >/dev/null 2>&1
CPP=$(git ls-files '*.cpp' '*.h')
PY=(python tests tools examples benchmarks)
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i $CPP
  ruff format "${PY[@]}"
  ruff check --fix "${PY[@]}"
  exit 0
fi
clang-format --dry-run --Werror $CPP
ruff format --check "${PY[@]}"
ruff check "${PY[@]}"
echo "lint: clean"
