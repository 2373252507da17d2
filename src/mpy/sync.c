/* sync.c - the sync engine: local walk, one listing and one hash batch
 * from the board, then the writes and deletes that differ. */
#include "mpy/sync.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "common/file.h"
#include "mpy/codec.h"

struct local_entry {
    char *rel;
    bool dir;
};
struct local_list {
    struct local_entry *v;
    size_t n, cap;
    struct ignore_rules rules; /* defaults and every .espburnignore read */
    char **sources;            /* the rule files' names, which the rules point to */
    size_t nsources;
};

static void local_free(struct local_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].rel);
    free(l->v);
    for (size_t i = 0; i < l->nsources; i++)
        free(l->sources[i]);
    free(l->sources);
    ignore_free(&l->rules);
}

/* Add the rules of the .espburnignore in local folder `rel` ("" = the root), if any. */
static int load_rules(const struct mpy_sync_opts *o, struct local_list *l, const char *rel, eb_err *err)
{
    char path[4096], source[2100], base[2100];
    struct stat st;
    snprintf(path, sizeof path, "%s%s%s/%s", o->local, *rel ? "/" : "", rel, IGNORE_FILE_NAME);
    snprintf(source, sizeof source, "%s%s%s", rel, *rel ? "/" : "", IGNORE_FILE_NAME);
    snprintf(base, sizeof base, "%s%s", rel, *rel ? "/" : "");
    if (stat(path, &st) != 0)
        return 0;
    char **v = realloc(l->sources, (l->nsources + 1) * sizeof *v);
    if (!v)
        return eb_fail(err, EB_IO, "out of memory");
    l->sources = v;
    if (!(v[l->nsources] = strdup(source)))
        return eb_fail(err, EB_IO, "out of memory");
    const char *src = v[l->nsources++];
    bytes b = { 0 };
    int rc = file_read(path, 1 << 20, &b, err);
    if (!rc)
        rc = ignore_add_text(&l->rules, (const char *)b.data, b.len, src, base, err);
    bytes_free(&b);
    return rc;
}

/* Whether the ignore rules leave out `rel` (reported through on_skip). */
static bool ignored_here(const struct mpy_sync_opts *o, const struct local_list *l, const char *rel, bool dir)
{
    if (o->no_ignore)
        return false;
    const struct ignore_rule *why = ignore_rule_for(&l->rules, rel, dir);
    if (!why || why->negate)
        return false;
    if (o->on_skip)
        o->on_skip(o->skip_ctx, rel, dir, why);
    return true;
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
    struct local_entry *v = array_grow(l->v, l->n, &l->cap, sizeof *v, 32);
    if (!v)
        return eb_fail(err, EB_IO, "out of memory");
    l->v = v;
    if (!(l->v[l->n].rel = strdup(rel)))
        return eb_fail(err, EB_IO, "out of memory");
    l->v[l->n++].dir = dir;
    return 0;
}

/* Links are followed only inside the folder and never back into a folder
 * they are in: what a link would make sync copy instead, told through
 * on_skip with IGNORE_LINK_SOURCE as the rule's source. */
static char link_outside_text[] = "a link to outside the folder: not copied";
static char link_loop_text[] = "a link back to a folder it is in (a loop): not followed";
static const struct ignore_rule link_outside = { .pattern = link_outside_text,
                                                 .source = MPY_SYNC_LINK_SOURCE };
static const struct ignore_rule link_loop = { .pattern = link_loop_text, .source = MPY_SYNC_LINK_SOURCE };

static bool is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* True when real path `inner` is `outer` or lies under it. */
static bool path_within(const char *inner, const char *outer)
{
    size_t n = strlen(outer);
    return strncmp(inner, outer, n) == 0 &&
           (inner[n] == '\0' || inner[n] == '/' || (n && outer[n - 1] == '/'));
}

/* Whether the link at `rel` (full path `full`) may be followed: NULL, or the
 * rule that says why not. A dangling link is left to stat(). */
static const struct ignore_rule *link_refusal(const struct mpy_sync_opts *o, const char *rel,
                                              const char *full)
{
    char target[PATH_MAX], root[PATH_MAX], up[PATH_MAX], anc[4096];
    if (!realpath(full, target) || !realpath(o->local, root))
        return NULL;
    if (!path_within(target, root))
        return &link_outside;
    /* A loop: the target is the root or one of the folders the walk came through. */
    if (!strcmp(target, root))
        return &link_loop;
    for (const char *p = rel; *rel; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        snprintf(anc, sizeof anc, "%s/%.*s", o->local, (int)(p - rel), rel);
        if (realpath(anc, up) && !strcmp(up, target))
            return &link_loop;
        if (*p == '\0')
            break;
    }
    return NULL;
}

static int walk_local(const struct mpy_sync_opts *o, const char *rel, struct local_list *l, eb_err *err)
{
    char dirpath[4096];
    snprintf(dirpath, sizeof dirpath, "%s%s%s", o->local, *rel ? "/" : "", rel);
    if (!o->no_ignore && load_rules(o, l, rel, err))
        return -1;
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
        if (excluded(o, r) || stat(full, &st) != 0 || ignored_here(o, l, r, S_ISDIR(st.st_mode)))
            continue;
        const struct ignore_rule *no = is_link(full) ? link_refusal(o, rel, full) : NULL;
        if (no) {
            if (o->on_skip)
                o->on_skip(o->skip_ctx, r, S_ISDIR(st.st_mode), no);
            continue;
        }
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

static const struct local_entry *local_find(const struct local_list *l, const char *rel)
{
    struct local_entry key = { (char *)rel, false };
    return l->n ? bsearch(&key, l->v, l->n, sizeof *l->v, by_rel) : NULL;
}

static bool local_has(const struct local_list *l, const char *rel)
{
    return local_find(l, rel) != NULL;
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

/* Whether the local file (its bytes in data) must be written over the
 * board's entry e (NULL: none); hex gets its SHA-256. */
static bool needs_write(const struct mpy_sync_opts *o, const struct mpy_entry *e, const bytes *data,
                        char hex[65])
{
    mpy_sha256_hex(data->data, data->len, hex);
    return o->copy_all || !e || e->type != 'f' || e->size != (long)data->len || strcmp(e->sha, hex) != 0;
}

/* The bytes the sync will write (for progress): the files that differ. */
static int bytes_to_write(const struct mpy_sync_opts *o, const struct local_list *l,
                          struct mpy_entries *remote, size_t *total, eb_err *err)
{
    *total = 0;
    for (size_t i = 0; i < l->n; i++) {
        char rp[2100], lp[4096], hex[65];
        bytes data = { 0 };
        if (l->v[i].dir || mpy_path_join(rp, sizeof rp, o->remote, l->v[i].rel))
            continue;
        snprintf(lp, sizeof lp, "%s/%s", o->local, l->v[i].rel);
        if (file_read(lp, 64u << 20, &data, err))
            return -1;
        if (needs_write(o, find_remote(remote, rp), &data, hex))
            *total += data.len;
        bytes_free(&data);
    }
    return 0;
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
    if (!needs_write(o, e, &data, hex)) {
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

/* Make the board folder for local folder `rel` (replacing a file there). */
static int sync_dir(struct mpy_fs *fs, const struct mpy_sync_opts *o, const char *rel,
                    struct mpy_entries *remote, mpy_sync_report cb, void *ctx, struct mpy_sync_stats *st,
                    eb_err *err)
{
    char rp[2100];
    if (mpy_path_join(rp, sizeof rp, o->remote, rel))
        return eb_fail(err, EB_USAGE, "board path too long for %s", rel);
    struct mpy_entry *e = find_remote(remote, rp);
    if (e && e->type == 'd')
        return 0;
    if (!o->dry_run && ((e && mpy_fs_rm(fs, rp, true, err)) || mpy_fs_mkdir(fs, rp, err)))
        return -1;
    st->dirs++;
    cb(ctx, MPY_SYNC_MKDIR, rp, 0);
    return 0;
}

struct progress {
    const struct mpy_sync_opts *o;
    size_t done, total;
};

static void batch_sent(void *ctx, size_t bytes)
{
    struct progress *p = ctx;
    p->done += bytes;
    p->o->on_progress(p->o->progress_ctx, p->done, p->total);
}

/* Make the folders and write the files that differ, in few round trips. */
static int sync_apply(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                      struct mpy_entries *remote, mpy_sync_report cb, void *ctx, struct mpy_sync_stats *st,
                      eb_err *err)
{
    struct progress p = { .o = o };
    struct mpy_put_batch batch = { .sent = o->on_progress && !o->dry_run ? batch_sent : NULL,
                                   .sent_ctx = &p };
    int rc = batch.sent ? bytes_to_write(o, l, remote, &p.total, err) : 0;
    if (!rc && batch.sent)
        o->on_progress(o->progress_ctx, 0, p.total);
    for (size_t i = 0; i < l->n && !rc; i++)
        rc = l->v[i].dir ? sync_dir(fs, o, l->v[i].rel, remote, cb, ctx, st, err)
                         : sync_file(fs, &batch, o, l->v[i].rel, remote, cb, ctx, st, err);
    if (!rc)
        rc = mpy_put_batch_flush(fs, &batch, err);
    mpy_put_batch_free(&batch);
    return rc;
}

/* Finish what interrupted writes left (temporary and backup names). */
static int sync_recover(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct mpy_entries *remote,
                        eb_err *err)
{
    for (size_t i = 0; i < remote->n && !o->dry_run; i++) {
        size_t base_len;
        if (!rel_of(o->remote, remote->v[i].path) || !mpy_fs_is_scratch(remote->v[i].path, &base_len))
            continue;
        char base[2100];
        snprintf(base, sizeof base, "%.*s", (int)base_len, remote->v[i].path);
        if (mpy_fs_recover(fs, base, err))
            return -1;
    }
    return 0;
}

/* What --delete removes: board entries (indices into the listing) the local
 * folder lacks, and how many files go with them. */
struct deletions {
    size_t *idx;
    size_t n;
    size_t files; /* files removed, those inside removed folders included */
};

static bool inside(const char *path, const char *dir)
{
    size_t n = dir ? strlen(dir) : 0;
    return dir && strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Whether board entry `e` (at `rel` under the target) is one --delete removes.
 * A mount point never is: the board cannot remove it. */
static bool delete_candidate(const struct mpy_fs *fs, const struct mpy_sync_opts *o,
                             const struct local_list *l, const struct mpy_entry *e, const char *rel)
{
    if (!*rel || mpy_fs_is_scratch(e->path, NULL) || local_has(l, rel) || excluded(o, rel))
        return false;
    if (!o->no_ignore && ignore_match(&l->rules, rel, e->type == 'd', NULL))
        return false;
    return !(e->type == 'd' && mpy_fs_is_mount(fs, e->path));
}

static int plan_deletions(const struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                          const struct mpy_entries *remote, struct deletions *d, eb_err *err)
{
    const char *gone = NULL;     /* the last folder to remove: what is inside goes with it */
    const char *replaced = NULL; /* the last folder a local file replaces (sync_file) */
    if (!o->delete_extra || !remote->n)
        return 0;
    if (!(d->idx = calloc(remote->n, sizeof *d->idx)))
        return eb_fail(err, EB_IO, "out of memory");
    for (size_t i = 0; i < remote->n; i++) {
        const struct mpy_entry *e = &remote->v[i];
        const char *rel = rel_of(o->remote, e->path);
        const struct local_entry *le = rel ? local_find(l, rel) : NULL;
        if (inside(e->path, gone) || inside(e->path, replaced)) {
            d->files += inside(e->path, gone) && e->type == 'f';
            continue;
        }
        if (le && !le->dir && e->type == 'd')
            replaced = e->path;
        if (!rel || !delete_candidate(fs, o, l, e, rel))
            continue;
        d->idx[d->n++] = i;
        d->files += e->type == 'f';
        gone = e->type == 'd' ? e->path : NULL;
    }
    return 0;
}

/* "a, b and 3 more": the first few names of what would go. */
static void name_deletions(const struct mpy_entries *remote, const struct deletions *d, char *out, size_t n)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < d->n && i < 3 && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s%s", i ? ", " : "", remote->v[d->idx[i]].path,
                                remote->v[d->idx[i]].type == 'd' ? "/" : "");
    if (d->n > 3 && len < n)
        snprintf(out + len, n - len, " and %zu more", d->n - 3);
}

/* Refuse deleting in a root or mount point (without delete_root), or
 * deleting more files than the folder keeps (without force). */
static int check_deletions(const struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                           const struct mpy_entries *remote, const struct deletions *d, eb_err *err)
{
    size_t keep = 0;
    for (size_t i = 0; i < l->n; i++)
        keep += !l->v[i].dir;
    bool root = d->n && mpy_fs_is_mount(fs, o->remote) && !o->delete_root;
    bool many = d->files > keep && !o->force;
    if (!root && !many)
        return 0;
    char names[600];
    name_deletions(remote, d, names, sizeof names);
    const char *where = !mpy_fs_is_mount(fs, o->remote) ? ""
                        : strcmp(o->remote, "/") == 0   ? ", the board's filesystem root"
                                                        : ", a mount point";
    return eb_fail(err, EB_PROBLEM,
                   "refusing --delete: it would remove %zu file%s from %s%s (%s) and keep %zu; "
                   "add %s%s%s if you really mean it",
                   d->files, d->files == 1 ? "" : "s", o->remote, where, names, keep,
                   root ? "--delete-root" : "", root && many ? " " : "", many ? "--force" : "");
}

static int run_deletions(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct mpy_entries *remote,
                         const struct deletions *d, mpy_sync_report cb, void *ctx, struct mpy_sync_stats *st,
                         eb_err *err)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct mpy_entry *e = &remote->v[d->idx[i]];
        if (!o->dry_run && mpy_fs_rm(fs, e->path, true, err))
            return -1;
        st->deleted++;
        cb(ctx, MPY_SYNC_DELETE, e->path, (size_t)(e->size > 0 ? e->size : 0));
    }
    return 0;
}

/* The local walk, sorted, with the ignore rules it read. */
static int sync_local(const struct mpy_sync_opts *o, struct local_list *l, eb_err *err)
{
    int rc = o->no_ignore ? 0 : ignore_add_defaults(&l->rules, err);
    if (!rc)
        rc = walk_local(o, "", l, err);
    if (!rc && l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, by_rel);
    return rc;
}

/* The board's side of the target folder (made when missing), with hashes. */
static int sync_remote(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                       struct mpy_entries *remote, eb_err *err)
{
    char type = '-';
    int rc = mpy_fs_type(fs, o->remote, &type, err);
    if (!rc && type == 'f')
        rc = eb_fail(err, EB_PROBLEM, "%s is a file on the board, not a folder", o->remote);
    if (!rc && type == '-' && !o->dry_run)
        rc = mpy_fs_mkdir(fs, o->remote, err);
    if (!rc && type == 'd')
        rc = mpy_fs_list(fs, o->remote, true, remote, err);
    if (!rc && !o->copy_all)
        rc = hash_candidates(fs, o, l, remote, err);
    return rc;
}

/* The local side of mpy_fs_tree_digest: the same lines from the local files. */
static int local_digest(const struct mpy_sync_opts *o, const struct local_list *l, char hex[65], eb_err *err)
{
    bytes text = { 0 }, data = { 0 };
    int rc = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        char lp[4096], head[100], sha[65];
        data.len = 0;
        snprintf(lp, sizeof lp, "%s/%s", o->local, l->v[i].rel);
        if (!l->v[i].dir && file_read(lp, 64u << 20, &data, err))
            rc = -1;
        else if (!l->v[i].dir)
            mpy_sha256_hex(data.data, data.len, sha);
        if (!rc)
            snprintf(head, sizeof head, l->v[i].dir ? "d " : "f %zu %s ", data.len, sha);
        if (!rc && (bytes_append(&text, head, strlen(head)) ||
                    bytes_append(&text, l->v[i].rel, strlen(l->v[i].rel)) || bytes_append_byte(&text, '\n')))
            rc = eb_fail(err, EB_IO, "out of memory");
    }
    if (!rc)
        mpy_sha256_hex(text.data, text.len, hex);
    bytes_free(&text);
    bytes_free(&data);
    return rc;
}

/* Nothing to do (the common case of a sync): one digest of every file on
 * each side agrees, no scratch files to recover, no extras to delete. Then
 * each file is reported unchanged and *same is set. */
static int all_unchanged(struct mpy_fs *fs, const struct mpy_sync_opts *o, const struct local_list *l,
                         mpy_sync_report cb, void *ctx, struct mpy_sync_stats *st, bool *same, eb_err *err)
{
    char **rels = calloc(l->n + 1, sizeof *rels), hex[65];
    struct mpy_tree_digest d;
    *same = false;
    if (!rels)
        return eb_fail(err, EB_IO, "out of memory");
    for (size_t i = 0; i < l->n; i++)
        rels[i] = l->v[i].rel;
    int rc = local_digest(o, l, hex, err) || mpy_fs_tree_digest(fs, o->remote, rels, l->n, &d, err) ? -1 : 0;
    free(rels);
    if (rc || strcmp(d.hex, hex) != 0 || d.scratch || (o->delete_extra && d.extras))
        return rc;
    *same = true;
    for (size_t i = 0; i < l->n; i++) {
        char rp[2100], lp[4096];
        struct stat sb;
        snprintf(lp, sizeof lp, "%s/%s", o->local, l->v[i].rel);
        if (l->v[i].dir || mpy_path_join(rp, sizeof rp, o->remote, l->v[i].rel))
            continue;
        st->unchanged++;
        cb(ctx, MPY_SYNC_SAME, rp, stat(lp, &sb) == 0 ? (size_t)sb.st_size : 0);
    }
    return 0;
}

/* Copy first, delete last: a sync that fails has deleted nothing. */
int mpy_sync(struct mpy_fs *fs, const struct mpy_sync_opts *opts, mpy_sync_report cb, void *ctx,
             struct mpy_sync_stats *st, eb_err *err)
{
    struct local_list l = { 0 };
    struct mpy_entries remote = { 0 };
    struct deletions del = { 0 };
    struct mpy_sync_opts o = *opts;
    char root[1100];
    memset(st, 0, sizeof *st);
    if (mpy_fs_abs_path(fs, opts->remote, root, sizeof root))
        return eb_fail(err, EB_USAGE, "board path too long: %s", opts->remote);
    o.remote = root;
    bool same = false;
    int rc = sync_local(&o, &l, err);
    if (!rc && !o.copy_all && fs->has_hash)
        rc = all_unchanged(fs, &o, &l, cb, ctx, st, &same, err);
    if (!rc && !same)
        rc = sync_remote(fs, &o, &l, &remote, err);
    if (!rc && !same)
        rc = sync_recover(fs, &o, &remote, err) || plan_deletions(fs, &o, &l, &remote, &del, err) ||
                     check_deletions(fs, &o, &l, &remote, &del, err)
                 ? -1
                 : 0;
    if (!rc && !same)
        rc = sync_apply(fs, &o, &l, &remote, cb, ctx, st, err);
    if (!rc)
        rc = run_deletions(fs, &o, &remote, &del, cb, ctx, st, err);
    free(del.idx);
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

/* mkdir -p on the host. */
static int local_mkdirs(const char *path, eb_err *err)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return eb_fail(err, EB_USAGE, "path too long: %s", path);
    for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
        if (s)
            *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return eb_fail(err, EB_IO, "cannot make the folder %s: %s", p, strerror(errno));
        if (!s)
            return 0;
        *s = '/';
    }
}

static int fetch_one(struct mpy_fs *fs, const struct mpy_entry *e, const char *rel, const char *local,
                     struct mpy_fetch_stats *st, eb_err *err)
{
    char lp[4096];
    if (snprintf(lp, sizeof lp, "%s/%s", local, rel) >= (int)sizeof lp)
        return eb_fail(err, EB_USAGE, "local path too long for %s", e->path);
    if (e->type == 'd') {
        st->dirs++;
        return local_mkdirs(lp, err);
    }
    char *slash = strrchr(lp, '/');
    *slash = '\0';
    int rc = local_mkdirs(lp, err);
    *slash = '/';
    bytes data = { 0 };
    if (!rc)
        rc = mpy_fs_get(fs, e->path, &data, err) || file_write_atomic(lp, data.data, data.len, err) ? -1 : 0;
    if (!rc) {
        st->files++;
        st->bytes += data.len;
    }
    bytes_free(&data);
    return rc;
}

/* The bytes of the files a fetch copies (for progress). */
static size_t fetch_total(const struct mpy_entries *e)
{
    size_t total = 0;
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i].type == 'f' && e->v[i].size > 0 && !mpy_fs_is_scratch(e->v[i].path, NULL))
            total += (size_t)e->v[i].size;
    return total;
}

int mpy_fetch_tree(struct mpy_fs *fs, const char *remote, const char *local, mpy_progress progress, void *ctx,
                   struct mpy_fetch_stats *st, eb_err *err)
{
    struct mpy_entries e = { 0 };
    char type = '-';
    memset(st, 0, sizeof *st);
    int rc = mpy_fs_type(fs, remote, &type, err);
    if (!rc && type != 'd')
        rc = eb_fail(err, EB_PROBLEM, "%s is not a folder on the board", remote);
    if (!rc)
        rc = local_mkdirs(local, err) || mpy_fs_list(fs, remote, true, &e, err) ? -1 : 0;
    size_t total = fetch_total(&e);
    if (!rc && progress)
        progress(ctx, 0, total);
    for (size_t i = 0; i < e.n && !rc; i++) {
        const char *rel = rel_of(remote, e.v[i].path);
        if (rel && *rel && !mpy_fs_is_scratch(e.v[i].path, NULL))
            rc = fetch_one(fs, &e.v[i], rel, local, st, err);
        if (!rc && progress && e.v[i].type == 'f')
            progress(ctx, st->bytes, total);
    }
    mpy_entries_free(&e);
    return rc;
}

int mpy_fs_mkdir_parents(struct mpy_fs *fs, const char *path, eb_err *err)
{
    char p[2100];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return eb_fail(err, EB_USAGE, "board path too long: %s", path);
    for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
        if (s)
            *s = '\0';
        char type = '-';
        if (mpy_fs_type(fs, p, &type, err))
            return -1;
        if (type == 'f')
            return eb_fail(err, EB_PROBLEM, "%s is a file on the board, not a folder", p);
        if (type == '-' && mpy_fs_mkdir(fs, p, err))
            return -1;
        if (!s)
            return 0;
        *s = '/';
    }
}
