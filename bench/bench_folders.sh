#!/usr/bin/env bash
# bench/bench_folders.sh [--quick] - folders and mount on the virtual board
# (sim/micropython/board.mjs, official MicroPython) pacing its UART at 115200 baud:
#   (a) cp -r of a project of 50 Python files (about 100 KB)     target >= 150 % effective line rate
#   (b) sync of the same folder when nothing changed            target < 0.5 s (median of 5, whole command)
#       side by side: the same sync made to take the full comparison (an extra file and --delete -n),
#       and `exec pass` (connecting and one round trip: the floor of any command)
#   (c) mount: import of a 20 KB module from the host folder    target < 3 s (whole command)
#   (d) mount: a 1,000-line log written by the board into /remote arrives intact
# ESPBURN_BIN selects the binary (default build/espburn). Exits 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ESPBURN_BIN:-$PWD/build/espburn}
BAUD=115200
RUNS=5
work=$(mktemp -d)
board_pid=
cleanup() { [ -n "$board_pid" ] && kill "$board_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_board() {
  rm -rf "$work/fs" && mkdir -p "$work/fs"
  node sim/micropython/board.mjs --tcp 0 --fs "$work/fs" --baud $BAUD --fs-size $((4 * 1024 * 1024)) \
    >"$work/board.out" 2>"$work/board.err" &
  board_pid=$!
  for _ in $(seq 50); do grep -q 'socket://' "$work/board.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o 'socket://[0-9.:]*' "$work/board.out")
  "$BIN" exec -p "$PORT" 'pass' >/dev/null
}
now() { date +%s.%N; }
missed=0
median() { # CMD...: median wall seconds of RUNS runs
  local t0 t1
  for _ in $(seq $RUNS); do
    t0=$(now); "$@" >"$work/last.out"; t1=$(now)
    echo "$t1 - $t0" | bc
  done | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

# The project: 50 real Python sources (the host's standard library) of 1.5 to 2.6 KB each.
mkdir -p "$work/proj/lib"
total=0 n=0
for f in $(ls /usr/lib/python3*/*.py /usr/lib/python3*/*/*.py /usr/lib/python3/dist-packages/*/*.py 2>/dev/null | sort); do
  s=$(stat -c %s "$f")
  [ "$s" -ge 1500 ] && [ "$s" -le 2600 ] || continue
  sub=; [ $((n % 2)) -eq 1 ] && sub=lib/
  dest="$work/proj/${sub}m$n.py"
  cp "$f" "$dest"; total=$((total + s)); n=$((n + 1))
  [ $n -eq 50 ] && break
done
echo "folders and mount at $BAUD baud (virtual board, official MicroPython); project: $n files, $total bytes"
start_board

# (a) cp -r
t0=$(now); "$BIN" cp -r -p "$PORT" "$work/proj" :/proj >/dev/null; t1=$(now)
diff -r "$work/proj" "$work/fs/proj" >/dev/null || { echo "    the project arrived damaged"; exit 1; }
awk -v b="$total" -v s="$(echo "$t1 - $t0" | bc)" -v baud=$BAUD 'BEGIN {
  pct = 100 * b / s / (baud / 10);
  printf "    (a) cp -r, %d bytes                     %6.2f s  %5.0f %% of the line rate (target >= 150 %%)\n", b, s, pct;
  exit (pct >= 150) ? 0 : 1 }' || missed=$((missed + 1))

# (b) sync with nothing changed, and what it is compared with
fast=$(median "$BIN" sync -p "$PORT" "$work/proj" :/proj)
grep -q "$n unchanged" "$work/last.out" || { echo "    no-change sync changed something: $(cat "$work/last.out")"; exit 1; }
"$BIN" exec -p "$PORT" "open('/proj/extra.txt','w').write('x')" >/dev/null
full=$(median "$BIN" sync -p "$PORT" "$work/proj" :/proj --delete -n)
floor=$(median "$BIN" exec -p "$PORT" pass)
awk -v f="$fast" -v u="$full" -v x="$floor" 'BEGIN {
  printf "    (b) sync, nothing changed (one digest)     %6.2f s  (target < 0.5 s)\n", f;
  printf "        the full comparison (listing + hashes)  %6.2f s  %.1fx the no-change sync\n", u, u / f;
  printf "        exec pass (connect + one round trip)    %6.2f s  the floor on this machine now\n", x;
  exit (f < 0.5) ? 0 : 1 }' || missed=$((missed + 1))

# (c) import of a 20 KB module through mount
mkdir -p "$work/host"
{ echo "V = 42"; for i in $(seq 355); do echo "# line $i of the module, padding ......................"; done
  echo "def f():"; echo "    return V"; } >"$work/host/big.py"
size=$(stat -c %s "$work/host/big.py")
t0=$(now); out=$("$BIN" mount -p "$PORT" "$work/host" --exec 'import big; print(big.f())' 2>/dev/null | tr -d '\r'); t1=$(now)
[ "$out" = "42" ] || { echo "    mount import printed: $out"; exit 1; }
awk -v b="$size" -v s="$(echo "$t1 - $t0" | bc)" 'BEGIN {
  printf "    (c) mount: import of a %d-byte module   %6.2f s  (target < 3 s)\n", b, s; exit (s < 3) ? 0 : 1 }' \
  || missed=$((missed + 1))

# (d) a 1,000-line log written by the board into /remote
code='f = open("log.txt", "w")
for i in range(1000):
    f.write("line %d of the log written by the board\n" % i)
f.close()'
t0=$(now); "$BIN" mount -p "$PORT" "$work/host" --exec "$code" >/dev/null 2>&1; t1=$(now)
for i in $(seq 0 999); do echo "line $i of the log written by the board"; done >"$work/expected.txt"
if cmp -s "$work/expected.txt" "$work/host/log.txt"; then
  awk -v b="$(stat -c %s "$work/host/log.txt")" -v s="$(echo "$t1 - $t0" | bc)" 'BEGIN {
    printf "    (d) mount: 1,000-line log (%d bytes)    %6.2f s  arrived intact\n", b, s }'
else
  echo "    (d) mount: the 1,000-line log did not arrive intact"; missed=$((missed + 1))
fi
[ $missed -eq 0 ] || { echo "$missed target(s) missed"; exit 1; }
