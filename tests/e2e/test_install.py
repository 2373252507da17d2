"""The installed espburn: `cmake --install` into a temporary prefix, then the
installed binary run from `/` with the source tree out of reach
(ESPBURN_SOURCE_DIR pointing nowhere) finds its data under PREFIX/share/espburn:
it flashes the seed bundle with esptool-js's stub and serves a MicroPython REPL
from `sim --micropython`. A binary copied alone says in one line that it has no
stub, and --json says why."""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import espburn_bin

BUNDLE = {0x1000: "bootloader/bootloader.bin", 0x8000: "partitions_mpy.bin", 0xF000: "phy_init_data.bin",
          0x10000: "MicroPython.bin"}

KEEP = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """PREFIX with bin/espburn and share/espburn, installed from the build of ESPBURN_BIN."""
    build = pathlib.Path(espburn_bin()).resolve().parent
    if not (build / "CMakeCache.txt").is_file():
        pytest.fail(f"{build} is not a CMake build folder: set ESPBURN_BIN to build/espburn of a build")
    p = tmp_path_factory.mktemp("prefix")
    r = subprocess.run(["cmake", "--install", str(build), "--prefix", str(p)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return p


def isolated_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ESPBURN_DATA_DIR", "ESPBURN_STUB_DIR", "ESPBURN_MPY_BOARD")}
    env["ESPBURN_SOURCE_DIR"] = str(tmp_path / "no-source-tree")
    env.update(extra)
    return env


def run_installed(exe, *args, tmp_path, timeout=300):
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd="/", env=isolated_env(tmp_path))


def test_installed_binary_flashes_the_seed_bundle_with_the_stub(prefix, sim, seed, tmp_path):
    assert (prefix / "share/espburn/node_modules/esptool-js/LICENSE").is_file()
    board = sim("m5stack-fire", "rfc2217")
    r = run_installed(prefix / "bin/espburn", "flash", seed, "-p", board.url, *KEEP, "--json",
                      tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    dev = json.loads(r.stdout)["boards"][0]["device"]
    assert dev["stub"] is True and "stub_reason" not in dev, dev
    assert "no flasher stub" not in r.stderr
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for addr, name in BUNDLE.items():
        data = (seed / name).read_bytes()
        assert flash[addr:addr + len(data)] == data, f"{name} at 0x{addr:X} differs"


def test_a_binary_without_its_data_says_it_has_no_stub(prefix, sim, seed, tmp_path):
    alone = tmp_path / "alone/bin/espburn"
    alone.parent.mkdir(parents=True)
    shutil.copy(prefix / "bin/espburn", alone)
    board = sim()
    r = run_installed(alone, "flash", seed / "partitions_mpy.bin@0x8000", "-p", board.url, "--json",
                      tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    dev = json.loads(r.stdout)["boards"][0]["device"]
    assert dev["stub"] is False and "ESPBURN_DATA_DIR" in dev["stub_reason"], dev
    notes = [ln for ln in r.stderr.splitlines() if "no flasher stub found" in ln]
    assert len(notes) == 1 and "ROM loader" in notes[0], r.stderr


def test_installed_sim_micropython_serves_a_repl(prefix, tmp_path):
    fs = tmp_path / "fs"
    fs.mkdir()
    env = isolated_env(tmp_path)
    proc = subprocess.Popen([str(prefix / "bin/espburn"), "sim", "--micropython", "--fs", str(fs), "--tcp", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/", env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"connect with -p (\S+)", line)
        assert m, line + proc.stderr.read() if proc.poll() is not None else line
        r = run_installed(prefix / "bin/espburn", "exec", "-p", m.group(1), "print(1)", tmp_path=tmp_path,
                          timeout=60)
        assert r.returncode == 0 and r.stdout.strip() == "1", r
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_completions_and_man_page_are_installed(prefix, tmp_path):
    """Where bash-completion, zsh, fish and man look under PREFIX, each what the installed
    binary writes from its tables (tests/e2e/test_completion.py checks their content)."""
    exe = prefix / "bin/espburn"
    for path, args in (("share/bash-completion/completions/espburn", ["completion", "bash"]),
                       ("share/zsh/site-functions/_espburn", ["completion", "zsh"]),
                       ("share/fish/vendor_completions.d/espburn.fish", ["completion", "fish"]),
                       ("share/man/man1/espburn.1", ["man"])):
        assert (prefix / path).is_file(), f"{path} is not installed"
        r = run_installed(exe, *args, tmp_path=tmp_path)
        assert r.returncode == 0, r.stderr
        assert (prefix / path).read_text() == r.stdout, f"{path} is not what 'espburn {' '.join(args)}' writes"
    r = subprocess.run(["man", "-l", str(prefix / "share/man/man1/espburn.1")], capture_output=True, text=True,
                       env={"MANPAGER": "cat", "PATH": os.environ["PATH"], "MANWIDTH": "80"})
    assert r.returncode == 0 and "espburn - flash ESP32 boards" in r.stdout.replace("\u2010", "-"), r
