"""eval, edit, soft-reset, and chains of commands over one connection
(`espburn -p PORT exec 'x=1' + run app.py + repl`), against the virtual
board's real MicroPython."""
import os
import stat

from conftest import run
from ptyterm import Term
from test_mpy import board, board_factory  # noqa: F401  (fixtures)


def test_eval_prints_the_value(board):
    r = board.run("eval", "6*7")
    assert r.rc == 0 and r.out.strip() == "42", r
    r = board.run("eval", "[n*n for n in range(4)]")
    assert r.rc == 0 and r.out.strip() == "[0, 1, 4, 9]", r
    r = board.run("eval", "1/0")
    assert r.rc == 1 and "ZeroDivisionError" in r.err, r


def test_chain_shares_one_session(board, tmp_path):
    app = tmp_path / "app.py"
    app.write_text("print('app sees', x)\n")
    r = run("-p", board.port, "exec", "x = 41", "+", "exec", "x += 1", "+", "run", app, "+", "eval", "x * 2")
    assert r.rc == 0, r
    assert r.out.split("\n")[:2] == ["app sees 42", "84"], r.out
    # the same variable does not survive two separate connections' soft reset
    r = run("-p", board.port, "soft-reset", "+", "eval", "'x' in globals()")
    assert r.rc == 0 and r.out.strip().endswith("False"), r


def test_chain_stops_at_the_first_failure(board, tmp_path):
    r = run("-p", board.port, "exec", "1/0", "+", "exec", "open('ran', 'w').close()")
    assert r.rc == 1 and "ZeroDivisionError" in r.err, r
    assert not (board.fs / "ran").exists()
    r = run("-p", board.port, "exec", "x=1", "+", "+", "eval", "x")
    assert r.rc == 2 and "missing around '+'" in r.err, r
    r = run("-p", board.port, "exec", "x=1", "+", "nosuch")
    assert r.rc == 2 and "unknown command 'nosuch'" in r.err, r


def test_chain_mixes_file_commands_and_ends_in_a_repl(board, tmp_path):
    src = tmp_path / "m.py"
    src.write_text("V = 7\n")
    t = Term("-p", board.port, "put", src, ":m.py", "+", "exec", "import m", "+", "repl", columns=80, rows=24)
    try:
        t.expect(r"Ctrl-\] leaves")
        t.type(b"\r")
        t.expect(r">>> ")
        t.type(b"print(m.V * 6)\r")
        t.expect(r"42")
        t.type(b"\x1d")
        assert t.finish() == 0
    finally:
        t.kill()
    assert (board.fs / "m.py").read_text() == "V = 7\n"


def editor(tmp_path, script):
    p = tmp_path / "editor.sh"
    p.write_text("#!/bin/sh\n" + script)
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return str(p)


def test_edit_puts_back_a_changed_file(board, tmp_path):
    assert board.run("exec", "f=open('cfg.py','w'); f.write('DEBUG = False\\n'); f.close()").rc == 0
    env = dict(os.environ, EDITOR=editor(tmp_path, "sed -i 's/False/True/' \"$1\"\n"), VISUAL="")
    r = board.run("edit", ":cfg.py", env=env)
    assert r.rc == 0 and "saved" in r.out, r
    assert (board.fs / "cfg.py").read_text() == "DEBUG = True\n"
    env["EDITOR"] = editor(tmp_path, "true\n")
    r = board.run("edit", ":cfg.py", env=env)
    assert r.rc == 0 and "unchanged, not written" in r.out, r
    env["EDITOR"] = editor(tmp_path, "echo broken >> \"$1\"; exit 3\n")
    r = board.run("edit", ":cfg.py", env=env)
    assert r.rc == 1 and "the board file is unchanged" in r.err, r
    assert (board.fs / "cfg.py").read_text() == "DEBUG = True\n"
    r = board.run("edit", ":missing.py", env=env)
    assert r.rc == 1 and "no such file" in r.err, r
