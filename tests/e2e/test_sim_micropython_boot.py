"""The virtual board hands a booted MicroPython app to the real MicroPython (issues 5 and 6).

The seed bundle (a real LoBo MicroPython build) is flashed onto the virtual M5Stack Fire
with `espburn flash`; after a reset the board boots it through ROM and second stage to the
app stage, where a real (WebAssembly) MicroPython takes the board's UART. The MicroPython
commands then work over the same rfc2217:// port, files persist across resets, a reset
stops the interpreter and the next boot runs /flash/main.py again, and download mode keeps
working (`espburn flash` after MicroPython ran)."""
import os
import pathlib
import secrets
import subprocess
import time

from conftest import espburn_bin
from imgbuild import CHIPS, MMU_PAGE, app_desc, build_image, build_table


def board_processes(fs_dir):
    """Pids of the Node MicroPython boards serving fs_dir."""
    pids = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"board.mjs") for a in args) and str(fs_dir).encode() in args:
            pids.append(int(proc.name))
    return pids


def wait_for(pred, secs=10):
    deadline = time.time() + secs
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def repl_capture(url, keys=b"", secs=2.5):
    """`espburn repl` attached for `secs` (keys typed after 1 s), left with Ctrl-]: what the board said."""
    p = subprocess.Popen([espburn_bin(), "repl", "-p", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(1)
    p.stdin.write(keys)
    p.stdin.flush()
    time.sleep(secs - 1)
    out, err = p.communicate(b"\x1d", timeout=30)
    assert p.returncode == 0, err
    return out.decode("latin-1")


def monitor_capture(url, tmp_path, secs=3):
    """`espburn monitor` resets the board and records its whole boot."""
    log = tmp_path / "monitor.log"
    p = subprocess.run([espburn_bin(), "monitor", "-p", url, "--duration", str(secs), "--log", str(log)],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert p.returncode in (0, 1), p.stderr
    return log.read_bytes().decode("latin-1")


def flashed_board(sim, seed, espburn, extra_args=()):
    b = sim(transport="rfc2217", extra_args=("--trace", *extra_args))
    r = espburn("flash", "-p", b.url, seed)
    assert r.rc == 0, r
    return b


def test_flashed_seed_runs_main_py_from_flash_after_reset(sim, seed, espburn, tmp_path):
    b = flashed_board(sim, seed, espburn)
    fs = pathlib.Path(str(b.flash_file) + ".fs")
    # `espburn flash` ends with a hard reset: the app stage is the LoBo MicroPython
    r = espburn("reset", "-p", b.url)
    assert r.rc == 0, r
    r = espburn("exec", "-p", b.url, "import os; print(os.getcwd()); print(os.listdir('/'))")
    assert r.rc == 0, r
    cwd, root = r.out.splitlines()[:2]
    assert cwd == "/flash" and "flash" in root, r.out
    r = espburn("about", "-p", b.url)
    assert r.rc == 0 and "ESP32_LoBo_v3.2.24" in r.out, r
    # the firmware's filesystem partition (internalfs, 1 MB in the flashed table) is the size
    r = espburn("exec", "-p", b.url, "import os; s = os.statvfs('/flash'); print(s[0] * s[2])")
    assert r.rc == 0 and r.out.strip() == str(1024 * 1024), r

    marker = "app-from-flash-" + secrets.token_hex(4)
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    (app / "lib" / "greet.py").write_text(f"def hello():\n    print({marker!r})\n")
    (app / "main.py").write_text("import sys\nsys.path.append('/flash/lib')\nimport greet\ngreet.hello()\n")
    r = espburn("sync", str(app), ":", "-p", b.url)
    assert r.rc == 0, r
    assert "2 added" in r.out, r.out
    assert (fs / "main.py").read_bytes() == (app / "main.py").read_bytes()
    assert (fs / "lib" / "greet.py").is_file()

    # a reset: the interpreter is stopped, the ROM boots the flash again, main.py runs
    first = board_processes(fs)
    assert len(first) == 1, first
    r = espburn("reset", "-p", b.url)
    assert r.rc == 0, r
    assert wait_for(lambda: board_processes(fs) and board_processes(fs) != first), "no new interpreter"
    assert wait_for(lambda: first[0] not in board_processes(fs)), "the old interpreter still runs"
    out = repl_capture(b.url)
    assert marker in out, out
    assert out.index("[espburn sim] app stage") < out.index(marker), out

    # the whole boot through espburn monitor: ROM, second stage, app stage, main.py, prompt
    out = monitor_capture(b.url, tmp_path)
    for line in ("rst:0x1 (POWERON_RESET)", "I (894) boot: Disabling RNG early entropy source...",
                 "[espburn sim] app stage", marker, "MicroPython ESP32_LoBo_v3.2.24", ">>> "):
        assert line in out, (line, out)
    assert out.index("Loaded app from partition at offset 0x10000") < out.index(marker) < out.rindex(">>> ")

    # the REPL answers keys typed into it, and Ctrl-D soft-reboots into main.py again
    out = repl_capture(b.url, b"\r\nprint(6 * 7)\r\n\x04")
    assert "42" in out and "ESP32: soft reboot" in out and out.count(marker) >= 1, out

    # download mode after MicroPython ran: flashing works again, files survive
    r = espburn("flash", "-p", b.url, seed, "--no-skip")
    assert r.rc == 0, r
    assert "written and verified" in r.out + r.err, r
    r = espburn("exec", "-p", b.url, "print(open('main.py').read())")
    assert r.rc == 0 and "import greet" in r.out, r
    log = (b.log_file).read_text()
    assert "reset: MicroPython stopped, the ROM has the UART again" in log
    assert b.stop() == 0
    assert board_processes(fs) == [], "the interpreter outlived the board"


def test_a_reset_is_seen_on_time_while_micropython_winds_down(sim, seed, espburn, tmp_path, monkeypatch):
    """Stopping the app stage's interpreter does not hold up the board: with a stand-in board
    program that takes 400 ms to exit on SIGTERM, a classic reset (EN low 100 ms, IO0 low 50 ms
    after EN rises) still puts the board in download mode at the first attempt. (A board that
    waited for the child saw EN rise and IO0 released in one go, booted the app again, and the
    client fell back to the slow reset: 0.6 s more per connect.)"""
    flashed = flashed_board(sim, seed, espburn)
    assert flashed.stop() == 0
    slow = tmp_path / "slow_stop.mjs"
    slow.write_text("process.on('SIGTERM', () => setTimeout(() => process.exit(0), 400));\n"
                    "setInterval(() => {}, 1000);\n")
    monkeypatch.setenv("ESPBURN_MPY_BOARD", str(slow))
    b = sim(transport="rfc2217", extra_args=("--realtime", "--trace"), flash_file=flashed.flash_file)
    for attempt in range(2):  # the second connect finds the app started by the first one's hard reset
        r = espburn("chip", "-p", b.url, "--explain")
        assert r.rc == 0, r
        resets = [ln for ln in (r.out + r.err).splitlines() if ln.startswith("explain: reset")]
        assert resets == ["explain: reset              classic"], (attempt, resets)
    assert "app stage: MicroPython" in b.log_file.read_text()


def test_fs_folder_given_and_boot_py_runs_first(sim, seed, espburn, tmp_path):
    fs = tmp_path / "files"
    fs.mkdir()
    marker = secrets.token_hex(6)
    (fs / "boot.py").write_text(f"print('boot-{marker}')\n")
    (fs / "main.py").write_text(f"print('main-{marker}')\n")
    b = flashed_board(sim, seed, espburn, ("--fs", fs))
    out = monitor_capture(b.url, tmp_path)
    assert f"boot-{marker}" in out and f"main-{marker}" in out, out
    assert out.index(f"boot-{marker}") < out.index(f"main-{marker}")
    assert not pathlib.Path(str(b.flash_file) + ".fs").exists()
    r = espburn("put", str(fs / "main.py"), ":copy.py", "-p", b.url)
    assert r.rc == 0, r
    assert (fs / "copy.py").read_bytes() == (fs / "main.py").read_bytes()


def test_wrong_layout_does_not_start_micropython(sim, seed, espburn, tmp_path):
    """The app at 0x1000 (the seed's own mistake) never reaches the app stage: no interpreter."""
    b = sim(transport="rfc2217")
    r = espburn("flash", "-p", b.url, f"{seed / 'MicroPython.bin'}@0x1000", "--force")
    assert r.rc == 0, r
    out = monitor_capture(b.url, tmp_path, secs=1.5)
    assert "[espburn sim] app stage" not in out
    assert board_processes(str(b.flash_file) + ".fs") == []
    assert not os.path.exists(str(b.flash_file) + ".fs")


def official_micropython_app():
    """An ESP32 application carrying an official MicroPython banner (built here from the
    image format, like imgbuild.build_app, with the banner string in its DROM segment)."""
    c = CHIPS["esp32"]
    banner = b"MicroPython v1.22.0 on 2024-01-05; Generic ESP32 module with ESP32".ljust(68, b"\0")
    drom = app_desc(project="micropython", version="v1.22.0") + banner + bytes(0x200)
    segs = [(c["drom"] + 0x20, drom), (c["dram"], bytes(0x100)), (c["iram"], bytes(0x200))]
    off = 24 + sum(8 + len(d) for _, d in segs) + 8
    segs.append((c["irom"] + off % MMU_PAGE, bytes(0x800)))
    return build_image("esp32", segs, sha=True, entry=c["iram"])


def test_official_micropython_gets_files_at_root_and_its_partition_size(sim, seed, espburn, tmp_path):
    table = build_table([("nvs", "data", "nvs", 0x9000, 0x6000), ("phy_init", "data", "phy", 0xF000, 0x1000),
                         ("factory", "app", "factory", 0x10000, 0x1F0000),
                         ("vfs", "data", "fat", 0x200000, 0x200000)])
    (tmp_path / "table.bin").write_bytes(table)
    (tmp_path / "app.bin").write_bytes(official_micropython_app())
    b = sim(transport="rfc2217")
    r = espburn("flash", "-p", b.url, f"{seed / 'bootloader' / 'bootloader.bin'}@0x1000",
                f"{tmp_path / 'table.bin'}@0x8000", f"{tmp_path / 'app.bin'}@0x10000")
    assert r.rc == 0, r
    r = espburn("exec", "-p", b.url, "import os; print(os.getcwd()); s = os.statvfs('/'); print(s[0] * s[2])")
    assert r.rc == 0, r
    assert r.out.split() == ["/", str(0x200000)], r.out
