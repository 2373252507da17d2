/* fs_fuzz.h - what the filesystem reader targets share: the input is the
 * partition (its size rounded down to whole 4 KB blocks, at least 2 of
 * them); open it as one type, then list and read every file. Whatever the
 * bytes, the reader must fail cleanly or give a tree it can read, and every
 * read must stay inside the partition. */
#ifndef ESPBURN_FS_FUZZ_H
#define ESPBURN_FS_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

struct fuzz_dev {
    const uint8_t *data;
    size_t len;
};

static int fuzz_read(void *ctx, uint64_t off, void *buf, size_t n, eb_err *err)
{
    const struct fuzz_dev *d = ctx;
    if (off > d->len || n > d->len - off)
        abort(); /* fs_dev_read must have refused this */
    memcpy(buf, d->data + off, n);
    (void)err;
    return 0;
}

static void read_all(struct fs_vol *v, const struct fs_node *n, int depth)
{
    if (depth > 80)
        abort(); /* the readers bound folder depth */
    for (size_t i = 0; i < n->nkids; i++) {
        const struct fs_node *k = &n->kids[i];
        if (!k->name || (!k->dir && k->nkids))
            abort();
        if (k->dir) {
            read_all(v, k, depth + 1);
            continue;
        }
        bytes b = { 0 };
        eb_err err = { 0 };
        if (fs_read(v, k, &b, &err) == 0 && b.len != k->size)
            abort();
        if (err.code && !err.msg[0])
            abort();
        bytes_free(&b);
    }
}

static int fuzz_fs(enum fs_type type, const uint8_t *data, size_t size)
{
    struct fuzz_dev d = { data, size / 4096 * 4096 };
    if (d.len < 2 * 4096)
        return 0;
    struct fs_dev dev = { .read = fuzz_read, .ctx = &d, .size = d.len };
    struct fs_vol v;
    eb_err err = { 0 };
    if (fs_open(&v, type, &dev, &err)) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    read_all(&v, &v.root, 0);
    if (fs_lookup(&v, "/") != &v.root)
        abort();
    fs_close(&v);
    return 0;
}

#endif
