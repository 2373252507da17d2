#!/usr/bin/env node
// board.mjs - a virtual ESP32 running real MicroPython, reachable over TCP.
//
//   node sim/micropython/board.mjs (--tcp PORT | --stdio) --fs DIR [--personality official|lobo]
//        [--fs-size BYTES] [--rx-buffer BYTES] [--baud N] [--no-stdin] [--lifeline FD]
//
// This file is the board's UART: it accepts one TCP client at a time (a new
// one replaces the old, like re-plugging a cable), or with --stdio is wired
// to this process's stdin/stdout for good (how `espburn sim` hands its UART
// to MicroPython at the app stage; stdin closing stops the board). It paces bytes at --baud when
// given, and puts received bytes into a finite receive ring. While the
// interpreter is reading (at a prompt, or collecting a raw-paste) the ring is
// refilled as it drains; while it runs code, bytes that do not fit are lost,
// as on a real ESP32. Ctrl-C arriving while code runs becomes an interrupt.
// The interpreter itself runs in worker.mjs. The board's files live in DIR.
// --lifeline FD: the read end of a pipe whose other end the parent (espburn
// sim) holds; when it reaches end of file the parent is gone, and so is the
// board (with --stdio, stdin plays that part).
import { Worker } from 'node:worker_threads';
import net from 'node:net';
import fs from 'node:fs';
import { CTL, PERSONALITIES } from './uart.mjs';

function usage(msg) {
  process.stderr.write(`board.mjs: ${msg}\nusage: board.mjs (--tcp PORT | --stdio) --fs DIR [--personality official|lobo] ` +
    '[--fs-size BYTES] [--rx-buffer BYTES] [--baud N] [--no-stdin] [--lifeline FD]\n');
  process.exit(2);
}
function parseArgs(argv) {
  const o = { tcp: null, fs: null, personality: 'official', fsSize: null, rxBuffer: null, baud: 0, stdin: true, stdio: false, lifeline: null };
  const num = (v, name) => (/^\d+$/.test(v || '') ? Number(v) : usage(`${name} needs a number`));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    if (a === '--tcp') { o.tcp = num(v, a); i++; }
    else if (a === '--fs') { o.fs = v; i++; }
    else if (a === '--personality') { o.personality = v; i++; }
    else if (a === '--fs-size') { o.fsSize = num(v, a); i++; }
    else if (a === '--rx-buffer') { o.rxBuffer = num(v, a); i++; }
    else if (a === '--baud') { o.baud = num(v, a); i++; }
    else if (a === '--lifeline') { o.lifeline = num(v, a); i++; }
    else if (a === '--no-stdin') o.stdin = false;
    else if (a === '--stdio') o.stdio = true;
    else usage(`unknown option '${a}'`);
  }
  if ((o.tcp === null) === !o.stdio || !o.fs) usage('--fs and one of --tcp PORT or --stdio are required');
  if (!PERSONALITIES[o.personality]) usage(`unknown personality '${o.personality}' (official or lobo)`);
  if (!fs.existsSync(o.fs) || !fs.statSync(o.fs).isDirectory()) usage(`--fs ${o.fs} is not a folder`);
  return o;
}

const opt = parseArgs(process.argv.slice(2));
const P = PERSONALITIES[opt.personality];
const ringSize = opt.rxBuffer || P.rxBuffer;
const sab = new SharedArrayBuffer(CTL.WORDS * 4 + ringSize);
const ctl = new Int32Array(sab, 0, CTL.WORDS);
const ring = new Uint8Array(sab, CTL.WORDS * 4, ringSize);
const bytesPerMs = opt.baud / 10 / 1000;

let client = null;
let wire = [];          // received bytes not yet in the ring (Buffer chunks)
let rxCredit = 0, txCredit = 0;
let txQueue = [];       // bytes for the host when pacing at --baud
let dropped = 0;

// ---- host -> board ---------------------------------------------------------
function ringFree() { return ringSize - ((Atomics.load(ctl, CTL.HEAD) - Atomics.load(ctl, CTL.TAIL)) | 0); }
function ringPut(c) {
  const head = Atomics.load(ctl, CTL.HEAD);
  ring[head % ringSize] = c;
  Atomics.store(ctl, CTL.HEAD, (head + 1) | 0);
}
// Move up to `limit` bytes from the wire into the ring; returns how many left the wire.
function deliver(limit) {
  let moved = 0, lost = 0;
  while (wire.length && moved < limit) {
    const chunk = wire[0];
    let i = 0;
    for (; i < chunk.length && moved < limit; i++, moved++) {
      const c = chunk[i], isBusy = Atomics.load(ctl, CTL.BUSY) === 1;
      if (c === 3 && isBusy && Atomics.load(ctl, CTL.INTR_CHAR) === 3) { Atomics.store(ctl, CTL.INTR, 1); continue; }
      if (ringFree() > 0) ringPut(c);
      else if (isBusy || opt.baud) lost++;   // the interpreter is not reading: the byte is lost
      else break;                            // it is reading: hold the rest on the wire
    }
    if (i < chunk.length) { wire[0] = chunk.subarray(i); break; }
    wire.shift();
  }
  if (lost) {
    dropped += lost;
    process.stderr.write(`board: receive buffer full (${ringSize} bytes), lost ${lost} bytes (${dropped} in all)\n`);
  }
  Atomics.store(ctl, CTL.WIRE_PENDING, wire.length ? 1 : 0);
  Atomics.add(ctl, CTL.SEQ, 1);
  Atomics.notify(ctl, CTL.SEQ);
  return moved;
}
function pump() { if (!opt.baud) deliver(Infinity); }

// ---- board -> host ---------------------------------------------------------
function transmit(bytes) {
  if (!client) return;                 // nobody listening: the bytes go nowhere
  if (!opt.baud) client.write(bytes);
  else txQueue.push(Buffer.from(bytes));
}

// With --baud, both directions move at the line rate (10 bits per byte).
if (opt.baud) {
  let last = performance.now();
  setInterval(() => {
    const now = performance.now(), dt = now - last;
    last = now;
    const cap = Math.max(16, bytesPerMs * 20);
    rxCredit = Math.min(rxCredit + bytesPerMs * dt, cap);
    txCredit = Math.min(txCredit + bytesPerMs * dt, cap);
    if (wire.length) rxCredit -= deliver(Math.floor(rxCredit));
    while (txQueue.length && txCredit >= 1 && client) {
      const chunk = txQueue[0], n = Math.min(chunk.length, Math.floor(txCredit));
      client.write(chunk.subarray(0, n));
      txCredit -= n;
      if (n === chunk.length) txQueue.shift(); else txQueue[0] = chunk.subarray(n);
    }
  }, 2);
}

// ---- the CPU -----------------------------------------------------------------
const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
  workerData: { sab, ringSize, fsDir: opt.fs, fsSize: opt.fsSize || P.fsSize, personality: opt.personality,
                stdin: opt.stdin },
});
worker.on('message', (m) => {
  if (m.t === 'out') transmit(m.b);
  else if (m.t === 'drain') pump();
  else if (m.t === 'fatal') { process.stderr.write(`board: the interpreter crashed: ${m.msg}\n`); process.exit(3); }
});
worker.on('error', (e) => { process.stderr.write(`board: ${e.stack || e}\n`); process.exit(3); });

// ---- stdio: the UART wired to this process ---------------------------------
function wireStdio() {
  client = process.stdout;
  process.stdout.on('error', () => process.exit(0));   // the other end is gone
  process.stdin.on('data', (d) => { wire.push(d); pump(); });
  process.stdin.on('end', () => process.exit(0));
}

// ---- TCP -------------------------------------------------------------------
function listenTcp() {
  const server = net.createServer((sock) => {
    if (client) client.destroy();
    client = sock;
    txQueue = [];
    sock.setNoDelay(true);
    sock.on('data', (d) => { wire.push(d); pump(); });
    sock.on('close', () => { if (client === sock) client = null; });
    sock.on('error', () => {});
  });
  server.listen(opt.tcp, '127.0.0.1', () => {
    const where = P.mount === '/' ? '/' : P.mount;
    process.stdout.write(`espburn sim: MicroPython board (${opt.personality}, files of ${opt.fs} at ${where}` +
      `${opt.baud ? `, ${opt.baud} baud` : ''}); connect with -p socket://127.0.0.1:${server.address().port}\n`);
  });
}
// ---- the lifeline: the board ends with its parent ---------------------------
function watchLifeline(fd) {
  const life = new net.Socket({ fd, readable: true, writable: false });
  life.on('data', () => {});
  life.on('end', () => process.exit(0));
  life.on('error', () => process.exit(0));
}
if (opt.lifeline !== null) watchLifeline(opt.lifeline);
if (opt.stdio) wireStdio(); else listenTcp();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
