/* device.h - a board in download mode, as the library holds it: the port
 * opened by name (or given), the reset into the ROM, SYNC, the chip and its
 * eFuse facts, the baud policy (a fixed rate, or `auto`: climbing, falling
 * back to the last rate that worked), the flasher stub (a given file, one
 * found installed, or none), the flash attached with its JEDEC id and size;
 * and leaving the board afterwards. Never prints: --explain notes go to a
 * callback. The workflows over a connected device are in device_flash.h
 * and device_ops.h. */
#ifndef ESPBURN_DEVICE_H
#define ESPBURN_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "loader/loader.h"
#include "port/port.h"

#define DEVICE_CONNECT_BAUD 115200 /* the ROM's rate after reset */

/* The flasher stub: none (ROM only), one found installed, or a given file. */
enum device_stub {
    DEVICE_STUB_NONE,
    DEVICE_STUB_AUTO,
    DEVICE_STUB_FILE
};

/* How to leave the board (esptool's --after). */
enum device_after {
    DEVICE_AFTER_HARD_RESET, /* EN pulsed (or, without modem lines, the loader reboots the chip) */
    DEVICE_AFTER_NO_RESET,   /* leave the loader and run the flashed code, no reset */
    DEVICE_AFTER_STAY        /* stay in the loader for more commands */
};

struct device_connect_opts {
    enum before_mode before; /* BEFORE_DEFAULT becomes BEFORE_USB_JTAG on a USB-Serial/JTAG port */
    uint32_t baud;           /* rate to switch to after SYNC; 0: stay at DEVICE_CONNECT_BAUD */
    bool baud_auto;          /* climb to the fastest rate that works instead (baud is ignored) */
    /* The rate last used on this port (0: unknown). When SYNC at 115200
     * gets no answer, a stub left running there (no reset since) may still
     * listen at this rate: it is tried once before giving up. */
    uint32_t resume_baud;
    enum device_stub stub;
    const char *stub_path; /* DEVICE_STUB_FILE: an esptool / esptool-js stub JSON file */
    loader_note_fn note;   /* each protocol step and why (--explain), or NULL */
    void *note_ctx;
};

struct device {
    char port_name[256];
    struct port *port;
    bool own_port; /* device_close closes it (device_connect opened it) */
    struct loader *l;
    struct chip_facts facts;
    uint32_t jedec;      /* RDID answer, 0 when not read (Secure Download Mode) */
    uint32_t flash_size; /* from RDID, 0 if unknown */
    uint32_t baud;       /* the rate in use */
    enum before_mode before;
    int64_t connect_ms; /* how long connecting took */
    /* Why no stub runs although one was wanted (DEVICE_STUB_AUTO found
     * none): one sentence with what it costs and how to fix; "" otherwise. */
    char stub_missing[200];
    /* Set when the rate is not what was asked for (the board answered only
     * at resume_baud; -b auto cannot climb): one sentence saying so, which
     * the caller shows; "" otherwise. */
    char rate_note[200];
    bool resumed; /* connected at resume_baud, to a loader left running */
    loader_note_fn note;
    void *note_ctx;
};

/* Open `port_name` and connect (see device_connect_port). On failure `d`
 * holds what was reached; device_close() it in every case. */
int device_connect(const struct device_connect_opts *o, const char *port_name, struct device *d, eb_err *err);
/* Connect over a port the caller opened and keeps: reset into download
 * mode, SYNC, identify the chip, read its eFuses, switch baud, load the
 * stub, attach the flash and read its id and size. */
int device_connect_port(const struct device_connect_opts *o, struct port *port, struct device *d,
                        eb_err *err);
/* Leave the board as `after` says. `asked`: the caller chose `after`
 * explicitly; without it, a port without modem lines is left alone rather
 * than rebooted through the loader. */
int device_finish(struct device *d, enum device_after after, bool asked, eb_err *err);
/* How device_reset reached the chip. */
enum device_reset_how {
    DEVICE_RESET_LINES,     /* EN pulsed through the modem lines (port/reset.h's hard reset) */
    DEVICE_RESET_ROM_REBOOT /* no modem lines: connected, then the loader rebooted the chip */
};
/* Hard-reset the board on `port_name` so that it boots its firmware: EN
 * pulsed through the modem lines, or, on a port without them, a connect
 * with `o` and the loader asked to reboot the chip. `how` says which. */
int device_reset(const struct device_connect_opts *o, const char *port_name, enum device_reset_how *how,
                 eb_err *err);
/* Free the loader and close the port when device_connect opened it. */
void device_close(struct device *d);

/* One --explain note through the device's callback (nothing without one). */
void device_note(const struct device *d, const char *step, const char *why);
/* Bytes both ways on the wire since connecting began, SLIP included. */
uint64_t device_wire_bytes(const struct device *d);
/* "24:0a:c4:12:34:56", or "unknown". */
void device_mac_text(const struct device *d, char out[18]);

#endif
