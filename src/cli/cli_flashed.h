/* cli_flashed.h - what `espburn flash` last wrote to each port, remembered so
 * that `espburn monitor` on that port names the files behind a boot failure
 * without --plan, and the rate a board command last used on each port (a
 * stub left running there still listens at it). One JSON file, flashed.json, in the user's state folder:
 * $ESPBURN_STATE, else $XDG_STATE_HOME/espburn, else ~/.local/state/espburn. */
#ifndef ESPBURN_FLASHED_H
#define ESPBURN_FLASHED_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define FLASHED_MAX_SOURCES 64

struct flashed {
    char when[32]; /* local time of the flash, "2026-11-25 12:31" */
    char chip[24]; /* --chip given to flash, or "" */
    int nsrc;
    char *src[FLASHED_MAX_SOURCES]; /* the sources as `plan` takes them, files made absolute */
};

/* Remember that `nsrc` sources (as given to flash) were written to `port`. */
int flashed_record(const char *port, int nsrc, char *const *src, const char *chip, eb_err *err);
/* What was last written to `port`; false when nothing is known. */
bool flashed_lookup(const char *port, struct flashed *out);
/* Remember that a board command last talked to `port` at `baud`. */
int flashed_record_baud(const char *port, uint32_t baud, eb_err *err);
/* The rate last used on `port`; 0 when not known. */
uint32_t flashed_last_baud(const char *port);
void flashed_free(struct flashed *f);

#endif
