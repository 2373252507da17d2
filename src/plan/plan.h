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
#include "image/identify.h"

enum finding_level { FIND_INFO, FIND_WARN, FIND_ERROR }; /* FIND_ERROR refuses the plan */

struct finding {
    enum finding_level level;
    char code[32];       /* stable id for tests and JSON: "app-at-bootloader-offset" */
    char text[768];      /* plain sentences: what is wrong, why, and the fix */
};

struct plan_region {
    uint32_t addr;
    bytes data;          /* exactly what will be written */
    char path[1024];     /* the file as the user or manifest named it */
    struct fw_ident *id; /* what the data is (owned by the plan) */
    char partition[17];  /* label of the partition it lands in, "" if none */
};

struct plan_opts {
    const struct chip *chip;   /* --chip, or NULL: from the images */
    uint32_t flash_size;       /* --flash-size in bytes, or 0 */
    bool force;                /* --force: keep going past FIND_ERROR */
};

struct plan {
    const struct chip *chip;   /* decided chip (option, images, manifest) */
    char source_kind[32];      /* "folder", "flasher_args.json", "esp-web-tools manifest", ... */
    char flash_mode[8], flash_freq[8], flash_size[16]; /* from the source; "" = keep */
    unsigned nregions;
    struct plan_region *regions;   /* sorted by address */
    unsigned nfindings;
    struct finding *findings;
    bool refused;                  /* some finding is FIND_ERROR (even with --force) */
    bool has_table;
    struct part_table table;       /* the partition table the plan writes, if any */
    uint32_t table_offset;
};

/* Build and check the plan from `nsrc` sources (paths, "ADDR FILE" pairs
 * given as two consecutive arguments, or "FILE@ADDR"). Fails only when a
 * source cannot be read or understood at all; problems with the layout
 * become findings. */
int plan_build(int nsrc, char **src, const struct plan_opts *opts, struct plan *out, eb_err *err);
void plan_free(struct plan *p);

/* The equivalent esptool command line (v4+ syntax), for the user to learn. */
int plan_esptool_command(const struct plan *p, const char *port, bytes *out);

/* One image of everything in the plan from `base`, gaps 0xFF (merge_bin). */
int plan_merge_raw(const struct plan *p, uint32_t base, bytes *out, eb_err *err);

#endif
