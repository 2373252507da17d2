"""The virtual board's MicroPython raises the OSError numbers MicroPython on
an ESP32 raises (sim/micropython/errno.mjs), not the WebAssembly build's WASI
numbers: one check per common errno, on both personalities, through the
same code a user would run."""
import json
import subprocess

import pytest

from conftest import ROOT
from test_mpy import board, board_factory  # noqa: F401  (fixtures)

# (what the code does, errno name, official value (LittleFS), LoBo value (newlib))
CASES = [
    ("open('missing.txt')", "ENOENT", 2, 2),
    ("os.mkdir('d')", "EEXIST", 17, 17),
    ("open('f.txt/x')", "ENOTDIR", 20, 20),
    ("open('d', 'w')", "EISDIR", 21, 21),
    ("os.rmdir('d')", "ENOTEMPTY", 39, 90),
    ("os.rename('d', 'd/e/inside')", "EINVAL", 22, 22),
]


def personality(board):
    return "lobo" if board.fs.name.startswith("fs-lobo") else "official"


@pytest.mark.parametrize("code,name,official,lobo", CASES, ids=[c[1] for c in CASES])
def test_oserror_numbers_are_the_chips(board_factory, code, name, official, lobo):
    for p, want in (("official", official), ("lobo", lobo)):
        b = board_factory(p, files={"f.txt": "x", "d/e/g.txt": "y"})
        r = b.run("exec", f"import os\ntry:\n {code}\nexcept OSError as e:\n print(e.errno)")
        assert r.rc == 0, r
        assert r.out.strip() == str(want), (p, r)


def test_enospc_when_the_filesystem_is_full(board_factory):
    for p in ("official", "lobo"):
        b = board_factory(p, fs_size=64 << 10)
        r = b.run("exec", "try:\n f = open('big', 'wb')\n f.write(bytes(200000))\nexcept OSError as e:\n print(e.errno)")
        assert r.rc == 0 and r.out.strip() == "28", (p, r)


def test_errno_module_agrees_with_the_raised_numbers(board):
    r = board.run("exec", "import errno, os\ntry:\n os.stat('missing')\nexcept OSError as e:\n"
                          " print(e.errno == errno.ENOENT, errno.ENOENT, errno.EEXIST, errno.EISDIR,"
                          " errno.EINVAL, errno.EACCES, errno.errorcode[2])")
    assert r.rc == 0, r
    assert r.out.split() == ["True", "2", "17", "21", "22", "13", "ENOENT"]


def test_traceback_names_the_errno_as_on_the_chip(board):
    r = board.run("exec", "open('missing.txt')")
    assert r.rc == 1, r
    assert "OSError: [Errno 2] ENOENT" in r.err


def test_espburn_reports_missing_file_from_the_number(board):
    r = board.run("cat", ":missing.txt")
    assert r.rc == 1 and "no such file or folder on the board" in r.err, r


def test_translation_table_covers_the_common_errnos():
    """Every WASI number the WebAssembly build's MEMFS raises has a firmware value."""
    code = ("import('./sim/micropython/errno.mjs').then(m => { const o = {};"
            " for (const s of ['littlefs', 'newlib']) o[s] = Object.fromEntries(m.errnoMap(s)); "
            "console.log(JSON.stringify(o)); })")
    out = subprocess.run(["node", "-e", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    maps = json.loads(out)
    wasi = {"ENOENT": 44, "EEXIST": 20, "ENOTDIR": 54, "EISDIR": 31, "ENOTEMPTY": 55, "ENOSPC": 51,
            "EACCES": 2, "EINVAL": 28, "EPERM": 63, "EBUSY": 10, "EBADF": 8, "EROFS": 69}
    newlib = {"ENOENT": 2, "EEXIST": 17, "ENOTDIR": 20, "EISDIR": 21, "ENOTEMPTY": 90, "ENOSPC": 28,
              "EACCES": 13, "EINVAL": 22, "EPERM": 1, "EBUSY": 16, "EBADF": 9, "EROFS": 30}
    for name, w in wasi.items():
        assert maps["newlib"][str(w)] == newlib[name], name
        want = 39 if name == "ENOTEMPTY" else newlib[name]
        assert maps["littlefs"][str(w)] == want, name
