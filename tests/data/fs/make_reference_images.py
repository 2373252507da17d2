#!/usr/bin/env python3
"""Remake the reference-made filesystem images in this folder (see README.md).

    ESPBURN_LITTLEFS_SRC=.../littlefs ESPBURN_SPIFFS_SRC=.../spiffs/src \\
        /usr/bin/python3 tests/data/fs/make_reference_images.py

Compiles tests/e2e/lfs_reference.c and spiffs_reference.c against the reference
sources, has them format and fill images from a fixed tree (test_fs.make_tree,
seed 1) and change images espburn built, and writes each image gzipped with the
listing the reference itself gives of it ("D path" / "F path size crc32")."""
import gzip
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from test_fs import make_tree  # noqa: E402

ESPBURN = os.environ.get("ESPBURN_BIN", str(ROOT / "build" / "espburn"))
SIZE = 256 * 1024


def compile_refs(tmp):
    lfs, spf = os.environ["ESPBURN_LITTLEFS_SRC"], os.environ["ESPBURN_SPIFFS_SRC"]
    lexe, sexe = tmp / "lfs_reference", tmp / "spiffs_reference"
    subprocess.run(["cc", "-O1", "-DLFS_NO_DEBUG", "-DLFS_NO_WARN", f"-I{lfs}", "-o", lexe,
                    ROOT / "tests/e2e/lfs_reference.c", f"{lfs}/lfs.c", f"{lfs}/lfs_util.c", "-lz"], check=True)
    srcs = [f"{spf}/{n}.c" for n in ("spiffs_cache", "spiffs_check", "spiffs_gc", "spiffs_hydrogen", "spiffs_nucleus")]
    subprocess.run(["cc", "-O1", f"-I{ROOT / 'tests/e2e/spiffs_ref'}", f"-I{spf}", "-o", sexe,
                    ROOT / "tests/e2e/spiffs_reference.c", *srcs, "-lz"], check=True)
    return lexe, sexe


def save(img, name, exe):
    listing = subprocess.run([exe, "ls", img], capture_output=True, text=True, check=True).stdout
    (HERE / f"{name}.listing").write_text("".join(sorted(listing.splitlines(keepends=True))))
    (HERE / f"{name}.img.gz").write_bytes(gzip.compress(pathlib.Path(img).read_bytes(), 9, mtime=0))


def main():
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t)
        lexe, sexe = compile_refs(tmp)
        for fstype, exe, spiffs, edit in (("littlefs", lexe, False, ["/README", "/lib"]),
                                          ("spiffs", sexe, True, ["/lib/util.py"])):
            src = make_tree(tmp / f"src-{fstype}", seed=1, big=False, spiffs=spiffs)
            shutil.rmtree(src / "Mixed Case")  # keep the images small: 70 KB less
            made = tmp / f"{fstype}-made.img"
            subprocess.run([exe, "mk", made, str(SIZE), src], check=True, capture_output=True)
            save(made, f"{fstype}-made-by-reference", exe)
            ours = tmp / f"{fstype}-ours.img"
            subprocess.run([ESPBURN, "fs", "build", src, "-o", ours, "--type", fstype, "--size", str(SIZE)],
                           check=True, capture_output=True)
            subprocess.run([exe, "write", ours, *edit], check=True, capture_output=True)
            save(ours, f"{fstype}-ours-changed-by-reference", exe)


if __name__ == "__main__":
    main()
