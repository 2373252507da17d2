"""libespburn as another program uses it: the examples (examples/flash_bundle.c,
examples/mpy_put.c), built by scripts/test.sh against the *installed* library
with pkg-config (ESPBURN_EXAMPLES names the folder; `NAME` is linked with the
shared library, `NAME-static` with the static one), run against the virtual
board."""
import os
import pathlib
import re
import subprocess

import pytest

from conftest import espburn_bin

SEED_FILES = {0x1000: "bootloader/bootloader.bin", 0x8000: "partitions_mpy.bin", 0xF000: "phy_init_data.bin",
              0x10000: "MicroPython.bin"}
VARIANTS = ["", "-static"]


def example(name, variant):
    folder = os.environ.get("ESPBURN_EXAMPLES")
    if not folder:
        pytest.skip("ESPBURN_EXAMPLES is not set: scripts/test.sh builds the examples against the installed "
                    "library and sets it")
    path = pathlib.Path(folder) / (name + variant)
    if not path.is_file():
        pytest.skip(f"{path} was not built (scripts/test.sh builds both the shared and the static variant)")
    return str(path)


def run_example(path, *args, timeout=180):
    return subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("variant", VARIANTS)
def test_flash_bundle_writes_the_seed_folder(variant, sim, seed):
    exe = example("flash_bundle", variant)
    board = sim("m5stack-fire", "rfc2217")
    r = run_example(exe, board.url, seed)
    assert r.returncode == 0, f"rc={r.returncode}\n{r.stdout}\n{r.stderr}"
    # the library climbed past 115200 (-b auto) and reported every region written
    assert re.search(r", (460800|921600|1500000|2000000|3000000) baud", r.stderr), r.stderr
    for addr, name in SEED_FILES.items():
        assert re.search(rf"^0x{addr:06X} \S*{re.escape(name)}\s+written ", r.stdout, re.M), r.stdout
    assert board.stop() == 0
    flash = board.flash_file.read_bytes()
    for addr, name in SEED_FILES.items():
        data = (seed / name).read_bytes()
        assert flash[addr:addr + len(data)] == data, f"{name} at 0x{addr:X} differs"


@pytest.mark.parametrize("variant", VARIANTS)
def test_flash_bundle_again_writes_nothing_and_bad_folder_fails(variant, sim, seed, tmp_path):
    exe = example("flash_bundle", variant)
    board = sim("m5stack-fire", "rfc2217")
    assert run_example(exe, board.url, seed).returncode == 0
    r = run_example(exe, board.url, seed)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("up-to-date") == 4 and "0 bytes written" in r.stdout, r.stdout
    r = run_example(exe, board.url, tmp_path / "missing")
    assert r.returncode == 3 and "flash_bundle: " in r.stderr and "missing" in r.stderr, r.stderr
    r = run_example(exe, board.url)
    assert r.returncode == 2 and "usage: flash_bundle PORT FOLDER" in r.stderr


def start_micropython(fs):
    proc = subprocess.Popen([espburn_bin(), "sim", "--micropython", "--fs", str(fs), "--tcp", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    m = re.search(r"connect with -p (\S+)", proc.stdout.readline())
    if not m:
        proc.kill()
        pytest.fail("espburn sim --micropython did not start")
    return proc, m.group(1)


@pytest.mark.parametrize("variant", VARIANTS)
def test_mpy_put_copies_a_file_onto_the_board(variant, tmp_path):
    exe = example("mpy_put", variant)
    fs = tmp_path / "fs"
    fs.mkdir()
    local = tmp_path / "main.py"
    local.write_bytes(b'print("hello from libespburn")\n' + bytes(range(256)) * 40)
    proc, port = start_micropython(fs)
    try:
        r = run_example(exe, port, local, ":main.py")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"put {local} -> :main.py"
        assert (fs / "main.py").read_bytes() == local.read_bytes()
        r = run_example(exe, port, tmp_path / "absent.py", ":x.py")
        assert r.returncode == 3 and "absent.py" in r.stderr and not (fs / "x.py").exists(), r.stderr
        r = run_example(exe, port, local, "main.py")
        assert r.returncode == 2 and "usage: mpy_put PORT LOCAL :REMOTE" in r.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=20)
