/* datadir.h - where espburn's run-time data lies (the flasher stubs, the
 * virtual board's MicroPython program and its npm module). Every root holds
 * the same layout as the source tree (node_modules/esptool-js/..., sim/...),
 * looked for in this order:
 *   1. $ESPBURN_DATA_DIR
 *   2. the install prefix relative to the executable: <exe dir>/../share/espburn
 *   3. the source tree espburn was built from ($ESPBURN_SOURCE_DIR, else the
 *      one compiled in). */
#ifndef ESPBURN_DATADIR_H
#define ESPBURN_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

#define DATADIR_ROOTS 3

/* The i-th root (0 <= i < DATADIR_ROOTS) into out; false when that root is
 * not set (no $ESPBURN_DATA_DIR, no /proc/self/exe) or does not fit. */
bool datadir_root(int i, char *out, size_t n);

/* The first existing `rel` (e.g. "sim/micropython/board.mjs") under the
 * roots, into out; false when none holds it. */
bool datadir_find(const char *rel, char *out, size_t n);

/* The roots searched, "A, B, C", for messages. */
void datadir_describe(char *out, size_t n);

#endif
