"""Damaged copies of a firmware bundle's files, the way a download or a copy
goes wrong: cut short, a byte flipped in a segment (bad checksum), in the
checksum, in the appended SHA-256, in a segment header, in a partition
table's entries or its MD5 row. Each copy is (file name, what was done, bytes),
for tests that check every one `info` rates as corrupt is refused."""
import random
import struct

ESP_MAGIC = 0xE9


def image_layout(data):
    """(segment data ranges, checksum offset, SHA-256 offset or None) of an ESP image."""
    nseg, hashed = data[1], data[23]
    off, segs = 24, []
    for _ in range(nseg):
        _, size = struct.unpack_from("<II", data, off)
        segs.append((off, off + 8, off + 8 + size))  # header, data start, data end
        off += 8 + size
    checksum = (off + 16) // 16 * 16 - 1
    return segs, checksum, (checksum + 1 if hashed == 1 else None)


def flipped(data, at):
    b = bytearray(data)
    b[at] ^= 0x5A
    return bytes(b)


def image_damage(data, rng):
    """An ESP image (bootloader or app) damaged in each typical way."""
    segs, checksum, sha = image_layout(data)
    yield "checksum byte flipped", flipped(data, checksum)
    if sha is not None:
        for k in range(3):
            yield f"SHA-256 byte {k * 13} flipped", flipped(data, sha + k * 13)
        yield "SHA-256 cut off", data[:sha]
        yield "last byte of the SHA-256 cut off", data[:-1]
    for i, (_, start, end) in enumerate(segs):
        if end > start:
            yield f"segment {i + 1} data byte flipped", flipped(data, rng.randrange(start, end))
        yield f"segment {i + 1} length grown", flipped(data, segs[i][0] + 6)
    for frac in (0.1, 0.25, 0.5, 0.75, 0.9, 0.999):
        yield f"cut to {frac:.1%}", data[:int(len(data) * frac)]
    yield "cut inside the first segment header", data[:28]
    yield "cut after the image header", data[:24]


def table_damage(data, rng):
    """A binary partition table with its entries or its MD5 row damaged."""
    rows = [data[i:i + 32] for i in range(0, len(data), 32)]
    entries = [i for i, r in enumerate(rows) if r[:2] == b"\xaa\x50"]
    md5 = [i for i, r in enumerate(rows) if r[:2] == b"\xeb\xeb"]
    for i in entries:
        for field, at in (("offset", 4), ("size", 9), ("label", 12 + rng.randrange(4)), ("type", 2)):
            yield f"entry {i} {field} byte flipped (MD5 row now wrong)", flipped(data, i * 32 + at)
    for i in md5:
        for k in (16, 20, 31):
            yield f"MD5 row byte {k} flipped", flipped(data, i * 32 + k)
        yield "cut before the MD5 row", data[:i * 32]
        yield "cut inside the MD5 row", data[:i * 32 + 20]
    if entries:
        yield "cut inside an entry", data[:entries[-1] * 32 + 10]


def phy_damage(data):
    yield "cut before the closing marker", data[:-1]
    yield "cut in half", data[:len(data) // 2]


def damaged_copies(bundle, seed=15):
    """Every damaged copy of the bundle's bootloader, app, table and PHY data."""
    rng = random.Random(seed)
    files = {"bootloader/bootloader.bin": image_damage, "MicroPython.bin": image_damage,
             "partitions_mpy.bin": table_damage}
    for name, damage in files.items():
        data = (bundle / name).read_bytes()
        for what, copy in damage(data, rng):
            if copy != data:
                yield name, what, copy
    phy = (bundle / "phy_init_data.bin").read_bytes()
    for what, copy in phy_damage(phy):
        yield "phy_init_data.bin", what, copy
