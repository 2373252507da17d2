/* cli_fold.h - quiet repeats for the monitor: a board in a boot loop prints
 * the same round (banner to banner) again and again; after three identical
 * rounds, each further round is held back while it matches the one before
 * and, when it ends identical, folded (the caller says "… N more identical
 * boots"). A round that differs is shown whole as soon as it differs. No
 * printing here: the caller shows what these functions hand back. */
#ifndef ESPBURN_CLI_FOLD_H
#define ESPBURN_CLI_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FOLD_AFTER     3           /* identical rounds shown before folding */
#define FOLD_MAX_ROUND (64u << 10) /* a longer round is never folded */
#define FOLD_MAX_CHUNK 4096u       /* fold_add takes at most this much at once */

struct fold {
    uint8_t *prev, *cur; /* the last complete round, the current one */
    size_t nprev, ncur;  /* their lengths (FOLD_MAX_ROUND + 1: too long) */
    size_t shown;        /* bytes of `cur` already handed out to show */
    unsigned identical;  /* consecutive complete rounds equal to the one before */
    bool holding;        /* the current round is held back while it matches */
};

/* false: out of memory. */
bool fold_init(struct fold *f);
void fold_free(struct fold *f);
/* Bytes of the current round arrived (at most FOLD_MAX_CHUNK: more is
 * shown, and the round is then never folded); *show/return: what to show now
 * (nothing while the round is held back). */
size_t fold_add(struct fold *f, const uint8_t *p, size_t n, const uint8_t **show);
/* Stop holding this round back (the board went quiet, something else must
 * be printed, the end): what was held, to show now. */
size_t fold_release(struct fold *f, const uint8_t **show);
/* The next round starts. Returns true when the round that ended was held
 * back whole and identical: folded. Otherwise what it still held is
 * handed out in *show / *n. */
bool fold_next_round(struct fold *f, const uint8_t **show, size_t *n);

#endif
