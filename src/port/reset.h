/* reset.h - the reset sequences: DTR/RTS patterns that reset an ESP board,
 * into its firmware or into the ROM's download mode, written once as data.
 *
 * On the two-transistor auto-reset circuit of USB-UART boards, DTR alone
 * pulls IO0 low and RTS alone pulls EN low (both or neither leave both
 * high); Espressif's USB-Serial/JTAG peripheral reads the lines itself. A
 * line "asserted" (1) is the host's DTR/RTS on, i.e. the pin pulled low.
 * Every row names the tool and function its timings come from. */
#ifndef ESPBURN_PORT_RESET_H
#define ESPBURN_PORT_RESET_H

#include <stdbool.h>

#include "common/err.h"
#include "port/port.h"

enum port_reset_id {
    PORT_RESET_CLASSIC,      /* into download mode, one line at a time */
    PORT_RESET_CLASSIC_SLOW, /* the same with the longer IO0 hold */
    PORT_RESET_TIGHT,        /* into download mode, both lines in one step */
    PORT_RESET_TIGHT_SLOW,   /* the same with the longer IO0 hold */
    PORT_RESET_USB_JTAG,     /* into download mode through USB-Serial/JTAG */
    PORT_RESET_DOWNLOAD_ANY, /* into download mode, on either kind of board */
    PORT_RESET_HARD,         /* EN pulsed low with IO0 released: the firmware boots */
    PORT_RESET_RELEASE,      /* both lines released: the board runs, nothing resets */
    PORT_RESET_COUNT
};

#define PORT_RESET_NOT_HELD (-1)

/* One step: set the lines (1 assert, 0 release, -1 leave as is), then wait.
 * When both change and the port cannot set them together, DTR goes first
 * unless the row says rts_first. */
struct port_reset_step {
    signed char dtr, rts;
    unsigned short wait_ms;
};

struct port_reset_seq {
    const char *name;   /* "classic", "hard-reset", ... (--explain, events) */
    const char *effect; /* what the board does, in a few words */
    /* After this step (index) the chip is held in reset and prints nothing;
     * PORT_RESET_NOT_HELD for none. */
    int held_after;
    bool rts_first; /* a step setting both lines on a port that cannot: RTS first */
    const struct port_reset_step *steps;
    unsigned nsteps;
};

/* The row for `id` (never NULL for id < PORT_RESET_COUNT). */
const struct port_reset_seq *port_reset_seq(enum port_reset_id id);

/* Run `seq` on `p`. A port without modem lines is left alone (returns 0;
 * the caller checks p->has_lines, which a pty may clear on the first try). */
int port_reset_run(struct port *p, const struct port_reset_seq *seq, eb_err *err);

/* Called once while the chip is held in reset (see held_after). */
typedef void (*port_reset_held_fn)(void *ctx);
/* port_reset_run that calls `held` (may be NULL) at the held point. */
int port_reset_run_held(struct port *p, const struct port_reset_seq *seq, port_reset_held_fn held, void *ctx,
                        eb_err *err);

/* The sequence attempt `attempt` (0, 1, ...) of a reset into download mode
 * uses: USB-Serial/JTAG's when `usb_jtag`, else esptool's default order
 * (tight and classic, each quick then slow, where the port sets both lines
 * in one step; classic quick and slow otherwise). */
const struct port_reset_seq *port_reset_for_download(const struct port *p, bool usb_jtag, int attempt);

#endif
