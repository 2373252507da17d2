"""Output files (issue 15 item 5): a regular file is replaced atomically
(temporary beside it, then renamed; its permissions kept, nothing left
behind), a symlink is followed (its target replaced, the link kept), a
device or FIFO is written through, and a device's errors are reported
(ENOSPC from a full device: exit 3) instead of the node being replaced."""
import os
import stat
import threading

import pytest

CSV = "nvs, data, nvs, 0x9000, 0x6000\nfactory, app, factory, 0x10000, 1M\n"


@pytest.fixture
def csv(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(CSV)
    return p


def table_bin(espburn, csv, tmp_path):
    r = espburn("table", "csv2bin", csv, tmp_path / "ref.bin")
    assert r.rc == 0, r
    return (tmp_path / "ref.bin").read_bytes()


def test_regular_file_replaced_with_its_mode_and_nothing_left(espburn, csv, tmp_path):
    out = tmp_path / "out" / "t.bin"
    out.parent.mkdir()
    out.write_bytes(b"old")
    out.chmod(0o640)
    r = espburn("table", "csv2bin", csv, out)
    assert r.rc == 0, r
    assert out.read_bytes() == table_bin(espburn, csv, tmp_path)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(os.listdir(out.parent)) == ["t.bin"]


def test_symlink_is_followed_and_kept(espburn, csv, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "t.bin"
    target.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.bin"
    dangling.symlink_to(tmp_path / "real" / "new.bin")
    for out in (link, dangling):
        r = espburn("table", "csv2bin", csv, out)
        assert r.rc == 0, r
        assert out.is_symlink(), out
    expected = table_bin(espburn, csv, tmp_path)
    assert target.read_bytes() == expected and (tmp_path / "real" / "new.bin").read_bytes() == expected
    assert sorted(os.listdir(tmp_path / "real")) == ["new.bin", "t.bin"]


def test_fifo_is_written_through(espburn, csv, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    r = espburn("table", "csv2bin", csv, fifo, timeout=20)
    reader.join(timeout=10)
    if reader.is_alive():  # nothing was written into the FIFO: let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert r.rc == 0, r
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got == [table_bin(espburn, csv, tmp_path)]


def full_device(tmp_path):
    """A device that answers every write with ENOSPC: a private node of /dev/full's
    numbers when we may make one (root), else /dev/full itself (which a non-root
    process cannot replace)."""
    if os.geteuid() != 0:
        return "/dev/full"
    node = tmp_path / "full"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.stat("/dev/full").st_rdev)
    return node


def test_full_device_reports_no_space_and_stays_a_device(espburn, csv, seed, tmp_path):
    dev = full_device(tmp_path)
    for args in (("table", "csv2bin", csv, dev), ("merge", seed, "-o", dev)):
        r = espburn(*args)
        assert r.rc == 3, r
        assert "No space left on device" in r.err and r.err.count("\n") == 1, r.err
        assert stat.S_ISCHR(os.stat(dev).st_mode), args


def test_folder_as_output_is_refused(espburn, csv, tmp_path):
    r = espburn("table", "csv2bin", csv, tmp_path)
    assert r.rc == 3 and "folder" in r.err, r
