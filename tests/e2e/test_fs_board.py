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


# ---- flash SOURCE --fs DIR[@PARTITION] ----

def wrote_bytes(out):
    """'wrote N bytes as ...' from flash's summary line."""
    return int(out.split("wrote ")[1].split(" bytes")[0])


def test_flash_fs_deploys_the_folder_and_redeploys_only_what_changed(tmp_path, seed, sim):
    board = sim()
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    r = run("flash", seed, "--fs", src, "-p", board.url, "-b", "auto", timeout=120)
    assert r.rc == 0, r
    assert f"0x250000 {src}/: written and verified" in r.out + r.err, r
    assert "0x250000 internalfs.img" in r.err, r  # the esptool equivalent
    r = run("fs", "get", "-p", board.url, ":/", tmp_path / "back", "-b", "auto", timeout=120)
    assert r.rc == 0, r
    assert snapshot(tmp_path / "back") == snapshot(src)
    # one file changed (same size): only its sectors go over the wire
    p = src / "lib" / "util.py"
    p.write_bytes(bytes(b ^ 0x5A for b in p.read_bytes()))
    r = run("flash", seed, "--fs", f"{src}@internalfs", "-p", board.url, "-b", "auto", timeout=120)
    assert r.rc == 0, r
    assert wrote_bytes(r.out + r.err) <= 16384, r
    r = run("fs", "get", "-p", board.url, ":/lib/util.py", tmp_path / "util.py")
    assert (tmp_path / "util.py").read_bytes() == p.read_bytes()


def fs_finding(doc):
    return next(f for f in doc["findings"] if f["code"] == "fs-from-folder")


def test_plan_fs_type_follows_the_firmware_and_the_table(tmp_path, seed):
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    r = run("plan", seed, "--fs", src, "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert "spiffs image" in fs_finding(doc)["text"] and "LoBo" in fs_finding(doc)["text"]
    assert "0x250000 internalfs.img" in doc["esptool_command"]
    region = next(x for x in doc["regions"] if x["address"] == 0x250000)
    assert region["partition"] == "internalfs", region
    app = (seed / "MicroPython.bin").read_bytes()
    official = tmp_path / "official"
    official.mkdir()
    (official / "app.bin").write_bytes(app.replace(b"ESP32_LoBo", b"ESP32_Xxxx"))
    (official / "partitions.bin").write_bytes((seed / "partitions_mpy.bin").read_bytes())
    r = run("plan", official, "--fs", src, "--json", "--force")
    assert "littlefs image" in fs_finding(json.loads(r.out))["text"], r
    idf = tmp_path / "idf"
    idf.mkdir()
    (idf / "app.bin").write_bytes(app.replace(b"ESP32_LoBo", b"ESP32_Xxxx").replace(b"MicroPython", b"Xxxxxxxxxxx"))
    (idf / "partitions.csv").write_text("nvs, data, nvs, 0x9000, 0x6000\nfactory, app, factory, 0x10000, 0x240000\n"
                                        "storage, data, fat, , 0x100000\n")
    r = run("plan", idf, "--fs", src, "--json", "--force")
    assert "fat-wl image" in fs_finding(json.loads(r.out))["text"], r
    r = run("plan", idf, "--fs", src, "--fs-type", "littlefs", "--json", "--force")
    assert "littlefs image" in fs_finding(json.loads(r.out))["text"], r


def test_flash_fs_errors(tmp_path, seed):
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    r = run("plan", seed, "--fs", f"{src}@vfs")
    assert r.rc == 2 and "no partition named vfs" in r.err, r
    r = run("plan", seed / "MicroPython.bin", "--fs", src)
    assert r.rc == 2 and "needs a partition table" in r.err, r
    r = run("plan", seed, "--fs", tmp_path / "nope")
    assert r.rc == 2 and "is not a folder" in r.err, r
    img = tmp_path / "fs.img"
    assert run("fs", "build", src, "-o", img, "--type", "spiffs", "--table", seed).rc == 0
    r = run("plan", seed, "0x250000", img, "--fs", src)
    assert r.rc == 2 and "already writes" in r.err, r
    (src / "huge.bin").write_bytes(b"\x01" * (2 * 1024 * 1024))
    r = run("plan", seed, "--fs", src)
    assert r.rc == 1 and "bytes too many" in r.err, r
