/* cli_fs.h - what the two halves of `espburn fs` share (fs.c: reading
 * images and dumps; fs_build.c: `fs build`). */
#ifndef ESPBURN_FS_CLI_H
#define ESPBURN_FS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli_device.h"
#include "fs/fs.h"

struct fs_cli {
    const char *sub;       /* build, ls, tree, df, cat, get */
    const char *image;     /* IMAGE (read) */
    const char *path;      /* :PATH without the ':' */
    const char *local;     /* get: LOCAL; build: DIR */
    const char *out;       /* build: -o */
    const char *partition; /* --partition NAME */
    const char *table;     /* build: --table TABLE|PLAN */
    enum fs_type type;     /* --type, FS_AUTO when not given */
    uint32_t size, sector_size;
    bool json, recursive, no_ignore, verbose, dry_run;
    struct cli_device_opts dev; /* -p PORT and the other device options (reading a board) */
    bool board;                 /* read the board's partition instead of IMAGE */
};

/* `fs build` (fs_build.c). */
int cli_fs_build(const struct fs_cli *o);

/* The partition named `name` (or, with name NULL, the only or first
 * filesystem partition) in the table of `path` (binary, CSV, merged image,
 * flash dump, or any plan source with a table): its size and subtype. */
int cli_fs_partition(const char *path, const char *name, uint32_t *size, uint8_t *subtype, char label[17],
                     eb_err *err);

#endif
