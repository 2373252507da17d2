/* device_ops.c - verify, read and erase on a connected board. */
#include "device/device_ops.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define DEVICE_ERASE_UNIT 0x1000u /* the flash's sector */
/* MD5 and erase go in steps this size (a multiple of the erase unit), so
 * that progress moves while the chip works: 256 KB, a few tenths of a
 * second of the chip's time, a few bytes of command each. */
#define DEVICE_STEP 0x40000u

/* Progress over a whole operation: `done` of `total` bytes. */
struct step_progress {
    loader_progress_fn fn;
    void *ctx;
    size_t done, total;
};

static void advance(struct step_progress *sp, size_t n)
{
    sp->done += n;
    if (sp->fn)
        sp->fn(sp->ctx, sp->done, sp->total);
}

/* Does the flash at [addr, addr+len) hold exactly data? Compared by the
 * chip's MD5, a step at a time; stops at the first step that differs. */
static int flash_matches(struct device *d, uint32_t addr, const uint8_t *data, size_t len, bool *same,
                         struct step_progress *sp, eb_err *err)
{
    uint8_t want[EB_MD5_LEN], got[EB_MD5_LEN];
    *same = true;
    for (size_t off = 0; off < len; off += DEVICE_STEP) {
        size_t n = len - off < DEVICE_STEP ? len - off : DEVICE_STEP;
        md5_buf(data + off, n, want);
        if (loader_flash_md5(d->l, addr + (uint32_t)off, (uint32_t)n, got, err))
            return -1;
        if (memcmp(want, got, sizeof want)) {
            *same = false;
            advance(sp, len - off);
            return 0;
        }
        advance(sp, n);
    }
    return 0;
}

static size_t regions_bytes(const struct device_region *r, unsigned nr)
{
    size_t total = 0;
    for (unsigned i = 0; i < nr; i++)
        total += r[i].len;
    return total;
}

int device_verify(struct device *d, const struct plan *p, const struct device_header_opts *h,
                  struct device_verify_region **out, unsigned *n, unsigned *ndiff,
                  loader_progress_fn progress, void *pctx, eb_err *err)
{
    struct device_region *r;
    unsigned nr;
    *out = NULL;
    *n = *ndiff = 0;
    if (device_regions(p, d, h, &r, &nr, err))
        return -1;
    struct step_progress sp = { progress, pctx, 0, regions_bytes(r, nr) };
    struct device_verify_region *v = calloc(nr ? nr : 1, sizeof *v);
    int rc = v ? 0 : eb_fail(err, EB_IO, "out of memory");
    for (unsigned i = 0; i < nr && rc == 0; i++) {
        v[i] = (struct device_verify_region){ r[i].addr, r[i].path, r[i].len, false };
        rc = flash_matches(d, r[i].addr, r[i].data, r[i].len, &v[i].matches, &sp, err);
        *ndiff += rc == 0 && !v[i].matches;
        *n = i + 1;
    }
    device_regions_free(r, nr);
    if (rc) {
        free(v);
        *n = *ndiff = 0;
        return -1;
    }
    *out = v;
    return 0;
}

/* A range the board's flash holds (when its size is known), or a usage error. */
static int within_flash(const struct device *d, uint32_t addr, uint32_t size, eb_err *err)
{
    if (d->flash_size && (uint64_t)addr + size > d->flash_size)
        return eb_fail(err, EB_USAGE, "0x%X+0x%X goes beyond the board's %u MB flash, which ends at 0x%X",
                       addr, size, d->flash_size >> 20, d->flash_size);
    return 0;
}

int device_read(struct device *d, uint32_t addr, uint32_t size, bytes *out, loader_progress_fn progress,
                void *pctx, eb_err *err)
{
    if (within_flash(d, addr, size, err))
        return -1;
    size_t start = out->len;
    if (loader_read_flash(d->l, addr, size, out, progress, pctx, err))
        return -1;
    bool same;
    struct step_progress quiet = { 0 };
    if (flash_matches(d, addr, out->data + start, out->len - start, &same, &quiet, err))
        return -1;
    if (!same)
        return eb_fail(err, EB_PROBLEM,
                       "the bytes read differ from the chip's MD5 of 0x%X+0x%X; the link damaged "
                       "them: try a lower baud",
                       addr, size);
    return 0;
}

int device_erase_check(uint32_t addr, uint32_t size, eb_err *err)
{
    if (size && addr % DEVICE_ERASE_UNIT == 0 && size % DEVICE_ERASE_UNIT == 0)
        return 0;
    return eb_fail(err, EB_USAGE, "ADDR and SIZE must be non-zero multiples of 4 KB (0x1000)");
}

/* Erase [addr, addr+size) a step at a time (the first half of the progress). */
static int erase_steps(struct device *d, uint32_t addr, uint32_t size, struct step_progress *sp, eb_err *err)
{
    for (uint32_t off = 0; off < size; off += DEVICE_STEP) {
        uint32_t n = size - off < DEVICE_STEP ? size - off : DEVICE_STEP;
        if (loader_erase(d->l, addr + off, n, err))
            return -1;
        advance(sp, n);
    }
    return 0;
}

int device_erase(struct device *d, uint32_t addr, uint32_t size, loader_progress_fn progress, void *pctx,
                 eb_err *err)
{
    if (size && (device_erase_check(addr, size, err) || within_flash(d, addr, size, err)))
        return -1;
    uint32_t n = size ? size : d->flash_size;
    if (!size)
        addr = 0;                                                   /* the whole flash */
    struct step_progress sp = { progress, pctx, 0, (size_t)n * 2 }; /* erase, then the check */
    if (n ? erase_steps(d, addr, n, &sp, err) : loader_erase(d->l, 0, 0, err))
        return -1; /* an unknown flash size: one command for the whole chip, if the loader has one */
    uint8_t *ff = malloc(n ? n : 1);
    if (!ff)
        return eb_fail(err, EB_IO, "out of memory");
    memset(ff, 0xFF, n);
    bool same;
    int rc = flash_matches(d, addr, ff, n, &same, &sp, err);
    free(ff);
    if (rc == 0 && !same)
        return eb_fail(err, EB_PROBLEM,
                       "0x%X+0x%X does not read back erased; the flash may be write-protected "
                       "or failing",
                       addr, n);
    return rc;
}
