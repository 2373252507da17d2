/* test_reset.c - every reset sequence against a fake port that records
 * each DTR/RTS change with its time: the levels in order and the waits
 * between them (never shorter than the source says, within a tolerance
 * longer), on a port that sets both lines in one step (a local tty) and
 * on one that cannot (RFC 2217); and what a board would do with it (the
 * two-transistor circuit and the USB-Serial/JTAG peripheral). The expected
 * timelines are transcribed from esptool's reset.py, independently of the
 * rows in src/port/reset.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/clock.h"
#include "port/reset.h"

#define MAX_EVENTS  32
#define LATE_MS     250 /* a loaded machine oversleeps; never undersleeps */
#define NOT_HELD_AT (-1)

struct change {
    int64_t t_ms;
    int dtr, rts; /* levels after the call */
    bool both;    /* the call set both lines */
};

struct fake_port {
    struct port base;
    int dtr, rts;
    int64_t t0;
    struct change ev[MAX_EVENTS];
    unsigned n;
    int64_t held_ms; /* when the held callback ran, relative to t0 */
    int held_dtr, held_rts;
};

static int fake_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    (void)err;
    struct fake_port *f = (struct fake_port *)p;
    assert_true(f->n < MAX_EVENTS);
    if (dtr >= 0)
        f->dtr = dtr;
    if (rts >= 0)
        f->rts = rts;
    f->ev[f->n++] = (struct change){ eb_now_ms() - f->t0, f->dtr, f->rts, dtr >= 0 && rts >= 0 };
    return 0;
}

static const struct port_ops fake_ops = { .set_lines = fake_set_lines };

static void fake_init(struct fake_port *f, bool together, int dtr, int rts)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fake_ops;
    f->base.has_lines = true;
    f->base.lines_together = together;
    f->dtr = dtr;
    f->rts = rts;
    f->held_ms = NOT_HELD_AT;
    f->t0 = eb_now_ms();
}

static void on_held(void *ctx)
{
    struct fake_port *f = ctx;
    f->held_ms = eb_now_ms() - f->t0;
    f->held_dtr = f->dtr;
    f->held_rts = f->rts;
}

/* An expected state and how long after the previous one it comes. */
struct want {
    int dtr, rts;
    int after_ms;
};

static void run_and_check(enum port_reset_id id, bool together, int dtr0, int rts0, const struct want *w,
                          unsigned nw, struct fake_port *f)
{
    fake_init(f, together, dtr0, rts0);
    eb_err err = { 0 };
    assert_int_equal(port_reset_run_held(&f->base, port_reset_seq(id), on_held, f, &err), 0);
    assert_int_equal(f->n, nw);
    int64_t prev = 0;
    for (unsigned i = 0; i < nw; i++) {
        assert_int_equal(f->ev[i].dtr, w[i].dtr);
        assert_int_equal(f->ev[i].rts, w[i].rts);
        assert_false(f->ev[i].both && !together); /* a split port gets one line per call */
        int64_t gap = f->ev[i].t_ms - prev;
        if (gap < w[i].after_ms - 1 || gap > w[i].after_ms + LATE_MS)
            fail_msg("%s step %u: %lld ms after the previous change, expected %d", port_reset_seq(id)->name,
                     i, (long long)gap, w[i].after_ms);
        prev = f->ev[i].t_ms;
    }
}

/* ---- the board side ------------------------------------------------------ */

/* Two-transistor circuit: where the chip ends up when EN last rose (it
 * samples IO0 some ms later: the state after the rise that lasted longest
 * within 10 ms). Returns 1 download, 0 firmware, -1 never reset. */
static int transistor_outcome(const struct fake_port *f, int dtr0, int rts0)
{
    int reset_seen = -1;
    bool en_low = rts0 && !dtr0;
    for (unsigned i = 0; i < f->n; i++) {
        bool low = f->ev[i].rts && !f->ev[i].dtr;
        if (en_low && !low) {
            /* IO0 level a few ms after EN rose */
            unsigned k = i;
            while (k + 1 < f->n && f->ev[k + 1].t_ms - f->ev[i].t_ms < 10)
                k++;
            reset_seen = f->ev[k].dtr && !f->ev[k].rts;
        }
        en_low = low;
    }
    return reset_seen;
}

/* USB-Serial/JTAG: RTS rising arms download mode when DTR is asserted; the
 * chip is in reset while RTS is asserted and DTR released. */
static int usb_jtag_outcome(const struct fake_port *f, int dtr0, int rts0)
{
    int armed = 0, outcome = -1, rts = rts0;
    bool en_low = rts0 && !dtr0;
    for (unsigned i = 0; i < f->n; i++) {
        if (f->ev[i].rts && !rts)
            armed = f->ev[i].dtr;
        rts = f->ev[i].rts;
        bool low = f->ev[i].rts && !f->ev[i].dtr;
        if (en_low && !low)
            outcome = armed;
        en_low = low;
    }
    return outcome;
}

/* ---- the rows -------------------------------------------------------------- */

/* esptool ClassicReset: D0 R1 W0.1 D1 R0 W(delay) D0 */
static void classic_on_any_port(void **state)
{
    (void)state;
    struct fake_port f;
    const struct want w[] = { { 0, 1, 0 }, { 0, 1, 0 }, { 1, 1, 100 }, { 1, 0, 0 }, { 0, 0, 50 } };
    for (int together = 0; together < 2; together++) {
        run_and_check(PORT_RESET_CLASSIC, together, 1, 1, w, 5, &f);
        assert_int_equal(transistor_outcome(&f, 1, 1), 1);
        assert_int_equal(f.held_ms >= 100 && f.held_rts && !f.held_dtr, true); /* EN low at the held point */
    }
    const struct want slow[] = { { 0, 0, 0 }, { 0, 1, 0 }, { 1, 1, 100 }, { 1, 0, 0 }, { 0, 0, 550 } };
    run_and_check(PORT_RESET_CLASSIC_SLOW, false, 0, 0, slow, 5, &f);
    assert_int_equal(transistor_outcome(&f, 0, 0), 1);
}

/* esptool UnixTightReset: U0,0 U1,1 U0,1 W0.1 U1,0 W(delay) U0,0 D0 */
static void tight_sets_both_lines_at_once(void **state)
{
    (void)state;
    struct fake_port f;
    const struct want w[] = {
        { 0, 0, 0 }, { 1, 1, 0 }, { 0, 1, 0 }, { 1, 0, 100 }, { 0, 0, 50 }, { 0, 0, 0 }
    };
    run_and_check(PORT_RESET_TIGHT, true, 1, 1, w, 6, &f);
    for (unsigned i = 0; i < 5; i++)
        assert_true(f.ev[i].both);
    assert_int_equal(transistor_outcome(&f, 1, 1), 1);
    const struct want slow[] = { { 0, 0, 0 },   { 1, 1, 0 },   { 0, 1, 0 },
                                 { 1, 0, 100 }, { 0, 0, 550 }, { 0, 0, 0 } };
    run_and_check(PORT_RESET_TIGHT_SLOW, true, 0, 0, slow, 6, &f);
    assert_int_equal(transistor_outcome(&f, 0, 0), 1);
}

/* esptool USBJTAGSerialReset: R0 D0 W0.1 D1 R0 W0.1 R1 D0 R1 W0.1 D0 R0 */
static void usb_jtag_passes_through_both_asserted(void **state)
{
    (void)state;
    struct fake_port f;
    const struct want w[] = { { 1, 0, 0 }, { 0, 0, 0 }, { 1, 0, 100 }, { 1, 0, 0 }, { 1, 1, 100 },
                              { 0, 1, 0 }, { 0, 1, 0 }, { 0, 1, 100 }, { 0, 0, 0 } };
    run_and_check(PORT_RESET_USB_JTAG, false, 1, 1, w, 9, &f);
    assert_int_equal(usb_jtag_outcome(&f, 1, 1), 1);
    for (unsigned i = 0; i < f.n; i++) /* never (0,0) between the arming and the reset */
        if (i >= 4 && i < 8)
            assert_false(!f.ev[i].dtr && !f.ev[i].rts);
}

/* The monitor's download reset works on both kinds of board. */
static void download_any_serves_both_boards(void **state)
{
    (void)state;
    struct fake_port f;
    /* one line per call, DTR first: (0,0) (1,0) (1,1) (0,1) W100 (1,0) W50 (0,0) */
    const struct want split[] = { { 0, 0, 0 },   { 0, 0, 0 }, { 1, 0, 0 },  { 1, 0, 0 },
                                  { 1, 0, 0 },   { 1, 1, 0 }, { 0, 1, 0 },  { 0, 1, 0 },
                                  { 1, 1, 100 }, { 1, 0, 0 }, { 0, 0, 50 }, { 0, 0, 0 } };
    run_and_check(PORT_RESET_DOWNLOAD_ANY, false, 0, 0, split, 12, &f);
    assert_int_equal(transistor_outcome(&f, 0, 0), 1);
    assert_int_equal(usb_jtag_outcome(&f, 0, 0), 1);
    const struct want together[] = { { 0, 0, 0 }, { 1, 0, 0 },   { 1, 1, 0 },
                                     { 0, 1, 0 }, { 1, 0, 100 }, { 0, 0, 50 } };
    run_and_check(PORT_RESET_DOWNLOAD_ANY, true, 0, 0, together, 6, &f);
    assert_int_equal(f.held_rts && !f.held_dtr, true);
    assert_int_equal(transistor_outcome(&f, 0, 0), 1);
    assert_int_equal(usb_jtag_outcome(&f, 0, 0), 1);
}

/* esptool HardReset: R1 W0.1 R0, with IO0 released first. */
static void hard_reset_boots_the_firmware(void **state)
{
    (void)state;
    struct fake_port f;
    const struct want split[] = { { 0, 0, 0 }, { 0, 1, 0 }, { 0, 0, 100 } };
    run_and_check(PORT_RESET_HARD, false, 1, 0, split, 3, &f); /* DTR left asserted by someone */
    assert_int_equal(transistor_outcome(&f, 1, 0), 0);
    assert_int_equal(usb_jtag_outcome(&f, 1, 0), 0); /* RTS rose with DTR released: not armed */
    assert_true(f.held_ms >= 100 && f.held_rts && !f.held_dtr);
    const struct want together[] = { { 0, 1, 0 }, { 0, 0, 100 } };
    run_and_check(PORT_RESET_HARD, true, 0, 0, together, 2, &f);
    assert_int_equal(transistor_outcome(&f, 0, 0), 0);
}

/* Release: RTS first, so a port opened with both asserted is never reset. */
static void release_never_resets(void **state)
{
    (void)state;
    struct fake_port f;
    const struct want split[] = { { 1, 0, 0 }, { 0, 0, 0 } };
    run_and_check(PORT_RESET_RELEASE, false, 1, 1, split, 2, &f);
    assert_int_equal(transistor_outcome(&f, 1, 1), -1);
    assert_int_equal(f.held_ms, NOT_HELD_AT);
    const struct want together[] = { { 0, 0, 0 } };
    run_and_check(PORT_RESET_RELEASE, true, 1, 1, together, 1, &f);
    assert_int_equal(transistor_outcome(&f, 1, 1), -1);
}

static void no_lines_no_calls(void **state)
{
    (void)state;
    struct fake_port f;
    fake_init(&f, true, 0, 0);
    f.base.has_lines = false;
    eb_err err = { 0 };
    for (int id = 0; id < PORT_RESET_COUNT; id++)
        assert_int_equal(port_reset_run(&f.base, port_reset_seq(id), &err), 0);
    assert_int_equal(f.n, 0);
}

/* The attempts into download mode follow esptool's order. */
static void download_attempts_in_order(void **state)
{
    (void)state;
    struct fake_port f;
    fake_init(&f, true, 0, 0);
    const char *tty[] = { "tight", "tight (slow)", "classic", "classic (slow)", "tight" };
    for (int i = 0; i < 5; i++)
        assert_string_equal(port_reset_for_download(&f.base, false, i)->name, tty[i]);
    f.base.lines_together = false;
    const char *rfc[] = { "classic", "classic (slow)", "classic" };
    for (int i = 0; i < 3; i++)
        assert_string_equal(port_reset_for_download(&f.base, false, i)->name, rfc[i]);
    assert_ptr_equal(port_reset_for_download(&f.base, true, 3), port_reset_seq(PORT_RESET_USB_JTAG));
}

/* Every row: a name, an effect, steps that set a line, a held point inside. */
static void rows_are_complete(void **state)
{
    (void)state;
    for (int id = 0; id < PORT_RESET_COUNT; id++) {
        const struct port_reset_seq *s = port_reset_seq(id);
        assert_non_null(s->name);
        assert_non_null(s->effect);
        assert_true(s->steps && s->nsteps > 0);
        assert_true(s->held_after == PORT_RESET_NOT_HELD ||
                    (s->held_after >= 0 && s->held_after < (int)s->nsteps));
        for (unsigned i = 0; i < s->nsteps; i++) { /* levels are 1, 0 or -1, and something changes */
            const struct port_reset_step *st = &s->steps[i];
            assert_true(st->dtr >= -1 && st->dtr <= 1 && st->rts >= -1 && st->rts <= 1);
            assert_true(st->dtr >= 0 || st->rts >= 0);
        }
    }
    assert_null(port_reset_seq(PORT_RESET_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_on_any_port),
        cmocka_unit_test(tight_sets_both_lines_at_once),
        cmocka_unit_test(usb_jtag_passes_through_both_asserted),
        cmocka_unit_test(download_any_serves_both_boards),
        cmocka_unit_test(hard_reset_boots_the_firmware),
        cmocka_unit_test(release_never_resets),
        cmocka_unit_test(no_lines_no_calls),
        cmocka_unit_test(download_attempts_in_order),
        cmocka_unit_test(rows_are_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
