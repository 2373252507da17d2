#!/usr/bin/env bash
# build.sh [DIR] [cmake options...] - configure and build espburn into DIR
# (default build/). The binary is DIR/espburn.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" 2>&1 | grep -v -E '^(\[|Consolidate|Scanning|Built target)' || true
test -x "$dir/espburn"
