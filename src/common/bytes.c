/* bytes.c - the growable byte buffer. */
#include "common/bytes.h"

#include <stdlib.h>
#include <string.h>

int bytes_reserve(bytes *b, size_t cap)
{
    if (cap <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < cap)
        ncap *= 2;
    uint8_t *p = realloc(b->data, ncap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = ncap;
    return 0;
}

void *array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : first;
    if (ncap < *cap || ncap > SIZE_MAX / size)
        return NULL;
    void *p = realloc(v, ncap * size);
    if (p)
        *cap = ncap;
    return p;
}

int bytes_append(bytes *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (bytes_reserve(b, b->len + n))
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int bytes_append_byte(bytes *b, uint8_t c)
{
    return bytes_append(b, &c, 1);
}

void hex_encode(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0xF];
    }
    out[2 * n] = '\0';
}

void bytes_free(bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
