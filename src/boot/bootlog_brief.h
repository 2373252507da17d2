/* bootlog_brief.h - the short forms of boot findings, for a live screen:
 * one line that says what happened and what to do (the monitor's inline
 * finding), the cause as a few words ("application at the bootloader
 * offset (MicroPython.bin)", for the boot-loop line and a status line),
 * and the fix as a command or a few words. The full What/Why/Fix stay in
 * struct bootlog_finding; these are the wording of each finding code, as
 * data (bootlog_brief.c), filled in with the chip's bootloader offset and
 * the plan's file name when known. */
#ifndef ESPBURN_BOOTLOG_BRIEF_H
#define ESPBURN_BOOTLOG_BRIEF_H

#include "boot/bootlog.h"

struct bootlog_brief {
    char line[320];  /* "MicroPython.bin is an application at 0x1000 — write it at 0x10000 ..." */
    char cause[192]; /* "application at the bootloader offset (MicroPython.bin)" */
    char fix[256];   /* "espburn flash 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 MicroPython.bin" */
    bool titled;     /* `line` starts with the finding's name ("boot loop ×10"): no code before it */
};

/* The short forms of finding `f` of `bl` (a boot loop's name its cause). */
void bootlog_brief(const struct bootlog *bl, const struct bootlog_finding *f, struct bootlog_brief *out);

/* The finding that explains what the board does now: the first failure
 * other than the boot loop (its cause), else the boot loop, else the
 * first warning; NULL when nothing is wrong. */
const struct bootlog_finding *bootlog_diagnosis(const struct bootlog *bl);

/* True when `code` has short texts of its own (else the full ones are used). */
bool bootlog_brief_known(const char *code);

/* The boot-loop finding, or NULL. */
const struct bootlog_finding *bootlog_loop(const struct bootlog *bl);

#endif
