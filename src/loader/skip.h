/* skip.h - skip-unchanged: find which 4 KB sectors of a region differ
 * between the flash and the bytes to write, by comparing MD5s of ranges
 * (bisecting mismatching ranges within a query budget; when the left half
 * of a mismatching range matches, the right half is known to differ and is
 * not hashed), and merge the
 * changed sectors into runs to write. Pure logic: the flash MD5 comes
 * from a callback, so it is testable without a board. */
#ifndef ESPBURN_SKIP_H
#define ESPBURN_SKIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SKIP_SECTOR         0x1000u
#define SKIP_DEFAULT_BUDGET 48
#define SKIP_PROBE_MIN      (256u * 1024) /* regions this large are probed first (skip_find_changed) */
#define SKIP_PROBES         8             /* sectors sampled when the first one differs */

/* MD5 of the flash at [addr, addr+len). */
typedef int (*range_md5_fn)(void *ctx, uint32_t addr, uint32_t len, uint8_t md5[16], eb_err *err);

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
 * rewriting is right, only slower if the rest happened to match). `queries` (may be NULL) receives the number of MD5s asked. */
int skip_find_changed(uint32_t addr, const uint8_t *data, size_t len, range_md5_fn fn, void *ctx,
                      unsigned budget, bool *changed, unsigned *queries, eb_err *err);

struct skip_run {
    uint32_t off, len; /* inside the region */
};

/* Merge consecutive changed sectors into runs (the last one clipped to
 * len); returns how many runs were written to `runs` (at most nsectors). */
unsigned skip_runs(const bool *changed, size_t len, struct skip_run *runs);

#endif
