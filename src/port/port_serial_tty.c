/* port_serial_tty.c - ttys libserialport does not list (ptys: the virtual
 * board's --pty, socat links), through POSIX termios. Reads and writes go
 * through the descriptor with poll; DTR and RTS through TIOCMGET/TIOCMSET,
 * and a tty without them (a pty) is noted, not fatal. POSIX-only: elsewhere
 * such a name is refused (no pty exists there). */
#include "port/port_serial.h"

#include <stdio.h>

#ifdef _WIN32
int port_tty_open(const char *path, uint32_t baud, struct port **out, eb_err *err)
{
    (void)baud;
    (void)out;
    return eb_fail(err, EB_USAGE, "%s is not a serial port this system lists; 'espburn ports' shows them",
                   path);
}
#else

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

struct tty_port {
    struct port base;
    int fd;
};

static speed_t speed_code(uint32_t baud)
{
    static const struct {
        uint32_t rate;
        speed_t code;
    } rates[] = {
        { 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
        { 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
#ifdef B460800
        { 460800, B460800 },   { 921600, B921600 },   { 1500000, B1500000 },
        { 2000000, B2000000 }, { 3000000, B3000000 },
#endif
    };
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (rates[i].rate == baud)
            return rates[i].code;
    return B0;
}

static int termios_setup(int fd, uint32_t baud)
{
    struct termios t;
    if (tcgetattr(fd, &t))
        return -1;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(unsigned)CRTSCTS;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    speed_t s = speed_code(baud);
    if (s != B0)
        cfsetspeed(&t, s);
    return tcsetattr(fd, TCSANOW, &t);
}

static int tty_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct tty_port *s = (struct tty_port *)p;
    struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
    int r = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
    if (r < 0 && errno != EINTR)
        return eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
    if (r <= 0)
        return 0;
    if (pfd.revents & (POLLERR | POLLNVAL))
        return eb_fail(err, EB_IO, "%s: the port went away (unplugged?)", p->name);
    ssize_t got = read(s->fd, buf, n);
    if (got < 0)
        return (errno == EINTR || errno == EAGAIN) ? 0
                                                   : eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
    if (got == 0 && (pfd.revents & POLLHUP))
        return eb_fail(err, EB_IO, "%s: the other side closed the port", p->name);
    return (int)got;
}

static int tty_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    struct tty_port *s = (struct tty_port *)p;
    while (n > 0) {
        ssize_t w = write(s->fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
                if (poll(&pfd, 1, PORT_SERIAL_WRITE_TIMEOUT_MS) <= 0)
                    return eb_fail(err, EB_IO, "%s: writing timed out; is the board still connected?",
                                   p->name);
                continue;
            }
            return eb_fail(err, EB_IO, "%s: %s", p->name, strerror(errno));
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

static int tty_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    (void)err;
    struct tty_port *s = (struct tty_port *)p;
    struct termios t;
    speed_t code = speed_code(baud);
    if (code != B0 && tcgetattr(s->fd, &t) == 0) {
        cfsetspeed(&t, code);
        tcsetattr(s->fd, TCSANOW, &t); /* a pty has no rate: ignore */
    }
    p->baud = baud;
    return 0;
}

static int tty_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    if (!p->has_lines)
        return 0;
    if (port_serial_lines_together(((struct tty_port *)p)->fd, dtr, rts) == 0)
        return 0;
    if (errno == ENOTTY || errno == EINVAL) {
        p->has_lines = false;
        snprintf(p->warning, sizeof p->warning,
                 "%.200s has no DTR/RTS lines, so the board was not reset; put it in "
                 "download mode by hand (hold BOOT, press reset) if it does not answer",
                 p->name);
        return 0;
    }
    return eb_fail(err, EB_IO, "%s: cannot set DTR/RTS: %s", p->name, strerror(errno));
}

static int tty_flush_input(struct port *p, eb_err *err)
{
    (void)err;
    tcflush(((struct tty_port *)p)->fd, TCIFLUSH);
    return 0;
}

static void tty_close(struct port *p)
{
    close(((struct tty_port *)p)->fd);
    free(p);
}

static const struct port_ops tty_ops = {
    .read = tty_read,
    .write = tty_write,
    .set_baud = tty_set_baud,
    .set_lines = tty_set_lines,
    .flush_input = tty_flush_input,
    .close = tty_close,
};

int port_tty_open(const char *path, uint32_t baud, struct port **out, eb_err *err)
{
    struct tty_port *s = calloc(1, sizeof *s);
    if (!s)
        return eb_fail(err, EB_IO, "out of memory");
    s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0 || termios_setup(s->fd, baud) != 0) {
        int e = errno;
        if (s->fd >= 0)
            close(s->fd);
        free(s);
        return e == ENOTTY ? eb_fail(err, EB_USAGE, "%s is not a serial port", path)
                           : port_serial_open_failure(path, e, err);
    }
    s->base.ops = &tty_ops;
    s->base.has_lines = true;
    s->base.has_rate = false; /* a pty: bytes go as fast as the other side takes them */
    s->base.lines_together = true;
    *out = &s->base;
    return 0;
}

#endif
