/* file.h - whole-file reads and atomic writes for the layers that do I/O
 * (plan sources, the CLI, the virtual board's flash file). */
#ifndef ESPBURN_FILE_H
#define ESPBURN_FILE_H

#include "common/bytes.h"
#include "common/err.h"

/* Read all of `path` into `out` (which must be empty). Refuses files larger
 * than `max` bytes with a clear error. */
int file_read(const char *path, size_t max, bytes *out, eb_err *err);

/* Write `n` bytes to `path`. A regular file (or a new one) is replaced
 * atomically: a temporary file with an unpredictable name made with O_EXCL
 * in the same folder, synced, then renamed over it, so a failure never
 * leaves a half-written file behind. A symlink is followed (its target is
 * replaced); a device or FIFO is written through, its errors (ENOSPC on
 * /dev/full) reported. */
int file_write_atomic(const char *path, const void *data, size_t n, eb_err *err);

#endif
