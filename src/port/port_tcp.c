/* port_tcp.c - a raw TCP byte stream ("socket://HOST:PORT"), as pyserial's
 * socket:// and the virtual board's --tcp use (no modem lines, no baud),
 * and connecting within a time limit, name lookup included (shared with
 * rfc2217://). */
#include "port/port.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
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

/* ---- name lookup, bounded ---------------------------------------------------
 * getaddrinfo() cannot be given a time limit, so a name (not a numeric
 * address) is looked up in a thread of its own that is abandoned when the
 * deadline passes; whichever of the two finishes last frees the request. */

struct lookup {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool done;
    int rc;
    struct addrinfo *res;
    char host[256], service[16];
};

static void lookup_unref(struct lookup *q)
{
    pthread_mutex_lock(&q->mu);
    int left = --q->refs;
    pthread_mutex_unlock(&q->mu);
    if (left)
        return;
    if (q->res)
        freeaddrinfo(q->res);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static void *lookup_run(void *arg)
{
    struct lookup *q = arg;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(q->host, q->service, &hints, &res);
    pthread_mutex_lock(&q->mu);
    q->rc = rc;
    q->res = rc == 0 ? res : NULL;
    q->done = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    lookup_unref(q);
    return NULL;
}

static struct lookup *lookup_start(const char *host, const char *service)
{
    struct lookup *q = calloc(1, sizeof *q);
    pthread_condattr_t ca;
    if (!q)
        return NULL;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the clock of eb_deadline */
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&q->mu, NULL);
    q->refs = 2;
    snprintf(q->host, sizeof q->host, "%s", host);
    snprintf(q->service, sizeof q->service, "%s", service);
    pthread_t t;
    if (pthread_create(&t, NULL, lookup_run, q) != 0) {
        q->refs = 1;
        lookup_unref(q);
        return NULL;
    }
    pthread_detach(t);
    return q;
}

/* Wait for the lookup until `by`: 1 done (*rc, *res taken), 0 time is up. */
static int lookup_wait(struct lookup *q, struct eb_deadline by, int *rc, struct addrinfo **res)
{
    struct timespec at = { .tv_sec = by.at_ms / 1000, .tv_nsec = (long)(by.at_ms % 1000) * 1000000L };
    pthread_mutex_lock(&q->mu);
    while (!q->done && pthread_cond_timedwait(&q->cv, &q->mu, &at) != ETIMEDOUT)
        ;
    int done = q->done;
    if (done) {
        *rc = q->rc;
        *res = q->res;
        q->res = NULL;
    }
    pthread_mutex_unlock(&q->mu);
    lookup_unref(q);
    return done;
}

/* The addresses of host:service, found by `by` (a numeric address at once). */
static int resolve(const char *host, const char *service, struct eb_deadline by, int limit_ms,
                   struct addrinfo **res, eb_err *err)
{
    struct addrinfo numeric = { .ai_family = AF_UNSPEC,
                                .ai_socktype = SOCK_STREAM,
                                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
    if (getaddrinfo(host, service, &numeric, res) == 0)
        return 0;
    struct lookup *q = lookup_start(host, service);
    if (!q)
        return eb_fail(err, EB_IO, "cannot look up %s: out of memory or threads", host);
    int rc = 0;
    if (!lookup_wait(q, by, &rc, res))
        return eb_fail(err, EB_IO,
                       "cannot look up %s: no answer from the name server within %.1f s; give the "
                       "board's IP address, or set %s to wait longer",
                       host, limit_ms / 1000.0, PORT_CONNECT_TIMEOUT_ENV);
    if (rc)
        return eb_fail(err, EB_IO, "cannot resolve %s:%s: %s", host, service, gai_strerror(rc));
    return 0;
}

/* ---- connecting, bounded ----------------------------------------------------- */

/* Connect to one address by `by`: the fd (blocking again), or -1 with errno
 * (ETIMEDOUT when time ran out). */
static int connect_one(const struct addrinfo *ai, struct eb_deadline by)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int e = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (e == EINPROGRESS) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int r;
        while ((r = poll(&pfd, 1, eb_deadline_left(by))) < 0 && errno == EINTR)
            ;
        socklen_t n = sizeof e;
        if (r == 0)
            e = ETIMEDOUT;
        else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) != 0)
            e = errno;
    }
    if (e == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        e = errno;
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int port_tcp_connect(const char *host, const char *service, int limit_ms, eb_err *err)
{
    struct eb_deadline by = eb_deadline_in(limit_ms);
    struct addrinfo *res;
    if (resolve(host, service, by, limit_ms, &res, err))
        return -1;
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai && fd < 0 && !eb_deadline_passed(by); ai = ai->ai_next)
        if ((fd = connect_one(ai, by)) < 0)
            e = errno;
    freeaddrinfo(res);
    if (fd < 0 && (e == ETIMEDOUT || e == 0))
        return eb_fail(err, EB_IO,
                       "cannot connect to %s:%s: no answer within %.1f s; check the address and that the "
                       "board's server (or `espburn sim`) is running, or set %s to wait longer",
                       host, service, limit_ms / 1000.0, PORT_CONNECT_TIMEOUT_ENV);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot connect to %s:%s: %s (is the board or `espburn sim` running?)",
                       host, service, strerror(e));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int port_tcp_open(const char *host, const char *service, int limit_ms, struct port **out, eb_err *err)
{
    int fd = port_tcp_connect(host, service, limit_ms, err);
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
