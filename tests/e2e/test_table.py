"""End-to-end tests of `espburn table` (csv2bin, bin2csv, show) on the real
LoBo bundle and on tables the tests write themselves."""
import hashlib
import json
import random
import string

import pytest

# What gen_esp32part.py prints for the seed's partitions_mpy.bin (bin -> CSV).
SEED_CSV_FROM_BIN = (
    "# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n"
    "nvs,data,nvs,0x9000,24K,\nphy_init,data,phy,0xf000,4K,\n"
    "MicroPython,app,factory,0x10000,2304K,\ninternalfs,data,spiffs,0x250000,1M,\n"
)


def random_name(ext=""):
    return "".join(random.choices(string.ascii_lowercase, k=10)) + ext


def csv_file(tmp_path, text):
    """A partition CSV the test writes (UTF-8), as tmp_path/p.csv."""
    src = tmp_path / "p.csv"
    src.write_text(text, encoding="utf-8")
    return src


def test_seed_csv_converts_to_seed_binary(espburn, seed, tmp_path):
    out = tmp_path / "out.bin"
    r = espburn("table", "csv2bin", seed / "partitions_mpy.csv", out)
    assert r.rc == 0, r
    assert "wrote" in r.out and "0x8000" in r.out
    assert out.read_bytes() == (seed / "partitions_mpy.bin").read_bytes()


def test_seed_binary_converts_to_csv_and_back(espburn, seed, tmp_path):
    csv = tmp_path / "t.csv"
    r = espburn("table", "bin2csv", seed / "partitions_mpy.bin", csv)
    assert r.rc == 0, r
    assert csv.read_text() == SEED_CSV_FROM_BIN
    back = tmp_path / "back.bin"
    assert espburn("table", "csv2bin", csv, back).rc == 0
    assert back.read_bytes() == (seed / "partitions_mpy.bin").read_bytes()


def test_show_seed_binary(espburn, seed):
    r = espburn("table", "show", seed / "partitions_mpy.bin")
    assert r.rc == 0, r
    assert "4 partitions, MD5 ok" in r.out
    for name in ("nvs", "phy_init", "MicroPython", "internalfs"):
        assert name in r.out
    assert "0x250000" in r.out and "no problems found" in r.out


def test_show_json_by_content_not_name(espburn, seed, tmp_path):
    renamed = tmp_path / random_name()
    renamed.write_bytes((seed / "partitions_mpy.csv").read_bytes())
    r = espburn("table", "show", renamed, "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert doc["format"] == "csv" and doc["md5"] is None and doc["ok"] is True
    parts = doc["partitions"]
    assert [p["name"] for p in parts] == ["nvs", "phy_init", "MicroPython", "internalfs"]
    assert parts[3]["offset"] == 0x250000 and parts[3]["size"] == 0x100000
    assert parts[2]["type"] == "app" and parts[2]["subtype"] == "factory"
    renamed_bin = tmp_path / random_name(".csv")
    renamed_bin.write_bytes((seed / "partitions_mpy.bin").read_bytes())
    doc = json.loads(espburn("table", "show", renamed_bin, "--json").out)
    assert doc["format"] == "binary" and doc["md5"] == "ok"


def test_wrong_md5_is_reported_and_refused(espburn, seed, tmp_path):
    data = bytearray((seed / "partitions_mpy.bin").read_bytes())
    data[0x95] ^= 0xFF
    bad = tmp_path / "bad.bin"
    bad.write_bytes(bytes(data))
    r = espburn("table", "show", bad)
    assert r.rc == 1, r
    assert "MD5 wrong" in r.out and "MD5 row does not match" in r.out
    out = tmp_path / "out.csv"
    r = espburn("table", "bin2csv", bad, out)
    assert r.rc == 1, r
    assert "--no-verify" in r.err and not out.exists()
    r = espburn("table", "bin2csv", bad, out, "--no-verify")
    assert r.rc == 0, r
    assert out.read_text() == SEED_CSV_FROM_BIN


def test_truncated_and_hostile_binaries(espburn, seed, tmp_path):
    data = (seed / "partitions_mpy.bin").read_bytes()
    for n, rc in ((0x50, 1), (0x21, 1), (2, 1)):
        f = tmp_path / f"cut{n}.bin"
        f.write_bytes(data[:n])
        r = espburn("table", "show", f, "--json")
        assert r.rc == rc, r
        assert json.loads(r.out)["ok"] is False
    r = espburn("table", "show", seed / "bootloader" / "bootloader.bin")
    assert r.rc == 1 and "not a partition table" in r.err, r
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\xaa\x50" + bytes(random.getrandbits(8) for _ in range(5000)))
    r = espburn("table", "show", junk)
    assert r.rc in (0, 1), r


UNALIGNED_APP_CSV = "nvs,data,nvs,0x9000,0x6000\nfactory,app,factory,0x18000,1M\n"


@pytest.mark.parametrize("csv, rc, message", [
    # a CSV error names the line
    ("# name, type, subtype, offset, size\nnvs, data, nvs, , 24K\nfactory, app, fctory, , 1M\n", 1,
     "Error at line 3: Value 'fctory' is not valid"),
    # a check that fails refuses the conversion
    (UNALIGNED_APP_CSV, 1, "not a multiple of 0x10000"),
    # warnings do not fail
    ("nvs,data,nvs,,24K\na,app,ota_0,,1M\nb,app,ota_1,,1M\n", 0,
     "warning: There are OTA app partitions but no otadata"),
])
def test_csv2bin_errors_refuse_and_warnings_do_not(espburn, tmp_path, csv, rc, message):
    out = tmp_path / "p.bin"
    r = espburn("table", "csv2bin", csv_file(tmp_path, csv), out)
    assert r.rc == rc, r
    assert message in r.err
    assert out.exists() == (rc == 0)


def test_no_verify_writes_a_refused_table(espburn, tmp_path):
    src = csv_file(tmp_path, UNALIGNED_APP_CSV)
    out = tmp_path / "p.bin"
    r = espburn("table", "csv2bin", src, out, "--no-verify", "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert doc["written"] is True and doc["issues"][0]["level"] == "error"
    assert len(out.read_bytes()) == 0xC00


def test_offset_option_moves_implied_offsets(espburn, tmp_path):
    src = csv_file(tmp_path, "nvs,data,nvs,,24K\nfactory,app,factory,,1M\n")
    doc = json.loads(espburn("table", "show", src, "--offset", "0x9000", "--json").out)
    assert [p["offset"] for p in doc["partitions"]] == [0xA000, 0x10000]
    doc = json.loads(espburn("table", "show", src, "--offset=0xe000", "--json").out)
    assert [p["offset"] for p in doc["partitions"]] == [0xF000, 0x20000]


def test_converting_the_wrong_way_is_refused(espburn, seed, tmp_path):
    r = espburn("table", "csv2bin", seed / "partitions_mpy.bin", tmp_path / "x.bin")
    assert r.rc == 1 and "bin2csv" in r.err, r
    r = espburn("table", "bin2csv", seed / "partitions_mpy.csv", tmp_path / "x.csv")
    assert r.rc == 1 and "csv2bin" in r.err, r


def test_usage_errors(espburn, seed, tmp_path):
    assert espburn("table").rc == 2
    assert espburn("table", "burn", "x").rc == 2
    assert espburn("table", "csv2bin", seed / "partitions_mpy.csv").rc == 2
    assert espburn("table", "show").rc == 2
    assert espburn("table", "show", "a", "b").rc == 2
    assert espburn("table", "show", "a", "--frobnicate").rc == 2
    for bad in ("0x8100", "banana", "-0x1000", "0x100000000"):
        r = espburn("table", "show", seed / "partitions_mpy.csv", "--offset", bad)
        assert r.rc == 2, r
    assert espburn("table", "show", "x", "--offset").rc == 2
    r = espburn("table", "--help")
    assert r.rc == 0 and "csv2bin" in r.out and "exit codes" in r.out


def test_io_errors(espburn, seed, tmp_path):
    r = espburn("table", "show", tmp_path / "missing.csv")
    assert r.rc == 3, r
    r = espburn("table", "show", tmp_path / "missing.csv", "--json")
    assert r.rc == 3 and json.loads(r.out)["ok"] is False
    r = espburn("table", "csv2bin", seed / "partitions_mpy.csv", tmp_path / "no" / "such" / "dir.bin")
    assert r.rc == 3, r


def test_utf8_and_unprintable_names(espburn, tmp_path):
    src = csv_file(tmp_path, "nvs,data,nvs,,24K\nphy_инит_,data,phy,,4K\nfactory,app,factory,,1M\n")
    out = tmp_path / "p.bin"
    assert espburn("table", "csv2bin", src, out).rc == 0
    data = bytearray(out.read_bytes())
    assert "phy_инит_".encode() in data
    doc = json.loads(espburn("table", "show", out, "--json").out)
    assert doc["partitions"][1]["name"] == "phy_инит_"
    # a control byte in a label: shown escaped, and CSV refuses to carry it
    data[12] = 0x01
    data[0x60 + 16:0x80] = hashlib.md5(bytes(data[:0x60])).digest()   # 3 entries, then the MD5 row
    out.write_bytes(bytes(data))
    r = espburn("table", "show", out, "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["partitions"][0]["name"] == "\\x01vs"
    r = espburn("table", "bin2csv", out, tmp_path / "p.csv")
    assert r.rc == 1 and "cannot be written as CSV" in r.err, r
