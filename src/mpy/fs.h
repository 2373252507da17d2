/* fs.h - files on a MicroPython board, through one session: listing,
 * hashing (batched, computed on the board), reading, atomic writes
 * (temporary name, size + SHA-256 checked on the board, then renamed over
 * the old file; a backup name where rename cannot replace), removing. */
#ifndef ESPBURN_MPY_FS_H
#define ESPBURN_MPY_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "mpy/session.h"

struct mpy_fs {
    struct mpy *m;
    bool has_hash;      /* hashlib.sha256 on the board */
    bool has_deflate;   /* the deflate module on the board */
    bool allow_deflate; /* may use it (tests turn it off to cover base64) */
    int binary;         /* running code can read stdin: -1 not probed yet, 0, 1 */
    bool allow_binary;  /* may send file data as raw bytes over stdin */
    char cwd[256];      /* the board's working folder */
    char root[16];      /* its main filesystem: "/flash" (LoBo) or "/" */
};

struct mpy_entry {
    char *path;
    char type; /* 'f' file, 'd' folder, '-' missing */
    long size;
    char sha[65]; /* hex SHA-256 from the board, "" when unknown */
};
struct mpy_entries {
    struct mpy_entry *v;
    size_t n, cap;
};
void mpy_entries_free(struct mpy_entries *e);

struct mpy_put_stats {
    size_t wire_bytes; /* encoded bytes of file data sent */
    bool deflated;     /* at least one block went compressed */
    bool binary;       /* went as raw bytes over stdin */
};

/* Define the helpers on the board and learn what it has. */
int mpy_fs_init(struct mpy_fs *fs, struct mpy *m, eb_err *err);
/* Entries of a folder (recursive: the whole tree), or the one entry of a file. */
int mpy_fs_list(struct mpy_fs *fs, const char *path, bool recursive, struct mpy_entries *out, eb_err *err);
/* Size and SHA-256 of many files in one round trip (type '-' when missing). */
int mpy_fs_hash(struct mpy_fs *fs, char *const *paths, size_t n, struct mpy_entries *out, eb_err *err);
/* One SHA-256 over the state of the entries `rels` (relative to the folder
 * `root`): for each, in the order given, "f SIZE SHA256 REL\n", "d REL\n"
 * or "- REL\n" (missing); and the count of other entries below root,
 * scratch files of interrupted writes apart. hex is "" when the board
 * cannot tell (no hashlib, root not a folder). One round trip whose answer
 * is one line, however many files. */
struct mpy_tree_digest {
    char hex[65];
    size_t scratch, extras;
};
int mpy_fs_tree_digest(struct mpy_fs *fs, const char *root, char *const *rels, size_t n,
                       struct mpy_tree_digest *d, eb_err *err);
/* 'f', 'd' or '-' (missing). */
int mpy_fs_type(struct mpy_fs *fs, const char *path, char *type, eb_err *err);
int mpy_fs_get(struct mpy_fs *fs, const char *path, bytes *out, eb_err *err);
int mpy_fs_put(struct mpy_fs *fs, const char *path, const uint8_t *data, size_t n, struct mpy_put_stats *st,
               eb_err *err);
/* Writes of many files, packed into few round trips. Each file is still
 * atomic; a refused write stops the batch with a clear error. */
struct mpy_put_batch {
    bytes code;
    char **touched; /* files the pending code writes, in order */
    size_t ntouched, cap;
    bool last_open; /* the last file has blocks still to come */
    size_t queued;  /* file bytes in the pending code */
    /* told the file bytes each round trip has written (may be NULL) */
    void (*sent)(void *ctx, size_t bytes);
    void *sent_ctx;
};
int mpy_put_batch_add(struct mpy_fs *fs, struct mpy_put_batch *b, const char *path, const uint8_t *data,
                      size_t n, struct mpy_put_stats *st, eb_err *err);
int mpy_put_batch_flush(struct mpy_fs *fs, struct mpy_put_batch *b, eb_err *err);
void mpy_put_batch_free(struct mpy_put_batch *b);

int mpy_fs_rm(struct mpy_fs *fs, const char *path, bool recursive, eb_err *err);
/* The absolute, normalised form of a board path ("", ".", "..", "//" resolved
 * against the working folder); -1 when it does not fit in n. */
int mpy_fs_abs_path(const struct mpy_fs *fs, const char *path, char *out, size_t n);
/* True when the absolute path is the root or a mounted filesystem: a folder
 * the board cannot remove, never a candidate for deletion. */
bool mpy_fs_is_mount(const struct mpy_fs *fs, const char *abs);
/* Refuse (EB_PROBLEM, naming `flag` as the override) when path is a root or mount point. */
int mpy_fs_check_not_mount(const struct mpy_fs *fs, const char *path, const char *flag, eb_err *err);
/* Remove everything inside a folder, keeping the folder (and mount points inside it). */
int mpy_fs_empty(struct mpy_fs *fs, const char *path, eb_err *err);
int mpy_fs_mkdir(struct mpy_fs *fs, const char *path, eb_err *err);
int mpy_fs_rmdir(struct mpy_fs *fs, const char *path, eb_err *err);
int mpy_fs_rename(struct mpy_fs *fs, const char *from, const char *to, eb_err *err);
/* mv: into `to` when it is a folder; a root or mount point, or a folder into
 * itself, is refused (EB_PROBLEM) naming both paths. */
int mpy_fs_move(struct mpy_fs *fs, const char *from, const char *to, eb_err *err);
/* Copy a file on the board (atomically replacing `to`). */
int mpy_fs_copy(struct mpy_fs *fs, const char *from, const char *to, eb_err *err);
int mpy_fs_df(struct mpy_fs *fs, const char *path, uint64_t *total, uint64_t *free_bytes, eb_err *err);

/* Parse the helpers' listing lines ("HEXPATH TYPE SIZE [SHA]") from the
 * board's output (untrusted). */
int mpy_parse_entries(const bytes *text, struct mpy_entries *out, eb_err *err);

/* Join a board folder and a relative name with '/'. */
int mpy_path_join(char *out, size_t n, const char *dir, const char *name);

/* Finish what an interrupted write of `path` left: drop its temporary
 * file, restore its backup if the file itself is missing. */
int mpy_fs_recover(struct mpy_fs *fs, const char *path, eb_err *err);
/* True for the temporary and backup names mpy_fs_put uses. */
bool mpy_fs_is_scratch(const char *path, size_t *base_len);
#endif
