"""`espburn watch` in an 80x24 pseudo-terminal against the virtual board's
MicroPython (paced at 115200 baud): the first sync, an edit in the folder
reaching the board and its new output on the screen, only the changed file
sent, --run, --delete, the polling fallback, and Ctrl-C ending it."""
import json
import signal
import subprocess
import threading
import time

import pytest

from conftest import espburn_bin
from ptyterm import Term
from test_json_schema import validator
from test_mpy import board_factory  # noqa: F401 (fixture)


@pytest.fixture
def app(tmp_path):
    d = tmp_path / "app"
    d.mkdir()
    (d / "main.py").write_text("import helper\nprint('hello', helper.N)\n")
    (d / "helper.py").write_text("N = 1\n")
    (d / ".DS_Store").write_text("junk")
    return d


@pytest.fixture
def slow_board(board_factory):  # noqa: F811
    return board_factory("official", baud=115200)


def edit(path, text):
    time.sleep(0.05)  # a later modification time than the first sync's
    path.write_text(text)


def test_watch_sends_an_edit_and_shows_the_new_output(slow_board, app):
    t = Term("watch", app, "-v", "--exclude", ".DS_Store", "-p", slow_board.port)
    try:
        t.expect(r"in sync \(2 files written\)")
        t.expect(r"hello 1")
        edit(app / "helper.py", "N = 2\n" + "# padding\n" * 200)  # a 2 KB module
        sent = t.expect(r"sent :(\S+) \((\d+) bytes\)")
        assert sent.group(1) == "/helper.py" and int(sent.group(2)) == (app / "helper.py").stat().st_size
        latency = t.expect(r"save to output in (\d+) ms")  # said as the first new output arrives
        assert int(latency.group(1)) > 0
        t.expect(r"hello 2")
        assert "sent :/main.py" not in t.out  # only the changed file went
        assert (slow_board.fs / "helper.py").read_text() == (app / "helper.py").read_text()
        assert not (slow_board.fs / ".DS_Store").exists()
        t.type(b"\x03")  # Ctrl-C in the terminal
        assert t.finish() == 0
        assert "watch: stopped" in t.out
    finally:
        t.kill()
    r = slow_board.run("exec", "print(1+1)")  # the board is usable after
    assert r.rc == 0 and r.out.strip() == "2", r


def test_watch_run_script_new_folder_and_delete(board_factory, app):  # noqa: F811
    board = board_factory("official")
    (app / "main.py").unlink()
    (app / "run.py").write_text("import helper\nprint('run', helper.N)\n")
    t = Term("watch", app, ":/proj", "--run", app / "run.py", "--delete", "-p", board.port)
    try:
        t.expect(r"run 1")
        t.expect(r"run\.py ended; waiting for changes")
        (app / "lib").mkdir()
        edit(app / "lib" / "extra.py", "X = 5\n")
        edit(app / "run.py", "import lib.extra\nprint('run', lib.extra.X)\n")
        t.expect(r"run 5")
        assert (board.fs / "proj" / "lib" / "extra.py").read_text() == "X = 5\n"
        (app / "helper.py").unlink()
        t.expect(r"removed :/proj/helper\.py")
        edit(app / "run.py", "1/0\n")
        t.expect(r"ZeroDivisionError")
        t.expect(r"run\.py failed")
        t.type(b"\x03")
        assert t.finish() == 0
    finally:
        t.kill()
    assert not (board.fs / "proj" / "helper.py").exists()


def test_watch_polling_fallback_says_so(board_factory, app):  # noqa: F811
    board = board_factory("official")
    t = Term("watch", app, "--poll", "-p", board.port)
    try:
        t.expect(r"polling \S+ every 250 ms instead")
        t.expect(r"hello 1")
        edit(app / "helper.py", "N = 3\n")
        t.expect(r"hello 3")
        t.type(b"\x03")
        assert t.finish() == 0
    finally:
        t.kill()


def test_watch_refuses_a_missing_folder(board_factory, tmp_path):  # noqa: F811
    board = board_factory("official")
    r = board.run("watch", tmp_path / "nope")
    assert r.rc == 3 and "cannot read the folder" in r.err, r


def test_watch_json_streams_one_line_per_event(board_factory, app):  # noqa: F811
    """--json: nothing but JSON lines on stdout (the program's output too, as
    "output" lines), each valid for the watch schema; after Ctrl-C a last
    "stopped" line with ok."""
    board = board_factory("official")
    p = subprocess.Popen([espburn_bin(), "watch", app, "--exclude", ".DS_Store", "-p", board.port, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines, seen = [], threading.Event()

    def reader():
        for line in p.stdout:
            lines.append(json.loads(line))
            if any(d["type"] == "output" and "hello 2" in d["data"] for d in lines):
                seen.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 60
        while not any(d["type"] == "output" and "hello 1" in d["data"] for d in lines):
            assert time.monotonic() < deadline and p.poll() is None, (lines, p.stderr.read() if p.poll() else "")
            time.sleep(0.05)
        edit(app / "helper.py", "N = 2\n")
        assert seen.wait(60), lines
        p.send_signal(signal.SIGINT)
        rc = p.wait(30)
        t.join(10)
        assert rc == 0, (lines[-3:], p.stderr.read(), board.stderr())
    finally:
        p.kill()
    v = validator("watch")
    for d in lines:
        v.validate(d)
        assert d["ok"] is True and d["command"] == "watch", d
    types = [d["type"] for d in lines]
    assert types[0] == "synced" and lines[0]["files"] == 2, lines
    sent = [d for d in lines if d["type"] == "sent"]
    assert [d["path"] for d in sent] == ["/helper.py"] and sent[0]["size"] == 6, sent
    assert types[-1] == "stopped" and "error" not in lines[-1], lines
    assert [d["t"] for d in lines] == sorted(d["t"] for d in lines)
