// uart.mjs - what board.mjs (the UART) and worker.mjs (the CPU) share: the
// layout of the control words in front of the receive ring, and the board
// personalities (facts about the firmware each one imitates).
export const CTL = {
  HEAD: 0,          // bytes written into the ring by the UART (monotonic)
  TAIL: 1,          // bytes taken out by the interpreter (monotonic)
  BUSY: 2,          // 1 while the interpreter runs code (not reading the UART)
  INTR: 3,          // 1 when a Ctrl-C arrived while code was running
  SEQ: 4,           // bumped on every write, for Atomics.wait
  WIRE_PENDING: 5,  // 1 when the UART holds bytes that did not fit yet
  INTR_CHAR: 6,     // the running code's interrupt char (-1: kbd_intr(-1), Ctrl-C is data)
  WORDS: 8,
};

export const WASM_BANNER = 'MicroPython v1.27.0 on 2025-12-10; JS with Emscripten';

// Run at every boot, after the board's files are mounted at MOUNT. The
// WebAssembly build's VfsPosix (mounted with a root folder) translates both
// paths of rename() into one shared buffer, so an absolute rename renames
// the target onto itself. Real firmware (LittleFS, SPIFFS) has no such bug:
// rename through paths relative to the mount, which VfsPosix passes as-is.
export function bootCode(mount) {
  return [
    'import os',
    'def _eb_fixrename(a, b, _rename=os.rename, _m=' + JSON.stringify(mount) + '):',
    '    def rel(p):',
    "        if not p.startswith('/'):",
    "            p = os.getcwd().rstrip('/') + '/' + p",
    '        parts = []',
    "        for s in p.split('/'):",
    "            if s == '..':",
    '                parts and parts.pop()',
    "            elif s not in ('', '.'):",
    '                parts.append(s)',
    "        p = '/' + '/'.join(parts)",
    "        return p[len(_m):].lstrip('/') if p.startswith(_m) else p",
    '    cwd = os.getcwd()',
    '    a, b = rel(a), rel(b)',
    '    os.chdir(_m)',
    '    try:',
    '        _rename(a, b)',
    '    finally:',
    '        os.chdir(cwd)',
    'os.rename = _eb_fixrename',
    'del _eb_fixrename',
    '',
  ].join('\n');
}

export const PERSONALITIES = {
  // Official MicroPython for ESP32: LittleFS at /, raw-paste, deflate.
  official: {
    banner: WASM_BANNER,
    mount: '/',
    rawPaste: true,
    stdinBuffer: 256,        // MICROPY_REPL_STDIN_BUFFER_MAX: raw-paste window 128
    rxBuffer: 260,           // ports/esp32 stdin ring buffer
    renameReplaces: true,    // LittleFS rename replaces the target
    fsErrors: 'littlefs',    // OSError numbers of the filesystem driver (errno.mjs)
    softReboot: 'MPY: soft reboot\r\n',
    heap: 1 << 20,
    fsSize: 2 << 20,
    init: '',
  },
  // LoBo MicroPython ESP32 v3.2.24 (the seed bundle): SPIFFS at /flash, old
  // raw REPL without raw-paste, no deflate module, 1080-byte UART buffer.
  lobo: {
    banner: 'MicroPython ESP32_LoBo_v3.2.24 - 2018-09-06 on ESP32&psRAM board with ESP32',
    mount: '/flash',
    rawPaste: false,
    stdinBuffer: 256,
    rxBuffer: 1080,          // CONFIG_MICROPY_RX_BUFFER_SIZE
    renameReplaces: false,   // SPIFFS: rename fails when the target exists
    fsErrors: 'newlib',      // SPIFFS through ESP-IDF's VFS: newlib's errno
    softReboot: 'ESP32: soft reboot\r\n',
    heap: 2 << 20,
    fsSize: 1024 << 10,      // the internalfs partition of partitions_mpy.csv
    init: [
      'import builtins',
      '_eb_imp = builtins.__import__',
      'def _eb_import(name, *a):',
      "    if name == 'deflate':",
      "        raise ImportError(\"no module named 'deflate'\")",
      '    return _eb_imp(name, *a)',
      'builtins.__import__ = _eb_import',
      'del builtins, _eb_import',
      '',
    ].join('\n'),
  },
};
