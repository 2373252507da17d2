/* watch.c - the edit-and-run loop: one sync, then changes sent as they
 * happen, the program restarted and its output streamed. */
#include "mpy/watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/dirwatch.h"
#include "common/file.h"

#define PUMP_MS    20 /* one wait for output before looking at the folder again */
#define IDLE_MS    50 /* the folder's wait when nothing runs on the board */
#define SCRIPT_MAX (1u << 20)

struct watch {
    struct mpy_fs *fs;
    const struct mpy_watch_opts *o;
    const struct mpy_watch_cb *cb;
    bool script_running;  /* a --run script's reply is being read */
    bool helpers_gone;    /* a soft reset cleared the file helpers */
    struct mpy_reply rep; /* the script's reply */
    int64_t noticed_ms;   /* the save being measured, 0: none */
};

static void event(struct watch *w, enum mpy_watch_event e, const char *path, long value)
{
    if (w->cb->event)
        w->cb->event(w->cb->ctx, e, path, value);
}

/* The board's output; the first bytes after a save give its latency. */
static void on_output(void *ctx, const uint8_t *p, size_t n)
{
    struct watch *w = ctx;
    bool visible = false; /* the line end after "soft reboot" is not the program's output */
    for (size_t i = 0; i < n && !visible; i++)
        visible = p[i] != '\r' && p[i] != '\n';
    if (w->noticed_ms && visible) {
        event(w, MPY_WATCH_LATENCY, NULL, (long)(eb_now_ms() - w->noticed_ms));
        w->noticed_ms = 0;
    }
    w->cb->output(w->cb->ctx, p, n);
}

static void no_report(void *ctx, enum mpy_sync_action a, const char *path, size_t n)
{
    (void)ctx, (void)a, (void)path, (void)n;
}

static int start_program(struct watch *w, eb_err *err)
{
    if (!w->o->run_path) {
        if (mpy_soft_reset(w->fs->m, true, err))
            return -1;
        w->helpers_gone = true;
        event(w, MPY_WATCH_STARTED, "main.py", 0);
        return 0;
    }
    static const char forget[] = "import sys\nfor k in list(sys.modules):\n del sys.modules[k]\n";
    bytes src = { 0 };
    int rc = file_read(w->o->run_path, SCRIPT_MAX, &src, err);
    if (!rc) /* modules imported by the last run would not be read again */
        rc = mpy_exec_ok(w->fs->m, forget, sizeof forget - 1, NULL, err);
    if (!rc)
        rc = mpy_exec_begin(w->fs->m, src.data, src.len, err);
    bytes_free(&src);
    if (rc)
        return -1;
    mpy_reply_free(&w->rep);
    w->rep = (struct mpy_reply){ .sink = on_output, .sink_ctx = w };
    w->script_running = true;
    event(w, MPY_WATCH_STARTED, w->o->run_path, 0);
    return 0;
}

/* Stop what runs and get the raw REPL with the file helpers back. */
static int stop_program(struct watch *w, eb_err *err)
{
    struct mpy_fs *fs = w->fs;
    if ((w->script_running || !w->o->run_path) && mpy_enter_raw(fs->m, err))
        return -1;
    w->script_running = false;
    if (!w->helpers_gone)
        return 0;
    bool deflate = fs->allow_deflate, binary = fs->allow_binary;
    if (mpy_fs_init(fs, fs->m, err))
        return -1;
    fs->allow_deflate = deflate;
    fs->allow_binary = binary;
    w->helpers_gone = false;
    return 0;
}

/* A file or folder removed locally goes on the board too (with --delete);
 * what was inside a removed folder went with it. */
static int remove_one(struct watch *w, const char *remote, const char **gone, eb_err *err)
{
    size_t g = *gone ? strlen(*gone) : 0;
    if (!w->o->sync.delete_extra || (*gone && strncmp(remote, *gone, g) == 0 && remote[g] == '/'))
        return 0;
    char type = '-';
    if (mpy_fs_type(w->fs, remote, &type, err))
        return -1;
    if (type != '-' && mpy_fs_rm(w->fs, remote, true, err))
        return -1;
    if (type == 'd')
        *gone = remote;
    event(w, MPY_WATCH_REMOVED, remote, 0);
    return 0;
}

static int send_one(struct watch *w, struct mpy_put_batch *b, const struct dirwatch_change *c,
                    const char *remote, eb_err *err)
{
    char local[4096];
    if (c->dir) {
        char type = '-';
        if (mpy_fs_type(w->fs, remote, &type, err))
            return -1;
        return type == 'd' ? 0 : mpy_fs_mkdir(w->fs, remote, err);
    }
    bytes data = { 0 };
    snprintf(local, sizeof local, "%s/%s", w->o->sync.local, c->rel);
    if (file_read(local, 64u << 20, &data, err))
        return -1;
    int rc = mpy_put_batch_add(w->fs, b, remote, data.data, data.len, NULL, err);
    if (!rc)
        event(w, MPY_WATCH_SENT, remote, (long)data.len);
    bytes_free(&data);
    return rc;
}

/* Send what changed (folders come before their files in `ch`). */
static int apply_changes(struct watch *w, const struct dirwatch_changes *ch, eb_err *err)
{
    struct mpy_put_batch batch = { 0 };
    char(*remote)[2100] = calloc(ch->n, sizeof *remote);
    const char *gone = NULL;
    int rc = remote ? 0 : eb_fail(err, EB_IO, "out of memory");
    for (size_t i = 0; i < ch->n && !rc; i++) {
        const struct dirwatch_change *c = &ch->v[i];
        if (mpy_sync_skips(&w->o->sync, c->rel))
            continue;
        if (mpy_path_join(remote[i], sizeof remote[i], w->o->sync.remote, c->rel))
            rc = eb_fail(err, EB_USAGE, "board path too long for %s", c->rel);
        else if (c->kind == DIRWATCH_REMOVED)
            rc = mpy_put_batch_flush(w->fs, &batch, err) || remove_one(w, remote[i], &gone, err);
        else
            rc = send_one(w, &batch, c, remote[i], err);
    }
    if (!rc)
        rc = mpy_put_batch_flush(w->fs, &batch, err);
    mpy_put_batch_free(&batch);
    free(remote);
    return rc ? -1 : 0;
}

/* Pass on the board's output for a moment; 1 when nothing runs any more. */
static int pump(struct watch *w, eb_err *err)
{
    if (!w->o->run_path)
        return mpy_stream(w->fs->m, on_output, w, PUMP_MS, err) < 0 ? -1 : 0;
    if (!w->script_running)
        return 1;
    int r = mpy_exec_pump(w->fs->m, &w->rep, PUMP_MS, err);
    if (r == 1) {
        w->script_running = false;
        if (w->rep.err.len && w->cb->errput)
            w->cb->errput(w->cb->ctx, w->rep.err.data, w->rep.err.len);
        event(w, MPY_WATCH_FINISHED, w->o->run_path, (long)w->rep.err.len);
    }
    return r;
}

/* A --run script runs in the board folder and imports its neighbours
 * (the folder also goes first on sys.path: the virtual board's '' entry
 * does not follow chdir). */
static int enter_folder(struct watch *w, eb_err *err)
{
    static const char tail[] = "\nos.chdir(d)\nif d not in sys.path:\n sys.path.insert(0,d)\n";
    bytes code = { 0 };
    int rc = bytes_append(&code, "import os,sys\nd=", 16) || mpy_py_str(&code, w->o->sync.remote) ||
                     bytes_append(&code, tail, sizeof tail - 1)
                 ? eb_fail(err, EB_IO, "out of memory")
                 : mpy_exec_ok(w->fs->m, code.data, code.len, NULL, err);
    bytes_free(&code);
    return rc;
}

static int loop(struct watch *w, struct dirwatch *dw, eb_err *err)
{
    int rc = (w->o->run_path && enter_folder(w, err)) || start_program(w, err);
    while (!rc && !*w->o->stop) {
        int idle = pump(w, err);
        if (idle < 0)
            return -1;
        struct dirwatch_changes ch = { 0 };
        int r = dirwatch_wait(dw, idle ? IDLE_MS : 0, &ch, err);
        if (r > 0) {
            rc = stop_program(w, err) || apply_changes(w, &ch, err) || start_program(w, err);
            w->noticed_ms = ch.first_ms;
        }
        dirwatch_changes_free(&ch);
        rc = rc || r < 0;
    }
    return rc || stop_program(w, err) ? -1 : 0;
}

int mpy_watch(struct mpy_fs *fs, const struct mpy_watch_opts *o, const struct mpy_watch_cb *cb, eb_err *err)
{
    struct watch w = { .fs = fs, .o = o, .cb = cb };
    struct dirwatch *dw = NULL;
    struct mpy_sync_stats st;
    if (dirwatch_open(o->sync.local, o->poll, &dw, err))
        return -1;
    if (dirwatch_polling(dw))
        event(&w, MPY_WATCH_POLLING, o->sync.local, DIRWATCH_POLL_MS);
    int rc = mpy_sync(fs, &o->sync, cb->sync_report ? cb->sync_report : no_report, cb->ctx, &st, err);
    if (!rc) {
        event(&w, MPY_WATCH_SYNCED, o->sync.remote, (long)(st.added + st.updated));
        rc = loop(&w, dw, err);
    }
    mpy_reply_free(&w.rep);
    dirwatch_close(dw);
    return rc;
}
