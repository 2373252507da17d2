"""Folders everywhere (put -r, get -r, cp -r, mkdir --parents) and the ignore
rules (defaults, .espburnignore, sync -n, --no-ignore), against the virtual
board's real MicroPython, on both personalities."""
import json

from test_mpy import board, board_factory  # noqa: F401  (fixtures)


def make_tree(root, files):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())

PROJECT = {
    "main.py": "import lib.util\n",
    "lib/util.py": "X = 1\n",
    "lib/deep/more.py": "Y = 2\n" * 100,
    "lib/__pycache__/util.cpython-312.pyc": b"\x00junk",
    "notes.pyc": b"\x00",
    ".DS_Store": b"\x00\x01",
    ".git/HEAD": "ref: refs/heads/main\n",
    "app.py.swp": b"swap",
    "secret.env": "KEY=1\n",
    "build/out.bin": b"\x01" * 10,
    "build/keep.txt": "kept\n",
    ".espburnignore": "# mine\n*.env\nbuild/*\n!build/keep.txt\n",
}
SENT = {"main.py", "lib/util.py", "lib/deep/more.py", "build/keep.txt"}


def files_under(root):
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_put_r_copies_the_tree_but_what_is_ignored(board, tmp_path):
    src = tmp_path / "proj"
    make_tree(src, PROJECT)
    r = board.run("put", "-r", src, ":app")
    assert r.rc == 0, r
    assert files_under(board.fs / "app") == SENT
    assert (board.fs / "app/lib/deep/more.py").read_text() == "Y = 2\n" * 100
    assert r.out.startswith(f"put {src} -> :") and ": 4 files," in r.out and "ignored" in r.out, r.out
    r = board.run("put", "-r", "--no-ignore", src, ":all", "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["files"] == len(PROJECT)
    assert files_under(board.fs / "all") == set(PROJECT)


def test_put_r_into_an_existing_folder_puts_it_inside(board_factory, tmp_path):
    b = board_factory("official", files={"lib/old.py": "0\n"})
    src = tmp_path / "pkg"
    make_tree(src, {"__init__.py": "", "m.py": "M = 1\n"})
    r = b.run("cp", "-r", src, ":lib")
    assert r.rc == 0, r
    assert files_under(b.fs / "lib") == {"old.py", "pkg/__init__.py", "pkg/m.py"}


def test_a_folder_without_r_gets_the_hint(board, tmp_path):
    (tmp_path / "d").mkdir()
    r = board.run("put", tmp_path / "d", ":d")
    assert r.rc == 2 and "use -r" in r.err and "sync" in r.err, r
    assert board.run("mkdir", ":x").rc == 0
    r = board.run("get", ":x", tmp_path / "x")
    assert r.rc == 1 and "get -r" in r.err, r


def test_get_r_copies_a_board_folder_to_the_host(board, tmp_path):
    src = tmp_path / "proj"
    make_tree(src, {"a.py": "A\n", "sub/b.py": "B\n" * 50, "sub/empty/.keep": ""})
    assert board.run("put", "-r", src, ":p").rc == 0
    r = board.run("get", "-r", ":p", tmp_path / "back")
    assert r.rc == 0, r
    assert files_under(tmp_path / "back") == {"a.py", "sub/b.py", "sub/empty/.keep"}
    assert (tmp_path / "back/sub/b.py").read_text() == "B\n" * 50
    assert "3 files" in r.out, r.out
    (tmp_path / "other").mkdir()
    r = board.run("cp", "-r", ":p/sub", tmp_path / "other", "--json")  # an existing folder: inside it
    assert r.rc == 0 and json.loads(r.out)["files"] == 2, r
    assert files_under(tmp_path / "other") == {"sub/b.py", "sub/empty/.keep"}


def test_mkdir_parents(board):
    r = board.run("mkdir", ":a/b/c")
    assert r.rc == 1 and "no such file or folder" in r.err, r
    assert board.run("mkdir", "--parents", ":a/b/c").rc == 0
    assert (board.fs / "a/b/c").is_dir()
    assert board.run("mkdir", "--parents", ":a/b/c", ":a/x").rc == 0  # existing ones are fine
    r = board.run("put", __file__, ":a/f.py")
    assert r.rc == 0, r
    r = board.run("mkdir", "--parents", ":a/f.py/z")
    assert r.rc == 1 and "is a file on the board" in r.err, r


def test_sync_dry_run_says_what_is_ignored_and_why(board, tmp_path):
    src = tmp_path / "proj"
    make_tree(src, PROJECT)
    r = board.run("sync", src, ":s", "-n")
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert "ignored   secret.env  (.espburnignore:2: *.env)" in lines, r.out
    assert "ignored   .git/  (default rules:1: .git/)" in lines or any(
        ln.startswith("ignored   .git/  (default rules:") for ln in lines), r.out
    assert any(ln.startswith("ignored   notes.pyc  (default rules:") for ln in lines), r.out
    assert "ignored   build/out.bin  (.espburnignore:3: build/*)" in lines, r.out
    assert not any("keep.txt" in ln and ln.startswith("ignored") for ln in lines)
    r = board.run("sync", src, ":s")
    assert r.rc == 0, r
    assert files_under(board.fs / "s") == SENT


def test_sync_delete_leaves_ignored_board_files_alone(board_factory, tmp_path):
    b = board_factory("lobo", files={"s/cache.pyc": "x", "s/gone.py": "y"})
    src = tmp_path / "proj"
    make_tree(src, {"a.py": "A\n"})
    r = b.run("sync", src, ":s", "--delete")
    assert r.rc == 0, r
    assert files_under(b.fs / "s") == {"a.py", "cache.pyc"}
    r = b.run("sync", src, ":s", "--delete", "--no-ignore")
    assert r.rc == 0, r
    assert files_under(b.fs / "s") == {"a.py"}


def test_sync_with_nothing_changed_takes_one_digest_yet_sees_every_change(board, tmp_path):
    """A sync where nothing changed is one SHA-256 over the whole tree on each
    side; every kind of change still falls back to the full comparison."""
    src = tmp_path / "proj"
    make_tree(src, {"main.py": "A = 1\n", "lib/a.py": "B = 2\n", "lib/b.py": "C = 3\n"})
    assert board.run("sync", src, ":t").rc == 0
    r = board.run("sync", src, ":t")
    assert r.rc == 0 and "0 added, 0 updated, 0 deleted, 3 unchanged" in r.out, r
    (src / "lib/a.py").write_text("B = 9\n")  # same size, other content
    r = board.run("sync", src, ":t")
    assert "t/lib/a.py" in r.out and "updated" in r.out and "2 unchanged" in r.out, r
    assert board.run("exec", "open('t/extra.txt','w').write('x')").rc == 0
    r = board.run("sync", src, ":t")  # an extra file is left alone without --delete
    assert "3 unchanged" in r.out and (board.fs / "t/extra.txt").exists(), r
    r = board.run("sync", src, ":t", "--delete")
    assert "t/extra.txt" in r.out and "1 deleted" in r.out and not (board.fs / "t/extra.txt").exists(), r
    assert board.run("exec", "open('t/main.py.eb-new','w').write('half')").rc == 0  # an interrupted write
    r = board.run("sync", src, ":t")
    assert r.rc == 0 and "3 unchanged" in r.out and not (board.fs / "t/main.py.eb-new").exists(), r
    (src / "lib/a.py").unlink()
    r = board.run("sync", src, ":t", "--delete")
    assert "t/lib/a.py" in r.out and "1 deleted" in r.out, r


def test_sync_skips_links_that_leave_the_folder_or_loop(board, tmp_path):
    """A link out of the folder is not copied (it would send what it points to, /etc/hostname
    say), a link back to a folder it is in is not followed (it would recurse ~40 levels);
    each is said in one line, on every run. A link to a file inside the folder is copied."""
    outside = tmp_path / "outside.txt"
    outside.write_text("host secret\n")
    src = tmp_path / "proj"
    make_tree(src, {"main.py": "print(1)\n", "sub/a.py": "A\n"})
    (src / "leak.txt").symlink_to(outside)
    (src / "sub" / "up").symlink_to("..")
    (src / "again").symlink_to(".")
    (src / "alias.py").symlink_to("main.py")
    r = board.run("sync", src, ":s")
    assert r.rc == 0, r
    assert "skipped leak.txt: a link to outside the folder" in r.err, r.err
    assert "skipped sub/up/: a link back to a folder it is in" in r.err, r.err
    assert "skipped again/: a link back to a folder it is in" in r.err, r.err
    assert files_under(board.fs / "s") == {"main.py", "alias.py", "sub/a.py"}
    assert (board.fs / "s" / "alias.py").read_bytes() == b"print(1)\n"
