/* port_serial.c - local serial ports: USB bridges through libserialport
 * (which configures any rate the driver takes), and ptys or other ttys
 * libserialport does not list through plain termios. Reads, writes and
 * modem lines then go through the file descriptor, so DTR and RTS change
 * together in one TIOCMSET ("tight" reset). Ports without modem lines
 * (ptys) are noted, not fatal. */
#include "port/port.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

struct serial_port {
    struct port base;
    struct sp_port *sp; /* NULL: opened with termios */
    int fd;
};

/* One line that says how to fix the usual reasons a port will not open. */
static int open_failure(const char *path, int e, eb_err *err)
{
    if (e == EACCES || e == EPERM)
        return eb_fail(err, EB_IO,
                       "%s: permission denied; add yourself to the dialout group "
                       "(sudo usermod -aG dialout $USER, then log out and in)",
                       path);
    if (e == EBUSY)
        return eb_fail(err, EB_IO,
                       "%s: port busy; close the serial monitor or other program using it "
                       "(ModemManager may grab new ports: sudo systemctl stop ModemManager)",
                       path);
    if (e == ENOENT || e == ENODEV || e == ENXIO)
        return eb_fail(err, EB_IO,
                       "%s: no such port; is the board plugged in? 'espburn ports' lists them "
                       "(on Ubuntu, brltty can steal CH340 adapters: sudo apt remove brltty)",
                       path);
    return eb_fail(err, EB_IO, "%s: cannot open: %s", path, strerror(e));
}

static speed_t speed_code(uint32_t baud)
{
    static const struct {
        uint32_t rate;
        speed_t code;
    } rates[] = {
        { 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },     { 57600, B57600 },
        { 115200, B115200 },   { 230400, B230400 },   { 460800, B460800 },   { 921600, B921600 },
        { 1500000, B1500000 }, { 2000000, B2000000 }, { 3000000, B3000000 },
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

static int serial_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct serial_port *s = (struct serial_port *)p;
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

static int serial_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    struct serial_port *s = (struct serial_port *)p;
    while (n > 0) {
        ssize_t w = write(s->fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
                if (poll(&pfd, 1, 5000) <= 0)
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

static int serial_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    struct serial_port *s = (struct serial_port *)p;
    if (s->sp) {
        if (sp_set_baudrate(s->sp, (int)baud) != SP_OK)
            return eb_fail(err, EB_IO, "%s: the driver refuses %u baud: %s", p->name, baud,
                           sp_last_error_message());
    } else {
        struct termios t;
        speed_t code = speed_code(baud);
        if (code != B0 && tcgetattr(s->fd, &t) == 0) {
            cfsetspeed(&t, code);
            tcsetattr(s->fd, TCSANOW, &t); /* a pty has no rate: ignore */
        }
    }
    p->baud = baud;
    return 0;
}

static int serial_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    struct serial_port *s = (struct serial_port *)p;
    if (!p->has_lines)
        return 0;
    int bits;
    if (ioctl(s->fd, TIOCMGET, &bits) == 0) {
        if (dtr >= 0)
            bits = dtr ? bits | TIOCM_DTR : bits & ~TIOCM_DTR;
        if (rts >= 0)
            bits = rts ? bits | TIOCM_RTS : bits & ~TIOCM_RTS;
        if (ioctl(s->fd, TIOCMSET, &bits) == 0)
            return 0;
    }
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

static int serial_flush_input(struct port *p, eb_err *err)
{
    (void)err;
    tcflush(((struct serial_port *)p)->fd, TCIFLUSH);
    return 0;
}

static void serial_close(struct port *p)
{
    struct serial_port *s = (struct serial_port *)p;
    if (s->sp) {
        sp_close(s->sp);
        sp_free_port(s->sp);
    } else {
        close(s->fd);
    }
    free(s);
}

static const struct port_ops serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .set_baud = serial_set_baud,
    .set_lines = serial_set_lines,
    .flush_input = serial_flush_input,
    .close = serial_close,
};

/* A USB/real serial device through libserialport; -1 (errno set) if it is not one it knows. */
static int open_with_libserialport(const char *path, uint32_t baud, struct serial_port *s)
{
    if (sp_get_port_by_name(path, &s->sp) != SP_OK) {
        s->sp = NULL;
        errno = ENOTSUP;
        return -1;
    }
    if (sp_open(s->sp, SP_MODE_READ_WRITE) != SP_OK) {
        int e = sp_last_error_code();
        sp_free_port(s->sp);
        s->sp = NULL;
        errno = e ? e : EIO;
        return -1;
    }
    sp_set_baudrate(s->sp, (int)baud);
    sp_set_bits(s->sp, 8);
    sp_set_parity(s->sp, SP_PARITY_NONE);
    sp_set_stopbits(s->sp, 1);
    sp_set_flowcontrol(s->sp, SP_FLOWCONTROL_NONE);
    return sp_get_port_handle(s->sp, &s->fd) == SP_OK ? 0 : -1;
}

int port_serial_open(const char *path, uint32_t baud, struct port **out, eb_err *err)
{
    struct serial_port *s = calloc(1, sizeof *s);
    if (!s)
        return eb_fail(err, EB_IO, "out of memory");
    if (open_with_libserialport(path, baud, s) != 0) {
        int e = errno;
        if (e != ENOTSUP) {
            free(s);
            return open_failure(path, e, err);
        }
        s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (s->fd < 0 || termios_setup(s->fd, baud) != 0) {
            e = errno;
            if (s->fd >= 0)
                close(s->fd);
            free(s);
            return e == ENOTTY ? eb_fail(err, EB_USAGE, "%s is not a serial port", path)
                               : open_failure(path, e, err);
        }
    }
    s->base.ops = &serial_ops;
    s->base.has_lines = true;
    s->base.has_rate = s->sp != NULL; /* libserialport opens UARTs; ptys fall back to termios */
    s->base.lines_together = true;
    *out = &s->base;
    return 0;
}
