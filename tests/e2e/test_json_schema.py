"""Every --json document is one envelope (docs/json.md) and matches its command's schema
(docs/schema/COMMAND.json): each command with --json is run in failure (a usage error, and a
port that refuses the connection) and, where no board is needed or the virtual board serves,
in success; stdout holds exactly one document each time."""
import json
import pathlib

import jsonschema
import pytest

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "schema"
DEAD_PORT = "socket://127.0.0.1:1"


def validator(command):
    store = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    schema = store[f"{command}.json"]
    resolver = jsonschema.RefResolver(f"{command}.json", schema, store=store)  # Debian's jsonschema 4.10
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def json_commands(espburn):
    names = [ln.split()[0] for ln in espburn("help").out.splitlines() if ln.startswith("  ")]
    return [n for n in names if "\n  --json " in espburn(n, "--help").out]


def check(r, command):
    """One document on stdout, valid for `command`, ok exactly when the exit code is 0."""
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    assert len(lines) == 1, (command, r)
    doc = json.loads(lines[0])
    validator(command).validate(doc)
    assert doc["command"] == command and doc["ok"] == (r.rc == 0), (doc, r)
    if r.rc:
        assert doc["error"]["exit"] == r.rc and doc["error"]["message"], doc
    return doc


def test_every_json_command_has_a_schema(espburn):
    cmds = json_commands(espburn)
    assert len(cmds) > 30 and "flash" in cmds and "ls" in cmds, cmds
    assert sorted(cmds) == sorted(p.stem for p in SCHEMAS.glob("*.json") if p.stem != "envelope")


def test_usage_errors_give_the_envelope(espburn):
    for cmd in json_commands(espburn):
        r = espburn(cmd, "--no-such-option", "--json", timeout=30)
        assert r.rc == 2, (cmd, r)
        assert check(r, cmd)["error"]["code"] == "usage"


# Arguments that get each board command as far as opening the port.
BOARD_ARGS = {
    "exec": ["print(1)"], "eval": ["1"], "cat": [":a"], "get": [":a", "x"], "rm": [":a"], "mkdir": [":a"],
    "rmdir": [":a"], "mv": [":a", ":b"], "cp": [":a", ":b"], "ls": [], "df": [], "about": [], "tree": [],
    "modules": [], "soft-reset": [], "chip": [], "reset": [], "erase": ["0x10000", "0x1000"], "mip": ["install", "x"],
}


def test_a_port_that_refuses_gives_the_envelope(espburn):
    for cmd, args in BOARD_ARGS.items():
        r = espburn(cmd, *args, "-p", DEAD_PORT, "--json", timeout=30)
        assert r.rc in (1, 3), (cmd, r)
        doc = check(r, cmd)
        assert doc["error"]["code"] in ("io", "problem") and "127.0.0.1" in doc["error"]["message"], doc


def test_file_commands_in_success_and_failure(espburn, seed, tmp_path):
    for args in (["version"], ["info", seed / "MicroPython.bin"], ["plan", seed], ["sim", "--list"],
                 ["table", "show", seed / "partitions_mpy.bin"], ["config"],
                 ["merge", seed, "-o", tmp_path / "m.bin"]):
        assert check(espburn(*args, "--json"), args[0])["ok"] is True
    for args in (["info", tmp_path / "none.bin"], ["plan", tmp_path / "none"],
                 ["table", "show", tmp_path / "none.bin"], ["explain", tmp_path / "none.log"]):
        r = espburn(*args, "--json")
        assert r.rc != 0 and check(r, args[0])["ok"] is False


def test_board_commands_on_the_virtual_board(espburn, sim, seed):
    board = sim()
    doc = check(espburn("chip", "-p", board.url, "--json", timeout=60), "chip")
    assert doc["ok"] is True
    r = espburn("flash", seed, "-p", board.url, "--json", timeout=300)
    assert check(r, "flash")["ok"] is True, r
    r = espburn("verify", seed, "-p", board.url, "--json", timeout=300)
    assert check(r, "verify")["ok"] is True, r
