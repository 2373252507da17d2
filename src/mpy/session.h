/* session.h - one conversation with MicroPython over a port: getting
 * control of the board (Ctrl-C, retried), the raw REPL, running code with
 * raw-paste and its flow control when the board has it (plain raw REPL
 * otherwise), and splitting the reply into stdout and stderr. One session
 * serves a whole command; nothing here soft-resets unless asked. */
#ifndef ESPBURN_MPY_SESSION_H
#define ESPBURN_MPY_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "mpy/reply.h"
#include "port/port.h"

struct mpy {
    struct port *port;
    bool raw;                         /* the board sits at the raw REPL prompt */
    int paste;                        /* raw-paste: -1 not probed yet, 0 no, 1 yes */
    unsigned window;                  /* raw-paste flow-control window */
    int timeout_ms;                   /* longest silence accepted while code runs */
    volatile sig_atomic_t *interrupt; /* when set non-zero (a SIGINT handler), send Ctrl-C */
    bytes pending;                    /* bytes read past the end of the last reply */
};

/* Open the port without resetting the board (DTR and RTS released). */
int mpy_open(const char *port_name, uint32_t baud, struct mpy *m, eb_err *err);
/* Leave the raw REPL (back to the friendly prompt) and close the port. */
void mpy_close(struct mpy *m);
/* The same on a port the caller opened and keeps: start a session on it
 * (lines released, no reset), and end it leaving the port open. */
int mpy_attach(struct port *port, struct mpy *m, eb_err *err);
void mpy_detach(struct mpy *m);

/* Stop whatever runs (Ctrl-C, retried) and enter the raw REPL. */
int mpy_enter_raw(struct mpy *m, eb_err *err);

/* Run code at the raw REPL. stdout goes to `sink` when given, else into
 * `out`; stderr (a traceback) into `errout`. Returns 0 when the code ran
 * (whether or not it raised: check errout->len), -1 on a transport error. */
int mpy_exec(struct mpy *m, const void *code, size_t len, mpy_sink sink, void *ctx, bytes *out, bytes *errout,
             eb_err *err);

/* Run code that reads `n` bytes of `data` from stdin: the code writes 'R'
 * when it starts reading, then one 'A' per `block` bytes it has taken; at
 * most two blocks are outstanding (so the board's UART buffer never
 * overflows); `framed`: each block follows a 0x01. 'R' and 'A' are not
 * part of `out`. `wait_ms` bounds the wait
 * for each of them; when it runs out, Ctrl-C is sent and *fed is false. */
int mpy_exec_feed(struct mpy *m, const void *code, size_t len, const uint8_t *data, size_t n, size_t block,
                  bool framed, int wait_ms, bool *fed, bytes *out, bytes *errout, eb_err *err);

/* The same in steps, for a caller that also watches something else: send
 * the program, then pump its reply (rep: zeroed, with an optional sink) for
 * at most wait_ms at a time; 1 when it has ended (the raw REPL prompt is
 * back), 0 while it runs, -1 on a transport error. */
int mpy_exec_begin(struct mpy *m, const void *code, size_t len, eb_err *err);
int mpy_exec_pump(struct mpy *m, struct mpy_reply *rep, int wait_ms, eb_err *err);

/* Whatever the board prints (a program started by a soft reset) for at
 * most wait_ms, to `sink`; returns the bytes passed on (0: none), -1 on error. */
int mpy_stream(struct mpy *m, mpy_sink sink, void *ctx, int wait_ms, eb_err *err);

/* Read what the board sends (bytes left over from the last reply first),
 * waiting at most wait_ms; the count, 0 on timeout, -1 on error. */
int mpy_recv(struct mpy *m, uint8_t *buf, size_t n, int wait_ms, eb_err *err);

/* Run code that must not fail: a traceback becomes an error whose message
 * is its last line. */
int mpy_exec_ok(struct mpy *m, const void *code, size_t len, bytes *out, eb_err *err);

/* Soft reset (Ctrl-D at an empty prompt): boot.py runs; with run_main the
 * reset is done from the friendly REPL, so main.py runs too and the board is
 * left running it; else from the raw REPL, which the board stays in. */
int mpy_soft_reset(struct mpy *m, bool run_main, eb_err *err);

/* The friendly REPL's banner ("MicroPython v1.x on ...; board with chip"). */
int mpy_banner(struct mpy *m, char *out, size_t n, eb_err *err);

#endif
