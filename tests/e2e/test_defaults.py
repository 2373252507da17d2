"""Fast and safe defaults (issue 12): flash, read, verify and erase run at
-b auto unless ESPBURN_BAUD or -b says a rate, and their summary says the rate
used; every command that entered download mode hard-resets into the firmware
afterwards, so flash -> verify -> exec -> repl works in a row on the virtual
Fire flashed with the seed bundle; a board still running a stub at a higher
rate (--after stay, then a connect that cannot reset it) is reached at the
rate last used on its port, said in one line."""
import json
import os
import re

from conftest import run
from ptyterm import Term

PHY = "phy_init_data.bin"


def test_flash_read_verify_erase_default_to_auto_and_say_the_rate(sim, seed, tmp_path):
    board = sim(transport="rfc2217")
    r = run("flash", f"{seed / PHY}@0xf000", "-p", board.url, "--json")
    assert r.rc == 0, r
    assert json.loads(r.out)["boards"][0]["device"]["baud"] == 2000000  # the Fire's CP2104 top rate
    r = run("flash", f"{seed / PHY}@0xf000", "-p", board.url, "--no-skip")
    assert r.rc == 0 and re.search(r"wrote \d+ bytes at 2000000 baud", r.err), r
    r = run("read", "-p", board.url, "0xf000", "0x1000", tmp_path / "phy.bin")
    assert r.rc == 0 and "at 2000000 baud" in r.out, r
    r = run("verify", f"{seed / PHY}@0xf000", "-p", board.url, "--json")
    assert r.rc == 0 and json.loads(r.out)["baud"] == 2000000, r
    r = run("erase", "-p", board.url, "0x300000", "0x1000")
    assert r.rc == 0 and "at 2000000 baud" in r.out, r


def test_a_given_rate_or_espburn_baud_overrides_auto(sim, seed):
    board = sim(transport="rfc2217")
    r = run("verify", f"{seed / PHY}@0xf000", "-p", board.url, "-b", "115200", "--json")
    assert json.loads(r.out)["baud"] == 115200, r
    r = run("verify", f"{seed / PHY}@0xf000", "-p", board.url, "--json",
            env=dict(os.environ, ESPBURN_BAUD="460800"))
    assert json.loads(r.out)["baud"] == 460800, r
    r = run("erase", "-p", board.url, "0x300000", "0x1000", "-b", "921600",
            env=dict(os.environ, ESPBURN_BAUD="460800"))
    assert r.rc == 0 and "at 921600 baud" in r.out, r


def test_flash_verify_exec_repl_in_a_row(sim, seed):
    board = sim(transport="rfc2217")
    r = run("flash", seed, "-p", board.url, timeout=300)
    assert r.rc == 0, r
    r = run("verify", seed, "-p", board.url, timeout=120)
    assert r.rc == 0 and "every region matches" in r.out, r
    # verify entered download mode; its default --after hard-reset booted MicroPython again
    r = run("exec", "-p", board.url, "print(6 * 7)", timeout=60)
    assert r.rc == 0 and r.out.strip() == "42", r
    t = Term("repl", "-p", board.url, columns=80, rows=24)
    try:
        t.expect(r"Ctrl-\] leaves")
        t.type(b"\r")
        t.expect(r">>> ")
        t.type(b"print('in a row')\r")
        t.expect(r"in a row")
        t.type(b"\x1d")
        assert t.finish() == 0
    finally:
        t.kill()


def test_after_stay_keeps_the_loader_for_the_next_command(sim, seed):
    board = sim(transport="rfc2217")
    r = run("verify", f"{seed / PHY}@0xf000", "-p", board.url, "--after", "stay", "-b", "115200")
    assert r.rc == 1, r  # an empty flash differs; the loader still runs
    r = run("chip", "-p", board.url, "--before", "no-reset", "--json")
    assert r.rc == 0, r


def test_a_stub_left_running_is_reached_at_the_rate_last_used(sim, seed, tmp_path, monkeypatch):
    board = sim(transport="rfc2217")
    r = run("flash", f"{seed / PHY}@0xf000", "-p", board.url, "-b", "921600", "--after", "stay")
    assert r.rc == 0, r
    # no reset: only the stub at 921600 can answer, and espburn remembers that rate for this port
    r = run("chip", "-p", board.url, "--before", "no-reset", "--after", "stay", "--json", timeout=120)
    assert r.rc == 0, r
    assert json.loads(r.out)["baud"] == 921600 and json.loads(r.out)["stub"] is True, r.out
    notes = [ln for ln in r.err.splitlines() if "the rate last used on this port" in ln]
    assert len(notes) == 1 and "921600" in notes[0], r.err
    # without the record (another state folder) the connect fails and says what it tried
    monkeypatch.setenv("ESPBURN_STATE", str(tmp_path / "elsewhere"))
    r = run("chip", "-p", board.url, "--before", "no-reset", timeout=120)
    assert r.rc == 3 and "no answer to SYNC" in r.err and "last used" not in r.err, r
