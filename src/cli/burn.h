/* burn.h - what each board gets from a plan: the plan built and its
 * findings shown, the regions with the bootloader header patched for this
 * board (--flash-mode/--flash-freq/--flash-size), and the checks that
 * refuse what cannot work on it. Shared by flash and verify. */
#ifndef ESPBURN_BURN_H
#define ESPBURN_BURN_H

#include "cli/device.h"
#include "plan/plan.h"

/* Build the plan from the sources and print its warnings and errors
 * (stderr); fails when it is refused (unless opts->force). */
int burn_plan_load(int nsrc, char **src, const struct plan_opts *po, bool quiet, struct plan *p, eb_err *err);

/* --flash-mode/--flash-freq/--flash-size: NULL = the plan's value, else keep. */
struct header_opts {
    const char *mode, *freq, *size;
};

/* What one board gets: the plan's regions, with the bootloader's header
 * patched (mode/size/freq, SHA-256 recomputed) when it sits at the chip's
 * bootloader offset and an option or the plan asks for it. */
struct burn_region {
    uint32_t addr;
    const uint8_t *data;
    size_t len;
    const char *path, *role;
    bool header_patched;
    bytes patched; /* owns data when patched */
};
int burn_regions(const struct plan *p, const struct device *d, const struct header_opts *h,
                 struct burn_region **out, unsigned *n, eb_err *err);
void burn_regions_free(struct burn_region *r, unsigned n);

/* Refuse what cannot work on this board: wrong chip, images beyond the
 * flash, a table larger than the flash, flash encryption, a bootloader under
 * secure boot, Secure Download Mode. */
int burn_check_fit(const struct plan *p, const struct device *d, bool force, eb_err *err);

#endif
