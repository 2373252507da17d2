/* simboot_engine.c - the virtual board boots what was flashed: when the engine
 * resets into flash boot, the boot chain (simboot.h) computes what the
 * chip prints from the flash contents; this puts that text on the UART at
 * the modelled times and schedules the next reset of a boot loop (RTC
 * watchdog, bootloader_reset, brownout...), which sim_poll fires. When the
 * round starts a MicroPython app, it marks the app stage (s->app) for the
 * transport to hand the UART to a real MicroPython (micropython.h). */
#include <stdio.h>
#include <string.h>

#include "image/part_table.h"
#include "sim/simboot.h"
#include "sim/engine.h"
#include "sim/micropython.h"

static unsigned simboot_faults(const struct sim *s)
{
    return (s->faults.brownout_at_boot ? SIMBOOT_FAULT_BROWNOUT : 0) |
           (s->faults.psram_missing ? SIMBOOT_FAULT_PSRAM_MISSING : 0);
}

static void emit_round(struct sim *s, const struct simboot_out *o, uint64_t at_us)
{
    size_t from = 0;
    for (size_t i = 0; i < o->nmarks; i++) {
        sim_emit(s, o->text.data + from, o->marks[i].end - from, at_us + o->marks[i].at_us);
        from = o->marks[i].end;
    }
}

/* Size of the firmware's filesystem partition (FAT, SPIFFS or LittleFS) in
 * the flashed table; 0 when there is none. */
static uint32_t fs_partition_size(const struct sim *s)
{
    struct part_table t;
    if (s->flash->size < PT_DEFAULT_OFFSET + PT_MAX_LEN ||
        pt_parse_bin(s->flash->mem + PT_DEFAULT_OFFSET, PT_MAX_LEN, &t, NULL) != 0)
        return 0;
    const struct partition *p = pt_find_fs(&t, NULL, NULL);
    return p ? p->size : 0;
}

static void start_micropython(struct sim *s, const struct simboot_out *o)
{
    s->app.micropython = true;
    s->app.generation++;
    const char *who = sim_micropython_personality((const uint8_t *)o->app_banner, strlen(o->app_banner));
    snprintf(s->app.personality, sizeof s->app.personality, "%s", who);
    s->app.fs_size = fs_partition_size(s);
}

void sim_boot_flash(struct sim *s, const char *reason, uint64_t at_us)
{
    char rst[sizeof s->boot_next.rst];
    snprintf(rst, sizeof rst, "%s", reason);
    uint32_t saved_pc = reason == s->boot_next.rst ? s->boot_next.saved_pc : 0;
    struct simboot_in in = { .chip = s->chip,
                             .banner = s->board->banner,
                             .rst = rst,
                             .saved_pc = saved_pc,
                             .boot = s->board->boot_flash,
                             .flash = s->flash->mem,
                             .flash_size = s->flash->size,
                             .faults = simboot_faults(s) };
    struct simboot_out o;
    eb_err err;
    s->boot_next = (struct sim_boot_next){ 0 };
    if (simboot_run(&in, &o, &err) != 0) {
        sim_tracef(s, "boot from flash not modelled: %s", err.msg);
        char text[256];
        snprintf(text, sizeof text, "%s%srst:%s,boot:%s\r\n", s->board->banner, simboot_banner_gap(s->chip),
                 rst, s->board->boot_flash);
        sim_emit_text(s, text, at_us);
        return;
    }
    emit_round(s, &o, at_us);
    sim_tracef(s, "boot from flash: %s", o.cause);
    if (o.stop == SIMBOOT_STOP_APP && o.app_micropython)
        start_micropython(s, &o);
    if (o.stop == SIMBOOT_STOP_RESET) {
        s->boot_next.pending = true;
        s->boot_next.at_us = at_us + o.reset_after_us;
        snprintf(s->boot_next.rst, sizeof s->boot_next.rst, "%s", o.next_rst);
        s->boot_next.saved_pc = o.next_saved_pc;
    }
    simboot_out_free(&o);
}
