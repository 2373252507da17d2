"""espburn info: every file said by content (files renamed at random), the
seed bundle's facts, images built for every chip, merged images, the other
formats, --json, and exit codes (0 read and sound, 1 problem, 2 usage, 3 I/O)."""
import json
import random
import shutil
import string

import pytest

from imgbuild import (CHIPS, build_app, build_bootloader, build_merged, build_table,
                      nvs_page, ota_entry, otadata, phy_init_data, uf2)

SEED_FILES = {
    "MicroPython.bin": "application",
    "bootloader/bootloader.bin": "bootloader",
    "partitions_mpy.bin": "partition-table",
    "partitions_mpy.csv": "partition-csv",
    "phy_init_data.bin": "phy-init-data",
    "flash.sh": "manifest",
}


def info_json(espburn, *files):
    r = espburn("info", "--json", *files)
    doc = json.loads(r.out)
    assert doc["ok"] == (r.rc == 0) and doc["command"] == "info", r
    assert r.rc == 0 or doc["error"]["exit"] == r.rc, r
    return r, doc["files"]


def random_name(rng):
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(10)) + rng.choice(["", ".bin", ".dat", ".txt"])


def test_seed_files_renamed_at_random_keep_their_roles(espburn, seed, tmp_path):
    rng = random.Random()
    renamed = {}
    for name, role in SEED_FILES.items():
        dst = tmp_path / random_name(rng)
        shutil.copyfile(seed / name, dst)
        renamed[str(dst)] = role
    r, files = info_json(espburn, *renamed)
    assert r.rc == 0, r
    assert {f["file"]: f["role"] for f in files} == renamed


def test_micropython_app_facts(espburn, seed):
    r, (f,) = info_json(espburn, seed / "MicroPython.bin")
    assert r.rc == 0, r
    assert f["chip"] == "esp32" and f["role"] == "application"
    img = f["image"]
    assert len(img["segments"]) == 9
    first = img["segments"][0]
    assert (first["load_addr"], first["len"], first["region"]) == (0x3F400020, 462120, "DROM")
    assert (img["flash_mode_code"], img["flash_size_code"], img["flash_freq_code"]) == (2, 2, 0)
    assert img["checksum_ok"] and img["sha256_appended"] and img["sha256_ok"]
    assert img["flash_align"] == 0x10000
    assert "0x10000" in f["where"] and "never at the bootloader offset 0x1000" in f["where"]


def test_human_output_explains_where_things_go(espburn, seed):
    r = espburn("info", seed / "MicroPython.bin", seed / "bootloader" / "bootloader.bin",
                seed / "partitions_mpy.bin")
    assert r.rc == 0, r
    out = r.out
    assert "ESP32 application, 9 segments" in out
    assert "0x3f400020" in out and "DROM (flash mapped)" in out
    assert "usually 0x10000" in out and "64 KB aligned" in out
    assert "ESP32 bootloader" in out and "write it at 0x1000 (ESP32's bootloader offset)" in out
    assert "MicroPython" in out and "0x00250000" in out and "write it at 0x8000" in out


@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_every_chip_app_and_bootloader(espburn, tmp_path, chip):
    app, boot = tmp_path / "a", tmp_path / "b"
    app.write_bytes(build_app(chip))
    boot.write_bytes(build_bootloader(chip, desc=True))
    r, (fa, fb) = info_json(espburn, app, boot)
    assert r.rc == 0, r
    assert (fa["chip"], fa["role"]) == (chip, "application")
    assert fa["image"]["app_desc"]["project"] == "testapp"
    assert (fb["chip"], fb["role"]) == (chip, "bootloader")
    assert fb["bootloader_offset"] == CHIPS[chip]["boot"]
    assert f"at 0x{CHIPS[chip]['boot']:x} " in fb["where"]
    assert fb["image"]["bootloader_desc"]["idf_ver"] == "v5.3"
    assert all(s["kind"] == "RAM" for s in fb["image"]["segments"])


def test_mmu_page_size_from_descriptor(espburn, tmp_path):
    f = tmp_path / "c6"
    f.write_bytes(build_app("esp32c6", mmu_page_log2=15))
    r, (d,) = info_json(espburn, f)
    assert d["image"]["flash_align"] == 0x8000 and not d["image"]["flash_align_assumed"], r


def test_corrupt_and_truncated_images_exit_1(espburn, seed, tmp_path):
    data = bytearray((seed / "MicroPython.bin").read_bytes())
    data[5000] ^= 0x40
    bad = tmp_path / "bad"
    bad.write_bytes(data)
    short = tmp_path / "short"
    short.write_bytes((seed / "MicroPython.bin").read_bytes()[:300000])
    r = espburn("info", bad)
    assert r.rc == 1 and "checksum" in r.out and "PROBLEM" in r.out, r
    r, (f,) = info_json(espburn, short)
    assert r.rc == 1 and "truncated in segment 1 of 9" in f["problem"], r
    assert f["chip"] == "esp32"


def test_unreadable_file_exits_3(espburn, seed, tmp_path):
    r = espburn("info", seed / "MicroPython.bin", tmp_path / "missing.bin")
    assert r.rc == 3, r
    assert "missing.bin" in r.err
    r, files = info_json(espburn, tmp_path / "missing.bin", seed / "phy_init_data.bin")
    assert r.rc == 3
    assert files[0]["read"] is False and files[0]["error"]
    assert files[1]["role"] == "phy-init-data"


def test_usage(espburn):
    assert espburn("info").rc == 2
    assert espburn("info", "--frob", "x").rc == 2
    r = espburn("info", "--help")
    assert r.rc == 0 and "usage: espburn info" in r.out


@pytest.mark.parametrize("base", [0x0, 0x1000])
def test_merged_seed_bundle(espburn, seed, tmp_path, base):
    parts = {0x1000: (seed / "bootloader" / "bootloader.bin").read_bytes(),
             0x8000: (seed / "partitions_mpy.bin").read_bytes(),
             0xF000: (seed / "phy_init_data.bin").read_bytes(),
             0x10000: (seed / "MicroPython.bin").read_bytes()}
    f = tmp_path / "merged"
    f.write_bytes(build_merged(parts, base=base))
    r, (d,) = info_json(espburn, f)
    assert r.rc == 0, r
    assert d["role"] == "merged-image" and d["merged"]["base"] == base
    found = [(p["address"], p["role"]) for p in d["merged"]["parts"]]
    assert found == [(0x1000, "bootloader"), (0x8000, "partition-table"),
                     (0xF000, "phy-init-data"), (0x10000, "application")]
    assert f"write the whole file at 0x{base:x}" in d["where"]


def test_merged_s3_image(espburn, tmp_path):
    table = build_table([("nvs", "data", "nvs", 0x9000, 0x6000),
                         ("factory", "app", "factory", 0x10000, 0x100000)])
    f = tmp_path / "s3"
    f.write_bytes(build_merged({0: build_bootloader("esp32s3"), 0x8000: table,
                                0x10000: build_app("esp32s3")}))
    r, (d,) = info_json(espburn, f)
    assert r.rc == 0 and d["chip"] == "esp32s3" and d["merged"]["base"] == 0, r
    assert [p["role"] for p in d["merged"]["parts"]] == ["bootloader", "partition-table", "application"]


def test_data_formats(espburn, tmp_path):
    files = {
        "otadata": otadata((ota_entry(1, 2), ota_entry(2, 2))),
        "nvs": nvs_page() + nvs_page(0xFFFFFFFF) * 2,
        "uf2": uf2(build_app("esp32s2"), 0x10000, CHIPS["esp32s2"]["uf2"]),
        "erased": b"\xFF" * 65536,
        "elf": b"\x7fELF\x01\x01\x01" + b"\0" * 11 + b"\x5e\x00" + b"\0" * 40,
        "phy-init-data": phy_init_data(),
        "unknown": bytes(range(256)) * 10,
    }
    paths = []
    for i, data in enumerate(files.values()):
        p = tmp_path / f"f{i}"
        p.write_bytes(data)
        paths.append(p)
    r, got = info_json(espburn, *paths)
    assert r.rc == 0, r
    assert [g["role"] for g in got] == list(files)
    assert got[0]["otadata"]["active"] == 1
    assert got[2]["chip"] == "esp32s2" and got[2]["uf2"]["family_id"] == CHIPS["esp32s2"]["uf2"]
    assert "converted" in got[4]["summary"]


def test_bad_otadata_crc_is_a_problem(espburn, tmp_path):
    f = tmp_path / "ota"
    f.write_bytes(otadata((ota_entry(1, 2, crc=0x12345678), None)))
    r, (d,) = info_json(espburn, f)
    assert r.rc == 1 and d["role"] == "otadata" and "CRC" in d["problem"], r


def test_manifests(espburn, tmp_path):
    fa = tmp_path / "fa"
    fa.write_text(json.dumps({"flash_files": {"0x0": "bootloader.bin", "0x10000": "app.bin"},
                              "extra_esptool_args": {"chip": "esp32c3"}}))
    web = tmp_path / "web"
    web.write_text(json.dumps({"name": "t", "builds": [{"chipFamily": "ESP32-S3",
                                                        "parts": [{"path": "m.bin", "offset": 0}]}]}))
    r, (a, b) = info_json(espburn, fa, web)
    assert r.rc == 0, r
    assert (a["role"], a["kind"], a["chip"]) == ("manifest", "flasher-args", "esp32c3")
    assert (b["role"], b["kind"]) == ("manifest", "esp-web-tools")


def test_json_is_one_document_with_every_field(espburn, seed):
    r = espburn("info", "--json", seed / "bootloader" / "bootloader.bin", seed / "partitions_mpy.bin")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    boot, table = doc["files"]
    for key in ("file", "size", "role", "chip", "summary", "problem", "where", "image"):
        assert key in boot
    assert boot["image"]["checksum_ok"] and boot["image"]["verdict"] == "bootloader"
    parts = table["table"]["partitions"]
    assert [p["name"] for p in parts] == ["nvs", "phy_init", "MicroPython", "internalfs"]
    assert parts[3]["offset"] == 0x250000 and table["table"]["md5_ok"]
