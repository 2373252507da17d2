"""Nothing lost (issue 15): destructive commands on a filesystem root or a
mount point are refused without an explicit flag, against the virtual
board's real MicroPython, on both personalities."""
import pytest

from test_mpy import board, board_factory  # noqa: F401  (fixtures)

FILES = {"a.txt": "a\n", "d/b.txt": "b\n"}


def files_under(root):
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("target", [":", ":.", ":/", ":d/..", ":d/../.."])
def test_rm_r_of_the_root_is_refused(board_factory, target):
    for personality in ("official", "lobo"):
        b = board_factory(personality, files=FILES)
        r = b.run("rm", "-r", target)
        assert r.rc == 1, r
        assert "--delete-root" in r.err and ("root" in r.err or "mount point" in r.err), r.err
        assert r.err.count("\n") == 1, r.err
        assert files_under(b.fs) == set(FILES), personality


def test_rm_r_of_the_lobo_mount_point_is_refused(board_factory):
    b = board_factory("lobo", files=FILES)
    r = b.run("rm", "-r", ":/flash")
    assert r.rc == 1 and "mount point" in r.err and "/flash" in r.err, r
    assert files_under(b.fs) == set(FILES)


def test_delete_root_empties_the_root_and_keeps_it(board):
    for rel, data in FILES.items():
        (board.fs / rel).parent.mkdir(parents=True, exist_ok=True)
        (board.fs / rel).write_text(data)
    r = board.run("rm", "-r", "--delete-root", ":")
    assert r.rc == 0, r
    assert files_under(board.fs) == set() and board.fs.is_dir()
    assert board.run("ls", ":").rc == 0


def test_rm_r_of_a_folder_still_works(board):
    (board.fs / "d").mkdir()
    (board.fs / "d/b.txt").write_text("b\n")
    (board.fs / "keep.txt").write_text("k\n")
    r = board.run("rm", "-r", ":d")
    assert r.rc == 0, r
    assert files_under(board.fs) == {"keep.txt"}


def make_tree(root, files):
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(data)
    return root


LOBO_FILES = {"keep/k.txt": "k\n", "top.txt": "t\n"}


def test_sync_delete_to_the_lobo_vfs_root_never_touches_flash(board_factory, tmp_path):
    b = board_factory("lobo", files=LOBO_FILES)
    app = make_tree(tmp_path / "app", {"main.py": "print(1)\n"})
    for extra in (["-n"], []):
        r = b.run("sync", app, ":/", "--delete", *extra)
        assert r.rc == 1, r
        assert ":/flash\n" not in r.out and "/flash/" not in r.out, r.out
        assert "--delete-root" in r.err and "root" in r.err and "/flash/top.txt" in r.err, r.err
        assert r.err.count("\n") == 1, r.err
        assert files_under(b.fs) == set(LOBO_FILES)


@pytest.mark.parametrize("target", [":..", ":sub/../..", ":.", ":/flash/.."])
def test_sync_delete_paths_are_normalised_before_deciding(board_factory, tmp_path, target):
    app = make_tree(tmp_path / "app", {"main.py": "print(1)\n"})
    for personality in ("official", "lobo"):
        b = board_factory(personality, files={**FILES, "sub/s.txt": "s\n"})
        r = b.run("sync", app, target, "--delete")
        assert r.rc == 1 and "--delete-root" in r.err, (personality, r)
        assert files_under(b.fs) == set(FILES) | {"sub/s.txt"}, personality


def test_sync_delete_root_keeps_the_mount_point(board_factory, tmp_path):
    b = board_factory("lobo", files={"old.txt": "o\n", "new.py": "x\n"})
    app = make_tree(tmp_path / "app", {"main.py": "print(1)\n", "new.py": "y\n"})
    r = b.run("sync", app, ":/flash", "--delete", "--delete-root")
    assert r.rc == 0, r
    assert "deleted   :/flash/old.txt" in r.out and r.out.index("added") < r.out.index("deleted"), r.out
    assert files_under(b.fs) == {"main.py", "new.py"} and (b.fs / "new.py").read_text() == "y\n"


def test_sync_delete_of_more_than_it_keeps_needs_force(board_factory, tmp_path):
    app = make_tree(tmp_path / "app", {"a.py": "A\n"})
    for personality in ("official", "lobo"):
        b = board_factory(personality, files={"d/x.py": "1", "d/y.py": "2", "d/old/z.py": "3"})
        r = b.run("sync", app, ":d", "--delete")
        assert r.rc == 1, r
        assert "--force" in r.err and "--delete-root" not in r.err and "3 files" in r.err, r.err
        assert "x.py" in r.err and "old/" in r.err, r.err
        assert files_under(b.fs / "d") == {"x.py", "y.py", "old/z.py"}
        r = b.run("sync", app, ":d", "--delete", "--force")
        assert r.rc == 0, r
        assert files_under(b.fs / "d") == {"a.py"}, personality


def test_a_failing_sync_has_deleted_nothing(board_factory, tmp_path):
    # the board's filesystem is too small for the new file: the copy fails, so nothing is deleted
    app = make_tree(tmp_path / "app", {"a.py": "A\n", "b.py": "B\n"})
    (app / "big.bin").write_bytes(bytes(range(256)) * 1024)
    for personality in ("official", "lobo"):
        b = board_factory(personality, files={"d/old.py": "old\n"}, fs_size=128 * 1024)
        r = b.run("sync", app, ":d", "--delete")
        assert r.rc != 0, r
        assert "deleted" not in r.out, r.out
        assert (b.fs / "d/old.py").read_text() == "old\n", personality


def test_mv_says_what_is_wrong_and_moves_into_a_folder(board):
    for rel, data in FILES.items():
        (board.fs / rel).parent.mkdir(parents=True, exist_ok=True)
        (board.fs / rel).write_text(data)
    r = board.run("mv", ":d", ":d/sub")
    assert r.rc == 1 and "into itself" in r.err and "full" not in r.err, r
    r = board.run("mv", ":a.txt", ":d")
    assert r.rc == 0, r
    assert files_under(board.fs) == {"d/a.txt", "d/b.txt"}
    r = board.run("mv", ":d/a.txt", ":top.txt")
    assert r.rc == 0 and (board.fs / "top.txt").read_text() == "a\n", r
