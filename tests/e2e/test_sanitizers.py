"""Empty inputs and failure paths under the ASan/UBSan build (issue 15, items
6 and 7): CI runs these with ESPBURN_BIN pointing at build-asan and
ASAN_OPTIONS=detect_leaks=1, where an undefined operation on an empty buffer
(memchr/qsort/fwrite on NULL with length 0) aborts, and a leak on a failure
path is reported and replaces the exit code."""
import os
import pathlib

import pytest

from conftest import espburn_bin, run
from test_mpy import board, board_factory  # noqa: F401  (fixtures)

SANITIZER_REPORTS = ("runtime error:", "LeakSanitizer", "AddressSanitizer")


def sanitized():
    return b"__asan_init" in pathlib.Path(espburn_bin()).read_bytes()


def leak_env():
    return dict(os.environ, ASAN_OPTIONS="detect_leaks=1")


def assert_clean(r, what):
    for report in SANITIZER_REPORTS:
        assert report not in r.err, f"{what}: {r}"


def test_empty_inputs_on_the_host(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    (tmp_path / "one").mkdir()
    (tmp_path / "one/e.txt").write_text("")
    checks = [
        (("table", "show", "empty.csv"), 0),
        (("table", "csv2bin", "empty.csv", "t.bin"), 0),
        (("info", "empty.bin"), 0),
        (("fs", "build", "empty", "-o", "e.img", "--type", "littlefs", "--size", "256KB"), 0),
        (("fs", "ls", "e.img", "-r"), 0),
        (("fs", "build", "one", "-o", "one.img", "--type", "fat", "--size", "256KB"), 0),
        (("fs", "cat", "one.img", ":e.txt"), 0),
    ]
    for args, rc in checks:
        r = run(*args, cwd=tmp_path, env=leak_env())
        assert_clean(r, args)
        assert r.rc == rc, (args, r)
    assert "0 partitions" in run("table", "show", "empty.csv", cwd=tmp_path).out


def test_empty_inputs_on_the_board(board, tmp_path):
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "e.txt").write_text("")
    (board.fs / "empty.txt").write_text("")
    for args in (("sync", tmp_path / "emptydir", ":", "-n"), ("sync", tmp_path / "emptydir", ":"),
                 ("cat", ":empty.txt"), ("cat", ":empty.txt", "--json"), ("put", tmp_path / "e.txt", ":e2.txt"),
                 ("get", ":empty.txt", tmp_path / "got.txt")):
        r = board.run(*args, env=leak_env())
        assert_clean(r, args)
        assert r.rc == 0, (args, r)
    assert (board.fs / "e2.txt").read_bytes() == b"" and (tmp_path / "got.txt").read_bytes() == b""


UNREACHABLE = "socket://127.0.0.1:1"  # nothing listens on port 1: connect is refused at once

# Each command's failure paths: usage errors, missing files, refused plans, an unreachable port.
FAILURES = [
    ("nosuchcommand",), ("info", "--bogus"), ("info", "/nonexistent.bin"), ("plan",), ("plan", "/nonexistent"),
    ("plan", "{app}@0x1000"), ("merge", "{app}@0x1000", "-o", "m.bin"), ("merge", "/nonexistent", "-o", "m.bin"),
    ("merge", "{seed}", "-o", "/nonexistent/dir/m.bin"), ("table",), ("table", "show", "/nonexistent.csv"),
    ("table", "show", "bad.csv"), ("table", "bin2csv", "{app}", "t.csv"), ("sim", "--board", "nope"),
    ("ports", "--bogus"), ("chip", "-p", UNREACHABLE), ("chip", "-p", "socket://127.0.0.1:99999"),
    ("chip", "-p", "/dev/nonexistent-tty"), ("flash",), ("flash", "/nonexistent", "-p", UNREACHABLE),
    ("flash", "{app}@0x1000", "-p", UNREACHABLE), ("flash", "{app}@0x1000", "-p", UNREACHABLE, "--json"),
    ("flash", "{seed}", "-p", UNREACHABLE), ("verify", "{seed}", "-p", UNREACHABLE),
    ("read", "0", "0x1000", "r.bin", "-p", UNREACHABLE), ("read", "zz", "0x1000", "r.bin"),
    ("erase", "-p", UNREACHABLE), ("erase", "--bogus"), ("reset", "-p", UNREACHABLE), ("exec",),
    ("exec", "print(1)", "-p", UNREACHABLE), ("eval", "1", "-p", UNREACHABLE), ("edit", ":x", "-p", UNREACHABLE),
    ("soft-reset", "-p", UNREACHABLE), ("run", "/nonexistent.py", "-p", UNREACHABLE), ("ls", "-p", UNREACHABLE),
    ("cat", ":x", "-p", UNREACHABLE), ("get", ":x", "g", "-p", UNREACHABLE), ("put", "/nonexistent", ":x"),
    ("rm", ":x", "-p", UNREACHABLE), ("mkdir", ":x", "-p", UNREACHABLE), ("rmdir", ":x", "-p", UNREACHABLE),
    ("mv", ":x", ":y", "-p", UNREACHABLE), ("df", "-p", UNREACHABLE), ("sync", "/nonexistent", ":"),
    ("sync", ".", ":", "-p", UNREACHABLE), ("mip", "install", "foo", "-p", UNREACHABLE), ("mip",),
    ("watch", "/nonexistent", "-p", UNREACHABLE), ("about", "-p", UNREACHABLE), ("tree", "-p", UNREACHABLE),
    ("cp", ":a", ":b", "-p", UNREACHABLE), ("modules", "-p", UNREACHABLE), ("fs",),
    ("fs", "build", "/nonexistent", "-o", "f.img", "--type", "fat", "--size", "64KB"), ("fs", "ls", "{app}"),
    ("explain", "/nonexistent.log"), ("monitor", "-p", UNREACHABLE, "--duration", "1"),
]


def test_failure_paths_do_not_leak(tmp_path, seed):
    if not sanitized():
        pytest.skip("needs the ASan build (ESPBURN_BIN=build-asan/espburn), which CI uses")
    (tmp_path / "bad.csv").write_text("nvs, data, nvs, 0x9000, zz\n")
    names = {"app": seed / "MicroPython.bin", "seed": seed}
    leaky = []
    for case in FAILURES:
        args = [a.format(**names) for a in case]
        r = run(*args, cwd=tmp_path, env=leak_env(), timeout=30)
        assert r.rc != 0, (args, r)
        if any(report in r.err for report in SANITIZER_REPORTS):
            leaky.append(" ".join(args))
    print(f"{len(FAILURES)} failure paths run, {len(leaky)} with a sanitizer report")
    assert leaky == []


def test_failure_paths_on_the_board_do_not_leak(board, tmp_path):
    if not sanitized():
        pytest.skip("needs the ASan build (ESPBURN_BIN=build-asan/espburn), which CI uses")
    for args in (("cat", ":missing"), ("get", ":missing", tmp_path / "m"), ("rm", ":missing"), ("rm", "-r", ":"),
                 ("mv", ":missing", ":b"), ("rmdir", ":missing"), ("exec", "1/0"), ("eval", "nope"),
                 ("sync", tmp_path, ":missing.txt"), ("cp", ":missing", ":b")):
        (board.fs / "missing.txt").write_text("a file")
        r = board.run(*args, env=leak_env())
        assert r.rc != 0, (args, r)
        assert_clean(r, args)
