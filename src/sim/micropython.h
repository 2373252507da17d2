/* micropython.h - the virtual board's MicroPython: a Node program
 * (sim/micropython/board.mjs) running the official WebAssembly MicroPython
 * behind a simulated UART, with the board's files in a host folder. This
 * module finds that program and runs it; it prints nothing itself (the
 * program prints its "connect with -p socket://..." line). */
#ifndef ESPBURN_SIM_MICROPYTHON_H
#define ESPBURN_SIM_MICROPYTHON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

struct sim_mpy_opts {
    const char *fs_dir;       /* host folder holding the board's files */
    const char *personality;  /* "official" (files at /) or "lobo" (/flash) */
    const char *tcp_port;     /* "0" picks a free port */
    uint32_t baud;            /* pace the UART at this rate; 0: as fast as possible */
    long fs_size;             /* filesystem size in bytes; 0: the personality's */
};

/* Start the board as a child process; *pid gets its process id. */
int sim_micropython_spawn(const struct sim_mpy_opts *o, pid_t *pid, eb_err *err);
/* Start the board and wait until it ends (Ctrl-C stops it); 0 when it ended cleanly. */
int sim_micropython_run(const struct sim_mpy_opts *o, eb_err *err);
/* The personality that imitates the firmware in an app image: "lobo" for
 * the LoBo MicroPython builds, else "official". */
const char *sim_micropython_personality(const uint8_t *app, size_t n);

#endif
