#!/usr/bin/env bash
# bench_sim_rate.sh [--quick] - the virtual board's --realtime link speed:
# the stub streams flash (READ_FLASH, one window) at 115200 and 460800 baud;
# the measured byte rate must be within 2 % of the nominal baud/10.
# ESPBURN_BIN selects the binary (default build/espburn).
. "$(dirname "$0")/lib.sh" "$@"
/usr/bin/python3 - "$bin" "$quick" <<'PY'
import re, struct, subprocess, sys, time
sys.path.insert(0, "tests/e2e")
from test_sim_util import Loader

binary, quick = sys.argv[1], sys.argv[2] == "1"
proc = subprocess.Popen([binary, "sim", "--realtime", "--tcp", "0"], stdout=subprocess.PIPE, text=True)
try:
    url = re.search(r"-p (\S+)", proc.stdout.readline()).group(1)
    ld = Loader(url)
    assert ld.sync(), "no SYNC answer"
    assert ld.upload_stub() == b"OHAI", "stub did not start"
    current, missed = 115200, 0
    for baud in (115200, 460800):
        if baud != current:
            ld.check(0x0F, struct.pack("<II", baud, current))
            current = baud
            time.sleep(0.05)
        size = (baud // 10) * (1 if quick else 3)     # about 1 s (quick) or 3 s of wire time
        size -= size % 4096
        ld.send(0xD2, struct.pack("<IIII", 0, size, 4096, size))
        assert ld.response(0xD2, 3), "READ_FLASH refused"
        got, first, last = len(ld.buf), None, None
        ld.buf = b""
        ld.link.sock.settimeout(5)
        while got < size:
            chunk = ld.link.sock.recv(65536)
            now = time.perf_counter()
            if first is None:
                first, got0 = now, len(chunk)
            got += len(chunk)
            last = now
        ld.link.write(b"\xc0" + struct.pack("<I", size) + b"\xc0")
        ld.read_frame(3)                               # the MD5 frame
        wire = got - got0                              # bytes after the first chunk
        rate = wire / (last - first)
        nominal = baud / 10
        err = (rate - nominal) / nominal * 100
        ok = abs(err) <= 2.0
        missed += not ok
        print(f"    {baud:>7} baud: {rate:10.1f} B/s measured, {nominal:9.1f} nominal ({err:+.2f} %) {'ok' if ok else 'MISSED'}")
    sys.exit(1 if missed else 0)
finally:
    proc.terminate()
    proc.wait(10)
PY
