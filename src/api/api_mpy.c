/* api_mpy.c - the public API's MicroPython session, over src/mpy. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/file.h"
#include "mpy/start.h"
#include "mpy/sync.h"

#define API_MPY_FILE_MAX (64u << 20) /* the largest local file eb_mpy_put_file sends */

int eb_mpy_open(eb_port *port, const eb_mpy_opts *opts, eb_mpy **out, eb_err *err)
{
    if (api_need(out, "out", err) || api_need(port, "the port", err))
        return -1;
    *out = NULL;
    eb_mpy *m = calloc(1, sizeof *m);
    if (!m)
        return eb_fail(err, EB_IO, "out of memory");
    struct mpy_start_opts o = { .with_fs = true };
    if (opts) {
        o.timeout_ms = opts->timeout_ms;
        o.no_deflate = opts->no_deflate;
        o.no_binary = opts->no_binary;
    }
    if (mpy_start(port->p, &o, &m->m, &m->fs, err)) {
        free(m);
        return -1;
    }
    m->m.interrupt = opts ? opts->interrupt : NULL;
    *out = m;
    return 0;
}

void eb_mpy_close(eb_mpy *m)
{
    if (m)
        mpy_detach(&m->m);
    free(m);
}

/* The last line of a traceback ("ValueError: bad"), into err. */
static int raised(const bytes *tb, eb_err *err)
{
    size_t end = tb->len;
    while (end && (tb->data[end - 1] == '\n' || tb->data[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start && tb->data[start - 1] != '\n')
        start--;
    return eb_fail(err, EB_PROBLEM, "the code raised %.*s", (int)(end - start),
                   (const char *)tb->data + start);
}

int eb_mpy_exec(eb_mpy *m, const char *code, eb_output_fn out, eb_output_fn errout, void *ctx, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(code, "the code", err))
        return -1;
    bytes sink_out = { 0 }, tb = { 0 };
    int rc = mpy_exec(&m->m, code, strlen(code), out, ctx, &sink_out, &tb, err);
    if (rc == 0 && tb.len && errout)
        errout(ctx, tb.data, tb.len);
    if (rc == 0 && tb.len)
        rc = raised(&tb, err);
    bytes_free(&sink_out);
    bytes_free(&tb);
    return rc;
}

int eb_mpy_ls(eb_mpy *m, const char *path, int recursive, eb_mpy_entry **out, size_t *n, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(out, "out", err) || api_need(n, "n", err))
        return -1;
    *out = NULL;
    *n = 0;
    struct mpy_entries e = { 0 };
    if (mpy_fs_list(&m->fs, path && *path ? path : ".", recursive, &e, err)) {
        mpy_entries_free(&e);
        return -1;
    }
    *out = calloc(e.n ? e.n : 1, sizeof **out);
    for (size_t i = 0; *out && i < e.n; i++) {
        (*out)[i] = (eb_mpy_entry){ e.v[i].path, e.v[i].type, e.v[i].size };
        e.v[i].path = NULL; /* now the caller's */
    }
    *n = *out ? e.n : 0;
    mpy_entries_free(&e);
    return *out ? 0 : eb_fail(err, EB_IO, "out of memory");
}

void eb_mpy_entries_free(eb_mpy_entry *entries, size_t n)
{
    for (size_t i = 0; entries && i < n; i++)
        free(entries[i].path);
    free(entries);
}

int eb_mpy_get(eb_mpy *m, const char *remote, uint8_t **data, size_t *len, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(remote, "the board path", err) ||
        api_need(data, "data", err) || api_need(len, "len", err))
        return -1;
    bytes b = { 0 };
    if (mpy_fs_get(&m->fs, remote, &b, err)) {
        bytes_free(&b);
        return -1;
    }
    if (!b.data && !(b.data = malloc(1)))
        return eb_fail(err, EB_IO, "out of memory");
    *data = b.data; /* the caller frees it with eb_free */
    *len = b.len;
    return 0;
}

int eb_mpy_put(eb_mpy *m, const char *remote, const void *data, size_t len, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(remote, "the board path", err) ||
        (len && api_need(data, "data", err)))
        return -1;
    struct mpy_put_stats st = { 0 };
    return mpy_fs_put(&m->fs, remote, data, len, &st, err);
}

int eb_mpy_put_file(eb_mpy *m, const char *local, const char *remote, eb_err *err)
{
    if (api_need(local, "the local file", err))
        return -1;
    bytes b = { 0 };
    if (file_read(local, API_MPY_FILE_MAX, &b, err))
        return -1;
    int rc = eb_mpy_put(m, remote, b.data, b.len, err);
    bytes_free(&b);
    return rc;
}

int eb_mpy_rm(eb_mpy *m, const char *path, int recursive, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(path, "the board path", err))
        return -1;
    return mpy_fs_rm(&m->fs, path, recursive, err);
}

int eb_mpy_mkdir(eb_mpy *m, const char *path, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(path, "the board path", err))
        return -1;
    return mpy_fs_mkdir(&m->fs, path, err);
}

/* The caller's sync report (if any), behind the library's. */
static void relay_sync(void *ctx, enum mpy_sync_action a, const char *remote_path, size_t bytes)
{
    static const enum eb_sync_action actions[] = { EB_SYNC_ADD, EB_SYNC_UPDATE, EB_SYNC_DELETE, EB_SYNC_SAME,
                                                   EB_SYNC_MKDIR };
    const eb_sync_opts *o = ctx;
    if (o && o->report)
        o->report(o->ctx, actions[a], remote_path, bytes);
}

int eb_mpy_sync(eb_mpy *m, const char *local_dir, const char *remote_dir, const eb_sync_opts *opts,
                eb_sync_result *res, eb_err *err)
{
    if (api_need(m, "the session", err) || api_need(local_dir, "the local folder", err) ||
        api_need(remote_dir, "the board folder", err))
        return -1;
    struct mpy_sync_opts so = { .local = local_dir, .remote = remote_dir };
    if (opts)
        so = (struct mpy_sync_opts){ .local = local_dir,
                                     .remote = remote_dir,
                                     .delete_extra = opts->delete_extra,
                                     .dry_run = opts->dry_run,
                                     .exclude = opts->exclude,
                                     .nexclude = opts->nexclude };
    struct mpy_sync_stats st = { 0 };
    int rc = mpy_sync(&m->fs, &so, relay_sync, (void *)opts, &st, err);
    if (res)
        *res = (eb_sync_result){ st.added, st.updated, st.deleted, st.unchanged, st.dirs, st.bytes };
    return rc;
}
