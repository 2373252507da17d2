/* hash.c - one-call MD5 and SHA-256 through nettle. */
#include "common/hash.h"

#include <nettle/md5.h>
#include <nettle/sha2.h>

void md5_buf(const void *data, size_t n, uint8_t out[EB_MD5_LEN])
{
    struct md5_ctx m;
    md5_init(&m);
    md5_update(&m, n, data);
    md5_digest(&m, EB_MD5_LEN, out);
}

void sha256_buf(const void *data, size_t n, uint8_t out[EB_SHA256_LEN])
{
    struct sha256_ctx s;
    sha256_init(&s);
    sha256_update(&s, n, data);
    sha256_digest(&s, EB_SHA256_LEN, out);
}
