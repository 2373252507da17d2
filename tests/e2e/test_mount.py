"""`espburn mount DIR` against the virtual board's MicroPython paced at
115200 baud: a 20 KB module imported from the host folder, a 1,000-line log
written by the board arriving whole (and atomically: nothing before close),
folders and renames, paths that try to leave the folder refused, Ctrl-C in a
real terminal unmounting cleanly, a soft reset, and a module changed on the
host read again on the next run. Each test runs against both personalities
of the virtual board (official MicroPython at /, LoBo at /flash)."""
import re

import pytest

from ptyterm import Term
from test_mpy import board_factory  # noqa: F401 (fixture)


@pytest.fixture(params=["official", "lobo"])
def slow_board(request, board_factory):  # noqa: F811
    return board_factory(request.param, baud=115200)


@pytest.fixture(params=["official", "lobo"])
def board(request, board_factory):  # noqa: F811
    return board_factory(request.param)


def home(board):
    """The working folder the board starts in (and gets back after mount)."""
    return "/flash" if board.fs.name.startswith("fs-lobo") else "/"


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "host"
    d.mkdir()
    (d / "big.py").write_text("V = 42\n" + "".join(f"# line {i} {'x' * 40}\n" for i in range(400)) +
                              "def f():\n    return V\n")
    assert (d / "big.py").stat().st_size > 20 * 1024
    (d / "pkg").mkdir()
    (d / "pkg" / "__init__.py").write_text("NAME = 'pkg'\n")
    return d


def test_import_of_a_20kb_module(slow_board, folder):
    r = slow_board.run("mount", folder, "--exec", "import big, pkg; print(big.f(), pkg.NAME)")
    assert r.rc == 0, r
    assert r.out.strip() == "42 pkg"
    m = re.search(r"mount: (\d+) requests, (\d+) bytes read and 0 written", r.err)
    assert m and int(m.group(2)) >= (folder / "big.py").stat().st_size, r
    r = slow_board.run("exec", "import os, sys; print(os.getcwd(), '/remote' in sys.path, 'remote' in os.listdir('/'))")
    assert r.out.split() == [home(slow_board), "False", "False"], r  # unmounted, path and folder restored


def test_a_1000_line_log_arrives_intact(slow_board, folder):
    code = ("f = open('log.txt', 'w')\n"
            "for i in range(1000):\n"
            "    f.write('line %d of the log\\n' % i)\n"
            "import os\n"
            "print('before close', 'log.txt' in os.listdir())\n"
            "f.close()\n"
            "os.mkdir('out')\n"
            "os.rename('log.txt', 'out/log.txt')\n"
            "with open('out/log.txt') as g:\n"
            "    print('read back', len(g.readlines()))\n")
    r = slow_board.run("mount", folder, "--exec", code)
    assert r.rc == 0, r
    assert "before close False" in r.out  # written to a temporary file until closed
    assert "read back 1000" in r.out
    lines = (folder / "out" / "log.txt").read_text().splitlines()
    assert lines == [f"line {i} of the log" for i in range(1000)]
    assert (folder / "out" / "log.txt").stat().st_mode & 0o777 == 0o644  # not the temporary file's 0600
    assert [p.name for p in folder.iterdir() if "espburn" in p.name] == []


def test_paths_cannot_leave_the_folder(board, folder, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    (folder / "out").symlink_to(tmp_path)
    code = ("for p in ('../secret.txt', 'out/secret.txt', '/remote/../../secret.txt', 'pkg/../../secret.txt'):\n"
            "    try:\n"
            "        print(open(p).read())\n"
            "    except OSError as e:\n"
            "        print('refused', e.errno)\n"
            "try:\n"
            "    open('out/new.txt', 'w').close()\n"
            "except OSError as e:\n"
            "    print('refused', e.errno)\n")
    r = board.run("mount", folder, "--exec", code)
    assert r.rc == 0, r
    assert "secret" not in r.out.replace("secret.txt", "")
    assert r.out.split().count("refused") == 5, r
    assert not (tmp_path / "new.txt").exists()


def test_errors_are_micropython_errno_values(board, folder):
    code = ("import errno, os\n"
            "try:\n    open('missing.py')\nexcept OSError as e:\n    print(e.errno == errno.ENOENT)\n"
            "try:\n    os.mkdir('pkg')\nexcept OSError as e:\n    print(e.errno == errno.EEXIST)\n")
    r = board.run("mount", folder, "--exec", code)
    assert r.rc == 0 and r.out.split() == ["True", "True"], r


def test_ctrl_c_in_a_terminal_unmounts(slow_board, folder):
    t = Term("mount", folder, "--exec", "import time\nfor i in range(600):\n    print('tick', i)\n    time.sleep(0.1)\n",
             "-p", slow_board.port)
    try:
        t.expect(r"tick 3")
        t.type(b"\x03")
        assert t.finish() == 1  # the program ended with KeyboardInterrupt
        assert "KeyboardInterrupt" in t.out and "interrupted, /remote unmounted" in t.out
    finally:
        t.kill()
    r = slow_board.run("exec", "import os; print('remote' in os.listdir('/'), os.getcwd())")
    assert r.rc == 0 and r.out.split() == ["False", home(slow_board)], r


def test_soft_reset_drops_the_mount(board, folder):
    code = "print('resetting')\ntry:\n import machine\n machine.soft_reset()\nexcept ImportError:\n import sys\n sys.exit()\n"
    r = board.run("mount", folder, "--exec", code)
    assert "resetting" in r.out, r
    assert "the board soft-reset; /remote is gone with it" in r.err, r
    r = board.run("exec", "import os; print('remote' in os.listdir('/'))")
    assert r.rc == 0 and r.out.strip() == "False", r


def test_changed_module_is_read_again_and_tracebacks_fail(board, folder):
    (folder / "m.py").write_text("X = 1\n")
    r = board.run("mount", folder, "--exec", "import m; print(m.X)")
    assert r.out.strip() == "1", r
    (folder / "m.py").write_text("X = 2\n")
    r = board.run("mount", folder, "--exec", "import m; print(m.X)")
    assert r.out.strip() == "2", r
    r = board.run("mount", folder, "--exec", "import nothere")
    assert r.rc == 1 and "ImportError" in r.err, r


def test_usage_and_a_local_script(board, folder, tmp_path):
    r = board.run("mount", folder)
    assert r.rc == 2 and "--exec CODE or --run FILE.py" in r.err, r
    r = board.run("mount", tmp_path / "nope", "--exec", "pass")
    assert r.rc == 3 and "not a folder on this computer" in r.err, r
    (tmp_path / "r.py").write_text("import pkg\nprint('run', pkg.NAME)\n")
    r = board.run("mount", folder, "--run", tmp_path / "r.py")  # a local script, importing from the folder
    assert r.rc == 0 and r.out.strip() == "run pkg", r
