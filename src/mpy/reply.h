/* reply.h - pure parsers for what a MicroPython board sends back over its
 * REPL (no I/O): the raw REPL banner, the raw-paste answer, the reply to a
 * program (stdout 0x04 stderr 0x04 '>'), and quoting of strings for code. */
#ifndef ESPBURN_MPY_REPLY_H
#define ESPBURN_MPY_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* Offset just past the '>' of "raw REPL; CTRL-B to exit\r\n>" (also with
 * "\r\r\n") in buf, or -1 when the banner is not (yet) complete. */
long mpy_find_raw_banner(const uint8_t *buf, size_t len);

/* The board's answer to the raw-paste request 0x05 'A' 0x01. */
enum mpy_paste_answer {
    MPY_PASTE_NEED_MORE, /* fewer bytes than needed to decide */
    MPY_PASTE_YES,       /* "R\x01": raw-paste entered */
    MPY_PASTE_NO,        /* "R\x00": understood, not supported */
    MPY_PASTE_OLD,       /* anything else: old firmware that took 0x01 as Ctrl-A */
};
enum mpy_paste_answer mpy_classify_paste(const uint8_t *buf, size_t len);

/* Splits a program's reply: stdout until the first 0x04, stderr until the
 * second, then the '>' prompt. Feed bytes as they arrive. */
typedef void (*mpy_sink)(void *ctx, const uint8_t *p, size_t n);
struct mpy_reply {
    int state;      /* 0 stdout, 1 stderr, 2 prompt, 3 done */
    bytes out, err; /* collected (stdout only when sink is NULL) */
    mpy_sink sink;  /* optional: stdout goes here instead of `out` */
    void *sink_ctx;
};
/* Consume bytes; returns how many were used (stops after the prompt) or -1
 * when out of memory. */
long mpy_reply_feed(struct mpy_reply *r, const uint8_t *p, size_t n);
static inline int mpy_reply_done(const struct mpy_reply *r)
{
    return r->state == 3;
}
void mpy_reply_free(struct mpy_reply *r);

/* Append a Python expression that evaluates to the str `s` (UTF-8 bytes),
 * safe whatever the bytes: quotes, backslashes, newlines, code. */
int mpy_py_str(bytes *code, const char *s);

/* The last non-empty line of a traceback ("OSError: [Errno 2] ENOENT"),
 * copied into out (always terminated). */
void mpy_last_line(const bytes *text, char *out, size_t n);

#endif
