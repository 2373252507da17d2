"""End-to-end tests of the MicroPython commands against the virtual board's
real (WebAssembly) MicroPython: sim/micropython/board.mjs, one per test,
with its files in a temporary folder we can inspect from the host."""
import hashlib
import os
import pathlib
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import ROOT, espburn_bin, run

BOARD = ROOT / "sim" / "micropython" / "board.mjs"


class Board:
    def __init__(self, fs, personality="official", fs_size=None, baud=None, stdin=True):
        self.fs = pathlib.Path(fs)
        args = ["node", str(BOARD), "--tcp", "0", "--fs", str(fs), "--personality", personality]
        if not stdin:
            args += ["--no-stdin"]
        if fs_size:
            args += ["--fs-size", str(fs_size)]
        if baud:
            args += ["--baud", str(baud)]
        self.log = open(self.fs.parent / f"board-{personality}.log", "w+")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"connect with -p (socket://127\.0\.0\.1:(\d+))", line)
        assert m, f"board did not start: {line!r}"
        self.port, self.tcp = m.group(1), int(m.group(2))

    def run(self, *args, **kw):
        return run(*args, "-p", self.port, **kw)

    def stderr(self):
        self.log.flush()
        return (self.fs.parent / self.log.name).read_text()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def board_factory(tmp_path):
    boards = []

    def make(personality="official", files=None, **kw):
        fs = tmp_path / f"fs-{personality}-{len(boards)}"
        fs.mkdir()
        for name, data in (files or {}).items():
            p = fs / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data if isinstance(data, bytes) else data.encode())
        b = Board(fs, personality, **kw)
        boards.append(b)
        return b

    yield make
    for b in boards:
        b.stop()


@pytest.fixture(params=["official", "lobo"])
def board(request, board_factory):
    return board_factory(request.param)


def test_exec_prints_and_reports_tracebacks(board):
    r = board.run("exec", "print(6*7)")
    assert r.rc == 0, r
    assert r.out.strip() == "42"
    r = board.run("exec", "1/0")
    assert r.rc == 1, r
    assert "ZeroDivisionError" in r.err


def test_about_tells_the_personality_apart(board):
    r = board.run("about", "--json")
    assert r.rc == 0, r
    import json
    info = json.loads(r.out)
    if board.fs.name.startswith("fs-lobo"):
        assert info["banner"].startswith("MicroPython ESP32_LoBo_v3.2.24 - 2018-09-06")
        assert info["root"] == "/flash" and info["cwd"] == "/flash"
        assert info["raw_paste"] is False and info["deflate"] is False
    else:
        assert info["root"] == "/" and info["raw_paste"] is True and info["deflate"] is True


@pytest.mark.parametrize("encoding", ["binary", "base64", "deflate"])
def test_every_byte_value_round_trips(board, tmp_path, encoding):
    import json
    data = bytes(range(256)) * 40 + bytes(range(255, -1, -1))
    if encoding == "binary":
        data = bytes(range(256)) + os.urandom(8000) + bytes(range(255, -1, -1))  # does not compress
    src = tmp_path / "all.bin"
    src.write_bytes(data)
    extra = {"binary": [], "base64": ["--no-deflate", "--no-binary"], "deflate": ["--no-binary"]}[encoding]
    r = board.run("put", src, ":all.bin", "--json", *extra)
    assert r.rc == 0, r
    info = json.loads(r.out)
    lobo = board.fs.name.startswith("fs-lobo")
    assert info["binary"] == (encoding == "binary")
    assert info["deflate"] == (encoding == "deflate" and not lobo)
    assert (board.fs / "all.bin").read_bytes() == data
    back = tmp_path / "back.bin"
    r = board.run("get", ":all.bin", back)
    assert r.rc == 0, r
    assert back.read_bytes() == data
    cat = subprocess.run([espburn_bin(), "cat", ":all.bin", "-p", board.port], capture_output=True, timeout=60)
    assert cat.returncode == 0 and cat.stdout == data


def test_compressible_file_goes_deflated_where_the_board_has_deflate(board_factory, tmp_path):
    b = board_factory("official")
    src = tmp_path / "text.py"
    src.write_text("print('hello world')\n" * 2000)
    r = b.run("put", src, ":text.py", "--json")
    assert r.rc == 0, r
    import json
    info = json.loads(r.out)
    assert info["deflate"] is True and info["wire_bytes"] < info["size"] / 4
    assert (b.fs / "text.py").read_bytes() == src.read_bytes()


def test_empty_file_and_nested_folders(board, tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert board.run("mkdir", ":a").rc == 0
    assert board.run("mkdir", ":a/b").rc == 0
    r = board.run("put", empty, ":a/b/")
    assert r.rc == 0, r
    assert (board.fs / "a" / "b" / "empty").read_bytes() == b""
    r = board.run("ls", ":a", "-r", "--json")
    import json
    entries = {e["path"]: e for e in json.loads(r.out)["entries"]}
    assert entries["a/b"]["type"] == "dir" and entries["a/b/empty"]["size"] == 0
    assert board.run("rm", ":a").rc == 1
    assert board.run("rm", "-r", ":a").rc == 0
    assert not (board.fs / "a").exists()


def test_board_whose_code_cannot_read_stdin_gets_base64(board_factory, tmp_path):
    import json
    b = board_factory("official", stdin=False)
    data = os.urandom(5000)
    (tmp_path / "r.bin").write_bytes(data)
    r = b.run("put", tmp_path / "r.bin", ":r.bin", "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["binary"] is False
    assert (b.fs / "r.bin").read_bytes() == data
    r = b.run("exec", "print('still fine')")  # the probe left nothing behind at the prompt
    assert r.out.strip() == "still fine", r


def test_names_with_spaces_and_quotes_are_just_names(board_factory, tmp_path):
    b = board_factory("official", files={"boot.py": "# keep me\n"})
    for name in ["with space.txt", "it's \"quoted\".txt", "x');import os;os.remove('boot.py", "back\\slash.txt"]:
        src = tmp_path / "src"
        src.write_text(name)
        r = b.run("put", src, f":{name}")
        assert r.rc == 0, r
        assert (b.fs / name).read_text() == name
        r = b.run("cat", f":{name}")
        assert r.out == name
    assert (b.fs / "boot.py").read_text() == "# keep me\n"


def test_full_filesystem_gives_a_clear_error_and_keeps_the_old_file(board_factory, tmp_path):
    b = board_factory("official", files={"data.bin": b"old contents"}, fs_size=64 * 1024)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(100 * 1024))
    r = b.run("put", big, ":data.bin")
    assert r.rc == 1, r
    assert "full" in r.err and "old data.bin" in r.err
    assert (b.fs / "data.bin").read_bytes() == b"old contents"
    assert not (b.fs / "data.bin.eb-new").exists()


def test_replacing_a_file_where_rename_cannot_replace(board_factory, tmp_path):
    b = board_factory("lobo", files={"main.py": "print('v1')\n"})
    src = tmp_path / "main.py"
    src.write_text("print('v2')\n")
    r = b.run("put", src, ":main.py")
    assert r.rc == 0, r
    assert (b.fs / "main.py").read_text() == "print('v2')\n"
    assert sorted(p.name for p in b.fs.iterdir()) == ["main.py"]


def test_cable_pulled_mid_write_keeps_the_old_file(board_factory, tmp_path):
    b = board_factory("official", files={"app.bin": b"version 1"}, baud=115200)
    big = tmp_path / "app.bin"
    big.write_bytes(os.urandom(60 * 1024))
    proc = subprocess.Popen([espburn_bin(), "put", str(big), ":app.bin", "-p", b.port],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    assert proc.poll() is None, "the transfer should still be running"
    proc.kill()  # the host side vanishes: as good as a pulled cable
    proc.wait()
    time.sleep(0.5)
    assert (b.fs / "app.bin").read_bytes() == b"version 1"
    # the next write of that file cleans up the half-written temporary file
    r = b.run("put", tmp_path / "app.bin", ":app.bin", timeout=120)
    assert r.rc == 0, (r, b.stderr())
    assert sorted(p.name for p in b.fs.iterdir()) == ["app.bin"]


def test_interrupting_a_busy_main_py(board_factory):
    main = "import time\nn = 0\nwhile True:\n    print('tick', n)\n    n += 1\n    time.sleep(0.05)\n"
    b = board_factory("lobo", files={"main.py": main})
    time.sleep(0.5)
    r = b.run("exec", "print('got control')")
    assert r.rc == 0, r
    assert r.out.strip() == "got control"
    assert (b.fs / "main.py").read_text() == main


def test_uninterruptible_loop_gives_a_clear_error(board_factory):
    b = board_factory("official", files={"main.py": "while True:\n    pass\n"})
    time.sleep(0.5)
    r = b.run("exec", "print(1)", timeout=60)
    assert r.rc == 3, r
    assert "cannot be interrupted" in r.err and "reset" in r.err
    assert "Traceback" not in r.err


def test_soft_reboot_runs_boot_then_main(board_factory):
    b = board_factory("official", files={"boot.py": "print('boot ran')\n", "main.py": "print('main ran')\n"})
    with socket.create_connection(("127.0.0.1", b.tcp)) as s:
        time.sleep(0.5)
        s.sendall(b"\r\x03\x04")  # friendly REPL: Ctrl-D soft-reboots
        out = read_for(s, 1.5)
    assert b"soft reboot" in out
    assert out.index(b"boot ran") < out.index(b"main ran")


def test_receive_buffer_drops_bytes_while_code_runs(board_factory):
    b = board_factory("lobo")
    with socket.create_connection(("127.0.0.1", b.tcp)) as s:
        time.sleep(0.5)
        s.sendall(b"\r\x03\x03\r\x01")
        assert b"raw REPL; CTRL-B to exit" in read_for(s, 0.5)
        s.sendall(b"import time\ntime.sleep(1)\x04" + b"#" * 3000)  # sent while it sleeps
        read_for(s, 2.0)
    assert re.search(r"lost \d+ bytes", b.stderr())


def test_run_streams_output(board, tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("for i in range(3):\n    print('line', i)\n")
    r = board.run("run", script)
    assert r.rc == 0, r
    assert r.out.split() == ["line", "0", "line", "1", "line", "2"]


def test_df_reports_the_filesystem_size(board_factory):
    import json
    b = board_factory("official", fs_size=256 * 1024)
    r = b.run("df", "--json")
    assert r.rc == 0, r
    info = json.loads(r.out)
    assert info["total"] == 256 * 1024 and 0 <= info["free"] <= info["total"]


def test_repl_passes_keys_and_leaves_on_ctrl_bracket(board):
    proc = subprocess.Popen([espburn_bin(), "repl", "-p", board.port], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"\r\x03print(6*7)\r")
    proc.stdin.flush()
    time.sleep(1.0)
    proc.stdin.write(b"\x1d")  # Ctrl-] leaves
    proc.stdin.flush()
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert b"42" in out and b"Ctrl-]" in err


def make_tree(root, files):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(data)


def test_sync_adds_updates_skips_and_deletes(board, tmp_path):
    import json
    app = tmp_path / "app"
    make_tree(app, {"main.py": "print('app')\n", "lib/util.py": "X = 1\n", "lib/deep/more.py": "Y = 2\n",
                    "notes.txt": "skip me"})
    r = board.run("sync", app, "--exclude", "*.txt", "--json")
    assert r.rc == 0, r
    s = json.loads(r.out)
    assert (s["added"], s["updated"], s["unchanged"]) == (3, 0, 0)
    root = board.fs
    assert (root / "lib" / "deep" / "more.py").read_text() == "Y = 2\n"
    assert not (root / "notes.txt").exists()
    # nothing changed: everything is unchanged by size + on-board SHA-256
    r = board.run("sync", app, "--exclude", "*.txt", "--json")
    s = json.loads(r.out)
    assert (s["added"], s["updated"], s["unchanged"], s["deleted"]) == (0, 0, 3, 0)
    # same size, other content: updated
    (app / "lib" / "util.py").write_text("X = 2\n")
    (root / "extra.py").write_text("old\n")  # appears on the board at its next boot
    r = board.run("exec", "f=open('extra2.py','w');f.write('x');f.close()")
    assert r.rc == 0
    r = board.run("sync", app, "--exclude", "*.txt", "-n", "--delete", "--delete-root", "--json")
    s = json.loads(r.out)
    assert s["dry_run"] and s["updated"] == 1 and s["deleted"] == 1
    assert (root / "lib" / "util.py").read_text() == "X = 1\n"
    r = board.run("sync", app, "--exclude", "*.txt", "--delete")
    assert r.rc == 1 and "--delete-root" in r.err and "extra2.py" in r.err, r
    r = board.run("sync", app, "--exclude", "*.txt", "--delete", "--delete-root")
    assert r.rc == 0, r
    assert "1 updated, 1 deleted" in r.out
    assert (root / "lib" / "util.py").read_text() == "X = 2\n"
    assert not (root / "extra2.py").exists()


def test_sync_defaults_to_flash_on_lobo(board_factory, tmp_path):
    b = board_factory("lobo")
    app = tmp_path / "app"
    make_tree(app, {"main.py": "print('from flash')\n"})
    r = b.run("sync", app)
    assert r.rc == 0, r
    assert ":/flash" in r.out
    assert (b.fs / "main.py").read_text() == "print('from flash')\n"
    with socket.create_connection(("127.0.0.1", b.tcp)) as s:
        s.sendall(b"\r\x03\x04")
        assert b"from flash" in read_for(s, 1.5)


def test_usage_errors(espburn):
    r = espburn("put")
    assert r.rc == 2
    r = espburn("ls", "-p", "socket://127.0.0.1:1")
    assert r.rc == 3 and "cannot connect" in r.err
    r = espburn("sync", "--help")
    assert r.rc == 0 and "--delete" in r.out


def read_for(sock, seconds):
    sock.settimeout(0.1)
    out, end = b"", time.time() + seconds
    while time.time() < end:
        try:
            d = sock.recv(65536)
        except socket.timeout:
            continue
        if not d:
            break
        out += d
    return out


def test_mv_rmdir_and_get_default_name(board, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("moved")
    assert board.run("put", src, ":a.txt").rc == 0
    assert board.run("mkdir", ":d").rc == 0
    r = board.run("mv", ":a.txt", ":d/b.txt")
    assert r.rc == 0, r
    assert (board.fs / "d" / "b.txt").read_text() == "moved" and not (board.fs / "a.txt").exists()
    r = board.run("get", ":d/b.txt", cwd=tmp_path)
    assert r.rc == 0, r
    assert (tmp_path / "b.txt").read_text() == "moved"
    assert board.run("rmdir", ":d").rc == 1
    assert board.run("rm", ":d/b.txt").rc == 0
    assert board.run("rmdir", ":d").rc == 0
    assert not (board.fs / "d").exists()


def test_sim_micropython_option_runs_the_board(tmp_path):
    fs = tmp_path / "fs"
    fs.mkdir()
    (fs / "hello.txt").write_text("from the host")
    proc = subprocess.Popen([espburn_bin(), "sim", "--micropython", "--fs", str(fs), "--tcp", "0",
                             "--personality", "lobo"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"-p (socket://\S+)", line)
        assert m, line
        r = run("cat", ":/flash/hello.txt", "-p", m.group(1))
        assert r.rc == 0 and r.out == "from the host", r
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_sim_micropython_needs_a_folder(espburn, tmp_path):
    r = espburn("sim", "--micropython", "--tcp", "0", "--fs", str(tmp_path / "missing"))
    assert r.rc == 2 and "not a folder" in r.err


def test_cp_tree_modules_and_json_of_path_commands(board_factory, tmp_path):
    import json
    b = board_factory("lobo", files={"lib/a.py": "A = 1\n"})
    r = b.run("cp", ":lib/a.py", ":lib/b.py", "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["paths"] == ["lib/a.py", "lib/b.py"]
    assert (b.fs / "lib" / "b.py").read_text() == "A = 1\n"
    r = b.run("cp", ":lib/b.py", tmp_path / "b.py")
    assert r.rc == 0 and (tmp_path / "b.py").read_text() == "A = 1\n", r
    r = b.run("tree")
    assert r.rc == 0, r
    assert r.out.splitlines()[0] == "/flash" and "  lib/" in r.out and "    a.py  (6)" in r.out
    r = b.run("modules")
    assert r.rc == 0 and "sys" in r.out, r
    r = b.run("rm", ":lib/b.py", "--json")
    assert r.rc == 0 and json.loads(r.out)["paths"] == ["lib/b.py"], r


def read_when(path, ready, timeout=15.0):
    """The text of `path` once ready(text) holds (main.py runs when the board gets to it;
    a loaded machine runs the board late), or the last text read."""
    end = time.monotonic() + timeout
    while True:
        text = path.read_text() if path.exists() else ""
        if ready(text) or time.monotonic() > end:
            return text
        time.sleep(0.1)


def test_soft_reset_reruns_main_py(board_factory):
    b = board_factory("lobo", files={"main.py": "f = open('runs.txt', 'a')\nf.write('x')\nf.close()\n"})
    before = read_when(b.fs / "runs.txt", lambda t: len(t) >= 1)
    assert before, "main.py did not run at boot"
    r = b.run("reset", "--soft")
    assert r.rc == 0, r
    assert read_when(b.fs / "runs.txt", lambda t: len(t) > len(before)) == before + "x"
    r = b.run("reset", "--soft", "--raw", "--json")
    assert r.rc == 0, r
    time.sleep(0.3)
    assert (b.fs / "runs.txt").read_text() == before + "x"  # raw REPL: main.py does not run


@pytest.mark.parametrize("personality", ["official", "lobo"])
def test_board_writes_stay_inside_its_host_folder(board_factory, tmp_path, personality):
    """A link in the board's host folder (--fs DIR) to a folder outside it: the board does not see
    it, and a folder the board makes under the same name is not written through the link."""
    outside = tmp_path / f"outside-{personality}"
    outside.mkdir()
    (outside / "keep.txt").write_text("host file\n")
    b = board_factory(personality)
    (b.fs / "sub").symlink_to(outside, target_is_directory=True)
    (b.fs / "note.txt").symlink_to(outside / "keep.txt")
    code = ("import os\n"
            "print(sorted(x for x in os.listdir() if x in ('sub', 'note.txt')))\n"
            "os.mkdir('sub')\n"
            "f = open('sub/x.txt', 'w'); f.write('board'); f.close()\n"
            "f = open('note.txt', 'w'); f.write('board'); f.close()\n"
            "os.remove('sub/x.txt')\n"
            "f = open('sub/y.txt', 'w'); f.write('board'); f.close()\n")
    r = b.run("exec", code)
    assert r.rc == 0, r
    assert r.out.strip() == "[]", r.out
    r = b.run("exec", "print(open('sub/y.txt').read())")  # the board keeps its own files
    assert r.rc == 0 and r.out.strip() == "board", r
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert (outside / "keep.txt").read_text() == "host file\n"
    assert (b.fs / "sub").is_symlink() and (b.fs / "note.txt").is_symlink()
    assert "is not mirrored to the host" in b.stderr()
