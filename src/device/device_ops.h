/* device_ops.h - the other workflows on a connected board: compare a plan
 * with the flash (MD5 per region, the chip computing its side), read flash
 * checked against the chip's MD5, erase and check that it reads back
 * erased. */
#ifndef ESPBURN_DEVICE_OPS_H
#define ESPBURN_DEVICE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "device/device.h"
#include "device/device_regions.h"
#include "plan/plan.h"

struct device_verify_region {
    uint32_t addr;
    const char *path; /* owned by the plan */
    size_t size;
    bool matches;
};

/* Compare every region of `p` (the bootloader header as flashing with `h`
 * would write it) with the board's flash, 256 KB at a time, `progress`
 * (or NULL) told the bytes compared of the plan's total. Fills *out
 * (free() it) with one entry per region and *ndiff with how many differ;
 * 0 also when some differ, -1 only when the comparison itself failed. */
int device_verify(struct device *d, const struct plan *p, const struct device_header_opts *h,
                  struct device_verify_region **out, unsigned *n, unsigned *ndiff,
                  loader_progress_fn progress, void *pctx, eb_err *err);

/* Append `size` bytes of flash from `addr` to `out`, then check them against
 * the chip's MD5 of the range (EB_PROBLEM when they differ: the link damaged
 * them). EB_USAGE when the range goes beyond the flash. */
int device_read(struct device *d, uint32_t addr, uint32_t size, bytes *out, loader_progress_fn progress,
                void *pctx, eb_err *err);

/* Is [addr, addr+size) an erasable range: size non-zero, both multiples
 * of 4 KB? EB_USAGE when not. */
int device_erase_check(uint32_t addr, uint32_t size, eb_err *err);
/* Erase [addr, addr+size), or the whole flash when size is 0 (addr is then
 * ignored), then check it reads back as 0xFF (EB_PROBLEM when it does not).
 * Both go 256 KB at a time: `progress` (or NULL) is told the bytes erased
 * plus the bytes checked, of twice the size. */
int device_erase(struct device *d, uint32_t addr, uint32_t size, loader_progress_fn progress, void *pctx,
                 eb_err *err);

#endif
