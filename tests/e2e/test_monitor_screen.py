"""`espburn monitor` as a person sees it (issue 18): run in a real pty of 120x40 on the
virtual board, its output fed to a terminal emulator (pyte), and the screen read after 5 s.
The story's mistake (MicroPython.bin flashed at 0x1000 with --force) must leave the cause,
naming the file, and the fix on the two bottom rows however fast the board loops; no inline
finding may be wider than the terminal; Ctrl-T E prints the full explanation; identical
boots are folded; a resize moves the status rows; a brown-out loop and a clean boot say
what they are."""
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time

import pyte
import pytest

from conftest import espburn_bin
from test_monitor import seed_bundle_flash

COLS, ROWS = 120, 40
ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[78])")


class Terminal:
    """espburn monitor in a pty of a set size, its output fed to a pyte screen."""

    def __init__(self, args, cols=COLS, rows=ROWS):
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.master, slave = os.openpty()
        self.resize(cols, rows, slave)
        self.proc = subprocess.Popen([espburn_bin(), "monitor", *map(str, args)], stdin=slave, stdout=slave,
                                     stderr=slave, close_fds=True)
        os.close(slave)

    def resize(self, cols, rows, fd=None):
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.screen.resize(rows, cols)
        if fd is None:
            self.proc.send_signal(signal.SIGWINCH)

    def read_for(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                self.raw += chunk
                self.stream.feed(chunk)

    def keys(self, data, then=1.0):
        os.write(self.master, data)
        self.read_for(then)

    def rows(self):
        return [line.rstrip() for line in self.screen.display]

    def leave(self):
        self.keys(b"\x1d", then=0.5)
        rc = self.proc.wait(timeout=10)
        self.read_for(0.2)
        os.close(self.master)
        return rc

    def text(self):
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))


def inline_findings(term):
    return [ln.rstrip("\r") for ln in term.text().split("\n") if ln.startswith("espburn ")]


def story_board(espburn, sim, seed, tmp_path):
    app = tmp_path / "MicroPython.bin"
    shutil.copy(seed / "MicroPython.bin", app)
    s = sim(transport="rfc2217")
    r = espburn("flash", f"{app}@0x1000", "-p", s.url, "--force", timeout=300)
    assert r.rc == 0, r
    return s


def test_story_loop_keeps_cause_and_fix_on_the_bottom_rows(espburn, sim, seed, tmp_path):
    s = story_board(espburn, sim, seed, tmp_path)
    term = Terminal(["-p", s.url])
    term.read_for(5)
    rows = term.rows()
    cause, fix = rows[-2], rows[-1]
    assert "cause: application at the bootloader offset (MicroPython.bin)" in cause, rows[-4:]
    assert "looping \u00d7" in cause and "115200 baud" in cause, cause
    assert "fix: espburn flash 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 MicroPython.bin" in fix, fix
    assert term.screen.buffer[ROWS - 1][2].reverse                  # drawn as a status row
    found = inline_findings(term)
    assert any(ln.startswith("espburn FAIL app-at-bootloader-offset: MicroPython.bin at 0x1000 is an application")
               for ln in found), found
    assert all(len(ln) < COLS for ln in found), max(found, key=len)  # one row each, nothing wraps
    loop = [ln for ln in found if ln.startswith("espburn FAIL boot loop \u00d7")]
    assert loop, found
    assert "cause: application at the bootloader offset (MicroPython.bin)" in loop[-1]
    assert re.search(r"every 0\.[345] s", loop[-1]), loop[-1]
    assert re.search(r"\u2026 \d+ more identical boots?", "\n".join(rows)), rows  # the repeats folded
    before = len(term.raw)
    term.keys(b"\x14e")                                              # Ctrl-T E: the whole explanation
    explained = ANSI.sub("", term.raw[before:].decode("utf-8", "replace"))
    for part in ("FAIL app-at-bootloader-offset", "What happened: the ROM is loading an APPLICATION",
                 "Why:", "What to do:", "Your files: The image at 0x1000 is MicroPython.bin"):
        assert part in explained, explained
    assert term.leave() == 1
    assert "fix: espburn flash" not in "\n".join(term.rows())        # the status rows are gone


def test_resize_moves_the_status_rows(espburn, sim, seed, tmp_path):
    s = story_board(espburn, sim, seed, tmp_path)
    term = Terminal(["-p", s.url])
    term.read_for(2)
    term.resize(100, 30)
    term.read_for(1.5)
    rows = term.rows()
    assert len(rows) == 30
    assert "cause: application at the bootloader offset" in rows[-2], rows[-3:]
    assert rows[-1].lstrip().startswith("fix: espburn flash 0x1000"), rows[-3:]
    assert term.leave() == 1


def test_narrow_terminal_cuts_lines_to_fit(espburn, sim, seed, tmp_path):
    s = story_board(espburn, sim, seed, tmp_path)
    term = Terminal(["-p", s.url], cols=70, rows=20)
    term.read_for(4)
    found = inline_findings(term)
    assert len(found) >= 3 and all(len(ln) < 70 for ln in found), max(found, key=len)
    assert any(ln.endswith("\u2026 \u00b7 Ctrl-T E") for ln in found), found    # cut, the hint kept
    rows = term.rows()
    assert rows[-2].startswith(" FAIL looping") and rows[-2].rstrip().endswith("\u2026"), rows[-2:]
    assert term.leave() == 1


def test_raw_and_no_status(espburn, sim, seed, tmp_path):
    s = story_board(espburn, sim, seed, tmp_path)
    term = Terminal(["-p", s.url, "--raw", "--no-status", "--duration", "3"])
    term.read_for(4)
    assert term.proc.wait(timeout=10) == 1
    text = term.text()
    assert "more identical boot" not in text
    assert text.count("load:0x3f400020,len:462120") >= 5              # every boot shown
    assert not re.search(rb"\x1b\[1;\d+r", term.raw)                  # no scroll region set


def test_brownout_loop(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path),
            extra_args=["--fault", "brownout-at-boot"])
    term = Terminal(["-p", s.url])
    term.read_for(5)
    rows = term.rows()
    assert "cause: brown-out (supply voltage too low)" in rows[-2], rows[-3:]
    assert "fix: a short good USB cable" in rows[-1], rows[-3:]
    found = inline_findings(term)
    assert any(ln.startswith("espburn FAIL brownout: brown-out") for ln in found), found
    assert all(len(ln) < COLS for ln in found), max(found, key=len)
    assert term.leave() == 1


def test_clean_boot(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path))
    term = Terminal(["-p", s.url])
    term.read_for(5)
    rows = term.rows()
    assert rows[-2].lstrip().startswith("running app \u00b7 115200 baud \u00b7 no problem seen"), rows[-3:]
    assert "Ctrl-] leaves" in rows[-1]
    assert not [ln for ln in inline_findings(term) if " FAIL " in ln]
    term.keys(b"\x14p", then=2)                                     # Ctrl-T P: into download mode
    rows = term.rows()
    assert rows[-2].lstrip().startswith("WARN download mode \u00b7 115200 baud \u00b7 cause: started in download"), \
        rows[-3:]
    assert "Ctrl-T R" in rows[-1]
    assert term.leave() == 0
