/* base64.c - base64 over nettle's base64 functions. */
#include "common/base64.h"

#include <nettle/base64.h>

int b64_encode(bytes *out, const uint8_t *p, size_t n)
{
    size_t len = BASE64_ENCODE_RAW_LENGTH(n);
    if (n == 0)
        return 0;
    if (bytes_reserve(out, out->len + len))
        return -1;
    base64_encode_raw((char *)out->data + out->len, n, p);
    out->len += len;
    return 0;
}

int b64_decode(bytes *out, const char *s, size_t n)
{
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    if (n == 0)
        return 0;
    if (bytes_reserve(out, out->len + BASE64_DECODE_LENGTH(n)))
        return -1;
    size_t got = BASE64_DECODE_LENGTH(n);
    if (!base64_decode_update(&ctx, &got, out->data + out->len, n, s))
        return -1;
    out->len += got;
    return base64_decode_final(&ctx) ? 0 : -1;
}
