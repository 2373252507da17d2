"""The whole MicroPython loop as a new user tries it (the README tour), on the
virtual M5Stack Fire flashed with the seed bundle (LoBo MicroPython, /flash):
`watch app/ :/flash` with an edit seen running, then `mount` of a host folder
(a tool that imports from it and writes a report into it), then `cp -r` of the
board's /flash back to the host — the same bytes as the edited app."""
from ptyterm import Term
from test_sim_micropython_boot import flashed_board


def test_watch_then_mount_then_cp_r_back_on_the_flashed_fire(sim, seed, espburn, tmp_path):
    b = flashed_board(sim, seed, espburn)
    r = espburn("reset", "-p", b.url)
    assert r.rc == 0, r
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("import helper\nprint('value', helper.N)\n")
    (app / "helper.py").write_text("N = 1\n")

    t = Term("watch", app, ":/flash", "-p", b.url)
    try:
        t.expect(r"value 1")
        (app / "helper.py").write_text("N = 2\n# edited\n")
        t.expect(r"value 2")
        t.type(b"\x03")
        assert t.finish() == 0
    finally:
        t.kill()

    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "report.py").write_text(
        "import os\n"
        "def run():\n"
        "    with open('report.txt', 'w') as f:\n"
        "        for name in sorted(os.listdir('/flash')):\n"
        "            f.write(name + '\\n')\n"
        "        f.write(open('/flash/helper.py').read())\n")
    r = espburn("mount", "-p", b.url, tools, "--exec", "import report; report.run(); print('reported')")
    assert r.rc == 0 and "reported" in r.out, r
    report = (tools / "report.txt").read_text()
    assert "helper.py\nmain.py\n" in report and report.endswith("N = 2\n# edited\n"), report

    back = tmp_path / "back"
    r = espburn("cp", "-r", ":/flash", back, "-p", b.url)
    assert r.rc == 0, r
    for name in ("main.py", "helper.py"):
        assert (back / name).read_bytes() == (app / name).read_bytes(), name
    r = espburn("exec", "-p", b.url, "import os; print(os.getcwd(), 'remote' in os.listdir('/'))")
    assert r.rc == 0 and r.out.split() == ["/flash", "False"], r  # mount left nothing behind
