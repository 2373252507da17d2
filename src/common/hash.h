/* hash.h - digests of a buffer in one call (nettle underneath), so that no
 * module codes the init/update/digest sequence again. */
#ifndef ESPBURN_HASH_H
#define ESPBURN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define EB_MD5_LEN    16
#define EB_SHA256_LEN 32

void md5_buf(const void *data, size_t n, uint8_t out[EB_MD5_LEN]);
void sha256_buf(const void *data, size_t n, uint8_t out[EB_SHA256_LEN]);

#endif
