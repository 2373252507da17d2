/* ihex.c - writes Intel HEX records (":LLAAAATT<data>CC", uppercase). */
#include "image/ihex.h"

#include <stdio.h>

#define RECORD_DATA            0x00
#define RECORD_EXT_LINEAR_ADDR 0x04     /* the upper 16 bits of the addresses that follow */
#define SEGMENT_LEN            0x10000u /* what a data record's 16-bit address spans */
#define EOF_RECORD             ":00000001FF\n"

/* One record; the checksum is the two's complement of the byte sum. */
static int put_record(bytes *out, uint8_t type, uint16_t addr, const uint8_t *data, size_t len)
{
    char line[1 + 8 + 2 * 255 + 2 + 2];
    uint8_t sum = (uint8_t)(len + (addr >> 8) + (addr & 0xFF) + type);
    int n = snprintf(line, sizeof line, ":%02X%04X%02X", (unsigned)len, (unsigned)addr, (unsigned)type);
    for (size_t i = 0; i < len; i++) {
        n += snprintf(line + n, sizeof line - (size_t)n, "%02X", data[i]);
        sum = (uint8_t)(sum + data[i]);
    }
    n += snprintf(line + n, sizeof line - (size_t)n, "%02X\n", (uint8_t)(0x100 - sum) & 0xFF);
    return bytes_append(out, line, (size_t)n);
}

static int put_upper(bytes *out, uint16_t upper)
{
    uint8_t be[2] = { (uint8_t)(upper >> 8), (uint8_t)upper };
    return put_record(out, RECORD_EXT_LINEAR_ADDR, 0, be, 2);
}

int ihex_encode(const struct flash_chunk *chunks, unsigned n, bytes *out, eb_err *err)
{
    int upper = -1;
    for (unsigned i = 0; i < n; i++) {
        const struct flash_chunk *c = &chunks[i];
        if ((uint64_t)c->addr + c->len > 0x100000000ull)
            return eb_fail(err, EB_PROBLEM, "data at 0x%x runs past the 4 GB Intel HEX address space",
                           c->addr);
        size_t off = 0;
        while (off < c->len) {
            uint32_t addr = c->addr + (uint32_t)off;
            size_t len = c->len - off < IHEX_RECORD_DATA ? c->len - off : IHEX_RECORD_DATA;
            size_t to_boundary = SEGMENT_LEN - (addr % SEGMENT_LEN);
            if (len > to_boundary)
                len = to_boundary;
            if ((int)(addr >> 16) != upper) {
                upper = (int)(addr >> 16);
                if (put_upper(out, (uint16_t)upper))
                    return eb_fail(err, EB_IO, "out of memory building the HEX file");
            }
            if (put_record(out, RECORD_DATA, (uint16_t)addr, c->data + off, len))
                return eb_fail(err, EB_IO, "out of memory building the HEX file");
            off += len;
        }
    }
    if (bytes_append(out, EOF_RECORD, sizeof EOF_RECORD - 1))
        return eb_fail(err, EB_IO, "out of memory building the HEX file");
    return 0;
}
