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

enum {
    IAC = 255,
    DONT = 254,
    DO = 253,
    WONT = 252,
    WILL = 251,
    SB = 250,
    SE = 240
};
enum {
    OPT_BINARY = 0,
    OPT_ECHO = 1,
    OPT_SGA = 3,
    OPT_COM_PORT = 44
};
enum {
    CPO_SET_BAUDRATE = 1,
    CPO_SET_DATASIZE = 2,
    CPO_SET_PARITY = 3,
    CPO_SET_STOPSIZE = 4,
    CPO_SET_CONTROL = 5,
    CPO_PURGE_DATA = 12
};
enum {
    CTL_NO_FLOW = 1,
    CTL_DTR_ON = 8,
    CTL_DTR_OFF = 9,
    CTL_RTS_ON = 11,
    CTL_RTS_OFF = 12
};

enum rx_state {
    RX_DATA,
    RX_IAC,
    RX_OPT,
    RX_SB,
    RX_SB_IAC
};

struct rfc_port {
    struct port base;
    int fd;
    enum rx_state st;
    uint8_t verb;          /* WILL/WONT/DO/DONT awaiting its option */
    bool answered[2][256]; /* [0] our reply to DO, [1] to WILL: answer once */
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

static int send_option(struct rfc_port *r, uint8_t verb, uint8_t opt, eb_err *err)
{
    uint8_t m[3] = { IAC, verb, opt };
    return send_all(r, m, sizeof m, err);
}

/* IAC SB COM-PORT-OPTION cmd value... IAC SE (value bytes 0xFF doubled). */
static int send_cpo(struct rfc_port *r, uint8_t cmd, const uint8_t *v, size_t n, eb_err *err)
{
    uint8_t m[32];
    size_t k = 0;
    m[k++] = IAC, m[k++] = SB, m[k++] = OPT_COM_PORT, m[k++] = cmd;
    for (size_t i = 0; i < n; i++) {
        m[k++] = v[i];
        if (v[i] == IAC)
            m[k++] = IAC;
    }
    m[k++] = IAC, m[k++] = SE;
    return send_all(r, m, k, err);
}

static void answer_option(struct rfc_port *r, uint8_t verb, uint8_t opt)
{
    eb_err ignore;
    bool ours = opt == OPT_BINARY || opt == OPT_SGA || opt == OPT_COM_PORT;
    if (verb == DO && !r->answered[0][opt]) {
        r->answered[0][opt] = true;
        send_option(r, ours ? WILL : WONT, opt, &ignore);
    } else if (verb == WILL && !r->answered[1][opt]) {
        r->answered[1][opt] = true;
        send_option(r, (ours || opt == OPT_ECHO) ? DO : DONT, opt, &ignore);
    }
}

/* Strip telnet from buf[0..n) in place; returns the data bytes kept. */
static size_t filter_telnet(struct rfc_port *r, uint8_t *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[i];
        switch (r->st) {
        case RX_DATA:
            if (c == IAC)
                r->st = RX_IAC;
            else
                buf[k++] = c;
            break;
        case RX_IAC:
            if (c == IAC) {
                buf[k++] = IAC;
                r->st = RX_DATA;
            } else if (c >= WILL && c <= DONT) {
                r->verb = c;
                r->st = RX_OPT;
            } else {
                r->st = c == SB ? RX_SB : RX_DATA;
            }
            break;
        case RX_OPT:
            answer_option(r, r->verb, c);
            r->st = RX_DATA;
            break;
        case RX_SB:
            if (c == IAC)
                r->st = RX_SB_IAC;
            break;
        case RX_SB_IAC:
            r->st = c == SE ? RX_DATA : RX_SB; /* server notifications are ignored */
            break;
        }
    }
    return k;
}

static int rfc_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct rfc_port *r = (struct rfc_port *)p;
    int64_t deadline = eb_now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        int left = (int)(deadline - eb_now_ms());
        struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, left < 0 ? 0 : left);
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
        if (k > 0 || eb_now_ms() >= deadline)
            return (int)k;
    }
}

static int rfc_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    struct rfc_port *r = (struct rfc_port *)p;
    uint8_t chunk[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        chunk[k++] = buf[i];
        if (buf[i] == IAC)
            chunk[k++] = IAC;
        if (k >= sizeof chunk - 1) {
            if (send_all(r, chunk, k, err))
                return -1;
            k = 0;
        }
    }
    return k ? send_all(r, chunk, k, err) : 0;
}

static int rfc_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    uint8_t v[4] = { (uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8), (uint8_t)baud };
    if (send_cpo((struct rfc_port *)p, CPO_SET_BAUDRATE, v, 4, err))
        return -1;
    p->baud = baud;
    return 0;
}

static int rfc_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    struct rfc_port *r = (struct rfc_port *)p;
    uint8_t v;
    if (dtr >= 0) {
        v = dtr ? CTL_DTR_ON : CTL_DTR_OFF;
        if (send_cpo(r, CPO_SET_CONTROL, &v, 1, err))
            return -1;
    }
    if (rts >= 0) {
        v = rts ? CTL_RTS_ON : CTL_RTS_OFF;
        if (send_cpo(r, CPO_SET_CONTROL, &v, 1, err))
            return -1;
    }
    return 0;
}

static int rfc_flush_input(struct port *p, eb_err *err)
{
    uint8_t v = 1, junk[512];
    if (send_cpo((struct rfc_port *)p, CPO_PURGE_DATA, &v, 1, err))
        return -1;
    int r;
    while ((r = rfc_read(p, junk, sizeof junk, 0, err)) > 0)
        ;
    return r < 0 ? -1 : 0;
}

static void rfc_close(struct port *p)
{
    close(((struct rfc_port *)p)->fd);
    free(p);
}

static const struct port_ops rfc_ops = {
    .read = rfc_read,
    .write = rfc_write,
    .set_baud = rfc_set_baud,
    .set_lines = rfc_set_lines,
    .flush_input = rfc_flush_input,
    .close = rfc_close,
};

static int negotiate(struct rfc_port *r, uint32_t baud, eb_err *err)
{
    static const uint8_t hello[] = { IAC,     WILL, OPT_BINARY, IAC,     DO,  OPT_BINARY, IAC,         WILL,
                                     OPT_SGA, IAC,  DO,         OPT_SGA, IAC, WILL,       OPT_COM_PORT };
    uint8_t eight = 8, none = 1, one = 1, noflow = CTL_NO_FLOW;
    r->answered[0][OPT_BINARY] = r->answered[0][OPT_SGA] = r->answered[0][OPT_COM_PORT] = true;
    r->answered[1][OPT_BINARY] = r->answered[1][OPT_SGA] = true;
    return send_all(r, hello, sizeof hello, err) || rfc_set_baud(&r->base, baud, err) ||
                   send_cpo(r, CPO_SET_DATASIZE, &eight, 1, err) ||
                   send_cpo(r, CPO_SET_PARITY, &none, 1, err) ||
                   send_cpo(r, CPO_SET_STOPSIZE, &one, 1, err) ||
                   send_cpo(r, CPO_SET_CONTROL, &noflow, 1, err)
               ? -1
               : 0;
}

int port_rfc2217_open(const char *host, const char *service, uint32_t baud, struct port **out, eb_err *err)
{
    int fd = port_tcp_connect(host, service, err);
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
