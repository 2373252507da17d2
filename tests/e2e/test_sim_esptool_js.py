"""A client we did not write: esptool-js (Espressif's JavaScript flasher,
npm 0.5.7) flashes the real seed bundle onto the virtual m5stack-fire with its
stub, verifies it by MD5 and reads it back (tests/js/flash_bundle.mjs); then
the flash file must hold exactly those bytes at those addresses."""
import json
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests/js/flash_bundle.mjs"
BUNDLE = [(0x1000, "bootloader/bootloader.bin"), (0x8000, "partitions_mpy.bin"),
          (0xF000, "phy_init_data.bin"), (0x10000, "MicroPython.bin")]


def run_esptool_js(url, baud, seed, v07=False):
    package = "esptool-js-0.7" if v07 else "esptool-js"
    if not shutil.which("node") or not (ROOT / "node_modules" / package).is_dir():
        pytest.fail(f"node and node_modules/{package} are needed (scripts/deps.sh installs them)")
    pairs = [f"{hex(a)}={seed / n}" for a, n in BUNDLE]
    p = subprocess.run(["node", str(HARNESS), *(["--v07"] if v07 else []), url, str(baud), *pairs],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert p.stdout, p.stderr
    return p.returncode, json.loads(p.stdout.splitlines()[-1])


def check_flash_file(board, seed):
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for addr, name in BUNDLE:
        data = (seed / name).read_bytes()
        assert flash[addr:addr + len(data)] == data, f"{name} at {hex(addr)}"
    # nothing else was written: the gaps are still erased
    assert flash[:0x1000] == b"\xff" * 0x1000
    end = 0x10000 + (seed / "MicroPython.bin").stat().st_size
    assert flash[end:end + 0x10000].count(0xFF) == 0x10000


def test_esptool_js_flashes_seed_over_tcp(sim, seed):
    board = sim(board="m5stack-fire")
    rc, res = run_esptool_js(board.url, 460800, seed)
    assert rc == 0 and res["ok"], res
    assert res["chip"] == "ESP32-D0WDQ6 (revision 1)"
    assert any("Hash of data verified" in l for l in res["log"])
    assert all(r["readback_ok"] for r in res["regions"])
    check_flash_file(board, seed)


def test_esptool_js_07_flashes_seed_with_esp_flasher_stub(sim, seed):
    """esptool-js 0.7.0, a second client we did not write, with its own stub
    (esp-flasher-stub, which the board knows by its digests and models as
    such): the seed bundle lands byte for byte, verified and read back."""
    board = sim(board="m5stack-fire", extra_args=["--trace"])
    rc, res = run_esptool_js(board.url, 460800, seed, v07=True)
    assert rc == 0 and res["ok"], res
    assert all(r["readback_ok"] for r in res["regions"])
    check_flash_file(board, seed)
    assert "esptool-js 0.7.0 esp32.json (esp-flasher-stub), modelled as esp-flasher-stub" in board.stderr


def test_esptool_js_07_in_real_time_over_rfc2217(sim, seed):
    board = sim(board="m5stack-fire", transport="rfc2217", extra_args=["--realtime"])
    rc, res = run_esptool_js(board.url, 2000000, seed, v07=True)
    assert rc == 0 and res["ok"], res
    check_flash_file(board, seed)


def test_esptool_js_resets_and_flashes_over_rfc2217(sim, seed):
    board = sim(board="m5stack-fire", transport="rfc2217", extra_args=["--boot", "flash"])
    rc, res = run_esptool_js(board.url, 921600, seed)
    assert rc == 0 and res["ok"], res
    check_flash_file(board, seed)


def test_esptool_js_without_stub_is_a_known_difference(sim, seed):
    """esptool-js has no complete ROM-only path: it sends 16 KB blocks and never
    SPI_ATTACH, so the ESP32 ROM (and the virtual board) refuse its writes;
    documented in docs/sim.md. If this starts passing, esptool-js changed."""
    board = sim(board="m5stack-fire")
    pairs = [f"0x1000={seed / 'bootloader/bootloader.bin'}"]
    p = subprocess.run(["node", str(HARNESS), "--no-stub", board.url, "115200", *pairs],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    res = json.loads(p.stdout.splitlines()[-1])
    assert p.returncode == 1 and not res["ok"], res
    assert res["chip"] == "ESP32-D0WDQ6 (revision 1)"


def test_esptool_js_with_realtime_link_and_flash_timing(sim, seed):
    """--realtime: bytes at the wire rate, erase/program at datasheet speed, the
    stub acknowledging before it writes; esptool-js's timeouts must hold."""
    board = sim(board="m5stack-fire", extra_args=["--realtime"])
    small = [(a, n) for a, n in BUNDLE if a != 0x10000]
    pairs = [f"{hex(a)}={seed / n}" for a, n in small]
    p = subprocess.run(["node", str(HARNESS), board.url, "921600", *pairs], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    res = json.loads(p.stdout.splitlines()[-1])
    assert p.returncode == 0 and res["ok"], res
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for addr, name in small:
        data = (seed / name).read_bytes()
        assert flash[addr:addr + len(data)] == data, name


def test_esptool_js_usb_jtag_reset_on_cores3(sim, seed):
    """The CoreS3 has USB-Serial/JTAG, no transistors: esptool-js sees 303a:1001
    and uses its USB-JTAG reset sequence, which the board's model follows."""
    board = sim(board="m5stack-cores3", transport="rfc2217")
    files = [(0x0, "bootloader/bootloader.bin"), (0x8000, "partitions_mpy.bin")]
    pairs = [f"{hex(a)}={seed / n}" for a, n in files]
    p = subprocess.run(["node", str(HARNESS), "--usb", "303a:1001", board.url, "921600", *pairs],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    res = json.loads(p.stdout.splitlines()[-1])
    assert p.returncode == 0 and res["ok"], res
    assert res["chip"].startswith("ESP32-S3")
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for addr, name in files:
        data = (seed / name).read_bytes()
        assert flash[addr:addr + len(data)] == data, name
