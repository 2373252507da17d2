/* fs_internal.h - what the format modules of src/fs/ share (not for callers
 * outside src/fs/: they use fs.h). */
#ifndef ESPBURN_FS_INTERNAL_H
#define ESPBURN_FS_INTERNAL_H

#include "fs/fs.h"

/* Each format: open (fills v->root, v->usage, v->detail, v->read_file) and build. */
int fat_open(struct fs_vol *v, eb_err *err);
int fat_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
              uint8_t *img, struct fs_build_result *res, eb_err *err);
int lfs_open(struct fs_vol *v, eb_err *err);
int lfs_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
              uint8_t *img, struct fs_build_result *res, eb_err *err);
int spiffs_open(struct fs_vol *v, eb_err *err);
int spiffs_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
                 uint8_t *img, struct fs_build_result *res, eb_err *err);

/* Read from the volume's device. */
int fs_dev_read(const struct fs_vol *v, uint64_t off, void *buf, size_t n, eb_err *err);

/* Refusal for a tree that does not fit: "N bytes more than the M-byte
 * partition holds". */
int fs_no_room(eb_err *err, const char *what, uint64_t need, uint64_t have);

/* The entry of the tree that node n (made by the builder's tree) stands
 * for; a folder with no entry of its own (implied by a path) gets an empty one. */
static inline const struct fs_entry *fs_entry_of(const struct fs_tree *t, const struct fs_node *n)
{
    static const struct fs_entry implied = { .dir = true, .mtime = -1 };
    return n->loc[0] < t->n ? &t->v[n->loc[0]] : &implied;
}

#endif
