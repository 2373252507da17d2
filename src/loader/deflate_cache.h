/* deflate_cache.h - zlib streams of the runs a board will be written with,
 * compressed ahead by a background thread while earlier runs are written. */
#ifndef ESPBURN_DEFLATE_CACHE_H
#define ESPBURN_DEFLATE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"

/* Compress with libdeflate at its strongest level (12) into a zlib stream. */
int deflate_zlib(const uint8_t *data, size_t len, bytes *out, eb_err *err);

struct deflate_cache;

/* Start compressing data[i][0..len[i]) in the background; NULL when out of
 * memory or no thread could start (callers then compress as they go). */
struct deflate_cache *deflate_cache_start(const uint8_t *const *data, const size_t *len, unsigned n);
/* The stream of exactly (data, len), waiting for it if it is still being
 * compressed; NULL when the cache does not hold it (or c is NULL). */
const bytes *deflate_cache_get(struct deflate_cache *c, const uint8_t *data, size_t len);
/* Stops the thread after the run it is compressing, then frees everything. */
void deflate_cache_free(struct deflate_cache *c);

#endif
