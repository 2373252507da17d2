/* cli_fold.c - folding identical boot rounds (see cli_fold.h). */
#include "cli/cli_fold.h"

#include <stdlib.h>
#include <string.h>

bool fold_init(struct fold *f)
{
    memset(f, 0, sizeof *f);
    f->prev = malloc(FOLD_MAX_ROUND + FOLD_MAX_CHUNK);
    f->cur = malloc(FOLD_MAX_ROUND + FOLD_MAX_CHUNK);
    return f->prev && f->cur;
}

void fold_free(struct fold *f)
{
    free(f->prev);
    free(f->cur);
    memset(f, 0, sizeof *f);
}

static bool too_long(size_t n)
{
    return n > FOLD_MAX_ROUND;
}

/* The current round so far is the start of the previous one. */
static bool still_matches(const struct fold *f)
{
    return !too_long(f->ncur) && f->ncur <= f->nprev && memcmp(f->cur, f->prev, f->ncur) == 0;
}

size_t fold_release(struct fold *f, const uint8_t **show)
{
    size_t n = f->holding ? f->ncur - f->shown : 0;
    *show = f->cur + f->shown;
    f->holding = false;
    f->shown = f->ncur;
    return n;
}

size_t fold_add(struct fold *f, const uint8_t *p, size_t n, const uint8_t **show)
{
    if (too_long(f->ncur) || n > FOLD_MAX_CHUNK) { /* not kept: passed through */
        f->ncur = FOLD_MAX_ROUND + 1;
        *show = p;
        return n;
    }
    memcpy(f->cur + f->ncur, p, n); /* room: FOLD_MAX_ROUND + FOLD_MAX_CHUNK */
    f->ncur += n;
    if (f->holding && still_matches(f))
        return 0;
    f->holding = true; /* hand out everything not shown yet */
    return fold_release(f, show);
}

bool fold_next_round(struct fold *f, const uint8_t **show, size_t *n)
{
    bool same = !too_long(f->ncur) && f->ncur == f->nprev && memcmp(f->cur, f->prev, f->ncur) == 0;
    bool folded = same && f->holding && f->shown == 0;
    *n = folded ? 0 : fold_release(f, show);
    f->identical = same ? f->identical + 1 : 0;
    uint8_t *t = f->prev;
    f->prev = f->cur;
    f->cur = t;
    f->nprev = f->ncur;
    f->ncur = 0;
    f->shown = 0;
    f->holding = f->identical + 1 >= FOLD_AFTER && !too_long(f->nprev) && f->nprev > 0;
    return folded;
}
