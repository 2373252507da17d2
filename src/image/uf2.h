/* uf2.h - the UF2 encoder (Microsoft's USB flashing format, as used by
 * tinyuf2 on ESP32-S2/S3): 512-byte blocks carrying 256 bytes each, with
 * the chip's family id (flag 0x2000). Pure: buffers in, buffer out. */
#ifndef ESPBURN_UF2_H
#define ESPBURN_UF2_H

#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "image/chunk.h"

#define UF2_BLOCK_LEN           512
#define UF2_PAYLOAD_LEN         256
#define UF2_MAGIC_START0        0x0A324655u
#define UF2_MAGIC_START1        0x9E5D5157u
#define UF2_MAGIC_END           0x0AB16F30u
#define UF2_FLAG_NOT_MAIN_FLASH 0x00000001u
#define UF2_FLAG_FAMILY_ID      0x00002000u
#define UF2_MAX_PAYLOAD         476 /* data bytes a block can carry */

/* Where each little-endian word of a block sits (the reader in formats.c
 * and the writer share them). */
#define UF2_OFF_FLAGS      8
#define UF2_OFF_ADDR       12
#define UF2_OFF_SIZE       16
#define UF2_OFF_BLOCK_NO   20
#define UF2_OFF_NUM_BLOCKS 24
#define UF2_OFF_FAMILY     28
#define UF2_OFF_DATA       32
#define UF2_OFF_MAGIC_END  (UF2_BLOCK_LEN - 4)

/* Append the UF2 blocks for `n` chunks (each written at its flash address;
 * block numbers count over the whole file) to `out`. */
int uf2_encode(const struct flash_chunk *chunks, unsigned n, uint32_t family, bytes *out, eb_err *err);

#endif
