"""The virtual board boots what its flash holds (issue 5): for each layout, right or wrong,
the board's output is captured through `espburn monitor` (which resets it over RFC 2217) and
must hold the lines the real chip prints; the captured log is then fed to `espburn explain`,
which must name the cause and the fix. Layouts are the real seed bundle placed right and
wrong, and files derived from it (a flipped byte, an edited table)."""
import json
import subprocess

import pytest

from conftest import espburn_bin
from imgbuild import build_merged, build_table

FLASH_SIZE = 16 << 20


def flash_image(parts, size=FLASH_SIZE):
    """An erased flash with (offset, bytes-or-path) parts written in."""
    blobs = {off: src if isinstance(src, bytes) else src.read_bytes() for off, src in parts}
    return build_merged(blobs, size=size) if blobs else b"\xff" * size


def seed_parts(seed):
    return [(0x1000, seed / "bootloader" / "bootloader.bin"), (0x8000, seed / "partitions_mpy.bin"),
            (0xF000, seed / "phy_init_data.bin"), (0x10000, seed / "MicroPython.bin")]


def boot(sim, tmp_path, parts, board="m5stack-fire", faults=(), secs=2.0, until=None):
    """Flash `parts` into a virtual board, capture its boot through espburn monitor; returns
    (raw output text, espburn explain's JSON of that output). With `until`, a capture that does
    not hold that text yet is taken again, twice as long (a loaded machine runs the real-time
    board late; the test checks what the board says, not how fast the host is)."""
    ff = tmp_path / f"{board}.bin"
    size = 4 << 20 if board == "m5stack-atom" else FLASH_SIZE
    ff.write_bytes(flash_image(parts, size))
    extra = [a for f in faults for a in ("--fault", f)]
    s = sim(board=board, transport="rfc2217", flash_file=ff, extra_args=extra)
    log = tmp_path / "boot.log"
    for attempt in range(4):
        mon = subprocess.run([espburn_bin(), "monitor", "-p", s.url, "--duration", str(secs), "--log", str(log)],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        assert mon.returncode in (0, 1), mon.stderr
        out = log.read_bytes().decode("latin-1")
        if until is None or until in out:
            break
        secs *= 2
    ex = subprocess.run([espburn_bin(), "explain", str(log), "--json"], capture_output=True, text=True,
                        timeout=60)
    assert ex.returncode in (0, 1), ex.stderr
    return out, json.loads(ex.stdout)


def finding(report, code):
    found = {f["code"]: f for f in report["findings"]}
    assert code in found, (code, [f["code"] for f in report["findings"]])
    return found[code]


ROM_HEADER = ("configsip: 0, SPIWP:0xee\r\n"
              "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
              "mode:DIO, clock div:2\r\n")


def test_seed_bundle_boots_to_the_app_stage(sim, seed, tmp_path):
    out, report = boot(sim, tmp_path, seed_parts(seed), until="[espburn sim] app stage")
    assert ROM_HEADER + "load:0x3fff0018,len:4\r\nload:0x3fff001c,len:5868\r\nload:0x40078000,len:7756\r\n" \
        "ho 0 tail 12 room 4\r\nload:0x40080000,len:6016\r\nentry 0x40080324\r\n" in out
    assert "boot: ESP-IDF v3.1-rc1-53509c7b 2nd stage bootloader" in out
    assert "boot:  2 MicroPython      factory app      00 00 00010000 00240000" in out
    assert "esp_image: segment 0: paddr=0x00010020 vaddr=0x3f400020 size=0x70d28 (462120) map" in out
    assert "boot: Loaded app from partition at offset 0x10000" in out
    assert out.count("[espburn sim] app stage") == out.count("2nd stage bootloader") >= 1
    assert "MicroPython ESP32_LoBo_v3.2.24 - 2018-09-06 on ESP32&psRAM board with ESP32" in out
    assert report["stage"] == "app" and report["failed"] is False
    assert "healthy" in [f["code"] for f in report["findings"]]


def test_seed_app_at_bootloader_offset_loops(sim, seed, tmp_path):
    out, report = boot(sim, tmp_path, [(0x1000, seed / "MicroPython.bin")])
    loop = ("ets Jun  8 2016 00:22:57\r\n\r\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\n"
            + ROM_HEADER + "load:0x3f400020,len:462120\r\n")
    assert out.count(loop) >= 3, out
    assert "entry" not in out
    f = finding(report, "app-at-bootloader-offset")
    assert "0x3f400020" in f["what"] and "0x1000" in f["fix"]
    assert report["failed"] is True and report["boots"] >= 4


def test_seed_app_flashed_at_0x1000_with_espburn_flash(sim, seed, tmp_path):
    """The story end to end: espburn flash writes the app at 0x1000 (forced past the
    plan check) into the board, resets it, and the board loops."""
    ff = tmp_path / "fire.bin"
    s = sim(transport="rfc2217", flash_file=ff)
    fl = subprocess.run([espburn_bin(), "flash", f"{seed / 'MicroPython.bin'}@0x1000", "-p", s.url, "--force",
                         "--no-stub"], capture_output=True, text=True, timeout=600)
    assert fl.returncode == 0, fl.stderr
    mon = subprocess.run([espburn_bin(), "monitor", "-p", s.url, "--duration", "1.5", "--log",
                          str(tmp_path / "b.log"), "--plan", f"{seed / 'MicroPython.bin'}@0x1000"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert "load:0x3f400020,len:462120" in (tmp_path / "b.log").read_text("latin-1")
    assert mon.returncode == 1 and "MicroPython.bin" in mon.stdout


def test_erased_flash(sim, tmp_path):
    out, report = boot(sim, tmp_path, [], secs=1.5)
    assert out.count("(SPI_FAST_FLASH_BOOT)\r\nflash read err, 1000\r\nets_main.c 371 \r\n") >= 3
    assert "rst:0x10 (RTCWDT_RTC_RESET)" in out
    assert "0x1000" in finding(report, "no-bootloader")["fix"]


def test_s3_erased_flash(sim, tmp_path):
    out, report = boot(sim, tmp_path, [], board="m5stack-cores3", secs=1.5)
    assert "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n" in out
    assert out.count("invalid header: 0xffffffff\r\n") >= 8
    assert "rst:0x7 (TG0WDT_SYS_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\nSaved PC:0x40049b21\r\n" in out
    finding(report, "no-bootloader")


def test_bootloader_bad_checksum(sim, seed, tmp_path):
    bl = bytearray((seed / "bootloader" / "bootloader.bin").read_bytes())
    bl[0x100] ^= 0x5A
    parts = seed_parts(seed)
    parts[0] = (0x1000, bytes(bl))
    out, report = boot(sim, tmp_path, parts, secs=1.5)
    assert "load:0x40080000,len:6016\r\ncsum err:0xed!=0xb7\r\nets_main.c 371 \r\n" in out
    f = finding(report, "bootloader-checksum")
    assert "0xed" in f["what"] and "again" in f["fix"]


def test_table_bad_md5(sim, seed, tmp_path):
    t = bytearray((seed / "partitions_mpy.bin").read_bytes())
    t[12] = ord("N")                                  # rename nvs without a new MD5
    parts = seed_parts(seed)
    parts[1] = (0x8000, bytes(t))
    out, report = boot(sim, tmp_path, parts, secs=1.5)
    assert "flash_parts: Incorrect MD5 checksum" in out
    assert "boot: Failed to verify partition table" in out
    assert out.count("rst:0x3 (SW_RESET)") >= 2       # bootloader_reset(), again and again
    assert "0x8000" in finding(report, "table-md5")["fix"]


def test_table_exceeds_flash_size(sim, seed, tmp_path):
    parts = seed_parts(seed)
    parts[1] = (0x8000, build_table([("nvs", 1, 2, 0x9000, 0x6000), ("factory", 0, 0, 0x10000, 0x600000)]))
    out, report = boot(sim, tmp_path, parts, secs=1.5)
    line = "partition 1 invalid - offset 0x10000 size 0x600000 exceeds flash chip size 0x400000"
    assert line in out
    assert "flash size" in finding(report, "table-exceeds-flash")["fix"]


def test_no_app_partition(sim, seed, tmp_path):
    parts = seed_parts(seed)
    parts[1] = (0x8000, build_table([("nvs", 1, 2, 0x9000, 0x6000), ("phy_init", 1, 1, 0xF000, 0x1000)]))
    out, report = boot(sim, tmp_path, parts, secs=1.5)
    assert "boot: No bootable app partitions in the partition table" in out
    assert "0x10000" in finding(report, "no-bootable-app")["fix"]


def test_app_missing(sim, seed, tmp_path):
    out, report = boot(sim, tmp_path, seed_parts(seed)[:3], secs=1.5)
    assert "esp_image: image at 0x10000 has invalid magic byte" in out
    assert "esp_image: image at 0x10000 has invalid SPI mode 255" in out
    assert "boot: Factory app partition is not bootable" in out
    assert "0x10000" in finding(report, "app-missing")["fix"]


def test_app_too_big_for_its_partition(sim, seed, tmp_path):
    parts = seed_parts(seed)
    parts[1] = (0x8000, build_table([("nvs", 1, 2, 0x9000, 0x6000), ("factory", 0, 0, 0x10000, 0x100000)]))
    out, report = boot(sim, tmp_path, parts, secs=1.5)
    size = (seed / "MicroPython.bin").stat().st_size
    assert f"Image length {size} doesn't fit in partition length 1048576" in out
    assert "partition" in finding(report, "app-too-big")["fix"]


def test_fault_brownout_at_boot(sim, seed, tmp_path):
    out, report = boot(sim, tmp_path, seed_parts(seed), faults=("brownout-at-boot",), secs=3)
    assert "\r\nBrownout detector was triggered\r\n\r\n" in out
    assert "rst:0xc (SW_CPU_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)" in out
    assert "[espburn sim] app stage" not in out
    assert "cable" in finding(report, "brownout")["fix"]


def test_fault_psram_missing(sim, seed, tmp_path):
    """The LoBo build is made with SPIRAM_IGNORE_NOTFOUND: it reports and goes on."""
    out, report = boot(sim, tmp_path, seed_parts(seed), faults=("psram-missing",), until="[espburn sim] app stage")
    assert "spiram: SPI RAM enabled but initialization failed. Bailing out." in out
    assert "cpu_start: Failed to init external RAM; continuing without it." in out
    assert "[espburn sim] app stage" in out
    assert "PSRAM" in finding(report, "psram-missing")["fix"]


def test_sim_help_lists_the_boot_faults():
    p = subprocess.run([espburn_bin(), "sim", "--help"], capture_output=True, text=True, timeout=30)
    assert "brownout-at-boot" in p.stdout and "psram-missing" in p.stdout


@pytest.mark.parametrize("fault", ["brownout-at-boot:3", "psram-missing:1"])
def test_boot_faults_take_no_count(fault):
    p = subprocess.run([espburn_bin(), "sim", "--tcp", "0", "--fault", fault], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and "takes no number" in p.stderr
