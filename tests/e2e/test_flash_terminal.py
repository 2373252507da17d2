"""`espburn flash` as a person sees it in a terminal of 80 columns: the
progress line is redrawn in place and never wider than the terminal (a wider
one would wrap, and each redraw would leave a line behind), and what stays
on the screen at the end is the esptool line, one line per region and the
summary."""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

from conftest import espburn_bin

COLUMNS, ROWS = 80, 24


def run_in_terminal(args, timeout=300):
    """Run espburn with stdout and stderr on a pty of COLUMNS x ROWS; the raw bytes it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    proc = subprocess.Popen([espburn_bin(), *map(str, args)], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, close_fds=True)
    os.close(slave)
    out, deadline = b"", time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=30), out.decode("utf-8", "replace")


def screen(raw):
    """What the terminal shows after `raw` (CR, LF, erase-to-end-of-line, autowrap at COLUMNS),
    as logical lines: a row the terminal wrapped onto is joined to the row before it."""
    rows, wrapped, row, col, i = [""], [False], 0, 0, 0

    def new_row(by_wrap):
        nonlocal row
        row += 1
        if row == len(rows):
            rows.append("")
            wrapped.append(by_wrap)

    while i < len(raw):
        c = raw[i]
        if raw.startswith("\x1b[K", i):
            rows[row] = rows[row][:col]
            i += 3
            continue
        if c == "\r":
            col = 0
        elif c == "\n":
            new_row(False)
            col = 0
        else:
            if col == COLUMNS:
                new_row(True)
                col = 0
            line = rows[row].ljust(col)
            rows[row] = line[:col] + c + line[col + 1:]
            col += 1
        i += 1
    lines = []
    for text, cont in zip(rows, wrapped):
        if cont and lines:
            lines[-1] += text
        else:
            lines.append(text)
    return [ln.rstrip() for ln in lines if ln.strip()]


def test_flash_progress_fits_an_80_column_terminal(sim, seed):
    board = sim("m5stack-fire", "rfc2217", extra_args=["--realtime"])
    rc, raw = run_in_terminal(["flash", seed, "-p", board.url, "-b", "921600"])
    assert rc == 0, raw
    bar = re.compile(r"\[[# ]{20}\] +\d+%")
    frames = [f for f in raw.replace("\n", "\r").split("\r") if bar.search(f)]
    assert frames, raw  # the progress line was drawn
    widths = [len(f.replace("\x1b[K", "")) for f in frames]
    assert max(widths) < COLUMNS, max(frames, key=len)
    assert any("MicroPython.bin" in f and "KB/s" in f for f in frames), frames[-3:]
    shown = screen(raw)
    assert shown[0].startswith("esptool equivalent: esptool --chip esp32")
    written = [ln for ln in shown if ln.endswith(": written and verified")]
    assert [ln.split()[0] for ln in written] == ["0x001000", "0x008000", "0x00F000", "0x010000"], shown
    assert "on the wire" in shown[-1], shown
    assert not any(bar.search(ln) for ln in shown), shown  # no progress left behind
