"""The virtual ESP32-C3-DevKitM-1 (ESP32-C3FN4 v0.4, 4 MB in-package XMC
flash, CP2102N): `espburn chip` decodes its eFuses as esptool's esp32c3.py
does; `espburn flash` writes a C3 bundle (bootloader at 0x0) byte for byte
with and without the C3 stub; wrong layouts are refused; esptool-js flashes
it too; `--boot flash` prints what a C3 ROM prints (docs/sim.md, sim-boot.md)."""
import json
import pathlib
import shutil
import socket
import subprocess
import time

import pytest

import imgbuild
from conftest import espburn_bin

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOARD = "esp32-c3-devkitm-1"
FLASH = 4 << 20
KEEP = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]
C3_STUB = ROOT / "node_modules/esptool-js/lib/targets/stub_flasher/stub_flasher_32c3.json"
FEATURES = ["Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz", "Embedded Flash 4MB (XMC)"]


@pytest.fixture
def bundle(tmp_path):
    """A synthetic C3 bundle: [(addr, path)] for bootloader, table, app."""
    files = {
        0x0: ("bootloader.bin", imgbuild.build_bootloader("esp32c3", desc=True)),
        0x8000: ("partitions.bin", imgbuild.build_table([("nvs", "data", "nvs", 0x9000, 0x6000),
                                                         ("factory", "app", "factory", 0x10000, 0x100000)])),
        0x10000: ("app.bin", imgbuild.build_app("esp32c3", drom_len=0x9000, irom_len=0x14000)),
    }
    out = []
    for addr, (name, data) in files.items():
        (tmp_path / name).write_bytes(data)
        out.append((addr, tmp_path / name))
    return out


def pairs(bundle):
    return [a for addr, p in bundle for a in (hex(addr), p)]


def flash_of(board):
    assert board.stop() == 0
    return board.flash_file.read_bytes()


@pytest.mark.parametrize("transport", ["tcp", "rfc2217"])
def test_c3_chip_facts_from_efuses(espburn, sim, transport):
    board = sim(board=BOARD, transport=transport)
    r = espburn("chip", "-p", board.url, "--json")
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["chip"] == "ESP32-C3"
    assert d["description"] == "ESP32-C3 (QFN32)" and d["revision"] == "v0.4"
    assert d["features"] == FEATURES
    assert d["mac"] == "34:85:18:a1:b2:c3" and d["crystal_mhz"] == 40
    assert d["flash"]["size"] == FLASH and d["flash"]["jedec_id"] == "0x164020"
    assert d["security"]["source"] == "GET_SECURITY_INFO" and d["security"]["flash_encryption"] is False
    r = espburn("chip", "-p", board.url)
    assert r.rc == 0, r
    assert "Chip:       ESP32-C3 (QFN32), revision v0.4\n" in r.out
    assert "Features:   " + ", ".join(FEATURES) + "\n" in r.out
    assert "4 MB" in r.out


def test_c3_rom_banner_in_download_mode(sim):
    """Over TCP the board powers up in download mode when the client connects."""
    board = sim(board=BOARD)
    host, port = board.url.removeprefix("socket://").rsplit(":", 1)
    got = b""
    with socket.create_connection((host, int(port)), timeout=5) as s:
        deadline = time.time() + 3
        while b"waiting for download" not in got and time.time() < deadline:
            s.settimeout(max(0.05, deadline - time.time()))
            try:
                got += s.recv(4096)
            except socket.timeout:
                break
    assert got.startswith(b"ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n"
                          b"rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n"), got


@pytest.mark.parametrize("stub", ["rom", "c3-stub"])
def test_c3_bundle_flashes_byte_for_byte(espburn, sim, bundle, stub):
    if stub == "c3-stub" and not C3_STUB.exists():
        pytest.fail("node_modules/esptool-js is needed (scripts/deps.sh installs it)")
    board = sim(board=BOARD, transport="rfc2217")
    how = ["--no-stub"] if stub == "rom" else ["--stub", C3_STUB]
    r = espburn("flash", *pairs(bundle), "-p", board.url, *KEEP, *how, "--json", timeout=300)
    assert r.rc == 0, r
    b = json.loads(r.out)["boards"][0]
    assert b["device"]["stub"] is (stub == "c3-stub")
    assert [(x["address"], x["state"], x["verified"]) for x in b["regions"]] == \
        [(0x0, "written", True), (0x8000, "written", True), (0x10000, "written", True)]
    r = espburn("verify", *pairs(bundle), "-p", board.url, *how)
    assert r.rc == 0, r
    flash = flash_of(board)
    assert len(flash) == FLASH
    for addr, path in bundle:
        data = path.read_bytes()
        assert flash[addr:addr + len(data)] == data, hex(addr)
    end = 0x10000 + bundle[2][1].stat().st_size
    assert flash[end:end + 0x10000] == b"\xff" * 0x10000


def test_c3_stub_is_recognised(espburn, sim, bundle):
    """The C3 stub of esptool-js 0.5.7 (text at 0x40380000, entry 0x403806d0,
    data in DRAM) is known to the board by its digests: it answers OHAI."""
    board = sim(board=BOARD, extra_args=["--trace"])
    r = espburn("flash", "0x10000", bundle[2][1], "-p", board.url, "--stub", C3_STUB, timeout=120)
    assert r.rc == 0, r
    board.stop()
    assert ("stub recognised: esptool-js 0.5.7 stub_flasher_32c3.json, modelled as esptool's flasher stub: OHAI"
            in board.stderr)


def test_esptool_line_names_the_boards_chip_when_the_files_name_none(espburn, sim, tmp_path):
    """A data file names no chip: the plan assumes an ESP32, but the esptool equivalent is printed
    once the board is known, with its chip (text and --json), so that the line works as written."""
    blob = tmp_path / "data.bin"
    blob.write_bytes(bytes(range(256)) * 64)
    board = sim(board=BOARD)
    r = espburn("flash", "0x100000", blob, "-p", board.url, timeout=120)
    assert r.rc == 0, r
    line = next(x for x in r.err.splitlines() if x.startswith("esptool equivalent:"))
    assert "--chip esp32c3 " in line, line
    r = espburn("flash", "0x100000", blob, "-p", board.url, "--json", timeout=120)
    assert r.rc == 0, r
    assert "--chip esp32c3 " in json.loads(r.out)["esptool_command"]


def test_c3_app_at_0x0_is_refused(espburn, sim, bundle):
    board = sim(board=BOARD)
    r = espburn("flash", f"{bundle[2][1]}@0x0", "-p", board.url, timeout=120)
    assert r.rc == 1, r
    assert "refused" in r.err and "nothing was written" in r.err
    assert flash_of(board)[:0x20000] == b"\xff" * 0x20000


def test_esp32_bundle_is_refused_on_the_c3(espburn, sim, seed):
    board = sim(board=BOARD)
    r = espburn("flash", seed, "-p", board.url, timeout=120)
    assert r.rc == 1, r
    assert "the firmware is for ESP32 but the board" in r.err and "ESP32-C3" in r.err
    assert "nothing was written" in r.err
    assert flash_of(board)[:0x20000] == b"\xff" * 0x20000


def test_esptool_js_flashes_the_c3(sim, bundle):
    """esptool-js (its own chip detection, eFuse decoding and C3 stub) over
    RFC 2217 with its classic DTR/RTS reset through the CP2102N's lines."""
    if not shutil.which("node") or not (ROOT / "node_modules/esptool-js").is_dir():
        pytest.fail("node and node_modules/esptool-js are needed (scripts/deps.sh installs them)")
    board = sim(board=BOARD, transport="rfc2217", extra_args=["--boot", "flash"])
    p = subprocess.run(["node", str(ROOT / "tests/js/flash_bundle.mjs"), board.url, "921600",
                        *[f"{hex(a)}={path}" for a, path in bundle]],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.stdout, p.stderr
    res = json.loads(p.stdout.splitlines()[-1])
    assert p.returncode == 0 and res["ok"], res
    assert res["chip"] == "ESP32-C3 (QFN32) (revision v0.4)"
    assert "Features: Wi-Fi,BLE,Embedded Flash 4MB (XMC)" in res["log"]
    assert "MAC: 34:85:18:a1:b2:c3" in res["log"] and "Stub running..." in res["log"]
    assert all(r["md5_ok"] and r["readback_ok"] for r in res["regions"])
    flash = flash_of(board)
    for addr, path in bundle:
        data = path.read_bytes()
        assert flash[addr:addr + len(data)] == data, hex(addr)


def boot_log(sim, tmp_path, parts, secs=1.5):
    ff = tmp_path / "c3-boot.bin"
    ff.write_bytes(imgbuild.build_merged({a: p.read_bytes() for a, p in parts}, size=FLASH)
                   if parts else b"\xff" * FLASH)
    board = sim(board=BOARD, transport="rfc2217", flash_file=ff)
    log = tmp_path / "boot.log"
    mon = subprocess.run([espburn_bin(), "monitor", "-p", board.url, "--duration", str(secs), "--log", str(log)],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert mon.returncode in (0, 1), mon.stderr
    return log.read_bytes().decode("latin-1")


def test_c3_boots_its_bundle(sim, tmp_path, bundle):
    out = boot_log(sim, tmp_path, bundle)
    assert out.startswith("ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n"
                          "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\nSPIWP:0xee\r\n"
                          "mode:DIO, clock div:2\r\nload:0x3fc90000,len:0x"), out
    assert "entry 0x40380000\r\n" in out and "2nd stage bootloader" in out
    assert "Loaded app from partition at offset 0x10000" in out


def test_c3_erased_flash_and_app_at_0x0(sim, tmp_path, bundle):
    out = boot_log(sim, tmp_path, [])
    assert out.count("invalid header: 0xffffffff\r\n") >= 8
    assert "rst:0x7 (TG0WDT_SYS_RST),boot:0xc (SPI_FAST_FLASH_BOOT)\r\nSaved PC:0x4004d1f8\r\n" in out
    out = boot_log(sim, tmp_path, [(0x0, bundle[2][1])])
    assert "load:0x3c000020,len:0x9100\r\nets_loader.c 78\r\n" in out   # descriptor + 0x9000
    assert "rst:0x7 (TG0WDT_SYS_RST),boot:0xc (SPI_FAST_FLASH_BOOT)\r\nSaved PC:0x40049a42\r\n" in out


def test_c3_board_is_listed(espburn):
    r = espburn("sim", "--list", "--json")
    assert r.rc == 0, r
    assert BOARD in r.out and "ESP32-C3FN4" in r.out
