/* port_serial.h - what the two local serial transports share: USB and other
 * UARTs through libserialport (port_serial.c, portable), and ttys it does not
 * list, such as ptys (port_serial_tty.c, POSIX termios). */
#ifndef ESPBURN_PORT_SERIAL_H
#define ESPBURN_PORT_SERIAL_H

#include "port/port.h"

/* A write that makes no progress this long: the board is gone. */
#define PORT_SERIAL_WRITE_TIMEOUT_MS 5000

/* One line that says how to fix the usual reasons a port will not open
 * (`e` an errno value). */
int port_serial_open_failure(const char *path, int e, eb_err *err);

/* DTR and RTS (1 assert, 0 release, -1 leave) in one step on a POSIX tty
 * descriptor (TIOCMGET/TIOCMSET), which libserialport has no call for:
 * esptool's "tight" reset. 0, or -1 with errno set (ENOTSUP where the system
 * has no such call). */
int port_serial_lines_together(int fd, int dtr, int rts);

/* A tty libserialport does not list (a pty), through termios. */
int port_tty_open(const char *path, uint32_t baud, struct port **out, eb_err *err);

#endif
