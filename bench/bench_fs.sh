#!/usr/bin/env bash
# bench_fs.sh [--quick] - filesystem images: `fs build` of a 1 MB tree (50
# Python files of 2 KB and 900 KB of assets in folders) for each type, into
# the 1 MB internalfs partition of the seed bundle's table and a 2 MB one
# (< 100 ms each), and `fs ls -r` of a 16 MB flash dump whose filesystem
# partition holds that tree (< 50 ms). Whole processes: read, build or
# parse, write or print.
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
exit $missed
