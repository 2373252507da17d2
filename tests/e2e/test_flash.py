"""`espburn flash`, `verify`, `read`, `erase`, `reset` and `ports` against the
virtual board: the flash file must hold exactly the planned bytes."""
import hashlib
import json
import os
import shutil

import pytest

BUNDLE = [(0x1000, "bootloader/bootloader.bin"), (0x8000, "partitions_mpy.bin"),
          (0xF000, "phy_init_data.bin"), (0x10000, "MicroPython.bin")]
KEEP = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]


def flash_bytes(board):
    board.stop()
    return board.flash_file.read_bytes()


def patched_bootloader(data, mode, size_code, freq_code):
    """What esptool writes for --flash_mode/--flash_size/--flash_freq: header
    bytes 2-3 changed and the appended SHA-256 recomputed."""
    assert data[0] == 0xE9 and data[23] == 1
    assert hashlib.sha256(data[:-32]).digest() == data[-32:]   # the hash is the file's tail
    out = bytearray(data)
    out[2] = mode
    out[3] = (size_code << 4) | freq_code
    out[-32:] = hashlib.sha256(bytes(out[:-32])).digest()
    return bytes(out)


def assert_holds(flash, regions):
    for addr, data in regions:
        assert flash[addr:addr + len(data)] == data, hex(addr)


@pytest.mark.parametrize("transport", ["tcp", "rfc2217", "pty"])
def test_seed_folder_flashes_byte_for_byte(espburn, sim, seed, transport):
    board = sim(transport=transport)
    r = espburn("flash", seed, "-p", board.url, *KEEP, "--no-stub", "--json", timeout=300)
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["ok"] and len(d["boards"]) == 1
    regs = d["boards"][0]["regions"]
    assert [x["address"] for x in regs] == [a for a, _ in BUNDLE]
    assert all(x["state"] == "written" and x["verified"] for x in regs)
    assert_holds(flash_bytes(board), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


def test_header_patch_only_for_the_bootloader(espburn, sim, seed):
    board = sim()
    r = espburn("flash", seed, "-p", board.url, "--flash-mode", "dio", "--flash-freq", "40m",
                "--flash-size", "detect", "--json", timeout=300)
    assert r.rc == 0, r
    regs = json.loads(r.out)["boards"][0]["regions"]
    assert [x["header_patched"] for x in regs] == [True, False, False, False]
    boot = patched_bootloader((seed / BUNDLE[0][1]).read_bytes(), 2, 4, 0)   # 16 MB detected
    rest = [(a, (seed / p).read_bytes()) for a, p in BUNDLE[1:]]
    assert_holds(flash_bytes(board), [(0x1000, boot)] + rest)


def test_stub_path_flashes_and_reads(espburn, sim, seed, tmp_path):
    stub = pathlib_stub()
    board = sim()
    r = espburn("flash", seed, "-p", board.url, *KEEP, "--stub", stub, "--json", timeout=300)
    assert r.rc == 0, r
    assert json.loads(r.out)["boards"][0]["device"]["stub"] is True
    out = tmp_path / "table.bin"
    r = espburn("read", "-p", board.url, "0x8000", "0xC00", out, "--stub", stub)
    assert r.rc == 0, r
    assert out.read_bytes() == (seed / "partitions_mpy.bin").read_bytes()
    assert_holds(flash_bytes(board), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


@pytest.mark.parametrize("baud,begins", [(460800, 5), (2000000, 3 + 36)])
def test_stream_plan_follows_the_rate(espburn, sim, seed, baud, begins):
    """The stream plan on the Fire's W25Q128JV: at 460800 the wire hides the flash: one stream per
    file, the 2.3 MB app's first 256 KB as a stream of their own (written while the rest is
    compressed); at 2 Mbaud the flash is the limit: one stream per 64 KB block of the app (36).
    Counted in the board's trace; the flash holds the bundle either way."""
    board = sim(extra_args=("--trace",))
    r = espburn("flash", seed, "-p", board.url, *KEEP, "-b", baud, "--explain", timeout=300)
    assert r.rc == 0, r
    assert "stream plan" in r.err, r.err
    assert board.stop() == 0
    assert board.stderr.count("stub FLASH_DEFL_BEGIN") == begins, board.stderr.count("stub FLASH_DEFL_BEGIN")
    assert_holds(flash_bytes(board), [(a, (seed / p).read_bytes()) for a, p in BUNDLE[1:]])


def app_first_packets(trace):
    """The first FLASH_DEFL_DATA size of each stream at or after 0x10000, from the board's trace."""
    sizes, begun = [], False
    for x in trace.splitlines():
        if "stub FLASH_DEFL_BEGIN" in x:
            begun = True
        elif begun and "stub FLASH_DEFL_DATA" in x:
            sizes.append(int(x.split(", ")[1].split()[0]))
            begun = False
    return sizes[3:]  # past the bootloader, the table and the PHY data


def test_per_block_streams_open_short_only_for_the_stub_that_erases_at_its_first_packet(espburn, sim, seed):
    """At 2 Mbaud each 64 KB block is a stream. esp-flasher-stub (esptool-js 0.7, found first) starts
    the block's erase at BEGIN: the first packet is a full one. esptool's stub (esptool-js 0.5.7,
    given with --stub) starts it at the first packet: each stream opens with 64 bytes. espburn tells
    the two apart by the images' digests; --explain says which plan it took."""
    board = sim(extra_args=("--trace",))
    r = espburn("flash", seed, "-p", board.url, *KEEP, "-b", 2000000, "--explain", timeout=300)
    assert r.rc == 0 and "the stub erases from BEGIN" in r.err, r
    assert board.stop() == 0
    assert "esp-flasher-stub" in board.stderr
    assert min(app_first_packets(board.stderr)) > 64 + 16
    legacy = sim(extra_args=("--trace",))
    r = espburn("flash", seed, "-p", legacy.url, *KEEP, "-b", 2000000, "--stub", pathlib_stub(), "--explain",
                timeout=300)
    assert r.rc == 0 and "opened with a short packet" in r.err, r
    assert legacy.stop() == 0
    assert set(app_first_packets(legacy.stderr)) == {64 + 16}


def test_wire_bound_writes_hash_under_the_last_packet_and_erase_sectors_as_data_comes(espburn, sim, seed):
    """At 460800 the wire is the limit. The app's MD5 is asked for before its stream's last packet
    (a full 16 KB one), so the chip hashes while that packet is on the wire; afterwards only the
    rest is hashed. The bootloader, erased sector by sector, goes in packets of about one sector
    erase on the wire (460800 baud: ~2 KB), so that the stub's erase-ahead keeps up with the data.
    Read from the board's trace, in the order the board worked."""
    board = sim(extra_args=("--trace",))
    r = espburn("flash", seed, "-p", board.url, *KEEP, "-b", 460800, timeout=300)
    assert r.rc == 0 and "written and verified" in r.err, r
    assert board.stop() == 0
    lines = [x for x in board.stderr.splitlines() if x.startswith("sim: stub ")]
    streams, cur = [], None
    for x in lines:
        if "FLASH_DEFL_BEGIN" in x:
            cur = []
            streams.append(cur)
        elif cur is not None:
            cur.append(x)
    def data_sizes(stream):
        return [int(x.split(", ")[1].split()[0]) for x in stream if "FLASH_DEFL_DATA" in x]
    boot, app = streams[0], streams[-1]
    assert len(data_sizes(boot)) > 3 and max(data_sizes(boot)) <= 2100 + 16, data_sizes(boot)
    last = max(i for i, x in enumerate(app) if "FLASH_DEFL_DATA" in x)
    assert "SPI_FLASH_MD5" in app[last - 1], app[last - 3:]
    assert data_sizes(app)[-1] == 0x4000 + 16
    assert any("SPI_FLASH_MD5" in x for x in app[last + 1:]), app[last:]
    assert_holds(flash_bytes(board), [(a, (seed / p).read_bytes()) for a, p in BUNDLE[1:]])


def pathlib_stub():
    import pathlib
    p = pathlib.Path(__file__).resolve().parents[2] / "node_modules/esptool-js/lib/targets/stub_flasher/stub_flasher_32.json"
    if not p.exists():
        pytest.skip("esptool-js is not installed (scripts/deps.sh installs it)")
    return p


def test_reflash_is_up_to_date_and_one_sector_change_writes_one_sector(espburn, sim, seed, tmp_path):
    board = sim()
    r = espburn("flash", seed, "-p", board.url, *KEEP, timeout=300)
    assert r.rc == 0, r
    r = espburn("flash", seed, "-p", board.url, *KEEP, "--json", timeout=300)
    assert r.rc == 0, r
    regs = json.loads(r.out)["boards"][0]["regions"]
    assert all(x["state"] == "up-to-date" and x["written"] == 0 for x in regs)
    r = espburn("flash", seed, "-p", board.url, *KEEP, timeout=300)
    assert "up to date" in r.err
    app = bytearray((seed / "MicroPython.bin").read_bytes())
    app[0x123456] ^= 0xFF
    (tmp_path / "app.bin").write_bytes(app)
    # the changed byte breaks the app's SHA-256: a damaged image is refused without --force
    r = espburn("flash", "0x10000", tmp_path / "app.bin", "-p", board.url, "--force", "--json", timeout=300)
    assert r.rc == 0, r
    reg = json.loads(r.out)["boards"][0]["regions"][0]
    assert reg["state"] == "written" and reg["written"] == 0x1000
    r = espburn("flash", "0x10000", tmp_path / "app.bin", "-p", board.url, "--no-skip", "--force", "--json",
                timeout=300)
    assert json.loads(r.out)["boards"][0]["regions"][0]["written"] == len(app)
    assert_holds(flash_bytes(board), [(0x10000, bytes(app))])


def test_app_at_bootloader_offset_is_refused_and_nothing_written(espburn, sim, seed):
    board = sim()
    r = espburn("flash", f"{seed / 'MicroPython.bin'}@0x1000", "-p", board.url, timeout=120)
    assert r.rc == 1, r
    assert "refused" in r.err and "nothing was written" in r.err
    flash = flash_bytes(board)
    assert flash[:0x300000] == b"\xff" * 0x300000


def test_verify_reports_differing_regions(espburn, sim, seed, tmp_path):
    board = sim()
    assert espburn("flash", seed, "-p", board.url, *KEEP, timeout=300).rc == 0
    r = espburn("verify", seed, "-p", board.url, *KEEP, "--json")
    assert r.rc == 0, r
    assert all(x["matches"] for x in json.loads(r.out)["regions"])
    other = tmp_path / "phy.bin"
    other.write_bytes(b"\x00" * 144)
    r = espburn("verify", "0xf000", other, "0x8000", seed / "partitions_mpy.bin", "-p", board.url)
    assert r.rc == 1, r
    assert "DIFFERS" in r.out and "matches" in r.out
    r = espburn("verify", "0xf000", other, "0x8000", seed / "partitions_mpy.bin", "-p", board.url, "--json")
    doc = json.loads(r.out)
    assert r.rc == 1 and {x["address"]: x["matches"] for x in doc["regions"]} == {0xF000: False, 0x8000: True}, r
    assert doc["error"]["message"].startswith("1 region of the plan differs from the flash"), doc


def test_read_erase_and_read_again(espburn, sim, seed, tmp_path):
    board = sim(transport="rfc2217")
    assert espburn("flash", seed, "-p", board.url, *KEEP, "--no-stub", timeout=300).rc == 0
    out = tmp_path / "boot.bin"
    r = espburn("read", "-p", board.url, "0x1000", "19744", out, "--no-stub", "--json")
    assert r.rc == 0, r
    assert out.read_bytes() == (seed / BUNDLE[0][1]).read_bytes()
    r = espburn("erase", "-p", board.url, "0x8000", "0x1000", "--no-stub")
    assert r.rc == 0, r
    assert "erased 0x8000+0x1000" in r.out
    assert espburn("erase", "-p", board.url, "0x8001", "0x1000").rc == 2
    r = espburn("erase", "-p", board.url, "0xFFF000", "0x2000", "--no-stub")  # past the end of the 16 MB flash
    assert r.rc == 2 and "goes beyond the board's 16 MB flash, which ends at 0x1000000" in r.err, r
    flash = flash_bytes(board)
    assert flash[0x8000:0x9000] == b"\xff" * 0x1000
    assert flash[0xF000:0xF090] == (seed / "phy_init_data.bin").read_bytes()


def test_reset_over_rfc2217_and_tcp(espburn, sim):
    board = sim(transport="rfc2217")
    r = espburn("reset", "-p", board.url, "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["method"] == "rts"
    board2 = sim()
    r = espburn("reset", "-p", board2.url)
    assert r.rc == 0, r
    assert "reboot" in r.out


def test_baud_switch_over_rfc2217(espburn, sim, seed):
    board = sim(transport="rfc2217")
    r = espburn("flash", "0x8000", seed / "partitions_mpy.bin", "-p", board.url, "-b", "921600", "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["boards"][0]["device"]["baud"] == 921600
    r = espburn("chip", "-p", board.url, "-b", "auto", "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["baud"] > 115200


@pytest.mark.parametrize("fault", ["drop-byte:5000", "corrupt-byte:20000"])
def test_line_faults_are_retried_transparently(espburn, sim, seed, fault):
    board = sim(extra_args=["--fault", fault])
    r = espburn("flash", seed, "-p", board.url, *KEEP, "--no-stub", "--json", timeout=300)
    assert r.rc == 0, r
    assert json.loads(r.out)["boards"][0]["block_retries"] >= 1
    assert_holds(flash_bytes(board), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


def test_lost_connection_says_what_is_done_and_rerun_resumes(espburn, sim, seed):
    board = sim(extra_args=["--fault", "disconnect-write:200"])
    r = espburn("flash", seed, "-p", board.url, *KEEP, "--no-stub", timeout=300)
    assert r.rc == 3, r
    assert "complete and verified: 0x1000, 0x8000, 0xF000" in r.err
    assert "re-run" in r.err
    board.stop()
    again = sim(flash_file=board.flash_file)
    r = espburn("flash", seed, "-p", again.url, *KEEP, "--no-stub", "--json", timeout=300)
    assert r.rc == 0, r
    regs = json.loads(r.out)["boards"][0]["regions"]
    assert [x["state"] for x in regs[:3]] == ["up-to-date"] * 3
    assert 0 < regs[3]["written"] < regs[3]["size"]          # only the sectors not yet written
    assert_holds(flash_bytes(again), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


def test_board_that_stops_answering_gives_a_clear_error(espburn, sim, seed):
    board = sim(extra_args=["--fault", "stop-after:40"])
    r = espburn("flash", seed, "-p", board.url, *KEEP, "--no-stub", timeout=300)
    assert r.rc == 3, r
    assert "no answer to" in r.err


def test_four_boards_in_parallel(espburn, sim, seed):
    boards = [sim(transport=t) for t in ("tcp", "rfc2217", "tcp", "pty")]
    args = [a for b in boards for a in ("-p", b.url)]
    r = espburn("flash", seed, *args, *KEEP, "--json", timeout=300)
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert [b["port"] for b in d["boards"]] == [b.url for b in boards]
    assert all(b["ok"] for b in d["boards"])
    for b in boards:
        assert_holds(flash_bytes(b), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


def test_one_failing_board_does_not_disturb_the_others(espburn, sim, seed):
    good = sim()
    bad = sim(extra_args=["--fault", "tx-dead"])
    r = espburn("flash", seed, "-p", good.url, "-p", bad.url, *KEEP, timeout=300)
    assert r.rc == 3, r
    assert "FAILED" in r.err and "ok" in r.err
    assert_holds(flash_bytes(good), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


def test_ports_listing_and_auto_with_fake_backend(espburn, sim):
    board = sim()
    fake = f"{board.url}|10c4:ea60|0001|CP2104 USB to UART;/dev/ttyS0;/dev/ttyACM9|2341:0043|x|Arduino Uno"
    env = dict(os.environ, ESPBURN_FAKE_PORTS=fake)
    r = espburn("ports", "--json", env=env)
    assert r.rc == 0, r
    ports = json.loads(r.out)["ports"]
    assert [p["port"] for p in ports] == [board.url]
    assert "M5Stack Fire" in ports[0]["guess"] and ports[0]["usb_id"] == "10c4:ea60"
    r = espburn("ports", "--all", env=env)
    assert "/dev/ttyS0" in r.out and "2341:0043" in r.out
    r = espburn("chip", "-p", "auto", "--json", env=env)
    assert r.rc == 0, r
    assert json.loads(r.out)["port"] == board.url
    two = fake + f";{board.url}x|1a86:55d4|2|CH9102"
    r = espburn("chip", "-p", "auto", env=dict(os.environ, ESPBURN_FAKE_PORTS=two))
    assert r.rc == 2 and "choose one with -p" in r.err, r


@pytest.mark.parametrize("stub", [["--no-stub"], []])
def test_brownout_during_write_is_named_and_rerun_completes(espburn, sim, seed, stub):
    board = sim(extra_args=["--fault", "brownout-write:60"])
    r = espburn("flash", seed, "-p", board.url, *KEEP, *stub, timeout=300)
    assert r.rc == 3, r
    assert "the chip reset" in r.err and "BROWN_OUT" in r.err and "re-run" in r.err
    r = espburn("flash", seed, "-p", board.url, *KEEP, *stub, timeout=300)
    assert r.rc == 0, r
    assert_holds(flash_bytes(board), [(a, (seed / p).read_bytes()) for a, p in BUNDLE])


@pytest.mark.parametrize("stub", [["--no-stub"], []])
def test_whole_chip_erase(espburn, sim, seed, stub):
    board = sim(board="m5stack-atom")
    assert espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, timeout=120).rc == 0
    r = espburn("erase", "-p", board.url, *stub)
    assert r.rc == 2 and "needs --all" in r.err, r  # the whole flash only when asked (refused before connecting)
    r = espburn("erase", "-p", board.url, *stub, "--all", "--json", timeout=300)
    assert r.rc == 0, r
    assert json.loads(r.out)["size"] == 4 << 20
    assert flash_bytes(board) == b"\xff" * (4 << 20)


def test_after_no_reset_leaves_the_loader(espburn, sim, seed):
    board = sim()
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, "--after", "no-reset",
                "--no-stub", timeout=120)
    assert r.rc == 0, r
    r = espburn("chip", "-p", board.url, timeout=120)   # no lines: the board now runs its firmware
    assert r.rc == 3, r


def test_port_all_flashes_every_likely_board(espburn, sim, seed):
    a, b = sim(), sim()
    env = dict(os.environ, ESPBURN_FAKE_PORTS=f"{a.url}|10c4:ea60;/dev/ttyS0;{b.url}|1a86:55d4")
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", "all", "--json", env=env, timeout=120)
    assert r.rc == 0, r
    assert sorted(x["port"] for x in json.loads(r.out)["boards"]) == sorted([a.url, b.url])


def test_erase_option_clears_the_chip_before_writing(espburn, sim, seed):
    board = sim(board="m5stack-atom")
    assert espburn("flash", f"{seed / 'partitions_mpy.bin'}@0x8000", "-p", board.url, timeout=120).rc == 0
    r = espburn("flash", f"{seed / 'phy_init_data.bin'}@0xf000", "-p", board.url, "--erase", "--json", timeout=300)
    assert r.rc == 0, r
    assert json.loads(r.out)["boards"][0]["regions"][0]["state"] == "written"
    flash = flash_bytes(board)
    assert flash[0x8000:0x9000] == b"\xff" * 0x1000            # the old table is gone
    assert flash[0xF000:0xF090] == (seed / "phy_init_data.bin").read_bytes()


def test_firmware_for_another_chip_is_refused(espburn, sim, seed):
    board = sim(board="m5stack-cores3", transport="rfc2217", extra_args=["--boot", "flash"])
    r = espburn("flash", seed, "-p", board.url, "--before", "usb-jtag", timeout=120)
    assert r.rc == 1, r
    assert "the firmware is for ESP32 but the board" in r.err and "ESP32-S3" in r.err
    assert "nothing was written" in r.err


@pytest.mark.parametrize("transport", ["tcp", "rfc2217", "pty"])
def test_every_device_command_on_every_transport(espburn, sim, seed, tmp_path, transport):
    """The issue's list, on each transport: chip; flash from a manifest
    (ESP-IDF flasher_args.json) and from ADDR FILE; verify; read; erase; reset."""
    build = tmp_path / "build"
    shutil.copytree(seed, build)
    (build / "flasher_args.json").write_text(json.dumps({
        "flash_settings": {"flash_mode": "keep", "flash_freq": "keep", "flash_size": "keep"},
        "flash_files": {hex(a): p for a, p in BUNDLE[:3]},
        "extra_esptool_args": {"chip": "esp32"}}))
    board = sim(transport=transport)
    r = espburn("chip", "-p", board.url, "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["chip"] == "ESP32"
    r = espburn("flash", build / "flasher_args.json", "-p", board.url, "--json", timeout=300)
    assert r.rc == 0, r
    assert [x["address"] for x in json.loads(r.out)["boards"][0]["regions"]] == [a for a, _ in BUNDLE[:3]]
    app = (seed / "MicroPython.bin").read_bytes()[:0x30000]
    (tmp_path / "app.bin").write_bytes(app)
    # a cut-short app is a damaged image: written only with --force
    assert espburn("flash", "0x10000", tmp_path / "app.bin", "-p", board.url, *KEEP, "--force", timeout=300).rc == 0
    assert espburn("verify", "0x10000", tmp_path / "app.bin", "-p", board.url).rc == 0
    r = espburn("read", "-p", board.url, "0x8000", "0xc00", tmp_path / "table.bin")
    assert r.rc == 0, r
    assert (tmp_path / "table.bin").read_bytes() == (seed / "partitions_mpy.bin").read_bytes()
    assert espburn("erase", "-p", board.url, "0xf000", "0x1000").rc == 0
    assert espburn("reset", "-p", board.url).rc == 0
    flash = flash_bytes(board)
    assert_holds(flash, [(a, (seed / p).read_bytes()) for a, p in BUNDLE[:2]] + [(0x10000, app)])
    assert flash[0xF000:0x10000] == b"\xff" * 0x1000
