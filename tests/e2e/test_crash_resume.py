"""The crash-and-resume matrix (issue 15): the board dies at random points.

For `put -r`, `sync`, `get -r` and `rm -r`, the MicroPython board
(`espburn sim --micropython --fs DIR`, not real-time) is killed with SIGKILL
at seeded random moments while the command runs (its Node child dies with
it), then started again on the same folder, which is the board's flash
filesystem. After each kill every file on the board and on the host must
hold its old or its new content, never half of either (a put's own recovery
files, NAME.eb-new and NAME.eb-old, count as what they protect: the next put
finishes or undoes them), and running the command again must complete and
leave everything new. `flash` is killed mid-write on the flash-booting
board (its --flash-file is the flash) and a re-run must end byte-exact.
Each case prints its counts: points tried, commands cut short, files
checked, half files (always 0)."""
import hashlib
import os
import pathlib
import random
import re
import signal
import subprocess
import time

import pytest

from conftest import espburn_bin, run

POINTS = int(os.environ.get("ESPBURN_CRASH_POINTS", "20"))
RECOVERY = (".eb-new", ".eb-old")
STARTED = []  # every board process a test started, stopped at its end however it ends


@pytest.fixture(autouse=True)
def stop_boards():
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


class Board:
    """sim --micropython on a folder; kill() is the power cut, start() the power-up."""

    def __init__(self, fs):
        self.fs, self.proc = pathlib.Path(fs), None

    def start(self):
        self.proc = subprocess.Popen([espburn_bin(), "sim", "--micropython", "--fs", str(self.fs), "--tcp", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        STARTED.append(self.proc)
        m = re.search(r"-p (socket://\S+)", self.proc.stdout.readline())
        assert m, "sim --micropython did not start"
        self.port = m.group(1)
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        deadline = time.time() + 5  # its Node child dies with it (PR_SET_PDEATHSIG); wait for the port
        while time.time() < deadline and port_answers(self.port):
            time.sleep(0.02)


def port_answers(url):
    import socket
    host, port = url.rsplit("/", 1)[-1].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=0.5).close()
        return True
    except OSError:
        return False


def contents(version, names, rng_seed=0):
    """Each name's bytes in `version`: different sizes and bytes per version."""
    out = {}
    for i, name in enumerate(names):
        rng = random.Random(f"{version}/{name}/{rng_seed}")
        size = rng.choice([0, 1, 300, 4096, 9000, 24000]) if i else 30000
        out[name] = rng.randbytes(size)
    return out


def write_tree(root, files):
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def read_tree(root):
    """Every file under root (relative name -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def judge(tree, old, new, where):
    """Check every file of `tree` holds its old or its new content (a name
    missing from old or new: absent is that state); returns files checked.
    NAME.eb-new / NAME.eb-old are a put's recovery files: NAME read through them."""
    checked = 0
    for name in set(old) | set(new):
        have = tree.get(name, tree.get(name + ".eb-old"))
        states = (old.get(name), new.get(name))
        assert have in states, f"{where}: {name} is " + \
            ("gone" if have is None else f"half written ({len(have)} bytes)") + \
            f"; old {len(states[0]) if states[0] is not None else 'absent'}, " \
            f"new {len(states[1]) if states[1] is not None else 'absent'}"
        checked += 1
    strays = [n for n in tree if n not in old and n not in new and not n.endswith(RECOVERY)]
    assert not strays, f"{where}: files that are neither old nor new: {strays}"
    return checked


def kill_during(board, args, delay):
    """Run espburn args, SIGKILL the board after `delay` s; the command's exit code."""
    cmd = subprocess.Popen([espburn_bin(), *map(str, args), "-p", board.port], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        cmd.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        pass
    board.kill()
    _, err = cmd.communicate(timeout=30)  # a lost board is an error within a bounded time
    assert cmd.returncode in (0, 1, 3), (cmd.returncode, err)
    return cmd.returncode


def warm(board):
    """Wait until the board's interpreter answers and has espburn's helpers
    (the first file command after a boot sends them): later runs take as
    long as the runs the kills interrupt."""
    for args in (("exec", "pass"), ("ls", ":")):
        r = run(*args, "-p", board.port, timeout=120)
        assert r.rc == 0, r


def timed(board, *args):
    t = time.time()
    r = run(*args, "-p", board.port, timeout=120)
    assert r.rc == 0, r
    return time.time() - t


class Counts:
    def __init__(self, name):
        self.name, self.points, self.cut, self.files = name, 0, 0, 0

    def report(self):
        print(f"\ncrash matrix {self.name}: {self.points} points tried, {self.cut} commands cut short, "
              f"{self.files} files checked, 0 half files")
        assert self.points >= POINTS and self.cut >= max(1, POINTS // 5), vars(self)


NAMES = ["app.py", "lib/a.py", "lib/b.bin", "data/c.txt", "data/deep/d.bin", "e.json", "f.bin"]


def test_put_r_survives_a_crash_at_any_point(tmp_path):
    rng, c = random.Random(1501), Counts("put -r")
    (tmp_path / "board").mkdir()
    board = Board(tmp_path / "board").start()
    src = tmp_path / "src"
    write_tree(src, contents(0, NAMES))
    warm(board)
    span = timed(board, "put", "-r", src, ":")  # like cp -r: the board gets /src
    for k in range(1, POINTS + 1):
        old, new = contents(k - 1, NAMES), contents(k, NAMES)
        write_tree(src, new)
        c.cut += kill_during(board, ["put", "-r", src, ":"], rng.uniform(0, span * 0.8)) != 0
        c.files += judge(read_tree(board.fs / "src"), old, new, f"put point {k}")
        board.start()
        timed(board, "put", "-r", src, ":")
        assert read_tree(board.fs / "src") == new, f"put point {k}: the re-run left other content"
        c.points += 1
    board.kill()
    c.report()


def test_sync_survives_a_crash_at_any_point(tmp_path):
    rng, c = random.Random(1502), Counts("sync")
    (tmp_path / "board").mkdir()
    board = Board(tmp_path / "board").start()
    src = tmp_path / "src"
    write_tree(src, contents(0, NAMES))
    warm(board)
    span = timed(board, "sync", src, ":")
    for k in range(1, POINTS + 1):
        old, new = contents(k - 1, NAMES), contents(k, NAMES)
        write_tree(src, new)
        c.cut += kill_during(board, ["sync", src, ":"], rng.uniform(0, span * 0.8)) != 0
        c.files += judge(read_tree(board.fs), old, new, f"sync point {k}")
        board.start()
        timed(board, "sync", src, ":")
        assert read_tree(board.fs) == new, f"sync point {k}: the re-run left other content"
        c.points += 1
    board.kill()
    c.report()


def test_get_r_survives_a_crash_at_any_point(tmp_path):
    rng, c = random.Random(1503), Counts("get -r")
    fs = tmp_path / "board"
    write_tree(fs / "app", contents("board", NAMES))
    board = Board(fs).start()
    host = tmp_path / "host"  # like cp -r: get -r :app host makes host/app
    host.mkdir()
    dst = host / "app"
    warm(board)
    span = timed(board, "get", "-r", ":app", host)
    for k in range(1, POINTS + 1):
        old, new = contents(k, NAMES), contents("board", NAMES)
        write_tree(dst, old)
        c.cut += kill_during(board, ["get", "-r", ":app", host], rng.uniform(0, span * 0.8)) != 0
        c.files += judge(read_tree(dst), old, new, f"get point {k}")
        assert read_tree(fs / "app") == new, f"get point {k}: the board's files changed"
        board.start()
        timed(board, "get", "-r", ":app", host)
        assert read_tree(dst) == new, f"get point {k}: the re-run left other content"
        c.points += 1
    board.kill()
    c.report()


def test_rm_r_survives_a_crash_at_any_point(tmp_path):
    rng, c = random.Random(1504), Counts("rm -r")
    fs = tmp_path / "board"
    for k in range(POINTS + 1):
        write_tree(fs / f"d{k}", contents(k, NAMES))
    board = Board(fs).start()
    warm(board)
    span = timed(board, "rm", "-r", ":d0")
    for k in range(1, POINTS + 1):
        old = contents(k, NAMES)
        c.cut += kill_during(board, ["rm", "-r", f":d{k}"], rng.uniform(0, span * 0.8)) != 0
        tree = read_tree(fs / f"d{k}") if (fs / f"d{k}").exists() else {}
        c.files += judge(tree, old, {}, f"rm point {k}")
        board.start()
        r = run("rm", "-r", f":d{k}", "-p", board.port, timeout=120)  # like rm -r: gone already is exit 1
        assert r.rc == 0 or (r.rc == 1 and not tree and "no such file" in r.err), r
        assert not (fs / f"d{k}").exists(), f"rm point {k}: the re-run left the folder"
        c.points += 1
    board.kill()
    c.report()


FLASH_POINTS = int(os.environ.get("ESPBURN_CRASH_FLASH_POINTS", "10"))
BUNDLE = {0x1000: "bootloader/bootloader.bin", 0x8000: "partitions_mpy.bin", 0xF000: "phy_init_data.bin",
          0x10000: "MicroPython.bin"}


class FlashBoard:
    """The flash-booting virtual board; its --flash-file is the flash, kept across kills."""

    def __init__(self, flash_file):
        self.flash_file, self.proc = flash_file, None

    def start(self):
        self.proc = subprocess.Popen([espburn_bin(), "sim", "--board", "m5stack-fire", "--flash-file",
                                      str(self.flash_file), "--tcp", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        STARTED.append(self.proc)
        m = re.search(r"connect with -p (\S+)", self.proc.stdout.readline())
        assert m, "espburn sim did not start"
        self.port = m.group(1)
        return self

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def test_flash_survives_a_crash_mid_write(seed, tmp_path):
    """Kill the board while flash writes the seed bundle on an erased flash;
    start it on the same flash file; the re-run ends byte-exact."""
    rng = random.Random(1505)
    points = cut = checked = 0
    board = FlashBoard(tmp_path / "flash.bin").start()
    t = time.time()
    r = run("flash", seed, "-p", board.port, timeout=300)
    span = time.time() - t
    assert r.rc == 0, r
    board.kill(signal.SIGTERM)
    # what an uninterrupted flash leaves is the reference (flash sets the bootloader's header
    # to the board's flash size, and its SHA-256 with it); the table and PHY data are as given
    reference = (tmp_path / "flash.bin").read_bytes()
    for addr in (0x8000, 0xF000):
        data = (seed / BUNDLE[addr]).read_bytes()
        assert reference[addr:addr + len(data)] == data, BUNDLE[addr]
    for k in range(FLASH_POINTS):
        (tmp_path / "flash.bin").unlink()  # an erased flash for each point
        board = FlashBoard(tmp_path / "flash.bin").start()
        cmd = subprocess.Popen([espburn_bin(), "flash", str(seed), "-p", board.port], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        try:
            cmd.wait(timeout=rng.uniform(0, span))
        except subprocess.TimeoutExpired:
            pass
        board.kill()
        _, err = cmd.communicate(timeout=60)
        assert cmd.returncode in (0, 3), (cmd.returncode, err)
        cut += cmd.returncode != 0
        board.start()
        r = run("flash", seed, "-p", board.port, timeout=300)
        assert r.rc == 0, f"flash point {k}: the re-run failed: {r}"
        board.kill(signal.SIGTERM)
        image = (tmp_path / "flash.bin").read_bytes()
        assert len(image) == len(reference)
        for addr, name in BUNDLE.items():
            end = addr + len((seed / name).read_bytes())
            assert image[addr:end] == reference[addr:end], f"flash point {k}: {name} at {addr:#x} differs"
        assert image == reference, f"flash point {k}: the flash differs outside the bundle"
        checked += len(image)
        points += 1
    print(f"\ncrash matrix flash: {points} points tried, {cut} writes cut short, {checked} flash bytes "
          f"compared with an uninterrupted flash, 0 different")
    assert points == FLASH_POINTS and cut >= max(1, FLASH_POINTS // 4), (points, cut)
