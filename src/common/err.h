/* err.h - how every layer reports failure without printing or exiting.
 *
 * The error type is the public one (include/espburn_err.h): a function that
 * can fail takes an `eb_err *` last, returns 0 on success and -1 on failure
 * after filling the error with one plain sentence that says what went wrong
 * and what to do. Only src/cli/ prints errors and turns the code into the
 * process exit status. These helpers fill it. */
#ifndef ESPBURN_ERR_H
#define ESPBURN_ERR_H

#include "espburn_err.h" /* enum eb_exit and eb_err: the public error type */

/* Fill `err` (may be NULL) with a printf-style message; always returns -1. */
int eb_fail(eb_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context ("reading x.bin: ..."). */
int eb_wrap(eb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void eb_err_clear(eb_err *err);

#endif
