#!/usr/bin/env bash
# demo.sh - install dependencies, build espburn, and take it for a spin on
# the virtual board: understand a firmware bundle, refuse the mistake from
# our story, flash the bundle, see that a re-flash writes nothing, and read
# a boot log. Everything runs locally; no hardware needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
scripts/build.sh build
B=$PWD/build/espburn
work=$(mktemp -d)
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@" || true; }

/usr/bin/python3 scripts/demo_bundle.py "$work/bundle" >/dev/null
repo=$PWD
cd "$work"

echo "== 1. What is in this folder? (files named blandly on purpose: roles come from content)"
run "$B" info bundle/part1.bin bundle/firmware.bin bundle/part3.bin
run "$B" table show bundle/part2.bin

echo; echo "== 2. The plan: what goes where, checked, and the esptool command that does the same"
run "$B" plan bundle

echo; echo "== 3. The mistake from our story: the application at the bootloader offset is refused"
run "$B" plan bundle/firmware.bin@0x1000

echo; echo "== 4. The virtual board: an M5Stack Fire behind a USB bridge (RFC 2217 carries DTR/RTS)"
"$B" sim --board m5stack-fire --flash-file "$work/flash.bin" --rfc2217 0 > "$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do grep -q 'connect with' "$work/sim.log" && break; sleep 0.1; done
cat "$work/sim.log"
port=$(grep -o 'rfc2217://[^ ]*' "$work/sim.log")
run "$B" chip -p "$port"
run "$B" flash bundle -p "$port"

echo; echo "== 5. Flash it again: nothing changed, so nothing is written"
run "$B" flash bundle -p "$port"
run "$B" verify bundle -p "$port"

echo; echo "== 6. Reset the board into its firmware and watch it boot"
run "$B" monitor -p "$port" --duration 2

echo; echo "== 7. Now make the mistake from our story on purpose (--force), and watch the board loop"
run "$B" flash bundle/firmware.bin@0x1000 -p "$port" --force -q
run "$B" monitor -p "$port" --duration 2 --plan bundle/firmware.bin@0x1000

echo; echo "== 8. The same diagnosis, offline, from a log a user posted"
run "$B" explain "$repo/tests/data/bootlogs/seed-m5stack-fire-app-at-0x1000.log"

echo; echo "demo done: see README.md for the rest of the tour (MicroPython: espburn sim --micropython)."
