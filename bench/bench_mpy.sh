#!/usr/bin/env bash
# bench/bench_mpy.sh [--quick] - MicroPython file transfer speed on the
# virtual board (sim/micropython/board.mjs) pacing its UART at 115200 baud:
#   (a) a random binary file                 target >= 70 % of the line rate on
#                                            the base64 path, >= 90 % raw over stdin
#   (b) a folder of Python sources (deflate) target >= 100 % effective
#   (c) a sync of a 50-file tree, no change  target < 2 s
# For reference, mpremote 1.29 moves 100 KB of random data at 34 %.
# ESPBURN_BIN selects the binary (default build/espburn). Exits 1 when a
# target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ESPBURN_BIN:-$PWD/build/espburn}
BAUD=115200
SIZE=$((100 * 1024))   # the targets are defined for 100 KB: --quick runs the same (about 20 s)
work=$(mktemp -d)
board_pid=
cleanup() { [ -n "$board_pid" ] && kill "$board_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_board() { # PERSONALITY
  rm -rf "$work/fs" && mkdir -p "$work/fs"
  node sim/micropython/board.mjs --tcp 0 --fs "$work/fs" --personality "$1" --baud $BAUD \
    --fs-size $((4 * 1024 * 1024)) >"$work/board.out" 2>"$work/board.err" &
  board_pid=$!
  for _ in $(seq 50); do grep -q 'socket://' "$work/board.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o 'socket://[0-9.:]*' "$work/board.out")
  "$BIN" exec -p "$PORT" 'pass' >/dev/null   # boot finished, REPL reached
}
stop_board() { kill "$board_pid"; wait "$board_pid" 2>/dev/null || true; board_pid=; }
now() { date +%s.%N; }
missed=0
report() { # NAME BYTES SECONDS TARGET_PERCENT
  awk -v n="$1" -v b="$2" -v s="$3" -v t="$4" -v baud=$BAUD 'BEGIN {
    rate = b / s; pct = 100 * rate / (baud / 10);
    printf "    %-34s %7d bytes %6.2f s %7.0f B/s %5.0f %% of line rate (target >= %d %%)\n", n, b, s, rate, pct, t;
    exit (pct >= t) ? 0 : 1 }' || missed=$((missed + 1))
}

# (a) random binary: base64 path, then raw bytes over stdin
head -c $SIZE /dev/urandom >"$work/random.bin"
start_board official
put_random() { # NAME TARGET [put options]
  local name=$1 target=$2; shift 2
  t0=$(now); "$BIN" put -p "$PORT" "$@" "$work/random.bin" :random.bin >/dev/null; t1=$(now)
  cmp -s "$work/random.bin" "$work/fs/random.bin" || { echo "    random.bin arrived damaged"; exit 1; }
  report "$name" $SIZE "$(echo "$t1 - $t0" | bc)" "$target"
}
put_random "(a) random binary, base64" 70 --no-binary
put_random "(a) random binary, raw stdin" 90

# (b) real Python sources (the host's standard library), deflate where the board has it
mkdir -p "$work/src"
total=0
for f in $(ls /usr/lib/python3*/*.py | sort); do
  s=$(stat -c %s "$f"); [ $((total + s)) -gt $SIZE ] && continue
  cp "$f" "$work/src/"; total=$((total + s))
done
t0=$(now); "$BIN" sync -p "$PORT" "$work/src" :/src >/dev/null; t1=$(now)
diff -r "$work/src" "$work/fs/src" >/dev/null || { echo "    sources arrived damaged"; exit 1; }
report "(b) Python sources, sync (deflate)" $total "$(echo "$t1 - $t0" | bc)" 100

# (c) no-change sync of a 50-file tree
mkdir -p "$work/tree/lib"
for i in $(seq 50); do printf 'VALUE = %d\nprint("file %d")\n' "$i" "$i" >"$work/tree/lib/m$i.py"; done
"$BIN" sync -p "$PORT" "$work/tree" :/tree >/dev/null
t0=$(now); out=$("$BIN" sync -p "$PORT" "$work/tree" :/tree); t1=$(now)
secs=$(echo "$t1 - $t0" | bc)
echo "$out" | grep -q '50 unchanged' || { echo "    no-change sync changed something: $out"; missed=$((missed + 1)); }
awk -v s="$secs" 'BEGIN { printf "    %-34s %6.2f s (target < 2 s)\n", "(c) no-change sync, 50 files", s; exit (s < 2) ? 0 : 1 }' \
  || missed=$((missed + 1))
stop_board
[ "$missed" -eq 0 ]
