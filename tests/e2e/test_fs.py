"""espburn fs: filesystem images built, read back and checked by independent
implementations: fsck.fat (dosfstools), mtools and ChaN's FatFs (npm js-fatfs)
for FAT; the reference littlefs C library for LittleFS when
ESPBURN_LITTLEFS_SRC names its sources (no packaged build exists in Debian
or npm; see docs/fs.md)."""
import hashlib
import json
import os
import pathlib
import random
import shutil
import subprocess

import pytest

from conftest import ROOT, run

FATFS_TOOL = ROOT / "tests" / "js" / "fatfs_tool.mjs"
MB = 1 << 20


def js_fatfs_available():
    if os.environ.get("ESPBURN_JS_FATFS"):
        return True
    return (ROOT / "node_modules" / "js-fatfs" / "dist" / "fatfs.js").is_file()


def make_tree(root, seed=1, big=True, spiffs=False):
    """Deep folders, long and non-ASCII names, empty files, a 1 MB file
    (SPIFFS: whole paths of at most 63 bytes, as its names are)."""
    rnd = random.Random(seed)
    long_name = "st7789_driver_long_name_x.py" if spiffs else \
        "st7789_display_driver_with_a_rather_long_name_for_fat_and_littlefs.py"
    files = {
        "main.py": b"print('hello')\n",
        "boot.py": b"",
        "README": rnd.randbytes(17),
        f"lib/drivers/{long_name}": rnd.randbytes(5000),
        "lib/util.py": rnd.randbytes(4096),
        "a/b/c/d/e/f/g/h/deep.txt": b"deep\n",
        "Mixed Case/Ünïcödé nåme.txt": "ünïcödé".encode(),
        "Mixed Case/x.y.z.tar.gz": rnd.randbytes(70000),
        "empty_dir_sibling/empty.bin": b"",
    }
    if big:
        files["assets/one_megabyte.bin"] = rnd.randbytes(MB)
    for i in range(30):
        files[f"many/file_{i:03d}.py"] = rnd.randbytes(i * 61)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "empty_folder").mkdir()
    return root


def snapshot(root):
    """{relative path: bytes or None for folders}."""
    out = {}
    for p in sorted(pathlib.Path(root).rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = None if p.is_dir() else p.read_bytes()
    return out


def build(src, img, fstype, size, *extra):
    r = run("fs", "build", src, "-o", img, "--type", fstype, "--size", size, *extra)
    assert r.rc == 0, r
    return r


def fat_volume(img, fstype):
    """(offset, size) of the FAT volume inside the image."""
    data = pathlib.Path(img).read_bytes()
    off = 4096 if fstype == "fat-wl" else 0
    bps = int.from_bytes(data[off + 11:off + 13], "little")
    total = int.from_bytes(data[off + 19:off + 21], "little") or int.from_bytes(data[off + 32:off + 36], "little")
    return off, bps * total


# ---- round trips: build -> read -> identical tree ----

@pytest.mark.parametrize("fstype,size", [("littlefs", 2 * MB), ("fat", 2 * MB), ("fat-wl", 2 * MB),
                                          ("spiffs", 2 * MB)])
def test_round_trip_identical_tree(tmp_path, fstype, size):
    src = make_tree(tmp_path / "src", spiffs=fstype == "spiffs")
    img = tmp_path / "fs.img"
    r = build(src, img, fstype, size)
    assert f"built {img}: {fstype}," in r.out
    assert img.stat().st_size == size
    r = run("fs", "get", img, ":/", tmp_path / "back")
    assert r.rc == 0, r
    assert snapshot(tmp_path / "back") == snapshot(src)


@pytest.mark.parametrize("fstype", ["littlefs", "fat", "fat-wl", "spiffs"])
def test_ls_json_matches_the_tree(tmp_path, fstype):
    src = make_tree(tmp_path / "src", big=False, spiffs=fstype == "spiffs")
    img = tmp_path / "fs.img"
    build(src, img, fstype, MB)
    r = run("fs", "ls", img, "-r", "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert doc["type"] == fstype
    got = {e["path"].lstrip("/"): (e["type"], e["size"]) for e in doc["entries"]}
    want = {k: ("dir", 0) if v is None else ("file", len(v)) for k, v in snapshot(src).items()}
    assert got == want


def test_full_partition_round_trips_and_overfull_is_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rnd = random.Random(5)
    (src / "fill.bin").write_bytes(rnd.randbytes(1000 * 1024))
    r = build(src, tmp_path / "full.img", "littlefs", 1024 * 1024)
    free = int(r.out.split("bytes; ")[1].split(" of ")[0].replace(",", ""))
    assert free < 16 * 4096
    assert run("fs", "get", tmp_path / "full.img", ":/fill.bin", tmp_path / "back.bin").rc == 0
    assert (tmp_path / "back.bin").read_bytes() == (src / "fill.bin").read_bytes()
    (src / "more.bin").write_bytes(rnd.randbytes(200 * 1024))
    for fstype in ("littlefs", "fat", "fat-wl", "spiffs"):
        r = run("fs", "build", src, "-o", tmp_path / "over.img", "--type", fstype, "--size", "1M")
        assert r.rc == 1, r
        assert "too many" in r.err and "biggest files:" in r.err
        assert "fill.bin" in r.err.split("biggest files:")[1]
        assert not (tmp_path / "over.img").exists()


# ---- FAT: independent checkers ----

@pytest.mark.parametrize("fstype,size,sector", [("fat", 2 * MB, None), ("fat", 4 * MB, "512"),
                                                ("fat-wl", 2 * MB, None)])
def test_fat_passes_fsck_and_mtools_reads_it(tmp_path, fstype, size, sector):
    if not shutil.which("fsck.fat") or not shutil.which("mcopy"):
        pytest.fail("dosfstools and mtools are needed (scripts/deps.sh installs them)")
    src = make_tree(tmp_path / "src")
    img = tmp_path / "fs.img"
    build(src, img, fstype, size, *(["--sector-size", sector] if sector else []))
    off, vol = fat_volume(img, fstype)
    volume = tmp_path / "volume.img"
    volume.write_bytes(img.read_bytes()[off:off + vol])
    fsck = subprocess.run(["fsck.fat", "-n", "-v", volume], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    out = tmp_path / "mtools"
    out.mkdir()
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    m = subprocess.run(["mcopy", "-s", "-n", "-i", f"{img}@@{off}", "::/*", str(out)], capture_output=True,
                       text=True, env=env)
    assert m.returncode == 0, m.stderr
    assert snapshot(out) == snapshot(src)


@pytest.mark.parametrize("fstype", ["fat", "fat-wl"])
def test_fatfs_reads_our_fat(tmp_path, fstype):
    if not js_fatfs_available():
        pytest.skip("js-fatfs is not installed (npm ci)")
    src = make_tree(tmp_path / "src")
    img = tmp_path / "fs.img"
    build(src, img, fstype, 2 * MB)
    off, vol = fat_volume(img, fstype)
    r = subprocess.run(["node", FATFS_TOOL, "list", img, str(off), str(vol)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = {e["path"].lstrip("/"): e["sha256"] for e in json.loads(r.stdout)}
    want = {k: None if v is None else hashlib.sha256(v).hexdigest() for k, v in snapshot(src).items()}
    assert got == want


@pytest.mark.parametrize("size,sector", [(2 * MB, 4096), (4 * MB, 512)])
def test_we_read_fat_formatted_and_written_by_fatfs(tmp_path, size, sector):
    if not js_fatfs_available():
        pytest.skip("js-fatfs is not installed (npm ci)")
    src = make_tree(tmp_path / "src")
    img = tmp_path / "fatfs.img"
    r = subprocess.run(["node", FATFS_TOOL, "make", img, str(size), str(sector), src], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    r = run("fs", "get", img, ":/", tmp_path / "back")
    assert r.rc == 0, r
    assert snapshot(tmp_path / "back") == snapshot(src)
    r = run("fs", "df", img, "--json")
    assert json.loads(r.out)["type"] == "fat"


@pytest.mark.parametrize("fat_bits,kbytes,sector", [(12, 1024, 4096), (16, 8192, 512), (32, 40000, 512)])
def test_we_read_fat_made_by_mkfs_fat_and_mtools(tmp_path, fat_bits, kbytes, sector):
    """dosfstools formats (FAT12, 16 and 32, which espburn reads but does not
    build), mtools writes the files: another independent writer."""
    if not shutil.which("mkfs.fat") or not shutil.which("mcopy"):
        pytest.fail("dosfstools and mtools are needed (scripts/deps.sh installs them)")
    src = make_tree(tmp_path / "src", big=False)
    img = tmp_path / "mkfs.img"
    mk = subprocess.run(["mkfs.fat", "-F", str(fat_bits), "-S", str(sector), "-s", "1", "-C", img, str(kbytes)],
                        capture_output=True, text=True)
    assert mk.returncode == 0, mk.stderr
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    for item in sorted(src.iterdir()):
        m = subprocess.run(["mcopy", "-s", "-i", img, item, "::/"], capture_output=True, text=True, env=env)
        assert m.returncode == 0, m.stderr
    r = run("fs", "df", img, "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["detail"].startswith(f"FAT{fat_bits}, {sector}-byte sectors")
    r = run("fs", "get", img, ":/", tmp_path / "back")
    assert r.rc == 0, r
    assert snapshot(tmp_path / "back") == snapshot(src)


# ---- LittleFS: the reference implementation, when its sources are given ----

def littlefs_reference(tmp_path):
    src = os.environ.get("ESPBURN_LITTLEFS_SRC")
    if not src:
        pytest.skip("set ESPBURN_LITTLEFS_SRC to littlefs's sources (lfs.c) to check against the reference")
    exe = tmp_path / "lfs_reference"
    cc = subprocess.run(["cc", "-O1", "-DLFS_NO_DEBUG", "-DLFS_NO_WARN", f"-I{src}", "-o", exe,
                         ROOT / "tests" / "e2e" / "lfs_reference.c", f"{src}/lfs.c", f"{src}/lfs_util.c", "-lz"],
                        capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    return exe


def espburn_listing(img):
    """Lines 'D path' / 'F path size crc32' for every entry, as lfs_reference prints them."""
    import zlib
    doc = json.loads(run("fs", "ls", img, "-r", "--json").out)
    lines = []
    for e in doc["entries"]:
        if e["type"] == "dir":
            lines.append(f"D {e['path']}")
        else:
            data = subprocess.run([os.environ.get("ESPBURN_BIN", str(ROOT / "build" / "espburn")), "fs", "cat",
                                   img, ":" + e["path"]], capture_output=True).stdout
            lines.append(f"F {e['path']} {e['size']} {zlib.crc32(data):08x}")
    return sorted(lines)


def test_littlefs_reference_reads_and_writes_our_image(tmp_path):
    exe = littlefs_reference(tmp_path)
    src = make_tree(tmp_path / "src")
    img = tmp_path / "fs.img"
    build(src, img, "littlefs", 4 * MB)
    ref = subprocess.run([exe, "ls", img], capture_output=True, text=True)
    assert ref.returncode == 0, ref.stdout + ref.stderr
    assert sorted(ref.stdout.splitlines()) == espburn_listing(img)
    # littlefs changes it (new files, a rename, a delete, then fills the disk):
    # our tail list must have told its allocator where every block is
    w = subprocess.run([exe, "write", img, "/README", "/lib"], capture_output=True, text=True)
    assert w.returncode == 0, w.stdout + w.stderr
    ref = subprocess.run([exe, "ls", img], capture_output=True, text=True)
    assert sorted(ref.stdout.splitlines()) == espburn_listing(img)
    assert any("/renamed_by_littlefs/util.py" in line for line in ref.stdout.splitlines())


def test_we_read_littlefs_made_by_the_reference(tmp_path):
    exe = littlefs_reference(tmp_path)
    src = make_tree(tmp_path / "src")
    for i in range(150):  # a folder littlefs splits over several metadata pairs
        (src / "many" / f"a_longer_name_to_split_the_folder_{i:04d}.txt").write_bytes(bytes([i]) * (i * 13))
    img = tmp_path / "ref.img"
    r = subprocess.run([exe, "mk", img, str(4 * MB), src], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("fs", "get", img, ":/", tmp_path / "back")
    assert r.rc == 0, r
    assert snapshot(tmp_path / "back") == snapshot(src)


# ---- SPIFFS: the reference library, when its sources are given ----

def spiffs_reference(tmp_path):
    src = os.environ.get("ESPBURN_SPIFFS_SRC")
    if not src:
        pytest.skip("set ESPBURN_SPIFFS_SRC to SPIFFS's src/ folder (spiffs_nucleus.c) to check against the reference")
    exe = tmp_path / "spiffs_reference"
    sources = [f"{src}/{n}" for n in ("spiffs_cache.c", "spiffs_check.c", "spiffs_gc.c", "spiffs_hydrogen.c",
                                      "spiffs_nucleus.c")]
    cc = subprocess.run(["cc", "-O1", f"-I{ROOT / 'tests' / 'e2e' / 'spiffs_ref'}", f"-I{src}", "-o", exe,
                         ROOT / "tests" / "e2e" / "spiffs_reference.c", *sources, "-lz"], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    return exe


def test_spiffs_reference_checks_reads_and_writes_our_image(tmp_path):
    exe = spiffs_reference(tmp_path)
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    img = tmp_path / "fs.img"
    build(src, img, "spiffs", MB)
    ref = subprocess.run([exe, "ls", img], capture_output=True, text=True)  # SPIFFS_check first
    assert ref.returncode == 0, ref.stdout + ref.stderr
    assert sorted(ref.stdout.splitlines()) == espburn_listing(img)
    w = subprocess.run([exe, "write", img, "/lib/util.py"], capture_output=True, text=True)
    assert w.returncode == 0, w.stdout + w.stderr  # removes, adds, rewrites a file 200 times (GC)
    assert sorted(w.stdout.splitlines()) == espburn_listing(img)
    assert "F /log.txt 2000" in w.stdout


def test_we_read_spiffs_made_by_the_reference(tmp_path):
    exe = spiffs_reference(tmp_path)
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    (src / "assets").mkdir()
    (src / "assets" / "big.bin").write_bytes(random.Random(9).randbytes(100000))  # several index pages
    img = tmp_path / "ref.img"
    r = subprocess.run([exe, "mk", img, str(MB), src], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("fs", "get", img, ":/", tmp_path / "back")
    assert r.rc == 0, r
    assert snapshot(tmp_path / "back") == snapshot(src)


# ---- images the reference implementations made (committed: tests/data/fs/README.md) ----

@pytest.mark.parametrize("name", ["littlefs-made-by-reference", "littlefs-ours-changed-by-reference",
                                  "spiffs-made-by-reference", "spiffs-ours-changed-by-reference"])
def test_we_read_images_the_reference_made_or_changed(tmp_path, name):
    import gzip
    data = ROOT / "tests" / "data" / "fs"
    img = tmp_path / f"{name}.img"
    img.write_bytes(gzip.decompress((data / f"{name}.img.gz").read_bytes()))
    want = (data / f"{name}.listing").read_text().splitlines()
    assert len(want) > 40
    assert espburn_listing(img) == want


# ---- flash dumps, partition tables, ignore rules, errors ----

def test_dump_partition_found_from_its_table(tmp_path, seed):
    src = make_tree(tmp_path / "src", big=False)
    img = tmp_path / "internalfs.img"
    r = run("fs", "build", src, "-o", img, "--type", "littlefs", "--table", seed / "partitions_mpy.bin")
    assert r.rc == 0, r
    assert "(partition internalfs)" in r.out and img.stat().st_size == 1024 * 1024
    r = run("fs", "build", src, "-o", tmp_path / "again.img", "--type", "littlefs", "--table", seed,
            "--partition", "internalfs")
    assert r.rc == 0, r
    assert (tmp_path / "again.img").read_bytes() == img.read_bytes()
    r = run("fs", "build", src, "-o", tmp_path / "csv.img", "--type", "littlefs", "--table",
            seed / "partitions_mpy.csv")
    assert r.rc == 0, r
    assert (tmp_path / "csv.img").read_bytes() == img.read_bytes()
    dump = bytearray(b"\xff" * (4 * MB))
    table = (seed / "partitions_mpy.bin").read_bytes()
    dump[0x8000:0x8000 + len(table)] = table
    dump[0x250000:0x250000 + MB] = img.read_bytes()  # internalfs follows the 2304K app at 0x10000
    (tmp_path / "dump.bin").write_bytes(dump)
    r = run("fs", "ls", tmp_path / "dump.bin", "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert (doc["partition"], doc["offset"], doc["type"]) == ("internalfs", 0x250000, "littlefs")
    assert run("fs", "cat", tmp_path / "dump.bin", ":/main.py").out == "print('hello')\n"
    r = run("fs", "ls", tmp_path / "dump.bin", "--partition", "nvs")
    assert r.rc == 1 and "no filesystem espburn knows" in r.err, r
    r = run("fs", "ls", tmp_path / "dump.bin", "--partition", "vfs")
    assert r.rc == 2 and "no partition named vfs" in r.err, r


def test_ignore_rules_and_reasons(tmp_path):
    src = tmp_path / "src"
    (src / "lib" / "__pycache__").mkdir(parents=True)
    (src / ".git").mkdir()
    (src / "main.py").write_text("print(1)\n")
    (src / "lib" / "m.py").write_text("x = 1\n")
    (src / "lib" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (src / ".git" / "HEAD").write_text("ref\n")
    (src / ".DS_Store").write_bytes(b"\0")
    (src / "notes.md").write_text("notes\n")
    (src / "keep.md").write_text("keep\n")
    (src / "lib" / "main.py.swp").write_bytes(b"\0")
    (src / ".espburnignore").write_text("# docs stay on the host\n*.md\n!keep.md\n")
    img = tmp_path / "fs.img"
    r = build(src, img, "littlefs", "256K", "-v")
    assert "ignored .git/  (default rules:1: .git/)" in r.out
    assert "ignored lib/__pycache__/  (default rules:2: __pycache__/)" in r.out
    assert "ignored notes.md  (.espburnignore:2: *.md)" in r.out
    assert "ignored lib/main.py.swp" in r.out and "ignored .DS_Store" in r.out
    r = run("fs", "get", img, ":/", tmp_path / "back")
    assert sorted(snapshot(tmp_path / "back")) == ["keep.md", "lib", "lib/m.py", "main.py"]
    r = build(src, tmp_path / "all.img", "fat", "256K", "--no-ignore", "--json")
    assert json.loads(r.out)["ignored"] == []
    assert run("fs", "cat", tmp_path / "all.img", ":/.git/HEAD").out == "ref\n"


def test_info_names_each_image(tmp_path):
    src = make_tree(tmp_path / "src", big=False, spiffs=True)
    want = {"littlefs": "LittleFS filesystem image (on-disk version 2.0, 256 blocks of 4096 bytes)",
            "fat": "FAT12/16 filesystem image (4096-byte sectors",
            "fat-wl": "FAT12/16 filesystem image in ESP-IDF's wear-levelling layer",
            "spiffs": "SPIFFS filesystem image (256 blocks of 4 KB, 256-byte pages)"}
    for fstype, words in want.items():
        build(src, tmp_path / f"{fstype}.img", fstype, MB)
        r = run("info", tmp_path / f"{fstype}.img")
        assert r.rc == 0 and words in r.out, (fstype, r)


def test_cat_and_get_of_one_file(tmp_path):
    src = make_tree(tmp_path / "src", big=False)
    img = tmp_path / "fs.img"
    build(src, img, "fat-wl", MB)
    out = subprocess.run([os.environ.get("ESPBURN_BIN", str(ROOT / "build" / "espburn")), "fs", "cat", img,
                          ":/Mixed Case/x.y.z.tar.gz"], capture_output=True)
    assert out.returncode == 0 and out.stdout == (src / "Mixed Case" / "x.y.z.tar.gz").read_bytes()
    (tmp_path / "into").mkdir()
    r = run("fs", "get", img, ":/lib/util.py", tmp_path / "into")
    assert r.rc == 0 and "copied 1 file," in r.out, r
    assert (tmp_path / "into" / "util.py").read_bytes() == (src / "lib" / "util.py").read_bytes()
    r = run("fs", "tree", img)
    assert r.rc == 0 and "  lib/\n    drivers/\n" in r.out, r


@pytest.mark.parametrize("args,rc,words", [
    (["fs"], 2, "usage: espburn fs build"),
    (["fs", "frob"], 2, "unknown subcommand 'frob'"),
    (["fs", "build", ".", "-o", "x.img", "--size", "1M"], 2, "--type littlefs"),
    (["fs", "build", ".", "-o", "x.img", "--type", "ntfs", "--size", "1M"], 2, "is not littlefs"),
    (["fs", "build", ".", "-o", "x.img", "--type", "fat"], 2, "--size N, or --table"),
    (["fs", "ls", "-p", "/dev/ttyUSB0", "x.img"], 2, "not both"),
    (["fs", "ls"], 2, "-p PORT"),
    (["fs", "ls", "does-not-exist.img"], 3, "does-not-exist.img"),
    (["fs", "cat", "x.img"], 2, "give the file to read as :PATH"),
])
def test_usage_and_io_errors(tmp_path, args, rc, words):
    r = run(*args, cwd=tmp_path)
    assert r.rc == rc, r
    assert words in r.err, r
    assert len(r.err.strip().splitlines()) <= 2 or args == ["fs"]


def test_garbage_and_erased_are_refused(tmp_path):
    (tmp_path / "junk.bin").write_bytes(random.Random(3).randbytes(64 * 1024))
    r = run("fs", "ls", tmp_path / "junk.bin")
    assert r.rc == 1 and "no filesystem image" in r.err, r
    (tmp_path / "ff.bin").write_bytes(b"\xff" * (64 * 1024))
    r = run("fs", "ls", tmp_path / "ff.bin", "--type", "littlefs")
    assert r.rc == 1 and "no LittleFS superblock" in r.err, r
