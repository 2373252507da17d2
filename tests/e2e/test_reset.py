"""The reset sequences (src/port/reset.c) as a person meets them, on the virtual board
over rfc2217:// (its DTR/RTS drive the board's auto-reset circuit):

- `espburn reset` boots the firmware (the hard-reset row);
- a MicroPython command opens the port without resetting the board (the release row):
  what one command defined is still there for the next;
- the monitor, in a real terminal (a pty of 80x24), resets the board to its firmware at
  start and on Ctrl-T R, and into download mode on Ctrl-T P.
"""
import fcntl
import json
import os
import select
import struct
import subprocess
import termios
import time

from conftest import espburn_bin, run
from test_monitor import BANNER, seed_bundle_flash


def test_reset_boots_the_firmware_and_sessions_leave_it_running(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path), extra_args=("--trace",))
    r = run("reset", "-p", s.url, "--json", timeout=60)
    assert r.rc == 0, r
    assert json.loads(r.out)["method"] == "rts"
    r = run("exec", "-p", s.url, "x = 41", timeout=120)   # waits for MicroPython to come up
    assert r.rc == 0, r
    r = run("exec", "-p", s.url, "print(x + 1)", timeout=60)
    assert r.rc == 0 and r.out.strip() == "42", r        # opening the port did not reset the board
    s.stop()
    resets = [line for line in s.stderr.splitlines() if "reset (" in line]
    assert len(resets) == 2, s.stderr                     # power-on (plugged in), then `espburn reset`
    assert all("boot from flash" in line for line in resets), s.stderr


def test_monitor_resets_on_a_terminal(sim, seed, tmp_path):
    s = sim(transport="rfc2217", flash_file=seed_bundle_flash(seed, tmp_path))
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    mon = subprocess.Popen([espburn_bin(), "monitor", "-p", s.url, "--duration", "20"], stdin=slave,
                           stdout=slave, stderr=slave, close_fds=True)
    shown = b""

    def read_until(text, seconds):
        nonlocal shown
        end = time.time() + seconds
        while text not in shown and time.time() < end:
            if select.select([master], [], [], 0.05)[0]:
                shown += os.read(master, 65536)
        return text in shown

    try:
        assert read_until(b"reset: EN pulsed through RTS", 10), shown   # at start
        assert read_until(BANNER.encode(), 10), shown
        start = len(shown)
        os.write(master, b"\x14r")                                       # Ctrl-T R
        assert read_until(b"app stage", 20), shown
        after_r = shown[start:]
        assert b"reset: EN pulsed through RTS" in after_r and BANNER.encode() in after_r
        start = len(shown)
        os.write(master, b"\x14p")                                       # Ctrl-T P
        assert read_until(b"waiting for download", 10), shown
        after_p = shown[start:]
        assert b"reset into download mode" in after_p and b"DOWNLOAD" in after_p
        os.write(master, b"\x1d")                                        # Ctrl-] leaves
        assert mon.wait(timeout=10) == 0
    finally:
        if mon.poll() is None:
            mon.kill()
        os.close(master)
        os.close(slave)
