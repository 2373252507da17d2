"""espburn explain: boot logs users posted (tests/data/bootlogs, each cited in
its README), the seed case with and without a plan, backtraces named through
an ELF a real linker wrote, stdin, JSON and exit codes."""
import json
import pathlib
import shutil
import subprocess

import pytest

from conftest import ROOT

LOGS = ROOT / "tests" / "data" / "bootlogs"
SEED_LOG = LOGS / "seed-m5stack-fire-app-at-0x1000.log"
SEED_SENTENCE = ("the ROM is loading an APPLICATION as the second-stage bootloader: its first segment maps "
                 "flash at 0x3f400020 (DROM, 462,120 bytes), which the ROM cannot load; the RTC watchdog "
                 "resets the chip, forever")


def explain_json(espburn, *args):
    r = espburn("explain", *args, "--json")
    assert r.rc in (0, 1), r
    doc = json.loads(r.out)
    assert doc["failed"] == (r.rc == 1), r
    return doc


def codes(doc):
    return {f["code"]: f for f in doc["findings"]}


# file, chip the log reveals (None: it does not), codes that must be found, exit code
REAL_LOGS = [
    ("seed-m5stack-fire-app-at-0x1000.log", "esp32", {"app-at-bootloader-offset", "boot-loop"}, 1),
    ("s3lcd-37-app-at-0x1000.log", "esp32", {"app-at-bootloader-offset"}, 1),
    ("platformio-622-c3-app-at-0x0.log", "esp32c3",
     {"app-at-bootloader-offset", "bootloader-sha-mismatch", "boot-loop"}, 1),
    ("esphome-631-flash-read-err-loop.log", "esp32", {"no-bootloader", "boot-loop"}, 1),
    ("bluejammer-19-rev3-flash-read-err-988.log", "esp32", {"no-bootloader"}, 1),
    ("esp-idf-1778-poweron-flash-read-err.log", "esp32", {"no-bootloader", "boot-loop"}, 1),
    ("esp-idf-113-mtdi-flash-read-err.log", "esp32", {"no-bootloader", "flash-1v8-strap"}, 1),
    ("arduino-esp32-8525-mtdi-high-garbage.log", "esp32", {"bootloader-garbage", "flash-1v8-strap", "boot-loop"}, 1),
    ("arduino-esp32-3491-load-ffffffff.log", "esp32", {"bootloader-garbage", "quad-mode-header"}, 1),
    ("micropython-esp32-9-qio-header.log", "esp32", {"bootloader-garbage", "quad-mode-header"}, 1),
    ("espsomfy-433-invalid-header-text.log", "esp32", {"bad-bootloader-header"}, 1),
    ("meshtastic-3970-s3-invalid-header.log", "esp32s3", {"no-bootloader"}, 1),
    ("circuitsetup-206-s3-invalid-header.log", None, {"no-bootloader"}, 1),
    ("esp-idf-10692-s3-checksum-failure.log", "esp32s3", {"bootloader-checksum"}, 1),
    ("lilygo-t-sim7000g-141-brownout-csum.log", "esp32", {"brownout", "bootloader-checksum"}, 1),
    ("shiftr-5-brownout.log", "esp32", {"brownout"}, 1),
    ("pycontroller-2-s3-psram-id-error.log", None, {"psram-missing", "abort"}, 1),
    ("io433-12-guru-loadprohibited.log", None, {"panic", "backtrace"}, 1),
    ("micropython-core2-9-partition-exceeds-flash.log", None, {"table-exceeds-flash"}, 1),
    ("lobo-285-partition-invalid-magic.log", "esp32", {"table-invalid", "flash-1v8-strap"}, 1),
    ("espboy-4-app-too-big-no-bootable.log", None, {"app-too-big", "app-missing", "no-bootable-app"}, 1),
    ("moddable-142-download-mode.log", "esp32", {"download-mode"}, 0),
    ("esp-idf-2051-tg1wdt-then-clean-boot.log", "esp32", {"reset-reason"}, 0),
    ("esptool-753-s3-devkit-clean-boot.log", "esp32s3", {"reset-reason"}, 0),
    ("esp32-ble2mqtt-95-clean-app-start.log", None, {"healthy", "capture-after-reset"}, 0),
    ("littlefs-3-pasted-colour-codes.log", "esp32", {"flash-1v8-strap"}, 0),
]


def test_every_log_is_in_the_table_and_cited():
    readme = (LOGS / "README.md").read_text()
    files = {p.name for p in LOGS.glob("*.log")}
    assert files == {name for name, *_ in REAL_LOGS}
    for name in files:
        line = next((l for l in readme.splitlines() if f"`{name}`" in l), "")
        assert "https://github.com/" in line or "issue 5" in line, name


@pytest.mark.parametrize("name,chip,expected,rc", REAL_LOGS, ids=[r[0] for r in REAL_LOGS])
def test_real_logs(espburn, name, chip, expected, rc):
    r = espburn("explain", LOGS / name, "--json")
    assert r.rc == rc, r
    doc = json.loads(r.out)
    assert doc["chip"] == chip
    found = codes(doc)
    assert expected <= found.keys(), found.keys()
    for f in doc["findings"]:
        assert f["what"] and f["why"], f
        if f["level"] == "fail":
            assert f["fix"], f


def test_seed_diagnosis_text(espburn):
    r = espburn("explain", SEED_LOG)
    assert r.rc == 1, r
    assert SEED_SENTENCE in r.out
    assert "bootloader.bin) at 0x1000, the partition table at 0x8000 and the application at 0x10000" in r.out
    assert "boot loop" in r.out


def test_seed_with_plan_names_the_file(espburn, seed):
    doc = explain_json(espburn, SEED_LOG, "--plan", f"{seed / 'MicroPython.bin'}@0x1000")
    f = codes(doc)["app-at-bootloader-offset"]
    assert f["what"] == SEED_SENTENCE
    assert "The image at 0x1000 is MicroPython.bin, an application" in f["plan"]
    assert "Write it at 0x10000 instead" in f["plan"]
    assert "bootloader 0x1000, partition table 0x8000, application 0x10000" in f["plan"]
    assert "no bootloader" in f["plan"] and "no partition table" in f["plan"]


def test_seed_with_the_right_plan_points_at_the_board(espburn, seed):
    """The folder puts bootloader.bin at 0x1000: then the board does not hold the plan."""
    doc = explain_json(espburn, SEED_LOG, "--plan", seed)
    f = codes(doc)["app-at-bootloader-offset"]
    assert "bootloader.bin (a bootloader) at 0x1000, which is right" in f["plan"]


def merged_image(seed, path):
    """bootloader 0x1000, table 0x8000, app 0x10000 in one image based at 0x0"""
    img = bytearray(b"\xff" * 0x10000)
    for name, off in (("bootloader/bootloader.bin", 0x1000), ("partitions_mpy.bin", 0x8000)):
        data = (seed / name).read_bytes()
        img[off:off + len(data)] = data
    path.write_bytes(bytes(img) + (seed / "MicroPython.bin").read_bytes())
    return path


def test_merged_image_at_the_wrong_base(espburn, seed, tmp_path):
    merged = merged_image(seed, tmp_path / "merged.bin")
    log = LOGS / "esp-idf-1778-poweron-flash-read-err.log"
    f = codes(explain_json(espburn, log, "--plan", f"{merged}@0x1000"))["no-bootloader"]
    assert "The image at 0x1000 is merged.bin, a merged image" in f["plan"]
    assert "write it at 0x0, the address it was built for" in f["plan"]
    assert "has no bootloader" not in f["plan"]
    f = codes(explain_json(espburn, log, "--plan", f"{merged}@0x0"))["no-bootloader"]
    assert "the address it was built for, so it puts a bootloader at 0x1000" in f["plan"]


def test_app_missing_ties_to_the_app_offset(espburn, seed):
    log = "I (31) boot: ESP-IDF v3.1 2nd stage bootloader\nE (99) esp_image: image at 0x10000 has invalid magic byte\n"
    r = espburn("explain", "-", "--json", "--plan", f"{seed / 'MicroPython.bin'}@0x1000", input=log)
    assert r.rc == 1, r
    f = codes(json.loads(r.out))["app-missing"]
    assert "Nothing in your plan starts at 0x10000" in f["plan"]
    assert "Write MicroPython.bin (an application) at 0x10000, not 0x1000" in f["plan"]


def test_s3_bootloader_at_the_esp32_offset(espburn, seed):
    """An ESP32-S3 boots from 0x0; a plan putting an (ESP32) bootloader at 0x1000 is wrong twice."""
    doc = explain_json(espburn, LOGS / "meshtastic-3970-s3-invalid-header.log",
                       "--plan", f"{seed / 'bootloader' / 'bootloader.bin'}@0x1000")
    found = codes(doc)
    assert "Write bootloader.bin (a bootloader) at 0x0, not 0x1000" in found["no-bootloader"]["plan"]
    assert found["plan-wrong-chip"]["what"] == "the plan's firmware is for ESP32, but the board in this log is an ESP32-S3"


def test_pasted_colour_codes_are_read(espburn):
    doc = explain_json(espburn, LOGS / "littlefs-3-pasted-colour-codes.log")
    assert doc["idf_version"] == "3.40100.200827" and doc["stage"] == "second-stage"
    # MTDI was high, but the bootloader was read fine: a note, not a warning
    assert codes(doc)["flash-1v8-strap"]["level"] == "info"
    strap = codes(explain_json(espburn, LOGS / "esp-idf-113-mtdi-flash-read-err.log"))["flash-1v8-strap"]
    assert strap["level"] == "warn"


def test_loop_period_from_the_log_timestamps(espburn):
    doc = explain_json(espburn, LOGS / "esphome-631-flash-read-err-loop.log")
    assert "about every 0.4 s" in codes(doc)["boot-loop"]["what"]


def test_stdin(espburn):
    r = espburn("explain", "-", input=SEED_LOG.read_text())
    assert r.rc == 1 and SEED_SENTENCE in r.out, r
    assert r.out.startswith("standard input:")


def test_healthy_boot_exits_zero(espburn):
    log = ("ets Jun  8 2016 00:22:57\n\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
           "configsip: 0, SPIWP:0xee\nmode:DIO, clock div:2\nload:0x3fff0018,len:4\nload:0x3fff001c,len:5976\n"
           "load:0x40078000,len:9152\nload:0x40080000,len:6120\nentry 0x40080334\n"
           "I (31) boot: ESP-IDF v3.1-rc1-53509c7b 2nd stage bootloader\n"
           "I (230) cpu_start: Pro cpu up.\n"
           "MicroPython ESP32_LoBo_v3.2.24 - 2018-09-06 on ESP32&psRAM board with ESP32\n>>> \n")
    r = espburn("explain", "-", "--json", input=log)
    assert r.rc == 0, r
    found = codes(json.loads(r.out))
    assert {"healthy", "micropython"} <= found.keys()
    assert "ESP-IDF v3.1-rc1-53509c7b" in found["healthy"]["what"]


def test_chip_option_for_logs_without_banner(espburn):
    doc = explain_json(espburn, LOGS / "circuitsetup-206-s3-invalid-header.log", "--chip", "esp32s3")
    assert doc["chip"] == "esp32s3"
    assert "at 0x0" in codes(doc)["no-bootloader"]["what"]


RISCV_APP = """
volatile int *target;
__attribute__((noinline)) int crash_here(int v) { *target = v; return v + 1; }
__attribute__((noinline)) int app_main(void) { return crash_here(3) * 2; }
void _start(void) { app_main(); for (;;) {} }
"""


def build_riscv_elf(tmp_path):
    clang = shutil.which("clang")
    if not clang:
        pytest.skip("clang is needed to link a RISC-V ELF")
    src = tmp_path / "app.c"
    src.write_text(RISCV_APP)
    elf = tmp_path / "app.elf"
    r = subprocess.run([clang, "--target=riscv32-unknown-elf", "-march=rv32imc", "-O1", "-nostdlib",
                        "-fuse-ld=lld", "-Wl,-Ttext=0x42000020", str(src), "-o", str(elf)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot link a RISC-V ELF here: {r.stderr.strip()}")
    nm = shutil.which("llvm-nm") or shutil.which("nm")
    syms = {}
    for line in subprocess.run([nm, str(elf)], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return elf, syms


def test_backtrace_named_from_a_linked_elf(espburn, tmp_path):
    elf, syms = build_riscv_elf(tmp_path)
    pc1, pc2 = syms["crash_here"] + 4, syms["app_main"] + 6
    log = ("Guru Meditation Error: Core  0 panic'ed (Store access fault). Exception was unhandled.\n"
           f"Backtrace: 0x{pc1:08x}:0x3fc9a000 0x{pc2:08x}:0x3fc9a010\n")
    r = espburn("explain", "-", "--elf", elf, "--json", input=log)
    assert r.rc == 1, r
    found = codes(json.loads(r.out))
    assert f"crash_here+0x4 (0x{pc1:08x}) <- app_main+0x6 (0x{pc2:08x})" in found["backtrace"]["what"]
    assert "NULL" in found["panic"]["why"] or "not writable" in found["panic"]["why"]
    r = espburn("explain", "-", "--json", input=log)          # without the ELF: addresses only
    assert "crash_here" not in r.out and f"0x{pc1:08x}" in r.out


def test_usage_and_io_errors(espburn, tmp_path):
    assert espburn("explain").rc == 2
    assert espburn("explain", SEED_LOG, "--bogus").rc == 2
    assert espburn("explain", SEED_LOG, "--chip", "esp8266").rc == 2
    r = espburn("explain", tmp_path / "missing.log")
    assert r.rc == 3 and "missing.log" in r.err, r
    notelf = tmp_path / "app.elf"
    notelf.write_bytes(b"MZ not an elf")
    r = espburn("explain", SEED_LOG, "--elf", notelf)
    assert r.rc == 2 and "not an ELF" in r.err, r
    r = espburn("explain", "--help")
    assert r.rc == 0 and "--plan" in r.out


def test_hostile_input_does_not_crash(espburn, tmp_path):
    junk = tmp_path / "junk.log"
    junk.write_bytes(bytes(range(256)) * 200 + b"rst:0x" + b"f" * 5000 + b"\nload:0x" + b"9" * 3000)
    r = espburn("explain", junk)
    assert r.rc in (0, 1), r
