/* port_rfc2217.c - a serial port over the network with RFC 2217: telnet
 * with the COM-PORT-OPTION, so baud rate, DTR and RTS reach the far end.
 * Data bytes 0xFF are doubled; telnet commands are filtered out of the
 * received stream and answered. One line change per message, so the
 * "tight" reset is impossible here (lines_together = false). */
#include "common/clock.h"
#include "port/port.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port/telnet.h"

struct rfc_port;
/* Where filter_telnet puts the data it keeps. */
struct rfc_filter {
    struct rfc_port *r;
    uint8_t *out;
    size_t kept;
};

struct rfc_port {
    struct port base;
    int fd;
    struct port_telnet_rx rx;
    struct port_telnet_answers answered;
    bytes tx; /* what goes out next: escaped data or a command */
};

static int send_all(struct rfc_port *r, const uint8_t *p, size_t n, eb_err *err)
{
    while (n > 0) {
        ssize_t w = send(r->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return eb_fail(err, EB_IO, "%s: %s", r->base.name, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Send what was built in r->tx. */
static int send_tx(struct rfc_port *r, int built, eb_err *err)
{
    int rc = built ? eb_fail(err, EB_IO, "out of memory") : send_all(r, r->tx.data, r->tx.len, err);
    r->tx.len = 0;
    return rc;
}

/* IAC SB COM-PORT-OPTION cmd value... IAC SE. */
static int send_cpo(struct rfc_port *r, uint8_t cmd, const uint8_t *v, size_t n, eb_err *err)
{
    return send_tx(r, port_rfc2217_command(&r->tx, cmd, v, n), err);
}

static bool ours(uint8_t opt)
{
    return opt == TELNET_BINARY || opt == TELNET_SGA || opt == TELNET_COM_PORT;
}

/* The server's DO and WILL are answered once each; WONT/DONT need none. */
static void on_option(void *ctx, uint8_t verb, uint8_t opt)
{
    struct rfc_port *r = ((struct rfc_filter *)ctx)->r;
    eb_err ignore;
    if ((verb != TELNET_DO && verb != TELNET_WILL) || !port_telnet_first(&r->answered, verb, opt))
        return;
    if (verb == TELNET_DO)
        send_tx(r, port_telnet_option(&r->tx, ours(opt) ? TELNET_WILL : TELNET_WONT, opt), &ignore);
    else
        send_tx(r,
                port_telnet_option(&r->tx, (ours(opt) || opt == TELNET_ECHO) ? TELNET_DO : TELNET_DONT, opt),
                &ignore);
}

/* Data runs are moved down over the telnet bytes they followed, in place. */
static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    struct rfc_filter *f = ctx;
    memmove(f->out + f->kept, p, n);
    f->kept += n;
}

/* Strip telnet from buf[0..n) in place (the server's notifications are
 * ignored); returns the data bytes kept. */
static size_t filter_telnet(struct rfc_port *r, uint8_t *buf, size_t n)
{
    static const struct port_telnet_events parsed = { on_data, on_option, NULL };
    struct rfc_filter f = { r, buf, 0 };
    port_telnet_feed(&r->rx, buf, n, &parsed, &f);
    return f.kept;
}

static int rfc_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct rfc_port *r = (struct rfc_port *)p;
    struct eb_deadline by = eb_deadline_in(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, eb_deadline_left(by));
        if (pr < 0 && errno != EINTR)
            return eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
        if (pr <= 0)
            return 0;
        ssize_t got = recv(r->fd, buf, n, 0);
        if (got == 0)
            return eb_fail(err, EB_IO, "%s: the connection was closed by the other side", p->name);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
        }
        size_t k = filter_telnet(r, buf, (size_t)got);
        if (k > 0 || eb_deadline_passed(by))
            return (int)k;
    }
}

static int rfc_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    struct rfc_port *r = (struct rfc_port *)p;
    return send_tx(r, port_telnet_escape(&r->tx, buf, n), err);
}

static int rfc_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    uint8_t v[4];
    port_rfc2217_put_baud(v, baud);
    if (send_cpo((struct rfc_port *)p, RFC2217_SET_BAUDRATE, v, 4, err))
        return -1;
    p->baud = baud;
    return 0;
}

static int rfc_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    struct rfc_port *r = (struct rfc_port *)p;
    uint8_t v;
    if (dtr >= 0) {
        v = dtr ? RFC2217_DTR_ON : RFC2217_DTR_OFF;
        if (send_cpo(r, RFC2217_SET_CONTROL, &v, 1, err))
            return -1;
    }
    if (rts >= 0) {
        v = rts ? RFC2217_RTS_ON : RFC2217_RTS_OFF;
        if (send_cpo(r, RFC2217_SET_CONTROL, &v, 1, err))
            return -1;
    }
    return 0;
}

static int rfc_flush_input(struct port *p, eb_err *err)
{
    uint8_t v = RFC2217_PURGE_RX, junk[512];
    if (send_cpo((struct rfc_port *)p, RFC2217_PURGE_DATA, &v, 1, err))
        return -1;
    int r;
    while ((r = rfc_read(p, junk, sizeof junk, 0, err)) > 0)
        ;
    return r < 0 ? -1 : 0;
}

static void rfc_close(struct port *p)
{
    struct rfc_port *r = (struct rfc_port *)p;
    close(r->fd);
    bytes_free(&r->tx);
    free(r);
}

static const struct port_ops rfc_ops = {
    .read = rfc_read,
    .write = rfc_write,
    .set_baud = rfc_set_baud,
    .set_lines = rfc_set_lines,
    .flush_input = rfc_flush_input,
    .close = rfc_close,
};

/* We offer binary and suppress-go-ahead both ways and the COM-PORT-OPTION;
 * the server's DO/WILL of those answer us and need no answer. Then 8N1,
 * no flow control, at `baud`. */
static int negotiate(struct rfc_port *r, uint32_t baud, eb_err *err)
{
    static const uint8_t offer[][2] = { { TELNET_WILL, TELNET_BINARY },
                                        { TELNET_DO, TELNET_BINARY },
                                        { TELNET_WILL, TELNET_SGA },
                                        { TELNET_DO, TELNET_SGA },
                                        { TELNET_WILL, TELNET_COM_PORT } };
    int built = 0;
    for (size_t i = 0; i < sizeof offer / sizeof offer[0]; i++) {
        uint8_t answer = offer[i][0] == TELNET_WILL ? TELNET_DO : TELNET_WILL;
        port_telnet_first(&r->answered, answer, offer[i][1]);
        built |= port_telnet_option(&r->tx, offer[i][0], offer[i][1]);
    }
    uint8_t eight = 8, none = RFC2217_PARITY_NONE, one = RFC2217_STOPSIZE_1, noflow = RFC2217_FLOW_NONE;
    return send_tx(r, built, err) || rfc_set_baud(&r->base, baud, err) ||
                   send_cpo(r, RFC2217_SET_DATASIZE, &eight, 1, err) ||
                   send_cpo(r, RFC2217_SET_PARITY, &none, 1, err) ||
                   send_cpo(r, RFC2217_SET_STOPSIZE, &one, 1, err) ||
                   send_cpo(r, RFC2217_SET_CONTROL, &noflow, 1, err)
               ? -1
               : 0;
}

int port_rfc2217_open(const char *host, const char *service, uint32_t baud, int limit_ms, struct port **out,
                      eb_err *err)
{
    int fd = port_tcp_connect(host, service, limit_ms, err);
    if (fd < 0)
        return -1;
    struct rfc_port *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        return eb_fail(err, EB_IO, "out of memory");
    }
    r->base.ops = &rfc_ops;
    r->base.has_lines = true;
    r->base.has_rate = true;
    r->fd = fd;
    snprintf(r->base.name, sizeof r->base.name, "rfc2217://%s:%s", host, service);
    if (negotiate(r, baud, err)) {
        rfc_close(&r->base);
        return -1;
    }
    *out = &r->base;
    return 0;
}
