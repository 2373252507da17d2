#!/usr/bin/env bash
# test.sh - install dependencies, build, and run every test:
#   0. the architecture rules (scripts/check_arch.py) and the code format
#      (scripts/check_format.sh);
#   1. unit tests (cmocka, via ctest) on a normal build;
#   2. unit and end-to-end tests (pytest) on an ASan+UBSan build;
#   3. every libFuzzer target for a bounded time (FUZZ_SECONDS, default 15);
#   4. the short benchmark checks (bench/run.sh --quick).
# Prints a final "N passed, N failed" line and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || { echo "deps: installation failed"; exit 3; }

passed=0 failed=0
step() { # step NAME COMMAND... : run one step, count it
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); echo "--- ok: $name"
  else failed=$((failed + 1)); echo "--- FAILED: $name"; fi
}

fuzz_all() {
  local secs=${FUZZ_SECONDS:-15} rc=0
  for f in build-fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    local name corpus
    name=$(basename "$f"); corpus=fuzz/corpus-run/$name
    mkdir -p "$corpus"
    [ -d "fuzz/seeds/$name" ] && cp -n fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
    echo "fuzz: $name for ${secs}s"
    "$f" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" 2>fuzz/corpus-run/$name.log \
      || { tail -40 fuzz/corpus-run/$name.log; rc=1; }
  done
  return $rc
}

PYTEST="/usr/bin/python3 -m pytest"
step "architecture (layers, no output below the CLI)" /usr/bin/python3 scripts/check_arch.py
step "format (.clang-format)" bash scripts/check_format.sh
step "build" scripts/build.sh build
step "unit tests" ctest --test-dir build --output-on-failure
step "build (ASan+UBSan)" scripts/build.sh build-asan -DESPBURN_SANITIZE=ON
step "unit tests (ASan+UBSan)" ctest --test-dir build-asan --output-on-failure
step "end-to-end tests (ASan+UBSan)" env ESPBURN_BIN="$PWD/build-asan/espburn" \
  ASAN_OPTIONS=detect_leaks=1 $PYTEST -q tests/e2e
step "build (fuzz)" scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DESPBURN_FUZZ=ON
step "fuzz targets" fuzz_all
if [ -x bench/run.sh ]; then
  step "benchmarks (quick)" env ESPBURN_BIN="$PWD/build/espburn" bench/run.sh --quick
fi

echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
