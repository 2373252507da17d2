"""`espburn sim` end to end: a ROM-protocol client (test_sim_util) talks to the
virtual board over TCP, RFC 2217 and a pty, as a host tool would."""
import hashlib
import json
import os
import select
import struct
import time

import pytest

from test_sim_util import Loader, slip

BUNDLE = [(0x1000, "bootloader/bootloader.bin"), (0x8000, "partitions_mpy.bin"),
          (0xF000, "phy_init_data.bin"), (0x10000, "MicroPython.bin")]


def test_tcp_banner_sync_and_identity(sim):
    board = sim()
    assert board.url.startswith("socket://127.0.0.1:")
    ld = Loader(board.url)
    text = ld.read_text(0.5)
    assert "ets Jun  8 2016 00:22:57" in text
    assert "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))" in text
    assert "waiting for download" in text
    value, body, status = ld.sync()
    assert value != 0 and len(status) == 4
    assert ld.read_reg(0x40001000) == 0x00F01D83
    # unknown / stub-only commands: ROM error 0x05
    r = ld.command(0xD0)
    assert r[2][:2] == b"\x01\x05"
    ld.close()


def test_flash_file_created_at_board_size(sim):
    board = sim(board="m5stack-atom")
    assert board.flash_file.stat().st_size == 4 << 20
    with open(board.flash_file, "rb") as f:
        assert f.read(65536) == b"\xff" * 65536


def test_stub_flashes_the_seed_bundle_byte_for_byte(sim, seed):
    board = sim()
    ld = Loader(board.url)
    assert ld.sync()
    assert ld.upload_stub() == b"OHAI"
    for offset, name in BUNDLE:
        data = (seed / name).read_bytes()
        ld.flash_defl(offset, data)
        assert ld.md5(offset, len(data)) == hashlib.md5(data).digest()
    ld.close()
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for offset, name in BUNDLE:
        data = (seed / name).read_bytes()
        assert flash[offset:offset + len(data)] == data, name
    assert flash[:0x1000] == b"\xff" * 0x1000


def test_reconnect_does_not_reset_the_board(sim):
    board = sim()
    ld = Loader(board.url)
    assert ld.sync()
    assert ld.upload_stub() == b"OHAI"
    ld.close()
    ld = Loader(board.url, stub_status=True)
    value, _, status = ld.sync()
    assert value == 0 and len(status) == 2   # the stub is still running
    ld.close()


def test_rom_md5_is_hex_and_needs_attach(sim):
    board = sim()
    ld = Loader(board.url)
    assert ld.sync()
    r = ld.command(0x13, struct.pack("<IIII", 0, 4096, 0, 0))
    assert r[2][0] == 1                       # no SPI_ATTACH yet
    ld.check(0x0D, b"\0" * 8)
    body = ld.md5(0, 4096)
    assert body == hashlib.md5(b"\xff" * 4096).hexdigest().encode()
    ld.close()


def classic_reset(link, hold_io0=0.05):
    link.set_lines(dtr=False, rts=True)      # EN low
    time.sleep(0.1)
    link.set_lines(dtr=True)                  # both asserted: EN released
    link.set_lines(rts=False)                 # DTR alone: GPIO0 low
    time.sleep(hold_io0)
    link.set_lines(dtr=False)


def test_rfc2217_classic_reset_enters_download_mode(sim):
    board = sim(transport="rfc2217")
    assert board.url.startswith("rfc2217://127.0.0.1:")
    ld = Loader(board.url)
    ld.link.set_baud(115200)
    ld.read_text(0.3)
    ld.text = b""
    classic_reset(ld.link)
    text = ld.read_text(0.5)
    assert "waiting for download" in text, text
    assert ld.sync()
    ld.close()


def test_rfc2217_wrong_order_boots_from_flash(sim):
    board = sim(transport="rfc2217")
    ld = Loader(board.url)
    ld.read_text(0.3)
    ld.text = b""
    # GPIO0 released before EN rises: the chip samples GPIO0 high
    ld.link.set_lines(dtr=False, rts=True)
    time.sleep(0.1)
    ld.link.set_lines(rts=False)
    text = ld.read_text(0.5)
    assert "boot:0x17 (SPI_FAST_FLASH_BOOT)" in text, text
    assert "waiting for download" not in text
    assert ld.sync(tries=2) is None            # normal boot: no loader
    ld.close()


def read_until(fd, marker, timeout=3.0):
    deadline, got = time.time() + timeout, b""
    while marker not in got and time.time() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            got += os.read(fd, 4096)
    return got


def test_pty_transport(sim):
    board = sim(transport="pty")
    fd = os.open(board.url, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, slip(struct.pack("<BBHI", 0, 0x08, 36, 0) + b"\x07\x07\x12\x20" + b"\x55" * 32))
        got = read_until(fd, b"\xc0\x01\x08\x04\x00\x07\x07\x12\x20\x00\x00\x00\x00\xc0" * 8)
        assert b"waiting for download" in got
        assert got.count(b"\xc0\x01\x08") == 8
        # raw mode: 0x0A and 0x0D cross unchanged (READ_REG is op 0x0A)
        os.write(fd, slip(struct.pack("<BBHII", 0, 0x0A, 4, 0, 0x3FF5A004)))
        want = b"\xc0\x01\x0a\x04\x00" + struct.pack("<I", 0xC4A1B2C3) + b"\x00" * 4 + b"\xc0"
        assert want in read_until(fd, want)
    finally:
        os.close(fd)


def test_cores3_answers_security_info(sim):
    board = sim(board="m5stack-cores3")
    ld = Loader(board.url)
    assert "ESP-ROM:esp32s3-20210327" in ld.read_text(0.3)
    assert ld.sync()
    value, body, status = ld.check(0x14)
    assert struct.unpack("<I", body[12:16])[0] == 9
    ld.close()


def test_usage_errors(espburn, tmp_path):
    small = tmp_path / "small.bin"
    small.write_bytes(b"\0" * 100)
    r = espburn("sim", "--tcp", "0", "--flash-file", small)
    assert r.rc == 2 and "16777216" in r.err          # the file does not fit the board
    assert espburn("sim", "--tcp", "99999").rc == 2
    assert espburn("sim").rc == 2
    assert espburn("sim", "--tcp", "0", "--board", "nope").rc == 2
    assert espburn("sim", "--tcp", "0", "--fault", "bogus").rc == 2
    r = espburn("sim", "--list")
    assert r.rc == 0 and "m5stack-core2" in r.out


def test_list_json_gives_each_boards_realtime_figures(espburn):
    """Benchmarks compute limits from the board's own figures: the flash part's row (W25Q128JV
    typical times on the Fire), the chip's read rate, the bridge's top rate and latency."""
    r = espburn("sim", "--list", "--json")
    assert r.rc == 0, r
    fire = next(b for b in json.loads(r.out)["boards"] if b["name"] == "m5stack-fire")
    assert fire["bridge_max_baud"] == 2000000 and fire["bridge_latency_us"] == 1000
    t = fire["timing"]
    assert (t["sector_erase_us"], t["block_erase_us"], t["page_program_us"], t["status_write_us"]) == \
        (45000, 150000, 400, 10000)
    assert t["read_bytes_per_ms"] == 5000 and "W25Q128JV" in t["source"]


def test_rfc2217_hard_reset_after_flashing_boots_from_flash(sim):
    """esptool's --after hard_reset: RTS pulse with DTR released -> normal boot;
    the stub is gone and nothing answers."""
    board = sim(transport="rfc2217")
    ld = Loader(board.url)
    assert "waiting for download" in ld.reset_into_download()
    assert ld.sync()
    assert ld.upload_stub() == b"OHAI"
    ld.text = b""
    ld.link.set_lines(rts=True)
    time.sleep(0.1)
    ld.link.set_lines(rts=False)
    text = ld.read_text(0.4)
    assert "rst:0x1 (POWERON_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)" in text, text
    ld.status_len = 4
    assert ld.sync(tries=2) is None
    ld.close()


def test_json_listening_line_and_sigterm(tmp_path):
    import json
    import subprocess
    from conftest import espburn_bin
    ff = tmp_path / "f.bin"
    p = subprocess.Popen([espburn_bin(), "sim", "--tcp", "0", "--json", "--flash-file", str(ff)],
                         stdout=subprocess.PIPE, text=True)
    try:
        doc = json.loads(p.stdout.readline())
        assert doc["board"] == "m5stack-fire" and doc["url"].startswith("socket://127.0.0.1:")
        assert doc["flash_file"] == str(ff)
    finally:
        p.terminate()
        assert p.wait(timeout=20) == 0
        p.stdout.close()
    assert ff.stat().st_size == 16 << 20
