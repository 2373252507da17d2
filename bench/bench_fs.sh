#!/usr/bin/env bash
# bench_fs.sh [--quick] - filesystem images: `fs build` of a 1 MB tree (50
# Python files of 2 KB and 900 KB of assets in folders) for each type, into
# the 1 MB internalfs partition of the seed bundle's table and a 2 MB one
# (< 100 ms each), and `fs ls -r` of a 16 MB flash dump whose filesystem
# partition holds that tree (< 50 ms). Whole processes: read, build or
# parse, write or print.
# Then on the real-time virtual Fire (RFC 2217, --realtime: the line rate,
# the USB bridge's latency and the flash's timing of the real board):
#   deploy 2 MB (1.8 MB random assets + 50 Python files of 4 KB) into a 2.4 MB
#   internalfs with `flash FIRMWARE --fs DIR -b auto`, against `sync` at
#   115200 to the booted LoBo MicroPython (measured on a tenth of the tree,
#   the same mix, and scaled by bytes; it would take minutes): >= 10x;
#   re-deploy after changing one 2 KB file: <= 2 s for the files alone
#   (`flash TABLE --fs DIR`), and the figure with the firmware re-checked;
#   `fs get -p PORT :/` of a 1 MB SPIFFS (the seed's internalfs, ~900 KB of
#   files) from a board whose app was erased (it boot-loops), against
#   `read` of the partition's used blocks at the same rate: <= 1.2x.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

tree=$tmp/tree
mkdir -p "$tree/lib/drivers" "$tree/assets/fonts" "$tree/assets/img"
for i in $(seq -w 1 50); do
  head -c 2048 /dev/urandom | base64 -w 76 | head -c 2048 >"$tree/lib/module_$i.py"
done
for i in $(seq 1 6); do head -c 100000 /dev/urandom >"$tree/assets/img/picture_$i.jpg"; done
for i in $(seq 1 3); do head -c 100000 /dev/urandom >"$tree/assets/fonts/font_$i.bin"; done
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $(find "$tree" -type f | wc -l) files, $bytes bytes"

missed=0
for t in littlefs fat fat-wl spiffs; do
  size=2M
  "$bin" fs build "$tree" -o "$tmp/$t.img" --type "$t" --size "$size" >/dev/null ||
    { echo "fs build --type $t failed"; exit 1; }
  time_runs "fs build of the 1 MB tree, $t, $size partition" 100 \
    "$bin" fs build "$tree" -o "$tmp/$t.img" --type "$t" --size "$size" || missed=1
done

dump=$tmp/dump16.bin
seed_merged_16mb "$dump"
# the seed's table puts internalfs (1 MB) at 0x250000: a LittleFS of the tree
# trimmed to fit (the dump is what `espburn read` would give)
mkdir -p "$tmp/small" && cp -r "$tree/lib" "$tmp/small/" && cp -r "$tree/assets/img" "$tmp/small/"
"$bin" fs build "$tmp/small" -o "$tmp/internalfs.img" --type littlefs --table "$seed/partitions_mpy.bin" >/dev/null
dd if="$tmp/internalfs.img" of="$dump" bs=4096 seek=$((0x250000 / 4096)) conv=notrunc status=none
n=$("$bin" fs ls "$dump" -r | wc -l)
[ "$n" -gt 50 ] || { echo "fs ls of the dump listed $n entries"; exit 1; }
time_runs "fs ls -r of a 16 MB dump ($n entries, LittleFS partition)" 50 "$bin" fs ls "$dump" -r || missed=1

# ---- on the real-time virtual Fire ----

sim_pid=
stop_sim() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; sim_pid=; }
trap 'stop_sim; rm -rf "$tmp"' EXIT
start_sim() { # FLASH_FILE: a real-time Fire over RFC 2217; sets P
  "$bin" sim --board m5stack-fire --flash-file "$1" --rfc2217 0 --realtime >"$tmp/sim.out" 2>"$tmp/sim.err" &
  sim_pid=$!
  for _ in $(seq 100); do grep -q 'rfc2217://' "$tmp/sim.out" 2>/dev/null && break; sleep 0.1; done
  P=$(grep -o 'rfc2217://[0-9.:]*' "$tmp/sim.out")
}
secs() { # CMD...: run it (quiet), print the seconds it took
  local t0; t0=$(date +%s%N)
  "$@" >"$tmp/last.out" 2>&1 || { cat "$tmp/last.out" >&2; echo "failed: $*" >&2; exit 1; }
  echo "scale=2; ($(date +%s%N) - $t0) / 1000000000" | bc
}
check() { # NAME VALUE TARGET OP(le|ge)
  awk -v n="$1" -v v="$2" -v t="$3" -v op="$4" 'BEGIN {
    ok = op == "le" ? v <= t : v >= t
    printf "%s: %.2f (target %s %s)%s\n", n, v, op == "le" ? "<=" : ">=", t, ok ? "" : "  MISSED"
    exit !ok }' || missed=1
}
make_deploy() { # DIR PARTS: PARTS tenths of the 2 MB tree (50 Python files of 4 KB, 1.8 MB of assets)
  local d=$1 parts=$2 i
  mkdir -p "$d/lib" "$d/assets"
  for i in $(seq -w 1 $((5 * parts))); do
    head -c 3100 /dev/urandom | base64 -w 76 >"$d/lib/mod_$i.py" && truncate -s 4096 "$d/lib/mod_$i.py"
  done
  for i in $(seq 1 $((3 * parts))); do head -c 61440 /dev/urandom >"$d/assets/img_$i.bin"; done
}

fw=$tmp/fw
mkdir -p "$fw"
cp "$seed/bootloader/bootloader.bin" "$seed/phy_init_data.bin" "$seed/MicroPython.bin" "$fw/"
printf 'nvs, data, nvs, 0x9000, 0x6000\nphy_init, data, phy, 0xf000, 0x1000\n%s\n%s\n' \
  "MicroPython, app, factory, 0x10000, 0x240000" "internalfs, data, spiffs, 0x250000, 0x260000" >"$tmp/t.csv"
"$bin" table csv2bin "$tmp/t.csv" "$fw/partitions.bin" >/dev/null
make_deploy "$tmp/deploy" 10
make_deploy "$tmp/tenth" 1
full=$(du -sb --apparent-size "$tmp/deploy" | cut -f1)
part=$(du -sb --apparent-size "$tmp/tenth" | cut -f1)
echo "board: deploy tree $(find "$tmp/deploy" -type f | wc -l) files, $full bytes; sync measured on $part bytes"

start_sim "$tmp/fire.bin"
"$bin" flash "$fw" -p "$P" -b auto >/dev/null 2>&1      # the firmware; it boots LoBo's MicroPython
for _ in $(seq 20); do "$bin" exec -p "$P" 'pass' >/dev/null 2>&1 && break; sleep 1; done  # its REPL is up
t_sync=$(secs "$bin" sync -p "$P" "$tmp/tenth" :)
t_sync_full=$(echo "scale=2; $t_sync * $full / $part" | bc)
t_deploy=$(secs "$bin" flash "$fw" --fs "$tmp/deploy" -p "$P" -b auto)
echo "sync at 115200: $t_sync s for $part bytes -> $t_sync_full s for $full bytes (scaled)"
echo "flash --fs -b auto: $t_deploy s ($(grep -o 'wrote [0-9]* bytes.* on the wire in [0-9.]* s' "$tmp/last.out"))"
check "deploy 2 MB: sync / flash --fs (x)" "$(echo "scale=2; $t_sync_full / $t_deploy" | bc)" 10 ge
f=$(find "$tmp/deploy/lib" -name 'mod_*.py' | head -1)
head -c 1600 /dev/urandom | base64 -w 76 >"$tmp/new" && truncate -s 2048 "$tmp/new" && dd if="$tmp/new" of="$f" conv=notrunc status=none
t_re=$(secs "$bin" flash "$fw" --fs "$tmp/deploy" -p "$P" -b auto)
echo "re-deploy with the firmware, one 2 KB change: $t_re s ($(grep -o 'wrote [0-9]* bytes.* on the wire in [0-9.]* s' "$tmp/last.out"); every region MD5-checked)"
sleep 3  # the board boots its MicroPython again
dd if="$tmp/new" of="$(find "$tmp/deploy/lib" -name 'mod_*.py' | sed -n 2p)" conv=notrunc status=none
t_re=$(secs "$bin" flash "$fw/partitions.bin" --fs "$tmp/deploy" --fs-type spiffs -p "$P" -b auto)
echo "re-deploy of the files only (flash TABLE --fs DIR), one 2 KB change: $(grep -o 'wrote [0-9]* bytes.* on the wire in [0-9.]* s' "$tmp/last.out")"
check "re-deploy of the files after one 2 KB change (s)" "$t_re" 2 le
stop_sim

# fs get -p of a 1 MB SPIFFS from a board that boot-loops, against reading its used blocks
make_deploy "$tmp/onemb" 4
start_sim "$tmp/rescue.bin"
"$bin" fs build "$tmp/onemb" -o "$tmp/internalfs.img" --type spiffs --table "$seed" >/dev/null
"$bin" flash "$seed" 0x250000 "$tmp/internalfs.img" -p "$P" -b auto >/dev/null 2>&1
"$bin" erase -p "$P" 0x10000 0x1000 >/dev/null   # no app header: the board boot-loops
used=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
blocks = [i for i in range(0, len(d), 4096) if d[i + 256:i + 4096] != b"\xff" * 3840]
print((max(blocks) // 4096 + 1) * 4096)' "$tmp/internalfs.img")
t_get=$(secs "$bin" fs get -p "$P" :/ "$tmp/rescued" -b auto)
diff -r "$tmp/onemb" "$tmp/rescued" >/dev/null || { echo "fs get -p: the rescued tree differs"; exit 1; }
fetched=$(grep -o 'read [0-9,]* bytes of partition [a-z]* ([0-9,]* bytes at 0x[0-9a-f]*) in [0-9]* reads' "$tmp/last.out")
t_read=$(secs "$bin" read -p "$P" 0x250000 "$used" "$tmp/used.bin" -b auto)
echo "fs get -p: $t_get s ($fetched); read of the $used bytes of used blocks: $t_read s"
check "fs get -p / read of the used blocks (x)" "$(echo "scale=2; $t_get / $t_read" | bc)" 1.2 le
stop_sim
exit $missed
