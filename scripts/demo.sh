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
cd "$work"

echo "== 1. What is in this folder? (files named blandly on purpose: roles come from content)"
run "$B" info bundle/part1.bin bundle/firmware.bin bundle/part3.bin
run "$B" table show bundle/part2.bin

echo; echo "== 2. The plan: what goes where, checked, and the esptool command that does the same"
run "$B" plan bundle

echo; echo "== 3. The mistake from our story: the application at the bootloader offset is refused"
run "$B" plan bundle/firmware.bin@0x1000

echo; echo "== 4. The virtual board: an M5Stack Fire in download mode"
"$B" sim --board m5stack-fire --flash-file "$work/flash.bin" --tcp 0 > "$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do grep -q 'connect with' "$work/sim.log" && break; sleep 0.1; done
cat "$work/sim.log"
port=$(grep -o 'socket://[^ ]*' "$work/sim.log")
run "$B" chip -p "$port"
run "$B" flash bundle -p "$port"
echo; echo "== 5. Flash it again: nothing changed, so nothing is written"
run "$B" flash bundle -p "$port"
run "$B" verify bundle -p "$port"

echo; echo "== 6. A boot log from a real M5Stack Fire stuck in a reset loop, explained"
cat > boot.log <<'LOG'
rst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)
configsip: 0, SPIWP:0xee
clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00
mode:DIO, clock div:2
load:0x3f400020,len:462120
ets Jun  8 2016 00:22:57

rst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)
configsip: 0, SPIWP:0xee
clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00
mode:DIO, clock div:2
load:0x3f400020,len:462120
LOG
run "$B" explain boot.log

echo; echo "demo done: see README.md for the rest of the tour."
