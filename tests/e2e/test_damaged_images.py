"""Damaged firmware is refused like a wrong layout (issue 15, item 9).

Damaged copies of the seed bundle's files are made here (tests/e2e/damage.py:
cut short, bad checksum, bad SHA-256, a table whose MD5 row no longer
matches, ...). Every copy `info` rates as corrupt must make `plan` and
`flash` refuse (exit 1) with a finding that names the file and what is
wrong; --force accepts it and says what will happen on the board. And when
a board runs a damaged file that was forced onto it, monitor names the
damaged file instead of claiming the flash does not hold the plan."""
import json
import shutil

from conftest import run
from damage import damaged_copies

HOME = {"bootloader/bootloader.bin": 0x1000, "partitions_mpy.bin": 0x8000, "phy_init_data.bin": 0xF000,
        "MicroPython.bin": 0x10000}


def bundle_with(seed, folder, name, data):
    """The seed folder with `name` replaced by `data` (the others linked)."""
    for src in seed.rglob("*"):
        dst = folder / src.relative_to(seed)
        if src.is_dir():
            dst.mkdir(parents=True)
        elif src.relative_to(seed).as_posix() != name:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    (folder / name).write_bytes(data)
    return folder


def plan_doc(*args):
    r = run("plan", *args, "--json")
    return r.rc, json.loads(r.out) if r.out.strip() else {}, r


def errors(doc):
    return [f for f in doc.get("findings", []) if f["level"] == "error"]


def test_every_damaged_copy_info_rates_corrupt_is_refused(seed, tmp_path):
    tried = corrupt = 0
    for i, (name, what, data) in enumerate(damaged_copies(seed)):
        tried += 1
        folder = bundle_with(seed, tmp_path / f"case{i}", name, data)
        info = run("info", folder / name)
        if info.rc != 1:
            continue
        corrupt += 1
        base = name.rsplit("/", 1)[-1]
        explicit = [f"{folder / n}@{hex(a)}" for n, a in HOME.items()]
        for form in ([folder], explicit) if i % 2 else ([folder],):
            rc, doc, r = plan_doc(*form)
            assert rc == 1 and doc["refused"], f"{name} ({what}) planned: {r}"
            damage = [f for f in errors(doc) if f["code"] in ("damaged", "table-damaged")]
            assert damage, f"{name} ({what}): no damage finding in {errors(doc)}"
            assert any(base in f["text"] or f["code"] == "table-damaged" for f in damage), damage
            assert all(f["effect"] for f in damage), damage
        if i % 8 == 0:  # --force accepts the plan and says what the board will do
            r = run("plan", folder, "--force")
            assert r.rc == 0 and "--force" in r.out and "On the board" in r.out, r
        shutil.rmtree(folder)
    print(f"damaged copies: {tried} made, {corrupt} rated corrupt by info, {corrupt} refused by plan "
          f"(folder and FILE@ADDR)")
    assert corrupt == tried and tried >= 60, (tried, corrupt)


def test_the_intact_seed_is_not_refused(seed):
    for name in HOME:
        assert run("info", seed / name).rc == 0, name
    rc, doc, r = plan_doc(seed)
    assert rc == 0 and not errors(doc), r


def damaged_table(seed, tmp_path):
    (name, what, data), = [c for c in damaged_copies(seed)
                           if c[0] == "partitions_mpy.bin" and c[1].startswith("entry 1 label")]
    return bundle_with(seed, tmp_path / "bundle", name, data)


def test_flash_refuses_a_damaged_bundle_and_force_writes_it(sim, seed, espburn, tmp_path):
    bundle = damaged_table(seed, tmp_path)
    b = sim(transport="rfc2217")
    r = espburn("flash", "-p", b.url, bundle)
    assert r.rc == 1 and "table-damaged" in r.out + r.err and "nothing was written" in r.err, r
    assert "MD5" in r.out + r.err
    r = espburn("flash", "-p", b.url, bundle, "--force")
    assert r.rc == 0, r
    # the board now boot-loops on the table's MD5; monitor names the damaged file,
    # it does not claim that the flash differs from the plan (nothing compared them)
    r = espburn("monitor", "-p", b.url, "--duration", "3", "--json")
    found = [json.loads(line)["finding"] for line in r.out.splitlines() if '"finding"' in line]
    md5 = [f for f in found if f["code"] == "table-md5"]
    assert md5, r
    assert "partitions_mpy.bin itself is damaged" in md5[0]["plan"], md5[0]
    assert "does not hold what the plan writes" not in md5[0]["plan"], md5[0]
