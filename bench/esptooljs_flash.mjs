// esptooljs_flash.mjs - time esptool-js (npm) flashing ADDR=FILE pairs on the
// virtual board, for bench_flash.sh: connect, stub, baud switch, compressed
// write with its MD5 check. Uses the test harness's Web Serial look-alike.
// usage: node bench/esptooljs_flash.mjs URL BAUD ADDR=FILE...  -> one JSON line {ok, seconds}
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { NetSerialPort } from "../tests/js/netserial.mjs";

register("../tests/js/json-hook.mjs", import.meta.url);
const { ESPLoader, Transport } = await import("esptool-js");

const [url, baud, ...pairs] = process.argv.slice(2);
const fileArray = pairs.map((p) => {
  const [a, f] = p.split("=");
  return { address: Number(a), data: readFileSync(f).toString("latin1") };
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
    calculateMD5Hash: (image) => createHash("md5").update(Buffer.from(image, "latin1")).digest("hex"),
  });
} catch (e) {
  ok = false;
  error = String(e && e.message ? e.message : e);
}
process.stdout.write(JSON.stringify({ ok, error, seconds: (performance.now() - t0) / 1000 }) + "\n");
port.destroy();
process.exit(ok ? 0 : 1);
