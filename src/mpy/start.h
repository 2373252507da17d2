/* start.h - the start of every MicroPython conversation, in one place: a
 * session on the port (no reset), control of the board in the raw REPL,
 * and, when files are wanted, the file helpers defined on the board. Used
 * by the espburn commands and by the public API alike. */
#ifndef ESPBURN_MPY_START_H
#define ESPBURN_MPY_START_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "mpy/fs.h"
#include "mpy/session.h"
#include "port/port.h"

struct mpy_start_opts {
    int timeout_ms;  /* longest silence accepted while code runs; 0: the session's default */
    bool with_fs;    /* define the file helpers (fs is filled) */
    bool no_deflate; /* never compress file data */
    bool no_binary;  /* send file data as base64, never raw over stdin */
};

/* Start on a port the caller opened (and keeps): attach, enter the raw
 * REPL, and with o->with_fs set up `fs`. On failure nothing is left
 * attached (the port stays open). */
int mpy_start(struct port *port, const struct mpy_start_opts *o, struct mpy *m, struct mpy_fs *fs,
              eb_err *err);

/* The same on a port opened here by name at `baud`; mpy_close() ends it.
 * On failure the port is closed again. */
int mpy_start_named(const char *port_name, uint32_t baud, const struct mpy_start_opts *o, struct mpy *m,
                    struct mpy_fs *fs, eb_err *err);

#endif
