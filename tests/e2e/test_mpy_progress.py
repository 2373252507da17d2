"""Progress of folder copies (put -r, cp -r, sync, get -r) in a real terminal of
80 columns, against the virtual board's MicroPython paced at 115200 baud: a
bar with the percentage, rate and ETA, never as wide as the terminal, ending
at 100 %, cleared before the summary line; sync's action lines are not mixed
into the bar; no bar when stderr is not a terminal (board.run captures it)."""
import random

import pytest

from test_flash_terminal import run_in_terminal, screen, COLUMNS
from test_mpy import board_factory  # noqa: F401 (fixture)


@pytest.fixture(params=["official", "lobo"])
def slow_board(request, board_factory):  # noqa: F811
    return board_factory(request.param, baud=115200)


def project(root, files=12, size=2500):
    rnd = random.Random(7)
    for i in range(files):
        p = root / ("lib" if i % 2 else "") / f"m{i}.py"
        p.parent.mkdir(parents=True, exist_ok=True)
        # varied text, so that deflate does not make it instant
        p.write_text("".join(f"V{j} = {rnd.randrange(10**9)}  # {rnd.random()}\n" for j in range(size // 40)))


def frames(raw, what):
    return [f.replace("\x1b[K", "") for f in raw.split("\r") if what in f and "KB/s" in f]


def check_bar(raw, what, midway=False):
    fs = frames(raw, what)
    assert fs, raw
    assert not midway or any(" 0%" not in f and "100%" not in f for f in fs), fs  # seen on the way
    assert all("%" in f and "ETA" in f for f in fs), fs
    assert any("100%" in f for f in fs), fs
    assert all(len(f.rstrip("\n")) < COLUMNS for f in fs), [len(f) for f in fs]
    last = screen(raw)
    assert not any("KB/s" in line for line in last), last  # the bar is cleared at the end


def test_put_r_cp_r_sync_and_get_r_draw_a_bar(slow_board, tmp_path):
    src = tmp_path / "proj"
    project(src)
    rc, raw = run_in_terminal(["put", "-r", src, ":p1", "-p", slow_board.port])
    assert rc == 0, raw
    check_bar(raw, "put -r", midway=True)
    assert any(line.startswith(f"put {src} -> :") for line in screen(raw)), screen(raw)
    rc, raw = run_in_terminal(["cp", "-r", src, ":p2", "-p", slow_board.port])
    assert rc == 0, raw
    check_bar(raw, "put -r")
    for p in sorted(src.rglob("*.py"))[:6]:
        p.write_text(p.read_text().replace("V1 ", "W1 "))
    rc, raw = run_in_terminal(["sync", src, ":p1", "-p", slow_board.port])
    assert rc == 0, raw
    check_bar(raw, "sync")
    shown = screen(raw)
    assert sum(line.startswith("updated") for line in shown) == 6, shown  # each on a line of its own
    rc, raw = run_in_terminal(["get", "-r", ":p2", tmp_path / "back", "-p", slow_board.port])
    assert rc == 0, raw
    check_bar(raw, "get -r", midway=True)
    assert sorted(p.read_text() for p in (tmp_path / "back").rglob("*.py")) != []
    r = slow_board.run("put", "-r", src, ":p3")  # stderr not a terminal: no bar, no escape codes
    assert r.rc == 0 and r.err == "" and "\x1b" not in r.out, r
