/* device_flash.c - one board's flash: checks, skip-unchanged, compressed
 * writes with compression ahead, MD5 verification, and the resume message. */
#include "device/device_flash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "chip/flash_parts.h"
#include "common/hash.h"
#include "loader/deflate_cache.h"
#include "loader/skip.h"

/* One call's working state. */
struct job {
    struct device *d;
    const struct plan *p;
    const struct device_flash_opts *o;
    struct device_flash_result *r;
    struct skip_run **runs; /* per region: what to write, the changed sectors merged */
    unsigned *nruns;
    struct deflate_cache *zc;          /* the pieces, compressed ahead while others are written */
    bool per_block;                    /* the stream plan: one stream per 64 KB block (see plan_streams) */
    bool short_first;                  /* ... each opened with a short packet (esptool's stub) */
    const struct flash_timing *timing; /* the flash part's (plan_streams) */
    size_t run_done;                   /* bytes of the run being written that earlier pieces wrote */
    struct loader_early_md5 early;     /* the last long run's hash taken under its last packet */
    unsigned current;                  /* the region being written */
    eb_err *err;
};

const char *device_region_state_name(enum device_region_state s)
{
    static const char *const names[] = { "pending", "up-to-date", "written", "failed" };
    return s <= DEVICE_REGION_FAILED ? names[s] : "unknown";
}

__attribute__((format(printf, 5, 6))) static void emit(const struct job *j, enum device_event_kind kind,
                                                       int region, uint32_t addr, const char *fmt, ...)
{
    if (!j->o->event)
        return;
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    j->o->event(j->o->ctx, &(struct device_event){ kind, region, addr, text });
}

static bool cancelled(const struct job *j)
{
    return j->o->cancel && *j->o->cancel;
}

static int flash_md5_cb(void *ctx, struct skip_query *q, unsigned n, eb_err *err)
{
    return loader_flash_md5_many(ctx, q, n, err);
}

/* How much of the run the chip already hashed under the last packet, and
 * matched (0: none; a mismatch is checked again below, whole: a stub that
 * writes later than expected must not fail a good write). */
static uint32_t verified_early(const struct job *j, const struct device_region *r, const struct skip_run *run)
{
    uint8_t want[EB_MD5_LEN];
    if (!j->early.len || j->early.from != r->addr + run->off || j->early.len > run->len)
        return 0;
    md5_buf(r->data + run->off, j->early.len, want);
    return memcmp(want, j->early.md5, sizeof want) ? 0 : j->early.len;
}

/* MD5 of what was just written. The rest of the region matched already
 * (the skip check compared it), so the whole region is then verified. */
static int verify_run(struct job *j, const struct device_region *r, const struct skip_run *run)
{
    uint8_t want[EB_MD5_LEN], got[EB_MD5_LEN];
    uint32_t early = verified_early(j, r, run), off = run->off + early, len = run->len - early;
    if (len == 0)
        return 0;
    md5_buf(r->data + off, len, want);
    if (loader_flash_md5(j->d->l, r->addr + off, len, got, j->err))
        return -1;
    if (memcmp(want, got, sizeof want))
        return eb_fail(j->err, EB_PROBLEM,
                       "verification failed for %s at 0x%X: the flash holds other bytes than "
                       "were sent (bad flash, or a power problem while writing)",
                       r->path, r->addr + run->off);
    return 0;
}

/* Which runs of region i to write (all of it, or the changed sectors). */
static int find_runs(struct job *j, unsigned i, bool erased)
{
    const struct device_region *r = &j->r->regions[i];
    struct skip_run *runs = j->runs[i];
    if (j->o->no_skip || erased) {
        j->nruns[i] = r->len ? 1 : 0;
        runs[0] = (struct skip_run){ 0, (uint32_t)r->len };
        return 0;
    }
    device_note(j->d, "SPI_FLASH_MD5",
                "the chip hashes flash ranges; comparing them with the image's "
                "MD5s (splitting ranges that differ) finds the 4 KB sectors that need writing");
    unsigned nsec = skip_nsectors(r->len);
    bool *changed = calloc(nsec ? nsec : 1, sizeof *changed);
    if (!changed)
        return eb_fail(j->err, EB_IO, "out of memory");
    int rc = skip_find_changed(r->addr, r->data, r->len, flash_md5_cb, j->d->l, SKIP_DEFAULT_BUDGET, changed,
                               &j->r->res[i].md5_queries, j->err);
    if (rc == 0)
        j->nruns[i] = skip_runs(changed, r->len, runs);
    free(changed);
    return rc;
}

/* Which sectors of each region must be written: all checked before the
 * first write, so the compression of every run can start at once. */
static int check_regions(struct job *j, bool erased)
{
    for (unsigned i = 0; i < j->r->nregions; i++) {
        const struct device_region *r = &j->r->regions[i];
        struct device_region_result *res = &j->r->res[i];
        if (cancelled(j))
            return eb_fail(j->err, EB_PROBLEM, "cancelled before anything was written");
        if (!(j->runs[i] = calloc(skip_nsectors(r->len) + 1, sizeof *j->runs[i])))
            return eb_fail(j->err, EB_IO, "out of memory");
        if (find_runs(j, i, erased))
            return -1;
        for (unsigned k = 0; k < j->nruns[i]; k++)
            res->to_write += j->runs[i][k].len;
        if (j->nruns[i] == 0) {
            res->state = DEVICE_REGION_UP_TO_DATE;
            emit(j, DEVICE_EVENT_UP_TO_DATE, (int)i, r->addr, "0x%06X %s: up to date", r->addr, r->path);
        }
    }
    return 0;
}

/* The stream plan. The stub erases ahead of the data from the start of each
 * compressed stream, then leaves the flash idle while the rest of the stream
 * comes: when a 64 KB block takes the flash longer (erase + 256 page
 * programs, the part's datasheet figures) than its compressed bytes take on
 * the wire, the flash is the limit, and one stream per block keeps the flash
 * busy: esp-flasher-stub starts the block's erase at BEGIN; esptool's stub
 * (or one espburn does not know) at its first packet, so there the stream
 * opens with a short one while the rest is on the wire. Else one stream per
 * run (fewer bytes, fewer BEGINs). Measured in docs/flashing-speed.md. */
#define STREAM_BLOCK        0x10000u
#define STREAM_FIRST_PACKET 64u  /* compressed bytes: enough for one inflate step */
#define STREAM_RATIO_PM     650u /* compressed / raw, per mille: ESP32 apps (the seed's 0.63) */

static void plan_streams(struct job *j)
{
    const struct flash_timing *t = j->timing = flash_timing_or_default(flash_part_by_jedec(j->d->jedec));
    uint64_t flash_us = t->block_erase_us + (uint64_t)(STREAM_BLOCK / 256) * t->page_program_us;
    uint64_t wire_us =
        (uint64_t)STREAM_BLOCK * STREAM_RATIO_PM / 1000 * 10 * 1000000 / (j->d->baud ? j->d->baud : 1);
    j->per_block = j->d->l->stub && flash_us > wire_us;
    j->short_first = j->per_block && j->d->l->stub_kind != STUB_KIND_ESP_FLASHER;
    char why[240];
    snprintf(
        why, sizeof why,
        "%s: a 64 KB block takes the flash %.0f ms, its compressed bytes the wire about %.0f ms at %u baud",
        !j->per_block    ? "one stream per run"
        : j->short_first ? "one stream per 64 KB block, each opened with a short packet (the stub erases "
                           "from its first packet)"
                         : "one stream per 64 KB block (the stub erases from BEGIN)",
        flash_us / 1000.0, wire_us / 1000.0, j->d->baud);
    device_note(j->d, "stream plan", why);
}

/* One stream per run: the first 256 KB of a long run go as a stream of
 * their own, so that writing starts while the rest is being compressed
 * (2.3 MB at libdeflate's level 12 takes about a second: the wire stood idle
 * that long at 460800). Costs one more BEGIN. */
#define STREAM_HEAD 0x40000u

/* The piece of `run` (of the region at `base`) that starts at `off`: up to
 * the run's end, or, with one stream per block, the next block boundary;
 * a long run's head alone (STREAM_HEAD). */
static struct skip_run next_piece(const struct job *j, uint32_t base, const struct skip_run *run,
                                  uint32_t off)
{
    uint32_t end = run->off + run->len, boundary = end;
    if (j->per_block)
        boundary = ((base + off) / STREAM_BLOCK + 1) * STREAM_BLOCK - base;
    else if (off == run->off && run->len > 2 * STREAM_HEAD)
        boundary = ((base + off + STREAM_HEAD) / STREAM_BLOCK) * STREAM_BLOCK - base;
    end = boundary < end ? boundary : end;
    return (struct skip_run){ off, end - off };
}

/* Compress every piece to write, in order, on a worker thread. */
static void start_compressing(struct job *j)
{
    unsigned n = 0;
    for (unsigned i = 0; i < j->r->nregions; i++)
        for (unsigned k = 0; k < j->nruns[i]; k++)
            n += j->runs[i][k].len / STREAM_BLOCK + 2;
    const uint8_t **data = calloc(n + 1, sizeof *data);
    size_t *len = calloc(n + 1, sizeof *len);
    if (data && len) {
        n = 0;
        for (unsigned i = 0; i < j->r->nregions; i++)
            for (unsigned k = 0; k < j->nruns[i]; k++) {
                const struct skip_run *run = &j->runs[i][k];
                for (uint32_t off = run->off; off < run->off + run->len; n++) {
                    struct skip_run p = next_piece(j, j->r->regions[i].addr, run, off);
                    data[n] = j->r->regions[i].data + p.off;
                    len[n] = p.len;
                    off += p.len;
                }
            }
        j->zc = deflate_cache_start(data, len, n); /* NULL: each piece is compressed when written */
    }
    free(data);
    free(len);
}

static void on_progress(void *ctx, size_t done, size_t total)
{
    struct job *j = ctx;
    const struct device_region_result *res = &j->r->res[j->current];
    (void)total;
    if (j->o->progress)
        j->o->progress(j->o->ctx, j->current, res->written + j->run_done + done, res->to_write);
}

static void explain_write(const struct job *j)
{
    device_note(j->d, "FLASH_DEFL_BEGIN",
                j->d->l->stub
                    ? "announce a compressed write; the stub erases as the data arrives"
                    : "announce a compressed write: size and packet count; the ROM erases the range "
                      "first");
    device_note(j->d, "FLASH_DEFL_DATA",
                "the zlib stream in packets, each with a sequence number and an "
                "XOR checksum; a refused packet is sent again");
}

/* Verify under the wire (loader_early_md5): when the wire is the limit (one
 * stream per run), the chip hashes a long run's written part while the last
 * packet is on its way (0.47 s for the seed app, where a 16 KB packet takes
 * 0.36 s at 460800), instead of after it with the wire idle. Not when the
 * flash is the limit: its reading would only delay the writing. */
#define EARLY_MD5_MIN 0x80000u

/* Packets for a piece the stub erases sector by sector (not whole aligned
 * 64 KB blocks): its erase-ahead starts one erase per packet it works on,
 * and 16 KB packets left the flash idle until the first had arrived, then
 * erased with the wire idle (the seed's bootloader, 7 sectors: 0.27 s at
 * 460800). Packets that take the wire about one sector erase keep the
 * erases going while the data comes. 0: the usual packets. */
static uint32_t sector_packet(const struct job *j, uint32_t addr, uint32_t len)
{
    if (!j->d->l->stub || (addr % STREAM_BLOCK == 0 && len >= STREAM_BLOCK))
        return 0;
    uint64_t bytes = (uint64_t)j->d->baud / 10 * j->timing->sector_erase_us / 1000000;
    return bytes < 1024 ? 1024 : bytes < j->d->l->flash_block ? (uint32_t)bytes : 0;
}

/* One piece as its own stream, in sector-sized packets when sector_packet says so. */
static int write_piece(struct job *j, const struct device_region *r, const struct skip_run *p, size_t *wire)
{
    struct loader *l = j->d->l;
    const bytes *z = deflate_cache_get(j->zc, r->data + p->off, p->len);
    uint32_t block_was = l->flash_block, small = sector_packet(j, r->addr + p->off, p->len);
    if (small)
        l->flash_block = small;
    int rc =
        loader_write_deflated(l, r->addr + p->off, r->data + p->off, p->len, z, on_progress, j, wire, j->err);
    l->flash_block = block_was;
    return rc;
}

/* One run, piece by piece (next_piece); *wire gets the compressed bytes. */
static int write_run(struct job *j, const struct device_region *r, const struct skip_run *run, size_t *wire)
{
    struct loader *l = j->d->l;
    uint32_t first_was = l->first_packet;
    l->first_packet = j->short_first ? STREAM_FIRST_PACKET : 0;
    bool early = !j->per_block && run->len >= EARLY_MD5_MIN;
    j->early = (struct loader_early_md5){ .from = r->addr + run->off };
    int rc = 0;
    for (uint32_t off = run->off; rc == 0 && off < run->off + run->len;) {
        struct skip_run p = next_piece(j, r->addr, run, off);
        size_t w = 0;
        j->run_done = off - run->off;
        l->early_md5 = early && p.off + p.len == run->off + run->len ? &j->early : NULL;
        rc = write_piece(j, r, &p, &w);
        l->early_md5 = NULL;
        *wire += w;
        off += p.len;
    }
    l->first_packet = first_was;
    j->run_done = 0;
    return rc;
}

static int write_region(struct job *j, unsigned i)
{
    const struct device_region *r = &j->r->regions[i];
    struct device_region_result *res = &j->r->res[i];
    if (j->nruns[i] == 0)
        return 0;
    j->current = i;
    if (j->o->progress)
        j->o->progress(j->o->ctx, i, 0, res->to_write);
    explain_write(j);
    int rc = 0;
    for (unsigned k = 0; rc == 0 && k < j->nruns[i]; k++) {
        const struct skip_run *run = &j->runs[i][k];
        size_t wire = 0;
        if (cancelled(j)) {
            rc = eb_fail(j->err, EB_PROBLEM, "cancelled");
            break;
        }
        rc = write_run(j, r, run, &wire);
        res->written += rc ? 0 : run->len; /* a run cut short counts nothing */
        res->wire += wire;
    }
    device_note(j->d, "SPI_FLASH_MD5", "verify: the chip hashes what it wrote; it must equal our MD5");
    for (unsigned k = 0; rc == 0 && k < j->nruns[i]; k++)
        rc = verify_run(j, r, &j->runs[i][k]);
    res->state = rc ? DEVICE_REGION_FAILED : DEVICE_REGION_WRITTEN;
    if (rc == 0)
        emit(j, DEVICE_EVENT_WRITTEN, (int)i, r->addr, "0x%06X %s: written and verified", r->addr, r->path);
    return rc;
}

/* Nothing written to the table's otadata: say which app the bootloader will boot. */
static void note_otadata(struct job *j)
{
    const struct plan *p = j->p;
    const struct partition *ota = p->has_table ? pt_find(&p->table, PT_TYPE_DATA, PT_SUB_OTADATA) : NULL;
    if (!ota || j->o->erase_otadata)
        return;
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].addr == ota->offset)
            return;
    const struct partition *app = pt_boot_app(&p->table);
    emit(j, DEVICE_EVENT_NOTE, -1, ota->offset,
         "note (0x%06X): the table has an otadata partition and nothing is written to it: the bootloader "
         "boots the app otadata selects (on a used board perhaps an old one; without otadata, %s); "
         "--erase-otadata makes it boot that one",
         ota->offset, app ? app->label : "the factory app");
}

/* The bootloader header's flash size against the flash found (RDID). */
static void note_header_size(struct job *j)
{
    for (unsigned i = 0; i < j->r->nregions; i++) {
        const struct device_region *r = &j->r->regions[i];
        if (strcmp(r->role, "bootloader") || r->len < 4 || !j->d->flash_size)
            continue;
        uint32_t said = flash_size_bytes(r->data[3] >> 4);
        if (!said || said == j->d->flash_size)
            continue;
        emit(j, DEVICE_EVENT_NOTE, (int)i, r->addr,
             "note (0x%06X): the bootloader header says %u MB of flash but the chip has %u MB%s", r->addr,
             said >> 20, j->d->flash_size >> 20,
             said > j->d->flash_size ? "; it will fail to read beyond the end"
                                     : "; --flash-size detect writes the real size into the header");
    }
}

/* A write that failed: which regions are complete, and that re-running resumes. */
static void resume_message(struct job *j)
{
    char done[256] = "";
    size_t k = 0;
    for (unsigned i = 0; i < j->r->nregions && k < sizeof done - 24; i++)
        if (j->r->res[i].state == DEVICE_REGION_WRITTEN || j->r->res[i].state == DEVICE_REGION_UP_TO_DATE)
            k += (size_t)snprintf(done + k, sizeof done - k, "%s0x%X", k ? ", " : "", j->r->regions[i].addr);
    char msg[sizeof j->err->msg];
    snprintf(msg, sizeof msg,
             "%.250s; complete and verified: %.150s; re-run the same command to resume (finished "
             "sectors are skipped)",
             j->err->msg, k ? done : "none");
    snprintf(j->err->msg, sizeof j->err->msg, "%s", msg);
}

/* Erase all, or the otadata partition, as asked. */
static int erase_first(struct job *j)
{
    if (j->o->erase_all) {
        emit(j, DEVICE_EVENT_ERASING, -1, 0, "erasing the whole flash");
        if (loader_erase(j->d->l, 0, 0, j->err))
            return -1;
    }
    const struct plan *p = j->p;
    const struct partition *ota = p->has_table ? pt_find(&p->table, PT_TYPE_DATA, PT_SUB_OTADATA) : NULL;
    if (j->o->erase_otadata && ota && loader_erase(j->d->l, ota->offset, ota->size, j->err))
        return -1;
    return 0;
}

static int flash_steps(struct job *j)
{
    struct device_flash_result *r = j->r;
    if (j->p->refused && !j->o->force)
        return eb_fail(j->err, EB_PROBLEM,
                       "the plan was refused (its errors say why); nothing was written. "
                       "Fix the layout, or force it if you are sure");
    if (device_check_fit(j->p, j->d, j->o->force, j->err) ||
        device_regions(j->p, j->d, &j->o->hdr, &r->regions, &r->nregions, j->err))
        return -1;
    note_header_size(j);
    r->res = calloc(r->nregions ? r->nregions : 1, sizeof *r->res);
    j->runs = calloc(r->nregions ? r->nregions : 1, sizeof *j->runs);
    j->nruns = calloc(r->nregions ? r->nregions : 1, sizeof *j->nruns);
    if (!r->res || !j->runs || !j->nruns)
        return eb_fail(j->err, EB_IO, "out of memory");
    if (erase_first(j))
        return -1;
    note_otadata(j);
    if (check_regions(j, j->o->erase_all))
        return -1;
    plan_streams(j);
    start_compressing(j);
    for (unsigned i = 0; i < r->nregions; i++) {
        int rc = write_region(j, i);
        r->written += r->res[i].written;
        if (rc) {
            resume_message(j);
            return -1;
        }
    }
    return 0;
}

int device_flash(struct device *d, const struct plan *p, const struct device_flash_opts *o,
                 struct device_flash_result *r, eb_err *err)
{
    memset(r, 0, sizeof *r);
    struct job j = { .d = d, .p = p, .o = o, .r = r, .err = err };
    int64_t t0 = eb_now_ms();
    uint64_t wire0 = device_wire_bytes(d);
    const volatile sig_atomic_t *cancel_was = d->l->cancel;
    d->l->cancel = o->cancel;
    int rc = flash_steps(&j);
    d->l->cancel = cancel_was;
    deflate_cache_free(j.zc);
    for (unsigned i = 0; j.runs && i < r->nregions; i++)
        free(j.runs[i]);
    free(j.runs);
    free(j.nruns);
    r->ms = eb_now_ms() - t0;
    r->wire_bytes = device_wire_bytes(d) - wire0;
    return rc;
}

void device_flash_result_free(struct device_flash_result *r)
{
    device_regions_free(r->regions, r->nregions);
    free(r->res);
    memset(r, 0, sizeof *r);
}
