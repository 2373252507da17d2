/* mip.h - `mip install`: packages from a micropython-lib style index (the
 * layout of micropython-lib and mpremote's mip: INDEX/package/MPY/NAME/
 * VERSION.json naming each file by a short SHA-256 under INDEX/file/, or by
 * a URL, plus dependencies), fetched by URL (libcurl) or from a local
 * folder, and written into a board folder (/lib) atomically, checked. */
#ifndef ESPBURN_MPY_MIP_H
#define ESPBURN_MPY_MIP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "mpy/fs.h"

/* One package document (untrusted: from the network). */
struct mpy_mip_file {
    char *path;   /* where it goes, relative to the target; no "..", not absolute */
    char *source; /* short SHA-256 (hashes) or URL (urls) */
    bool is_url;
};
struct mpy_mip_dep {
    char *name, *version;
};
struct mpy_mip_package {
    struct mpy_mip_file *files;
    size_t nfiles;
    struct mpy_mip_dep *deps;
    size_t ndeps;
};
int mpy_mip_parse_package(const char *json, size_t len, struct mpy_mip_package *out, eb_err *err);
void mpy_mip_package_free(struct mpy_mip_package *p);

struct mpy_mip_opts {
    const char *index;  /* URL or local folder of the index */
    const char *target; /* board folder; NULL: the board's .../lib on sys.path, else ROOT/lib */
    bool py;            /* ask for .py sources even where the board takes .mpy */
};
/* Called for each file written. */
typedef void (*mpy_mip_report)(void *ctx, const char *package, const char *remote_path, size_t bytes);
struct mpy_mip_stats {
    size_t packages, files, bytes;
    char target[256];
    char flavour[16]; /* "py" or the .mpy version asked for ("6") */
};

/* Install `spec` (NAME, NAME@VERSION, or a URL of a .py/.mpy file or of a
 * package .json) and its dependencies. */
int mpy_mip_install(struct mpy_fs *fs, const char *spec, const struct mpy_mip_opts *o, mpy_mip_report cb,
                    void *ctx, struct mpy_mip_stats *st, eb_err *err);

#endif
