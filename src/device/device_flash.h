/* device_flash.h - writing a plan to one connected board: the board checks
 * (device_check_fit), the regions with the bootloader header patched, an
 * optional full or otadata erase, then the skip check of every region first
 * (which 4 KB sectors already hold the right bytes, by MD5 on the chip), the
 * runs to write compressed ahead on a worker thread while earlier ones are
 * written, each run written (FLASH_DEFL_*) and verified by MD5. Reports
 * through callbacks (progress bytes, one-line events), stops between blocks
 * when the caller's cancel flag is set, and on a failure says which regions
 * are complete and that re-running resumes. No globals: boards may be
 * flashed in parallel, one call per thread. */
#ifndef ESPBURN_DEVICE_FLASH_H
#define ESPBURN_DEVICE_FLASH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "device/device.h"
#include "device/device_regions.h"
#include "plan/plan.h"

enum device_region_state {
    DEVICE_REGION_PENDING,    /* not reached */
    DEVICE_REGION_UP_TO_DATE, /* the flash already held it (checked by MD5) */
    DEVICE_REGION_WRITTEN,    /* written and verified */
    DEVICE_REGION_FAILED
};
/* "pending", "up-to-date", "written", "failed". */
const char *device_region_state_name(enum device_region_state s);

enum device_event_kind {
    DEVICE_EVENT_UP_TO_DATE, /* a region needs nothing written */
    DEVICE_EVENT_WRITTEN,    /* a region was written and verified */
    DEVICE_EVENT_ERASING,    /* the whole flash is being erased */
    DEVICE_EVENT_NOTE        /* something worth knowing (otadata, the header's flash size) */
};
struct device_event {
    enum device_event_kind kind;
    int region;       /* index in the result's regions, -1 when none */
    uint32_t addr;    /* the flash address it concerns (0 when none) */
    const char *text; /* one line, no newline: what a person should read */
};
typedef void (*device_event_fn)(void *ctx, const struct device_event *ev);
/* Bytes of region `region` written so far, of `total` to write there. */
typedef void (*device_progress_fn)(void *ctx, unsigned region, size_t done, size_t total);

struct device_flash_opts {
    struct device_header_opts hdr;
    bool no_skip;       /* write every sector, even those that match */
    bool erase_all;     /* erase the whole flash first */
    bool erase_otadata; /* erase the plan's otadata partition (the first app boots) */
    bool force;         /* past the board checks that --force may override */
    device_progress_fn progress;
    device_event_fn event;
    void *ctx;                           /* for progress and event */
    const volatile sig_atomic_t *cancel; /* non-zero: stop between blocks (EB_PROBLEM) */
};

struct device_region_result {
    enum device_region_state state;
    size_t to_write;      /* bytes found changed (all of the region without the skip check) */
    size_t written;       /* bytes written */
    size_t wire;          /* their compressed size */
    unsigned md5_queries; /* flash MD5s the skip check asked */
};

struct device_flash_result {
    struct device_region *regions; /* as written (paths owned by the plan) */
    struct device_region_result *res;
    unsigned nregions;
    size_t written;      /* bytes written in all */
    uint64_t wire_bytes; /* bytes both ways on the wire during the call */
    int64_t ms;          /* how long the call took */
};

/* Write plan `p` to the connected board `d` (a refused plan only with
 * o->force). `r` is filled as far as it got, also on failure; free it with
 * device_flash_result_free. */
int device_flash(struct device *d, const struct plan *p, const struct device_flash_opts *o,
                 struct device_flash_result *r, eb_err *err);
void device_flash_result_free(struct device_flash_result *r);

#endif
