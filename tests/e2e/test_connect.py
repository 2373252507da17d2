"""Connecting to network ports is bounded (issue 15, items 3 and 4).

socket:// and rfc2217:// give up after 5 s (ESPBURN_CONNECT_TIMEOUT seconds when set),
name lookup included, with exit 3 and one sentence; a port number outside 1..65535 is a
usage error (exit 2), never truncated. The peer that does not answer is a listener whose
backlog is full (the kernel drops our SYNs and would retry for ~130 s), and for name
lookup a name server inside a network namespace that never answers.
"""
import os
import shutil
import socket
import subprocess
import textwrap
import time

import pytest

from conftest import espburn_bin, run

LIMIT_S = 10  # what issue 15 allows (the default limit is 5 s)


@pytest.fixture
def full_backlog():
    """A listener that accepts nothing more: backlog 0, taken by one connection."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    for _ in range(3):  # Linux queues backlog + 1; make sure the queue is full
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
    yield port
    for c in fillers:
        c.close()
    lst.close()


def timed(*args, env=None):
    t0 = time.monotonic()
    r = run(*args, env=env, timeout=60)
    return r, time.monotonic() - t0


def one_sentence(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def env_with(**kw):
    e = dict(os.environ)
    e.pop("ESPBURN_CONNECT_TIMEOUT", None)
    e.update(kw)
    return e


@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
def test_chip_gives_up_on_a_full_backlog(full_backlog, scheme):
    r, took = timed("chip", "-p", f"{scheme}://127.0.0.1:{full_backlog}", env=env_with())
    assert r.rc == 3, r
    assert 4.5 <= took <= LIMIT_S, took                    # the default limit, not 130 s
    line = one_sentence(r.err)
    assert "no answer within 5.0 s" in line and "ESPBURN_CONNECT_TIMEOUT" in line, line


def test_monitor_gives_up_on_a_full_backlog(full_backlog):
    r, took = timed("monitor", "-p", f"socket://127.0.0.1:{full_backlog}", "--duration", "3",
                    env=env_with())
    assert r.rc == 3, r
    assert took <= LIMIT_S, took
    assert "no answer within 5.0 s" in one_sentence(r.err)


def test_micropython_commands_give_up_too(full_backlog):
    r, took = timed("exec", "-p", f"rfc2217://127.0.0.1:{full_backlog}", "print(1)", env=env_with())
    assert r.rc == 3, r
    assert took <= LIMIT_S, took
    assert "no answer within" in one_sentence(r.err)


def test_the_limit_is_configurable(full_backlog):
    r, took = timed("chip", "-p", f"socket://127.0.0.1:{full_backlog}",
                    env=env_with(ESPBURN_CONNECT_TIMEOUT="1"))
    assert r.rc == 3, r
    assert 0.9 <= took <= 4, took
    assert "no answer within 1.0 s" in one_sentence(r.err)


def test_a_bad_limit_is_a_usage_error():
    r = run("chip", "-p", "socket://127.0.0.1:9", env=env_with(ESPBURN_CONNECT_TIMEOUT="soon"))
    assert r.rc == 2, r
    assert "ESPBURN_CONNECT_TIMEOUT='soon'" in one_sentence(r.err)


@pytest.mark.parametrize("args", [["chip"], ["monitor", "--duration", "3"], ["exec", "print(1)"]])
@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
def test_port_number_out_of_range_is_a_usage_error(args, scheme):
    listener = socket.socket()       # 99999 - 65536 = 34463: make sure nothing is reached there
    try:
        listener.bind(("127.0.0.1", 34463))
        listener.listen(1)
    except OSError:
        listener.close()
        listener = None
    try:
        r, took = timed(args[0], "-p", f"{scheme}://127.0.0.1:99999", *args[1:], env=env_with())
        assert r.rc == 2, r
        assert took < 5, took
        assert "1 to 65535" in one_sentence(r.err)
        if listener:
            listener.setblocking(False)
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        if listener:
            listener.close()


def _namespace_tools():
    return shutil.which("unshare") and shutil.which("ip") and shutil.which("mount")


def test_name_lookup_is_bounded(tmp_path):
    """A name server that never answers (in a private network and mount namespace)."""
    if not _namespace_tools():
        pytest.skip("needs unshare, ip and mount")
    probe = subprocess.run(["unshare", "-rnm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user namespaces are not available here: " + probe.stderr.decode().strip())
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:30 attempts:3\n")
    script = tmp_path / "lookup.sh"
    bound = tmp_path / "bound"
    script.write_text(textwrap.dedent(f"""\
        set -e
        ip link set lo up
        mount --bind {resolv} /etc/resolv.conf
        python3 -c 'import socket, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 53))
        open("{bound}", "w").close(); time.sleep(60)' &
        for i in $(seq 100); do [ -e {bound} ] && break; sleep 0.1; done
        start=$(date +%s.%N)
        set +e
        "{espburn_bin()}" chip -p socket://board.espburn-test.example:4000
        rc=$?
        echo "rc=$rc took=$(echo "$(date +%s.%N) - $start" | bc)" >&2
        kill %1
        exit 0
        """))
    env = env_with()
    p = subprocess.run(["unshare", "-rnm", "bash", str(script)], capture_output=True, text=True,
                       timeout=60, env=env)
    tail = p.stderr.strip().splitlines()
    assert tail and tail[-1].startswith("rc="), p.stderr
    rc, took = tail[-1].split()
    assert rc == "rc=3", p.stderr
    assert float(took.split("=")[1]) <= LIMIT_S, p.stderr
    msg = [line for line in tail[:-1] if line.strip()]
    assert len(msg) == 1 and "no answer from the name server within 5.0 s" in msg[0], p.stderr
