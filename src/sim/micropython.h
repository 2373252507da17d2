/* micropython.h - the virtual board's MicroPython: a Node program
 * (sim/micropython/board.mjs) running the official WebAssembly MicroPython
 * behind a simulated UART, with the board's files in a host folder. This
 * module finds that program and runs it, either on its own TCP port
 * (`espburn sim --micropython`) or wired by pipes to the flash-booting
 * board's UART when that board reaches the app stage of a MicroPython
 * firmware (the "app link"). It prints nothing itself (the TCP board
 * prints its "connect with -p socket://..." line). */
#ifndef ESPBURN_SIM_MICROPYTHON_H
#define ESPBURN_SIM_MICROPYTHON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "sim/engine.h"
#include "sim/mpy_fs.h"

struct sim_mpy_opts {
    const char *fs_dir;      /* host folder holding the board's files */
    const char *personality; /* "official" (files at /) or "lobo" (/flash) */
    const char *tcp_port;    /* "0" picks a free port; NULL: the UART is the child's stdin/stdout */
    uint32_t baud;           /* pace the UART at this rate; 0: as fast as possible */
    long fs_size;            /* filesystem size in bytes; 0: the personality's */
};

/* Start the board as a child process; *pid gets its process id. With
 * tcp_port NULL, *to_uart and *from_uart (non-blocking, close-on-exec) get
 * the pipes to and from its UART; otherwise *lifeline gets the write end of
 * a pipe the child watches. The child dies with this process, however it
 * ends (SIGKILL included): on Linux through PR_SET_PDEATHSIG, everywhere
 * because it exits when its stdin (stdio) or its lifeline reaches end of
 * file; keep *lifeline open while the child should run. */
int sim_micropython_spawn(const struct sim_mpy_opts *o, pid_t *pid, int *to_uart, int *from_uart,
                          int *lifeline, eb_err *err);
/* Start the board and wait until it ends (Ctrl-C stops it); 0 when it ended cleanly. */
int sim_micropython_run(const struct sim_mpy_opts *o, eb_err *err);
/* The personality that imitates the firmware in an app image: "lobo" for
 * the LoBo MicroPython builds, else "official". */
const char *sim_micropython_personality(const uint8_t *app, size_t n);

/* The app link: the flash-booting board (engine.h, s->app) hands its UART
 * to a MicroPython child while its app stage lasts. A reset stops the
 * child (files are already mirrored to the folder), the next boot into the
 * app starts a fresh one, so boot.py and main.py run after every reset. */
struct sim_mpy_link {
    char fs_dir[1024];       /* the board's files */
    bool realtime;           /* pace the child's UART at the board's rate */
    pid_t pid;               /* 0: no child */
    pid_t stopping;          /* a child told to stop and not yet gone (0: none): poll it often */
    struct sim_mpy_fs files; /* the flash partition the folder was unpacked from (mpy_fs.h) */
    int to_uart, from_uart;  /* pipes, -1 when closed */
    uint32_t generation;     /* the s->app.generation the child serves */
};

/* fs_dir: the folder for the files (created when missing); realtime as sim. */
void sim_mpy_link_init(struct sim_mpy_link *l, const char *fs_dir, bool realtime);
/* Start or stop the child so that it matches the board's app stage; call
 * after anything that can reset or boot the board. A child that cannot
 * start is reported once on the board's UART, marked as the board speaking. */
void sim_mpy_link_sync(struct sim_mpy_link *l, struct sim *s, uint64_t now_us);
/* The fd to poll for the child's output (-1: none). */
int sim_mpy_link_fd(const struct sim_mpy_link *l);
/* Move bytes between the board and the child: what the host sent the app
 * goes to the child; what the child printed goes out of the board's UART.
 * While not `listening` (no client connected) only the first few KB of it
 * wait for the next client and the rest is lost, so a main.py printing in
 * a loop cannot fill memory. */
void sim_mpy_link_pump(struct sim_mpy_link *l, struct sim *s, bool listening, uint64_t now_us);
/* Stop the child and wait until it is gone (at the end of the board); its
 * files are packed back into the flash of `s`. */
void sim_mpy_link_stop(struct sim_mpy_link *l, struct sim *s);

#endif
