"""The virtual board's flash work, command by command (its --trace names every
erase): the ROM's FLASH_BEGIN erases as the ROM's SPIEraseArea does, the stub's
writes as esptool's stub_write_flash.c does (64 KB blocks where aligned with 16
or more sectors left), the stub's ERASE_REGION as its handle_flash_erase does.
The expected sequences are worked out by hand from those rules (docs/sim.md)."""
import hashlib
import re
import struct

from test_sim_util import Loader

ERASE = re.compile(r"flash: erase (block|sector) at 0x([0-9a-f]+)")


def erases(board):
    board.stop()
    return [(kind, int(addr, 16)) for kind, addr in ERASE.findall(board.stderr)]


def sectors(first, last):
    return [("sector", a) for a in range(first, last + 1, 0x1000)]


def stub_board(sim):
    board = sim(extra_args=("--trace",))
    ld = Loader(board.url)
    assert ld.sync()
    assert ld.upload_stub() == b"OHAI"
    return board, ld


def test_stub_write_takes_blocks_where_aligned(sim):
    board, ld = stub_board(sim)
    data = bytes((i * 7 + (i >> 12)) & 0xFF for i in range(0x27000))
    ld.flash_defl(0x9000, data)
    assert ld.md5(0x9000, len(data)) == hashlib.md5(data).digest()
    ld.close()
    # sectors up to the block boundary, then a block whenever 16 or more sectors remain
    # (exactly 16 at 0x20000), nothing past the region's end at 0x30000
    assert erases(board) == sectors(0x9000, 0xF000) + [("block", 0x10000), ("block", 0x20000)]
    assert board.flash_file.read_bytes()[0x9000:0x30000] == data


def test_stub_erase_region_splits_as_handle_flash_erase(sim):
    board, ld = stub_board(sim)
    ld.check(0xD1, struct.pack("<II", 0x8000, 0x28000), timeout=30)
    ld.close()
    # a block only while MORE than 64 KB remain: the last 64 KB go sector by sector
    assert erases(board) == sectors(0x8000, 0xF000) + [("block", 0x10000)] + sectors(0x20000, 0x2F000)


def test_rom_flash_begin_erases_as_spierasearea(sim):
    board = sim(extra_args=("--trace",))
    ld = Loader(board.url)
    assert ld.sync()
    ld.check(0x0D, struct.pack("<II", 0, 0))                     # SPI_ATTACH
    ld.check(0x02, struct.pack("<IIII", 0x21000, 0x84, 0x400, 0x10000), timeout=30)
    ld.close()
    # 16 head sectors even on a block boundary, blocks while more than 16 remain, tail sectors
    assert erases(board) == sectors(0x10000, 0x1F000) + [("block", 0x20000)] + sectors(0x30000, 0x30000)
