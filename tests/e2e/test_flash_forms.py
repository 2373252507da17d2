"""`espburn flash` with the other source forms (an esptool script, FILE@ADDR),
otadata handling and the pieces of output meant for people and scripts."""
import json
import os
import pathlib

KEEP = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]


def test_flash_script_form_uses_its_addresses(espburn, sim, seed):
    board = sim()
    r = espburn("flash", seed / "flash.sh", "-p", board.url, "--json", timeout=300)
    assert r.rc == 0, r
    regs = json.loads(r.out)["boards"][0]["regions"]
    assert sorted(x["address"] for x in regs) == [0x1000, 0x8000, 0xF000, 0x10000]
    board.stop()
    flash = board.flash_file.read_bytes()
    app = (seed / "MicroPython.bin").read_bytes()
    assert flash[0x10000:0x10000 + len(app)] == app


def test_file_at_addr_form_and_text_output(espburn, sim, seed):
    board = sim()
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, timeout=120)
    assert r.rc == 0, r
    assert "esptool equivalent:" in r.err
    assert "written and verified" in r.err
    assert "on the wire" in r.err
    # a socket has no line rate: no "% of the line's capacity" (which would exceed 100 %)
    assert "does not pace bytes at a line rate" in r.err and "capacity used" not in r.err
    # flashed at the default rate, -b auto: esptool has no `auto`, its line names 921600
    assert " -b 921600 " in r.err.split("esptool equivalent:")[1].splitlines()[0]
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, "-b", "115200", timeout=120)
    assert r.rc == 0 and " -b 115200 " in r.err.split("esptool equivalent:")[1].splitlines()[0], r


def test_rfc2217_summary_and_esptool_line_follow_the_options(espburn, sim, seed):
    board = sim(transport="rfc2217", extra_args=["--realtime"])
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, "-b", "921600",
                "--flash-size", "keep", timeout=120)
    assert r.rc == 0, r
    line = r.err.split("esptool equivalent:")[1].splitlines()[0]
    assert f"-p {board.url} -b 921600 write-flash" in line
    assert "--flash-size keep" in line
    assert "wire limit at 921600 baud" in r.err and "of the line's capacity used" in r.err


def test_quiet_prints_nothing_on_success(espburn, sim, seed):
    board = sim()
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, "-q", timeout=120)
    assert r.rc == 0, r
    assert r.out == "" and "written" not in r.err


def test_erase_otadata_option(espburn, sim, tmp_path):
    # a table with an otadata partition at 0xd000, written by espburn table csv2bin
    csv = tmp_path / "p.csv"
    csv.write_text("nvs,data,nvs,0x9000,0x4000,\notadata,data,ota,0xd000,0x2000,\n"
                   "phy_init,data,phy,0xf000,0x1000,\nota_0,app,ota_0,0x10000,0x100000,\n")
    binf = tmp_path / "p.bin"
    assert espburn("table", "csv2bin", csv, binf).rc == 0
    board = sim()
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 0x2000)
    assert espburn("flash", "0xd000", junk, "-p", board.url, "--force", timeout=120).rc == 0
    r = espburn("flash", "0x8000", binf, "-p", board.url, timeout=120)
    assert r.rc == 0, r
    assert "otadata" in r.err and "--erase-otadata" in r.err
    r = espburn("flash", "0x8000", binf, "-p", board.url, "--erase-otadata", timeout=120)
    assert r.rc == 0, r
    board.stop()
    assert board.flash_file.read_bytes()[0xD000:0xF000] == b"\xff" * 0x2000


def test_help_and_usage_errors(espburn):
    for cmd in ("flash", "verify", "read", "erase", "reset", "chip", "ports"):
        r = espburn(cmd, "--help")
        assert r.rc == 0 and "usage: espburn " + cmd in r.out, r
    assert espburn("flash", "-p", "socket://127.0.0.1:1").rc == 2
    assert espburn("read", "-p", "socket://127.0.0.1:1", "0x0").rc == 2
    assert espburn("chip", "-p", "x", "-b", "fast").rc == 2
    assert espburn("chip", "-p", "x", "--before", "sometimes").rc == 2
    r = espburn("chip", "-p", "/dev/does-not-exist-espburn")
    assert r.rc == 3 and "no such port" in r.err, r


def test_flash_remembers_what_it_wrote_per_port(espburn, sim, seed, tmp_path):
    """flashed.json in ESPBURN_STATE (set per test by conftest): one entry per port,
    sources made absolute, the oldest dropped beyond 50 ports."""
    state = pathlib.Path(os.environ["ESPBURN_STATE"])
    state.mkdir(parents=True)
    old = {f"socket://127.0.0.1:{1000 + i}": {"when": "2026-01-01 00:00", "chip": "", "sources": ["/x"]}
           for i in range(60)}
    (state / "flashed.json").write_text(json.dumps(old))
    board = sim()
    r = espburn("flash", "0xf000", seed / "phy_init_data.bin", "-p", board.url, cwd=tmp_path)
    assert r.rc == 0, r
    doc = json.loads((state / "flashed.json").read_text())
    assert len(doc) == 50
    assert "socket://127.0.0.1:1000" not in doc and "socket://127.0.0.1:1059" in doc
    assert doc[board.url]["sources"] == ["0xf000", str((seed / "phy_init_data.bin").resolve())]
    assert espburn("flash", "/nonexistent.bin@0x10000", "-p", board.url).rc != 0
    assert json.loads((state / "flashed.json").read_text())[board.url] == doc[board.url]  # failures change nothing


def test_files_that_name_no_chip_go_to_whatever_chip_the_board_is(espburn, sim, seed):
    """A partition table alone says nothing of the chip: the plan assumes ESP32 (an
    info finding), and the ESP32-C3 board takes it rather than refusing."""
    board = sim(board="esp32-c3-devkitm-1")
    r = espburn("flash", "0x8000", seed / "partitions_mpy.bin", "-p", board.url, "--json")
    assert r.rc == 0, r
    assert "chip-assumed" in [f["code"] for f in json.loads(r.out)["findings"]]
    board.stop()
    table = (seed / "partitions_mpy.bin").read_bytes()
    assert board.flash_file.read_bytes()[0x8000:0x8000 + len(table)] == table
    r = espburn("flash", seed, "-p", sim(board="esp32-c3-devkitm-1").url)   # ESP32 images: still refused
    assert r.rc == 1 and "for ESP32 but the board" in r.err, r
