/* chunk.h - a run of bytes destined for one flash address: what the UF2
 * and Intel HEX encoders take (one chunk per plan region). */
#ifndef ESPBURN_CHUNK_H
#define ESPBURN_CHUNK_H

#include <stddef.h>
#include <stdint.h>

struct flash_chunk {
    uint32_t addr;
    const uint8_t *data;
    size_t len;
};

#endif
