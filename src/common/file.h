/* file.h - whole-file reads and atomic writes for the layers that do I/O
 * (plan sources, the CLI, the virtual board's flash file). */
#ifndef ESPBURN_FILE_H
#define ESPBURN_FILE_H

#include "common/bytes.h"
#include "common/err.h"

/* Read all of `path` into `out` (which must be empty). Refuses files larger
 * than `max` bytes with a clear error. */
int file_read(const char *path, size_t max, bytes *out, eb_err *err);

/* Write `n` bytes to `path` through a temporary file and rename, so that a
 * failure never leaves a half-written file behind. */
int file_write_atomic(const char *path, const void *data, size_t n, eb_err *err);

#endif
