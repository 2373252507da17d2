"""Faults on demand and the physics of the virtual board: each test shows a
naive client failing against `espburn sim` the way it would on a real board."""
import hashlib
import random
import struct
import time

import pytest

from test_sim_util import Loader, checksum, slip

SYNC = b"\x07\x07\x12\x20" + b"\x55" * 32


def rom_write(ld, offset, data, erase_size=None):
    """Plain ROM FLASH_BEGIN/FLASH_DATA in 1 KB blocks; returns the statuses."""
    blocks = (len(data) + 0x3FF) // 0x400
    ld.check(0x02, struct.pack("<IIII", len(data) if erase_size is None else erase_size, blocks, 0x400, offset))
    statuses = []
    for seq in range(blocks):
        part = data[seq * 0x400:(seq + 1) * 0x400].ljust(0x400, b"\xff")
        r = ld.command(0x03, struct.pack("<IIII", len(part), seq, 0, 0) + part, checksum(part), timeout=3)
        statuses.append(r[2] if r else None)
    return statuses


def connected(board, stub=False):
    ld = Loader(board.url)
    if ld.link.telnet:
        ld.reset_into_download()
    assert ld.sync()
    if stub:
        assert ld.upload_stub() == b"OHAI"
    else:
        ld.check(0x0D, b"\0" * 8)
    return ld


def test_writing_without_erase_ands_old_and_new(sim):
    """NOR flash: a client that skips the erase (erase size 0) gets old AND new."""
    board = sim()
    ld = connected(board)
    rom_write(ld, 0x40000, b"\xf0" * 0x400)
    rom_write(ld, 0x40000, b"\x3c" * 0x400, erase_size=0)
    assert ld.md5(0x40000, 0x400) == hashlib.md5(b"\x30" * 0x400).hexdigest().encode()
    assert ld.md5(0x40000, 0x400) != hashlib.md5(b"\x3c" * 0x400).hexdigest().encode()


def test_small_write_erases_the_whole_4k_sector(sim):
    """A 16-byte patch in the middle of a sector erases its 4 KB neighbours."""
    board = sim()
    ld = connected(board, stub=True)
    ld.flash_defl(0x30000, b"\xa5" * 0x1000)
    ld.flash_defl(0x30800, b"\x11" * 16)
    expect = b"\xff" * 0x800 + b"\x11" * 16 + b"\xff" * (0x800 - 16)
    assert ld.md5(0x30000, 0x1000) == hashlib.md5(expect).digest()


def test_drop_byte_loses_the_packet(sim):
    board = sim(extra_args=["--fault", "drop-byte:20"])
    ld = Loader(board.url)
    ld.send(0x08, SYNC)
    r = ld.response(0x08, 0.5)
    assert r is None or r[2][0] == 1           # the damaged SYNC is not answered as a sync
    assert ld.sync()                            # a client that retries gets through


def test_corrupt_byte_fails_the_checksum(sim):
    board = sim(extra_args=["--fault", "corrupt-byte:200"])
    ld = connected(board)
    statuses = rom_write(ld, 0x50000, bytes(range(256)) * 4)
    assert statuses[0][:2] == b"\x01\x07"       # bad checksum: a client ignoring status has bad flash
    assert ld.md5(0x50000, 0x400) != hashlib.md5(bytes(range(256)) * 4).hexdigest().encode()


def test_stop_after_n_packets(sim):
    board = sim(extra_args=["--fault", "stop-after:2"])
    ld = Loader(board.url)
    assert ld.sync()                            # request 1 (8 replies)
    assert ld.command(0x0A, struct.pack("<I", 0x40001000))   # request 2
    assert ld.command(0x0A, struct.pack("<I", 0x40001000), timeout=0.5) is None


def test_tx_dead_receives_but_never_answers(sim):
    board = sim(extra_args=["--fault", "tx-dead"])
    ld = Loader(board.url)
    assert ld.read_text(0.3) == ""              # not even the banner
    assert ld.sync(tries=2) is None


def test_gpio0_stuck_high_never_enters_download_mode(sim):
    board = sim(transport="rfc2217", extra_args=["--fault", "gpio0-stuck-high"])
    ld = Loader(board.url)
    ld.read_text(0.2)
    ld.text = b""
    ld.link.set_lines(dtr=False, rts=True)
    time.sleep(0.1)
    ld.link.set_lines(dtr=True)
    ld.link.set_lines(rts=False)
    time.sleep(0.05)
    ld.link.set_lines(dtr=False)
    text = ld.read_text(0.5)
    assert "boot:0x17 (SPI_FAST_FLASH_BOOT)" in text and "waiting for download" not in text
    assert ld.sync(tries=2) is None


def test_disconnect_mid_write(sim):
    board = sim(extra_args=["--fault", "disconnect-write:2"])
    ld = connected(board)
    with pytest.raises((ConnectionError, OSError, AssertionError)):
        rom_write(ld, 0x60000, b"\x00" * 0x1000)
        ld.sync(tries=1)
        raise AssertionError("still connected")
    ld.close()
    # the cable came back: the board powered up again, half a block landed
    ld = Loader(board.url)
    assert "POWERON_RESET" in ld.read_text(0.5)
    assert ld.sync()
    ld.check(0x0D, b"\0" * 8)
    first = ld.check(0x0E, struct.pack("<II", 0x60400, 64))[1]
    assert first == b"\x00" * 64                # second block: its first half was written
    tail = ld.check(0x0E, struct.pack("<II", 0x607C0, 64))[1]
    assert tail == b"\xff" * 64                 # its second half never was


def test_brownout_during_write_resets_into_the_rom(sim):
    board = sim(extra_args=["--fault", "brownout-write:3"])
    ld = connected(board, stub=True)
    data = random.Random(1).randbytes(0x10000)
    try:
        # A client reading a 2-byte stub status from the ROM's 4-byte answers
        # may not even notice: the ROM's [1, 6, 0, 0] ends in two zeros.
        ld.flash_defl(0x80000, data, block=0x400)
    except AssertionError:
        pass
    text = ld.read_text(0.3)
    assert "rst:0xf (RTCWDT_BROWN_OUT_RESET)" in text
    # the stub is gone: the ROM answers, with 4 status bytes
    ld.status_len = 4
    ld.buf = b""
    value, _, status = ld.sync()
    assert value != 0 and len(status) == 4
    ld.check(0x0D, b"\0" * 8)
    assert ld.md5(0x80000, len(data)) != hashlib.md5(data).hexdigest().encode()


def test_client_that_does_not_follow_change_baudrate_gets_garbage(sim):
    board = sim(transport="rfc2217")
    ld = connected(board, stub=True)
    ld.check(0x0F, struct.pack("<II", 460800, 115200))
    time.sleep(0.05)
    assert ld.sync(tries=2) is None             # host still at 115200
    ld.link.set_baud(460800)
    time.sleep(0.05)
    ld.buf = b""
    assert ld.sync()


def test_rate_the_bridge_cannot_do_is_garbage(sim):
    board = sim(transport="rfc2217")
    ld = Loader(board.url)
    ld.link.set_baud(3000000)                   # CP2104: up to 2 Mbaud
    time.sleep(0.05)
    assert ld.sync(tries=2) is None


def test_fault_usage(espburn):
    r = espburn("sim", "--tcp", "0", "--fault", "drop-byte:x")
    assert r.rc == 2 and "drop-byte" in r.err


def test_realtime_rom_drops_what_arrives_while_it_erases(sim):
    """--realtime: the ROM erases at FLASH_BEGIN (150 ms per 64 KB block) and only
    its 128-byte UART FIFO listens meanwhile; a client that does not wait for
    the answer loses its first data packet."""
    board = sim(extra_args=["--realtime"])
    ld = connected(board)
    block = bytes(range(256)) * 4
    data_pkt = struct.pack("<IIII", 0x400, 0, 0, 0) + block
    t0 = time.time()
    ld.send(0x02, struct.pack("<IIII", 0x100000, 1024, 0x400, 0x100000))  # 16 x 64 KB: 2.4 s
    ld.send(0x03, data_pkt, checksum(block))          # naive: no wait
    assert ld.response(0x02, 6) is not None
    assert time.time() - t0 > 2.0                     # the erase took datasheet time
    assert ld.response(0x03, 1.0) is None             # the data packet was lost
    # A careful client resends, as esptool does (3 tries a block). What the
    # FIFO kept (the packet's first 128 bytes) ends as a truncated frame the
    # ROM refuses, and that frame's end swallowed the resend's opening C0.
    answers = []
    for _ in range(3):
        r = ld.command(0x03, data_pkt, checksum(block), timeout=1)
        answers.append(r[2][:2] if r else None)
        if r and r[2][0] == 0:
            break
    assert answers[0] == b"\x01\x05"
    assert answers[-1] == b"\x00\x00", answers
