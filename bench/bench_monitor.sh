#!/usr/bin/env bash
# bench_monitor.sh [--quick] - can `espburn monitor` keep up with the fastest
# serial link? A board on a TCP socket pours out the real boot logs of
# tests/data/bootlogs, repeated (about 12 MB; 2.4 MB with --quick), as fast as
# the socket takes them; the monitor shows them, tees them to --log and
# analyses every line. The fastest USB-serial bridge runs at 2 Mbaud, about
# 0.2 MB/s: the target is 10 times that, 2 MB/s of monitor CPU time (CPU
# time, so that a busy machine does not decide). Prints the rate and exits
# non-zero when it misses the target or loses a byte.
. "$(dirname "$0")/lib.sh" "$@"
copies=1000
[ "${1:-}" = "--quick" ] && copies=200
exec /usr/bin/python3 - "$bin" "$copies" "$tmp" <<'PY'
import os, pathlib, resource, socket, subprocess, sys, threading, time

binary, copies, tmp = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
target_kbs = 2000
data = b"".join(p.read_bytes() for p in sorted(pathlib.Path("tests/data/bootlogs").glob("*.log"))) * copies
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)

def pour():
    conn, _ = srv.accept()
    conn.sendall(data)
    conn.close()

threading.Thread(target=pour, daemon=True).start()
log = tmp / "raw.log"
before = resource.getrusage(resource.RUSAGE_CHILDREN)
mon = subprocess.Popen([binary, "monitor", "-p", f"socket://127.0.0.1:{srv.getsockname()[1]}", "--no-reset",
                        "--log", str(log), "--duration", "600"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
t0 = time.time()
while (not log.exists() or log.stat().st_size < len(data)) and time.time() - t0 < 300 and mon.poll() is None:
    time.sleep(0.05)
wall = time.time() - t0
mon.terminate()
err = mon.communicate()[1].decode(errors="replace")
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
if log.read_bytes() != data:
    print(f"monitor lost or changed bytes: {log.stat().st_size} of {len(data)} logged")
    sys.exit(1)
if "boot-loop" not in err or "app-at-bootloader-offset" not in err:
    print("monitor's summary misses the seed case:\n" + err[-2000:])
    sys.exit(1)
kbs = len(data) / 1024 / max(cpu, 0.001)
print(f"monitor on a {len(data) // 1024} KB stream: {cpu:.3f} s CPU ({wall:.2f} s wall), {kbs:.0f} KB/s "
      f"(target > {target_kbs} KB/s)")
sys.exit(0 if kbs > target_kbs else 1)
PY
