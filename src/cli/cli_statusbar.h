/* cli_statusbar.h - two rows pinned to the bottom of the user's terminal
 * (the monitor's board state and diagnosis, its fix): the rows above
 * become a scroll region, so however fast the output scrolls the status
 * stays in view. Redrawn when its text changes and when the terminal is
 * resized (SIGWINCH); the terminal is given back whole at the end. */
#ifndef ESPBURN_CLI_STATUSBAR_H
#define ESPBURN_CLI_STATUSBAR_H

#include <stdbool.h>
#include <stdio.h>

#define STATUSBAR_ROWS     2
#define STATUSBAR_MIN_ROWS 6 /* a smaller terminal gets no status rows */
#define STATUSBAR_TEXT     512

struct statusbar {
    FILE *out;
    bool on, small; /* small: too few rows for now, nothing drawn */
    int rows, cols;
    char text[STATUSBAR_ROWS][STATUSBAR_TEXT]; /* what is drawn */
};

/* Pin the rows to the bottom of the terminal on `out` (stdout). False, and
 * nothing changed, when `out` is not a terminal or it is too small. */
bool statusbar_start(struct statusbar *s, FILE *out);
/* Set the rows' texts (clipped to the width); redrawn only when changed. */
void statusbar_set(struct statusbar *s, const char *row1, const char *row2);
/* The terminal was resized: a new scroll region, the rows redrawn. */
void statusbar_resize(struct statusbar *s);
/* Remove the rows and give the whole terminal back. */
void statusbar_end(struct statusbar *s);

#endif
