#!/usr/bin/env bash
# bench/bench_loop.sh - the MicroPython edit-and-run loop on the virtual board
# (sim/micropython/board.mjs) pacing its UART at 115200 baud:
#   (a) watch: a 2 KB module saved -> the program's new output   target < 1.0 s
#       (soft reset running main.py, and --run SCRIPT), median of 5 saves,
#       side by side with the manual loop (sync, then run) it replaces
# ESPBURN_BIN selects the binary (default build/espburn). Exits 1 when a
# target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ESPBURN_BIN:-$PWD/build/espburn}
BAUD=115200
SAVES=5
work=$(mktemp -d)
board_pid= watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  [ -n "$board_pid" ] && kill "$board_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_board() {
  rm -rf "$work/fs" && mkdir -p "$work/fs"
  node sim/micropython/board.mjs --tcp 0 --fs "$work/fs" --baud $BAUD >"$work/board.out" 2>"$work/board.err" &
  board_pid=$!
  for _ in $(seq 50); do grep -q 'socket://' "$work/board.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o 'socket://[0-9.:]*' "$work/board.out")
  "$BIN" exec -p "$PORT" 'pass' >/dev/null
}
stop_board() { kill "$board_pid"; wait "$board_pid" 2>/dev/null || true; board_pid=; }
now() { date +%s.%N; }
module() { # N: a 2 KB module whose value is N
  { echo "N = $1"; for i in $(seq 100); do echo "# padding line $i ......"; done; } >"$work/app/helper.py"
}
wait_for() { # FILE PATTERN COUNT
  for _ in $(seq 200); do [ "$(grep -c "$2" "$1" || true)" -ge "$3" ] && return 0; sleep 0.05; done
  echo "    timed out waiting for '$2' in $1"; cat "$1"; exit 1
}
missed=0

watch_latency() { # RESULT_VAR NAME [watch options]: median ms of SAVES saves
  local result=$1 name=$2; shift 2
  start_board
  rm -rf "$work/app" && mkdir -p "$work/app"
  printf 'import helper\nprint("value", helper.N)\n' >"$work/app/main.py"
  cp "$work/app/main.py" "$work/app/run.py"
  module 0
  "$BIN" watch -p "$PORT" -v "$work/app" "$@" >"$work/watch.out" 2>"$work/watch.err" &
  watch_pid=$!
  wait_for "$work/watch.out" "value 0" 1
  for n in $(seq $SAVES); do
    sleep 0.3; module "$n"
    wait_for "$work/watch.out" "value $n" 1
  done
  wait_for "$work/watch.err" "save to output in" $SAVES
  kill -INT "$watch_pid"; wait "$watch_pid" || true; watch_pid=
  stop_board
  grep -o 'save to output in [0-9]*' "$work/watch.err" | awk '{print $5}' | sort -n >"$work/lat"
  med=$(sed -n "$(((SAVES + 1) / 2))p" "$work/lat")
  printf "    %-44s median %5d ms  (all: %s)  target < 1000 ms\n" "$name" "$med" "$(tr '\n' ' ' <"$work/lat")"
  [ "$med" -lt 1000 ] || missed=$((missed + 1))
  eval "$result=$med"
}

manual_loop() { # the same edit by hand: sync, then run the script
  start_board
  "$BIN" sync -p "$PORT" "$work/app" : >/dev/null
  module 99
  t0=$(now)
  "$BIN" sync -p "$PORT" "$work/app" : >/dev/null
  "$BIN" run -p "$PORT" "$work/app/run.py" >"$work/manual.out"
  t1=$(now)
  stop_board
  grep -q "value 99" "$work/manual.out" || { echo "    manual loop printed the wrong value"; exit 1; }
  echo "$t1 - $t0" | bc | awk '{printf "%d", $1 * 1000}'
}

echo "edit-and-run loop at $BAUD baud (virtual board, official MicroPython)"
watch_latency soft "(a) watch, soft reset (main.py)"
watch_latency run "(a) watch --run run.py" --run "$work/app/run.py"
manual=$(manual_loop)
printf "    %-44s        %5d ms  (sync + run, two commands)\n" "manual loop" "$manual"
awk -v m="$manual" -v s="$soft" -v r="$run" 'BEGIN {
  printf "    watch / manual loop (time, lower is faster): %.2f (soft reset), %.2f (--run)\n", s / m, r / m }'
[ $missed -eq 0 ] || { echo "$missed target(s) missed"; exit 1; }
