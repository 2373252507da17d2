# bench/lib.sh - what the benchmark scripts share. Source it first thing,
# with the script's arguments:  . "$(dirname "$0")/lib.sh" "$@"
# It moves to the repository root and sets
#   bin   the espburn binary (ESPBURN_BIN, default build/espburn)
#   seed  the shared LoBo MicroPython bundle (ESPBURN_SHARED, default ../shared)
#   quick 1 with --quick, else 0
#   runs  timed runs per figure (20; 5 with --quick)
#   tmp   a scratch folder, removed on exit
# and defines seed_merged_16mb and time_runs below.
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts sourcing this
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${ESPBURN_BIN:-$PWD/build/espburn}
seed=${ESPBURN_SHARED:-$PWD/../shared}/firmware/m5stack-lobo-esp32-psram-all-bt
quick=0
[ "${1:-}" = "--quick" ] && quick=1
runs=$((quick ? 5 : 20))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed_merged_16mb OUT: the seed bundle as one 16 MB image written at 0x0
# (bootloader 0x1000, table 0x8000, PHY 0xf000, app 0x10000, 0xFF elsewhere).
seed_merged_16mb() {
  local out=$1
  head -c $((16 << 20)) /dev/zero | tr '\0' '\377' >"$out"
  local part
  for part in bootloader/bootloader.bin@0x1000 partitions_mpy.bin@0x8000 \
              phy_init_data.bin@0xf000 MicroPython.bin@0x10000; do
    dd if="$seed/${part%@*}" of="$out" bs=4096 seek=$((${part#*@} / 4096)) conv=notrunc status=none
  done
}

# time_runs NAME TARGET_MS CMD...: run CMD once to warm the page cache, then
# $runs times; print the average and worst milliseconds per run (the whole
# process) and return non-zero when the average misses TARGET_MS.
time_runs() {
  local name=$1 target_ms=$2
  shift 2
  "$@" >/dev/null
  local total=0 worst=0 t0 us
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    "$@" >/dev/null
    us=$((($(date +%s%N) - t0) / 1000))
    total=$((total + us))
    [ "$us" -gt "$worst" ] && worst=$us
  done
  local avg=$((total / runs))
  printf '%s: %d.%03d ms per run (worst %d.%03d ms, %d runs; target < %d ms)\n' "$name" \
    $((avg / 1000)) $((avg % 1000)) $((worst / 1000)) $((worst % 1000)) "$runs" "$target_ms"
  [ "$avg" -lt $((target_ms * 1000)) ]
}
