#!/usr/bin/env bash
# Builds libmlx and the Python extension with AddressSanitizer and
# UndefinedBehaviorSanitizer in build/asan, and runs the whole test suite
# against that build. The last line says whether the tests passed and whether
# a sanitizer report appeared; the full output is in build/asan/pytest.log.
#
#   bash tools/sanitize.sh                # build, then run tests/
#   bash tools/sanitize.sh --build-only   # build only
#   bash tools/sanitize.sh --test-only [pytest args...]   # run, no rebuild
#
# Python itself is not instrumented, so libasan is LD_PRELOADed. Leak
# detection is off (CPython's allocator keeps memory to the end by design).
# A report aborts the process (abort_on_error / halt_on_error): a finding in
# the pytest process ends the run; the reports are printed at the end.
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${MLX_ASAN_BUILD:-$ROOT/build/asan}
PY=${PYTHON:-python3}
MODE=all
case "${1:-}" in
--build-only) MODE=build; shift ;;
--test-only) MODE=test; shift ;;
esac

# -g1: line tables (enough for the reports' file:line), far quicker to compile than -g.
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g1"

build() {
  local launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  mkdir -p "$(dirname "$BUILD")" # (a fresh checkout has no build/)
  # Debug with its flags emptied: Release's -O3 -DNDEBUG would override -O1
  # and pybind11 would add -flto and strip the extension's debug info.
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG= \
    "-DCMAKE_CXX_FLAGS=$SAN" \
    "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined" \
    "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" \
    -DMLX_BUILD_PYTHON=ON -DMLX_BUILD_STUBS=OFF \
    "-Dpybind11_DIR=$("$PY" -m pybind11 --cmakedir)" "${launcher[@]}" \
    >"$BUILD.cmake.log" 2>&1 || { cat "$BUILD.cmake.log"; return 1; }
  nice -n 10 ninja -C "$BUILD"
}

# An installed package as the wheel lays it out: python/mlx, the sanitized
# extension and libmlx, and the CMake package (tests/test_cpp.py builds the
# C++ tests against it, so they run on the sanitized library too).
layout() {
  local pkg=$BUILD/pkg
  rm -rf "$pkg" && mkdir -p "$pkg"
  cp -r "$ROOT/python/mlx" "$pkg/mlx"
  find "$pkg" -name '__pycache__' -prune -exec rm -rf {} +
  rm -f "$pkg"/mlx/core*.so
  cmake --install "$BUILD" --prefix "$pkg/mlx" >/dev/null
}

run_tests() {
  layout
  local log=$BUILD/pytest.log reports=$BUILD/reports
  rm -rf "$reports" && mkdir -p "$reports"
  # libstdc++ is preloaded with libasan: Python does not link it, and ASan's
  # __cxa_throw interceptor finds no real __cxa_throw when it is loaded later
  # (a CHECK failure at the first C++ exception). ASan's reports go to files
  # (asan.PID), so that those of child processes (tools/fuzz.py, subprocess
  # tests) whose output a test captures are counted too. ASan maps terabytes
  # of shadow memory: MLX_SANITIZER=1 makes the fuzzer cap allocations with
  # ASan's max_allocation_size_mb instead of RLIMIT_AS.
  env PYTHONPATH="$BUILD/pkg:$ROOT/tests" \
    LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(g++ -print-file-name=libstdc++.so.6)" \
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$reports/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    MLX_SANITIZER=1 PYTHONFAULTHANDLER=1 \
    nice -n 10 "$PY" -m pytest "$ROOT/tests" -q -p no:cacheprovider --capture=sys "$@" 2>&1 |
    tee "$log"
  local rc=${PIPESTATUS[0]}
  # UBSan's reports (part of libasan in GCC) go to stderr whatever its
  # log_path: --capture=sys leaves the pytest process's fd 2 to the log.
  # A report file without "ERROR:" holds only warnings (the fuzzer's
  # deliberately huge allocation requests, which ASan refuses and logs).
  local files n ub
  files=$(grep -l 'ERROR:' -r "$reports" 2>/dev/null | sort)
  n=$(echo -n "$files" | grep -c . || true)
  for f in $files; do
    echo "---- $f"
    head -40 "$f"
  done
  ub=$(grep -c 'runtime error:' "$log" || true)
  if [ "$ub" -gt 0 ]; then
    echo "---- UBSan (from $log)"
    grep -A8 'runtime error:' "$log" | head -60
    n=$((n + ub))
  fi
  local tail
  tail=$(grep -E '[0-9]+ (passed|failed|error)' "$log" | tail -1 | tr -d '=' | sed 's/^ *//;s/ *$//')
  local verdict=PASSED
  [ "$rc" -eq 0 ] || verdict=FAILED
  if [ "$n" -eq 0 ]; then
    echo "sanitize: tests $verdict (pytest rc=$rc: ${tail:-no summary}); no sanitizer report"
  else
    echo "sanitize: tests $verdict (pytest rc=$rc: ${tail:-no summary}); $n sanitizer report(s) in $reports"
  fi
  [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]
}

if [ "$MODE" != test ]; then
  build || { echo "sanitize: BUILD FAILED"; exit 1; }
fi
if [ "$MODE" != build ]; then
  run_tests "$@"
fi
