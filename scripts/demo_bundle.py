#!/usr/bin/env python3
"""demo_bundle.py DIR - write a small, valid ESP32 firmware bundle into DIR
for the demo: a bootloader, a partition table, PHY init data and an
application, the same four parts as the M5Stack Fire bundle from our story.
The files are built from the published formats (tests/e2e/imgbuild.py) and
named blandly on purpose: espburn finds their roles by content."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from imgbuild import build_app, build_bootloader, build_table, phy_init_data  # noqa: E402

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
(out / "part1.bin").write_bytes(build_bootloader("esp32", sha=False, desc=True))
(out / "part2.bin").write_bytes(build_table([
    ("nvs", "data", "nvs", 0x9000, 0x6000),
    ("phy_init", "data", "phy", 0xF000, 0x1000),
    ("factory", "app", "factory", 0x10000, 0x180000),
    ("vfs", "data", "fat", 0x190000, 0x70000),
]))
(out / "part3.bin").write_bytes(phy_init_data())
(out / "firmware.bin").write_bytes(build_app("esp32", irom_len=0x20000))
print(f"demo bundle written to {out}")
