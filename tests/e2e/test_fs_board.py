"""espburn fs ls|tree|df|cat|get -p PORT: a board's filesystem partition read over
the ROM protocol (rescue), on the virtual Fire with the seed bundle."""
import json
import pathlib
import subprocess
import time

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


# ---- the virtual board boots it: the partition is what its MicroPython sees ----

def board_exec(port, code):
    """exec on the board; a board still booting (its REPL not up yet) gets a few more tries."""
    for _ in range(10):
        r = run("exec", "-p", port, code, timeout=60)
        if r.rc != 3:
            break
        time.sleep(1)
    assert r.rc == 0, r
    return r.out


def test_lobo_sees_the_spiffs_partition_and_its_writes_land_in_the_flash(tmp_path, seed, sim):
    board = sim(transport="rfc2217", extra_args=("--trace",))
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    r = run("flash", seed, "--fs", src, "-p", board.url, "-b", "auto", timeout=120)
    assert r.rc == 0, r  # flash ends with a hard reset: the app stage runs LoBo's MicroPython
    out = board_exec(board.url, "import os; print(sorted(os.listdir('/flash/lib'))); "
                                "print(open('/flash/main.py').read())")
    assert "'drivers', 'util.py'" in out and "print('hello')" in out, out
    size = board_exec(board.url, "import os; print(os.stat('/flash/Mixed Case/x.y.z.tar.gz')[6])")
    assert size.strip() == "70000"
    board_exec(board.url, "f = open('/flash/written_on_board.txt', 'w'); f.write('hello flash'); f.close(); "
                          "import os; os.remove('/flash/README')")
    # download mode (fs -p resets into it) stops MicroPython: its files are packed into internalfs
    r = run("fs", "cat", "-p", board.url, ":/written_on_board.txt")
    assert r.rc == 0 and r.out == "hello flash", r
    r = run("fs", "get", "-p", board.url, ":/", tmp_path / "back")
    assert r.rc == 0, r
    want = snapshot(src)
    del want["README"]
    want["written_on_board.txt"] = b"hello flash"
    assert snapshot(tmp_path / "back") == want
    assert board.stop() == 0
    log = board.stderr
    assert "files of partition internalfs (spiffs) unpacked" in log and "packed into partition internalfs" in log


def test_official_micropython_sees_littlefs_at_root(tmp_path, seed, sim):
    from imgbuild import build_table
    from test_sim_micropython_boot import official_micropython_app
    fw = tmp_path / "fw"
    fw.mkdir()
    (fw / "table.bin").write_bytes(build_table([
        ("nvs", "data", "nvs", 0x9000, 0x6000), ("phy_init", "data", "phy", 0xF000, 0x1000),
        ("factory", "app", "factory", 0x10000, 0x1F0000), ("vfs", "data", "fat", 0x200000, 0x200000)]))
    (fw / "app.bin").write_bytes(official_micropython_app())
    src = make_tree(tmp_path / "src", big=False)
    board = sim(transport="rfc2217")
    r = run("flash", f"{seed / 'bootloader' / 'bootloader.bin'}@0x1000", f"{fw / 'table.bin'}@0x8000",
            f"{fw / 'app.bin'}@0x10000", "--fs", src, "-p", board.url, "-b", "auto", timeout=120)
    assert r.rc == 0, r
    r = run("fs", "df", "-p", board.url, "--json")
    assert r.rc == 0 and json.loads(r.out)["type"] == "littlefs", r
    r = run("reset", "-p", board.url)
    assert r.rc == 0, r
    out = board_exec(board.url, "import os; print(os.getcwd()); print(open('a/b/c/d/e/f/g/h/deep.txt').read())")
    assert out.split() == ["/", "deep"], out
    board_exec(board.url, "import os; os.mkdir('/made_here'); open('/made_here/x.py', 'w').write('x = 1')")
    r = run("fs", "cat", "-p", board.url, ":/made_here/x.py")
    assert r.rc == 0 and r.out == "x = 1", r
    r = run("fs", "df", "-p", board.url, "--json")
    assert json.loads(r.out)["type"] == "littlefs", r
