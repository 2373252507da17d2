/* dirwatch.h - changes in a folder tree: which files were added, changed
 * or removed since the last look. Linux inotify says when to look (every
 * folder watched, new ones added as they appear); where inotify is not
 * available (or when asked), the tree is polled instead. Either way the
 * changes come from comparing two snapshots (path, size, modification
 * time), so both modes report the same thing. Prints nothing. */
#ifndef ESPBURN_DIRWATCH_H
#define ESPBURN_DIRWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define DIRWATCH_POLL_MS  250 /* how often the tree is scanned when polling */
#define DIRWATCH_QUIET_MS 40  /* events settle (an editor's save is several) */

enum dirwatch_kind {
    DIRWATCH_ADDED,
    DIRWATCH_CHANGED,
    DIRWATCH_REMOVED
};

struct dirwatch_change {
    char *rel; /* relative to the root, '/'-separated */
    bool dir;
    enum dirwatch_kind kind;
};
struct dirwatch_changes {
    struct dirwatch_change *v;
    size_t n, cap;
    int64_t first_ms; /* eb_now_ms() when the first of them was noticed */
};
void dirwatch_changes_free(struct dirwatch_changes *c);

struct dirwatch;

/* Start watching `root` (a snapshot is taken now). force_poll: poll even
 * where inotify works. */
int dirwatch_open(const char *root, bool force_poll, struct dirwatch **out, eb_err *err);
/* True when the tree is polled (inotify unavailable or refused). */
bool dirwatch_polling(const struct dirwatch *w);
/* Wait at most timeout_ms (0: just look) for changes; 1 with `out` filled
 * (folders before their files, removals included), 0 when nothing changed. */
int dirwatch_wait(struct dirwatch *w, int timeout_ms, struct dirwatch_changes *out, eb_err *err);
void dirwatch_close(struct dirwatch *w);

#endif
