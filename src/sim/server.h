/* server.h - the listening side of the virtual board: a raw TCP socket, an
 * RFC 2217 (telnet) socket or a pseudo-terminal, on loopback only. One
 * client at a time; the board stays powered between clients. */
#ifndef ESPBURN_SIM_SERVER_H
#define ESPBURN_SIM_SERVER_H

#include <signal.h>

#include "common/err.h"
#include "sim/engine.h"

struct sim_mpy_link;

enum sim_transport {
    SIM_TCP,
    SIM_RFC2217,
    SIM_PTY
};

struct sim_server {
    enum sim_transport transport;
    int listen_fd; /* TCP and RFC 2217 */
    int pty_master, pty_slave;
    char pty_link[1024]; /* symlink to the pts device, removed at close */
    char url[1100];      /* what clients pass to -p */
    struct sim_mpy_link
        *app_link; /* set after open: who takes the UART at a MicroPython app stage (NULL: none) */
};

/* Start listening: port 0 picks a free port; for SIM_PTY `where` is the link path. */
int sim_server_open(struct sim_server *srv, enum sim_transport t, const char *where, eb_err *err);
/* Serve until *stop becomes non-zero. */
int sim_server_run(struct sim_server *srv, struct sim *s, volatile sig_atomic_t *stop, eb_err *err);
void sim_server_close(struct sim_server *srv);

/* Microseconds on the monotonic clock. */
uint64_t sim_now_us(void);

#endif
