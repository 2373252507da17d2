"""Every --json document is one envelope (docs/json.md) and matches its command's schema
(docs/schema/COMMAND.json): each command with --json is run in failure (a usage error, and a
port that refuses the connection) and, where no board is needed or the virtual board serves,
in success; stdout holds exactly one document each time."""
import json
import os
import pathlib
import subprocess

import jsonschema

from conftest import ROOT, espburn_bin
from test_mpy import board_factory  # noqa: F401  (fixture)
from test_mpy_mip import build_index

SCHEMAS = ROOT / "docs" / "schema"
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
        assert "stderr says why" not in doc["error"]["message"], doc  # the message itself, not a pointer to it
    return doc


def test_every_json_command_has_a_schema(espburn):
    cmds = json_commands(espburn)
    assert len(cmds) > 30 and "flash" in cmds and "ls" in cmds, cmds
    assert sorted(cmds) == sorted(p.stem for p in SCHEMAS.glob("*.json") if p.stem not in ("envelope", "progress"))


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


def test_file_commands_in_failure(espburn, tmp_path):
    for args in (["info", tmp_path / "none.bin"], ["plan", tmp_path / "none"],
                 ["table", "show", tmp_path / "none.bin"], ["explain", tmp_path / "none.log"],
                 ["explain", ROOT / "tests/data/bootlogs/seed-m5stack-fire-app-at-0x1000.log"]):
        r = espburn(*args, "--json")
        assert r.rc != 0 and check(r, args[0])["ok"] is False
    fail = next(f for f in json.loads(r.out)["findings"] if f["level"] == "fail")
    assert json.loads(r.out)["error"]["message"].startswith(f"the boot failed: {fail['what']}"), r


def required_in_success(schema):
    """The field lists a success document must have: one per variant ("then": required, anyOf...)."""
    then = schema.get("then", {})
    base = set(then.get("required", [])) | set(schema.get("required", []))  # progress.json: always a success
    variants = [set(v.get("required", [])) for v in then.get("anyOf", [])] or [set()]
    return [base | v for v in variants]


# Commands whose success has no document of its own.
NO_SUCCESS_DOCUMENT = set()


def test_every_schema_requires_the_fields_of_a_success(espburn):
    for p in SCHEMAS.glob("*.json"):
        if p.stem in ("envelope", *NO_SUCCESS_DOCUMENT):
            continue
        schema = json.loads(p.read_text())
        assert schema.get("additionalProperties") is False, p.name  # a renamed field fails
        for fields in required_in_success(schema):
            assert fields - {"ok", "command"}, (p.name, "a success requires no field of its own")
            assert fields <= set(schema["properties"]), (p.name, fields - set(schema["properties"]))


def test_a_renamed_shared_field_fails_validation():
    doc = {"ok": True, "command": "put", "file": "a.py", "path": "a.py", "size": 4, "wire_bytes": 19,
           "deflate": False, "binary": False, "seconds": 0.1}
    validator("put").validate(doc)
    for old, new in (("file", "local"), ("path", "remote"), ("size", "bytes")):
        bad = {new if k == old else k: v for k, v in doc.items()}
        assert not validator("put").is_valid(bad), bad
    assert not validator("put").is_valid({**doc, "size": "4"})


def test_file_commands_in_success(espburn, seed, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("print('hi')\n")
    (tmp_path / "healthy.log").write_text(
        (ROOT / "tests/data/bootlogs/esp32-ble2mqtt-95-clean-app-start.log").read_text())
    img = tmp_path / "fs.img"
    for args in (["version"], ["config"], ["ports"], ["sim", "--list"], ["info", seed / "MicroPython.bin"],
                 ["plan", seed], ["merge", seed, "-o", tmp_path / "m.bin"],
                 ["table", "show", seed / "partitions_mpy.bin"],
                 ["table", "bin2csv", seed / "partitions_mpy.bin", tmp_path / "p.csv"],
                 ["table", "csv2bin", tmp_path / "p.csv", tmp_path / "p.bin"],
                 ["explain", tmp_path / "healthy.log"],
                 ["fs", "build", app, "-o", img, "--type", "littlefs", "--size", "65536"],
                 ["fs", "ls", img], ["fs", "df", img], ["fs", "get", img, ":/", tmp_path / "back"],
                 ["fs", "get", img, ":main.py", tmp_path / "main.py"]):
        r = espburn(*args, "--json", timeout=120)
        assert check(r, args[0])["ok"] is True, r
    assert (tmp_path / "back" / "main.py").is_file() and (tmp_path / "main.py").is_file()


def test_board_commands_on_the_virtual_board(espburn, sim, seed, tmp_path):
    board = sim()
    p = ["-p", board.url, "--json"]
    fake = f"{board.url}|10c4:ea60|0001|CP2104 USB to UART;/dev/ttyS0"
    r = espburn("ports", "--all", "--json", env={**os.environ, "ESPBURN_FAKE_PORTS": fake})
    assert [p["port"] for p in check(r, "ports")["ports"]] == [board.url, "/dev/ttyS0"], r
    for args in (["chip"], ["flash", seed], ["verify", seed], ["read", "0x8000", "0x1000", tmp_path / "t.bin"],
                 ["erase", "0x300000", "0x1000"], ["reset"]):
        r = espburn(*args, *p, timeout=300)
        assert check(r, args[0])["ok"] is True, r
    r = espburn("monitor", "--duration", "1", *p, timeout=60)
    lines = [json.loads(ln) for ln in r.out.splitlines() if ln.strip()]
    assert r.rc == 0 and lines and lines[-1]["type"] == "summary", r
    for doc in lines:
        validator("monitor").validate(doc)


def test_micropython_commands_on_the_virtual_board(espburn, board_factory, tmp_path):
    b = board_factory("official", files={"main.py": "print('hi')\n", "lib/x.py": "X = 1\n"})
    app = tmp_path / "app"
    app.mkdir()
    (app / "a.py").write_text("A = 1\n")
    (tmp_path / "s.py").write_text("print(7)\n")
    index = tmp_path / "index"
    build_index(index, "http://127.0.0.1:9")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\necho '# edited' >> \"$1\"\n")
    editor.chmod(0o755)
    for args in (["ls"], ["ls", "-r"], ["tree"], ["df"], ["about"], ["modules"], ["exec", "print(1)"],
                 ["eval", "1+1"], ["run", tmp_path / "s.py"], ["cat", ":main.py"], ["put", app / "a.py", ":a.py"],
                 ["put", "-r", app, ":app2"], ["get", ":main.py", tmp_path / "got.py"],
                 ["get", "-r", ":lib", tmp_path / "gotlib"], ["cp", ":a.py", ":c.py"],
                 ["cp", app / "a.py", ":b.py"], ["cp", ":b.py", tmp_path / "gotb.py"], ["mv", ":c.py", ":d.py"],
                 ["rm", ":d.py"], ["mkdir", ":dd"], ["rmdir", ":dd"], ["sync", app, ":app3"],
                 ["mount", app, "--exec", "print(2)"],
                 ["mip", "install", "util@0.1", "--index", index, "--target", ":/pkgs", "--no-mpy"],
                 ["soft-reset"], ["reset", "--soft"], ["edit", ":main.py"]):
        r = b.run(*args, "--json", timeout=60, env={**os.environ, "EDITOR": str(editor), "VISUAL": str(editor)})
        assert check(r, args[0])["ok"] is True, r


def test_sim_says_where_it_listens_in_one_document(tmp_path):
    proc = subprocess.Popen([espburn_bin(), "sim", "--board", "m5stack-fire", "--flash-file", tmp_path / "f.bin",
                             "--tcp", "0", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        doc = json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
    validator("sim").validate(doc)
    assert doc["ok"] is True and doc["board"] == "m5stack-fire" and doc["url"].startswith("socket://"), doc
