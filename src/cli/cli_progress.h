/* cli_progress.h - the one progress display every command that takes time
 * uses (flash, read, verify, erase, and the MicroPython file commands put/get/cp/sync):
 *
 *   struct cli_progress p;
 *   cli_progress_begin(&p, "read", o.quiet, o.json, o.progress);
 *   ... cli_progress_update(&p, done, total);   (from the library's callback)
 *   cli_progress_end(&p);
 *
 * Where it goes: a bar with bytes, rate and ETA redrawn on stderr when stderr
 * is a terminal (never as wide as it); nothing when stderr is not a terminal
 * (no escape codes in a file), nor with --quiet; with --json --progress one
 * JSON object per update on stdout ({"progress": WHAT, "done", "total",
 * "bytes_per_second", "eta_seconds"}), before the command's own document. */
#ifndef ESPBURN_CLI_PROGRESS_H
#define ESPBURN_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cli_progress_mode {
    CLI_PROGRESS_OFF,
    CLI_PROGRESS_BAR,       /* redrawn on stderr, a terminal */
    CLI_PROGRESS_JSON_LINES /* --json --progress: one object per line on stdout */
};

struct cli_progress {
    enum cli_progress_mode mode;
    char what[64];   /* "read", "put main.py", ... */
    int64_t t0_ms;   /* when it began (for the rate) */
    int64_t last_ms; /* the last update shown (at most 10 a second) */
    bool drawn;      /* a bar is on the screen (end clears it) */
};

/* Where progress goes for a command with these output options (see above). */
enum cli_progress_mode cli_progress_mode_for(bool quiet, bool json, bool json_progress);

/* Start showing the progress of `what`. */
void cli_progress_begin(struct cli_progress *p, const char *what, bool quiet, bool json, bool json_progress);
/* `done` of `total` bytes; shown at most 10 times a second, and always at the end. */
void cli_progress_update(struct cli_progress *p, size_t done, size_t total);
/* Clear the bar (a line of text may follow in its place). */
void cli_progress_end(struct cli_progress *p);
/* cli_progress_update as a library callback whose ctx is the struct
 * cli_progress (folder copies: put -r, get -r, sync); nothing to move (total
 * 0) draws nothing, and done never shows beyond total. */
void cli_progress_cb(void *ctx, size_t done, size_t total);

/* The bar's text for `what`, at most `width` - 1 columns: "what [####  ] 42%
 * 120 KB/s ETA 3s 512/1216 KB" (the counts only when they fit). */
void cli_progress_format(char *out, size_t n, int width, const char *what, size_t done, size_t total,
                         double secs);

#endif
