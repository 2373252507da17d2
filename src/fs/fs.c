/* fs.c - the format-independent part of src/fs/: names, the node tree,
 * opening and building by type. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "fs/fs_internal.h"

static const char *const type_names[] = {
    [FS_AUTO] = "auto",     [FS_LITTLEFS] = "littlefs", [FS_FAT] = "fat",
    [FS_FAT_WL] = "fat-wl", [FS_SPIFFS] = "spiffs",
};

const char *fs_type_name(enum fs_type t)
{
    return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

int fs_type_parse(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(name, type_names[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- nodes ---- */

struct fs_node *fs_node_add(struct fs_node *parent, const char *name, size_t name_len, bool dir, eb_err *err)
{
    struct fs_node *k = array_grow(parent->kids, parent->nkids, &parent->capkids, sizeof *k, 8);
    if (!k)
        goto oom;
    parent->kids = k;
    struct fs_node *n = &parent->kids[parent->nkids];
    *n = (struct fs_node){ .dir = dir, .mtime = -1 };
    n->name = malloc(name_len + 1);
    if (!n->name)
        goto oom;
    memcpy(n->name, name, name_len);
    n->name[name_len] = 0;
    parent->nkids++;
    return n;
oom:
    eb_fail(err, EB_IO, "out of memory listing the filesystem; free some memory and retry");
    return NULL;
}

void fs_node_free(struct fs_node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        fs_node_free(&n->kids[i]);
    free(n->kids), free(n->name), free(n->inline_data);
    *n = (struct fs_node){ 0 };
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct fs_node *)a)->name, ((const struct fs_node *)b)->name);
}

void fs_node_sort(struct fs_node *n)
{
    if (n->nkids > 1)
        qsort(n->kids, n->nkids, sizeof *n->kids, by_name);
    for (size_t i = 0; i < n->nkids; i++)
        fs_node_sort(&n->kids[i]);
}

static const struct fs_node *child_named(const struct fs_node *dir, const char *name, size_t len)
{
    for (size_t i = 0; i < dir->nkids; i++)
        if (strlen(dir->kids[i].name) == len && memcmp(dir->kids[i].name, name, len) == 0)
            return &dir->kids[i];
    return NULL;
}

const struct fs_node *fs_lookup(const struct fs_vol *v, const char *path)
{
    const struct fs_node *n = &v->root;
    while (n && *path) {
        while (*path == '/')
            path++;
        size_t len = strcspn(path, "/");
        if (len == 0)
            break;
        if (!n->dir)
            return NULL;
        n = child_named(n, path, len);
        path += len;
    }
    return n;
}

/* ---- volumes ---- */

int fs_dev_read(const struct fs_vol *v, uint64_t off, void *buf, size_t n, eb_err *err)
{
    if (off > v->dev.size || n > v->dev.size - off)
        return eb_fail(
            err, EB_PROBLEM,
            "the filesystem points outside its %llu-byte partition (offset %llu); the image is corrupt "
            "or belongs to a bigger partition",
            (unsigned long long)v->dev.size, (unsigned long long)off);
    return v->dev.read(v->dev.ctx, off, buf, n, err);
}

int fs_open(struct fs_vol *v, enum fs_type type, const struct fs_dev *dev, eb_err *err)
{
    *v = (struct fs_vol){ .type = type, .dev = *dev };
    v->root.dir = true, v->root.mtime = -1;
    int rc;
    switch (type) {
    case FS_LITTLEFS: rc = lfs_open(v, err); break;
    case FS_FAT:
    case FS_FAT_WL: rc = fat_open(v, err); break;
    case FS_SPIFFS: rc = spiffs_open(v, err); break;
    default:
        return eb_fail(err, EB_USAGE, "no filesystem type given; use --type littlefs, fat, fat-wl or spiffs");
    }
    if (rc) {
        fs_close(v);
        return -1;
    }
    fs_node_sort(&v->root);
    return 0;
}

void fs_close(struct fs_vol *v)
{
    fs_node_free(&v->root);
    if (v->free_priv && v->priv)
        v->free_priv(v->priv);
    v->priv = NULL;
}

int fs_read(struct fs_vol *v, const struct fs_node *n, bytes *out, eb_err *err)
{
    if (n->dir)
        return eb_fail(err, EB_USAGE, "%s is a folder, not a file", n->name[0] ? n->name : "/");
    if (n->size > v->dev.size)
        return eb_fail(err, EB_PROBLEM,
                       "%s claims %llu bytes, more than its %llu-byte partition holds: it is damaged",
                       n->name, (unsigned long long)n->size, (unsigned long long)v->dev.size);
    return v->read_file(v, n, out, err);
}

/* ---- building ---- */

int fs_tree_add(struct fs_tree *t, const char *path, bool dir, const uint8_t *data, size_t size,
                int64_t mtime, eb_err *err)
{
    struct fs_entry *v = array_grow(t->v, t->n, &t->cap, sizeof *v, 64);
    if (!v)
        return eb_fail(err, EB_IO, "out of memory collecting files; free some memory and retry");
    t->v = v;
    char *p = strdup(path);
    if (!p)
        return eb_fail(err, EB_IO, "out of memory collecting files; free some memory and retry");
    t->v[t->n++] = (struct fs_entry){ .path = p, .dir = dir, .data = data, .size = size, .mtime = mtime };
    return 0;
}

void fs_tree_free(struct fs_tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].path);
    free(t->v);
    *t = (struct fs_tree){ 0 };
}

/* The folder that holds `path` (created on the way when missing). */
static struct fs_node *parent_of(struct fs_node *root, const char *path, const char **leaf, eb_err *err)
{
    struct fs_node *n = root;
    const char *slash;
    while ((slash = strchr(path, '/')) != NULL) {
        struct fs_node *k = (struct fs_node *)child_named(n, path, (size_t)(slash - path));
        if (!k) {
            if (!(k = fs_node_add(n, path, (size_t)(slash - path), true, err)))
                return NULL;
            k->loc[0] = SIZE_MAX, k->loc[1] = 1; /* implied: no entry of its own (yet) */
        }
        if (!k->dir) {
            eb_fail(err, EB_USAGE, "%.*s is both a file and a folder in the tree to build",
                    (int)(slash - path), path);
            return NULL;
        }
        n = k, path = slash + 1;
    }
    *leaf = path;
    return n;
}

/* The tree as nodes (sorted by name); each node's loc[0] is its entry. */
static int tree_nodes(const struct fs_tree *t, struct fs_node *root, eb_err *err)
{
    *root = (struct fs_node){ .dir = true, .mtime = -1, .loc = { SIZE_MAX } };
    for (size_t i = 0; i < t->n; i++) {
        const char *leaf;
        struct fs_node *dir = parent_of(root, t->v[i].path, &leaf, err);
        if (!dir)
            return -1;
        if (!*leaf)
            continue;
        struct fs_node *same = (struct fs_node *)child_named(dir, leaf, strlen(leaf));
        if (same && same->dir && t->v[i].dir && same->loc[1] == 1) {
            same->loc[0] = i, same->loc[1] = 0, same->mtime = t->v[i].mtime; /* implied earlier */
            continue;
        }
        if (same)
            return eb_fail(err, EB_USAGE, "%s is twice in the tree to build", t->v[i].path);
        struct fs_node *n = fs_node_add(dir, leaf, strlen(leaf), t->v[i].dir, err);
        if (!n)
            return -1;
        n->loc[0] = i, n->size = t->v[i].size, n->mtime = t->v[i].mtime;
    }
    fs_node_sort(root);
    return 0;
}

int fs_no_room(eb_err *err, const char *what, uint64_t need, uint64_t have)
{
    return eb_fail(err, EB_PROBLEM,
                   "the files need %llu bytes of %s but the partition holds %llu: %llu bytes too many; leave "
                   "files out (.espburnignore) or use a bigger partition",
                   (unsigned long long)need, what, (unsigned long long)have,
                   (unsigned long long)(need - have));
}

int fs_build(const struct fs_tree *tree, const struct fs_build_opts *o, bytes *out,
             struct fs_build_result *res, eb_err *err)
{
    if (o->size == 0 || o->size % 4096 || o->size > (1ull << 31))
        return eb_fail(err, EB_USAGE,
                       "a filesystem partition is a multiple of 4096 bytes up to 2 GB, not %llu",
                       (unsigned long long)o->size);
    struct fs_node root;
    if (tree_nodes(tree, &root, err)) {
        fs_node_free(&root);
        return -1;
    }
    *res = (struct fs_build_result){ 0 };
    int rc = bytes_reserve(out, o->size);
    if (rc)
        eb_fail(err, EB_IO, "out of memory for a %llu-byte image", (unsigned long long)o->size);
    else {
        memset(out->data, 0xFF, o->size);
        out->len = o->size;
        switch (o->type) {
        case FS_LITTLEFS: rc = lfs_build(tree, &root, o, out->data, res, err); break;
        case FS_FAT:
        case FS_FAT_WL: rc = fat_build(tree, &root, o, out->data, res, err); break;
        case FS_SPIFFS: rc = spiffs_build(tree, &root, o, out->data, res, err); break;
        default:
            rc = eb_fail(err, EB_USAGE,
                         "say which filesystem to build: --type littlefs, fat, fat-wl or spiffs");
        }
    }
    for (size_t i = 0; rc == 0 && i < tree->n; i++) {
        res->files += !tree->v[i].dir, res->dirs += tree->v[i].dir;
        res->bytes += tree->v[i].dir ? 0 : tree->v[i].size;
    }
    fs_node_free(&root);
    return rc;
}
