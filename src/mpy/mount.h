/* mount.h - run code on the board with a host folder mounted at /remote
 * (like mpremote's mount): the board's file operations under /remote come
 * back over the same serial link as requests (docs/mount.md), served from
 * the folder while the program runs. When the program ends, is
 * interrupted or soft-resets the board, /remote is unmounted. Prints
 * nothing. */
#ifndef ESPBURN_MPY_MOUNT_H
#define ESPBURN_MPY_MOUNT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "mpy/reply.h"
#include "mpy/session.h"

struct mpy_mount_opts {
    const char *dir;  /* the host folder */
    const char *code; /* the program, run with /remote as its working folder */
    size_t len;
    volatile sig_atomic_t *stop; /* set non-zero (a SIGINT handler) to interrupt the program */
};

struct mpy_mount_cb {
    mpy_sink output; /* the program's output */
    void *ctx;
};

struct mpy_mount_result {
    bytes traceback;                  /* what the program raised, empty when it ended well */
    bool interrupted;                 /* stopped through o->stop */
    bool soft_reset;                  /* the board soft-reset while the program ran */
    size_t requests;                  /* file requests served */
    size_t bytes_read, bytes_written; /* file bytes the board read and wrote */
};

int mpy_mount_run(struct mpy *m, const struct mpy_mount_opts *o, const struct mpy_mount_cb *cb,
                  struct mpy_mount_result *res, eb_err *err);

#endif
