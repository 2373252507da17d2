/* skip.c - which sectors changed: bisection over flash MD5s of ranges. */
#include "loader/skip.h"

#include <nettle/md5.h>
#include <string.h>

struct diff_ctx {
    uint32_t addr;
    const uint8_t *data;
    size_t len;
    range_md5_fn fn;
    void *ctx;
    unsigned budget, queries;
    bool *changed;
};

static void local_md5(const uint8_t *p, size_t n, uint8_t out[16])
{
    struct md5_ctx m;
    md5_init(&m);
    md5_update(&m, n, p);
    md5_digest(&m, MD5_DIGEST_SIZE, out);
}

static void mark(struct diff_ctx *d, unsigned a, unsigned b)
{
    for (unsigned i = a; i < b; i++)
        d->changed[i] = true;
}

/* MD5 of n bytes of erased flash (0xFF). */
static void erased_md5(size_t n, uint8_t out[16])
{
    uint8_t ff[4096];
    struct md5_ctx m;
    memset(ff, 0xFF, sizeof ff);
    md5_init(&m);
    for (size_t k; n; n -= k) {
        k = n < sizeof ff ? n : sizeof ff;
        md5_update(&m, k, ff);
    }
    md5_digest(&m, MD5_DIGEST_SIZE, out);
}

/* Sectors [a, b) of the region: 0 when they match, 1 when some differ
 * (marked), -1 on error. `known`: the caller already knows they differ (the
 * left half of a differing range matched), so no MD5 is asked for them. */
static int diff_range(struct diff_ctx *d, unsigned a, unsigned b, bool top, bool known, eb_err *err)
{
    if (d->queries >= d->budget) {
        mark(d, a, b);
        return 1;
    }
    size_t off = (size_t)a * SKIP_SECTOR;
    size_t end = (size_t)b * SKIP_SECTOR < d->len ? (size_t)b * SKIP_SECTOR : d->len;
    uint8_t want[16], got[16];
    if (!known) {
        local_md5(d->data + off, end - off, want);
        d->queries++;
        if (d->fn(d->ctx, d->addr + (uint32_t)off, (uint32_t)(end - off), got, err))
            return -1;
        if (memcmp(want, got, 16) == 0)
            return 0;
    }
    if (top) { /* erased flash (a new board, after --erase): everything changes, stop asking */
        erased_md5(end - off, want);
        if (memcmp(want, got, 16) == 0) {
            mark(d, a, b);
            return 1;
        }
    }
    if (b - a == 1) {
        mark(d, a, b);
        return 1;
    }
    unsigned mid = a + (b - a) / 2;
    int left = diff_range(d, a, mid, false, false, err);
    if (left < 0 || diff_range(d, mid, b, false, left == 0, err) < 0)
        return -1;
    return 1;
}

/* Whether sector s of the region holds the image's bytes: 1 yes, 0 no, -1 error. */
static int sector_matches(struct diff_ctx *d, unsigned s, uint8_t got[16], eb_err *err)
{
    size_t off = (size_t)s * SKIP_SECTOR;
    size_t n = d->len - off < SKIP_SECTOR ? d->len - off : SKIP_SECTOR;
    uint8_t want[16];
    local_md5(d->data + off, n, want);
    d->queries++;
    if (d->fn(d->ctx, d->addr + (uint32_t)off, (uint32_t)n, got, err))
        return -1;
    return memcmp(want, got, 16) == 0;
}

/* A large region is probed before it is hashed whole (reading 2 MB takes
 * the chip about 0.4 s): when its first sector reads erased while the
 * image's does not, it is not written yet (a new or erased board); when the
 * first sector differs and so do SKIP_PROBES sectors sampled evenly across
 * it, it was rewritten throughout (another build). Either way everything is
 * written: only slower if some sector happened to match. 1 when so, 0 when
 * not (hash and bisect), -1 on error. Probes count against the budget. */
static int probe(struct diff_ctx *d, eb_err *err)
{
    uint8_t first[16], got[16];
    if (d->len < SKIP_PROBE_MIN)
        return 0;
    local_md5(d->data, SKIP_SECTOR, first);
    erased_md5(SKIP_SECTOR, got);
    if (memcmp(first, got, 16) == 0)
        return 0; /* the image itself starts with erased bytes: no conclusion */
    int same = sector_matches(d, 0, got, err);
    if (same != 0)
        return same < 0 ? -1 : 0;
    erased_md5(SKIP_SECTOR, first);
    if (memcmp(first, got, 16) == 0)
        return 1;
    unsigned n = skip_nsectors(d->len);
    for (unsigned k = 1; k < SKIP_PROBES && d->queries < d->budget; k++) {
        same = sector_matches(d, (unsigned)((uint64_t)n * k / SKIP_PROBES), got, err);
        if (same != 0)
            return same < 0 ? -1 : 0;
    }
    return 1;
}

int skip_find_changed(uint32_t addr, const uint8_t *data, size_t len, range_md5_fn fn, void *ctx,
                      unsigned budget, bool *changed, unsigned *queries, eb_err *err)
{
    unsigned n = skip_nsectors(len);
    memset(changed, 0, n * sizeof *changed);
    struct diff_ctx d = { addr, data, len, fn, ctx, budget ? budget : 1, 0, changed };
    int rc = probe(&d, err);
    if (rc > 0)
        mark(&d, 0, n);
    else if (rc == 0 && n)
        rc = diff_range(&d, 0, n, true, false, err);
    rc = rc < 0 ? -1 : 0;
    if (queries)
        *queries = d.queries;
    return rc;
}

unsigned skip_runs(const bool *changed, size_t len, struct skip_run *runs)
{
    unsigned n = skip_nsectors(len), k = 0;
    for (unsigned i = 0; i < n;) {
        if (!changed[i]) {
            i++;
            continue;
        }
        unsigned j = i;
        while (j < n && changed[j])
            j++;
        size_t off = (size_t)i * SKIP_SECTOR;
        size_t end = (size_t)j * SKIP_SECTOR < len ? (size_t)j * SKIP_SECTOR : len;
        runs[k].off = (uint32_t)off;
        runs[k].len = (uint32_t)(end - off);
        k++;
        i = j;
    }
    return k;
}
