"""espburn in a real pseudo-terminal of a set size, as a person runs it:
its output is read as it comes, keys (Ctrl-C included, which the terminal
turns into SIGINT) are typed into it."""
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


class Term:
    def __init__(self, *args, columns=80, rows=24, cwd=None):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

        def controlling_tty():  # the pty becomes the child's terminal: Ctrl-C is SIGINT
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen([espburn_bin(), *map(str, args)], stdin=slave, stdout=slave, stderr=slave,
                                     close_fds=True, cwd=cwd, preexec_fn=controlling_tty)
        os.close(slave)
        self.out = ""
        self.mark = 0  # expect() searches from here

    def _read(self, wait):
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the pty
            return False
        self.out += chunk.decode("utf-8", "replace")
        return bool(chunk)

    def expect(self, pattern, timeout=30):
        """Wait for the regex after the previous match; returns the match."""
        deadline = time.time() + timeout
        while True:
            m = re.compile(pattern).search(self.out, self.mark)
            if m:
                self.mark = m.end()
                return m
            if time.time() > deadline or (not self._read(0.1) and self.proc.poll() is not None):
                raise AssertionError(f"no {pattern!r} within {timeout} s in:\n{self.out[self.mark:]}")

    def type(self, data):
        os.write(self.master, data)

    def finish(self, timeout=30):
        """Read until the program exits; its exit code."""
        deadline = time.time() + timeout
        while self.proc.poll() is None and time.time() < deadline:
            self._read(0.1)
        while self._read(0.05):
            pass
        rc = self.proc.wait(timeout=5)
        os.close(self.master)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
