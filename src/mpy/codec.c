/* codec.c - base64, hex, SHA-256 in hex, and board-sized zlib blocks. */
#include "mpy/codec.h"

#include <libdeflate.h>
#include <stdio.h>

#include "common/hash.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int mpy_b64_encode(bytes *out, const uint8_t *p, size_t n)
{
    if (bytes_reserve(out, out->len + (n + 2) / 3 * 4))
        return -1;
    uint8_t *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = (uint8_t)B64[v >> 18];
        *o++ = (uint8_t)B64[(v >> 12) & 63];
        *o++ = (uint8_t)B64[(v >> 6) & 63];
        *o++ = (uint8_t)B64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = (uint8_t)B64[v >> 18];
        *o++ = (uint8_t)B64[(v >> 12) & 63];
        *o++ = i + 1 < n ? (uint8_t)B64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int mpy_b64_decode(bytes *out, const uint8_t *p, size_t n)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\r' || c == '\n' || c == ' ')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (bytes_append_byte(out, (uint8_t)(acc >> bits)))
                return -1;
        }
    }
    return (bits >= 6 || pad > 2) ? -1 : 0;
}

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
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(9);
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
