"""The virtual board's MicroPython child dies with its parent (issue 15, item 8):
`espburn sim --micropython` killed with SIGKILL must not leave its Node
process serving the port, and neither must the flash-booting board's app stage."""
import os
import pathlib
import re
import signal
import socket
import subprocess
import time

from conftest import espburn_bin


def children_of(pid):
    """Process ids whose parent is pid (from /proc)."""
    kids = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            status = (d / "status").read_text()
        except OSError:
            continue
        m = re.search(r"^PPid:\s+(\d+)$", status, re.M)
        if m and int(m.group(1)) == pid:
            kids.append(int(d.name))
    return kids


def alive(pid):
    """True while any thread of pid runs (a zombie waiting for its reaper has
    ended; a zombie leader whose other threads still exit has not)."""
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            status = (task / "status").read_text()
        except OSError:
            continue
        if not re.search(r"^State:\s+Z", status, re.M):
            return True
    return False


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stops_answering(port, seconds):
    deadline = time.time() + seconds
    while answers(port) and time.time() < deadline:
        time.sleep(0.05)
    return not answers(port)


def wait_gone(pid, seconds):
    deadline = time.time() + seconds
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_sigkill_of_sim_micropython_takes_its_node_child_along(tmp_path):
    fs = tmp_path / "fs"
    fs.mkdir()
    proc = subprocess.Popen([espburn_bin(), "sim", "--micropython", "--fs", str(fs), "--tcp", "0"],
                            stdout=subprocess.PIPE, text=True)
    kids = []
    try:
        m = re.search(r"-p socket://127\.0\.0\.1:(\d+)", proc.stdout.readline())
        assert m, "sim --micropython did not start"
        port = int(m.group(1))
        kids = children_of(proc.pid)
        assert len(kids) == 1 and answers(port), kids
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert wait_gone(kids[0], 2), "the Node board outlived espburn sim"
        assert stops_answering(port, 1), "an orphan still serves the port"
    finally:
        if proc.poll() is None:
            proc.kill()
        for k in kids:  # a failed run must not leave its orphan behind
            if alive(k):
                os.kill(k, signal.SIGKILL)


def test_node_board_leaves_when_its_lifeline_closes(tmp_path):
    """The portable path (no PR_SET_PDEATHSIG): board.mjs watches the pipe
    given with --lifeline and ends when the other end closes."""
    fs = tmp_path / "fs"
    fs.mkdir()
    board = pathlib.Path(__file__).resolve().parents[2] / "sim" / "micropython" / "board.mjs"
    r, w = os.pipe()
    proc = subprocess.Popen(["node", str(board), "--tcp", "0", "--fs", str(fs), "--lifeline", str(r)],
                            stdout=subprocess.PIPE, text=True, pass_fds=(r,))
    os.close(r)
    try:
        m = re.search(r"socket://127\.0\.0\.1:(\d+)", proc.stdout.readline())
        assert m and answers(int(m.group(1)))
        time.sleep(0.3)
        assert proc.poll() is None, "the board left while its lifeline was open"
        os.close(w)
        w = None
        proc.wait(timeout=2)
        assert stops_answering(int(m.group(1)), 1)
    finally:
        if w is not None:
            os.close(w)
        if proc.poll() is None:
            proc.kill()


def test_sigkill_of_the_flash_booting_board_takes_its_app_stage_along(sim, seed, espburn, tmp_path):
    """The app stage's Node MicroPython (wired by pipes, --stdio) ends with the board."""
    from test_sim_micropython_boot import board_processes, flashed_board, wait_for
    fs = tmp_path / "files"
    fs.mkdir()
    b = flashed_board(sim, seed, espburn, ("--fs", fs))
    assert espburn("reset", "-p", b.url).rc == 0
    assert wait_for(lambda: len(board_processes(fs)) == 1), "the app stage did not start"
    node = board_processes(fs)[0]
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait(timeout=10)
    try:
        assert wait_gone(node, 2), "the app stage's Node board outlived espburn sim"
    finally:
        if alive(node):
            os.kill(node, signal.SIGKILL)
