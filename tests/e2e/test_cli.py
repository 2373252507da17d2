"""The command dispatcher: help, version, unknown commands and exit codes."""


def test_help_lists_commands(espburn):
    r = espburn("help")
    assert r.rc == 0, r
    assert "version" in r.out and "exit codes" in r.out


def test_version(espburn):
    r = espburn("--version")
    assert r.rc == 0 and r.out.startswith("espburn "), r


def test_unknown_command_is_usage_error(espburn):
    r = espburn("frobnicate")
    assert r.rc == 2, r
    assert "unknown command 'frobnicate'" in r.err


def test_bare_espburn_prints_usage_and_exits_2(espburn):
    r = espburn()
    assert r.rc == 2 and "usage: espburn COMMAND" in r.err and r.out == "", r


def test_help_cmd_is_cmd_help(espburn):
    for cmd in ("flash", "ls", "chip", "sync", "plan", "repl", "version"):
        a, b = espburn("help", cmd), espburn(cmd, "--help")
        assert a.rc == 0 and a.out == b.out and "usage: espburn " + cmd in a.out, (cmd, a)


def test_help_lists_exactly_the_honoured_shared_options(espburn):
    repl = espburn("repl", "--help").out
    assert "--json" not in repl and "--port" in repl and "--color" in repl
    reset = espburn("reset", "--help").out
    assert "--stub" not in reset and "--after" not in reset
    chip = espburn("chip", "--help").out
    assert "--stub" in chip and "--timeout" not in chip


def test_shared_option_a_command_does_not_take_is_a_usage_error(espburn):
    r = espburn("repl", "--json", "-p", "socket://127.0.0.1:1")
    assert r.rc == 2 and "--json is not an option of repl" in r.err, r
    r = espburn("info", "-p", "x")
    assert r.rc == 2, r


def test_opt_equals_value_everywhere(espburn):
    # the port is reached (I/O error 3), not a usage error (2)
    for cmd in ("chip", "ls", "exec", "df", "reset"):
        args = [cmd, "--port=socket://127.0.0.1:1"] + (["print(1)"] if cmd == "exec" else [])
        r = espburn(*args)
        assert r.rc == 3 and "cannot connect" in r.err, (cmd, r)
    r = espburn("monitor", "--duration=0", "-p", "x")
    assert r.rc == 2, r
    r = espburn("ls", "--color=sometimes", "-p", "x")
    assert r.rc == 2 and "--color" in r.err, r
    r = espburn("ls", "--json=yes", "-p", "x")
    assert r.rc == 2 and "takes no value" in r.err, r


def test_quiet_and_verbose_accepted_by_every_command(espburn):
    for cmd in ("ls", "chip", "exec"):
        r = espburn(cmd, "-q", "-v", "--color", "never", "-p", "socket://127.0.0.1:1", "x")
        assert r.rc in (2, 3) and "not an option" not in r.err, (cmd, r)


def test_invalid_espburn_baud_is_a_usage_error_naming_the_command(espburn, monkeypatch):
    monkeypatch.setenv("ESPBURN_BAUD", "fast")
    for cmd in ("ls", "chip", "flash"):
        r = espburn(cmd, "-p", "socket://127.0.0.1:1")
        assert r.rc == 2 and "espburn " + cmd + ": ESPBURN_BAUD='fast'" in r.err, (cmd, r)


def test_espburn_port_reaches_micropython_commands(espburn, monkeypatch):
    monkeypatch.setenv("ESPBURN_PORT", "socket://127.0.0.1:1")
    r = espburn("ls")
    assert r.rc == 3 and "127.0.0.1:1" in r.err, r


def test_version_json(espburn):
    import json
    r = espburn("version", "--json")
    doc = json.loads(r.out)
    assert r.rc == 0 and doc["ok"] is True and doc["command"] == "version" and doc["version"], r


def test_progress_is_an_option_only_where_it_is_honoured(espburn):
    assert "--progress" in espburn("read", "--help").out
    assert "--progress" not in espburn("chip", "--help").out
    r = espburn("ls", "--progress", "-p", "x")
    assert r.rc == 2 and "--progress is not an option of ls" in r.err, r


def test_every_command_in_the_usage_has_help(espburn):
    usage = espburn("help").out
    names = [line.split()[0] for line in usage.splitlines() if line.startswith("  ")]
    assert "mip" in names and "soft-reset" in names, names
    for name in names:
        r = espburn(name, "--help")
        assert r.rc == 0 and "usage: espburn" in r.out and "options:" in r.out, (name, r)


def test_errors_name_espburn_once(espburn, tmp_path):
    """Each error line starts 'espburn: ' once; a message that began with the
    program's name again read 'espburn: espburn cannot tell what …' (issue 15)."""
    text = tmp_path / "notes.txt"
    text.write_text("not firmware\n")
    runs = [
        ("plan", str(text)),
        ("flash", str(text), "-p", "socket://127.0.0.1:1"),
        ("merge", str(text), "-o", str(tmp_path / "out.bin")),
    ]
    for args in runs:
        r = espburn(*args)
        assert r.rc != 0, (args, r)
        lines = r.err.splitlines()
        assert lines and not any(ln.startswith("espburn: espburn") for ln in lines), (args, r.err)
    r = espburn("plan", str(text))
    assert r.err.startswith("espburn: cannot tell what ") and "espburn plan 0x10000" in r.err, r.err


def test_flash_and_verify_check_header_options_alike(espburn, tmp_path):
    """flash and verify read --flash-mode/--flash-freq/--flash-size/--chip
    through one parser: a size the header cannot hold or an unknown chip is a
    usage error before any port is opened (verify took any --flash-size)."""
    app = tmp_path / "app.bin"
    app.write_bytes(b"\xe9" + bytes(255))
    for cmd in ("flash", "verify"):
        for opt, value, said in (("--flash-size", "3MB", "--flash-size '3MB'"),
                                 ("--chip", "esp33", "unknown chip 'esp33'"),
                                 ("--flash-mode", None, "--flash-mode needs a value")):
            args = [cmd, "0x10000", str(app), "-p", "socket://127.0.0.1:1", opt] + ([value] if value else [])
            r = espburn(*args)
            assert r.rc == 2 and said in r.err and "cannot connect" not in r.err, (args, r)
        r = espburn(cmd, "--chip=esp32", "--flash-size=4MB", "0x10000", str(app), "-p", "socket://127.0.0.1:1")
        assert r.rc == 3 and "cannot connect" in r.err, r
