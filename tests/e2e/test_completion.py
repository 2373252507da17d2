"""Shell completions and the manual page, written from the option and command
tables: for every command, the options bash, zsh and fish complete are exactly
those its --help lists; sub-command words are completed; the manual page
renders without a warning and names every command and option."""
import re
import shutil
import subprocess

import pytest

from conftest import espburn_bin, run

OPT = re.compile(r"(?<![\w\-/.:\]])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z0-9])(?![\w-])")
# An option line of a --help: indented, starting with "-x", "--long", "-x, --long", each maybe with a value.
LEAD = re.compile(r"^\s+((?:-[a-zA-Z0-9]|--[a-z0-9][a-z0-9-]*)(?:[ =][A-Z][A-Za-z0-9._|.]*)?"
                  r"(?:,\s*(?:-[a-zA-Z0-9]|--[a-z0-9][a-z0-9-]*)(?:[ =][A-Z][A-Za-z0-9._|.]*)?)*)")


def commands():
    out = run("help").out
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z0-9-]*) ", out, re.M)]


def help_options(cmd):
    """The options `espburn CMD --help` lists: in its usage lines and at the start of its
    option lines (prose that mentions an option does not count)."""
    r = run(cmd, "--help")
    assert r.rc == 0, r
    opts, usage = set(), False
    for line in r.out.splitlines():
        if line.startswith("usage:"):
            usage = True
        elif not line.strip():
            usage = False
        if usage:
            opts |= set(OPT.findall(line))
        elif (m := LEAD.match(line)):
            opts |= set(OPT.findall(m.group(1)))
    return opts - {"-h", "--help"}


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    d = tmp_path_factory.mktemp("completions")
    for shell in ("bash", "zsh", "fish"):
        r = run("completion", shell)
        assert r.rc == 0, r
        (d / shell).write_text(r.out)
    return d


def bash_complete(script, words):
    """COMPREPLY of _espburn for the command line `words` (the last one being typed)."""
    line = " ".join(f"'{w}'" for w in words)
    prog = (f"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _espburn; "
            "printf '%s\\n' \"${COMPREPLY[@]}\"")
    r = subprocess.run(["bash", "-c", prog], capture_output=True, text=True, timeout=30, cwd="/")
    assert r.returncode == 0 and not r.stderr, r
    return set(r.stdout.split())


def differ(cmd, listed, completed):
    return (f"{cmd}: --help lists {sorted(listed - completed)} that the completion lacks, the completion "
            f"has {sorted(completed - listed)} that --help does not list; the options of a command are the "
            f"shared ones its row in src/cli/cli_commands.c honours plus the row's `own` field")


def test_bash_completes_commands(scripts):
    assert bash_complete(scripts / "bash", ["espburn", ""]) == set(commands())
    assert bash_complete(scripts / "bash", ["espburn", "fl"]) == {"flash"}


@pytest.mark.parametrize("cmd", commands())
def test_bash_completes_what_help_lists(scripts, cmd):
    listed = help_options(cmd)
    completed = bash_complete(scripts / "bash", ["espburn", cmd, "-"]) - {"--help"}
    assert completed == listed, differ(cmd, listed, completed)


def test_bash_completes_sub_commands_files_and_chains(scripts, tmp_path):
    assert {"csv2bin", "bin2csv", "show"} <= bash_complete(scripts / "bash", ["espburn", "table", ""])
    assert bash_complete(scripts / "bash", ["espburn", "fs", "b"]) >= {"build"}
    # after an option that takes a value: files, not options
    assert "--json" not in bash_complete(scripts / "bash", ["espburn", "flash", "--stub", ""])
    # a chain: after '+', a command, then that command's options
    assert bash_complete(scripts / "bash", ["espburn", "exec", "x=1", "+", "l"]) == {"ls"}
    assert "-r" in bash_complete(scripts / "bash", ["espburn", "exec", "x=1", "+", "ls", "-"])


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed (scripts/deps.sh installs it)")
def test_fish_completes_what_help_lists(scripts):
    for cmd in commands():
        r = subprocess.run(["fish", "--no-config", "-c", f"source {scripts / 'fish'}; complete -C 'espburn {cmd} -'"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and not r.stderr, r
        completed = {line.split("\t")[0] for line in r.stdout.splitlines()} - {"--help", "-h"}
        listed = help_options(cmd)
        assert completed == listed, differ(cmd, listed, completed)
    r = subprocess.run(["fish", "--no-config", "-c", f"source {scripts / 'fish'}; complete -C 'espburn '"],
                       capture_output=True, text=True, timeout=30)
    assert {line.split("\t")[0] for line in r.stdout.splitlines()} >= set(commands())


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed (scripts/deps.sh installs it)")
def test_zsh_completes_what_help_lists(scripts):
    """zsh's completion system needs a terminal; here _arguments and _describe print
    the specs they are given, and the option names are read from those specs."""
    for cmd in commands():
        prog = (f"_arguments() {{ [[ $1 == -s ]] && shift; print -rl -- \"$@\" }}; _describe() {{ print -rl -- \"${{(@P)4}}\" }}; "
                f"source {scripts / 'zsh'} 2>/dev/null; words=(espburn {cmd} -); CURRENT=3; _espburn")
        r = subprocess.run(["zsh", "-f", "-c", prog], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and not r.stderr, r
        completed = set()
        for spec in r.stdout.splitlines():
            spec = re.sub(r"^\([^)]*\)", "", spec)  # the exclusion list
            m = re.match(r"(-[a-zA-Z0-9]|--[a-z0-9][a-z0-9-]*)(?=[\[:]|$)", spec)
            if m:
                completed.add(m.group(1))
        completed -= {"--help"}
        listed = help_options(cmd)
        assert completed == listed, differ(cmd, listed, completed)


def test_zsh_script_is_valid_zsh(scripts):
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed (scripts/deps.sh installs it)")
    r = subprocess.run(["zsh", "-n", str(scripts / "zsh")], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr, r


def test_completion_refuses_an_unknown_shell():
    r = run("completion", "tcsh")
    assert r.rc == 2 and "bash, zsh or fish" in r.err, r


@pytest.mark.skipif(not shutil.which("groff"), reason="groff is not installed")
def test_man_page_renders_without_warnings_and_names_everything(tmp_path):
    r = run("man")
    assert r.rc == 0, r
    page = tmp_path / "espburn.1"
    page.write_text(r.out)
    g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True, text=True)
    assert g.returncode == 0 and not g.stderr, g.stderr
    g = subprocess.run(["groff", "-man", "-Tutf8", str(page)], capture_output=True, text=True,
                       env={"GROFF_NO_SGR": "1", "PATH": "/usr/bin:/bin"})
    text = re.sub(r".\x08", "", g.stdout).replace("\u2010", "-").replace("\u2212", "-")
    names = commands()
    for i, cmd in enumerate(names):
        # the command's entry: from its line to the next command's
        start = re.search(rf"^ {{7}}{re.escape(cmd)}\b", text, re.M)
        assert start, f"the manual page has no entry for {cmd}"
        end = re.search(rf"^ {{7}}{re.escape(names[i + 1])}\b", text[start.end():], re.M) if i + 1 < len(names) \
            else re.search(r"^SHARED OPTIONS", text[start.end():], re.M)
        entry = text[start.start():start.end() + end.start()]
        assert "Options:" in entry, entry
        found = set(OPT.findall(entry.split("Options:", 1)[1])) - {"--help"}
        assert found == help_options(cmd), differ(cmd, help_options(cmd), found)
