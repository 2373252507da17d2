/* cli_bootreport.h - how boot findings (src/boot/) are shown, shared by
 * `espburn explain` (a saved log) and `espburn monitor` (a live port): the
 * level label, the full block, the highlighted one-line form, JSON, and
 * loading an application ELF for backtraces. */
#ifndef ESPBURN_BOOTREPORT_H
#define ESPBURN_BOOTREPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "boot/bootlog.h"
#include "boot/bootlog_brief.h"

/* "FAIL", "WARN", "INFO"; in colour when `colour`. */
const char *bootreport_label(enum bootlog_level level, bool colour);
/* One block: the level and code, then what happened, why, what to do, the files. */
void bootreport_block(FILE *out, const struct bootlog_finding *f, bool colour);
#define BOOTREPORT_LINE_MAX 1024
/* One highlighted line (the monitor's): "espburn FAIL code: LINE · Ctrl-T E explains",
 * LINE the finding's short form, the hint shorter and then the line cut to fit `cols`
 * columns (0: not cut). */
void bootreport_brief_line(FILE *out, const struct bootlog_finding *f, const struct bootlog_brief *b,
                           bool colour, int cols);
/* The finding as a JSON object (caller owns it). */
cJSON *bootreport_json(const struct bootlog_finding *f);
/* Read the application ELF's function symbols; prints the error and returns
 * its exit code (EB_USAGE when the file is not an ELF) or 0. */
int bootreport_load_elf(const char *path, struct elf_syms *syms);

#endif
