#!/usr/bin/env bash
# bench_flash.sh [--quick] - flashing speed on the virtual board in real-time
# mode (--realtime: bytes at the configured baud, flash at datasheet speeds),
# with the seed bundle (../shared/firmware/m5stack-lobo-esp32-psram-all-bt):
#   full write at 460800 baud: wire bytes, time, time / wire limit (target <= 1.05)
#   esptool-js on the same kind of board at the same rate; espburn / esptool-js (target < 1)
#   re-flash of the unchanged bundle (target < 2 s)
#   one changed 4 KB sector in the app (target < 3 s)
#   -b auto: time vs 1.05 x max(wire time at the top rate, modelled flash time) + connect
#            (aim: < 10 s; the real M5Stack Fire with esptool 2.6 took 35.6 s)
# --quick (CI) runs only the re-flash figures. Exits non-zero when a target is missed.
# ESPBURN_BIN selects the binary (default build/espburn).
. "$(dirname "$0")/lib.sh" "$@"
/usr/bin/python3 - "$bin" "$quick" <<'PY'
import json, os, pathlib, re, subprocess, sys, tempfile, time, zlib

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
          f"ratio {secs / limit:.2f} (target <= 1.05) {verdict(secs <= 1.05 * limit)}")
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
b, secs = espburn("flash", *sources(tmp / "app.bin"), "-p", s.url, "-b", 460800, *keep)
written = sum(r["written"] for r in b["regions"])
print(f"    one changed 4 KB sector: {secs:.2f} s, {written} bytes written (target < 3 s) "
      f"{verdict(secs < 3 and written == 4096)}")
s.stop()

def stub_erase_step(sector, end):
    """One erase command of esptool's stub (start_next_erase), as the model times it (docs/sim.md,
    W25Q128JV typical): a 64 KB block (150 ms) where aligned with 16+ sectors left, else a 4 KB
    sector (45 ms). Returns (seconds, sectors erased)."""
    return (0.150, 16) if sector % 16 == 0 and end - sector >= 16 else (0.045, 1)


def stub_schedule_seconds(raw, addr, baud):
    """A second model of esptool's stub (stub_write_flash.c) writing `raw` compressed at `addr`,
    fed by a perfect client: each 16 KB packet sent the moment the previous one is acknowledged
    (the stub acknowledges before working; one packet waits in its second buffer). Before each
    inflate step the stub starts the next erase if the flash is idle; a full 32 KB output buffer
    is written after erasing through its last sector. Same figures as the virtual board."""
    sector_b, out_max = 4096, 32768
    st = {"chip": 0.0, "erase": addr // sector_b, "end": -(-(addr + len(raw)) // sector_b), "at": addr}

    def start_erase(t):
        if st["erase"] >= st["end"] or t < st["chip"]:
            return
        secs, sectors = stub_erase_step(st["erase"], st["end"])
        st["chip"] = t + secs
        st["erase"] += sectors

    def write(t, n):
        while st["erase"] < st["end"] and st["erase"] <= (st["at"] + n) // sector_b:
            t = max(t, st["chip"])
            start_erase(t)
        st["chip"] = t = max(t, st["chip"]) + -(-n // 256) * 0.0004
        st["at"] += n
        return t

    z = zlib.compress(raw, 9)
    d, fill, cpu, arrive, acked = zlib.decompressobj(), 0, 0.0, 0.0, 0.0
    for k in range(0, len(z), 16384):
        data = z[k:k + 16384]
        arrive = max(arrive, acked) + (len(data) + 24 + data.count(0xC0) + data.count(0xDB)) * 10 / baud
        t = acked = max(arrive, cpu)
        while data:
            start_erase(t)
            out = d.decompress(data, out_max - fill)
            t += (len(data) - len(d.unconsumed_tail)) / 20e6
            data, fill = d.unconsumed_tail, fill + len(out)
            if fill == out_max or (d.eof and fill):
                t, fill = write(t, fill), 0
        cpu = t
    return max(cpu, st["chip"])


# --- -b auto on a fresh m5stack-fire -------------------------------------------
if not quick:
    s = Sim(tmp / "auto.bin", "--realtime", transport="--rfc2217")
    b, secs = espburn("flash", *sources(), "-p", s.url, "-b", "auto", *keep)
    s.stop()
    top = b["device"]["baud"]
    wire = b["wire_bytes"] * 10 / top
    # the modelled flash work: the stub's erases of each region (stub_erase_step) and its
    # 256-byte page programs (0.4 ms each)
    def stub_flash_seconds(addr, size):
        sector, end, secs = addr // 4096, -(-(addr + size) // 4096), -(-size // 256) * 0.0004
        while sector < end:
            step, sectors = stub_erase_step(sector, end)
            secs, sector = secs + step, sector + sectors
        return secs
    # "written and verified": the verification reads every byte back (SPI_FLASH_MD5, 5 MB/s in the model)
    write_time = sum(stub_flash_seconds(a, (seed / p).stat().st_size) for a, p in bundle)
    verify_time = sum((seed / p).stat().st_size for _, p in bundle) / 5e6
    flash_time = write_time + verify_time
    target = 1.05 * max(wire, flash_time) + b["connect_seconds"]
    print(f"    -b auto: {top} baud, {secs:.1f} s (wire {wire:.1f} s, modelled flash {flash_time:.1f} s = erase and "
          f"program {write_time:.1f} s + verify read {verify_time:.1f} s, connect {b['connect_seconds']:.1f} s; "
          f"target {target:.1f} s) {verdict(secs <= target)}; aim < 10 s: {'met' if secs < 10 else 'not met'}")
    floor = sum(stub_schedule_seconds((seed / p).read_bytes(), a, top) for a, p in bundle) + verify_time
    print(f"    -b auto floor: esptool's stub fed by a perfect client (no latency, same figures) needs "
          f"{floor:.1f} s + connect {b['connect_seconds']:.1f} s = {floor + b['connect_seconds']:.1f} s: the erase "
          f"it starts ahead of the data leaves the flash idle later (docs/sim.md, \"Flash work in the stub\")")

print(f"    bench_flash: {missed} target(s) missed")
sys.exit(1 if missed else 0)
PY
