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
