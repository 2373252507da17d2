/* bytes.h - little-endian field access and growable byte buffers.
 *
 * Parsers of untrusted input read through these helpers, which never touch
 * memory outside [data, data+len). */
#ifndef ESPBURN_BYTES_H
#define ESPBURN_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t rd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void wr_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void wr_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* True when [off, off+n) lies inside a buffer of `len` bytes (overflow-safe). */
static inline bool in_bounds(size_t len, size_t off, size_t n)
{
    return off <= len && n <= len - off;
}

/* A growable buffer. Zero-initialise, append, free with bytes_free(). */
typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

/* p[0..n) as 2n lowercase hex digits and a NUL into out (2n+1 bytes). */
void hex_encode(const uint8_t *p, size_t n, char *out);

int bytes_reserve(bytes *b, size_t cap); /* 0, or -1 when out of memory */
int bytes_append(bytes *b, const void *p, size_t n);
int bytes_append_byte(bytes *b, uint8_t c);
void bytes_free(bytes *b);

/* Room for one more element in the array `v` (`n` used of *cap, each `size`
 * bytes): when it is full, *cap doubles (to `first` from 0). Returns the
 * array, perhaps moved, or NULL when out of memory (`v` and *cap unchanged):
 *   struct x *nv = array_grow(a->v, a->n, &a->cap, sizeof *nv, 16);  */
void *array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

#endif
