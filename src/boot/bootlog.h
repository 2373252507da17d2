/* bootlog.h - the boot-log analyzer: feed it what a board prints, as it
 * streams (any chunking), and it recognises the ROM stage, the ESP-IDF
 * second stage and the application, and keeps one finding per distinct
 * problem: boot loops (count, period), download vs flash boot, strapping
 * oddities, every catalogued failure, brown-outs, crashes with their
 * backtrace (named through an ELF's symbols), an application written where
 * the bootloader belongs. Pure: no I/O, no printing, so that `espburn
 * explain` (a saved log) and `espburn monitor` (a live port) share it. */
#ifndef ESPBURN_BOOTLOG_H
#define ESPBURN_BOOTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootlog_catalogue.h"
#include "boot/elf_syms.h"
#include "chip/chips.h"

#define BOOTLOG_MAX_FINDINGS 48
#define BOOTLOG_LINE_MAX     512

enum bootlog_stage {
    BOOTLOG_STAGE_NONE,
    BOOTLOG_STAGE_ROM,
    BOOTLOG_STAGE_SECOND,
    BOOTLOG_STAGE_APP
};

struct bootlog_finding {
    enum bootlog_level level;
    char code[40];              /* stable id: "app-at-bootloader-offset" */
    char key[80];               /* code plus what makes it distinct */
    char what[512];             /* what happened */
    char why[1024];             /* why */
    char fix[768];              /* what to do */
    char plan[768];             /* filled by bootlog_tie_plan(): the files involved */
    char file[64];              /* bootlog_tie_plan(): the plan's file at the offset concerned, or "" */
    unsigned line;              /* line of the log where it was first seen */
    unsigned count;             /* how many times */
    unsigned version;           /* bumped whenever the texts or count change */
    enum bootlog_target target; /* flash offset it concerns, for --plan */
    uint32_t target_off;        /* BOOTLOG_TARGET_APP: the offset */
};

struct bootlog_opts {
    const struct chip *chip;     /* known chip, or NULL: from the banner */
    const struct elf_syms *syms; /* application symbols, or NULL */
};

struct bootlog;

struct bootlog *bootlog_new(const struct bootlog_opts *opts); /* NULL: out of memory */
void bootlog_free(struct bootlog *bl);

/* Feed bytes as they arrive. `t` is their arrival time in seconds when the
 * caller knows it (a live port), or negative: then timestamps written in
 * the log itself ("[12:00:01.250]", "12:00:01.250 -> ") are used. */
void bootlog_feed(struct bootlog *bl, const char *data, size_t n, double t);
/* End of input: analyse the last partial line and conclude (healthy boot,
 * nothing recognised). Feeding after this is allowed (a monitor may). */
void bootlog_finish(struct bootlog *bl);

/* Add a finding from outside the log (a plan, a monitor's own checks);
 * one with the same code is counted instead. Returns its index, or -1. */
int bootlog_note(struct bootlog *bl, enum bootlog_level level, const char *code, const char *what,
                 const char *why, const char *fix);

unsigned bootlog_count(const struct bootlog *bl);
const struct bootlog_finding *bootlog_finding(const struct bootlog *bl, unsigned i);
struct bootlog_finding *bootlog_finding_mut(struct bootlog *bl, unsigned i);
bool bootlog_failed(const struct bootlog *bl); /* some BOOTLOG_FAIL finding */

struct bootlog_summary {
    const struct chip *chip; /* NULL when the log does not say */
    const char *rom;         /* "ESP32 ROM of chip revisions 0 and 1", or NULL */
    unsigned lines, boots;
    enum bootlog_stage stage; /* furthest stage reached by any boot */
    enum bootlog_stage now;   /* stage of the current (last) boot */
    double period;            /* median seconds between boots, 0 when unknown */
    char idf_version[40];     /* second-stage bootloader's ESP-IDF version, or "" */
    char boot_mode[96];       /* last "SPI_FAST_FLASH_BOOT (boot:0x13)", or "" */
};
void bootlog_summary(const struct bootlog *bl, struct bootlog_summary *out);

const char *bootlog_level_name(enum bootlog_level level); /* "info", "warn", "fail" */
const char *bootlog_stage_name(enum bootlog_stage stage); /* "none", "rom", ... */

#endif
