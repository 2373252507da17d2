"""`espburn merge`: raw images like esptool merge_bin (0xFF gaps, --base),
UF2 with the chip's family id, Intel HEX with extended linear addresses;
refused plans are not merged; a merged image plans back to its base."""
import json
import struct

from imgbuild import build_app, build_bootloader, build_table

SEED_PARTS = {0x1000: "bootloader/bootloader.bin", 0x8000: "partitions_mpy.bin",
              0xF000: "phy_init_data.bin", 0x10000: "MicroPython.bin"}


def seed_parts(seed):
    return {a: (seed / f).read_bytes() for a, f in SEED_PARTS.items()}


def expected_raw(parts, base):
    end = max(a + len(d) for a, d in parts.items())
    out = bytearray(b"\xFF" * (end - base))
    for a, d in parts.items():
        out[a - base:a - base + len(d)] = d
    return bytes(out)


def read_uf2(data):
    """{address: payload} and the header fields of every block, parsed here."""
    assert len(data) % 512 == 0
    blocks = []
    for i in range(0, len(data), 512):
        m0, m1, flags, addr, size, no, total, family = struct.unpack_from("<8I", data, i)
        assert (m0, m1) == (0x0A324655, 0x9E5D5157)
        assert struct.unpack_from("<I", data, i + 508)[0] == 0x0AB16F30
        blocks.append(dict(flags=flags, addr=addr, size=size, no=no, total=total, family=family,
                           payload=data[i + 32:i + 32 + size]))
    return blocks


def read_hex(text):
    """{address: byte} from Intel HEX, checking every record's checksum."""
    mem, upper, ended = {}, 0, False
    for line in text.splitlines():
        assert line[0] == ":" and not ended
        raw = bytes.fromhex(line[1:])
        assert sum(raw) & 0xFF == 0, line
        n, addr, typ = raw[0], raw[1] << 8 | raw[2], raw[3]
        data = raw[4:4 + n]
        if typ == 0:
            for i, b in enumerate(data):
                mem[upper + addr + i] = b
        elif typ == 4:
            upper = (data[0] << 8 | data[1]) << 16
        elif typ == 1:
            ended = True
    assert ended
    return mem


def test_raw_merge_of_the_seed_is_merge_bin(espburn, seed, tmp_path):
    out = tmp_path / "m.bin"
    r = espburn("merge", seed, "-o", out)
    assert r.rc == 0, r
    assert out.read_bytes() == expected_raw(seed_parts(seed), 0)
    r = espburn("merge", seed, "-o", out, "--base", "0x1000", "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["size"] == out.stat().st_size
    data = out.read_bytes()
    assert data == expected_raw(seed_parts(seed), 0x1000) and data[0] == 0xE9


def test_base_above_a_region_is_usage_error(espburn, seed, tmp_path):
    r = espburn("merge", seed, "-o", tmp_path / "m.bin", "--base", "0x8000")
    assert r.rc == 2 and "below the merge base" in r.err, r
    assert not (tmp_path / "m.bin").exists()


def test_uf2_merge(espburn, seed, tmp_path):
    out = tmp_path / "m.uf2"
    r = espburn("merge", seed, "-o", out, "--format", "uf2")
    assert r.rc == 0, r
    blocks = read_uf2(out.read_bytes())
    assert all(b["flags"] == 0x2000 and b["family"] == 0x1C5F21B0 for b in blocks)
    assert [b["no"] for b in blocks] == list(range(len(blocks)))
    assert all(b["total"] == len(blocks) and b["size"] <= 256 for b in blocks)
    for addr, data in seed_parts(seed).items():
        got = b"".join(b["payload"] for b in blocks if addr <= b["addr"] < addr + len(data))
        assert got == data


def test_uf2_family_follows_the_chip(espburn, tmp_path):
    boot = tmp_path / "b.bin"
    boot.write_bytes(build_bootloader("esp32s3"))
    out = tmp_path / "m.uf2"
    assert espburn("merge", "0x0", boot, "-o", out, "--format", "uf2").rc == 0
    assert {b["family"] for b in read_uf2(out.read_bytes())} == {0xC47E5767}


def test_hex_merge(espburn, seed, tmp_path):
    out = tmp_path / "m.hex"
    r = espburn("merge", seed, "-o", out, "--format", "hex")
    assert r.rc == 0, r
    mem = read_hex(out.read_text())
    parts = seed_parts(seed)
    assert len(mem) == sum(len(d) for d in parts.values())
    for addr, data in parts.items():
        assert bytes(mem[addr + i] for i in range(len(data))) == data


def test_refused_plan_is_not_merged_unless_forced(espburn, seed, tmp_path):
    out = tmp_path / "m.bin"
    app = seed / "MicroPython.bin"
    r = espburn("merge", f"{app}@0x1000", "-o", out)
    assert r.rc == 1 and "app-at-bootloader-offset" in r.err, r
    assert not out.exists()
    r = espburn("merge", f"{app}@0x1000", "-o", out, "--force")
    assert r.rc == 0 and "--force" in r.err, r
    assert out.read_bytes()[0x1000:] == app.read_bytes()


def test_merged_image_plans_back_at_its_base(espburn, tmp_path):
    table = build_table([("factory", "app", "factory", 0x10000, 0x100000)])
    for name, data in (("b.bin", build_bootloader("esp32")), ("t.bin", table), ("a.bin", build_app("esp32"))):
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "merged.bin"
    r = espburn("merge", "0x1000", tmp_path / "b.bin", "0x8000", tmp_path / "t.bin", "0x10000",
                tmp_path / "a.bin", "-o", out, "--base", "0x1000")
    assert r.rc == 0, r
    doc = json.loads(espburn("plan", out, "--json").out)
    assert [(x["address"], x["role"]) for x in doc["regions"]] == [(0x1000, "merged-image")]
    assert not doc["refused"] and doc["findings"] == [], doc["findings"]


def test_usage(espburn, seed, tmp_path):
    assert espburn("merge", seed).rc == 2
    assert espburn("merge", "-o", tmp_path / "x").rc == 2
    assert espburn("merge", seed, "-o", tmp_path / "x", "--format", "elf").rc == 2
    assert espburn("merge", seed, "-o", tmp_path / "x", "--base", "zero").rc == 2
    r = espburn("merge", "--help")
    assert r.rc == 0 and "usage: espburn merge" in r.out
