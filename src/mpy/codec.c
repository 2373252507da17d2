/* codec.c - hex, SHA-256 in hex, and board-sized zlib blocks. */
#include "mpy/codec.h"

#include <libdeflate.h>
#include <stdio.h>

#include "common/hash.h"

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mpy_hex_decode(bytes *out, const uint8_t *p, size_t n)
{
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' || p[i] == '\n')
            continue;
        int v = hex_value(p[i]);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (bytes_append_byte(out, (uint8_t)(hi << 4 | v)))
                return -1;
            hi = -1;
        }
    }
    return hi < 0 ? 0 : -1;
}

long mpy_zlib_block(bytes *out, const uint8_t *p, size_t n)
{
    if (n > 32768)
        return -1;
    struct libdeflate_compressor *c =
        libdeflate_alloc_compressor(12); /* the best libdeflate has: blocks are small, the line is slow */
    if (!c)
        return -1;
    size_t bound = libdeflate_zlib_compress_bound(c, n);
    if (bytes_reserve(out, out->len + bound)) {
        libdeflate_free_compressor(c);
        return -1;
    }
    uint8_t *z = out->data + out->len;
    size_t zn = libdeflate_zlib_compress(c, p, n, z, bound);
    libdeflate_free_compressor(c);
    if (zn < 2)
        return -1;
    /* CMF: CM=8, CINFO = log2(window) - 8; no match in an n-byte block can
     * reach further back than n, so a window of n (min 256) is enough. */
    unsigned cinfo = 0;
    while (cinfo < 7 && (256u << cinfo) < n)
        cinfo++;
    unsigned cmf = cinfo << 4 | 8;
    unsigned flg = z[1] & 0xe0; /* keep FLEVEL and FDICT (0) */
    flg |= (31 - (cmf * 256 + flg) % 31) % 31;
    z[0] = (uint8_t)cmf;
    z[1] = (uint8_t)flg;
    out->len += zn;
    return (long)zn;
}

void mpy_sha256_hex(const uint8_t *p, size_t n, char hex[65])
{
    uint8_t d[EB_SHA256_LEN];
    sha256_buf(p, n, d);
    hex_encode(d, sizeof d, hex);
}
