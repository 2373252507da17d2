"""imgbuild - build ESP firmware files for tests, independently of espburn.

Everything here is written from the published formats (esptool's image
format, ESP-IDF's partition table, otadata and NVS layouts, UF2), so tests
that compare espburn's answers with these files check espburn against the
formats, not against itself.

    from imgbuild import CHIPS, build_image, build_app, build_bootloader, \
        build_table, build_merged, phy_init_data, otadata, uf2

    app = build_app("esp32s3", sha=True)               # a valid S3 application
    boot = build_bootloader("esp32")                   # RAM-only image
    table = build_table([("nvs", "data", "nvs", 0x9000, 0x6000),
                         ("factory", "app", "factory", 0x10000, 0x100000)])
    merged = build_merged({0x1000: boot, 0x8000: table, 0x10000: app}, base=0x1000)
"""
import hashlib
import struct
import zlib

# Per chip: image chip id, bootloader offset, and one address in each memory
# region the tests use (from Espressif's technical reference manuals).
CHIPS = {
    "esp32":   dict(id=0,  boot=0x1000, drom=0x3F400000, irom=0x400D0000, dram=0x3FFB0000, iram=0x40080000, uf2=0x1C5F21B0),
    "esp32s2": dict(id=2,  boot=0x1000, drom=0x3F000000, irom=0x40080000, dram=0x3FFB0000, iram=0x40022000, uf2=0xBFDD4EEE),
    "esp32s3": dict(id=9,  boot=0x0,    drom=0x3C000000, irom=0x42000000, dram=0x3FC90000, iram=0x40374000, uf2=0xC47E5767),
    "esp32c3": dict(id=5,  boot=0x0,    drom=0x3C000000, irom=0x42000000, dram=0x3FC90000, iram=0x40380000, uf2=0xD42BA06C),
    "esp32c2": dict(id=12, boot=0x0,    drom=0x3C000000, irom=0x42000000, dram=0x3FCB0000, iram=0x40380000, uf2=0x2B88D29C),
    "esp32c6": dict(id=13, boot=0x0,    drom=0x42800000, irom=0x42000000, dram=0x40810000, iram=0x40810000, uf2=0x540DDF62),
    "esp32h2": dict(id=16, boot=0x0,    drom=0x42800000, irom=0x42000000, dram=0x40810000, iram=0x40810000, uf2=0x332726F6),
    "esp32c5": dict(id=23, boot=0x2000, drom=0x42000000, irom=0x42000000, dram=0x40810000, iram=0x40810000, uf2=0xF71C0343),
    "esp32p4": dict(id=18, boot=0x2000, drom=0x40000000, irom=0x40000000, dram=0x4FF10000, iram=0x4FF10000, uf2=0x3D308E94),
}

MODES = {"qio": 0, "qout": 1, "dio": 2, "dout": 3}
SIZES = {"1MB": 0, "2MB": 1, "4MB": 2, "8MB": 3, "16MB": 4, "32MB": 5, "64MB": 6, "128MB": 7}
MMU_PAGE = 0x10000


def _chip_id(chip):
    return CHIPS[chip]["id"] if isinstance(chip, str) else int(chip)


def image_header(chip, nseg, mode="dio", size="4MB", freq_code=0, entry=0, sha=False,
                 min_rev_full=0, max_rev_full=0xFFFF):
    """The 24-byte image header."""
    return struct.pack("<BBBBIBBBBHBHHIB", 0xE9, nseg, MODES[mode], SIZES[size] << 4 | freq_code,
                       entry, 0xEE, 0, 0, 0, _chip_id(chip), 0, min_rev_full, max_rev_full, 0,
                       1 if sha else 0)


def build_image(chip, segments, mode="dio", size="4MB", freq_code=0, entry=0, sha=False,
                min_rev_full=0, max_rev_full=0xFFFF):
    """An image with `segments` [(load_addr, data)] in that order: header,
    segments, 0-padding to the checksum byte (0xEF ^ all segment data) at an
    offset = 15 mod 16, then the SHA-256 of everything before when sha=True."""
    out = bytearray(image_header(chip, len(segments), mode, size, freq_code, entry, sha,
                                 min_rev_full, max_rev_full))
    checksum = 0xEF
    for addr, data in segments:
        out += struct.pack("<II", addr, len(data)) + data
        for b in data:
            checksum ^= b
    out += b"\0" * (15 - len(out) % 16)
    out.append(checksum)
    if sha:
        out += hashlib.sha256(out).digest()
    return bytes(out)


def app_desc(project="testapp", version="1.0", idf_ver="v5.3", date="Jan  1 2025",
             time="12:00:00", mmu_page_log2=0, secure_version=0):
    """An esp_app_desc_t (256 bytes) as ESP-IDF's esp_app_desc.h lays it out."""
    def s(v, n):
        return v.encode()[:n].ljust(n, b"\0")
    return (struct.pack("<II8x", 0xABCD5432, secure_version) + s(version, 32) + s(project, 32) +
            s(time, 16) + s(date, 16) + s(idf_ver, 32) + bytes(range(32)) +
            struct.pack("<HHBB2x", 0, 0xFFFF, mmu_page_log2, 0) + b"\0" * 72)


def boot_desc(version=1, idf_ver="v5.3", date_time="Jan  1 2025 12:00:00"):
    """An esp_bootloader_desc_t (80 bytes): magic byte 0x50 first."""
    return (struct.pack("<B3xI", 0x50, version) + idf_ver.encode().ljust(32, b"\0") +
            date_time.encode().ljust(24, b"\0") + b"\0" * 16)


def _filler(n, seed):
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n))


def build_app(chip, sha=True, desc=True, mmu_page_log2=0, drom_len=0x400, irom_len=0x800,
              **kw):
    """An application like esptool elf2image makes: a DROM segment first (the
    app descriptor at file offset 0x20), DRAM and IRAM segments, then an IROM
    segment whose address equals its file offset modulo 64 KB."""
    c = CHIPS[chip]
    drom = (app_desc(mmu_page_log2=mmu_page_log2) if desc else b"") + _filler(drom_len, 1)
    segs = [(c["drom"] + 0x20, drom), (c["dram"], _filler(0x100, 2)), (c["iram"], _filler(0x200, 3))]
    off = 24 + sum(8 + len(d) for _, d in segs) + 8
    segs.append((c["irom"] + off % MMU_PAGE, _filler(irom_len, 4)))
    return build_image(chip, segs, sha=sha, entry=c["iram"], **kw)


def build_bootloader(chip, sha=True, desc=False, **kw):
    """A second-stage bootloader: every segment loads into RAM."""
    c = CHIPS[chip]
    first = (boot_desc() if desc else b"") + _filler(0x100, 5)
    return build_image(chip, [(c["dram"], first), (c["iram"], _filler(0x600, 6))], sha=sha,
                       entry=c["iram"], **kw)


TYPES = {"app": 0x00, "data": 0x01}
SUBTYPES = {"factory": 0x00, "test": 0x20, "ota": 0x00, "phy": 0x01, "nvs": 0x02,
            "coredump": 0x03, "nvs_keys": 0x04, "efuse": 0x05, "undefined": 0x06,
            "fat": 0x81, "spiffs": 0x82, "littlefs": 0x83,
            **{f"ota_{i}": 0x10 + i for i in range(16)}}


def build_table(entries, md5=True, pad_to=0xC00):
    """A binary partition table from [(name, type, subtype, offset, size[, flags])]:
    32-byte 0xAA50 entries, the 0xEBEB MD5 row, 0xFF padding."""
    rows = b""
    for e in entries:
        name, typ, sub, off, size = e[:5]
        flags = e[5] if len(e) > 5 else 0
        t = TYPES[typ] if isinstance(typ, str) else typ
        s = SUBTYPES[sub] if isinstance(sub, str) else sub
        rows += struct.pack("<2sBBII16sI", b"\xAA\x50", t, s, off, size, name.encode(), flags)
    if md5:
        rows += b"\xEB\xEB" + b"\xFF" * 14 + hashlib.md5(rows).digest()
    return rows.ljust(pad_to, b"\xFF")


def build_merged(parts, base=0, size=None):
    """One image from {address: bytes}, written at `base`, 0xFF between parts
    (like esptool merge_bin); `size` pads the end with 0xFF."""
    end = max(a + len(d) for a, d in parts.items()) - base
    out = bytearray(b"\xFF" * max(end, (size or 0)))
    for a, d in parts.items():
        out[a - base:a - base + len(d)] = d
    return bytes(out)


def phy_init_data():
    """PHYINIT\\0 + 128 bytes + PHYINIT\\0 (144 bytes)."""
    return b"PHYINIT\0" + _filler(128, 9) + b"PHYINIT\0"


def ota_entry(seq, state=0xFFFFFFFF, crc=None):
    """esp_ota_select_entry_t: seq, 20-byte label, state, CRC32 of seq
    (ESP-IDF: esp_rom_crc32_le(UINT32_MAX, &seq, 4) = zlib crc32 from ~0)."""
    raw = struct.pack("<I", seq)
    if crc is None:
        crc = zlib.crc32(raw, 0xFFFFFFFF) & 0xFFFFFFFF
    return raw + b"\xFF" * 20 + struct.pack("<II", state, crc)


def otadata(entries=(None, None)):
    """The 8 KB otadata partition: an entry (bytes, or None = blank) per sector."""
    out = b""
    for e in entries:
        out += (e or b"\xFF" * 32).ljust(0x1000, b"\xFF")
    return out


def nvs_page(state=0xFFFFFFFE, seq=0, version=0xFE):
    """One 4 KB NVS page with a valid header and no entries."""
    hdr = struct.pack("<IIB19x", state, seq, version)
    crc = zlib.crc32(hdr[4:28], 0xFFFFFFFF) & 0xFFFFFFFF
    return (hdr + struct.pack("<I", crc)).ljust(4096, b"\xFF")


def uf2(data, addr, family, payload=256):
    """UF2 blocks carrying `data` from flash address `addr` with a family id."""
    chunks = [data[i:i + payload] for i in range(0, len(data), payload)]
    out = b""
    for n, chunk in enumerate(chunks):
        head = struct.pack("<IIIIIIII", 0x0A324655, 0x9E5D5157, 0x2000, addr + n * payload,
                           len(chunk), n, len(chunks), family)
        out += head + chunk.ljust(476, b"\0") + struct.pack("<I", 0x0AB16F30)
    return out
