// errno.mjs - the OSError numbers of the virtual board: MicroPython on an
// ESP32 reports newlib's numbers (ports/esp32 builds with
// MICROPY_USE_INTERNAL_ERRNO 0), except that the official firmware's
// LittleFS driver raises littlefs's own codes, which are Linux's (ENOTEMPTY 39
// where newlib says 90). The WebAssembly build reports WASI's numbering
// (ENOENT 44); the board translates every filesystem error through this one
// table, so running code sees what it would see on the chip.
//
// The `errno` module needs nothing: the WebAssembly build uses MicroPython's
// own numbers there (MICROPY_USE_INTERNAL_ERRNO), the same as newlib's for
// every filesystem error (ENOENT 2 ... ERANGE 34); they differ only for
// network errors (EADDRINUSE 98 here, 112 on the chip), and the virtual board
// has no network. (The compiler folds `errno.X` into the code, so a module
// put in its place would not be seen anyway.)
//
//  name            WASI  newlib  littlefs (Linux)
const TABLE = [
  ['EPERM',          63,    1,    1], ['ENOENT',       44,    2,    2],
  ['ESRCH',          71,    3,    3], ['EIO',          29,    5,    5],
  ['E2BIG',           1,    7,    7], ['ENOEXEC',      45,    8,    8],
  ['EBADF',           8,    9,    9], ['ECHILD',       12,   10,   10],
  ['EAGAIN',          6,   11,   11], ['ENOMEM',       48,   12,   12],
  ['EACCES',          2,   13,   13], ['EFAULT',       21,   14,   14],
  ['EBUSY',          10,   16,   16], ['EEXIST',       20,   17,   17],
  ['EXDEV',          75,   18,   18], ['ENODEV',       43,   19,   19],
  ['ENOTDIR',        54,   20,   20], ['EISDIR',       31,   21,   21],
  ['EINVAL',         28,   22,   22], ['ENFILE',       41,   23,   23],
  ['EMFILE',         33,   24,   24], ['ENOTTY',       59,   25,   25],
  ['ETXTBSY',        74,   26,   26], ['ENOSPC',       51,   28,   28],
  ['ESPIPE',         70,   29,   29], ['EROFS',        69,   30,   30],
  ['EMLINK',         34,   31,   31], ['EPIPE',        64,   32,   32],
  ['EDOM',           18,   33,   33], ['ERANGE',       68,   34,   34],
  ['ENOSYS',         52,   88,   38], ['ENOTEMPTY',    55,   90,   39],
  ['ENAMETOOLONG',   37,   91,   36], ['ELOOP',        32,   92,   40],
  ['EOPNOTSUPP',    138,   95,   95], ['EOVERFLOW',    61,  139,   75],
  ['EILSEQ',         25,  138,   84], ['ECANCELED',    11,  140,  125],
  ['ECONNRESET',     15,  104,  104], ['ENOBUFS',      42,  105,  105],
  ['EAFNOSUPPORT',    5,  106,   97], ['ECONNREFUSED', 14,  111,  111],
  ['EADDRINUSE',      3,  112,   98], ['ECONNABORTED', 13,  113,  103],
  ['ENETUNREACH',    40,  114,  101], ['ETIMEDOUT',    73,  116,  110],
  ['EHOSTUNREACH',   23,  118,  113], ['EINPROGRESS',  26,  119,  115],
  ['EALREADY',        7,  120,  114], ['ENOTCONN',     53,  128,  107],
];
// Not translated: EINTR (WASI 27) and EFBIG (WASI 22, newlib 27) and ENXIO
// (WASI 60, newlib 6): the WebAssembly build's C code compares errno with
// its own EINTR (27) and EAGAIN (6) to retry, so those numbers must keep
// meaning that inside it. MEMFS raises none of the three.

// WASI number -> the number the firmware reports, for a personality whose
// filesystem errors come from `source` ('newlib' or 'littlefs').
export function errnoMap(source) {
  const col = source === 'littlefs' ? 3 : 2;
  return new Map(TABLE.map((row) => [row[1], row[col]]));
}
