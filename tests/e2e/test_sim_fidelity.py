"""Virtual board fidelity (issue 17): what a real esptool client still caught,
checked from the protocol on the ESP32 (m5stack-fire) and the ESP32-C3
(esp32-c3-devkitm-1) boards, with the ROM loader and with esptool's stub:

- uncompressed FLASH_DATA through the stub: the last block, padded with 0xFF to
  the block size as esptool sends it, is trimmed to the size FLASH_BEGIN
  declared (esptool's stub handle_flash_data), so any size lands byte-exact on
  erased flash;
- RAM is memory: WRITE_REG (address, value, mask, delay_us) is a masked store
  after its delay, READ_REG reads it back, MEM_BEGIN/MEM_DATA load into it;
- the flash chip answers commands sent through the SPI controller's user
  command registers, as esptool's run_spiflash_command drives them: SFDP
  (0x5A, 24-bit address, 8 dummy cycles) returns the part's table; RDSR/2/3,
  WREN, WRDI, WRSR keep the status registers; others are traced unsupported.

The expected values are the protocol's and the parts' (docs/sim.md), not
bytes replayed from a client."""
import base64
import hashlib
import json
import random
import struct
import subprocess
import time

import pytest

from test_sim_util import ROOT, Loader, checksum

FIRE, C3 = "m5stack-fire", "esp32-c3-devkitm-1"
STUBS = {FIRE: "stub_flasher_32.json", C3: "stub_flasher_32c3.json"}
# Per chip: SPI controller base and user-command register offsets (esptool
# targets esp32.py / esp32c3.py), whether SPI_ADDR is sent from bit 31 down
# (ESP32, ESP-IDF spi_flash_ll_set_usr_address), whether the ROM's
# FLASH_BEGIN takes a 5th word, and RAM addresses in each kind of region.
CHIPS = {
    FIRE: dict(jedec=0x1840EF, spi=0x3FF42000, usr=0x1C, usr1=0x20, usr2=0x24, mosi=0x28, miso=0x2C, w0=0x80,
               addr_msb=True, begin_words=4, flash=16 << 20,
               ram={"RTC_DRAM": 0x3FF80000, "RTC_DATA": 0x50000000, "DRAM": 0x3FFAE100, "IRAM": 0x40080100},
               load=0x3FFB0000),
    C3: dict(jedec=0x164020, spi=0x60002000, usr=0x18, usr1=0x1C, usr2=0x20, mosi=0x24, miso=0x28, w0=0x58,
             addr_msb=False, begin_words=5, flash=4 << 20,
             ram={"RTC_IRAM": 0x50000000, "DRAM": 0x3FC80100, "IRAM": 0x4037C100},
             load=0x3FC90000),
}
BOARDS = [FIRE, C3]
OP_FLASH_BEGIN, OP_FLASH_DATA, OP_FLASH_END = 0x02, 0x03, 0x04
OP_MEM_BEGIN, OP_MEM_END, OP_MEM_DATA = 0x05, 0x06, 0x07
OP_WRITE_REG, OP_READ_REG, OP_SPI_ATTACH, OP_MD5 = 0x09, 0x0A, 0x0D, 0x13


def connect(board, stub):
    ld = Loader(board.url)
    assert ld.sync(), "no SYNC answer"
    if stub:
        blob = json.loads((ROOT / "node_modules/esptool-js/lib/targets/stub_flasher" / STUBS[board.board]).read_text())
        assert ld.upload_stub(blob) == b"OHAI"
    else:
        ld.check(OP_SPI_ATTACH, bytes(8))
    return ld


def write_reg(ld, addr, value, mask=0xFFFFFFFF, delay_us=0, timeout=3.0):
    ld.check(OP_WRITE_REG, struct.pack("<IIII", addr, value, mask, delay_us), timeout=timeout)


def flash_uncompressed(ld, chip, offset, data, stub):
    """FLASH_BEGIN / FLASH_DATA as esptool sends them without compression: the
    last block padded with 0xFF to the block size; the true size in BEGIN."""
    block = 0x4000 if stub else 0x400
    blocks = (len(data) + block - 1) // block
    words = [len(data), blocks, block, offset] + ([0] if not stub and chip["begin_words"] == 5 else [])
    ld.check(OP_FLASH_BEGIN, struct.pack(f"<{len(words)}I", *words), timeout=30)
    for seq in range(blocks):
        part = data[seq * block:(seq + 1) * block].ljust(block, b"\xff")
        ld.check(OP_FLASH_DATA, struct.pack("<IIII", len(part), seq, 0, 0) + part, checksum(part), timeout=30)


def spiflash_command(ld, chip, command, data=b"", read_bits=0, addr=None, addr_len=0, dummy_len=0):
    """esptool's run_spiflash_command, register by register (ESP32 and later)."""
    base = chip["spi"]
    flags = 1 << 31 | (1 << 28 if read_bits else 0) | (1 << 27 if data else 0)
    flags |= (1 << 30 if addr_len else 0) | (1 << 29 if dummy_len else 0)
    old_usr, old_usr2 = ld.read_reg(base + chip["usr"]), ld.read_reg(base + chip["usr2"])
    if data:
        write_reg(ld, base + chip["mosi"], len(data) * 8 - 1)
    if read_bits:
        write_reg(ld, base + chip["miso"], read_bits - 1)
    usr1 = (dummy_len - 1 if dummy_len else 0) | ((addr_len - 1) << 26 if addr_len else 0)
    if usr1:
        write_reg(ld, base + chip["usr1"], usr1)
    write_reg(ld, base + chip["usr"], flags)
    write_reg(ld, base + chip["usr2"], 7 << 28 | command)
    if addr and addr_len:
        write_reg(ld, base + 0x04, addr)
    if not data:
        write_reg(ld, base + chip["w0"], 0)
    for i in range(0, len(data), 4):
        write_reg(ld, base + chip["w0"] + i, struct.unpack("<I", data[i:i + 4].ljust(4, b"\0"))[0])
    write_reg(ld, base, 1 << 18)
    assert ld.read_reg(base) & (1 << 18) == 0, "SPI command did not complete"
    value = ld.read_reg(base + chip["w0"])
    write_reg(ld, base + chip["usr"], old_usr)
    write_reg(ld, base + chip["usr2"], old_usr2)
    return value


def read_sfdp(ld, chip, addr, nbytes=4):
    """SFDP bytes at addr, the address placed where the chip's controller sends it from."""
    reg = addr << 8 if chip["addr_msb"] else addr
    v = spiflash_command(ld, chip, 0x5A, read_bits=8 * nbytes, addr=reg, addr_len=24, dummy_len=8)
    return v.to_bytes(4, "little")[:nbytes]


# ---- 1. uncompressed writes through the stub land whole -------------------------

@pytest.mark.parametrize("board_name", BOARDS)
def test_stub_uncompressed_writes_land_byte_exact_on_erased_flash(sim, board_name):
    """4 KB at 0x8000 (one padded 16 KB block), 50 KB at 0x1000 (the 4th block
    padded), and unaligned sizes: every byte lands, nothing beyond is written."""
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    rnd = random.Random(17)
    writes = [(0x8000, 4096), (0x1000 + 0x40000, 50 * 1024), (0x60000, 5000), (0x70123, 1),
              (0x80000, 0x4001), (0x90000, 3 * 0x4000)]
    writes = [(off, rnd.randbytes(n)) for off, n in writes]
    ld = connect(board, stub=True)
    for off, data in writes:
        flash_uncompressed(ld, chip, off, data, stub=True)
        assert ld.md5(off, len(data)).hex() == hashlib.md5(data).hexdigest(), hex(off)
    ld.check(OP_FLASH_END, struct.pack("<I", 1))  # 1: stay in the loader; all data came
    ld.close()
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for off, data in writes:
        assert flash[off:off + len(data)] == data, f"{len(data)} bytes at {hex(off)}"
        end = off + len(data)
        tail = (-end) % 0x1000
        assert flash[end:end + tail] == b"\xff" * tail, f"padding written after {hex(end)}"


@pytest.mark.parametrize("board_name", BOARDS)
def test_stub_flash_end_before_all_data_is_not_enough_data(sim, board_name):
    """handle_flash_end: FLASH_END while bytes are still expected fails with
    0xC8 (not enough data) and the stub stays in flash mode."""
    board = sim(board=board_name)
    ld = connect(board, stub=True)
    ld.check(OP_FLASH_BEGIN, struct.pack("<IIII", 0x5000, 2, 0x4000, 0x10000))
    part = b"\x5a" * 0x4000
    ld.check(OP_FLASH_DATA, struct.pack("<IIII", len(part), 0, 0, 0) + part, checksum(part))
    r = ld.command(OP_FLASH_END, struct.pack("<I", 1))
    assert r is not None and r[2][0] == 0xC8, r
    rest = b"\xa5" * 0x1000
    flash_part = rest.ljust(0x4000, b"\xff")
    ld.check(OP_FLASH_DATA, struct.pack("<IIII", len(flash_part), 1, 0, 0) + flash_part, checksum(flash_part))
    ld.check(OP_FLASH_END, struct.pack("<I", 1))
    ld.close()
    assert board.stop() == 0
    assert board.flash_file.read_bytes()[0x10000:0x15000] == part + rest


@pytest.mark.parametrize("board_name", BOARDS)
def test_rom_uncompressed_writes_still_land(sim, board_name):
    """The ROM path (--no-stub -u) was right before; it stays right."""
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    data = random.Random(3).randbytes(5000)
    ld = connect(board, stub=False)
    flash_uncompressed(ld, chip, 0x9000, data, stub=False)
    ld.close()
    assert board.stop() == 0
    assert board.flash_file.read_bytes()[0x9000:0x9000 + len(data)] == data


# ---- 2. RAM is memory -------------------------------------------------------------

@pytest.mark.parametrize("stub", [False, True], ids=["rom", "stub"])
@pytest.mark.parametrize("board_name", BOARDS)
def test_write_reg_read_reg_round_trip_in_ram(sim, board_name, stub):
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    ld = connect(board, stub)
    for i, (name, addr) in enumerate(sorted(chip["ram"].items())):
        value = 0x12345678 ^ (i * 0x01010101)
        assert ld.read_reg(addr + 0x40) == 0, f"{name}: RAM never written reads 0"
        write_reg(ld, addr, value)
        assert ld.read_reg(addr) == value, name
        write_reg(ld, addr, 0xFFFFFFFF, mask=0x0000FF00)  # masked: only bits 8..15 change
        assert ld.read_reg(addr) == (value & ~0xFF00) | 0xFF00, name
        assert ld.read_reg(addr + 4) == 0, f"{name}: the next word is untouched"
    # several (address, value, mask, delay) entries in one WRITE_REG
    a, b = chip["ram"]["DRAM"] + 0x10, chip["ram"]["IRAM"] + 0x10
    ld.check(OP_WRITE_REG, struct.pack("<8I", a, 0xCAFEF00D, 0xFFFFFFFF, 0, b, 0x0BADBEEF, 0xFFFFFFFF, 0))
    assert (ld.read_reg(a), ld.read_reg(b)) == (0xCAFEF00D, 0x0BADBEEF)


@pytest.mark.parametrize("board_name", BOARDS)
def test_write_reg_waits_its_delay_before_the_store(sim, board_name):
    """--realtime: delay_us is waited before the store (the stub's
    handle_write_reg: ets_delay_us, then the write), so the answer comes after it."""
    chip = CHIPS[board_name]
    board = sim(board=board_name, extra_args=["--realtime"])
    ld = connect(board, stub=False)
    addr = chip["ram"]["DRAM"]
    t0 = time.monotonic()
    write_reg(ld, addr, 0xA5A5A5A5, delay_us=400000, timeout=5)
    assert time.monotonic() - t0 >= 0.4
    assert ld.read_reg(addr) == 0xA5A5A5A5


@pytest.mark.parametrize("board_name", BOARDS)
def test_mem_data_lands_in_ram_and_reads_back(sim, board_name):
    """What a client loads with MEM_BEGIN/MEM_DATA is in RAM (ROM), and the
    stub's own upload can be read back once it runs."""
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    ld = connect(board, stub=False)
    blob = random.Random(5).randbytes(0x1800 + 200)
    blocks = 2
    ld.check(OP_MEM_BEGIN, struct.pack("<IIII", len(blob), blocks, 0x1800, chip["load"]))
    for seq in range(blocks):
        part = blob[seq * 0x1800:(seq + 1) * 0x1800]
        ld.check(OP_MEM_DATA, struct.pack("<IIII", len(part), seq, 0, 0) + part, checksum(part))
    for off in (0, 4, 0x17FC, 0x1800, len(blob) - 8):
        assert ld.read_reg(chip["load"] + off) == struct.unpack("<I", blob[off:off + 4])[0], hex(off)
    stub = json.loads((ROOT / "node_modules/esptool-js/lib/targets/stub_flasher" / STUBS[board_name]).read_text())
    assert ld.upload_stub(stub) == b"OHAI"
    text = base64.b64decode(stub["text"])
    for off in (0, 4, len(text) // 2 & ~3):
        assert ld.read_reg(stub["text_start"] + off) == struct.unpack("<I", text[off:off + 4])[0]


@pytest.mark.parametrize("board_name", BOARDS)
def test_unmapped_address_reads_zero_and_says_so(sim, board_name):
    """Where the board has neither RAM nor a modelled register it answers 0
    and its trace says so (what the ROM does there is not documented)."""
    board = sim(board=board_name, extra_args=["--trace"])
    ld = connect(board, stub=False)
    assert ld.read_reg(0x20000000) == 0
    write_reg(ld, 0x20000000, 1)
    ld.close()
    board.stop()
    assert "read of 0x20000000: no RAM or modelled register there; answered 0" in board.stderr
    assert "write of 0x20000000: no RAM or modelled register there; dropped" in board.stderr


# ---- 3. the flash chip answers through the SPI user-command registers -------------

@pytest.mark.parametrize("stub", [False, True], ids=["rom", "stub"])
@pytest.mark.parametrize("board_name", BOARDS)
def test_read_flash_sfdp_0_4_reads_the_signature(sim, board_name, stub):
    """`esptool read_flash_sfdp 0 4`: read_spiflash_sfdp(0, 32) -> 53 46 44 50."""
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    ld = connect(board, stub)
    v = spiflash_command(ld, chip, 0x5A, read_bits=32, addr=0, addr_len=24, dummy_len=8)
    assert v.to_bytes(4, "little") == b"SFDP"


@pytest.mark.parametrize("board_name", BOARDS)
def test_sfdp_table_describes_the_boards_flash(sim, board_name):
    """The table read through the registers, parsed per JESD216: one basic
    flash parameter table of 16 dwords at 0x80, the board's density, 4 KB
    erase with 0x20, a 64 KB erase type with 0xD8; 0xFF past the tables."""
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    ld = connect(board, stub=False)
    table = b"".join(read_sfdp(ld, chip, a) for a in range(0, 0xC4, 4))
    assert table[:4] == b"SFDP" and table[4:6] == b"\x05\x01" and table[6] == 0  # v1.5, NPH 0 (one header)
    pid, minor, major, dwords = table[8], table[9], table[10], table[11]
    ptr = int.from_bytes(table[12:15], "little")
    assert (pid, major, dwords, ptr) == (0x00, 1, 16, 0x80), (pid, minor, major, dwords, hex(ptr))
    bfpt = table[ptr:ptr + 4 * dwords]
    dw = [int.from_bytes(bfpt[i:i + 4], "little") for i in range(0, len(bfpt), 4)]
    assert dw[0] & 3 == 1 and (dw[0] >> 8) & 0xFF == 0x20  # uniform 4 KB erase, opcode 0x20
    assert (dw[1] + 1) // 8 == chip["flash"]  # density in bits - 1
    erase_types = {(dw[7] >> s) & 0xFF: (dw[7] >> (s + 8)) & 0xFF for s in (0, 16)}
    erase_types.update({(dw[8] >> s) & 0xFF: (dw[8] >> (s + 8)) & 0xFF for s in (0, 16)})
    assert erase_types.get(12) == 0x20 and erase_types.get(16) == 0xD8, erase_types
    assert table[0xC0:0xC4] == b"\xff" * 4
    # a two-byte read at an odd address agrees with the table
    assert read_sfdp(ld, chip, 0x81, 2) == table[0x81:0x83]


@pytest.mark.parametrize("board_name", BOARDS)
def test_sfdp_address_alignment_is_the_chips(sim, board_name):
    """esptool writes SPI_ADDR unshifted. The ESP32 sends a 24-bit address from
    bit 31 down, so 0x10 there reaches address 0 ("SFDP"); the C3 sends the low
    24 bits: address 0x10, past the header (0xFF)."""
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    ld = connect(board, stub=False)
    v = spiflash_command(ld, chip, 0x5A, read_bits=32, addr=0x10, addr_len=24, dummy_len=8).to_bytes(4, "little")
    assert v == (b"SFDP" if chip["addr_msb"] else b"\xff" * 4)


@pytest.mark.parametrize("board_name", BOARDS)
def test_flash_status_registers_and_write_enable(sim, board_name):
    """RDSR/RDSR2/RDSR3, WREN/WRDI (WEL is SR1 bit 1), WRSR only after WREN,
    16-bit WRSR writes SR1 and SR2; the stub's FLASH_BEGIN unlocks (all bits
    cleared but QE); other commands are traced unsupported and read 1s."""
    chip = CHIPS[board_name]
    board = sim(board=board_name, extra_args=["--trace"])
    ld = connect(board, stub=False)
    rdsr = lambda cmd: spiflash_command(ld, chip, cmd, read_bits=8)  # noqa: E731
    assert (rdsr(0x05), rdsr(0x35), rdsr(0x15)) == (0, 0, 0)
    spiflash_command(ld, chip, 0x06)
    assert rdsr(0x05) == 0x02
    spiflash_command(ld, chip, 0x04)
    assert rdsr(0x05) == 0
    spiflash_command(ld, chip, 0x01, struct.pack("<H", 0x021C))  # no WREN: ignored
    assert (rdsr(0x05), rdsr(0x35)) == (0, 0)
    spiflash_command(ld, chip, 0x06)
    spiflash_command(ld, chip, 0x01, struct.pack("<H", 0x021C))
    assert (rdsr(0x05), rdsr(0x35)) == (0x1C, 0x02)  # BP bits, QE; WEL cleared by the write
    spiflash_command(ld, chip, 0x50)
    spiflash_command(ld, chip, 0x11, b"\x60")
    assert rdsr(0x15) == 0x60
    assert spiflash_command(ld, chip, 0xAB, read_bits=8) == 0xFF
    assert spiflash_command(ld, chip, 0x9F, read_bits=24) == chip["jedec"]
    blob = json.loads((ROOT / "node_modules/esptool-js/lib/targets/stub_flasher" / STUBS[board_name]).read_text())
    assert ld.upload_stub(blob) == b"OHAI"
    ld.check(OP_FLASH_BEGIN, struct.pack("<IIII", 0, 0, 0x4000, 0))
    assert (rdsr(0x05), rdsr(0x35)) == (0, 0x02)
    ld.close()
    board.stop()
    assert "flash chip: unsupported command 0xAB" in board.stderr
    assert "flash chip: status write 0x01 without WREN: ignored" in board.stderr


# ---- 4. a client we did not write: esptool-js -----------------------------------

@pytest.mark.parametrize("board_name", BOARDS)
def test_esptool_js_uncompressed_write_flash_and_register_round_trips(sim, tmp_path, board_name):
    """esptool-js 0.7.0 (tests/js/fidelity.mjs) with its stub: writeFlash with
    compress false (last block padded to 16 KB with 0xFF, MD5-verified by
    esptool-js, read back), and writeReg/readReg (plain and masked) in RAM."""
    harness = ROOT / "tests/js/fidelity.mjs"
    if not (ROOT / "node_modules/esptool-js-0.7").is_dir():
        pytest.fail("node_modules/esptool-js-0.7 is missing (scripts/deps.sh installs it)")
    chip = CHIPS[board_name]
    board = sim(board=board_name)
    rnd = random.Random(7)
    files = [(0x8000, rnd.randbytes(4096)), (0x10000, rnd.randbytes(50 * 1024)), (0x30000, rnd.randbytes(5000))]
    pairs = []
    for addr, data in files:
        (tmp_path / f"{addr:x}.bin").write_bytes(data)
        pairs.append(f"{hex(addr)}={tmp_path / f'{addr:x}.bin'}")
    regs = [a for v in chip["ram"].values() for a in ("--reg", hex(v + 0x20))]
    p = subprocess.run(["node", str(harness), board.url, "460800", *regs, *pairs], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    assert p.stdout, p.stderr
    res = json.loads(p.stdout.splitlines()[-1])
    assert p.returncode == 0 and res["ok"], res
    assert len(res["regs"]) == len(chip["ram"]) and all(r["ok"] for r in res["regs"]), res["regs"]
    assert sum("Hash of data verified" in line for line in res["log"]) == len(files), res["log"]
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for addr, data in files:
        assert flash[addr:addr + len(data)] == data, hex(addr)
