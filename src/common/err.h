/* err.h - how every layer reports failure without printing or exiting.
 *
 * A function that can fail takes an `eb_err *` last, returns 0 on success
 * and -1 on failure after filling the error with one plain sentence that
 * says what went wrong and what to do. Only src/cli/ prints errors and turns
 * the code into the process exit status. */
#ifndef ESPBURN_ERR_H
#define ESPBURN_ERR_H

/* Exit codes shared by every command (documented in the README). */
enum eb_exit {
    EB_OK = 0,      /* success */
    EB_PROBLEM = 1, /* a problem was found or an action was refused */
    EB_USAGE = 2,   /* the command line is wrong */
    EB_IO = 3,      /* a file, port or device failed */
};

typedef struct eb_err {
    int code;      /* one of enum eb_exit */
    char msg[512]; /* one line, no trailing newline */
} eb_err;

/* Fill `err` (may be NULL) with a printf-style message; always returns -1. */
int eb_fail(eb_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context ("reading x.bin: ..."). */
int eb_wrap(eb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void eb_err_clear(eb_err *err);

#endif
