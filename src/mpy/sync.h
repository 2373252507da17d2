/* sync.h - make a folder on the board equal to a local folder: unchanged
 * files are found by size and a SHA-256 computed on the board (all of them
 * in one round trip), changed ones written atomically, extras deleted only
 * when asked, and last: a sync that fails has deleted nothing. The board
 * path is normalised first (".." and "." resolved); a mount point is never
 * deleted, and deleting in a root or mount point, or more files than the
 * folder keeps, is refused unless allowed. Reports each action through a
 * callback; prints nothing. */
#ifndef ESPBURN_MPY_SYNC_H
#define ESPBURN_MPY_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/ignore.h"
#include "mpy/fs.h"

/* File bytes moved so far of all those the command moves (each round trip). */
typedef void (*mpy_progress)(void *ctx, size_t done, size_t total);

/* The source of the rule on_skip gets for a symbolic link that is not
 * followed (it leaves the folder, or loops back into it). */
#define MPY_SYNC_LINK_SOURCE "symbolic link"

/* Told about each local file or folder the ignore rules leave out, and each
 * link that is not followed (source MPY_SYNC_LINK_SOURCE). */
typedef void (*mpy_sync_skip_report)(void *ctx, const char *rel, bool is_dir, const struct ignore_rule *why);

struct mpy_sync_opts {
    const char *local;          /* local folder */
    const char *remote;         /* board folder */
    bool delete_extra;          /* remove board files the local folder lacks */
    bool dry_run;               /* say what would happen, change nothing */
    const char *const *exclude; /* fnmatch patterns on relative path or name */
    size_t nexclude;
    bool no_ignore;               /* do not apply the default rules and .espburnignore files */
    bool copy_all;                /* write every file, without asking the board for hashes (cp -r) */
    bool delete_root;             /* delete_extra may delete in a filesystem root or mount point */
    bool force;                   /* delete_extra may delete more files than the folder keeps */
    mpy_sync_skip_report on_skip; /* may be NULL */
    void *skip_ctx;
    mpy_progress on_progress; /* may be NULL */
    void *progress_ctx;
};

enum mpy_sync_action {
    MPY_SYNC_ADD,
    MPY_SYNC_UPDATE,
    MPY_SYNC_DELETE,
    MPY_SYNC_SAME,
    MPY_SYNC_MKDIR
};

typedef void (*mpy_sync_report)(void *ctx, enum mpy_sync_action a, const char *remote_path, size_t bytes);

struct mpy_sync_stats {
    size_t added, updated, deleted, unchanged, dirs;
    size_t bytes; /* file bytes written */
};

/* Whether sync leaves out the local file `rel` (it, or a folder it is in,
 * is excluded). */
bool mpy_sync_skips(const struct mpy_sync_opts *o, const char *rel);

int mpy_sync(struct mpy_fs *fs, const struct mpy_sync_opts *o, mpy_sync_report cb, void *ctx,
             struct mpy_sync_stats *st, eb_err *err);

/* The other direction: copy the board folder `remote` and everything below
 * it into the local folder `local` (made as needed), each file checked
 * against the board's SHA-256 and written atomically. */
struct mpy_fetch_stats {
    size_t files, dirs, bytes;
};
int mpy_fetch_tree(struct mpy_fs *fs, const char *remote, const char *local, mpy_progress progress, void *ctx,
                   struct mpy_fetch_stats *st, eb_err *err);

/* Make a board folder and the folders above it that are missing (mkdir -p). */
int mpy_fs_mkdir_parents(struct mpy_fs *fs, const char *path, eb_err *err);

#endif
