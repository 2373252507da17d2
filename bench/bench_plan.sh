#!/usr/bin/env bash
# bench_plan.sh [--quick] - milliseconds per `espburn plan --json` run on the
# seed folder and on a folder holding a 16 MB merged image of it
# (bench/lib.sh). Target: < 50 ms each. Exits 1 when a target is missed.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

mkdir "$tmp/merged16"
seed_merged_16mb "$tmp/merged16/firmware.bin"
"$bin" plan "$tmp/merged16" --json | grep -q '"role":[[:space:]]*"merged-image"' ||
  { echo "plan did not see the merged image"; exit 1; }

missed=0
time_runs "plan on the seed folder" 50 "$bin" plan "$seed" --json || missed=1
time_runs "plan on a folder with a 16 MB merged image" 50 "$bin" plan "$tmp/merged16" --json || missed=1
exit "$missed"
