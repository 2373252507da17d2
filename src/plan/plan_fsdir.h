/* plan_fsdir.h - a host folder as the tree of a filesystem image
 * (fs/fs.h): every file read, less what `.espburnignore` (in any folder)
 * and the default rules leave out, each left-out path kept with its rule.
 * Used by `fs build`, `flash --fs DIR` and the virtual board. */
#ifndef ESPBURN_PLAN_FSDIR_H
#define ESPBURN_PLAN_FSDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/bytes.h"
#include "common/err.h"
#include "common/ignore.h"
#include "fs/fs.h"

struct plan_fsdir_skip {
    char *path;
    const struct ignore_rule *rule;
    bool dir;
};

struct plan_fsdir {
    struct fs_tree tree;
    struct ignore_rules rules;
    bool use_ignore;
    bytes *data; /* file contents, owned here */
    size_t ndata, capdata;
    struct plan_fsdir_skip *skip; /* what the rules left out */
    size_t nskip, capskip;
};

/* Read the folder `dir` into w->tree (w zeroed first; use_ignore: apply the
 * default rules and .espburnignore files). EB_USAGE when dir is no folder.
 * plan_fsdir_free `w` in every case. */
int plan_fsdir_read(struct plan_fsdir *w, const char *dir, bool use_ignore, eb_err *err);
void plan_fsdir_free(struct plan_fsdir *w);

/* The other way: node n of v (a file, or a folder and everything below
 * it) into `local` on the host: folders made, each file written atomically
 * with the modification time the filesystem keeps. A name that would leave
 * `local` ('..', '/') is refused (EB_PROBLEM). *files and *nbytes count what
 * was written, also when it fails half way. */
int plan_fsdir_write(struct fs_vol *v, const struct fs_node *n, const char *local, size_t *files,
                     uint64_t *nbytes, eb_err *err);

#endif
