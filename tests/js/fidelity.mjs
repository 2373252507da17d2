// fidelity.mjs - esptool-js 0.7.0 (npm, installed as esptool-js-0.7: the
// release whose writeFlash also writes uncompressed, padding the last block
// with 0xFF as esptool does) against the virtual board: connect with its
// stub, writeFlash WITHOUT compression (MD5-verified by esptool-js, then read
// back), and writeReg/readReg round trips at the given RAM addresses.
// usage: node tests/js/fidelity.mjs URL BAUD [--reg ADDR]... ADDR=FILE...
// Prints one JSON line: {"chip", "regions":[{addr,size,readback_ok}],
// "regs":[{addr,wrote,masked,read,read_masked}], "ok"}; exit 0 when all match.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { NetSerialPort } from "./netserial.mjs";

const { ESPLoader, Transport } = await import("esptool-js-0.7");

const args = process.argv.slice(2);
const [url, baudArg] = args.splice(0, 2);
const regs = [];
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--reg") regs.push(Number(args[++i]));
  else {
    const [a, f] = args[i].split("=");
    files.push({ address: Number(a), bytes: new Uint8Array(readFileSync(f)) });
  }
}
if (!url || (!files.length && !regs.length)) {
  console.error("usage: node fidelity.mjs URL BAUD [--reg ADDR]... ADDR=FILE...");
  process.exit(2);
}
const log = [];
const terminal = { clean() {}, writeLine(s) { log.push(s); }, write(s) { log.push(s); } };
console.log = () => {}; // esptool-js traces reads on the console
console.error = () => {};

// One value per register, and a masked store on top of it: only bits 8..15 change.
async function regRoundTrip(loader, addr, i) {
  const wrote = (0x5a17c3e1 ^ Math.imul(i + 1, 0x01010101)) >>> 0;
  await loader.writeReg(addr, wrote);
  const read = (await loader.readReg(addr)) >>> 0;
  await loader.writeReg(addr, 0xffffffff, 0x0000ff00);
  const readMasked = (await loader.readReg(addr)) >>> 0;
  const masked = ((wrote & ~0xff00) | 0xff00) >>> 0;
  return { addr, wrote, read, masked, read_masked: readMasked, ok: read === wrote && readMasked === masked };
}

const result = { chip: null, regions: [], regs: [] };
const port = new NetSerialPort(url, { usbVendorId: 0x10c4, usbProductId: 0xea60 });
try {
  await port.plugIn();
  const transport = new Transport(port, false);
  const loader = new ESPLoader({ transport, baudrate: Number(baudArg || 115200), romBaudrate: 115200, terminal });
  result.chip = await loader.main();
  for (let i = 0; i < regs.length; i++) result.regs.push(await regRoundTrip(loader, regs[i], i));
  if (files.length) {
    await loader.writeFlash({
      fileArray: files.map((f) => ({ address: f.address, data: f.bytes })),
      flashSize: "keep", flashMode: "keep", flashFreq: "keep", eraseAll: false, compress: false,
      calculateMD5Hash: (image) => createHash("md5").update(image).digest("hex"),
    });
  }
  for (const f of files) {
    const back = await loader.readFlash(f.address, f.bytes.length);
    result.regions.push({ addr: f.address, size: f.bytes.length,
      readback_ok: Buffer.compare(Buffer.from(back), Buffer.from(f.bytes)) === 0 });
  }
  result.ok = result.regions.every((r) => r.readback_ok) && result.regs.every((r) => r.ok);
} catch (e) {
  result.ok = false;
  result.error = String(e && e.message ? e.message : e);
}
result.log = log.filter((l) => /Chip is|Stub|Wrote|Hash of data|md5/.test(l));
process.stdout.write(JSON.stringify(result) + "\n");
port.destroy();
process.exit(result.ok ? 0 : 1);
