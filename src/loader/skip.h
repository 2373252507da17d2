/* skip.h - skip-unchanged: find which 4 KB sectors of a region differ
 * between the flash and the bytes to write, by comparing MD5s of ranges
 * (a range that differs is split into up to SKIP_FANOUT parts whose MD5s
 * are asked for in one batch, and so on down to sectors, within a query
 * budget), and merge the changed sectors into runs to write. Pure logic:
 * the flash MD5s come from a callback, so it is testable without a board. */
#ifndef ESPBURN_SKIP_H
#define ESPBURN_SKIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SKIP_SECTOR         0x1000u
#define SKIP_DEFAULT_BUDGET 128
#define SKIP_FANOUT         16            /* parts a differing range is split into, asked for in one batch */
#define SKIP_PROBE_MIN      (256u * 1024) /* regions this large are probed first (skip_find_changed) */
#define SKIP_PROBES         8             /* sectors sampled when the first one differs */

struct skip_query {
    uint32_t addr, len;
    uint8_t md5[16]; /* filled by the callback */
};

/* MD5s of the flash at [q[i].addr, q[i].addr + q[i].len) for i < n (n <=
 * SKIP_FANOUT): one batch, which the callback may pipeline. */
typedef int (*range_md5_fn)(void *ctx, struct skip_query *q, unsigned n, eb_err *err);

/* Number of sectors a region of `len` bytes spans (counted from its start). */
static inline unsigned skip_nsectors(size_t len)
{
    return (unsigned)((len + SKIP_SECTOR - 1) / SKIP_SECTOR);
}

/* Fill changed[0..skip_nsectors(len)) for the region data[0..len) at addr.
 * Ranges still unresolved when `budget` flash MD5s are spent count as
 * changed, and so does everything when the region reads as erased flash
 * (one MD5 tells) or, for large regions, when its first sector reads erased
 * but the image's does not (a new board), or when its first sector and
 * SKIP_PROBES - 1 more sampled evenly across it all differ (another build:
 * rewriting is right, only slower if the rest happened to match). A large
 * region where a probed sector matched is hashed in SKIP_FANOUT parts at
 * once, not whole first, so a change in it costs about one reading of the
 * region. `queries` (may be NULL) receives the number of MD5s asked. */
int skip_find_changed(uint32_t addr, const uint8_t *data, size_t len, range_md5_fn fn, void *ctx,
                      unsigned budget, bool *changed, unsigned *queries, eb_err *err);

struct skip_run {
    uint32_t off, len; /* inside the region */
};

/* Merge consecutive changed sectors into runs (the last one clipped to
 * len); returns how many runs were written to `runs` (at most nsectors). */
unsigned skip_runs(const bool *changed, size_t len, struct skip_run *runs);

#endif
