"""The Debian package: `cpack -G DEB` from the build of ESPBURN_BIN, unpacked
with `dpkg -x` into a temporary root (not installed into the system: the test
machine is shared), then the packaged /usr/bin/espburn run from `/` with the
source tree out of reach: it flashes the seed bundle onto the virtual Fire
(served by the packaged binary too) with the stub at the default rate, the
board boots it, and MicroPython answers. About 20 s."""
import json
import pathlib
import re
import subprocess

import pytest

from conftest import espburn_bin
from test_install import isolated_env


@pytest.fixture(scope="module")
def deb_root(tmp_path_factory):
    build = pathlib.Path(espburn_bin()).resolve().parent
    if not (build / "CMakeCache.txt").is_file():
        pytest.fail(f"{build} is not a CMake build folder: set ESPBURN_BIN to build/espburn of a build")
    out = tmp_path_factory.mktemp("deb")
    r = subprocess.run(["cpack", "-G", "DEB", "-B", str(out)], cwd=build, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    debs = list(out.glob("espburn_*.deb"))
    assert len(debs) == 1, list(out.iterdir())
    info = subprocess.run(["dpkg-deb", "--field", str(debs[0]), "Depends"], capture_output=True, text=True)
    assert "libserialport" in info.stdout and "libcjson" in info.stdout, info.stdout
    root = out / "root"
    subprocess.run(["dpkg", "-x", str(debs[0]), str(root)], check=True)
    return root


def run_packaged(root, *args, env, timeout=120):
    return subprocess.run([str(root / "usr/bin/espburn"), *map(str, args)], capture_output=True, text=True,
                          cwd="/", env=env, timeout=timeout)


def test_the_package_holds_the_binary_and_its_data(deb_root):
    share = deb_root / "usr/share/espburn"
    assert (deb_root / "usr/bin/espburn").is_file()
    assert (share / "node_modules/esptool-js/lib/targets/stub_flasher/stub_flasher_32.json").is_file()
    assert (share / "node_modules/esptool-js/LICENSE").is_file()
    assert (share / "sim/micropython/board.mjs").is_file()


def test_packaged_binary_flashes_and_micropython_answers(deb_root, seed, tmp_path):
    env = isolated_env(tmp_path, ESPBURN_STATE=str(tmp_path / "state"))
    flash_file = tmp_path / "fire.bin"
    sim = subprocess.Popen([str(deb_root / "usr/bin/espburn"), "sim", "--rfc2217", "0", "--flash-file",
                            str(flash_file)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           cwd="/", env=env)
    try:
        m = re.search(r"connect with -p (\S+)", sim.stdout.readline())
        assert m, "the packaged sim did not start"
        url = m.group(1)
        r = run_packaged(deb_root, "flash", seed, "-p", url, "--json", env=env)
        assert r.returncode == 0, r.stderr
        dev = json.loads(r.stdout)["boards"][0]["device"]
        assert dev["stub"] is True and dev["baud"] > 115200, dev
        r = run_packaged(deb_root, "exec", "-p", url, "import sys; print(sys.implementation.name, 6 * 7)", env=env)
        assert r.returncode == 0 and r.stdout.split() == ["micropython", "42"], r
    finally:
        sim.terminate()
        sim.wait(timeout=20)
