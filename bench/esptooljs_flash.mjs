// esptooljs_flash.mjs - time esptool-js (npm) flashing ADDR=FILE pairs on the
// virtual board, for bench_flash.sh: connect, stub, baud switch, compressed
// write with its MD5 check. Uses the test harness's Web Serial look-alike.
// usage: node bench/esptooljs_flash.mjs [--v07] URL BAUD ADDR=FILE...  -> one JSON line {ok, seconds}
// --v07: esptool-js 0.7.0 (installed as esptool-js-0.7) with its esp-flasher-stub.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { NetSerialPort } from "../tests/js/netserial.mjs";

const args = process.argv.slice(2);
const v07 = args[0] === "--v07";
if (v07) args.shift();
register("../tests/js/json-hook.mjs", import.meta.url);
const { ESPLoader, Transport } = await import(v07 ? "esptool-js-0.7" : "esptool-js");

const [url, baud, ...pairs] = args;
// 0.5.7 takes each image as a latin1 string, 0.7.0 as a Uint8Array
const fileArray = pairs.map((p) => {
  const [a, f] = p.split("=");
  const bytes = readFileSync(f);
  return { address: Number(a), data: v07 ? new Uint8Array(bytes) : bytes.toString("latin1") };
});
const terminal = { clean() {}, writeLine() {}, write() {} };
console.log = () => {};
console.error = () => {};
const port = new NetSerialPort(url, { usbVendorId: 0x10c4, usbProductId: 0xea60 });
const loader = new ESPLoader({ transport: new Transport(port, false), baudrate: Number(baud), romBaudrate: 115200, terminal });
const t0 = performance.now();
let ok = true, error = "";
try {
  await loader.main();
  await loader.writeFlash({
    fileArray, flashSize: "keep", flashMode: "keep", flashFreq: "keep", eraseAll: false, compress: true,
    calculateMD5Hash: (image) => createHash("md5").update(v07 ? image : Buffer.from(image, "latin1")).digest("hex"),
  });
} catch (e) {
  ok = false;
  error = String(e && e.message ? e.message : e);
}
process.stdout.write(JSON.stringify({ ok, error, seconds: (performance.now() - t0) / 1000 }) + "\n");
port.destroy();
process.exit(ok ? 0 : 1);
