"""`espburn plan`: the seed bundle (folder, flash.sh, renamed files, CSV
only), the story's refusal, generated manifests of every kind, every check's
error path, and manifest paths that escape their folder."""
import json
import os
import random
import shutil
import string

import pytest

from imgbuild import build_app, build_bootloader, build_merged, build_table, phy_init_data

SEED_PLAN = [(0x1000, "bootloader"), (0x8000, "partition-table"), (0xF000, "phy-init-data"),
             (0x10000, "application")]
STORY = ("MicroPython.bin is an application (its first segment maps flash at 0x3f400020); at 0x1000 "
         "the ROM would try to load it as the bootloader and reset forever. Write bootloader.bin at "
         "0x1000 and MicroPython.bin at 0x10000, with the partition table at 0x8000")

SMALL_TABLE = [("nvs", "data", "nvs", 0x9000, 0x6000), ("phy_init", "data", "phy", 0xF000, 0x1000),
               ("factory", "app", "factory", 0x10000, 0x100000)]


def plan_json(espburn, *args, rc=0):
    r = espburn("plan", *args, "--json")
    assert r.rc == rc, r
    return json.loads(r.out)


def layout(doc):
    return [(reg["address"], reg["role"]) for reg in doc["regions"]]


def codes(doc, level=None):
    return {f["code"] for f in doc["findings"] if level is None or f["level"] == level}


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def esp32_bundle(tmp_path, chip="esp32", table=SMALL_TABLE):
    """bootloader, table, phy data and app for `chip`, written in tmp_path."""
    return {"boot": write(tmp_path / "boot.bin", build_bootloader(chip)),
            "table": write(tmp_path / "table.bin", build_table(table)),
            "phy": write(tmp_path / "phy.bin", phy_init_data()),
            "app": write(tmp_path / "app.bin", build_app(chip))}


# ---- the seed bundle ------------------------------------------------------

def test_seed_folder_gives_the_four_parts(espburn, seed):
    doc = plan_json(espburn, seed)
    assert layout(doc) == SEED_PLAN
    assert doc["chip"] == "esp32" and not doc["refused"]
    assert [r["partition"] for r in doc["regions"]] == ["", "", "phy_init", "MicroPython"]
    names = [os.path.basename(r["file"]) for r in doc["regions"]]
    assert names == ["bootloader.bin", "partitions_mpy.bin", "phy_init_data.bin", "MicroPython.bin"]
    cmd = doc["esptool_command"]
    assert cmd.startswith("esptool --chip esp32 -p PORT -b 460800 write-flash --flash-mode dio "
                          "--flash-freq 40m --flash-size detect 0x1000 ")
    assert " 0x10000 " in cmd and cmd.endswith("MicroPython.bin")
    r = espburn("plan", seed, "--json", "--esptool-v4")
    v4 = json.loads(r.out)["esptool_command"]
    assert v4.startswith("esptool.py --chip esp32 -p PORT -b 460800 write_flash --flash_mode dio "
                         "--flash_freq 40m --flash_size detect 0x1000 ") and v4.endswith("MicroPython.bin"), v4
    skipped = {os.path.basename(s["file"]) for s in doc["skipped"]}
    assert {"flash.sh", "sdkconfig", "partitions_mpy.csv"} <= skipped


def test_seed_folder_human_output(espburn, seed):
    r = espburn("plan", seed)
    assert r.rc == 0, r
    for word in ("address", "end", "size", "file", "role", "partition", "0x245bd0", "esptool --chip esp32"):
        assert word in r.out


@pytest.mark.parametrize("form", ["at", "pair"])
def test_story_app_at_bootloader_offset_is_refused(espburn, seed, form):
    app = seed / "MicroPython.bin"
    args = [f"{app}@0x1000"] if form == "at" else ["0x1000", app]
    r = espburn("plan", *args)
    assert r.rc == 1, r
    assert STORY in r.out
    doc = plan_json(espburn, *args, rc=1)
    assert doc["refused"] and "app-at-bootloader-offset" in codes(doc, "error")


def test_force_accepts_and_says_what_happens(espburn, seed):
    r = espburn("plan", f"{seed / 'MicroPython.bin'}@0x1000", "--force")
    assert r.rc == 0, r
    assert "--force" in r.out and "resets over and over" in r.out
    doc = plan_json(espburn, f"{seed / 'MicroPython.bin'}@0x1000", "--force")
    assert doc["forced"] and doc["refused"]


def test_flash_sh_gives_the_same_plan(espburn, seed):
    folder = plan_json(espburn, seed)
    script = plan_json(espburn, seed / "flash.sh")
    assert layout(script) == layout(folder)
    assert [os.path.realpath(r["file"]) for r in script["regions"]] == \
        [os.path.realpath(r["file"]) for r in folder["regions"]]
    assert script["source"] == "esptool command line"
    assert (script["flash_mode"], script["flash_freq"], script["flash_size"]) == ("dio", "40m", "detect")


def random_name(rng):
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(10)) + rng.choice(["", ".bin", ".dat", ".txt"])


@pytest.mark.parametrize("seed_no", range(3))
def test_roles_survive_random_renames(espburn, seed, tmp_path, seed_no):
    rng = random.Random(seed_no)
    files = ["bootloader/bootloader.bin", "partitions_mpy.bin", "phy_init_data.bin", "MicroPython.bin",
             "partitions_mpy.csv", "sdkconfig", "flash.sh"]
    renamed = {}
    for f in files:
        dst = tmp_path / random_name(rng)
        shutil.copyfile(seed / f, dst)
        renamed[f] = dst
    doc = plan_json(espburn, tmp_path)
    assert layout(doc) == SEED_PLAN
    expect = [renamed[f] for f in files[:4]]
    assert [r["file"] for r in doc["regions"]] == [str(p) for p in expect]


def test_csv_only_folder_converts_the_table(espburn, seed, tmp_path):
    for f in ("bootloader/bootloader.bin", "phy_init_data.bin", "MicroPython.bin", "partitions_mpy.csv"):
        shutil.copyfile(seed / f, tmp_path / os.path.basename(f))
    doc = plan_json(espburn, tmp_path)
    assert layout(doc) == SEED_PLAN
    assert "table-from-csv" in codes(doc, "info")
    out = tmp_path / "merged.bin"
    r = espburn("merge", tmp_path, "-o", out)
    assert r.rc == 0, r
    table = (seed / "partitions_mpy.bin").read_bytes()
    assert out.read_bytes()[0x8000:0x8000 + len(table)] == table


# ---- generated manifests ---------------------------------------------------

def test_flasher_args_json(espburn, tmp_path):
    build = tmp_path / "build"
    write(build / "bootloader/bootloader.bin", build_bootloader("esp32s3"))
    write(build / "partition_table/partition-table.bin", build_table(SMALL_TABLE))
    write(build / "hello.bin", build_app("esp32s3"))
    args = {"write_flash_args": ["--flash_mode", "dio", "--flash_size", "8MB", "--flash_freq", "80m"],
            "flash_settings": {"flash_mode": "dio", "flash_size": "8MB", "flash_freq": "80m"},
            "flash_files": {"0x0": "bootloader/bootloader.bin", "0x8000": "partition_table/partition-table.bin",
                            "0x10000": "hello.bin"},
            "bootloader": {"offset": "0x0", "file": "bootloader/bootloader.bin", "encrypted": "false"},
            "extra_esptool_args": {"after": "hard_reset", "before": "default_reset", "stub": True, "chip": "esp32s3"}}
    write(build / "flasher_args.json", json.dumps(args))
    doc = plan_json(espburn, build / "flasher_args.json")
    assert doc["source"] == "flasher_args.json" and doc["chip"] == "esp32s3"
    assert layout(doc) == [(0, "bootloader"), (0x8000, "partition-table"), (0x10000, "application")]
    assert (doc["flash_mode"], doc["flash_freq"], doc["flash_size"]) == ("dio", "80m", "8MB")
    assert "--flash-size 8MB 0x0 " in doc["esptool_command"]


def test_flash_project_args(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    write(tmp_path / "flash_project_args",
          "--flash_mode dio --flash_freq 40m --flash_size 4MB\n0x1000 boot.bin\n0x8000 table.bin\n"
          "0x10000 app.bin\n")
    doc = plan_json(espburn, tmp_path / "flash_project_args")
    assert doc["source"] == "flash_project_args"
    assert layout(doc) == [(0x1000, "bootloader"), (0x8000, "partition-table"), (0x10000, "application")]
    assert b["app"].exists()


def web_manifest(tmp_path):
    write(tmp_path / "s3/boot.bin", build_bootloader("esp32s3"))
    write(tmp_path / "s3/app.bin", build_app("esp32s3"))
    esp32_bundle(tmp_path)
    m = {"name": "demo", "version": "1", "builds": [
        {"chipFamily": "ESP32", "parts": [{"path": "boot.bin", "offset": 4096},
                                          {"path": "table.bin", "offset": 32768},
                                          {"path": "app.bin", "offset": 65536}]},
        {"chipFamily": "ESP32-S3", "parts": [{"path": "s3/boot.bin", "offset": 0},
                                             {"path": "table.bin", "offset": 32768},
                                             {"path": "s3/app.bin", "offset": 65536}]}]}
    return write(tmp_path / "manifest.json", json.dumps(m))


def test_web_tools_manifest_picks_the_build_for_the_chip(espburn, tmp_path):
    man = web_manifest(tmp_path)
    s3 = plan_json(espburn, man, "--chip", "esp32s3")
    assert s3["chip"] == "esp32s3" and s3["source"] == "esp-web-tools manifest"
    assert layout(s3) == [(0, "bootloader"), (0x8000, "partition-table"), (0x10000, "application")]
    assert s3["regions"][0]["file"].endswith("s3/boot.bin")
    e32 = plan_json(espburn, man, "--chip", "ESP32")
    assert layout(e32)[0] == (0x1000, "bootloader")
    r = espburn("plan", man)
    assert r.rc == 2 and "--chip" in r.err, r
    r = espburn("plan", man, "--chip", "esp32c3")
    assert r.rc == 1 and "no build for ESP32-C3" in r.err, r


def test_web_tools_manifest_with_wrong_offset_is_caught(espburn, tmp_path):
    """A known-wrong example: an S3 bootloader at 4096."""
    write(tmp_path / "boot.bin", build_bootloader("esp32s3"))
    write(tmp_path / "manifest.json", json.dumps(
        {"builds": [{"chipFamily": "ESP32-S3", "parts": [{"path": "boot.bin", "offset": 4096}]}]}))
    doc = plan_json(espburn, tmp_path / "manifest.json", rc=1)
    assert "bootloader-wrong-offset" in codes(doc, "error")
    text = [f["text"] for f in doc["findings"] if f["code"] == "bootloader-wrong-offset"][0]
    assert "0x1000" in text and "Write it at 0x0" in text


def test_m5burner_style_fw_json(espburn, tmp_path):
    esp32_bundle(tmp_path)
    fw = {"name": "UIFlow", "chip": "esp32", "files": [
        {"file": "boot.bin", "addr": "0x1000"}, {"file": "table.bin", "addr": "0x8000"},
        {"file": "phy.bin", "addr": "0xf000"}, {"file": "app.bin", "address": 65536}]}
    doc = plan_json(espburn, write(tmp_path / "fw.json", json.dumps(fw)))
    assert doc["source"] == "JSON file list"
    assert layout(doc) == [(0x1000, "bootloader"), (0x8000, "partition-table"), (0xF000, "phy-init-data"),
                           (0x10000, "application")]


def test_batch_file_with_continuations(espburn, tmp_path):
    esp32_bundle(tmp_path)
    bat = ("@echo off\r\nREM flash the board\r\n"
           "esptool.exe --chip esp32 --port %1 --baud 921600 write_flash -z ^\r\n"
           "  --flash_mode dio --flash_freq 40m --flash_size 4MB ^\r\n"
           "  0x1000 boot.bin 0x8000 table.bin ^\r\n  0x10000 app.bin\r\npause\r\n")
    doc = plan_json(espburn, write(tmp_path / "COM.bat", bat))
    assert layout(doc) == [(0x1000, "bootloader"), (0x8000, "partition-table"), (0x10000, "application")]
    assert doc["flash_size"] == "4MB"


@pytest.mark.parametrize("bad", ["../outside.bin", "/etc/passwd", "sub/../../outside.bin"])
def test_manifest_path_that_escapes_is_refused(espburn, tmp_path, bad):
    inner = tmp_path / "inner"
    write(tmp_path / "outside.bin", build_app("esp32"))
    write(inner / "manifest.json", json.dumps(
        {"builds": [{"chipFamily": "ESP32", "parts": [{"path": bad, "offset": 65536}]}]}))
    r = espburn("plan", inner / "manifest.json")
    assert r.rc == 1, r
    assert "outside the manifest's folder" in r.err and "refuses" in r.err


def test_symlink_that_escapes_is_refused(espburn, tmp_path):
    inner = tmp_path / "inner"
    write(tmp_path / "outside.bin", build_app("esp32"))
    inner.mkdir()
    os.symlink(tmp_path / "outside.bin", inner / "app.bin")
    write(inner / "flash.sh", "esptool.py --chip esp32 write_flash 0x10000 app.bin\n")
    r = espburn("plan", inner / "flash.sh")
    assert r.rc == 1 and "outside the manifest's folder" in r.err, r


def test_script_with_variable_paths_is_explained(espburn, tmp_path):
    write(tmp_path / "go.sh", "esptool.py write_flash 0x10000 $BUILD/app.bin\n")
    r = espburn("plan", tmp_path / "go.sh")
    assert r.rc == 1 and "variable" in r.err, r


# ---- every check ------------------------------------------------------------

def test_good_generated_plan_has_no_errors(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    doc = plan_json(espburn, "0x1000", b["boot"], "0x8000", b["table"], "0xf000", b["phy"], "0x10000", b["app"])
    assert not codes(doc, "error") and not codes(doc, "warning"), doc["findings"]


@pytest.mark.parametrize("chip,offset", [("esp32", 0x1000), ("esp32s2", 0x1000), ("esp32s3", 0x0),
                                         ("esp32c3", 0x0), ("esp32c6", 0x0), ("esp32c2", 0x0),
                                         ("esp32h2", 0x0), ("esp32c5", 0x2000), ("esp32p4", 0x2000)])
def test_every_chip_bootloader_offset(espburn, tmp_path, chip, offset):
    b = esp32_bundle(tmp_path, chip)
    doc = plan_json(espburn, tmp_path)
    assert doc["chip"] == chip
    assert layout(doc)[0] == (offset, "bootloader"), doc
    wrong = 0x1000 if offset != 0x1000 else 0x0
    bad = plan_json(espburn, hex(wrong), b["boot"], rc=1)
    assert "bootloader-wrong-offset" in codes(bad, "error")
    app_at_boot = plan_json(espburn, hex(offset), b["app"], rc=1)
    assert "app-at-bootloader-offset" in codes(app_at_boot, "error")


def test_bootloader_for_another_chip(espburn, tmp_path):
    b = esp32_bundle(tmp_path, "esp32")
    doc = plan_json(espburn, "--chip", "esp32s3", "0x0", b["boot"], rc=1)
    assert "bootloader-wrong-chip" in codes(doc, "error")


def test_files_for_two_chips(espburn, tmp_path):
    boot = write(tmp_path / "b.bin", build_bootloader("esp32"))
    app = write(tmp_path / "a.bin", build_app("esp32s3"))
    doc = plan_json(espburn, "0x1000", boot, "0x10000", app, rc=1)
    assert "chip-mismatch" in codes(doc, "error")


def test_merged_image_at_the_wrong_base(espburn, tmp_path):
    merged = build_merged({0x1000: build_bootloader("esp32"), 0x8000: build_table(SMALL_TABLE),
                           0x10000: build_app("esp32")}, base=0x1000)
    path = write(tmp_path / "m.bin", merged)
    good = plan_json(espburn, path)
    assert layout(good) == [(0x1000, "merged-image")]
    assert not codes(good, "error") and "missing-bootloader" not in codes(good)
    doc = plan_json(espburn, "0x0", path, rc=1)
    assert "merged-wrong-base" in codes(doc, "error")


def test_overlap(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    doc = plan_json(espburn, "0x10000", b["app"], "0x10100", b["phy"], rc=1)
    assert "overlap" in codes(doc, "error")


def test_unaligned_app(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    doc = plan_json(espburn, "0x18000", b["app"], rc=1)
    assert "app-unaligned" in codes(doc, "error")


def test_app_larger_than_its_partition(espburn, tmp_path):
    b = esp32_bundle(tmp_path, table=[("factory", "app", "factory", 0x10000, 0x1000)])
    doc = plan_json(espburn, tmp_path, rc=1)
    assert "app-too-big" in codes(doc, "error")


def test_table_beyond_flash_size(espburn, seed):
    doc = plan_json(espburn, seed, "--flash-size", "2MB", rc=1)
    assert "table-beyond-flash" in codes(doc, "error")
    assert not codes(plan_json(espburn, seed, "--flash-size", "4MB"), "error")


def test_missing_parts_are_named_with_their_place(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    doc = plan_json(espburn, "0x10000", b["app"])
    text = {f["code"]: f["text"] for f in doc["findings"]}
    assert "0x1000" in text["missing-bootloader"] and "0x8000" in text["missing-table"]


def test_elf_at_an_address_is_refused(espburn, tmp_path):
    elf = write(tmp_path / "app.elf", b"\x7fELF\x01\x01\x01" + b"\0" * 200)
    doc = plan_json(espburn, "0x10000", elf, rc=1)
    assert "not-flashable" in codes(doc, "error")


# ---- usage and I/O errors -------------------------------------------------------

def test_usage_errors(espburn, seed):
    assert espburn("plan").rc == 2
    assert espburn("plan", seed, "--chip", "esp99").rc == 2
    assert espburn("plan", seed, "--flash-size", "lots").rc == 2
    assert espburn("plan", "0x1000").rc == 2
    r = espburn("plan", "--help")
    assert r.rc == 0 and "usage: espburn plan" in r.out


def test_missing_file_is_io_error(espburn, tmp_path):
    r = espburn("plan", "0x1000", tmp_path / "nope.bin")
    assert r.rc == 3 and "nope.bin" in r.err, r


def test_esp_idf_build_folder_follows_flasher_args(espburn, tmp_path):
    build = tmp_path / "build"
    write(build / "bootloader/bootloader.bin", build_bootloader("esp32c3"))
    write(build / "partition_table/partition-table.bin", build_table(SMALL_TABLE))
    write(build / "blink.bin", build_app("esp32c3"))
    for i in range(300):   # an ESP-IDF build folder holds many other files
        write(build / f"esp-idf/c{i % 30}/lib{i}.a", b"!<arch>\n")
    write(build / "flasher_args.json", json.dumps({
        "flash_settings": {"flash_mode": "dio", "flash_size": "2MB", "flash_freq": "80m"},
        "flash_files": {"0x0": "bootloader/bootloader.bin", "0x8000": "partition_table/partition-table.bin",
                        "0x10000": "blink.bin"},
        "extra_esptool_args": {"chip": "esp32c3"}}))
    doc = plan_json(espburn, build)
    assert layout(doc) == [(0, "bootloader"), (0x8000, "partition-table"), (0x10000, "application")]
    assert "build-folder" in codes(doc, "info") and doc["chip"] == "esp32c3"
    (build / "flasher_args.json").unlink()
    r = espburn("plan", build)
    assert r.rc == 1 and "more than 256 files" in r.err, r


def test_file_beyond_the_flash(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    doc = plan_json(espburn, "0x3ff000", b["phy"], "0x400000", b["phy"], "--flash-size", "4MB", rc=1)
    assert [f["code"] for f in doc["findings"]].count("beyond-flash") == 1
    doc = plan_json(espburn, "0xffffff00", b["phy"], rc=1)
    assert "beyond-flash" in codes(doc, "error")


def test_app_outside_an_app_partition_and_table_elsewhere(espburn, tmp_path):
    b = esp32_bundle(tmp_path)
    doc = plan_json(espburn, "0x9000", b["table"], "0x200000", b["app"])
    assert {"app-outside-partition", "table-offset"} <= codes(doc, "warning")


def test_unknown_bytes_at_an_address_are_written_as_is(espburn, tmp_path):
    blob = write(tmp_path / "blob.dat", bytes(range(256)) * 4)
    doc = plan_json(espburn, "0x300000", blob)
    assert "not-firmware" in codes(doc, "warning") and "chip-assumed" in codes(doc, "info")
    r = espburn("plan", blob)
    assert r.rc == 1 and "give its address" in r.err, r


def test_data_parts_go_to_their_partitions(espburn, tmp_path):
    from imgbuild import nvs_page, otadata
    table = [("nvs", "data", "nvs", 0x9000, 0x4000), ("otadata", "data", "ota", 0xD000, 0x2000),
             ("phy_init", "data", "phy", 0xF000, 0x1000), ("ota_0", "app", "ota_0", 0x10000, 0x100000),
             ("ota_1", "app", "ota_1", 0x110000, 0x100000)]
    esp32_bundle(tmp_path, table=table)
    write(tmp_path / "ota.bin", otadata())
    write(tmp_path / "nvs.bin", nvs_page() * 4)
    doc = plan_json(espburn, tmp_path)
    assert layout(doc) == [(0x1000, "bootloader"), (0x8000, "partition-table"), (0x9000, "nvs"),
                           (0xD000, "otadata"), (0xF000, "phy-init-data"), (0x10000, "application")]
    assert [r["partition"] for r in doc["regions"]][2:] == ["nvs", "otadata", "phy_init", "ota_0"]
    doc = plan_json(espburn, "0x8000", tmp_path / "table.bin", "0x9000", tmp_path / "phy.bin")
    text = [f["text"] for f in doc["findings"] if f["code"] == "wrong-partition"]
    assert text and "Write it at 0xf000" in text[0]


def test_story_sentence_is_derived_from_the_files(espburn, seed, tmp_path):
    """Names and addresses in the explanation come from the data, not from the seed's names."""
    for src, dst in (("bootloader/bootloader.bin", "blx.img"), ("partitions_mpy.bin", "tbl.img"),
                     ("MicroPython.bin", "fw.img")):
        shutil.copyfile(seed / src, tmp_path / dst)
    r = espburn("plan", f"{tmp_path / 'fw.img'}@0x1000")
    assert r.rc == 1, r
    assert ("fw.img is an application (its first segment maps flash at 0x3f400020); at 0x1000 the ROM would "
            "try to load it as the bootloader and reset forever. Write blx.img at 0x1000 and fw.img at "
            "0x10000, with the partition table at 0x8000") in r.out
    s3 = tmp_path / "s3"
    write(s3 / "first.bin", build_bootloader("esp32s3"))
    write(s3 / "layout.bin", build_table([("factory", "app", "factory", 0x20000, 0x100000)]))
    write(s3 / "main.bin", build_app("esp32s3"))
    doc = plan_json(espburn, "0x0", s3 / "main.bin", rc=1)
    text = [f["text"] for f in doc["findings"] if f["code"] == "app-at-bootloader-offset"][0]
    assert "at 0x0 the ROM" in text and "Write first.bin at 0x0 and main.bin at 0x20000" in text


def test_an_address_beyond_32_bits_is_a_usage_error_not_a_file_name(espburn, seed):
    app = seed / "MicroPython.bin"
    for args in ((f"{app}@0x100000000",), ("0x100000000", app), (f"{app}@4294967296",)):
        r = espburn("plan", *args)
        assert r.rc == 2, r
        assert "beyond the 32-bit address space" in r.err and "cannot open" not in r.err, r.err
    r = espburn("plan", f"{app}@0xFFFFFFFFF0")
    assert r.rc == 2, r
