/* port_serial.c - local serial ports through libserialport's portable calls,
 * which build on Linux, macOS and Windows: open and configure (any rate the
 * driver takes), blocking reads and writes with timeouts, DTR and RTS, input
 * flush. libserialport has no call that changes DTR and RTS in one step, so
 * where the system has one (TIOCMSET) it is used for esptool's "tight" reset
 * (lines_together); elsewhere the lines change one at a time and the reset
 * takes the classic sequence. Names libserialport does not list (ptys) go to
 * port_serial_tty.c. */
#include "port/port_serial.h"

#include <errno.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/ioctl.h>
#endif

struct serial_port {
    struct port base;
    struct sp_port *sp;
};

int port_serial_open_failure(const char *path, int e, eb_err *err)
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

int port_serial_lines_together(int fd, int dtr, int rts)
{
#ifdef TIOCMSET
    int bits;
    if (ioctl(fd, TIOCMGET, &bits) != 0)
        return -1;
    if (dtr >= 0)
        bits = dtr ? bits | TIOCM_DTR : bits & ~TIOCM_DTR;
    if (rts >= 0)
        bits = rts ? bits | TIOCM_RTS : bits & ~TIOCM_RTS;
    return ioctl(fd, TIOCMSET, &bits);
#else
    (void)fd, (void)dtr, (void)rts;
    errno = ENOTSUP;
    return -1;
#endif
}

/* The port's POSIX descriptor (for the one call libserialport lacks). */
static int posix_fd(struct sp_port *sp, int *fd)
{
#ifdef _WIN32
    (void)sp, (void)fd;
    errno = ENOTSUP;
    return -1;
#else
    return sp_get_port_handle(sp, fd) == SP_OK ? 0 : -1;
#endif
}

/* libserialport's last error as one line: what failed, and its words. */
static int sp_failure(struct port *p, const char *what, eb_err *err)
{
    char *msg = sp_last_error_message();
    eb_fail(err, EB_IO, "%s: %s failed: %s; is the board still connected?", p->name, what, msg ? msg : "?");
    sp_free_error_message(msg);
    return -1;
}

static int serial_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct sp_port *sp = ((struct serial_port *)p)->sp;
    /* sp_blocking_read_next waits for the first byte only; its 0 means no limit */
    enum sp_return r = timeout_ms == 0
                           ? sp_nonblocking_read(sp, buf, n)
                           : sp_blocking_read_next(sp, buf, n, timeout_ms < 0 ? 0 : (unsigned)timeout_ms);
    return r < 0 ? sp_failure(p, "reading", err) : (int)r;
}

static int serial_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    enum sp_return r = sp_blocking_write(((struct serial_port *)p)->sp, buf, n, PORT_SERIAL_WRITE_TIMEOUT_MS);
    if (r < 0)
        return sp_failure(p, "writing", err);
    if ((size_t)r < n)
        return eb_fail(err, EB_IO, "%s: writing timed out; is the board still connected?", p->name);
    return 0;
}

static int serial_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    if (sp_set_baudrate(((struct serial_port *)p)->sp, (int)baud) != SP_OK) {
        char *msg = sp_last_error_message();
        eb_fail(err, EB_IO, "%s: the driver refuses %u baud: %s", p->name, baud, msg ? msg : "?");
        sp_free_error_message(msg);
        return -1;
    }
    p->baud = baud;
    return 0;
}

static int serial_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    struct sp_port *sp = ((struct serial_port *)p)->sp;
    if (p->lines_together) {
        int fd;
        if (posix_fd(sp, &fd) == 0 && port_serial_lines_together(fd, dtr, rts) == 0)
            return 0;
        return eb_fail(err, EB_IO, "%s: cannot set DTR/RTS: %s", p->name, strerror(errno));
    }
    if (dtr >= 0 && sp_set_dtr(sp, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
        return sp_failure(p, "setting DTR", err);
    if (rts >= 0 && sp_set_rts(sp, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
        return sp_failure(p, "setting RTS", err);
    return 0;
}

static int serial_flush_input(struct port *p, eb_err *err)
{
    (void)err;
    sp_flush(((struct serial_port *)p)->sp, SP_BUF_INPUT);
    return 0;
}

static void serial_close(struct port *p)
{
    struct serial_port *s = (struct serial_port *)p;
    sp_close(s->sp);
    sp_free_port(s->sp);
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

/* Open and configure: 8N1, no flow control, `baud`. */
static int open_sp(const char *path, uint32_t baud, struct sp_port *sp, eb_err *err)
{
    if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
        int e = sp_last_error_code();
        return port_serial_open_failure(path, e ? e : EIO, err);
    }
    if (sp_set_baudrate(sp, (int)baud) != SP_OK || sp_set_bits(sp, 8) != SP_OK ||
        sp_set_parity(sp, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(sp, 1) != SP_OK ||
        sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE) != SP_OK) {
        char *msg = sp_last_error_message();
        eb_fail(err, EB_IO, "%s: cannot set 8N1 at %u baud without flow control: %s", path, baud,
                msg ? msg : "?");
        sp_free_error_message(msg);
        sp_close(sp);
        return -1;
    }
    return 0;
}

int port_serial_open(const char *path, uint32_t baud, struct port **out, eb_err *err)
{
    struct sp_port *sp;
    if (sp_get_port_by_name(path, &sp) != SP_OK)
        return port_tty_open(path, baud, out, err); /* a pty, or a tty it does not list */
    struct serial_port *s = calloc(1, sizeof *s);
    if (!s || open_sp(path, baud, sp, err)) {
        sp_free_port(sp);
        free(s);
        return s ? -1 : eb_fail(err, EB_IO, "out of memory");
    }
    int fd;
    s->sp = sp;
    s->base.ops = &serial_ops;
    s->base.baud = baud;
    s->base.has_lines = true;
    s->base.has_rate = true;
    s->base.lines_together = posix_fd(sp, &fd) == 0 && port_serial_lines_together(fd, -1, -1) == 0;
    *out = &s->base;
    return 0;
}
