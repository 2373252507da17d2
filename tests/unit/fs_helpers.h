/* fs_helpers.h - what the filesystem tests share: an in-memory device,
 * generated trees (deep folders, long names, empty and 1 MB files), and
 * the comparison of a read-back volume with the tree it was built from. */
#ifndef ESPBURN_TEST_FS_HELPERS_H
#define ESPBURN_TEST_FS_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

struct mem_dev {
    const uint8_t *data;
    size_t len;
    size_t reads, bytes_read; /* what the reader asked for */
};

static inline int mem_read(void *ctx, uint64_t off, void *buf, size_t n, eb_err *err)
{
    struct mem_dev *m = ctx;
    if (off > m->len || n > m->len - off)
        return eb_fail(err, EB_IO, "read past the end");
    memcpy(buf, m->data + off, n);
    m->reads++, m->bytes_read += n;
    return 0;
}

static inline struct fs_dev mem_dev_of(struct mem_dev *m)
{
    return (struct fs_dev){ .read = mem_read, .ctx = m, .size = m->len };
}

/* Deterministic bytes for file i. */
static inline uint8_t *test_bytes(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* The generated tree: `scale` 1 is small, 2 adds a 1 MB file. Data blocks
 * are owned by the tree's entries (freed by free_test_tree). */
static inline void make_test_tree(struct fs_tree *t, int scale)
{
    static const char *dirs[] = { "lib",       "lib/drivers", "a",
                                  "a/b",       "a/b/c",       "a/b/c/d",
                                  "a/b/c/d/e", "a/b/c/d/e/f", "Mixed Case Folder" };
    static const struct {
        const char *path;
        size_t size;
    } files[] = {
        { "main.py", 1200 },
        { "boot.py", 90 },
        { "empty.txt", 0 },
        { "README", 17 },
        { "UPPER.TXT", 33 },
        { "lower.txt", 44 },
        { "lib/drivers/st7789_display_driver_with_a_long_name.py", 5000 },
        { "lib/util.py", 4096 },
        { "lib/exact_two_blocks.bin", 8192 },
        { "a/b/c/d/e/f/deep.txt", 300 },
        { "Mixed Case Folder/Ünïcödé nåme.txt", 12 },
        { "Mixed Case Folder/x.y.z.tar.gz", 70000 },
        { "assets.bin", 200000 },
    };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        fs_tree_add(t, dirs[i], true, NULL, 0, 1700000000, NULL);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        fs_tree_add(t, files[i].path, false, test_bytes(files[i].size, (unsigned)i), files[i].size,
                    1700000000 + (int64_t)i * 2, NULL);
    if (scale >= 2) {
        fs_tree_add(t, "big", true, NULL, 0, 1700000000, NULL);
        fs_tree_add(t, "many", true, NULL, 0, 1700000000, NULL);
    }
    if (scale >= 2)
        fs_tree_add(t, "big/one_megabyte.bin", false, test_bytes(1 << 20, 99), 1 << 20, 1700000000, NULL);
    for (int i = 0; scale >= 2 && i < 40; i++) {
        char p[64];
        snprintf(p, sizeof p, "many/file_number_%03d.py", i);
        fs_tree_add(t, p, false, test_bytes((size_t)i * 37, (unsigned)i + 500), (size_t)i * 37, 1700000000,
                    NULL);
    }
}

static inline void free_test_tree(struct fs_tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        free((void *)t->v[i].data);
    fs_tree_free(t);
}

/* Every entry of t is in v with the same kind, size and bytes, and v has
 * nothing else. Returns the number of mismatches (printed). */
static inline int compare_tree(struct fs_vol *v, const struct fs_tree *t)
{
    int bad = 0;
    size_t nodes = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct fs_node *n = fs_lookup(v, t->v[i].path);
        if (!n || n->dir != t->v[i].dir) {
            printf("missing or wrong kind: %s\n", t->v[i].path), bad++;
            continue;
        }
        if (n->dir)
            continue;
        bytes got = { 0 };
        eb_err err = { 0 };
        if (fs_read(v, n, &got, &err) || got.len != t->v[i].size ||
            (got.len && memcmp(got.data, t->v[i].data, got.len))) {
            printf("content differs: %s (%zu bytes read, want %zu) %s\n", t->v[i].path, got.len, t->v[i].size,
                   err.msg);
            bad++;
        }
        bytes_free(&got);
    }
    /* count nodes to catch extras */
    const struct fs_node *stack[512];
    size_t sp = 0;
    stack[sp++] = &v->root;
    while (sp) {
        const struct fs_node *n = stack[--sp];
        for (size_t i = 0; i < n->nkids && sp < 512; i++, nodes++)
            stack[sp++] = &n->kids[i];
    }
    size_t want = 0;
    for (size_t i = 0; i < t->n; i++)
        want++;
    if (nodes != want)
        printf("volume has %zu entries, tree %zu\n", nodes, want), bad++;
    return bad;
}

#endif
