"""Progress where it takes time (src/cli/cli_progress.c): a bar with bytes,
rate and ETA on stderr when stderr is a terminal, never wider than it;
nothing on stderr when it is a file (no escape codes there, even when stdout
is a terminal); with --json --progress, JSON lines on stdout before the
result."""
import fcntl
import json
import os
import pty
import struct
import subprocess
import termios

from conftest import espburn_bin
from test_json_schema import validator
from test_flash_terminal import run_in_terminal, COLUMNS

KEEP = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]


def test_read_draws_a_bar_in_a_terminal_of_80_columns(sim, tmp_path):
    board = sim()
    rc, raw = run_in_terminal(["read", "-p", board.url, "0", "0x40000", tmp_path / "out.bin"])
    assert rc == 0, raw
    frames = [f.replace("\x1b[K", "") for f in raw.split("\r") if "KB/s" in f]
    assert frames, raw
    assert all("read" in f and "%" in f and "ETA" in f for f in frames), frames
    assert any("100%" in f for f in frames), frames
    assert all(len(f.rstrip("\n")) < COLUMNS for f in frames), [len(f) for f in frames]


def run_stdout_on_pty(args, err_file):
    """stdout on a pty (so cli_is_tty() holds), stderr into err_file."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    with open(err_file, "w") as err:
        proc = subprocess.Popen([espburn_bin(), *map(str, args)], stdin=subprocess.DEVNULL, stdout=slave,
                                stderr=err, close_fds=True)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        rc = proc.wait(timeout=300)
    os.close(master)
    return rc, out.decode("utf-8", "replace")


def test_flash_and_read_put_no_escape_codes_into_a_file(sim, seed, tmp_path):
    board = sim()
    for args in (["flash", seed, "-p", board.url, *KEEP],
                 ["read", "-p", board.url, "0", "0x40000", tmp_path / "out.bin"]):
        err = tmp_path / "err.txt"
        rc, out = run_stdout_on_pty(args, err)
        text = err.read_text()
        assert rc == 0, out + text
        assert "\x1b" not in text and "\r" not in text, repr(text)


def test_read_json_progress_streams_json_lines(sim, tmp_path):
    board = sim()
    r = subprocess.run([espburn_bin(), "read", "-p", board.url, "0", "0x40000", str(tmp_path / "o.bin"), "--json",
                        "--progress"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    steps, result = docs[:-1], docs[-1]
    for d in steps:
        validator("progress").validate(d)
    validator("read").validate(result)
    assert steps and all(d["progress"] == "read" and d["total"] == 0x40000 for d in steps), docs
    assert steps[-1]["done"] == 0x40000 and "bytes_per_second" in steps[-1]
    assert [d["done"] for d in steps] == sorted(d["done"] for d in steps)
    assert "progress" not in result and result["size"] == 0x40000
    r = subprocess.run([espburn_bin(), "read", "-p", board.url, "0", "0x1000", str(tmp_path / "o2.bin"), "--json"],
                       capture_output=True, text=True, timeout=300)
    assert len(r.stdout.splitlines()) == 1, r.stdout   # without --progress: one document
