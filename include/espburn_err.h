/* espburn_err.h - the one error type of libespburn, shared by the public API
 * (espburn.h) and every internal layer.
 *
 * A function that can fail takes an `eb_err *` last (it may be NULL when the
 * caller does not want the message), returns 0 (or a count) on success and
 * -1 on failure after filling the error with one plain sentence that says
 * what went wrong and what to do. The code says what kind of failure it was;
 * the espburn program uses it as its exit status. */
#ifndef ESPBURN_ERR_H_PUBLIC
#define ESPBURN_ERR_H_PUBLIC

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of failure (the espburn program's exit codes, documented in its README). */
enum eb_exit {
    EB_OK = 0,      /* success */
    EB_PROBLEM = 1, /* a problem was found or an action was refused (a refused plan, a failed verify) */
    EB_USAGE = 2,   /* the request is wrong (a bad argument or option value) */
    EB_IO = 3,      /* a file, port or device failed (re-running may help) */
};

typedef struct eb_err {
    int code;      /* one of enum eb_exit */
    char msg[512]; /* one line, no trailing newline: what happened and what to do */
} eb_err;

#ifdef __cplusplus
}
#endif

#endif
