/* reset.c - the reset sequences as rows, and the one runner.
 *
 * Sources (read for their timings; the rows are ours):
 *   esptool    esptool/reset.py: ClassicReset.reset, UnixTightReset.reset,
 *              USBJTAGSerialReset.reset, HardReset.reset, DEFAULT_RESET_DELAY
 *              (50 ms), and esptool/loader.py _construct_reset_strategy_sequence
 *              (the order of attempts; the slow variants wait 500 ms more).
 *   espflash   espflash/src/connection/reset.rs: the same strategies,
 *              EXTRA_RESET_DELAY, construct_reset_strategy_sequence,
 *              reset_after_flash (EN low 100 ms).
 *   esp-idf-monitor  esp_idf_monitor/base/reset.py: Reset.hard (EN low
 *              MINIMAL_EN_LOW_DELAY = 5 ms) and Reset.to_bootloader. */
#include "port/reset.h"

#include "common/clock.h"

#define EN_LOW_MS        100 /* esptool ClassicReset/HardReset: chip held in reset */
#define IO0_HOLD_MS      50  /* esptool DEFAULT_RESET_DELAY: IO0 low after EN rises */
#define IO0_HOLD_SLOW_MS 550 /* esptool/espflash: DEFAULT_RESET_DELAY + 500 ms */
#define USB_JTAG_WAIT_MS 100 /* esptool USBJTAGSerialReset: each wait */

/* The steps: {DTR, RTS, then wait ms}; 1 asserted, 0 released, -1 as is. */

/* esptool ClassicReset.reset: IO0 high, EN low 100 ms, then EN high with IO0
 * low for DEFAULT_RESET_DELAY, IO0 released. One line per step: any port. */
static const struct port_reset_step classic[] = {
    { 0, -1, 0 }, { -1, 1, EN_LOW_MS }, { 1, -1, 0 }, { -1, 0, IO0_HOLD_MS }, { 0, -1, 0 },
};
/* esptool/espflash: the second try, for boards whose EN rises slowly. */
static const struct port_reset_step classic_slow[] = {
    { 0, -1, 0 }, { -1, 1, EN_LOW_MS }, { 1, -1, 0 }, { -1, 0, IO0_HOLD_SLOW_MS }, { 0, -1, 0 },
};
/* esptool UnixTightReset.reset: both lines in one TIOCMSET per step, so the
 * board never sees the states in between; the last DTR release is esptool's
 * "needed in some environments". */
static const struct port_reset_step tight[] = {
    { 0, 0, 0 }, { 1, 1, 0 }, { 0, 1, EN_LOW_MS }, { 1, 0, IO0_HOLD_MS }, { 0, 0, 0 }, { 0, -1, 0 },
};
static const struct port_reset_step tight_slow[] = {
    { 0, 0, 0 }, { 1, 1, 0 }, { 0, 1, EN_LOW_MS }, { 1, 0, IO0_HOLD_SLOW_MS }, { 0, 0, 0 }, { 0, -1, 0 },
};
/* esptool USBJTAGSerialReset.reset: the peripheral resets the chip on RTS
 * with DTR released and enters download mode when RTS rose while DTR was
 * asserted; it must pass through (1,1), never (0,0). */
static const struct port_reset_step usb_jtag[] = {
    { -1, 0, 0 },
    { 0, -1, USB_JTAG_WAIT_MS },
    { 1, -1, 0 },
    { -1, 0, USB_JTAG_WAIT_MS },
    { -1, 1, 0 },
    { 0, -1, 0 },
    { -1, 1, USB_JTAG_WAIT_MS },
    { 0, -1, 0 },
    { -1, 0, 0 },
};
/* The monitor's Ctrl-T P: esptool ClassicReset's timings (EN low 100 ms, IO0
 * low 50 ms after), entered through (1,1) as USBJTAGSerialReset does, so that
 * one sequence serves both kinds of board. */
static const struct port_reset_step download_any[] = {
    { 0, 0, 0 }, { 1, 0, 0 }, { 1, 1, 0 }, { 0, 1, EN_LOW_MS }, { 1, 0, IO0_HOLD_MS }, { 0, 0, 0 },
};
/* esptool HardReset.reset (and espflash reset_after_flash): EN low 100 ms.
 * esp-idf-monitor's Reset.hard holds it 5 ms (MINIMAL_EN_LOW_DELAY); 100 ms
 * is chosen for `reset`, --after hard-reset and the monitor alike, as boards
 * with a large EN capacitor need it. IO0 is released with it (DTR first), so
 * the firmware boots, not the download mode. */
static const struct port_reset_step hard[] = {
    { 0, 1, EN_LOW_MS },
    { -1, 0, 0 },
};
/* Both lines released: EN and IO0 high, the board runs (the MicroPython
 * session on opening the port). RTS first: DTR released while RTS is still
 * asserted would pull EN low and reset the board. */
static const struct port_reset_step release[] = {
    { 0, 0, 0 },
};

#define STEPS(a) a, sizeof a / sizeof a[0]

static const struct port_reset_seq rows[PORT_RESET_COUNT] = {
    [PORT_RESET_CLASSIC] = { "classic", "download mode", 1, false, STEPS(classic) },
    [PORT_RESET_CLASSIC_SLOW] = { "classic (slow)", "download mode", 1, false, STEPS(classic_slow) },
    [PORT_RESET_TIGHT] = { "tight", "download mode", 2, false, STEPS(tight) },
    [PORT_RESET_TIGHT_SLOW] = { "tight (slow)", "download mode", 2, false, STEPS(tight_slow) },
    [PORT_RESET_USB_JTAG] = { "usb-jtag", "download mode", 6, false, STEPS(usb_jtag) },
    [PORT_RESET_DOWNLOAD_ANY] = { "download-reset", "download mode (IO0 held low through DTR)", 3, false,
                                  STEPS(download_any) },
    [PORT_RESET_HARD] = { "hard-reset", "the firmware boots (EN pulsed low, IO0 released)", 0, false,
                          STEPS(hard) },
    [PORT_RESET_RELEASE] = { "release", "the board runs, not reset", PORT_RESET_NOT_HELD, true,
                             STEPS(release) },
};

const struct port_reset_seq *port_reset_seq(enum port_reset_id id)
{
    return id < PORT_RESET_COUNT ? &rows[id] : NULL;
}

/* Both lines in one call where the port can; else one at a time, in the
 * row's order. */
static int set_step(struct port *p, const struct port_reset_seq *s, const struct port_reset_step *st,
                    eb_err *err)
{
    if (st->dtr < 0 || st->rts < 0 || p->lines_together)
        return port_set_lines(p, st->dtr, st->rts, err);
    if (s->rts_first)
        return port_set_lines(p, -1, st->rts, err) || port_set_lines(p, st->dtr, -1, err) ? -1 : 0;
    return port_set_lines(p, st->dtr, -1, err) || port_set_lines(p, -1, st->rts, err) ? -1 : 0;
}

int port_reset_run_held(struct port *p, const struct port_reset_seq *seq, port_reset_held_fn held, void *ctx,
                        eb_err *err)
{
    for (unsigned i = 0; i < seq->nsteps && p->has_lines; i++) {
        if (set_step(p, seq, &seq->steps[i], err))
            return eb_wrap(err, "%s reset", seq->name);
        if (!p->has_lines) /* a pty found to have none: nothing to wait for */
            return 0;
        eb_sleep_ms(seq->steps[i].wait_ms);
        if (held && (int)i == seq->held_after)
            held(ctx);
    }
    return 0;
}

int port_reset_run(struct port *p, const struct port_reset_seq *seq, eb_err *err)
{
    return port_reset_run_held(p, seq, NULL, NULL, err);
}

/* esptool's _construct_reset_strategy_sequence (and espflash's): the order
 * of attempts into download mode. */
static const enum port_reset_id together_order[] = { PORT_RESET_TIGHT, PORT_RESET_TIGHT_SLOW,
                                                     PORT_RESET_CLASSIC, PORT_RESET_CLASSIC_SLOW };
static const enum port_reset_id split_order[] = { PORT_RESET_CLASSIC, PORT_RESET_CLASSIC_SLOW };

const struct port_reset_seq *port_reset_for_download(const struct port *p, bool usb_jtag, int attempt)
{
    unsigned i = attempt < 0 ? 0 : (unsigned)attempt;
    if (usb_jtag)
        return &rows[PORT_RESET_USB_JTAG];
    if (p->lines_together)
        return &rows[together_order[i % (sizeof together_order / sizeof together_order[0])]];
    return &rows[split_order[i % (sizeof split_order / sizeof split_order[0])]];
}
