// worker.mjs - the virtual board's CPU: the official WebAssembly MicroPython
// fed from the UART receive ring that board.mjs fills (shared memory), with
// the parts of real firmware the WebAssembly build lacks added here:
//   * raw-paste mode, done at the UART exactly as pyexec.c does it (the wasm
//     build's own raw-paste would try to read stdin, which it cannot);
//   * soft reboot (Ctrl-D / sys.exit) running boot.py then main.py;
//   * Ctrl-C while code runs: board.mjs raises a flag, and this thread turns
//     it into mp_sched_keyboard_interrupt() whenever the running code prints
//     or reads the clock (time.sleep). A pure CPU loop never does either, so
//     it cannot be interrupted: a limit of the WebAssembly build;
//   * a filesystem of a fixed size (ENOSPC when full) mirrored to a host
//     folder after every command, so files persist across reboots;
//   * the personalities: "official" (files at /) and "lobo" (the M5Stack
//     LoBo build of 2018: banner, /flash, no raw-paste, no deflate, rename
//     that cannot replace an existing file, as on its SPIFFS).
import { workerData, parentPort } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import { loadMicroPython } from '../../node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs';
import { CTL, PERSONALITIES, WASM_BANNER, bootCode } from './uart.mjs';
import { errnoMap } from './errno.mjs';

const { sab, ringSize, fsDir, fsSize, personality: personalityName, stdin: stdinWorks } = workerData;
const P = PERSONALITIES[personalityName];
const ctl = new Int32Array(sab, 0, CTL.WORDS);
const ring = new Uint8Array(sab, CTL.WORDS * 4, ringSize);

const FS_ROOT = '/_fs';          // where the board's files live in MEMFS
const BLOCK = 4096;
const ENOSPC = 51, EEXIST = 20;  // emscripten (WASI) errno numbers, translated by faithfulErrno
const ERRNO = errnoMap(P.fsErrors);

let mp = null;                   // the running interpreter
let mode = 'friendly';           // 'friendly' | 'raw' (tracked from input)
let rawLine = [];                // first bytes of the raw REPL line (for raw-paste)
let rawLineLen = 0;
let outBuf = [];                 // UART transmit bytes not yet posted
let suppress = 0;                // output bytes to swallow (the "OK" of raw-paste)
let muted = false;
let scriptRunning = false;
let capture = null;
let stdinInterrupted = false;    // Ctrl-C ended a stdin read: EOF until the code ends              // when an array, also collects the bytes sent
let snapshot = new Map();        // board path -> MEMFS node id, as mirrored to the host

// ---- UART transmit ------------------------------------------------------
function flushOut() {
  if (outBuf.length) {
    parentPort.postMessage({ t: 'out', b: Uint8Array.from(outBuf) });
    outBuf = [];
  }
}
function txByte(c) {
  checkInterrupt();
  if (capture) capture.push(c);
  if (muted) return;
  if (suppress > 0) { suppress--; return; }
  if (c === 10 && outBuf[outBuf.length - 1] !== 13) outBuf.push(13); // cooked output, as on a UART
  outBuf.push(c);
  if (c === 10 || outBuf.length >= 1024) flushOut();
}
function txString(s) { for (const c of Buffer.from(s, 'latin1')) txByte(c); }

// ---- UART receive ---------------------------------------------------------
function rxAvailable() { return (Atomics.load(ctl, CTL.HEAD) - Atomics.load(ctl, CTL.TAIL)) | 0; }
function rxByte() {
  for (;;) {
    if (rxAvailable() > 0) {
      const tail = Atomics.load(ctl, CTL.TAIL);
      const c = ring[tail % ringSize];
      Atomics.store(ctl, CTL.TAIL, (tail + 1) | 0);
      return c;
    }
    flushOut();
    if (Atomics.load(ctl, CTL.WIRE_PENDING)) parentPort.postMessage({ t: 'drain' });
    const seq = Atomics.load(ctl, CTL.SEQ);
    if (rxAvailable() === 0) Atomics.wait(ctl, CTL.SEQ, seq, 1000);
  }
}

// ---- stdin of running code (sys.stdin.buffer.read) ------------------------
// The interpreter reads the UART while it waits here, so it is not busy.
// Ctrl-C still interrupts unless the code called micropython.kbd_intr(-1).
function stdinByte() {
  if (!stdinWorks || !mp || stdinInterrupted) return null; // EOF
  const intr = scriptRunning ? 3 : mp._module._mp_hal_get_interrupt_char();
  Atomics.store(ctl, CTL.INTR_CHAR, intr);
  Atomics.store(ctl, CTL.BUSY, 0);
  const c = rxByte();
  Atomics.store(ctl, CTL.BUSY, 1); // back to running code (Ctrl-C stays as the code set it)
  if (c === 3 && intr === 3) { // Ctrl-C: end the read (EOF until the code ends), raise KeyboardInterrupt
    mp._module._mp_sched_keyboard_interrupt();
    stdinInterrupted = true;
    return null;
  }
  return c;
}

// ---- Ctrl-C while code runs ----------------------------------------------
function checkInterrupt() {
  if (!mp) return;
  Atomics.store(ctl, CTL.INTR_CHAR, scriptRunning ? 3 : mp._module._mp_hal_get_interrupt_char());
  if (!Atomics.load(ctl, CTL.INTR)) return;
  Atomics.store(ctl, CTL.INTR, 0);
  const m = mp._module;
  if (scriptRunning || m._mp_hal_get_interrupt_char() === 3) m._mp_sched_keyboard_interrupt();
}
const realNow = Date.now;
Date.now = () => { checkInterrupt(); return realNow(); }; // time.sleep and ticks poll this

// While busy the interpreter does not read the UART: the UART must then take
// in what is still arriving, and lose what does not fit.
function busy(on) {
  if (on) Atomics.store(ctl, CTL.INTR_CHAR, 3); // code about to run: Ctrl-C interrupts
  Atomics.store(ctl, CTL.BUSY, on ? 1 : 0);
  if (on && Atomics.load(ctl, CTL.WIRE_PENDING)) parentPort.postMessage({ t: 'drain' });
}

// ---- the filesystem: size limit, LoBo rename, host mirror ----------------
function walk(node, p, fn) {
  for (const [name, child] of Object.entries(node.contents)) {
    const cp = p + '/' + name;
    fn(cp, child);
    if (mp.FS.isDir(child.mode)) walk(child, cp, fn);
  }
}
function blocksUsed(except) {
  let blocks = 0;
  walk(mp.FS.lookupPath(FS_ROOT).node, '', (p, n) => {
    if (n === except) return;
    blocks += mp.FS.isDir(n.mode) ? 1 : Math.max(1, Math.ceil(n.usedBytes / BLOCK));
  });
  return blocks;
}
const totalBlocks = () => Math.max(2, Math.floor(fsSize / BLOCK));
function checkRoom(node, newSize) {
  const need = Math.max(1, Math.ceil(newSize / BLOCK));
  if (need > Math.max(1, Math.ceil(node.usedBytes / BLOCK)) && blocksUsed(node) + need > totalBlocks())
    throw new mp.FS.ErrnoError(ENOSPC);
}
// Every filesystem error reaches MicroPython with the firmware's number
// (errno.mjs), not WASI's: the syscalls return -e.errno of what FS throws.
// FS itself looks at one number afterwards: lookupPath's `noent_okay` (a
// missing last part is fine when creating) expects WASI's ENOENT, so that
// case is handled here.
const WASI_ENOENT = 44;
function faithfulErrno() {
  const FS = mp.FS, Base = FS.ErrnoError;
  FS.ErrnoError = class extends Base {
    constructor(n) { super(n); this.wasi = n; this.errno = ERRNO.get(n) ?? n; }
  };
  const lookupPath = FS.lookupPath;
  FS.lookupPath = function (p, opts = {}) {
    try { return lookupPath.call(this, p, opts); } catch (e) {
      if (!opts.noent_okay || e.wasi !== WASI_ENOENT) throw e;
      const full = path.posix.resolve(FS.cwd(), p);
      lookupPath.call(this, path.posix.dirname(full), { follow: true }); // a missing folder on the way: throws
      return { path: full };
    }
  };
}
function patchFilesystem() {
  const FS = mp.FS;
  faithfulErrno();
  FS.mkdir(FS_ROOT);
  FS.writeFile(FS_ROOT + '/.probe', '');
  const fileNode = FS.lookupPath(FS_ROOT + '/.probe').node;
  const dirOps = FS.lookupPath(FS_ROOT).node.node_ops;
  FS.unlink(FS_ROOT + '/.probe');
  const stream = fileNode.stream_ops, fileOps = fileNode.node_ops;
  const write = stream.write;
  stream.write = function (s, buf, off, len, pos, canOwn) {
    if (isUnder(s.node)) { checkRoom(s.node, Math.max(s.node.usedBytes, pos + len)); s.node.ebDirty = true; }
    return write.call(this, s, buf, off, len, pos, canOwn);
  };
  const setattr = fileOps.setattr;
  fileOps.setattr = function (node, attr) {
    if (isUnder(node) && attr.size !== undefined) { checkRoom(node, attr.size); node.ebDirty = true; }
    return setattr.call(this, node, attr);
  };
  const statfs = () => {
    const total = totalBlocks(), free = Math.max(0, total - blocksUsed(null));
    return { bsize: BLOCK, frsize: BLOCK, blocks: total, bfree: free, bavail: free };
  };
  dirOps.statfs = fileOps.statfs = statfs;
  if (!P.renameReplaces) {
    const rename = dirOps.rename;
    dirOps.rename = function (oldNode, newDir, newName) {
      if (newDir.contents && newDir.contents[newName]) throw new FS.ErrnoError(EEXIST);
      return rename.call(this, oldNode, newDir, newName);
    };
  }
}
function isUnder(node) {
  for (let n = node; n && n.parent !== n; n = n.parent) if (n.name === '_fs' && n.parent.parent === n.parent) return true;
  return false;
}
const MIRROR_TMP = '.board-mirror.tmp';   // the host side's temporary file, never a board file
function loadHostFiles(hostDir, boardDir) {
  for (const ent of fs.readdirSync(hostDir, { withFileTypes: true })) {
    const h = path.join(hostDir, ent.name), b = boardDir + '/' + ent.name;
    if (ent.name === MIRROR_TMP) fs.rmSync(h, { force: true });   // left by a mirror cut short
    else if (ent.isDirectory()) { mp.FS.mkdir(b); loadHostFiles(h, b); }
    else if (ent.isFile()) mp.FS.writeFile(b, fs.readFileSync(h));
  }
}
function takeSnapshot() {
  const snap = new Map();
  walk(mp.FS.lookupPath(FS_ROOT).node, '', (p, n) => { snap.set(p, n.id); n.ebDirty = false; });
  return snap;
}
// Whether the board path `p` stays inside the host folder when mirrored: no
// part of its host path is a symbolic link (loadHostFiles shows links to the
// board as nothing, and a folder the board then makes under the same name
// must not write through the link to outside the folder). Said once per path.
const linkWarned = new Set();
function mirrorable(p) {
  let h = fsDir;
  for (const part of p.split('/').filter(Boolean)) {
    h = path.join(h, part);
    let st;
    try { st = fs.lstatSync(h); } catch { return true; }   // not there yet: the mirror makes it
    if (st.isSymbolicLink()) {
      if (!linkWarned.has(h)) {
        linkWarned.add(h);
        process.stderr.write(`espburn sim: ${p} is not mirrored to the host: ${h} is a symbolic link there\n`);
      }
      return false;
    }
  }
  return true;
}
// Copy every change made on the board since the last call to the host folder,
// so that the folder, like a board's flash filesystem, only ever holds whole
// files: each file is written beside and renamed over the old one (a crash
// keeps the old or the new, never neither), and what the board removed is
// removed last. A path that turned from folder to file or back goes first.
function mirrorToHost() {
  const now = new Map(), nodes = [], isDir = new Map();
  walk(mp.FS.lookupPath(FS_ROOT).node, '', (p, n) => {
    now.set(p, n.id); nodes.push([p, n]); isDir.set(p, mp.FS.isDir(n.mode));
  });
  const host = (p) => path.join(fsDir, p);
  for (const [p] of snapshot) {
    const h = host(p);
    if (!mirrorable(p)) continue;
    if (now.has(p) && fs.existsSync(h) && fs.statSync(h).isDirectory() !== isDir.get(p))
      fs.rmSync(h, { recursive: true, force: true });
  }
  for (const [p, n] of nodes) {
    if (!mirrorable(p)) { n.ebDirty = false; continue; }
    if (isDir.get(p)) {
      if (snapshot.get(p) !== n.id) fs.mkdirSync(host(p), { recursive: true });
    } else if (snapshot.get(p) !== n.id || n.ebDirty) {
      const tmp = path.join(path.dirname(host(p)), MIRROR_TMP);
      fs.writeFileSync(tmp, n.contents ? Buffer.from(n.contents.buffer, n.contents.byteOffset, n.usedBytes) : Buffer.alloc(0));
      fs.renameSync(tmp, host(p));
    }
    n.ebDirty = false;
  }
  for (const [p] of snapshot)
    if (!now.has(p) && mirrorable(p)) fs.rmSync(host(p), { recursive: true, force: true });
  snapshot = now;
}

// ---- booting --------------------------------------------------------------
function runPythonQuiet(code) { muted = true; try { mp.runPython(code); } finally { muted = false; } }
function runScript(name) {
  if (!fs.existsSync(path.join(fsDir, name))) return 0;
  busy(true); scriptRunning = true;
  let forcedExit = false;
  try {
    mp.runPython(`import sys as _s\ntry:\n exec(open('${name}').read())\nexcept SystemExit:\n _eb_exit=1\nexcept BaseException as _e:\n _s.print_exception(_e)\ndel _s`);
    forcedExit = mp.globals.get('_eb_exit') === 1;
  } catch (e) {
    // a Ctrl-C that lands outside the script's own try (a second one while
    // the first traceback prints): a board prints it and goes on to the REPL
    const msg = String((e && e.message) || e);
    if (!/KeyboardInterrupt/.test(msg)) throw e;
    txString(msg.replace(/"<stdin>"/g, `"${name}"`).replace(/\r?\n/g, '\r\n'));
  } finally { scriptRunning = false; busy(false); }
  mirrorToHost();
  return forcedExit;
}
async function boot(isSoft) {
  if (isSoft) { txString(P.softReboot); flushOut(); }
  mp = await loadMicroPython({ heapsize: P.heap, stdout: (b) => b.forEach(txByte), stdin: stdinByte, linebuffer: false });
  patchFilesystem();
  loadHostFiles(fsDir, FS_ROOT);
  snapshot = takeSnapshot();
  runPythonQuiet(`import vfs, os\nvfs.umount('/')\nvfs.mount(vfs.VfsPosix('${FS_ROOT}'), '${P.mount}')\nos.chdir('${P.mount}')\n` + bootCode(P.mount) + P.init);
  if (runScript('boot.py') || (mode === 'friendly' && runScript('main.py'))) return boot(true);
  muted = true; mp.replInit(); muted = false;
  if (mode === 'raw') { muted = true; mp.replProcessChar(1); muted = false; txString('raw REPL; CTRL-B to exit\r\n>'); }
  else feed(2);
  rawLine = []; rawLineLen = 0;
}

// ---- the REPL, with raw-paste added at the UART ---------------------------
// Feed one byte to the interpreter; returns true when it asked for a soft reboot.
function feed(c) {
  const executes = c === 4 || (mode === 'friendly' && (c === 13 || c === 10));
  if (executes) busy(true);
  let r;
  capture = c === 1 || c === 2 ? [] : null;
  muted = c === 2; // Ctrl-B prints the banner: the personality's, not the wasm build's
  try { r = mp.replProcessChar(c); } finally { if (executes) busy(false); muted = false; stdinInterrupted = false; }
  if (c === 2) txString(Buffer.from(capture).toString('latin1').replace(WASM_BANNER, P.banner));
  if (mode === 'friendly' && c === 1 && Buffer.from(capture).includes('raw REPL; CTRL-B')) mode = 'raw';
  else if (mode === 'raw' && c === 2) mode = 'friendly';
  trackRawLine(c);
  if (executes) mirrorToHost();
  return (r & 0x100) !== 0;
}
function trackRawLine(c) {
  if (mode !== 'raw' || c <= 4) { rawLine = []; rawLineLen = 0; return; }
  if (rawLine.length < 2) rawLine.push(c);
  rawLineLen++;
}
// Raw-paste as pyexec.c's do_reader_stdin: window = half of the stdin buffer,
// one 0x01 per window consumed, 0x04 when the input ends.
function rawPaste() {
  const window = P.stdinBuffer / 2;
  txString('R\x01'); txByte(window & 0xff); txByte(window >> 8); txByte(1);
  const code = [];
  let remain = window;
  for (;;) {
    const c = rxByte();
    if (c === 3 || c === 4) {
      txByte(4);
      feed(3); // clear the interpreter's raw line (it still holds 0x05 'A')
      if (c === 3) { txString('\x04KeyboardInterrupt: \r\n\x04>'); return false; }
      break;
    }
    code.push(c);
    if (--remain === 0) { txByte(1); remain = window; flushOut(); }
  }
  if (code.length === 0) code.push(10); // an empty program, not an empty line (= soft reboot)
  for (const c of code) feed(c);
  suppress = 2; // pyexec's raw REPL says "OK"; raw-paste does not
  return feed(4);
}
async function main() {
  await boot(false);
  flushOut();
  parentPort.postMessage({ t: 'ready' });
  for (;;) {
    const c = rxByte();
    let reboot;
    if (mode === 'raw' && c === 1 && rawLineLen === 2 && rawLine[0] === 5) {
      if (P.rawPaste && rawLine[1] === 65) reboot = rawPaste();
      else if (P.rawPaste) { feed(3); txString('R\x00>'); reboot = false; } // unknown raw-paste command
      else { feed(3); reboot = feed(c); } // old firmware: 0x01 just restarts the raw REPL
    } else reboot = feed(c);
    if (reboot) await boot(true);
    if (rxAvailable() === 0) flushOut();
  }
}
main().catch((e) => { flushOut(); parentPort.postMessage({ t: 'fatal', msg: String(e && e.stack || e) }); });
