/* sim_port.h - a struct port whose other end is the virtual board's engine
 * in this process (src/sim/engine.h): bytes written go to the board, bytes
 * read come from it, DTR/RTS drive its reset circuit, the port's rate is
 * the host's rate the board compares with its own (a rate its USB bridge
 * cannot do turns every byte into garbage, as on real hardware). Real
 * time: the loader's reset pulses and timeouts run as they would. For unit
 * tests of the layers above the port (src/device, src/api). */
#ifndef ESPBURN_TEST_SIM_PORT_H
#define ESPBURN_TEST_SIM_PORT_H

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "port/port.h"
#include "sim/engine.h"
#include "sim/server.h"

struct sim_port {
    struct port base;
    struct sim s;
    struct sim_flash flash;
    bool dtr, rts;
    unsigned baud_changes; /* set_baud calls, for the tests */
};

static void sim_port_step(struct sim_port *sp)
{
    sim_poll(&sp->s, sim_now_us());
}

static int sim_port_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    struct sim_port *sp = (struct sim_port *)p;
    struct eb_deadline until = eb_deadline_in(timeout_ms);
    (void)err;
    for (;;) {
        sim_port_step(sp);
        const uint8_t *out;
        size_t ready = sim_tx_ready(&sp->s, sim_now_us(), &out);
        if (ready) {
            size_t k = ready < n ? ready : n;
            memcpy(buf, out, k);
            sim_tx_consume(&sp->s, k);
            return (int)k;
        }
        if (eb_deadline_passed(until))
            return 0;
        eb_sleep_ms(1);
    }
}

static int sim_port_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    struct sim_port *sp = (struct sim_port *)p;
    (void)err;
    sim_rx(&sp->s, buf, n, sim_now_us());
    return 0;
}

static int sim_port_set_baud(struct port *p, uint32_t baud, eb_err *err)
{
    struct sim_port *sp = (struct sim_port *)p;
    (void)err;
    p->baud = baud;
    sp->baud_changes++;
    sim_set_host_baud(&sp->s, sp->base.has_rate ? baud : 0);
    return 0;
}

static int sim_port_set_lines(struct port *p, int dtr, int rts, eb_err *err)
{
    struct sim_port *sp = (struct sim_port *)p;
    (void)err;
    if (!p->has_lines)
        return 0;
    if (dtr >= 0)
        sp->dtr = dtr;
    if (rts >= 0)
        sp->rts = rts;
    sim_set_lines(&sp->s, sp->dtr, sp->rts, sim_now_us());
    return 0;
}

static int sim_port_flush(struct port *p, eb_err *err)
{
    struct sim_port *sp = (struct sim_port *)p;
    const uint8_t *out;
    (void)err;
    sim_port_step(sp);
    sim_tx_consume(&sp->s, sim_tx_ready(&sp->s, sim_now_us(), &out));
    return 0;
}

static void sim_port_close(struct port *p)
{
    struct sim_port *sp = (struct sim_port *)p;
    sim_free(&sp->s);
    sim_flash_close(&sp->flash);
    free(sp);
}

static const struct port_ops sim_port_ops = {
    sim_port_read, sim_port_write, sim_port_set_baud, sim_port_set_lines, sim_port_flush, sim_port_close,
};

/* A board (sim_board_by_name) on a fresh port at 115200. `lines`: DTR/RTS
 * reach it (else it is strapped into download mode); `rated`: the line rate
 * matters (a USB-UART bridge; else a socket). NULL when the board is unknown. */
static struct sim_port *sim_port_new(const char *board, bool lines, bool rated)
{
    const struct sim_board *b = sim_board_by_name(board);
    struct sim_port *sp = b ? calloc(1, sizeof *sp) : NULL;
    if (!sp || sim_flash_open(&sp->flash, NULL, sim_board_flash_size(b), NULL)) {
        free(sp);
        return NULL;
    }
    struct sim_options o = { .board = b, .flash = &sp->flash, .boot_download = !lines, .has_lines = lines };
    if (sim_init(&sp->s, &o, NULL)) {
        sim_flash_close(&sp->flash);
        free(sp);
        return NULL;
    }
    sp->base.ops = &sim_port_ops;
    snprintf(sp->base.name, sizeof sp->base.name, "sim:%s", board);
    sp->base.baud = 115200;
    sp->base.has_lines = lines;
    sp->base.has_rate = rated;
    sim_set_host_baud(&sp->s, rated ? 115200 : 0);
    sim_power_on(&sp->s, sim_now_us());
    return sp;
}

#endif
