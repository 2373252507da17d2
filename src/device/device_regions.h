/* device_regions.h - what one board gets from a plan: the regions, with
 * the bootloader header patched for this board (flash mode, frequency and
 * size), and the checks that refuse what cannot work on it. Shared by the
 * flash and verify workflows. */
#ifndef ESPBURN_DEVICE_REGIONS_H
#define ESPBURN_DEVICE_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "device/device.h"
#include "plan/plan.h"

/* Bootloader header fields (esptool's --flash-mode/-freq/-size): NULL =
 * the plan's value, else "keep", or a value ("dio", "40m", "4MB", "detect"). */
struct device_header_opts {
    const char *mode, *freq, *size;
};

/* One region as this board gets it. */
struct device_region {
    uint32_t addr;
    const uint8_t *data; /* the plan's bytes, or `patched` */
    size_t len;
    const char *path, *role; /* owned by the plan / static */
    bool header_patched;     /* the bootloader header differs from the file's */
    bytes patched;           /* owns data when patched */
};

/* The plan's regions for board `d`, the bootloader's header patched (mode,
 * size, freq; SHA-256 recomputed) when it sits at the chip's bootloader
 * offset and an option or the plan asks for it. EB_USAGE for a value the
 * chip does not take. Free with device_regions_free. */
int device_regions(const struct plan *p, const struct device *d, const struct device_header_opts *h,
                   struct device_region **out, unsigned *n, eb_err *err);
void device_regions_free(struct device_region *r, unsigned n);

/* Refuse what cannot work on this board (EB_PROBLEM, "nothing was
 * written"): wrong chip, images beyond the flash, a table larger than the
 * flash, flash encryption, a bootloader under secure boot, Secure Download
 * Mode. `force` lets all but the last two through. */
int device_check_fit(const struct plan *p, const struct device *d, bool force, eb_err *err);

#endif
