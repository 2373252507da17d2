"""The configuration file ($XDG_CONFIG_HOME/espburn/config.ini): port, baud,
after, port aliases and sync excludes; precedence flag > env > file > default;
a malformed file refused (exit 2, file and line named) by every command;
`espburn config` says where each setting comes from."""
import json
import re
import subprocess
import time

import pytest

from conftest import espburn_bin, run


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    """write(text): the config file under a temporary XDG_CONFIG_HOME."""
    home = tmp_path / "xdg"
    (home / "espburn").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("ESPBURN_PORT", raising=False)
    monkeypatch.delenv("ESPBURN_BAUD", raising=False)

    def write(text):
        path = home / "espburn" / "config.ini"
        path.write_text(text)
        return path
    return write


@pytest.fixture
def mpy_sim(tmp_path):
    """`espburn sim --micropython` over TCP, its files in tmp_path/fs: (url, fs)."""
    fs = tmp_path / "fs"
    fs.mkdir()
    (fs / "hello.py").write_text("print('hi')\n")
    proc = subprocess.Popen([espburn_bin(), "sim", "--micropython", "--fs", str(fs), "--tcp", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    m = re.search(r"connect with -p (\S+)", proc.stdout.readline())
    assert m, "sim --micropython did not start"
    # The first session right after the start can meet MicroPython still booting
    # (a known race of the virtual board under load, not what is tested here).
    for _ in range(20):
        if run("exec", "-p", m.group(1), "pass", timeout=30).rc == 0:
            break
        time.sleep(0.5)
    yield m.group(1), fs
    proc.terminate()
    proc.wait(timeout=10)


def test_an_alias_names_the_port(cfg, mpy_sim):
    url, _ = mpy_sim
    cfg(f"[port fire]\npath = {url}\n")
    r = run("ls", "-p", "fire")
    assert r.rc == 0, r
    assert "hello.py" in r.out


def test_port_from_the_file_env_beats_it_flag_beats_both(cfg, mpy_sim, monkeypatch):
    url, _ = mpy_sim
    cfg(f"port = fire\n\n[port fire]\npath = {url}\n")
    r = run("ls")
    assert r.rc == 0 and "hello.py" in r.out, r
    monkeypatch.setenv("ESPBURN_PORT", "socket://127.0.0.1:1")  # nobody listens there
    r = run("ls", timeout=30)
    assert r.rc == 3, r
    assert "127.0.0.1:1" in r.err
    r = run("ls", "-p", "fire")
    assert r.rc == 0 and "hello.py" in r.out, r


def test_config_shows_each_setting_and_where_it_comes_from(cfg, monkeypatch):
    path = cfg("# mine\nport = fire\nbaud = 460800\nafter = stay\n"
               "[port fire]\npath = /dev/ttyUSB7\n[sync]\nexclude = *.log\n")
    r = run("config")
    assert r.rc == 0, r
    assert f"file    {path} (read)" in r.out
    assert re.search(r"^port +fire -> /dev/ttyUSB7 +file, line 2$", r.out, re.M), r.out
    assert re.search(r"^baud +460800 +file, line 3$", r.out, re.M), r.out
    assert re.search(r"^after +stay +file, line 4$", r.out, re.M), r.out
    assert re.search(r"^exclude \*\.log +file, line 8$", r.out, re.M), r.out
    monkeypatch.setenv("ESPBURN_BAUD", "921600")
    r = run("config", "--json", "--port=/dev/ttyACM0", "--after", "no-reset")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert doc["ok"] and doc["command"] == "config" and doc["file"] == str(path) and doc["file_found"]
    s = doc["settings"]
    assert s["port"] == {"value": "/dev/ttyACM0", "from": "flag"}
    assert s["baud"] == {"value": "921600", "from": "env"}
    assert s["after"] == {"value": "no-reset", "from": "flag"}
    assert doc["aliases"] == [{"name": "fire", "path": "/dev/ttyUSB7", "line": 5}]
    assert doc["sync_exclude"] == [{"pattern": "*.log", "line": 8}]


def test_without_a_file_the_defaults_apply(cfg):
    r = run("config", "--json")
    assert r.rc == 0, r
    doc = json.loads(r.out)
    assert not doc["file_found"]
    assert doc["settings"]["port"] == {"value": None, "from": "default"}
    assert doc["settings"]["baud"]["from"] == "default"
    assert doc["aliases"] == [] and doc["sync_exclude"] == []


@pytest.mark.parametrize("text,line,what", [
    ("port = a\nprot = b\n", 2, "unknown setting 'prot'"),
    ("baud = fast\n", 1, "baud 'fast'"),
    ("\n[port fire]\n", 2, "[port fire] has no path"),
    ("port = a\nthis is not ini\n", 2, "not 'key = value'"),
])
def test_a_malformed_file_is_refused_by_every_command(cfg, text, line, what, tmp_path):
    path = cfg(text)
    for args in (["config"], ["info", tmp_path], ["ls", "-p", "socket://127.0.0.1:1"]):
        r = run(*args)
        assert r.rc == 2, (args, r)
        assert f"{path} line {line}: {what}" in r.err, r
        assert r.out == ""


def test_sync_leaves_out_the_files_excludes(cfg, mpy_sim, tmp_path):
    url, fs = mpy_sim
    cfg("[sync]\nexclude = *.log\n")
    src = tmp_path / "proj"
    src.mkdir()
    (src / "main.py").write_text("print(1)\n")
    (src / "debug.log").write_text("noise\n")
    (src / "keep.txt").write_text("kept\n")
    r = run("sync", "-p", url, src, ":app", "--exclude", "*.txt")
    assert r.rc == 0, r
    assert sorted(p.name for p in (fs / "app").iterdir()) == ["main.py"]


def test_after_from_the_file(cfg, sim):
    board = sim(transport="rfc2217")  # with reset lines: chip hard-resets at the end by default
    r = run("chip", "-p", board.url, "--explain")
    assert r.rc == 0, r
    assert "hard reset" in r.err  # chip's own default
    cfg("after = stay\n")
    r = run("chip", "-p", board.url, "--explain")
    assert r.rc == 0, r
    assert "hard reset" not in r.err
    r = run("chip", "-p", board.url, "--explain", "--after", "hard-reset")
    assert r.rc == 0, r
    assert "hard reset" in r.err


def test_fs_reads_the_board_of_the_files_port(cfg):
    """fs ls without an image reads the board on the default port, the file's included."""
    r = run("fs", "ls")
    assert r.rc == 2 and "give the image" in r.err, r
    cfg("port = dead\n[port dead]\npath = socket://127.0.0.1:1\n")
    r = run("fs", "ls", timeout=30)
    assert r.rc == 3 and "127.0.0.1:1" in r.err, r
