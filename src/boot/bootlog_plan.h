/* bootlog_plan.h - ties boot findings to the files of a flash plan: "the
 * image at 0x1000 is MicroPython.bin, an application", and where each file
 * belongs. Pure: reads the plan the caller built, never prints. */
#ifndef ESPBURN_BOOTLOG_PLAN_H
#define ESPBURN_BOOTLOG_PLAN_H

#include "boot/bootlog.h"
#include "plan/plan.h"

/* Fill the `plan` sentence of every finding that concerns a flash offset. */
void bootlog_tie_plan(struct bootlog *bl, const struct plan *p);

#endif
