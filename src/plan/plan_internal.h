/* plan_internal.h - what the parts of src/plan/ share: the build context,
 * findings, and the checks (plan_check.c). Not for use outside src/plan/. */
#ifndef ESPBURN_PLAN_INTERNAL_H
#define ESPBURN_PLAN_INTERNAL_H

#include <string.h>

#include "plan/plan.h"

/* Copy a string into dst[0..n), cut to fit. */
static inline void str_copy(char *dst, size_t n, const char *src)
{
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

struct plan_ctx {
    const struct plan_opts *opts;
    const struct chip *manifest_chip; /* chip a manifest named, or NULL */
    unsigned folder_files;            /* files read while scanning folders */
    /* Found beside a misplaced application, to name the fix. */
    char hint_boot[256]; /* bootloader file name, "" if none */
    bool hint_has_app_addr;
    uint32_t hint_app_addr; /* boot app partition of a table found there */
};

/* ---- plan_sources.c ---- */

/* Read and identify every source into p->regions (files without an
 * address have explicit_addr false) and p->skipped. */
int plan_add_sources(struct plan *p, struct plan_ctx *c, int nsrc, char **src, eb_err *err);
/* Identify the files of a folder (and its subfolders, 2 deep). */
int plan_scan_folder(struct plan *p, struct plan_ctx *c, const char *dir, int depth, eb_err *err);
/* Move region i to the skipped list with `reason`. */
void plan_drop_region(struct plan *p, unsigned i, const char *reason);
void plan_free_region(struct plan_region *r);
/* A zeroed region with its `id` allocated, at p->regions[p->nregions]: the
 * caller fills it in and counts it (p->nregions++), or frees it with
 * plan_free_region. NULL when out of memory. */
struct plan_region *plan_new_region(struct plan *p, eb_err *err);
/* The folder part of a path ("." when none). */
void plan_dir_of(const char *path, char *out, size_t n);
/* Copy src into dst unless dst is already set. */
void plan_copy_setting(char *dst, size_t n, const char *src);

/* ---- plan_fs.c ---- */

/* --fs DIR[@PARTITION] (opts->fs_dir): build the folder's image for the
 * table's filesystem partition and add it as a region (built_fs). */
int plan_add_fs(struct plan *p, const struct plan_opts *o, eb_err *err);

/* ---- plan.c ---- */

int plan_add_finding(struct plan *p, enum finding_level level, const char *code, const char *effect,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The data partition subtype files of this role live in, or -1. */
int plan_data_subtype(enum role role);

/* Run every check over a built, placed and sorted plan. */
void plan_check(struct plan *p, const struct plan_ctx *c);

/* The last path component ("bootloader/bootloader.bin" -> "bootloader.bin"). */
const char *plan_base_name(const char *path);

/* Where the binary form of a converted CSV goes: "x/parts.csv" -> "x/parts.bin". */
void plan_converted_name(const char *csv, char *out, size_t n);

/* The first region with this role, or NULL. */
const struct plan_region *plan_find_role(const struct plan *p, enum role role);

#endif
