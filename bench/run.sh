#!/usr/bin/env bash
# bench/run.sh [--quick] - run every benchmark (bench/bench_*.sh), print their
# figures, and exit non-zero when any of them misses its target.
# ESPBURN_BIN selects the binary (default build/espburn, an optimised build).
set -uo pipefail
cd "$(dirname "$0")/.."
export ESPBURN_BIN=${ESPBURN_BIN:-$PWD/build/espburn}
missed=0
for b in bench/bench_*.sh; do
  [ -x "$b" ] || continue
  echo "--- $(basename "$b" .sh)"
  if ! "$b" "$@"; then
    echo "    target missed: $b"
    missed=$((missed + 1))
  fi
done
echo "benchmarks: $missed missed their target"
[ "$missed" -eq 0 ]
