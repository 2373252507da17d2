/* plan.h - the flash plan: which bytes go to which address, built from
 * what the user has (a folder, a manifest, a script with an esptool
 * command line, ADDR FILE pairs), then checked so that nothing that would
 * brick the boot is written by accident. Reads files; never prints. */
#ifndef ESPBURN_PLAN_H
#define ESPBURN_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "chip/chips.h"
#include "common/bytes.h"
#include "common/err.h"
#include "fs/fs.h"
#include "image/identify.h"

#define PLAN_PATH_MAX 1024 /* longest path a plan keeps, with its NUL */

enum finding_level {
    FIND_INFO,
    FIND_WARN,
    FIND_ERROR
}; /* FIND_ERROR refuses the plan */

struct finding {
    enum finding_level level;
    char code[32];    /* stable id for tests and JSON: "app-at-bootloader-offset" */
    char text[768];   /* plain sentences: what is wrong, why, and the fix */
    char effect[256]; /* FIND_ERROR: what happens on the board if written anyway (--force) */
};

struct plan_region {
    uint32_t addr;
    bytes data;               /* exactly what will be written */
    char path[PLAN_PATH_MAX]; /* the file as the user or manifest named it */
    struct fw_ident *id;      /* what the data is (owned by the plan) */
    char partition[17];       /* label of the partition it lands in, "" if none */
    bool explicit_addr;       /* the address came from the user or a manifest, not from the role */
    bool converted;           /* data is the binary table converted from the CSV at `path` */
    bool built_fs;            /* data is the filesystem image built from the folder `path` (--fs) */
};

/* A file of a folder (or source) that the plan does not write, and why. */
struct plan_skip {
    char path[PLAN_PATH_MAX];
    enum role role;
    char reason[200];
};

struct plan_opts {
    const struct chip *chip; /* --chip, or NULL: from the images */
    uint32_t flash_size;     /* --flash-size in bytes, or 0 */
    bool force;              /* --force: keep going past FIND_ERROR */
    /* --fs DIR[@PARTITION]: the folder's image for the plan's filesystem
     * partition (the only one, or fs_partition), as one more region. */
    const char *fs_dir;
    const char *fs_partition;
    enum fs_type fs_type; /* FS_AUTO: as the firmware mounts it (plan_fs.c) */
    bool fs_no_ignore;    /* keep what .espburnignore and the default rules leave out */
};

struct plan {
    const struct chip *chip; /* decided chip (option, images, manifest) */
    bool chip_assumed;       /* nothing said which: ESP32 by default, the board may differ */
    char source_kind[32];    /* "folder", "flasher_args.json", "esp-web-tools manifest", ... */
    /* From the source or --flash-size; else mode and freq as the bootloader's
     * header says (esptool's "keep") and size "detect"; "" = keep. */
    char flash_mode[8], flash_freq[8], flash_size[16];
    unsigned nregions;
    struct plan_region *regions; /* sorted by address */
    unsigned nfindings;
    struct finding *findings;
    bool refused; /* some finding is FIND_ERROR (even with --force) */
    unsigned nskipped;
    struct plan_skip *skipped;
    bool has_table;
    struct part_table table; /* the partition table the plan writes, if any */
    uint32_t table_offset;
};

/* Build and check the plan from `nsrc` sources (paths, "ADDR FILE" pairs
 * given as two consecutive arguments, or "FILE@ADDR"). Fails only when a
 * source cannot be read or understood at all; problems with the layout
 * become findings. */
int plan_build(int nsrc, char **src, const struct plan_opts *opts, struct plan *out, eb_err *err);
void plan_free(struct plan *p);

/* What an esptool line says besides the plan's files. */
struct esptool_args {
    const char *port;               /* NULL: "PORT" */
    uint32_t baud;                  /* 0: no -b (esptool's 115200) */
    const char *mode, *freq, *size; /* header options; NULL: the plan's */
    bool v4;                        /* esptool v4's spelling (esptool.py write_flash --flash_mode) */
    const struct chip *chip;        /* NULL: the plan's (a board's, when the plan only assumed one) */
};
#define ESPTOOL_SUGGESTED_BAUD 460800 /* what `plan` suggests: fast, and within every USB bridge's reach */

/* The equivalent esptool command line, for the user to learn: esptool v5's
 * spelling (esptool --chip esp32 -p PORT write-flash --flash-mode dio ...),
 * or v4's when a->v4 (esptool.py ... write_flash --flash_mode dio ...). */
int plan_esptool_command(const struct plan *p, const struct esptool_args *a, bytes *out);

/* One image of everything in the plan from `base`, gaps 0xFF (merge_bin). */
int plan_merge_raw(const struct plan *p, uint32_t base, bytes *out, eb_err *err);

enum plan_format {
    PLAN_RAW,
    PLAN_UF2,
    PLAN_HEX
};
/* The plan as one file: raw (from `base`), UF2 (the chip's family id) or
 * Intel HEX; UF2 and HEX carry each region at its own address. */
int plan_merge(const struct plan *p, enum plan_format fmt, uint32_t base, bytes *out, eb_err *err);

/* "info", "warning", "error". */
const char *finding_level_name(enum finding_level level);

#endif
