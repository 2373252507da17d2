"""Progress on verify and erase (the helper of src/cli/cli_progress.c): the
library compares and erases 256 KB at a time, so the bar moves; drawn on a
terminal of 80 columns, never as wide; nothing in a file; JSON lines with
--json --progress."""
import json
import subprocess

from conftest import espburn_bin
from test_json_schema import validator
from test_flash_terminal import run_in_terminal, COLUMNS
from test_progress import run_stdout_on_pty

KEEP = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]


def bar_frames(raw, what):
    frames = [f.replace("\x1b[K", "") for f in raw.split("\r") if "KB/s" in f]
    assert frames, raw
    assert all(f.lstrip().startswith(what) and "%" in f and "ETA" in f for f in frames), frames
    assert any("100%" in f for f in frames), frames
    assert all(len(f.rstrip("\n")) < COLUMNS for f in frames), [len(f) for f in frames]
    return frames


def test_verify_and_erase_draw_a_bar_in_a_terminal_of_80_columns(sim, seed):
    board = sim(transport="rfc2217", extra_args=["--realtime"])
    assert subprocess.run([espburn_bin(), "flash", seed, "-p", board.url, *KEEP], capture_output=True,
                          timeout=300).returncode == 0
    rc, raw = run_in_terminal(["verify", seed, "-p", board.url, *KEEP])
    assert rc == 0 and "every region matches" in raw, raw
    bar_frames(raw, "verify")
    rc, raw = run_in_terminal(["erase", "-p", board.url, "0x200000", "0x100000"])
    assert rc == 0 and "erased" in raw, raw
    frames = bar_frames(raw, "erase")
    assert len(frames) >= 2, frames  # 8 steps (4 erased, 4 checked) of 256 KB: it moves


def test_verify_and_erase_put_no_escape_codes_into_a_file(sim, seed, tmp_path):
    board = sim()
    for args in (["verify", seed / "partitions_mpy.bin@0x8000", "-p", board.url],
                 ["erase", "-p", board.url, "0x200000", "0x80000"]):
        err = tmp_path / "err.txt"
        rc, out = run_stdout_on_pty(args, err)
        text = err.read_text()
        assert rc in (0, 1), out + text
        assert "\x1b" not in text and "\r" not in text, repr(text)


def test_erase_json_progress_streams_json_lines(sim):
    board = sim()
    r = subprocess.run([espburn_bin(), "erase", "-p", board.url, "0x200000", "0x80000", "--json", "--progress"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    steps, result = docs[:-1], docs[-1]
    for d in steps:
        validator("progress").validate(d)
    validator("erase").validate(result)
    assert len(steps) >= 2 and all(d["progress"] == "erase" and d["total"] == 2 * 0x80000 for d in steps), docs
    assert steps[-1]["done"] == 2 * 0x80000
    assert [d["done"] for d in steps] == sorted(d["done"] for d in steps)
    assert result["size"] == 0x80000


def test_verify_json_progress_lines_match_their_schema(sim, seed):
    board = sim()
    r = subprocess.run([espburn_bin(), "verify", "-p", board.url, "0x8000", str(seed / "partitions_mpy.bin"),
                        "0x10000", str(seed / "MicroPython.bin"), "--json", "--progress"],
                       capture_output=True, text=True, timeout=300)
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    steps, result = docs[:-1], docs[-1]
    assert r.returncode == 1 and steps, r   # blank flash: both regions differ
    for d in steps:
        validator("progress").validate(d)
        assert d["command"] == "verify" and d["done"] <= d["total"], d
    validator("verify").validate(result)
    assert "2 regions of the plan differ" in result["error"]["message"], result
