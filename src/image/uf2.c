/* uf2.c - writes UF2 blocks: 32-byte header, 476 data bytes (256 used,
 * the rest zero), end magic. */
#include "image/uf2.h"

#include <string.h>

static size_t blocks_for(size_t len)
{
    return (len + UF2_PAYLOAD_LEN - 1) / UF2_PAYLOAD_LEN;
}

static void fill_block(uint8_t *blk, uint32_t addr, const uint8_t *data, uint32_t len, uint32_t no,
                       uint32_t total, uint32_t family)
{
    memset(blk, 0, UF2_BLOCK_LEN);
    wr_le32(blk + 0, UF2_MAGIC_START0);
    wr_le32(blk + 4, UF2_MAGIC_START1);
    wr_le32(blk + UF2_OFF_FLAGS, UF2_FLAG_FAMILY_ID);
    wr_le32(blk + UF2_OFF_ADDR, addr);
    wr_le32(blk + UF2_OFF_SIZE, len);
    wr_le32(blk + UF2_OFF_BLOCK_NO, no);
    wr_le32(blk + UF2_OFF_NUM_BLOCKS, total);
    wr_le32(blk + UF2_OFF_FAMILY, family);
    memcpy(blk + UF2_OFF_DATA, data, len);
    wr_le32(blk + UF2_OFF_MAGIC_END, UF2_MAGIC_END);
}

int uf2_encode(const struct flash_chunk *chunks, unsigned n, uint32_t family, bytes *out, eb_err *err)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += blocks_for(chunks[i].len);
    if (total > UINT32_MAX / UF2_BLOCK_LEN)
        return eb_fail(err, EB_PROBLEM, "too much data for one UF2 file");
    if (bytes_reserve(out, out->len + total * UF2_BLOCK_LEN))
        return eb_fail(err, EB_IO, "out of memory building the UF2 file");
    uint32_t no = 0;
    for (unsigned i = 0; i < n; i++) {
        for (size_t off = 0; off < chunks[i].len; off += UF2_PAYLOAD_LEN) {
            size_t len = chunks[i].len - off < UF2_PAYLOAD_LEN ? chunks[i].len - off : UF2_PAYLOAD_LEN;
            fill_block(out->data + out->len, chunks[i].addr + (uint32_t)off, chunks[i].data + off,
                       (uint32_t)len, no++, (uint32_t)total, family);
            out->len += UF2_BLOCK_LEN;
        }
    }
    return 0;
}
