"""Shared fixtures for end-to-end tests of the built espburn binary.

ESPBURN_BIN names the binary (scripts/test.sh points it at the ASan build);
the default is build/espburn. The real firmware lives in ../shared/firmware.
"""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("ESPBURN_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "firmware" / "m5stack-lobo-esp32-psram-all-bt"


def espburn_bin():
    return os.environ.get("ESPBURN_BIN", str(ROOT / "build" / "espburn"))


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(*args, input=None, timeout=60, cwd=None, env=None):
    """Run espburn with args; returns a Result (rc, out, err as text)."""
    proc = subprocess.run([espburn_bin(), *map(str, args)], input=input, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)
    return Result(proc)


@pytest.fixture(autouse=True)
def own_state_folder(tmp_path, monkeypatch):
    """Each test gets its own ESPBURN_STATE (where flash remembers what it wrote to
    each port for monitor), so no test reads another's, nor the user's."""
    monkeypatch.setenv("ESPBURN_STATE", str(tmp_path / "state"))


@pytest.fixture
def espburn():
    return run


@pytest.fixture
def seed():
    """The real LoBo MicroPython bundle from ../shared (never edited)."""
    if not SEED.is_dir():
        pytest.fail(f"seed firmware missing: {SEED} (../shared must sit beside the repo)")
    return SEED


class SimBoard:
    """A running `espburn sim` (see the `sim` fixture): .url, .flash_file, .proc, .stop();
    its stderr (--trace) is in .log_file, and in .stderr after stop()."""

    def __init__(self, board, transport, extra_args, flash_file):
        import re
        import time
        self.board = board
        self.flash_file = pathlib.Path(flash_file)
        opt = {"tcp": ["--tcp", "0"], "rfc2217": ["--rfc2217", "0"],
               "pty": ["--pty", str(self.flash_file) + ".pty"]}[transport]
        # stderr goes to a file (a pipe nobody drains would stall --trace)
        self.log_file = pathlib.Path(str(self.flash_file) + ".log")
        self._log = open(self.log_file, "w")
        self.proc = subprocess.Popen([espburn_bin(), "sim", "--board", board, "--flash-file",
                                      str(self.flash_file), *opt, *map(str, extra_args)],
                                     stdout=subprocess.PIPE, stderr=self._log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"connect with -p (\S+)", line)
        if not m:
            self.proc.kill()
            out, _ = self.proc.communicate(timeout=10)
            self._log.close()
            raise RuntimeError(f"espburn sim did not start: {line!r} {out!r} {self.log_file.read_text()!r}")
        self.url = m.group(1)
        if transport == "pty":  # the link exists once the line is printed
            deadline = time.time() + 5
            while not pathlib.Path(self.url).exists() and time.time() < deadline:
                time.sleep(0.01)

    def stop(self):
        """SIGTERM, wait; returns the exit code (the flash file is then complete)."""
        if getattr(self, "stderr", None) is not None:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        self.proc.stdout.close()
        self.stderr = self.log_file.read_text()
        return self.proc.returncode


@pytest.fixture
def sim(tmp_path):
    """Factory: sim(board="m5stack-fire", transport="tcp", extra_args=()) starts a
    virtual board with a fresh --flash-file in tmp_path; all are stopped at teardown."""
    boards = []

    def start(board="m5stack-fire", transport="tcp", extra_args=(), flash_file=None):
        ff = flash_file or tmp_path / f"flash-{len(boards)}.bin"
        b = SimBoard(board, transport, extra_args, ff)
        boards.append(b)
        return b

    yield start
    for b in boards:
        b.stop()
