/* device_fs.c - a board's filesystem partition over the ROM protocol, read
 * page by page on demand (rescue). */
#include "device/device_fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/device_ops.h"
#include "image/identify.h"

#define DEVICE_FS_PROBE 8192u /* enough to tell LittleFS (blocks 0, 1) and FAT (+ WL dummy) apart */

/* Read [addr, addr+n) of flash, checked: the stub's READ_FLASH ends with
 * its MD5 of what it sent (the loader compares it); under the ROM,
 * device_read asks the chip for the MD5 of the range. */
static int read_checked(struct device *d, uint32_t addr, uint32_t n, bytes *out, eb_err *err)
{
    if (d->l->stub)
        return loader_read_flash(d->l, addr, n, out, NULL, NULL, err);
    return device_read(d, addr, n, out, NULL, NULL, err);
}

/* Fetch pages [first, end) of the partition into the shadow. */
static int fetch(struct device_fs *f, size_t first, size_t end, eb_err *err)
{
    uint32_t off = (uint32_t)(first * DEVICE_FS_PAGE), n = (uint32_t)((end - first) * DEVICE_FS_PAGE);
    bytes b = { 0 };
    int rc = read_checked(f->d, f->part.offset + off, n, &b, err);
    if (rc == 0) {
        memcpy(f->shadow + off, b.data, n);
        memset(f->have + first, 1, end - first);
        f->fetched += n, f->reads++;
        if (f->progress)
            f->progress(f->pctx, (size_t)f->fetched, f->part.size);
    }
    bytes_free(&b);
    return rc;
}

/* Did the reader just read up to page p (everything between the end of
 * the last fetch and p already here)? */
static bool sequential(const struct device_fs *f, size_t p)
{
    if (p < f->next || p - f->next > DEVICE_FS_WINDOW_MAX)
        return false;
    for (size_t i = f->next; i < p; i++)
        if (!f->have[i])
            return false;
    return true;
}

/* A scan: the reader goes from the start of one 4 KB block to the next
 * (SPIFFS reads each block's lookup page first). */
static bool scanning(const struct device_fs *f, size_t p)
{
    return p % DEVICE_FS_BLOCK_PAGES == 0 && p >= DEVICE_FS_BLOCK_PAGES &&
           f->last_start == p - DEVICE_FS_BLOCK_PAGES;
}

/* Are at least half of the pages [a, b) erased (free space, whatever the format)? */
static bool mostly_erased(const struct device_fs *f, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t pg = a; pg < b; pg++) {
        const uint8_t *d = f->shadow + pg * DEVICE_FS_PAGE;
        size_t i = 0;
        while (i < DEVICE_FS_PAGE && d[i] == 0xFF)
            i++;
        n += i == DEVICE_FS_PAGE;
    }
    return 2 * n >= b - a;
}

/* How far to read ahead of page p: as far as the reader has been reading
 * sequentially (the window doubles with each sequential miss, up to
 * DEVICE_FS_WINDOW_MAX pages), the whole block in a scan, nothing after a
 * jump, nor after read-ahead found mostly erased flash (free space). */
static size_t ahead_of(struct device_fs *f, size_t p)
{
    bool seq = sequential(f, p), scan = scanning(f, p);
    if (!seq && !scan)
        f->sparse = false; /* a jump: the reader is somewhere else */
    if (f->sparse || (!seq && !scan))
        return f->window = 1;
    if (seq)
        f->window = f->window * 2 < DEVICE_FS_WINDOW_MAX ? f->window * 2 : DEVICE_FS_WINDOW_MAX;
    return f->window = scan && f->window < DEVICE_FS_BLOCK_PAGES ? DEVICE_FS_BLOCK_PAGES : f->window;
}

/* Fetch the missing run [p, q) and what ahead_of says, so a file's data
 * and a filled filesystem's blocks come in a few large reads, scattered
 * metadata and free space in small ones. */
static int fetch_run(struct device_fs *f, size_t p, size_t q, eb_err *err)
{
    size_t npages = f->part.size / DEVICE_FS_PAGE, asked = q, ahead = ahead_of(f, p);
    while (q < npages && q < p + ahead && !f->have[q])
        q++;
    f->next = q, f->last_start = p;
    if (fetch(f, p, q, err))
        return -1;
    if (q > asked)
        f->sparse = mostly_erased(f, asked, q);
    return 0;
}

/* struct fs_dev's read: the missing pages of the range first, then the
 * bytes from the shadow. */
static int dev_read(void *ctx, uint64_t off, void *buf, size_t n, eb_err *err)
{
    struct device_fs *f = ctx;
    if (off > f->part.size || n > f->part.size - off)
        return eb_fail(err, EB_PROBLEM, "read past the end of partition %s", f->part.label);
    size_t end = (size_t)((off + n + DEVICE_FS_PAGE - 1) / DEVICE_FS_PAGE);
    for (size_t p = (size_t)(off / DEVICE_FS_PAGE); p < end;) {
        size_t q = p;
        while (q < end && !f->have[q])
            q++;
        if (q > p && fetch_run(f, p, q, err))
            return -1;
        while (p < end && f->have[p])
            p++;
    }
    memcpy(buf, f->shadow + off, n);
    return 0;
}

static void fs_labels(const struct part_table *t, char *buf, size_t n)
{
    buf[0] = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (pt_is_fs(&t->p[i]))
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? ", " : "", t->p[i].label);
}

/* The board's table, and the partition `name` (or the only filesystem one) in it. */
static int pick_partition(struct device_fs *f, const char *name, eb_err *err)
{
    bytes row = { 0 };
    struct part_table *t = malloc(sizeof *t);
    int rc = t ? read_checked(f->d, PT_DEFAULT_OFFSET, PT_MAX_LEN, &row, err)
               : eb_fail(err, EB_IO, "out of memory");
    if (rc == 0 && (!pt_row_is_entry(row.data) || pt_parse_bin(row.data, row.len, t, NULL) != 0))
        rc = eb_fail(err, EB_PROBLEM,
                     "the board has no partition table at 0x8000, so its filesystem cannot be found; "
                     "flash one, or read the flash with 'espburn read' and look at it with 'espburn info'");
    unsigned nfs = 0;
    const struct partition *hit = rc == 0 ? pt_find_fs(t, name, &nfs) : NULL;
    char labels[256] = "";
    if (rc == 0)
        fs_labels(t, labels, sizeof labels);
    if (rc == 0 && !hit)
        rc = name ? eb_fail(err, EB_USAGE,
                            "the board's partition table has no partition named %s; its "
                            "filesystem partitions: %s",
                            name, labels[0] ? labels : "none")
                  : eb_fail(err, EB_PROBLEM,
                            "the board's partition table has no filesystem partition "
                            "(data, subtype fat, spiffs or littlefs)");
    else if (rc == 0 && !name && nfs > 1)
        rc = eb_fail(err, EB_USAGE,
                     "the board has %u filesystem partitions (%s); say which with --partition NAME", nfs,
                     labels);
    else if (rc == 0 && f->d->flash_size && (uint64_t)hit->offset + hit->size > f->d->flash_size)
        rc = eb_fail(err, EB_PROBLEM, "partition %s (0x%x, %u bytes) ends beyond the board's %u MB flash",
                     hit->label, hit->offset, hit->size, f->d->flash_size >> 20);
    if (rc == 0)
        f->part = *hit;
    free(t);
    bytes_free(&row);
    return rc;
}

static enum fs_type type_of_subtype(uint8_t subtype)
{
    return subtype == PT_SUB_LITTLEFS ? FS_LITTLEFS : subtype == PT_SUB_SPIFFS ? FS_SPIFFS : FS_FAT;
}

/* What the partition holds: by content (its first blocks), else what its
 * subtype says; an erased partition has no files to rescue. */
static int find_type(struct device_fs *f, enum fs_type *type, eb_err *err)
{
    uint32_t n = f->part.size < DEVICE_FS_PROBE ? f->part.size : DEVICE_FS_PROBE;
    uint8_t *head = malloc(n);
    struct fw_ident *id = malloc(sizeof *id);
    int rc = head && id ? dev_read(f, 0, head, n, err) : eb_fail(err, EB_IO, "out of memory");
    if (rc == 0) {
        fw_identify(head, n, id);
        *type = id->role == ROLE_LITTLEFS ? FS_LITTLEFS
                : id->role == ROLE_FATFS  ? FS_FAT
                : id->role == ROLE_SPIFFS ? FS_SPIFFS
                                          : type_of_subtype(f->part.subtype);
        bool erased = true;
        for (uint32_t i = 0; i < n && erased; i++)
            erased = head[i] == 0xFF;
        if (erased)
            rc = eb_fail(err, EB_PROBLEM, "partition %s on the board is erased: it holds no files",
                         f->part.label);
    }
    free(head);
    free(id);
    return rc;
}

int device_fs_open(struct device_fs *f, const char *name, enum fs_type type, eb_err *err)
{
    if (pick_partition(f, name, err))
        return -1;
    f->shadow = malloc(f->part.size);
    f->have = calloc(f->part.size / DEVICE_FS_PAGE + 1, 1);
    if (!f->shadow || !f->have)
        return eb_fail(err, EB_IO, "out of memory for partition %s (%u bytes)", f->part.label, f->part.size);
    if (type == FS_AUTO && find_type(f, &type, err))
        return -1;
    struct fs_dev dev = { .read = dev_read, .ctx = f, .size = f->part.size };
    if (fs_open(&f->vol, type, &dev, err))
        return eb_wrap(err, "partition %s (0x%x) on the board", f->part.label, f->part.offset);
    f->open = true;
    return 0;
}

void device_fs_close(struct device_fs *f)
{
    if (f->open)
        fs_close(&f->vol);
    f->open = false;
    free(f->shadow);
    free(f->have);
    f->shadow = f->have = NULL;
}
