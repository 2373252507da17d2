/* pattern.h - the tiny matcher behind the message catalogue: literal text
 * with typed holes, found anywhere in a line. A space matches one or more
 * blanks; %x a hex number (optional 0x), %d a decimal number (optional -),
 * %s a word (a run of anything but blanks, ')' and ','); %% a percent sign. Captures hold the text of
 * each hole (without 0x). No backtracking, so it is linear per start. */
#ifndef ESPBURN_PATTERN_H
#define ESPBURN_PATTERN_H

#include <stdbool.h>

#define PAT_MAX_CAPS 4
#define PAT_CAP_LEN  48

struct pat_caps {
    int n;
    char cap[PAT_MAX_CAPS][PAT_CAP_LEN];
};

/* True when `pat` occurs in `line`; fills caps (may be NULL). */
bool pat_find(const char *pat, const char *line, struct pat_caps *caps);
/* True when `line` starts with `pat`. */
bool pat_match_at(const char *pat, const char *line, struct pat_caps *caps);

#endif
