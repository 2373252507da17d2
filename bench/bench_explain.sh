#!/usr/bin/env bash
# bench_explain.sh [--quick] - `espburn explain` on a large log made of the
# real boot logs in tests/data/bootlogs, repeated (about 12 MB; 2.4 MB with
# --quick). The analyzer is the one `espburn monitor` runs on a live port,
# so it must stay far ahead of the fastest serial link (2 Mbaud, about
# 0.2 MB/s): the target is 5 MB/s of CPU time for the whole process (read,
# analyse, print; CPU time, so that a busy machine does not decide). Prints
# the rate and exits non-zero when it misses the target.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ESPBURN_BIN:-$PWD/build/espburn}
copies=1000
[ "${1:-}" = "--quick" ] && copies=200
target_kbs=5000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/big.log
for _ in $(seq "$copies"); do cat tests/data/bootlogs/*.log; done >"$log"
bytes=$(stat -c %s "$log")

TIMEFORMAT='%R %U %S'
rc=0
{ time "$bin" explain "$log" --json >"$tmp/out" 2>/dev/null || rc=$?; } 2>"$tmp/time"
[ "$rc" -eq 1 ] || { echo "explain did not report the failures in the log (exit $rc)"; exit 1; }
grep -q '"app-at-bootloader-offset"' "$tmp/out" || { echo "explain missed the seed case"; exit 1; }

read -r real user sys <"$tmp/time"
cpu_ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 + 1 }')
kbs=$((bytes / cpu_ms))
printf 'explain on a %d KB log: %s s CPU (%s s wall), %d KB/s (target > %d KB/s)\n' \
  $((bytes / 1024)) "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')" "$real" "$kbs" "$target_kbs"
[ "$kbs" -gt "$target_kbs" ]
