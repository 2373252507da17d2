/* watch.h - the edit-and-run loop: sync a local folder to the board once,
 * start the program (a soft reset runs main.py, or a given local script is
 * run), stream its output, and on every change in the folder stop it, send
 * only what changed and start it again, until asked to stop. Reports
 * through callbacks; prints nothing. */
#ifndef ESPBURN_MPY_WATCH_H
#define ESPBURN_MPY_WATCH_H

#include <signal.h>
#include <stdbool.h>

#include "common/err.h"
#include "mpy/fs.h"
#include "mpy/reply.h"
#include "mpy/sync.h"

struct mpy_watch_opts {
    struct mpy_sync_opts sync;   /* local and board folders, exclusions */
    const char *run_path;        /* local script run after each change; NULL: soft reset */
    bool poll;                   /* poll the folder even where inotify works */
    volatile sig_atomic_t *stop; /* set non-zero (a SIGINT handler) to end the loop */
};

enum mpy_watch_event {
    MPY_WATCH_POLLING,  /* the folder is polled, not watched by inotify */
    MPY_WATCH_SYNCED,   /* the first sync is done; value: files written */
    MPY_WATCH_SENT,     /* a changed file was written; value: its bytes */
    MPY_WATCH_REMOVED,  /* a file removed locally was removed on the board */
    MPY_WATCH_STARTED,  /* the program (re)started; path: the script or "main.py" */
    MPY_WATCH_LATENCY,  /* value: ms from noticing the save to the program's first output */
    MPY_WATCH_FINISHED, /* the --run script ended (its traceback, if any, went to `errput`) */
};

struct mpy_watch_cb {
    mpy_sink output; /* the board's output */
    mpy_sink errput; /* a script's traceback */
    void (*event)(void *ctx, enum mpy_watch_event e, const char *path, long value);
    mpy_sync_report sync_report; /* the first sync's actions (may be NULL) */
    void *ctx;
};

/* Run the loop on a session with the file helpers (fs). Returns 0 when
 * stopped through o->stop, -1 on an error (the board is left in the raw
 * REPL when it can be). */
int mpy_watch(struct mpy_fs *fs, const struct mpy_watch_opts *o, const struct mpy_watch_cb *cb, eb_err *err);

#endif
