// flash_bundle.mjs - esptool-js (Espressif's JavaScript flasher, npm 0.5.7,
// or 0.7.0 with --v07) against the virtual board: connect, read the chip,
// upload its stub, flash ADDR=FILE pairs compressed, verify by MD5, read each
// region back.
// usage: node tests/js/flash_bundle.mjs [--v07] [--no-stub] [--usb VID:PID] URL BAUD ADDR=FILE...
// --v07: esptool-js 0.7.0 (installed as esptool-js-0.7), which uploads esp-flasher-stub.
// --no-stub: esptool-js against the ROM loader (a known difference, see docs/sim.md).
// --usb: the USB id the port reports (default 10c4:ea60, a CP2104); 303a:1001
//        makes esptool-js use its USB-Serial/JTAG reset sequence.
// Prints one JSON line: {"chip":..., "regions":[{addr,size,md5_ok,readback_ok}]}; exit 0 when all match.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { NetSerialPort } from "./netserial.mjs";

const args = process.argv.slice(2);
const v07 = args[0] === "--v07";
if (v07) args.shift();
register("./json-hook.mjs", import.meta.url);
const { ESPLoader, Transport } = await import(v07 ? "esptool-js-0.7" : "esptool-js");
const noStub = args[0] === "--no-stub";
if (noStub) args.shift();
let usb = [0x10c4, 0xea60];
if (args[0] === "--usb") {
  usb = args[1].split(":").map((h) => parseInt(h, 16));
  args.splice(0, 2);
}
const [url, baudArg, ...pairs] = args;
if (!url || !pairs.length) {
  console.error("usage: node flash_bundle.mjs URL BAUD ADDR=FILE...");
  process.exit(2);
}
const files = pairs.map((p) => {
  const [a, f] = p.split("=");
  return { address: Number(a), bytes: readFileSync(f) };
});
const log = [];
const terminal = {
  clean() {},
  writeLine(s) { log.push(s); },
  write(s) { log.push(s); },
};
// esptool-js traces every read on console.log and each read timeout on console.error
console.log = () => {};
console.error = () => {};

// esptool-js 0.5.7 looks for a command's answer among at most 100 frames; when
// SYNC answers from earlier attempts are still queued it can give up with
// "invalid response" before any file is sent (an esptool-js bug, see
// docs/sim.md). Like a user pressing "Connect" again, the harness then opens the
// port afresh, once; a failure after connecting is never retried.
async function connect() {
  const port = new NetSerialPort(url, { usbVendorId: usb[0], usbProductId: usb[1] });
  await port.plugIn();
  const transport = new Transport(port, false);
  const loader = new ESPLoader({ transport, baudrate: Number(baudArg || 115200), romBaudrate: 115200, terminal });
  try {
    let chip;
    if (noStub) {
      await loader.detectChip();
      chip = await loader.chip.getChipDescription(loader);
    } else {
      chip = await loader.main();
    }
    return { port, loader, chip };
  } catch (e) {
    port.destroy();
    throw e;
  }
}

const result = { chip: null, regions: [], connect_attempts: 0 };
let port = null;
try {
  let conn;
  try {
    result.connect_attempts++;
    conn = await connect();
  } catch (e) {
    result.first_connect_error = String(e && e.message ? e.message : e);
    result.connect_attempts++;
    conn = await connect();
  }
  const loader = conn.loader;
  port = conn.port;
  result.chip = conn.chip;
  // 0.5.7 takes each image as a latin1 string, 0.7.0 as a Uint8Array
  await loader.writeFlash({
    fileArray: files.map((f) => ({ address: f.address, data: v07 ? new Uint8Array(f.bytes) : f.bytes.toString("latin1") })),
    flashSize: "keep", flashMode: "keep", flashFreq: "keep", eraseAll: false, compress: true,
    calculateMD5Hash: (image) =>
      createHash("md5").update(v07 ? image : Buffer.from(image, "latin1")).digest("hex"),
  });
  for (const f of files) {
    const back = await loader.readFlash(f.address, f.bytes.length);
    result.regions.push({ addr: f.address, size: f.bytes.length, md5_ok: true,
      readback_ok: Buffer.compare(Buffer.from(back), f.bytes) === 0 });
  }
  result.ok = result.regions.every((r) => r.readback_ok);
} catch (e) {
  result.ok = false;
  result.error = String(e && e.message ? e.message : e);
}
result.log = log.filter((l) => /Chip is|Features|Crystal|MAC|Hash of data|Stub running|Changed|Wrote/.test(l));
process.stdout.write(JSON.stringify(result) + "\n");
if (port) port.destroy();
process.exit(result.ok ? 0 : 1);
