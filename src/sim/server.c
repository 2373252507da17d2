/* server.c - transports of the virtual board and its event loop: bytes
 * from the client go to the engine with the time they reach the UART;
 * bytes from the engine go out when they are due, at the wire rate in
 * realtime mode. */
#include "sim/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim/micropython.h"
#include "sim/rfc2217.h"

uint64_t sim_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int listen_loopback(int port, int *out_port, eb_err *err)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot create a socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        int e = errno;
        close(fd);
        return eb_fail(err, EB_IO, "cannot listen on 127.0.0.1:%d: %s; pick another port or 0 for any", port,
                       strerror(e));
    }
    *out_port = ntohs(a.sin_port);
    return fd;
}

static int open_pty(struct sim_server *srv, const char *link, eb_err *err)
{
    if (openpty(&srv->pty_master, &srv->pty_slave, NULL, NULL, NULL) != 0)
        return eb_fail(err, EB_IO, "cannot open a pseudo-terminal: %s", strerror(errno));
    struct termios tio;
    if (tcgetattr(srv->pty_slave, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(srv->pty_slave, TCSANOW, &tio);
    }
    fcntl(srv->pty_master, F_SETFD, FD_CLOEXEC);
    fcntl(srv->pty_slave, F_SETFD, FD_CLOEXEC);
    const char *dev = ttyname(srv->pty_slave);
    if (!dev)
        return eb_fail(err, EB_IO, "cannot name the pseudo-terminal: %s", strerror(errno));
    unlink(link);
    if (symlink(dev, link) != 0)
        return eb_fail(err, EB_IO, "cannot create the link %s -> %s: %s", link, dev, strerror(errno));
    snprintf(srv->pty_link, sizeof srv->pty_link, "%s", link);
    snprintf(srv->url, sizeof srv->url, "%s", link);
    return 0;
}

int sim_server_open(struct sim_server *srv, enum sim_transport t, const char *where, eb_err *err)
{
    memset(srv, 0, sizeof *srv);
    srv->transport = t;
    srv->listen_fd = srv->pty_master = srv->pty_slave = -1;
    if (t == SIM_PTY)
        return open_pty(srv, where, err);
    char *end;
    long port = strtol(where, &end, 10);
    if (*where == '\0' || *end || port < 0 || port > 65535)
        return eb_fail(err, EB_USAGE, "'%s' is not a TCP port number (0 picks a free one)", where);
    int real = 0;
    srv->listen_fd = listen_loopback((int)port, &real, err);
    if (srv->listen_fd < 0)
        return -1;
    snprintf(srv->url, sizeof srv->url, "%s://127.0.0.1:%d", t == SIM_TCP ? "socket" : "rfc2217", real);
    return 0;
}

void sim_server_close(struct sim_server *srv)
{
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->pty_master >= 0)
        close(srv->pty_master);
    if (srv->pty_slave >= 0)
        close(srv->pty_slave);
    if (srv->pty_link[0])
        unlink(srv->pty_link);
    srv->listen_fd = srv->pty_master = srv->pty_slave = -1;
}

/* ---- one client's session -------------------------------------------- */

struct session {
    struct sim *s;
    int fd; /* client socket or pty master, non-blocking */
    bool telnet, is_pty;
    volatile sig_atomic_t *stop;
    struct sim_mpy_link *app; /* the app stage's MicroPython (NULL: none) */
    struct rfc2217 rfc;
    uint64_t now;        /* time of the current read */
    uint64_t rx_wire;    /* realtime: when the UART has taken the last byte */
    uint64_t tx_wire_ns; /* realtime: when the wire is free for the next byte */
    uint64_t latency_us; /* realtime over a USB bridge (RFC 2217, pty): the board's row */
};

/* The board's clock as the host sees it through the bridge: `latency_us` behind. */
static uint64_t board_seen_at(const struct session *ss, uint64_t now)
{
    return now > ss->latency_us ? now - ss->latency_us : 0;
}

/* Wire time of n bytes (10 bits each) at the host's rate, microseconds. */
static uint64_t host_wire_us(const struct session *ss, size_t n)
{
    uint32_t baud = ss->s->host_baud ? ss->s->host_baud : ss->s->baud;
    return ss->s->timing && baud ? (uint64_t)n * 10000000u / baud : 0;
}

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    struct session *ss = ctx;
    uint64_t t = ss->now > ss->rx_wire ? ss->now : ss->rx_wire;
    t += host_wire_us(ss, 1);
    sim_rx(ss->s, p, n, t);
    ss->rx_wire = t + host_wire_us(ss, n ? n - 1 : 0);
}

static void on_baud(void *ctx, uint32_t baud)
{
    struct session *ss = ctx;
    sim_set_host_baud(ss->s, baud);
}

static void on_lines(void *ctx, bool dtr, bool rts)
{
    struct session *ss = ctx;
    sim_set_lines(ss->s, dtr, rts, ss->now);
}

static const struct rfc2217_events session_events = { on_data, on_baud, on_lines };

/* Write everything to a non-blocking fd. A pty nobody reads drops what does
 * not fit, as a serial port with a full receive buffer does; a socket waits
 * for its reader unless we are asked to stop. */
static int write_all(struct session *ss, const uint8_t *p, size_t n)
{
    while (n > 0 && !*ss->stop) {
        ssize_t w = write(ss->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = { .fd = ss->fd, .events = POLLOUT };
            if (poll(&pfd, 1, 100) == 0 && ss->is_pty)
                return 0;
            continue;
        }
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Send what is due; in realtime no faster than the wire. */
static int pump_tx(struct session *ss, uint64_t now)
{
    if (ss->telnet && ss->rfc.reply.len) {
        if (write_all(ss, ss->rfc.reply.data, ss->rfc.reply.len))
            return -1;
        ss->rfc.reply.len = 0;
    }
    const uint8_t *p;
    now = board_seen_at(ss, now); /* what left the UART that long ago reaches the host now */
    size_t n = sim_tx_ready(ss->s, now, &p);
    if (n == 0)
        return 0;
    uint32_t baud = ss->s->timing ? ss->s->baud : 0;
    if (baud) { /* the wire clock counts in nanoseconds: 10 bits a byte */
        uint64_t start_ns = sim_tx_next_at(ss->s) * 1000u, now_ns = now * 1000u;
        if (ss->tx_wire_ns < start_ns)
            ss->tx_wire_ns = start_ns;
        if (ss->tx_wire_ns >= now_ns)
            return 0;
        size_t fit = (size_t)((now_ns - ss->tx_wire_ns) * baud / 10000000000ull);
        if (fit == 0)
            return 0;
        if (fit < n)
            n = fit;
        ss->tx_wire_ns += (uint64_t)n * 10000000000ull / baud;
    }
    int rc = 0;
    if (ss->telnet) {
        bytes esc = { 0 };
        rc = rfc2217_escape(&esc, p, n) || write_all(ss, esc.data, esc.len);
        bytes_free(&esc);
    } else {
        rc = write_all(ss, p, n);
    }
    sim_tx_consume(ss->s, n);
    return rc ? -1 : 0;
}

static int next_timeout_ms(const struct session *ss, uint64_t now)
{
    uint64_t t = sim_next_event(ss->s);
    uint64_t tx = sim_tx_next_at(ss->s);
    if (tx != UINT64_MAX && sim_byte_time_us(ss->s)) {
        uint64_t wire = ss->tx_wire_ns / 1000u + sim_byte_time_us(ss->s);
        if (wire > tx)
            tx = wire;
    }
    if (tx != UINT64_MAX)
        tx += ss->latency_us;
    if (tx < t)
        t = tx;
    if (t == UINT64_MAX)
        return 500;
    if (t <= now)
        return 0;
    uint64_t ms = (t - now + 999) / 1000;
    return ms > 500 ? 500 : (int)ms;
}

/* Let time pass on the board, with the app stage's MicroPython following
 * its resets and boots (`listening`: a client is connected; see
 * sim_mpy_link_pump for what happens to the app's output without one). */
static void board_step(struct sim *s, struct sim_mpy_link *app, bool listening, uint64_t now)
{
    sim_poll(s, now);
    if (!app)
        return;
    sim_mpy_link_sync(app, s, now);
    sim_mpy_link_pump(app, s, listening, now);
}

#define LINK_STOPPING_POLL_MS 5

/* Poll fd and the app's MicroPython output; true when fd is readable. */
static bool wait_readable(int fd, struct sim_mpy_link *app, int timeout_ms, int *rc)
{
    if (app && app->stopping && timeout_ms > LINK_STOPPING_POLL_MS)
        timeout_ms = LINK_STOPPING_POLL_MS; /* the next child starts once it is gone */
    struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
                             { .fd = app ? sim_mpy_link_fd(app) : -1, .events = POLLIN } };
    *rc = poll(pfd, pfd[1].fd >= 0 ? 2 : 1, timeout_ms);
    return *rc > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR));
}

/* Serve one client until it leaves, the board drops the link, or *stop. */
static int serve(struct session *ss)
{
    uint8_t buf[65536];
    fcntl(ss->fd, F_SETFL, fcntl(ss->fd, F_GETFL) | O_NONBLOCK);
    while (!*ss->stop) {
        uint64_t now = sim_now_us();
        board_step(ss->s, ss->app, true, now);
        if (pump_tx(ss, now))
            return 0;
        if (ss->s->want_disconnect) {
            ss->s->want_disconnect = false;
            return 0;
        }
        int r;
        bool readable = wait_readable(ss->fd, ss->app, next_timeout_ms(ss, sim_now_us()), &r);
        if (r < 0 && errno != EINTR)
            return -1;
        if (!readable)
            continue;
        ssize_t got = read(ss->fd, buf, sizeof buf);
        if (got < 0 && (errno == EINTR || errno == EAGAIN || (ss->is_pty && errno == EIO)))
            continue;
        if (got <= 0)
            return 0;
        ss->now = sim_now_us();
        if (ss->telnet)
            rfc2217_feed(&ss->rfc, buf, (size_t)got, &session_events, ss);
        else
            on_data(ss, buf, (size_t)got);
    }
    return 0;
}

static int wait_client(struct sim_server *srv, struct sim *s, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        board_step(s, srv->app_link, false, sim_now_us());
        int r;
        bool readable = wait_readable(srv->listen_fd, srv->app_link, 200, &r);
        if (r < 0 && errno != EINTR)
            return -1;
        if (readable) {
            int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                return fd;
            }
        }
    }
    return -1;
}

/* RFC 2217 and pty stand for a serial port behind the board's USB bridge; raw TCP for a wire. */
static uint64_t bridge_latency(const struct sim *s)
{
    return s->timing ? s->board->bridge_latency_us : 0;
}

int sim_server_run(struct sim_server *srv, struct sim *s, volatile sig_atomic_t *stop, eb_err *err)
{
    if (srv->transport == SIM_PTY) {
        struct session ss = {
            .s = s,
            .fd = srv->pty_master,
            .is_pty = true,
            .stop = stop,
            .app = srv->app_link,
            .latency_us = bridge_latency(s),
        };
        sim_power_on(s, sim_now_us());
        if (serve(&ss))
            return eb_fail(err, EB_IO, "the pseudo-terminal failed: %s", strerror(errno));
        return 0;
    }
    while (!*stop) {
        int fd = wait_client(srv, s, stop);
        if (fd < 0)
            break;
        struct session ss = {
            .s = s, .fd = fd, .telnet = srv->transport == SIM_RFC2217, .stop = stop, .app = srv->app_link
        };
        rfc2217_init(&ss.rfc);
        if (ss.telnet) {
            ss.latency_us = bridge_latency(s);
            sim_set_host_baud(s, ss.rfc.baud);
            /* A freshly opened port: lines released (pyserial asserts them next). */
            sim_set_lines(s, false, false, sim_now_us());
        }
        sim_power_on(s, sim_now_us()); /* plugging in the cable powers the board */
        serve(&ss);
        rfc2217_free(&ss.rfc);
        close(fd);
        sim_set_host_baud(s, 0);
    }
    return 0;
}
