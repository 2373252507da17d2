/* skip.c - which sectors changed: flash MD5s of ranges, split in batches. */
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

/* The parts of sectors [a, b) in order: at most SKIP_FANOUT, as even as
 * whole sectors allow, the last clipped to the region. */
static unsigned parts_of(const struct diff_ctx *d, unsigned a, unsigned b, struct skip_query *q,
                         unsigned first[])
{
    unsigned k = b - a < SKIP_FANOUT ? b - a : SKIP_FANOUT;
    for (unsigned i = 0; i <= k; i++)
        first[i] = a + (unsigned)((uint64_t)(b - a) * i / k);
    for (unsigned i = 0; i < k; i++) {
        size_t off = (size_t)first[i] * SKIP_SECTOR;
        size_t end =
            (size_t)first[i + 1] * SKIP_SECTOR < d->len ? (size_t)first[i + 1] * SKIP_SECTOR : d->len;
        q[i].addr = d->addr + (uint32_t)off;
        q[i].len = (uint32_t)(end - off);
    }
    return k;
}

static int split_range(struct diff_ctx *d, unsigned a, unsigned b, eb_err *err);

/* Mark which of sectors [a, b) differ: the MD5s of up to SKIP_FANOUT parts
 * in one batch, each part that differs split the same way. Over budget,
 * the range counts as changed. */
static int hash_parts(struct diff_ctx *d, unsigned a, unsigned b, eb_err *err)
{
    struct skip_query q[SKIP_FANOUT];
    unsigned first[SKIP_FANOUT + 1];
    unsigned k = parts_of(d, a, b, q, first);
    if (d->queries + k > d->budget) {
        mark(d, a, b);
        return 0;
    }
    d->queries += k;
    if (d->fn(d->ctx, q, k, err))
        return -1;
    for (unsigned i = 0; i < k; i++) {
        uint8_t want[16];
        local_md5(d->data + (q[i].addr - d->addr), q[i].len, want);
        if (memcmp(want, q[i].md5, 16) && split_range(d, first[i], first[i + 1], err))
            return -1;
    }
    return 0;
}

/* Sectors [a, b) are known to differ: mark the ones that do. */
static int split_range(struct diff_ctx *d, unsigned a, unsigned b, eb_err *err)
{
    if (b - a > 1)
        return hash_parts(d, a, b, err);
    mark(d, a, b);
    return 0;
}

/* One MD5 of the whole region: it matches, or reads erased (a new board,
 * after --erase: everything changes), or is split. */
static int whole_range(struct diff_ctx *d, eb_err *err)
{
    unsigned n = skip_nsectors(d->len);
    struct skip_query q = { d->addr, (uint32_t)d->len, { 0 } };
    uint8_t want[16];
    d->queries++;
    if (d->fn(d->ctx, &q, 1, err))
        return -1;
    local_md5(d->data, d->len, want);
    if (memcmp(want, q.md5, 16) == 0)
        return 0;
    erased_md5(d->len, want);
    if (memcmp(want, q.md5, 16) == 0) {
        mark(d, 0, n);
        return 0;
    }
    return split_range(d, 0, n, err);
}

/* Whether sector s of the region holds the image's bytes: 1 yes, 0 no, -1 error. */
static int sector_matches(struct diff_ctx *d, unsigned s, uint8_t got[16], eb_err *err)
{
    size_t off = (size_t)s * SKIP_SECTOR;
    size_t n = d->len - off < SKIP_SECTOR ? d->len - off : SKIP_SECTOR;
    struct skip_query q = { d->addr + (uint32_t)off, (uint32_t)n, { 0 } };
    uint8_t want[16];
    local_md5(d->data + off, n, want);
    d->queries++;
    if (d->fn(d->ctx, &q, 1, err))
        return -1;
    memcpy(got, q.md5, 16);
    return memcmp(want, got, 16) == 0;
}

/* A large region is probed before it is hashed (reading 2 MB takes the chip
 * about 0.4 s): when its first sector reads erased while the image's does
 * not, it is not written yet (a new or erased board); when the first sector
 * differs and so do SKIP_PROBES sectors sampled evenly across it, it was
 * rewritten throughout (another build). Either way everything is written:
 * only slower if some sector happened to match. PROBE_ALL when so,
 * PROBE_MATCHED when a probed sector matched (the region holds this image,
 * changed in places if at all: hashed in parts, never whole, so a change
 * costs no second reading of the region), PROBE_NONE when there is no
 * conclusion (a small region, or an image that starts erased), -1 on
 * error. Probes count against the budget. */
enum {
    PROBE_NONE,
    PROBE_ALL,
    PROBE_MATCHED
};

static int probe(struct diff_ctx *d, eb_err *err)
{
    uint8_t first[16], got[16];
    if (d->len < SKIP_PROBE_MIN)
        return PROBE_NONE;
    local_md5(d->data, SKIP_SECTOR, first);
    erased_md5(SKIP_SECTOR, got);
    if (memcmp(first, got, 16) == 0)
        return PROBE_NONE; /* the image itself starts with erased bytes: no conclusion */
    int same = sector_matches(d, 0, got, err);
    if (same != 0)
        return same < 0 ? -1 : PROBE_MATCHED;
    erased_md5(SKIP_SECTOR, first);
    if (memcmp(first, got, 16) == 0)
        return PROBE_ALL;
    unsigned n = skip_nsectors(d->len);
    for (unsigned k = 1; k < SKIP_PROBES && d->queries < d->budget; k++) {
        same = sector_matches(d, (unsigned)((uint64_t)n * k / SKIP_PROBES), got, err);
        if (same != 0)
            return same < 0 ? -1 : PROBE_MATCHED;
    }
    return PROBE_ALL;
}

int skip_find_changed(uint32_t addr, const uint8_t *data, size_t len, range_md5_fn fn, void *ctx,
                      unsigned budget, bool *changed, unsigned *queries, eb_err *err)
{
    unsigned n = skip_nsectors(len);
    memset(changed, 0, n * sizeof *changed);
    struct diff_ctx d = { addr, data, len, fn, ctx, budget ? budget : 1, 0, changed };
    int rc = n ? probe(&d, err) : PROBE_NONE;
    if (rc == PROBE_ALL)
        mark(&d, 0, n);
    else if (rc == PROBE_MATCHED)
        rc = hash_parts(&d, 0, n, err);
    else if (rc == PROBE_NONE && n)
        rc = whole_range(&d, err);
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
