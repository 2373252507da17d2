#!/usr/bin/env bash
# bench_flash.sh [--quick] - flashing speed on the virtual board in real-time
# mode (--realtime: bytes at the configured baud, flash at datasheet speeds),
# with the seed bundle (../shared/firmware/m5stack-lobo-esp32-psram-all-bt):
#   full write at 460800 baud: wire bytes, time, time / wire limit (target <= 1.03)
#   esptool-js on the same kind of board at the same rate; espburn / esptool-js (target < 1)
#   re-flash of the unchanged bundle (target < 2 s)
#   one changed 4 KB sector in the app (target < 3 s)
#   at the physical limit (RFC 2217, 2 Mbaud): the limit from the board's figures (wire, flash work),
#            espburn -b auto and its ratio to limit + connect (target <= 1.10), esptool-js 0.5.7 and
#            0.7.0 with their own stubs in the same run (espburn <= 0.85 x 0.7.0), a non-blank flash
#            (another app over the seed bundle, <= 1.10 x its limit + connect) and the unchanged
#            re-flash with -b auto (<= 1.0 s including connect)
# --quick (CI) runs only the re-flash figures. Exits non-zero when a target is missed.
# ESPBURN_BIN selects the binary (default build/espburn).
. "$(dirname "$0")/lib.sh" "$@"
/usr/bin/python3 - "$bin" "$quick" <<'PY'
import hashlib, json, os, pathlib, re, subprocess, sys, tempfile, time, zlib

binary, quick = sys.argv[1], sys.argv[2] == "1"
seed = pathlib.Path(os.environ.get("ESPBURN_SHARED", "../shared")) / "firmware/m5stack-lobo-esp32-psram-all-bt"
bundle = [(0x1000, "bootloader/bootloader.bin"), (0x8000, "partitions_mpy.bin"),
          (0xF000, "phy_init_data.bin"), (0x10000, "MicroPython.bin")]
keep = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]
tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench_flash."))
missed = 0


class Sim:
    """TCP unless told otherwise: esptool-js's harness speaks it; RFC 2217 adds the
    USB bridge's rate limit, which -b auto must find."""
    def __init__(self, flash_file, *extra, transport="--tcp"):
        self.proc = subprocess.Popen([binary, "sim", "--flash-file", str(flash_file), transport, "0", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = re.search(r"-p (\S+)", self.proc.stdout.readline()).group(1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)


def espburn(*args):
    t0 = time.perf_counter()
    r = subprocess.run([binary, *map(str, args), "--json"], capture_output=True, text=True, timeout=600)
    secs = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"    espburn {' '.join(map(str, args))} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)["boards"][0], secs


def verdict(ok):
    global missed
    missed += not ok
    return "ok" if ok else "MISSED"


def sources(app=None):
    out = []
    for addr, p in bundle:
        out += [hex(addr), app if (app and p == "MicroPython.bin") else seed / p]
    return out


def preload(flash_file):
    """Write the bundle without real-time costs (the starting state of the re-flash figures)."""
    s = Sim(flash_file)
    espburn("flash", *sources(), "-p", s.url, *keep)
    s.stop()


# --- full write at 460800 ---------------------------------------------------
if not quick:
    s = Sim(tmp / "full.bin", "--realtime")
    b, secs = espburn("flash", *sources(), "-p", s.url, "-b", 460800, *keep)
    s.stop()
    limit = b["wire_bytes"] * 10 / 460800
    print(f"    full write, 460800 baud: {b['wire_bytes']} wire bytes, {secs:.1f} s total "
          f"(connect {b['connect_seconds']:.1f} s), wire limit {limit:.1f} s, "
          f"ratio {secs / limit:.2f} (target <= 1.03) {verdict(secs <= 1.03 * limit)}")
    ours = secs
    s = Sim(tmp / "js.bin", "--realtime")
    # address order, as a user flashes it. esptool-js 0.5.7 sometimes stops at connect with
    # "invalid response" (stale SYNC answers, its own reading; docs/sim.md). Like the test harness, it
    # gets one fresh attempt when that happens; only the attempt that ran is timed, and it is said.
    pairs = [f"{a}={seed / p}" for a, p in bundle]
    for attempt in range(2):
        t0 = time.perf_counter()
        r = subprocess.run(["node", "bench/esptooljs_flash.mjs", s.url, "460800", *pairs], capture_output=True,
                           text=True, timeout=900)
        js = time.perf_counter() - t0
        at_connect = "invalid response" in r.stdout and json.loads(r.stdout)["seconds"] < 5
        if r.returncode == 0 or not at_connect or attempt:
            break
        print("    (esptool-js stopped at connect with its \"invalid response\"; timing a second attempt)")
    s.stop()
    if r.returncode != 0:
        print(f"    esptool-js failed: {r.stdout.strip()} {r.stderr.strip()[:200]}")
        missed += 1
    else:
        print(f"    esptool-js, same board and rate: {js:.1f} s; espburn / esptool-js = {ours / js:.2f} "
              f"(target < 1) {verdict(ours < js)}")

# --- re-flash: unchanged, then one changed sector ----------------------------
preload(tmp / "re.bin")
s = Sim(tmp / "re.bin", "--realtime")
b, secs = espburn("flash", *sources(), "-p", s.url, "-b", 460800, *keep)
written = sum(r["written"] for r in b["regions"])
print(f"    unchanged re-flash: {secs:.2f} s, {written} bytes written (target < 2 s) {verdict(secs < 2 and written == 0)}")
app = bytearray((seed / "MicroPython.bin").read_bytes())
app[0x100000] ^= 0x5A
(tmp / "app.bin").write_bytes(app)
b, secs = espburn("flash", *sources(tmp / "app.bin"), "-p", s.url, "-b", 460800, *keep, "--force")  # the changed app fails its SHA-256: refused without --force
written = sum(r["written"] for r in b["regions"])
print(f"    one changed 4 KB sector: {secs:.2f} s, {written} bytes written (target < 3 s) "
      f"{verdict(secs < 3 and written == 4096)}")
s.stop()

# --- at the physical limit: the faithful virtual Fire over RFC 2217 (issue 13) -------------
def board_row(name="m5stack-fire"):
    """The board's own figures, as the virtual board charges them (sim --list --json: its flash part's
    row in src/chip/flash_parts.c, the chip's read rate, the bridge's top rate)."""
    r = subprocess.run([binary, "sim", "--list", "--json"], capture_output=True, text=True, check=True)
    return next(b for b in json.loads(r.stdout)["boards"] if b["name"] == name)


FIRE = board_row()
TIMING = FIRE["timing"]
BLOCK_ERASE, SECTOR_ERASE = TIMING["block_erase_us"] / 1e6, TIMING["sector_erase_us"] / 1e6
PAGE_PROGRAM, READ_BPS = TIMING["page_program_us"] / 1e6, TIMING["read_bytes_per_ms"] * 1e3
TOP_BAUD = FIRE["bridge_max_baud"]


def erase_seconds(addr, size):
    """The erase commands a region takes as the stubs issue them: a 64 KB block where aligned with
    64 KB left, else a 4 KB sector."""
    sector, end, secs = addr // 4096, -(-(addr + size) // 4096), 0.0
    while sector < end:
        step = 16 if sector % 16 == 0 and end - sector >= 16 else 1
        secs += BLOCK_ERASE if step == 16 else SECTOR_ERASE
        sector += step
    return secs


def physical_limit(files, baud):
    """Writing and verifying files = [(addr, bytes)]: the wire (compressed bytes with SLIP and packet
    framing at `baud`), the flash work (erase + 256-byte page programs + the verify read), and the
    limit, the larger of the two."""
    wire_bytes = 0
    for _, data in files:
        z = zlib.compress(data, 9)
        wire_bytes += len(z) + z.count(0xC0) + z.count(0xDB) + -(-len(z) // 16384) * 26
    erase = sum(erase_seconds(a, len(d)) for a, d in files)
    program = sum(-(-len(d) // 256) * PAGE_PROGRAM for _, d in files)
    verify = sum(len(d) for _, d in files) / READ_BPS
    wire, work = wire_bytes * 10 / baud, erase + program + verify
    return {"wire": wire, "work": work, "erase": erase, "program": program, "verify": verify,
            "limit": max(wire, work), "wire_mb": wire_bytes / 1e6}


def wire_seconds(data, baud):
    """data compressed (zlib 9), with SLIP escapes and 26 bytes of framing per 16 KB packet, at baud."""
    z = zlib.compress(data, 9)
    return (len(z) + z.count(0xC0) + z.count(0xDB) + -(-len(z) // 16384) * 26) * 10 / baud


def stream_floor(files, baud):
    """Why -b auto stays above the limit: with one stream per 64 KB block, the stub programs a stream's
    last 32 KB after its last packet and only then takes the next BEGIN, so the wire idles meanwhile.
    Each block then takes at least max(its flash work, its wire time + that last program); the sum,
    plus the verify read, is a floor for any client of this stub that streams per block."""
    floor = 0.0
    for addr, data in files:
        at = addr
        while at < addr + len(data):
            end = min((at // 0x10000 + 1) * 0x10000, addr + len(data))
            piece = data[at - addr:end - addr]
            flash = erase_seconds(at, len(piece)) + -(-len(piece) // 256) * PAGE_PROGRAM
            tail = -(-min(len(piece), 0x8000) // 256) * PAGE_PROGRAM
            floor += max(flash, wire_seconds(piece, baud) + tail)
            at = end
    return floor + sum(len(d) for _, d in files) / READ_BPS


def esptool_js_seconds(version, url, baud):
    """esptool-js (0.5.7, or 0.7.0 with --v07) flashing the bundle with its own stub; one fresh attempt
    when 0.5.7 stops at connect with its "invalid response" (see the 460800 section)."""
    pairs = [f"{a}={seed / p}" for a, p in bundle]
    flag = ["--v07"] if version == "0.7.0" else []
    for attempt in range(2):
        t0 = time.perf_counter()
        r = subprocess.run(["node", "bench/esptooljs_flash.mjs", *flag, url, str(baud), *pairs],
                           capture_output=True, text=True, timeout=900)
        secs = time.perf_counter() - t0
        if r.returncode == 0 or secs > 5 or attempt:  # a second attempt only after a failed connect
            break
    return secs if r.returncode == 0 else None


def limit_section():
    global missed
    files = [(a, (seed / p).read_bytes()) for a, p in bundle]
    lim = physical_limit(files, TOP_BAUD)
    print(f"    physical limit, seed bundle at {TOP_BAUD} baud on the virtual Fire: wire {lim['wire']:.2f} s "
          f"({lim['wire_mb']:.2f} MB with framing), flash work {lim['work']:.2f} s (erase {lim['erase']:.2f} + "
          f"program {lim['program']:.2f} + verify read {lim['verify']:.2f}) -> {lim['limit']:.2f} s + connect")
    print(f"    floor of 64 KB streams through this stub (each block at least its wire time + the program of "
          f"its last 32 KB): {stream_floor(files, TOP_BAUD):.2f} s + connect")
    s = Sim(tmp / "auto.bin", "--realtime", transport="--rfc2217")
    b, ours = espburn("flash", *sources(), "-p", s.url, "-b", "auto", *keep)
    s.stop()
    connect = b["connect_seconds"]
    ratio = ours / (lim["limit"] + connect)
    print(f"    espburn -b auto ({b['device']['baud']} baud, RFC 2217), blank flash: {ours:.2f} s "
          f"(connect {connect:.2f} s); / (limit + connect) = {ratio:.2f} (target <= 1.10) {verdict(ratio <= 1.10)}")
    js = {}
    # 0.5.7 over TCP: over RFC 2217 in real time its connect loses track of the ROM's SYNC answers
    # ("invalid response", "Invalid head of packet"; its own reading, docs/sim.md); 0.7.0 over RFC 2217
    for version in ("0.5.7", "0.7.0"):
        s = Sim(tmp / f"js{version}.bin", "--realtime", transport="--tcp" if version == "0.5.7" else "--rfc2217")
        js[version] = esptool_js_seconds(version, s.url, TOP_BAUD)
        s.stop()
        print(f"    esptool-js {version}, {TOP_BAUD} baud ({'TCP' if version == '0.5.7' else 'RFC 2217'}), its own stub: "
              + (f"{js[version]:.2f} s; espburn / it = {ours / js[version]:.2f}" if js[version] else "FAILED"))
    if js["0.7.0"]:
        print(f"    espburn / esptool-js 0.7.0 = {ours / js['0.7.0']:.2f} (target <= 0.85) "
              f"{verdict(ours <= 0.85 * js['0.7.0'])}")
    else:
        missed += 1
    non_blank_section()


def other_app(app):
    """A different app of the same size and kind: each segment's bytes rotated by a third of its
    length (the XOR checksum stays valid), the appended SHA-256 recomputed; a valid ESP32 image
    in which every 4 KB sector differs from the seed app's."""
    out, at = bytearray(app), 24  # 8-byte header + 16-byte extended header
    for _ in range(app[1]):  # segment count
        size = int.from_bytes(app[at + 4:at + 8], "little")
        body, k = app[at + 8:at + 8 + size], size // 3
        out[at + 8:at + 8 + size] = body[k:] + body[:k]
        at += 8 + size
    if app[23] == 1:  # hash appended: SHA-256 of everything before it, the last 32 bytes
        out[-32:] = hashlib.sha256(out[:-32]).digest()
    return bytes(out)


def non_blank_section():
    """another app over the seed bundle: every sector of the app region is erased and written; the
    small files are unchanged (skipped by their MD5)."""
    seed_app = (seed / "MicroPython.bin").read_bytes()
    app = other_app(seed_app)
    same = sum(app[k:k + 4096] == seed_app[k:k + 4096] for k in range(0, len(app), 4096))
    if same:
        sys.exit(f"    the other app shares {same} sectors with the seed app: not a non-blank case")
    (tmp / "other_app.bin").write_bytes(app)
    preload(tmp / "nonblank.bin")
    lim = physical_limit([(0x10000, bytes(app))], TOP_BAUD)
    s = Sim(tmp / "nonblank.bin", "--realtime", transport="--rfc2217")
    b, secs = espburn("flash", *sources(tmp / "other_app.bin"), "-p", s.url, "-b", "auto", *keep)
    connect = b["connect_seconds"]
    ratio = secs / (lim["limit"] + connect)
    print(f"    non-blank: another app over the seed bundle, -b auto: {secs:.2f} s; its limit {lim['limit']:.2f} s "
          f"+ connect {connect:.2f} s; ratio {ratio:.2f} (target <= 1.10) {verdict(ratio <= 1.10)}")
    b, secs = espburn("flash", *sources(tmp / "other_app.bin"), "-p", s.url, "-b", "auto", *keep)
    s.stop()
    written = sum(r["written"] for r in b["regions"])
    print(f"    unchanged re-flash, -b auto over RFC 2217: {secs:.2f} s including connect, {written} bytes "
          f"written (target <= 1.0 s) {verdict(secs <= 1.0 and written == 0)}")


if not quick:
    limit_section()

# --- issue 12: the installed binary at its defaults ----------------------------
def issue12_installed_defaults():
    """Full flash of the seed bundle on the real-time virtual Fire over RFC 2217 (its CP2104
    bridge: 2 Mbaud top, 1 ms USB frames) with the installed binary run from / (cmake --install
    of the build that holds ESPBURN_BIN into a temporary prefix, no source tree): no -b (the
    default, -b auto; target <= 15 s) vs -b 460800 (with the stub; target <= 1.05 x the wire
    limit) vs esptool-js 0.5.7 at 460800 with its stub, the same board (Python esptool is not
    installable here: no PyPI; esptool-js is the esptool client this machine has)."""
    global missed
    build = pathlib.Path(binary).resolve().parent
    prefix = tmp / "prefix"
    subprocess.run(["cmake", "--install", str(build), "--prefix", str(prefix)], check=True, capture_output=True)
    exe = str(prefix / "bin/espburn")
    env = {k: v for k, v in os.environ.items() if k not in ("ESPBURN_DATA_DIR", "ESPBURN_STUB_DIR", "ESPBURN_BAUD")}
    env.update(ESPBURN_SOURCE_DIR=str(tmp / "no-source"), ESPBURN_STATE=str(tmp / "state"))
    src = [str(seed.resolve() / p) + f"@{a:#x}" for a, p in bundle]

    def installed_flash(name, *opts):
        s = Sim(tmp / f"{name}.bin", "--realtime", transport="--rfc2217")
        t0 = time.perf_counter()
        r = subprocess.run([exe, "flash", *src, "-p", s.url, *keep, *opts, "--json"], capture_output=True,
                           text=True, timeout=600, cwd="/", env=env)
        secs = time.perf_counter() - t0
        s.stop()
        if r.returncode != 0:
            sys.exit(f"    installed espburn flash {' '.join(opts)} failed: {r.stderr.strip()}")
        return json.loads(r.stdout)["boards"][0], secs

    b, default = installed_flash("i12-default")
    print(f"    installed, no -b (default -b auto): {default:.1f} s at {b['device']['baud']} baud, "
          f"stub {b['device']['stub']} (target <= 15 s) {verdict(default <= 15 and b['device']['stub'])}")
    b, fixed = installed_flash("i12-460800", "-b", "460800")
    limit = b["wire_bytes"] * 10 / 460800
    print(f"    installed, -b 460800: {fixed:.1f} s, wire limit {limit:.1f} s, ratio {fixed / limit:.3f}, "
          f"stub {b['device']['stub']} (target <= 1.05) {verdict(fixed <= 1.05 * limit and b['device']['stub'])}")
    # esptool-js sometimes stops at connect ("invalid response", "Invalid head of packet": stale SYNC
    # answers, its own reading); like the full-write figure above, one fresh attempt, said
    for attempt in range(2):
        s = Sim(tmp / f"i12-js{attempt}.bin", "--realtime", transport="--rfc2217")
        t0 = time.perf_counter()
        r = subprocess.run(["node", "bench/esptooljs_flash.mjs", s.url, "460800",
                            *[f"{a}={seed / p}" for a, p in bundle]], capture_output=True, text=True, timeout=900)
        js = time.perf_counter() - t0
        s.stop()
        if r.returncode == 0 or js > 5 or attempt:
            break
        print(f"    (esptool-js stopped at connect: {r.stdout.strip()[:120]}; timing a second attempt)")
    if r.returncode != 0:
        print(f"    esptool-js (RFC 2217) failed: {r.stdout.strip()[:200]}")
        missed += 1
        return
    print(f"    esptool-js 0.5.7, -b 460800 with its stub, same board over RFC 2217: {js:.1f} s")
    print(f"    side by side: default {default:.1f} s : -b 460800 {fixed:.1f} s : esptool-js {js:.1f} s = "
          f"{default / js:.2f} : {fixed / js:.2f} : 1.00")


if not quick:
    issue12_installed_defaults()

print(f"    bench_flash: {missed} target(s) missed")
sys.exit(1 if missed else 0)
PY
