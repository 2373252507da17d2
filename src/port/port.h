/* port.h - bytes in and out of a board, whatever carries them.
 *
 * A port is opened from a name: a serial device ("/dev/ttyUSB0", "COM5"),
 * "socket://HOST:PORT" (raw TCP), or "rfc2217://HOST:PORT" (serial over
 * telnet with DTR/RTS and baud control). Each transport implements
 * struct port_ops; the rest of espburn only sees this interface. */
#ifndef ESPBURN_PORT_H
#define ESPBURN_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/err.h"

struct port;

struct port_ops {
    /* Read up to n bytes, waiting at most timeout_ms for the first one.
     * Returns the count (0 on timeout) or -1 on error. */
    int (*read)(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err);
    /* Write all n bytes or fail. */
    int (*write)(struct port *p, const uint8_t *buf, size_t n, eb_err *err);
    int (*set_baud)(struct port *p, uint32_t baud, eb_err *err);
    /* Set modem lines: 1 assert, 0 release, -1 leave as is. Transports
     * without lines return 0 and do nothing (see has_lines). */
    int (*set_lines)(struct port *p, int dtr, int rts, eb_err *err);
    int (*flush_input)(struct port *p, eb_err *err);
    void (*close)(struct port *p);
};

struct port {
    const struct port_ops *ops;
    char name[256]; /* as the user gave it */
    uint32_t baud;
    bool has_lines;      /* DTR/RTS reach the board (serial, RFC 2217) */
    bool has_rate;       /* bytes travel at `baud` (a UART, RFC 2217), not as fast as a socket or pty goes */
    bool lines_together; /* DTR and RTS can change in one step (local tty) */
    char warning[512];   /* a non-fatal problem met (e.g. no modem lines on a pty), or "" */
};

/* Open `name` at `baud`. */
int port_open(const char *name, uint32_t baud, struct port **out, eb_err *err);

static inline int port_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    return p->ops->read(p, buf, n, timeout_ms, err);
}
static inline int port_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    return p->ops->write(p, buf, n, err);
}
static inline int port_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    return p->ops->set_baud(p, baud, err);
}
static inline int port_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    return p->ops->set_lines(p, dtr, rts, err);
}
static inline int port_flush_input(struct port *p, eb_err *err)
{
    return p->ops->flush_input(p, err);
}
void port_close(struct port *p);

/* port_read waiting until the deadline `by` at most for the first byte. */
static inline int port_read_by(struct port *p, uint8_t *buf, size_t n, struct eb_deadline by, eb_err *err)
{
    return p->ops->read(p, buf, n, eb_deadline_left(by), err);
}

/* Read exactly n bytes by the deadline; 0, or -1 with an error that says
 * how many bytes arrived. */
int port_read_exact(struct port *p, uint8_t *buf, size_t n, struct eb_deadline by, eb_err *err);

/* socket:// and rfc2217:// give up connecting (name lookup included) after
 * this long, or $ESPBURN_CONNECT_TIMEOUT seconds. */
#define PORT_CONNECT_TIMEOUT_MS  5000
#define PORT_CONNECT_TIMEOUT_ENV "ESPBURN_CONNECT_TIMEOUT"
#define PORT_CONNECT_TIMEOUT_MAX 3600 /* seconds */
/* The connect limit in *ms; -1 with a usage error when the variable is not
 * a number of seconds above 0 (at most PORT_CONNECT_TIMEOUT_MAX). */
int port_connect_limit(int *ms, eb_err *err);

/* Transports (each in its own file); `limit_ms` bounds the connection. */
int port_serial_open(const char *path, uint32_t baud, struct port **out, eb_err *err);
int port_rfc2217_open(const char *host, const char *service, uint32_t baud, int limit_ms, struct port **out,
                      eb_err *err);
int port_tcp_open(const char *host, const char *service, int limit_ms, struct port **out, eb_err *err);
/* Connect a TCP socket within limit_ms, name lookup included; returns the
 * fd or -1 (shared by socket:// and rfc2217://). */
int port_tcp_connect(const char *host, const char *service, int limit_ms, eb_err *err);

/* Split "HOST:PORT" (IPv6 as "[::1]:PORT") into host and service; the port
 * must be a number from 1 to 65535 (a usage error otherwise). */
int port_split_hostport(const char *s, char *host, size_t hn, char *service, size_t sn, eb_err *err);

#endif
