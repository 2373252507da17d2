"""espburn fs ls|tree|df|cat|get -p PORT: a board's filesystem partition read over
the ROM protocol (rescue), on the virtual Fire with the seed bundle."""
import json
import pathlib
import subprocess

from conftest import run
from test_fs import make_tree, snapshot


def boot_codes(port):
    """The finding codes of 3 s of the board's boot (monitor resets it)."""
    r = run("monitor", "-p", port, "--duration", "3", "--json", timeout=30)
    codes = set()
    for line in r.out.splitlines():
        doc = json.loads(line)
        if doc.get("type") == "finding":
            codes.add(doc["finding"]["code"])
    return codes


def flash_with_fs(tmp_path, seed, board, fstype="spiffs"):
    src = make_tree(tmp_path / "src", big=False, spiffs=fstype == "spiffs")
    img = tmp_path / "internalfs.img"
    r = run("fs", "build", src, "-o", img, "--type", fstype, "--table", seed)
    assert r.rc == 0, r
    r = run("flash", seed, "0x250000", img, "-p", board.url, "-b", "auto", timeout=120)
    assert r.rc == 0, r
    return src


def test_rescue_every_file_off_a_boot_looping_board(tmp_path, seed, sim):
    board = sim(transport="rfc2217")
    src = flash_with_fs(tmp_path, seed, board)
    r = run("erase", "-p", board.url, "0x10000", "0x1000")  # the app's first sector: no app header
    assert r.rc == 0, r
    assert "boot-loop" in boot_codes(board.url)
    r = run("fs", "get", "-p", board.url, ":/", tmp_path / "rescued", "-b", "auto", timeout=120)
    assert r.rc == 0, r
    assert "into" in r.out and "partition internalfs" in r.err, r
    assert snapshot(tmp_path / "rescued") == snapshot(src)
    # only what the filesystem needs was read, not the whole 1 MB partition
    read = int(r.err.split("read ")[1].split(" bytes")[0].replace(",", ""))
    assert read < 512 * 1024, r.err


def test_ls_df_cat_over_the_board(tmp_path, seed, sim):
    board = sim()
    src = flash_with_fs(tmp_path, seed, board, fstype="littlefs")
    r = run("fs", "ls", "-p", board.url, "-r", "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert (doc["partition"], doc["offset"], doc["type"]) == ("internalfs", 0x250000, "littlefs")
    files = {e["path"].lstrip("/") for e in doc["entries"] if e["type"] == "file"}
    assert files == {k for k, v in snapshot(src).items() if v is not None}
    r = run("fs", "cat", "-p", board.url, ":/main.py")
    assert r.rc == 0 and r.out == "print('hello')\n", r
    r = run("fs", "df", "-p", board.url, "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["total"] > 900 * 1024
    r = run("fs", "tree", "-p", board.url)
    assert r.rc == 0 and "deep.txt" in r.out, r


def test_board_errors_say_what_to_do(tmp_path, seed, sim):
    board = sim()
    r = run("flash", seed, "-p", board.url, "-b", "auto", timeout=120)
    assert r.rc == 0, r
    r = run("fs", "ls", "-p", board.url)
    assert r.rc == 1 and "internalfs on the board is erased" in r.err, r
    r = run("fs", "ls", "-p", board.url, "--partition", "vfs")
    assert r.rc == 2 and "no partition named vfs" in r.err and "internalfs" in r.err, r
    r = run("fs", "ls", "-p", board.url, "--partition", "nvs", "--type", "littlefs")
    assert r.rc == 1 and "nvs" in r.err, r
    r = run("fs", "ls", "-p", board.url, tmp_path / "x.img")
    assert r.rc == 2 and "not both" in r.err, r
    r = run("fs", "build", tmp_path, "-o", tmp_path / "x.img", "--type", "fat", "--size", "1M", "-p", board.url)
    assert r.rc == 2 and "flash" in r.err, r
