#!/usr/bin/env bash
# bench_info.sh [--quick] - `espburn info` on a 16 MB merged image built from
# the seed bundle (bench/lib.sh). Prints the time per run (whole process:
# read, identify, print) and exits non-zero when the average misses the
# target of 50 ms.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

img=$tmp/merged16.bin
seed_merged_16mb "$img"
"$bin" info "$img" >"$tmp/out" || { echo "info failed on the merged image"; cat "$tmp/out"; exit 1; }
grep -q "merged image for ESP32" "$tmp/out" || { echo "info did not see a merged image"; exit 1; }

time_runs "info on a 16 MB merged image" 50 "$bin" info "$img"
