/* sync.c - the sync engine: local walk, one listing and one hash batch
 * from the board, then the writes and deletes that differ. */
#include "mpy/sync.h"

#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/file.h"
#include "mpy/codec.h"

struct local_entry {
    char *rel;
    bool dir;
};
struct local_list {
    struct local_entry *v;
    size_t n, cap;
};

static void local_free(struct local_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].rel);
    free(l->v);
}

static bool excluded(const struct mpy_sync_opts *o, const char *rel)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    for (size_t i = 0; i < o->nexclude; i++)
        if (fnmatch(o->exclude[i], rel, 0) == 0 || fnmatch(o->exclude[i], base, 0) == 0)
            return true;
    return false;
}

static int local_add(struct local_list *l, const char *rel, bool dir, eb_err *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct local_entry *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return eb_fail(err, EB_IO, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n].rel = strdup(rel)))
        return eb_fail(err, EB_IO, "out of memory");
    l->v[l->n++].dir = dir;
    return 0;
}

static int walk_local(const struct mpy_sync_opts *o, const char *rel, struct local_list *l, eb_err *err)
{
    char dirpath[4096];
    snprintf(dirpath, sizeof dirpath, "%s%s%s", o->local, *rel ? "/" : "", rel);
    DIR *d = opendir(dirpath);
    if (!d)
        return eb_fail(err, EB_IO, "cannot read the folder %s", dirpath);
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char r[2048], full[4096];
        struct stat st;
        if (snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= (int)sizeof r)
            continue;
        snprintf(full, sizeof full, "%s/%s", o->local, r);
        if (excluded(o, r) || stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = local_add(l, r, true, err) || walk_local(o, r, l, err);
        else if (S_ISREG(st.st_mode))
            rc = local_add(l, r, false, err);
    }
    closedir(d);
    return rc ? -1 : 0;
}

static int by_rel(const void *a, const void *b)
{
    return strcmp(((const struct local_entry *)a)->rel, ((const struct local_entry *)b)->rel);
}

/* The board entry with this path (NULL when missing). */
static struct mpy_entry *find_remote(struct mpy_entries *e, const char *remote_path)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].path, remote_path) == 0)
            return &e->v[i];
    return NULL;
}

static bool local_has(const struct local_list *l, const char *rel)
{
    struct local_entry key = { (char *)rel, false };
    return bsearch(&key, l->v, l->n, sizeof *l->v, by_rel) != NULL;
}

/* Relative part of a board path under the sync root, or NULL. */
static const char *rel_of(const char *root, const char *path)
{
    if (strcmp(root, ".") == 0)
        return path;
    size_t n = strlen(root);
    if (strncmp(path, root, n) != 0)
        return NULL;
    if (root[n - 1] == '/')
        return path + n;
    return path[n] == '/' ? path + n + 1 : NULL;
}

/* Files whose size matches get their board hash, all in one batch. */
static int hash_candidates(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                           struct mpy_entries *remote, eb_err *err)
{
    char **paths = calloc(l->n + 1, sizeof *paths);
    size_t n = 0;
    int rc = paths ? 0 : eb_fail(err, EB_IO, "out of memory");
    for (size_t i = 0; i < l->n && !rc; i++) {
        char rp[2100], lp[4096];
        struct stat st;
        if (l->v[i].dir || mpy_path_join(rp, sizeof rp, o->remote, l->v[i].rel))
            continue;
        snprintf(lp, sizeof lp, "%s/%s", o->local, l->v[i].rel);
        struct mpy_entry *e = find_remote(remote, rp);
        if (e && e->type == 'f' && stat(lp, &st) == 0 && st.st_size == e->size && !(paths[n++] = strdup(rp)))
            rc = eb_fail(err, EB_IO, "out of memory");
    }
    struct mpy_entries h = { 0 };
    if (!rc && n)
        rc = mpy_fs_hash(fs, paths, n, &h, err);
    for (size_t i = 0; i < h.n && !rc; i++) {
        struct mpy_entry *e = find_remote(remote, h.v[i].path);
        if (e)
            memcpy(e->sha, h.v[i].sha, sizeof e->sha);
    }
    mpy_entries_free(&h);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

static int sync_file(struct mpy_fs *fs, struct mpy_put_batch *batch, const struct mpy_sync_opts *o,
                     const char *rel, struct mpy_entries *remote, mpy_sync_report cb, void *ctx,
                     struct mpy_sync_stats *st, eb_err *err)
{
    char rp[2100], lp[4096], hex[65];
    bytes data = { 0 };
    if (mpy_path_join(rp, sizeof rp, o->remote, rel))
        return eb_fail(err, EB_USAGE, "board path too long for %s", rel);
    snprintf(lp, sizeof lp, "%s/%s", o->local, rel);
    if (file_read(lp, 64u << 20, &data, err))
        return -1;
    struct mpy_entry *e = find_remote(remote, rp);
    int rc = 0;
    mpy_sha256_hex(data.data, data.len, hex);
    if (e && e->type == 'f' && e->size == (long)data.len && strcmp(e->sha, hex) == 0) {
        st->unchanged++;
        cb(ctx, MPY_SYNC_SAME, rp, data.len);
    } else {
        if (!o->dry_run && e && e->type == 'd')
            rc = mpy_fs_rm(fs, rp, true, err);
        if (!rc && !o->dry_run)
            rc = mpy_put_batch_add(fs, batch, rp, data.data, data.len, NULL, err);
        if (!rc) {
            *(e ? &st->updated : &st->added) += 1;
            st->bytes += data.len;
            cb(ctx, e ? MPY_SYNC_UPDATE : MPY_SYNC_ADD, rp, data.len);
        }
    }
    bytes_free(&data);
    return rc;
}

/* Clean up after interrupted writes, then remove what the local side lacks. */
static int sync_extras(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                       struct mpy_entries *remote, mpy_sync_report cb, void *ctx, struct mpy_sync_stats *st,
                       eb_err *err)
{
    const char *gone = NULL; /* last folder deleted: skip what was inside */
    size_t gone_len = 0;
    for (size_t i = 0; i < remote->n; i++) {
        const char *p = remote->v[i].path, *rel = rel_of(o->remote, p);
        size_t base_len;
        if (!rel || (gone && strncmp(p, gone, gone_len) == 0 && p[gone_len] == '/'))
            continue;
        if (mpy_fs_is_scratch(p, &base_len)) {
            char base[2100];
            snprintf(base, sizeof base, "%.*s", (int)base_len, p);
            if (!o->dry_run && mpy_fs_recover(fs, base, err))
                return -1;
            continue;
        }
        if (!o->delete_extra || local_has(l, rel) || excluded(o, rel))
            continue;
        if (!o->dry_run && mpy_fs_rm(fs, p, true, err))
            return -1;
        st->deleted++;
        cb(ctx, MPY_SYNC_DELETE, p, (size_t)(remote->v[i].size > 0 ? remote->v[i].size : 0));
        if (remote->v[i].type == 'd') {
            gone = p;
            gone_len = strlen(p);
        }
    }
    return 0;
}

int mpy_sync(struct mpy_fs *fs, const struct mpy_sync_opts *o, mpy_sync_report cb, void *ctx,
             struct mpy_sync_stats *st, eb_err *err)
{
    struct local_list l = { 0 };
    struct mpy_entries remote = { 0 };
    struct mpy_put_batch batch = { 0 };
    char type = '-';
    memset(st, 0, sizeof *st);
    int rc = walk_local(o, "", &l, err);
    if (!rc)
        qsort(l.v, l.n, sizeof *l.v, by_rel);
    if (!rc)
        rc = mpy_fs_type(fs, o->remote, &type, err);
    if (!rc && type == 'f')
        rc = eb_fail(err, EB_PROBLEM, "%s is a file on the board, not a folder", o->remote);
    if (!rc && type == '-' && !o->dry_run)
        rc = mpy_fs_mkdir(fs, o->remote, err);
    if (!rc && type == 'd')
        rc = mpy_fs_list(fs, o->remote, true, &remote, err);
    if (!rc)
        rc = hash_candidates(fs, o, &l, &remote, err);
    if (!rc)
        rc = sync_extras(fs, o, &l, &remote, cb, ctx, st, err);
    for (size_t i = 0; i < l.n && !rc; i++) {
        char rp[2100];
        if (!l.v[i].dir) {
            rc = sync_file(fs, &batch, o, l.v[i].rel, &remote, cb, ctx, st, err);
            continue;
        }
        if (mpy_path_join(rp, sizeof rp, o->remote, l.v[i].rel))
            rc = eb_fail(err, EB_USAGE, "board path too long for %s", l.v[i].rel);
        struct mpy_entry *e = rc ? NULL : find_remote(&remote, rp);
        if (rc || (e && e->type == 'd'))
            continue;
        if (!o->dry_run && e)
            rc = mpy_fs_rm(fs, rp, true, err);
        if (!rc && !o->dry_run)
            rc = mpy_fs_mkdir(fs, rp, err);
        if (!rc) {
            st->dirs++;
            cb(ctx, MPY_SYNC_MKDIR, rp, 0);
        }
    }
    if (!rc)
        rc = mpy_put_batch_flush(fs, &batch, err);
    mpy_put_batch_free(&batch);
    mpy_entries_free(&remote);
    local_free(&l);
    return rc;
}

bool mpy_sync_skips(const struct mpy_sync_opts *o, const char *rel)
{
    char part[2048];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(part, sizeof part, "%.*s", (int)(s - rel), rel);
        if (excluded(o, part))
            return true;
    }
    return excluded(o, rel);
}
