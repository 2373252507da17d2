/* fs.h - filesystem images as ESP32 firmware mounts them: LittleFS v2
 * (MicroPython), FAT with or without ESP-IDF's wear levelling, SPIFFS
 * (LoBo's MicroPython). Pure formats: no I/O. Readers get their bytes
 * through a callback (a file now, a board over the ROM protocol later) and
 * ask only for the blocks they need; builders fill a buffer from an
 * in-memory tree the caller made. Parameters and their sources: docs/fs.md. */
#ifndef ESPBURN_FS_H
#define ESPBURN_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"

enum fs_type {
    FS_AUTO = 0, /* not given: the caller decides by content */
    FS_LITTLEFS,
    FS_FAT,    /* FAT directly on the partition */
    FS_FAT_WL, /* FAT inside ESP-IDF's wear-levelling layer */
    FS_SPIFFS,
};

/* "littlefs", "fat", "fat-wl", "spiffs" (and "auto"). */
const char *fs_type_name(enum fs_type t);
/* The type named `name`, or -1. */
int fs_type_parse(const char *name);

/* ---- reading ---- */

/* Where a reader's bytes come from: read n bytes at offset `off` of the
 * filesystem (0 = the partition's first byte) into buf. */
struct fs_dev {
    int (*read)(void *ctx, uint64_t off, void *buf, size_t n, eb_err *err);
    void *ctx;
    uint64_t size; /* the partition's size */
};

/* A file or folder. Folders own their children. */
struct fs_node {
    char *name; /* "" for the root */
    bool dir;
    uint64_t size;        /* files */
    int64_t mtime;        /* seconds since 1970, or -1 when the format keeps none */
    struct fs_node *kids; /* folders: kids[0..nkids) */
    size_t nkids, capkids;
    uint64_t loc[2];      /* where the format keeps the data (reader-private) */
    uint8_t *inline_data; /* data kept in metadata (LittleFS inline files) */
};

struct fs_vol;

struct fs_usage {
    uint64_t total;      /* bytes the filesystem can hold */
    uint64_t used;       /* bytes in use, metadata included */
    uint32_t block_size; /* its allocation unit: cluster, block, page */
};

struct fs_vol {
    enum fs_type type;
    struct fs_dev dev;
    struct fs_node root;
    struct fs_usage usage;
    char detail[160]; /* one line: version, geometry ("LittleFS v2.0, 256 blocks of 4096 bytes") */
    void *priv;
    int (*read_file)(struct fs_vol *v, const struct fs_node *n, bytes *out, eb_err *err);
    void (*free_priv)(void *priv);
};

/* Open the filesystem on `dev` as `type` (FS_FAT and FS_FAT_WL both find
 * out themselves whether the wear-levelling layer is there; which format a
 * partition holds is image/identify's job). Reads its metadata
 * (superblocks, directories, allocation tables), not file data. */
int fs_open(struct fs_vol *v, enum fs_type type, const struct fs_dev *dev, eb_err *err);
void fs_close(struct fs_vol *v);

/* The node at `path` ("/", "/lib/x.py", "lib/x.py"), or NULL. */
const struct fs_node *fs_lookup(const struct fs_vol *v, const char *path);
/* Append the file's bytes to `out`. */
int fs_read(struct fs_vol *v, const struct fs_node *n, bytes *out, eb_err *err);

/* ---- building ---- */

/* One entry of the tree to build: path relative to the root with '/'
 * separators (parents listed before their children), data for files. */
struct fs_entry {
    char *path;
    bool dir;
    const uint8_t *data;
    size_t size;
    int64_t mtime; /* seconds since 1970 */
};

struct fs_tree {
    struct fs_entry *v;
    size_t n, cap;
};

struct fs_build_opts {
    enum fs_type type;
    uint64_t size;        /* the partition's size in bytes */
    uint32_t sector_size; /* FAT: 4096 (default) or 512 */
};

struct fs_build_result {
    size_t files, dirs;
    uint64_t bytes;      /* file data */
    uint64_t free_bytes; /* what is left for the board to use */
};

/* The image of `tree` for a partition of opts->size bytes, into out (which
 * must be empty; it gets exactly opts->size bytes). Fails with EB_PROBLEM
 * when the tree does not fit, saying by how much. */
int fs_build(const struct fs_tree *tree, const struct fs_build_opts *opts, bytes *out,
             struct fs_build_result *res, eb_err *err);

/* Tree helpers for callers and tests. */
int fs_tree_add(struct fs_tree *t, const char *path, bool dir, const uint8_t *data, size_t size,
                int64_t mtime, eb_err *err);
void fs_tree_free(struct fs_tree *t);

/* Node helpers shared by the readers. */
struct fs_node *fs_node_add(struct fs_node *parent, const char *name, size_t name_len, bool dir, eb_err *err);
void fs_node_free(struct fs_node *n);
/* Sort every folder's children by name (readers call it once). */
void fs_node_sort(struct fs_node *n);

#endif
