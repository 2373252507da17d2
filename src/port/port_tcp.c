/* port_tcp.c - a raw TCP byte stream ("socket://HOST:PORT"), as pyserial's
 * socket:// and the virtual board's --tcp use. No modem lines, no baud. */
#include "port/port.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tcp_port {
    struct port base;
    int fd;
};

static int tcp_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct tcp_port *t = (struct tcp_port *)p;
    struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
    int r = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
    if (r < 0 && errno != EINTR)
        return eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
    if (r <= 0)
        return 0;
    ssize_t got = recv(t->fd, buf, n, 0);
    if (got == 0)
        return eb_fail(err, EB_IO, "%s: the connection was closed by the other side", p->name);
    if (got < 0)
        return (errno == EINTR || errno == EAGAIN) ? 0
                                                   : eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
    return (int)got;
}

static int tcp_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    struct tcp_port *t = (struct tcp_port *)p;
    while (n > 0) {
        ssize_t w = send(t->fd, buf, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

static int tcp_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    (void)err;
    p->baud = baud; /* a raw socket has no line rate of its own */
    return 0;
}

static int tcp_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    (void)p, (void)dtr, (void)rts, (void)err;
    return 0;
}

static int tcp_flush_input(struct port *p, eb_err *err)
{
    uint8_t junk[512];
    int r;
    while ((r = tcp_read(p, junk, sizeof junk, 0, err)) > 0)
        ;
    return r < 0 ? -1 : 0;
}

static void tcp_close(struct port *p)
{
    struct tcp_port *t = (struct tcp_port *)p;
    close(t->fd);
    free(t);
}

static const struct port_ops tcp_ops = {
    .read = tcp_read,
    .write = tcp_write,
    .set_baud = tcp_set_baud,
    .set_lines = tcp_set_lines,
    .flush_input = tcp_flush_input,
    .close = tcp_close,
};

/* Connect to host:service; shared with the RFC 2217 transport. */
int port_tcp_connect(const char *host, const char *service, eb_err *err)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc)
        return eb_fail(err, EB_IO, "cannot resolve %s:%s: %s", host, service, gai_strerror(rc));
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot connect to %s:%s: %s (is the board or `espburn sim` running?)",
                       host, service, strerror(e));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int port_tcp_open(const char *host, const char *service, struct port **out, eb_err *err)
{
    int fd = port_tcp_connect(host, service, err);
    if (fd < 0)
        return -1;
    struct tcp_port *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        return eb_fail(err, EB_IO, "out of memory");
    }
    t->base.ops = &tcp_ops;
    t->fd = fd;
    *out = &t->base;
    return 0;
}
