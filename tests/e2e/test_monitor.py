"""espburn monitor: a serial terminal that resets the board and explains its boot (issue 5).

Two kinds of board:
- the virtual board (`espburn sim`, over rfc2217:// so DTR/RTS reset works), for what
  the board itself does: resets, download mode, the boot of what its flash holds;
- a scripted board: a TCP server that plays back a REAL boot log posted by a user
  (tests/data/bootlogs, each cited in its README) at a real period, so the live
  analysis is checked against output the virtual board did not write.
"""
import json
import pathlib
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import ROOT, espburn_bin
from test_explain import build_riscv_elf

LOGS = ROOT / "tests" / "data" / "bootlogs"
SEED_LOG = LOGS / "seed-m5stack-fire-app-at-0x1000.log"
FLASH_SIZE = 16 << 20
BANNER = "ets Jun  8 2016 00:22:57"


class ScriptedBoard:
    """A TCP board: `script(conn)` talks to one client; what the client sends is kept."""

    def __init__(self, script):
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.url = f"socket://127.0.0.1:{self.srv.getsockname()[1]}"
        self.received = b""
        self.sent = b""
        self.script = script
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            conn, _ = self.srv.accept()
        except OSError:
            return
        threading.Thread(target=self.receive, args=(conn,), daemon=True).start()
        try:
            self.script(self, conn)
        except OSError:
            pass

    def receive(self, conn):
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                self.received += data
        except OSError:
            pass

    def send(self, conn, data):
        conn.sendall(data)
        self.sent += data

    def close(self):
        self.srv.close()


def looping(log, period, times=1000):
    """The board restarts every `period` seconds and prints `log` each time."""
    data = log.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def script(board, conn):
        for _ in range(times):
            board.send(conn, data)
            time.sleep(period)
    return script


@pytest.fixture
def board():
    boards = []

    def start(script):
        b = ScriptedBoard(script)
        boards.append(b)
        return b
    yield start
    for b in boards:
        b.close()


def monitor(*args, stdin=b"", timeout=30):
    """Run espburn monitor; stdin is what the user types (bytes)."""
    t0 = time.time()
    p = subprocess.run([espburn_bin(), "monitor", *map(str, args)], input=stdin, capture_output=True,
                       timeout=timeout)
    p.elapsed = time.time() - t0
    p.text = p.stdout.decode("latin-1")
    p.err = p.stderr.decode("latin-1")
    assert "Sanitizer" not in p.err and "runtime error:" not in p.err, p.err   # rc 1 alone would hide them
    return p


def json_lines(p):
    # split on "\n" only: str.splitlines() would also split at U+0085, a byte 0x85 of the output
    return [json.loads(line) for line in p.stdout.decode().split("\n") if line]


def findings(lines):
    return {o["finding"]["code"]: o["finding"] for o in lines if o["type"] == "finding"}


def flash_image(parts):
    """A flash file's bytes: erased (0xFF), with each (offset, file) written in."""
    img = bytearray(b"\xff" * FLASH_SIZE)
    for off, path in parts:
        data = pathlib.Path(path).read_bytes()
        img[off:off + len(data)] = data
    return bytes(img)


# ---- command line ---------------------------------------------------------------------------


def test_help_and_usage_errors(tmp_path):
    p = monitor("--help")
    assert p.returncode == 0 and "Ctrl-]" in p.text and "Ctrl-T" in p.text and "--until-finding" in p.text
    env_free = subprocess.run([espburn_bin(), "monitor"], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin"})
    assert env_free.returncode == 2 and "-p PORT" in env_free.stderr
    for bad in (["--duration", "0"], ["--duration", "x"], ["-b", "auto"], ["--plan"], ["--bogus"],
                ["--chip", "esp99"], ["--elf"]):
        p = monitor("-p", "socket://127.0.0.1:1", *bad)
        assert p.returncode == 2, (bad, p.err)
    notelf = tmp_path / "x.elf"
    notelf.write_bytes(b"not an elf at all")
    assert monitor("-p", "socket://127.0.0.1:1", "--elf", notelf).returncode == 2


def test_port_that_does_not_answer_is_an_io_error():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    srv.close()                                   # nothing listens there now
    p = monitor("-p", f"socket://127.0.0.1:{port}", "--duration", "1")
    assert p.returncode == 3 and "espburn:" in p.err and "\n" == p.err[-1]
    assert p.err.count("\n") == 1


# ---- the live analysis, on a real log played back --------------------------------------------


def test_seed_loop_explained_live(board):
    b = board(looping(SEED_LOG, 0.4))
    p = monitor("-p", b.url, "--duration", "2.5")
    assert p.returncode == 1, p.err
    out = p.stdout.decode().replace("\r\n", "\n")
    assert out.count("load:0x3f400020,len:462120") >= 3           # the board's output is shown...
    assert re.search(r"^\u2026 \d+ more identical boots?$", out, re.M), out  # ...repeats after the third folded
    diag = [line for line in out.splitlines() if "app-at-bootloader-offset" in line]
    assert diag == ["espburn FAIL app-at-bootloader-offset: the image at 0x1000 is an application \u2014 "
                    "write it at 0x10000 \u00b7 Ctrl-T E explains"]  # once, short
    loop = [line for line in out.splitlines() if line.startswith("espburn FAIL boot loop \u00d7")]
    assert loop and "every 0.4 s" in loop[-1]                      # the period, from arrival times
    assert loop[-1].endswith("\u2014 cause: application at the bootloader offset \u00b7 Ctrl-T E explains")
    assert "has no modem lines" in p.err                           # socket://: attached, not reset
    # the summary: the loop's final count, and the reset that restarts it
    summary = p.err[p.err.index("boots seen"):]
    assert "boot-loop (x" in summary and "RTCWDT_RTC_RESET" in summary
    count = int(summary.split("boot-loop (x")[1].split(")")[0])
    assert 5 <= count <= 8, summary


def test_raw_shows_every_boot(board):
    b = board(looping(SEED_LOG, 0.4))
    p = monitor("-p", b.url, "--duration", "2.5", "--raw")
    assert p.returncode == 1, p.err
    assert p.text.count("load:0x3f400020,len:462120") >= 5 and "identical boot" not in p.text


def test_plan_names_the_file(board, seed):
    b = board(looping(SEED_LOG, 0.4))
    mon = subprocess.Popen([espburn_bin(), "monitor", "-p", b.url, "--duration", "2", "--plan",
                            seed / "MicroPython.bin@0x1000"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    time.sleep(1)
    out, _ = mon.communicate(b"\x14e", timeout=20)  # Ctrl-T E, once the finding is there: the whole text
    assert mon.returncode == 1
    out = out.decode()
    diag = next(line for line in out.splitlines() if "app-at-bootloader-offset:" in line)
    assert "MicroPython.bin at 0x1000 is an application" in diag
    block = out[out.index("FAIL app-at-bootloader-offset (line"):]
    assert "What happened: the ROM is loading an APPLICATION as the second-stage bootloader" in block
    assert "0x3f400020 (DROM, 462,120 bytes)" in block and "RTC watchdog" in block
    assert "Your files: The image at 0x1000 is MicroPython.bin, an application" in block
    assert "Write it at 0x10000 instead" in block


def test_until_finding_stops_at_the_first_failure(board):
    b = board(looping(SEED_LOG, 0.4))
    p = monitor("-p", b.url, "--duration", "20", "--until-finding")
    assert p.returncode == 1
    assert p.elapsed < 5
    assert "app-at-bootloader-offset" in p.text


def test_json_lines(board):
    b = board(looping(SEED_LOG, 0.4, times=3))
    p = monitor("-p", b.url, "--duration", "1.5", "--json")
    assert p.returncode == 1
    lines = json_lines(p)
    assert lines[0]["type"] == "start" and lines[0]["port"] == b.url and lines[0]["baud"] == 115200
    assert lines[-1]["type"] == "summary" and lines[-1]["failed"] is True and lines[-1]["exit"] == 1
    shown = b"".join(o["data"].encode("latin-1") for o in lines if o["type"] == "output")
    assert shown == b.sent                                        # every byte, in order
    found = findings(lines)
    assert found["app-at-bootloader-offset"]["level"] == "fail"
    assert "0x1000" in found["app-at-bootloader-offset"]["fix"]
    assert found["app-at-bootloader-offset"]["short"]["cause"] == "application at the bootloader offset"
    assert found["app-at-bootloader-offset"]["short"]["fix"].startswith("espburn flash 0x1000 bootloader.bin")
    assert lines[-1]["boots"] == 4                                # each copy ends with the next banner
    times = [o["t"] for o in lines]
    assert times == sorted(times)


def test_log_file_tees_raw_output(board, tmp_path):
    b = board(looping(SEED_LOG, 0.3, times=2))
    log = tmp_path / "boot.log"
    p = monitor("-p", b.url, "--duration", "1", "--log", log)
    assert p.returncode == 1
    assert log.read_bytes() == b.sent
    assert f"espburn explain {log} gives each finding in full" in p.err
    # and the saved log explains the same way offline
    r = subprocess.run([espburn_bin(), "explain", log, "--json"], capture_output=True, text=True)
    assert "app-at-bootloader-offset" in r.stdout


def test_garbage_from_the_board(board):
    import random
    rng = random.Random(5)
    noise = bytes(rng.randrange(256) for _ in range(200_000)) + b"\x1b[" + b"9" * 5000 + b"x" * 70_000

    def script(board_, conn):
        board_.send(conn, noise)
        time.sleep(3)
    b = board(script)
    p = monitor("-p", b.url, "--duration", "1.5", "--json")
    assert p.returncode in (0, 1)
    lines = json_lines(p)
    shown = "".join(o["data"] for o in lines if o["type"] == "output")
    assert shown.encode("latin-1", errors="replace") == noise.replace(b"\x00", b"?")
    assert lines[-1]["type"] == "summary"
    b2 = board(script)
    assert monitor("-p", b2.url, "--duration", "1").returncode in (0, 1)


def test_healthy_boot_exits_zero(board):
    log = LOGS / "esp32-ble2mqtt-95-clean-app-start.log"
    b = board(looping(log, 0.2, times=1))
    p = monitor("-p", b.url, "--duration", "1", "--json")
    assert p.returncode == 0, p.stdout
    summary = json_lines(p)[-1]
    assert summary["stage"] == "app" and summary["failed"] is False
    assert "healthy" in {f["code"] for f in summary["findings"]}


def test_backtrace_named_with_elf(board, tmp_path):
    elf, syms = build_riscv_elf(tmp_path)
    pc1, pc2 = syms["crash_here"] + 4, syms["app_main"] + 6
    crash = tmp_path / "crash.log"
    crash.write_text("Guru Meditation Error: Core  0 panic'ed (Store access fault). Exception was unhandled.\n"
                     f"Backtrace: 0x{pc1:08x}:0x3fc9a000 0x{pc2:08x}:0x3fc9a010\n\n")
    b = board(looping(crash, 0.2, times=1))
    p = monitor("-p", b.url, "--duration", "1", "--elf", elf)
    assert p.returncode == 1
    assert f"crash_here+0x4 (0x{pc1:08x}) <- app_main+0x6 (0x{pc2:08x})" in p.text


def test_ctrl_c_without_a_terminal_stops_with_a_summary(board):
    import signal
    b = board(looping(SEED_LOG, 0.3))
    mon = subprocess.Popen([espburn_bin(), "monitor", "-p", b.url], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    mon.send_signal(signal.SIGINT)
    out, err = mon.communicate(timeout=10)
    assert mon.returncode == 1                     # the failure it saw, not a signal death
    assert b"app-at-bootloader-offset" in out and b"boot-loop (x" in err


# ---- keys ----------------------------------------------------------------------------------


def quiet(board_, conn):
    time.sleep(5)


def test_keys_pass_through_and_exit_key(board):
    b = board(quiet)
    # Ctrl-T Ctrl-T sends one Ctrl-T; Ctrl-] leaves (and is not sent)
    p = monitor("-p", b.url, "--duration", "10", stdin=b"print(1)\r\x14\x14x\x1dafter")
    assert p.returncode == 0
    assert p.elapsed < 5
    time.sleep(0.2)
    assert b.received == b"print(1)\r\x14x"


def test_a_long_paste_arrives_whole(board):
    b = board(quiet)
    paste = bytes(range(32, 127)) * 100                       # 9,500 keys, more than one read
    p = monitor("-p", b.url, "--duration", "10", stdin=paste + b"\x1d")
    assert p.returncode == 0
    deadline = time.time() + 3
    while len(b.received) < len(paste) and time.time() < deadline:
        time.sleep(0.05)
    assert b.received == paste


def test_ctrl_t_menu(board):
    b = board(looping(SEED_LOG, 0.3, times=2))
    p = monitor("-p", b.url, "--duration", "1", stdin=b"\x14h\x14t\x14r\x14q")
    assert "Ctrl-T then: R reset" in p.err                     # H: the keys
    assert "timestamps on" in p.err                             # T
    assert "has no modem lines: espburn cannot reset" in p.err  # R on a port without lines
    assert "does nothing" in p.err                              # an unknown menu key
    assert b.received == b""                                    # none of it went to the board
    stamped = [line for line in p.text.splitlines() if line.startswith("[") and "] rst:0x10" in line]
    assert stamped                                              # board lines are stamped


def test_on_a_terminal_keys_are_raw_and_the_terminal_comes_back(board):
    import os
    import select
    import termios
    b = board(quiet)
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    mon = subprocess.Popen([espburn_bin(), "monitor", "-p", b.url, "--duration", "10"], stdin=slave,
                           stdout=slave, stderr=slave, close_fds=True)
    shown = b""

    def read_for(seconds):
        nonlocal shown
        end = time.time() + seconds
        while time.time() < end:
            if select.select([master], [], [], 0.05)[0]:
                shown += os.read(master, 4096)
    read_for(0.5)
    for key in b"ab\x03":                     # one at a time, no Enter: raw; Ctrl-C is a key, not a signal
        os.write(master, bytes([key]))
        read_for(0.1)
    os.write(master, b"\x1d")
    read_for(0.5)
    assert mon.wait(timeout=5) == 0
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    assert b.received == b"ab\x03"
    assert b"Ctrl-] leaves" in shown
    assert after == before                    # the terminal is given back as it was


def test_ctrl_t_x_leaves(board):
    b = board(quiet)
    p = monitor("-p", b.url, "--duration", "10", stdin=b"ab\x14xcd")
    assert p.returncode == 0 and p.elapsed < 5
    time.sleep(0.2)
    assert b.received == b"ab"


# ---- the virtual board ---------------------------------------------------------------------


def test_start_resets_the_board(sim):
    s = sim(transport="rfc2217", extra_args=("--trace",))
    p = monitor("-p", s.url, "--duration", "1.5", "--json")
    lines = json_lines(p)
    events = [o["event"] for o in lines if o["type"] == "event"]
    assert "reset" in events
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    assert BANNER in out and "rst:0x1 (POWERON_RESET)" in out
    s.stop()
    assert "reset" in s.stderr.lower()


def seed_bundle_flash(seed, tmp_path):
    ff = tmp_path / "fire.bin"
    ff.write_bytes(flash_image([(0x1000, seed / "bootloader" / "bootloader.bin"),
                                (0x8000, seed / "partitions_mpy.bin"), (0xF000, seed / "phy_init_data.bin"),
                                (0x10000, seed / "MicroPython.bin")]))
    return ff


def test_no_reset_attaches_quietly(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path))
    p = monitor("-p", s.url, "--duration", "1", "--no-reset", "--json")
    lines = json_lines(p)
    assert not [o["event"] for o in lines if o["type"] == "event" and "reset" in o["event"]]
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    assert out.count(BANNER) == 1             # only the power-on boot (the cable was plugged in)
    assert "rst:0x1 (POWERON_RESET)" in out


def test_ctrl_t_r_and_p_reset_the_virtual_board(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path))
    first = monitor("-p", s.url, "--duration", "1.5", "--no-reset")  # plugged in: it boots once, then is quiet
    assert first.text.count(BANNER) == 1
    p = monitor("-p", s.url, "--duration", "2", "--no-reset", stdin=b"\x14r")
    assert "reset: EN pulsed through RTS" in p.err
    assert p.text.count(BANNER) == 1 and "rst:0x1 (POWERON_RESET)" in p.text, p.text
    assert "[espburn sim] app stage" in p.text
    p = monitor("-p", s.url, "--duration", "2", "--no-reset", "--json", stdin=b"\x14p")
    lines = json_lines(p)
    assert "download-reset" in [o.get("event") for o in lines]
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    assert "waiting for download" in out and "DOWNLOAD" in out
    assert "download-mode" in findings(lines)
    assert p.returncode == 0                  # download mode is no failure


def test_ctrl_t_p_on_a_usb_serial_jtag_board(sim):
    s = sim(board="m5stack-cores3", transport="rfc2217")       # erased: it loops until reset into download
    p = monitor("-p", s.url, "--duration", "2", "--no-reset", "--json", stdin=b"\x14p")
    lines = json_lines(p)
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    assert "ESP-ROM:esp32s3" in out and "waiting for download" in out, out
    assert "download-mode" in findings(lines)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("transport", ["tcp", "pty"])
def test_reconnects_when_the_port_comes_back(tmp_path, transport):
    port = free_port()
    where = ["--tcp", str(port)] if transport == "tcp" else ["--pty", str(tmp_path / "board")]
    url = f"socket://127.0.0.1:{port}" if transport == "tcp" else str(tmp_path / "board")

    def start():                              # a board on a fixed port that goes away and comes back
        return subprocess.Popen([espburn_bin(), "sim", "--flash-file", str(tmp_path / "f.bin"), *where],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    b = start()
    b.stdout.readline()
    mon = subprocess.Popen([espburn_bin(), "monitor", "-p", url, "--duration", "4",
                            "--json"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1)
    b.terminate()
    b.wait()
    time.sleep(0.7)
    b = start()
    b.stdout.readline()
    out, err = mon.communicate(timeout=20)
    b.terminate()
    b.wait()
    assert b"Sanitizer" not in err and b"runtime error:" not in err, err
    lines = [json.loads(line) for line in out.decode().split("\n") if line]
    events = [o["event"] for o in lines if o["type"] == "event"]
    assert "port-lost" in events and "reconnected" in events, events
    assert events.index("port-lost") < events.index("reconnected")
    after = lines[[o.get("event") for o in lines].index("reconnected"):]
    assert BANNER in "".join(o["data"] for o in after if o["type"] == "output")
    assert mon.returncode == 0


# ---- the virtual board boots what its flash holds (issue 5) ------------------------------------


def test_seed_app_at_0x1000_on_the_virtual_board(sim, seed, tmp_path):
    ff = tmp_path / "fire.bin"
    ff.write_bytes(flash_image([(0x1000, seed / "MicroPython.bin")]))
    s = sim(transport="rfc2217", flash_file=ff)
    p = monitor("-p", s.url, "--duration", "2.5", "--json", "--plan", seed / "MicroPython.bin@0x1000")
    lines = json_lines(p)
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    # the board's own output: the real lines of the seed's loop
    assert "rst:0x10 (RTCWDT_RTC_RESET),boot:0x" in out and "(SPI_FAST_FLASH_BOOT)" in out
    assert "load:0x3f400020,len:462120" in out
    found = findings(lines)
    assert "APPLICATION as the second-stage bootloader" in found["app-at-bootloader-offset"]["what"]
    assert "MicroPython.bin, an application" in found["app-at-bootloader-offset"]["plan"]
    loop = lines[-1]
    assert loop["boots"] >= 4 and p.returncode == 1
    period = next(f for f in loop["findings"] if f["code"] == "boot-loop")["what"]
    assert "about every 0.3 s" in period or "about every 0.4 s" in period or "about every 0.5 s" in period


def test_what_flash_wrote_names_the_files_without_plan(espburn, sim, seed, tmp_path):
    """The seed mistake made with espburn itself (--force), then monitor on the same
    port: the finding names the file flash wrote, with no --plan."""
    app = tmp_path / "MicroPython.bin"
    shutil.copy(seed / "MicroPython.bin", app)
    s = sim(transport="rfc2217")
    r = espburn("flash", f"{app}@0x1000", "-p", s.url, "--force", timeout=300)
    assert r.rc == 0, r
    lines = json_lines(monitor("-p", s.url, "--duration", "2", "--json"))
    said = [o["text"] for o in lines if o["type"] == "event" and o["event"] == "plan"]
    assert said and "files espburn flash wrote to this port" in said[0]
    assert "MicroPython.bin, an application" in findings(lines)["app-at-bootloader-offset"]["plan"]
    app.unlink()    # the files are gone: said, and the diagnosis goes on without them
    lines = json_lines(monitor("-p", s.url, "--duration", "2", "--json"))
    said = [o["text"] for o in lines if o["type"] == "event" and o["event"] == "plan"]
    assert said and "cannot be read any more" in said[0]
    assert not findings(lines)["app-at-bootloader-offset"].get("plan")


def test_seed_bundle_boots_cleanly_on_the_virtual_board(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path))
    p = monitor("-p", s.url, "--duration", "2.5", "--json")
    lines = json_lines(p)
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    assert "boot: ESP-IDF" in out and "2nd stage bootloader" in out
    assert "esp_image: segment 0: paddr=" in out
    summary = lines[-1]
    assert summary["stage"] == "app" and summary["failed"] is False and p.returncode == 0
    assert "healthy" in findings(lines)
    assert "[espburn sim] app stage" in out                   # the virtual board speaking, marked
    reached = [o for o in lines if o.get("event") == "app-reached"]
    assert len(reached) == 1 and "no failure so far" in reached[0]["text"]
    assert "ESP-IDF v3.1" in reached[0]["text"]


# ---- every failure of the catalogue, flashed onto the virtual board --------------------------
# Each case: a wrong layout (or a fault), lines the real chip prints for it (issue 5, from
# ESP-IDF / ROM sources and users' logs), the finding espburn must report, and a word of its fix.

def seed_parts(seed, **replace):
    parts = {0x1000: (seed / "bootloader" / "bootloader.bin").read_bytes(),
             0x8000: (seed / "partitions_mpy.bin").read_bytes(),
             0xF000: (seed / "phy_init_data.bin").read_bytes(),
             0x10000: (seed / "MicroPython.bin").read_bytes()}
    for off, data in replace.items():
        off = int(off[1:], 16)
        if data is None:
            parts.pop(off)
        else:
            parts[off] = data
    return parts


def flipped(data, at):
    out = bytearray(data)
    out[at] ^= 0x55
    return bytes(out)


def catalogue_cases(seed):
    from imgbuild import CHIPS, build_bootloader, build_table
    boot = (seed / "bootloader" / "bootloader.bin").read_bytes()
    table = (seed / "partitions_mpy.bin").read_bytes()
    data_only = build_table([("nvs", "data", "nvs", 0x9000, 0x6000), ("phy_init", "data", "phy", 0xF000, 0x1000)])
    small_app = build_table([("nvs", "data", "nvs", 0x9000, 0x6000), ("phy_init", "data", "phy", 0xF000, 0x1000),
                             ("factory", "app", "factory", 0x10000, 0x100000)])
    past_4mb = build_table([("nvs", "data", "nvs", 0x9000, 0x6000), ("phy_init", "data", "phy", 0xF000, 0x1000),
                            ("factory", "app", "factory", 0x10000, 0x300000),
                            ("vfs", "data", "fat", 0x310000, 0x200000)])
    return {
        "erased": ("m5stack-fire", {}, (), ["flash read err, 1000", "ets_main.c 371"], "no-bootloader", "0x1000"),
        "bootloader-csum": ("m5stack-fire", seed_parts(seed, x1000=flipped(boot, 24 + 8 + 16)), (),
                            ["csum err"], "bootloader-checksum", "bootloader"),
        "app-missing": ("m5stack-fire", seed_parts(seed, x10000=None), (),
                        ["image at 0x10000 has invalid magic byte"], "app-missing", "0x10000"),
        "no-app-partition": ("m5stack-fire", seed_parts(seed, x8000=data_only), (),
                             ["No bootable app partitions in the partition table"], "no-bootable-app", "app"),
        "table-md5": ("m5stack-fire", seed_parts(seed, x8000=flipped(table, 14)), (),
                      ["Failed to verify partition table"], "table-", "0x8000"),
        "table-exceeds-flash": ("m5stack-atom", seed_parts(seed, x8000=past_4mb), (),
                                ["exceeds flash chip size"], "table-exceeds-flash", "flash"),
        "app-too-big": ("m5stack-fire", seed_parts(seed, x8000=small_app), (),
                        ["doesn't fit in partition length"], "app-too-big", "partition"),
        "brownout": ("m5stack-fire", seed_parts(seed), ("--fault", "brownout-at-boot"),
                     ["Brownout detector was triggered"], "brownout", "power"),
        "psram-missing": ("m5stack-fire", seed_parts(seed), ("--fault", "psram-missing"),
                          # the seed's IDF 3.1 build holds these texts (not "PSRAM ID read error")
                          ["SPI RAM enabled but initialization failed"], "psram-missing", "PSRAM"),
        "s3-erased": ("m5stack-cores3", {}, (), ["invalid header: 0xffffffff"], "no-bootloader", "0x0"),
        "wrong-chip": ("m5stack-fire", {0x1000: build_bootloader("esp32s3")}, (),
                       [f"load:0x{CHIPS['esp32s3']['dram']:08x},len:"], "bootloader-wrong-chip", "ESP32"),
    }


CASES = ["erased", "bootloader-csum", "app-missing", "no-app-partition", "table-md5", "table-exceeds-flash",
         "app-too-big", "brownout", "psram-missing", "s3-erased", "wrong-chip"]


@pytest.mark.parametrize("case", CASES)
def test_catalogue_failure_on_the_virtual_board(sim, seed, tmp_path, case):
    board_name, parts, faults, real_lines, code, fix_word = catalogue_cases(seed)[case]
    size = 4 << 20 if board_name == "m5stack-atom" else FLASH_SIZE
    img = bytearray(b"\xff" * size)
    for off, data in parts.items():
        img[off:off + len(data)] = data
    ff = tmp_path / "flash.bin"
    ff.write_bytes(bytes(img))
    s = sim(board=board_name, transport="rfc2217", flash_file=ff, extra_args=faults)
    p = monitor("-p", s.url, "--duration", "2.5", "--json")
    lines = json_lines(p)
    out = "".join(o["data"] for o in lines if o["type"] == "output")
    for real in real_lines:
        assert real in out, out
    found = [f for c, f in findings(lines).items() if c.startswith(code)]
    assert found, [o["finding"]["code"] for o in lines if o["type"] == "finding"]
    assert found[0]["level"] == "fail" and fix_word.lower() in (found[0]["fix"] + found[0]["why"]).lower()
    assert p.returncode == 1
