"""mip install against an index the test builds (micropython-lib's layout,
as mpremote's mip reads it), served by a local HTTP server or read from a
folder, into the virtual board's real MicroPython."""
import hashlib
import http.server
import json
import threading

import pytest

from test_mpy import board, board_factory  # noqa: F401  (fixtures)

GREET = b"from util import shout\ndef hello(n):\n    return shout('hello ' + n)\n"
UTIL = b"def shout(s):\n    return s.upper()\n"
EXTRA = b"X = 'extra'\n"


def short(data):
    return hashlib.sha256(data).hexdigest()[:8]


def put(root, rel, data):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())


def build_index(root, base_url):
    for flavour in ("py", "6"):
        put(root, f"package/{flavour}/greet/latest.json",
            {"hashes": [["greet/__init__.py", short(GREET)]], "deps": [["util", "latest"]], "version": "1.0"})
        put(root, f"package/{flavour}/util/latest.json",
            {"hashes": [["util.py", short(UTIL)]], "urls": [["extra.py", base_url + "/extra/extra.py"]]})
        put(root, f"package/{flavour}/util/0.1.json", {"hashes": [["util.py", short(UTIL)]]})
        put(root, f"package/{flavour}/broken/latest.json", {"hashes": [["b.py", "deadbeef"]]})
        put(root, f"package/{flavour}/evil/latest.json", {"hashes": [["../../boot.py", short(UTIL)]]})
    for data in (GREET, UTIL):
        put(root, f"file/{short(data)[:2]}/{short(data)}", data)
    put(root, "file/de/deadbeef", b"not what the hash says")
    put(root, "extra/extra.py", EXTRA)


@pytest.fixture
def index(tmp_path):
    root = tmp_path / "index"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    build_index(root, url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url, root
    server.shutdown()


def lib_of(board):
    return board.fs / "lib"  # /lib on official, /flash/lib on LoBo: both "lib" in the board's files


def test_install_with_dependencies_over_http(board, index):
    url, _ = index
    r = board.run("mip", "install", "greet", "--index", url)
    assert r.rc == 0, r
    lib = lib_of(board)
    assert (lib / "greet/__init__.py").read_bytes() == GREET
    assert (lib / "util.py").read_bytes() == UTIL
    assert (lib / "extra.py").read_bytes() == EXTRA
    assert "mip: installed greet (2 packages, 3 files," in r.out, r.out
    target = r.out.split("into :")[1].split(" ")[0]
    # the virtual LoBo's sys.path is the WebAssembly build's (no /flash/lib): add the target to import
    r = board.run("exec", f"import sys\n'{target}' in sys.path or sys.path.append('{target}')\n"
                          "from greet import hello\nprint(hello('board'))")
    assert r.rc == 0 and r.out.strip() == "HELLO BOARD", r


def test_install_from_a_folder_into_a_target_as_sources(board_factory, index):
    _, root = index
    b = board_factory("official")
    r = b.run("mip", "install", "util@0.1", "--index", root, "--target", ":/pkgs", "--no-mpy", "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert doc["path"] == "/pkgs" and doc["flavour"] == "py" and doc["files"] == 1, doc
    assert (b.fs / "pkgs/util.py").read_bytes() == UTIL


def test_install_a_single_file_by_url(board_factory, index):
    url, _ = index
    b = board_factory("official")
    r = b.run("mip", "install", url + "/extra/extra.py")
    assert r.rc == 0, r
    assert (b.fs / "lib/extra.py").read_bytes() == EXTRA


def test_refusals(board_factory, index):
    url, _ = index
    b = board_factory("official")
    r = b.run("mip", "install", "missing", "--index", url)
    assert r.rc == 1 and "HTTP 404" in r.err, r
    r = b.run("mip", "install", "broken", "--index", url)
    assert r.rc == 1 and "does not match its hash" in r.err, r
    assert not (b.fs / "lib/b.py").exists()
    r = b.run("mip", "install", "evil", "--index", url)
    assert r.rc == 1 and "bad hashes entry" in r.err, r
    r = b.run("mip", "install", "greet", "--index", "http://127.0.0.1:9")
    assert r.rc == 3 and "could not fetch" in r.err, r
    r = b.run("mip", "remove", "greet")
    assert r.rc == 2 and "only mip action is 'install'" in r.err, r
