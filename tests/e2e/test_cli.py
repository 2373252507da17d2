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
