"""Security state before writing (issue 4): `chip` shows flash encryption and
secure boot as the eFuses of the virtual board say; `flash` refuses what
would leave the board unbootable (exit 1, nothing written) unless --force,
and the ordinary board still flashes. An S3 in Secure Download Mode answers
only the flash-write commands: `chip` says so and `flash` refuses."""
import json

import pytest

import imgbuild

APP = 0x10000
BOOTLOADER = 0x1000
ERASED = b"\xff" * 4096


def flash_of(board):
    board.stop()
    return board.flash_file.read_bytes()


def security(espburn, board):
    r = espburn("chip", "-p", board.url, "--json", timeout=120)
    assert r.rc == 0, r
    return json.loads(r.out)["security"]


@pytest.mark.parametrize("name,encrypted,secure_boot", [
    ("m5stack-fire", False, 0),
    ("m5stack-fire-encrypted", True, 0),
    ("m5stack-fire-secureboot", False, 1),
])
def test_chip_reports_the_security_efuses(espburn, sim, name, encrypted, secure_boot):
    s = security(espburn, sim(board=name))
    assert s["known"] and s["source"] == "eFuse"
    assert s["flash_encryption"] is encrypted
    assert s["flash_crypt_cnt"] == (1 if encrypted else 0)
    assert s["secure_boot"] is bool(secure_boot)
    assert s["secure_boot_version"] == secure_boot
    assert s["secure_download_mode"] is False


def test_chip_text_explains_secure_boot_v1(espburn, sim):
    r = espburn("chip", "-p", sim(board="m5stack-fire-secureboot").url, timeout=120)
    assert r.rc == 0, r
    assert "secure boot V1 ON" in r.out
    assert "bootloader at 0x1000 cannot be replaced" in r.out


def test_encrypted_board_refuses_plaintext_and_writes_nothing(espburn, sim, seed):
    board = sim(board="m5stack-fire-encrypted")
    r = espburn("flash", f"0x{APP:x}", seed / "MicroPython.bin", "-p", board.url, "--no-stub", timeout=120)
    assert r.rc == 1, r
    lines = [ln for ln in r.err.splitlines() if "flash encryption is on" in ln]
    assert len(lines) == 1, r.err
    assert "nothing was written" in lines[0] and "encrypted-flash" in lines[0]
    assert flash_of(board)[APP:APP + 4096] == ERASED


def test_encrypted_board_writes_with_force(espburn, sim, seed):
    board = sim(board="m5stack-fire-encrypted")
    app = (seed / "MicroPython.bin").read_bytes()
    r = espburn("flash", f"0x{APP:x}", seed / "MicroPython.bin", "-p", board.url, "--no-stub", "--force",
                timeout=300)
    assert r.rc == 0, r
    assert flash_of(board)[APP:APP + len(app)] == app


def test_secure_boot_refuses_the_bootloader_and_writes_nothing(espburn, sim, seed):
    board = sim(board="m5stack-fire-secureboot")
    r = espburn("flash", seed, "-p", board.url, "--no-stub", timeout=120)
    assert r.rc == 1, r
    assert "secure boot V1 is on" in r.err and "0x1000" in r.err and "nothing was written" in r.err
    flash = flash_of(board)
    assert flash[BOOTLOADER:BOOTLOADER + 4096] == ERASED
    assert flash[APP:APP + 4096] == ERASED


def test_secure_boot_still_takes_the_app(espburn, sim, seed):
    board = sim(board="m5stack-fire-secureboot")
    app = (seed / "MicroPython.bin").read_bytes()
    r = espburn("flash", f"0x{APP:x}", seed / "MicroPython.bin", "-p", board.url, "--no-stub", timeout=300)
    assert r.rc == 0, r
    assert flash_of(board)[APP:APP + len(app)] == app


def test_ordinary_board_still_flashes_the_bootloader(espburn, sim, seed):
    board = sim()
    boot = (seed / "bootloader" / "bootloader.bin").read_bytes()
    r = espburn("flash", f"0x{BOOTLOADER:x}", seed / "bootloader" / "bootloader.bin", "-p", board.url,
                "--no-stub", "--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep", timeout=120)
    assert r.rc == 0, r
    assert flash_of(board)[BOOTLOADER:BOOTLOADER + len(boot)] == boot


def test_secure_download_mode_chip_reports_it(espburn, sim):
    r = espburn("chip", "-p", sim(board="m5stack-cores3-secure-download").url, "--json", timeout=120)
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["chip"] == "ESP32-S3"
    s = d["security"]
    assert s["source"] == "GET_SECURITY_INFO" and s["secure_download_mode"] is True and s["flags"] & 4
    assert d["stub"] is False and d["flash"]["size"] == 0     # no stub, no RDID: the ROM refuses them


def test_secure_download_mode_refuses_even_with_force(espburn, sim, tmp_path):
    board = sim(board="m5stack-cores3-secure-download")
    app = tmp_path / "app.bin"
    app.write_bytes(imgbuild.build_app("esp32s3"))
    r = espburn("flash", "0x10000", app, "-p", board.url, "--force", timeout=120)
    assert r.rc == 1, r
    assert "Secure Download Mode" in r.err and "nothing was written" in r.err
    assert "-b auto stays at 115200 baud: Secure Download Mode refuses" in r.err  # said, not silent
    assert flash_of(board)[APP:APP + 4096] == ERASED


def test_ordinary_s3_is_not_in_secure_download_mode(espburn, sim, tmp_path):
    board = sim(board="m5stack-cores3")
    app = tmp_path / "app.bin"
    app.write_bytes(imgbuild.build_app("esp32s3"))
    r = espburn("flash", "0x10000", app, "-p", board.url, timeout=120)
    assert r.rc == 0, r
    assert flash_of(board)[APP:APP + len(app.read_bytes())] == app.read_bytes()
