/* device_ops.c - verify, read and erase on a connected board. */
#include "device/device_ops.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define DEVICE_ERASE_UNIT 0x1000u /* the flash's sector */

/* Does the flash at [addr, addr+len) hold exactly data? */
static int flash_matches(struct device *d, uint32_t addr, const uint8_t *data, size_t len, bool *same,
                         eb_err *err)
{
    uint8_t want[EB_MD5_LEN], got[EB_MD5_LEN];
    md5_buf(data, len, want);
    if (loader_flash_md5(d->l, addr, (uint32_t)len, got, err))
        return -1;
    *same = memcmp(want, got, sizeof want) == 0;
    return 0;
}

int device_verify(struct device *d, const struct plan *p, const struct device_header_opts *h,
                  struct device_verify_region **out, unsigned *n, unsigned *ndiff, eb_err *err)
{
    struct device_region *r;
    unsigned nr;
    *out = NULL;
    *n = *ndiff = 0;
    if (device_regions(p, d, h, &r, &nr, err))
        return -1;
    struct device_verify_region *v = calloc(nr ? nr : 1, sizeof *v);
    int rc = v ? 0 : eb_fail(err, EB_IO, "out of memory");
    for (unsigned i = 0; i < nr && rc == 0; i++) {
        v[i] = (struct device_verify_region){ r[i].addr, r[i].path, r[i].len, false };
        rc = flash_matches(d, r[i].addr, r[i].data, r[i].len, &v[i].matches, err);
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

int device_read(struct device *d, uint32_t addr, uint32_t size, bytes *out, loader_progress_fn progress,
                void *pctx, eb_err *err)
{
    if (d->flash_size && (uint64_t)addr + size > d->flash_size)
        return eb_fail(err, EB_USAGE, "0x%X+0x%X goes beyond the board's %u MB flash", addr, size,
                       d->flash_size >> 20);
    size_t start = out->len;
    if (loader_read_flash(d->l, addr, size, out, progress, pctx, err))
        return -1;
    bool same;
    if (flash_matches(d, addr, out->data + start, out->len - start, &same, err))
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

int device_erase(struct device *d, uint32_t addr, uint32_t size, eb_err *err)
{
    if ((size && device_erase_check(addr, size, err)) || loader_erase(d->l, addr, size, err))
        return -1;
    if (!size)
        addr = 0; /* the whole flash */
    uint32_t n = size ? size : d->flash_size;
    uint8_t *ff = malloc(n ? n : 1);
    if (!ff)
        return eb_fail(err, EB_IO, "out of memory");
    memset(ff, 0xFF, n);
    bool same;
    int rc = flash_matches(d, addr, ff, n, &same, err);
    free(ff);
    if (rc == 0 && !same)
        return eb_fail(err, EB_PROBLEM,
                       "0x%X+0x%X does not read back erased; the flash may be write-protected "
                       "or failing",
                       addr, n);
    return rc;
}
