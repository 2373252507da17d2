/* boot_sim.c - the virtual board boots what was flashed: when the engine
 * resets into flash boot, the boot chain (bootchain.h) computes what the
 * chip prints from the flash contents; this puts that text on the UART at
 * the modelled times and schedules the next reset of a boot loop (RTC
 * watchdog, bootloader_reset, brownout...), which sim_poll fires. */
#include <stdio.h>
#include <string.h>

#include "sim/bootchain.h"
#include "sim/engine.h"

static unsigned boot_faults(const struct sim *s)
{
    return (s->faults.brownout_at_boot ? BOOT_FAULT_BROWNOUT : 0) |
           (s->faults.psram_missing ? BOOT_FAULT_PSRAM_MISSING : 0);
}

static void emit_round(struct sim *s, const struct bootchain_out *o, uint64_t at_us)
{
    size_t from = 0;
    for (size_t i = 0; i < o->nmarks; i++) {
        sim_emit(s, o->text.data + from, o->marks[i].end - from, at_us + o->marks[i].at_us);
        from = o->marks[i].end;
    }
}

void sim_boot_flash(struct sim *s, const char *reason, uint64_t at_us)
{
    char rst[sizeof s->boot_next.rst];
    snprintf(rst, sizeof rst, "%s", reason);
    uint32_t saved_pc = reason == s->boot_next.rst ? s->boot_next.saved_pc : 0;
    struct bootchain_in in = { .chip = s->chip, .banner = s->board->banner, .rst = rst,
                               .saved_pc = saved_pc, .boot = s->board->boot_flash,
                               .flash = s->flash->mem, .flash_size = s->flash->size,
                               .faults = boot_faults(s) };
    struct bootchain_out o;
    eb_err err;
    s->boot_next = (struct sim_boot_next){ 0 };
    if (bootchain_run(&in, &o, &err) != 0) {
        sim_tracef(s, "boot from flash not modelled: %s", err.msg);
        char text[256];
        snprintf(text, sizeof text, "%s\r\n\r\nrst:%s,boot:%s\r\n", s->board->banner, rst, s->board->boot_flash);
        sim_emit_text(s, text, at_us);
        return;
    }
    emit_round(s, &o, at_us);
    sim_tracef(s, "boot from flash: %s", o.cause);
    if (o.stop == BOOT_STOP_RESET) {
        s->boot_next.pending = true;
        s->boot_next.at_us = at_us + o.reset_after_us;
        snprintf(s->boot_next.rst, sizeof s->boot_next.rst, "%s", o.next_rst);
        s->boot_next.saved_pc = o.next_saved_pc;
    }
    bootchain_out_free(&o);
}
