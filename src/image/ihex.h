/* ihex.h - the Intel HEX encoder: 16-byte data records, an extended
 * linear address record (type 04) whenever the upper 16 address bits
 * change, and the end-of-file record. Pure: buffers in, text out. */
#ifndef ESPBURN_IHEX_H
#define ESPBURN_IHEX_H

#include "common/bytes.h"
#include "common/err.h"
#include "image/chunk.h"

#define IHEX_RECORD_DATA 16

/* Append the HEX text for `n` chunks (each at its flash address) to `out`. */
int ihex_encode(const struct flash_chunk *chunks, unsigned n, bytes *out, eb_err *err);

#endif
