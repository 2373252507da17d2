/* flash.c - `espburn flash SOURCE...`: check the plan, then for each board
 * (-p may repeat; boards run in parallel, each with its own connection):
 * connect, refuse what cannot work, skip sectors that already hold the
 * right bytes, write the rest compressed, verify every region by MD5, and
 * report wire bytes, time and the share of the wire limit. */
#include <inttypes.h>
#include <nettle/md5.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/burn.h"
#include "cli/device.h"
#include "cli/flashed.h"
#include "loader/deflate_cache.h"
#include "loader/skip.h"

struct flash_opts {
    struct device_opts dev;
    struct header_opts hdr;
    struct plan_opts plan;
    const char *chip_name;
    bool no_skip, erase_all, erase_otadata, force;
    int nsrc;
    char **src;
};

enum region_state {
    REG_PENDING,
    REG_UP_TO_DATE,
    REG_WRITTEN,
    REG_FAILED
};

struct region_result {
    enum region_state state;
    struct skip_run *runs; /* what to write: the changed sectors, merged */
    unsigned nruns;
    size_t to_write, written, wire;
    unsigned md5_queries;
};

/* One board's run, filled by its thread. */
struct board {
    const struct flash_opts *o;
    const struct plan *plan;
    struct deflate_cache *zc; /* the runs to write, compressed ahead while others are written */
    const char *port;
    struct device d;
    struct burn_region *regions;
    unsigned nregions;
    struct region_result *res;
    unsigned current;
    size_t cur_done, cur_total;
    int64_t t_start, t_end, region_t0;
    uint64_t wire_total;    /* bytes both ways, the whole session (connect included) */
    uint64_t wire_at_start; /* ... when writing began (t_start) */
    int rc;
    eb_err err;
    char mac[18];
};

static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;
static struct board *all_boards;
static unsigned nboards;
static bool show_progress;

static void print_help(void)
{
    printf(
        "usage: espburn flash SOURCE... -p PORT [options]\n\n"
        "Writes firmware to a board: SOURCE is anything `espburn plan` accepts (a folder, a\n"
        "manifest or flash script, ADDR FILE pairs, FILE@ADDR). The plan's checks run first and\n"
        "a refused plan writes nothing. Sectors that already hold the right bytes are skipped\n"
        "(an unchanged re-flash writes nothing: \"up to date\"), the rest is sent compressed,\n"
        "and every region is verified by MD5 afterwards. Several -p (or -p all) flash boards in\n"
        "parallel. What each board got is remembered, so `espburn monitor` on its port can name\n"
        "the files behind a boot failure.\n\n"
        "The board's security state is read first (see `espburn chip`): with flash encryption on,\n"
        "plaintext images would not boot, so nothing is written; with secure boot on, nothing\n"
        "below 0x8000 (the bootloader) is written; --force overrides both. A chip in Secure\n"
        "Download Mode cannot be verified and is always refused.\n\n"
        "  --flash-mode MODE  keep, qio, qout, dio, dout (bootloader header; default: the plan's, else keep)\n"
        "  --flash-freq FREQ  keep, 80m, 40m, 26m, 20m\n"
        "  --flash-size SIZE  keep, detect, 4MB, 16MB...\n"
        "  --no-skip          write every sector even when it already matches\n"
        "  --erase            erase the whole flash first\n"
        "  --erase-otadata    erase the otadata partition so the first app boots\n"
        "  --chip NAME        the chip the firmware is for, when the files do not say\n"
        "  --force            write even when the plan or the board check refuses\n");
    device_print_help();
    printf("\nexit codes: 0 written and verified, 1 refused or verification failed, 2 usage error,\n"
           "3 the board stopped answering (re-run to resume)\n");
}

static int parse_args(int argc, char **argv, struct flash_opts *o)
{
    memset(o, 0, sizeof *o);
    device_opts_init(&o->dev, AFTER_HARD_RESET);
    o->dev.stub_auto = true;
    o->src = calloc((size_t)argc, sizeof *o->src);
    static const char *const valued[] = { "--flash-mode", "--flash-freq", "--flash-size", "--chip" };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = device_parse_opt(&o->dev, "flash", argc, argv, &i);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return print_help(), -1;
        if (!strcmp(a, "--no-skip")) {
            o->no_skip = true;
        } else if (!strcmp(a, "--erase")) {
            o->erase_all = true;
        } else if (!strcmp(a, "--erase-otadata")) {
            o->erase_otadata = true;
        } else if (!strcmp(a, "--force")) {
            o->force = true;
        } else if (a[0] == '-' && a[1] == '-') {
            size_t k = 0;
            while (k < 4 && strcmp(a, valued[k]))
                k++;
            if (k == 4)
                return cli_usage("flash", "unknown option '%s'", a);
            if (i + 1 >= argc)
                return cli_usage("flash", "%s needs a value", a);
            const char **slot[] = { &o->hdr.mode, &o->hdr.freq, &o->hdr.size, &o->chip_name };
            *slot[k] = argv[++i];
        } else {
            o->src[o->nsrc++] = argv[i];
        }
    }
    if (o->nsrc == 0)
        return cli_usage("flash", "nothing to write: give a folder, a manifest or ADDR FILE pairs");
    o->plan.force = o->force;
    if (o->chip_name && !(o->plan.chip = chip_by_name(o->chip_name)))
        return cli_usage("flash", "unknown chip '%s'", o->chip_name);
    if (o->hdr.size && strcmp(o->hdr.size, "keep") && strcmp(o->hdr.size, "detect")) {
        uint32_t b = flash_size_parse(o->hdr.size);
        if (!b || flash_size_code(b) < 0)
            return cli_usage("flash", "--flash-size '%s': use keep, detect or a size like 4MB", o->hdr.size);
        o->plan.flash_size = b;
    }
    return device_opts_finish(&o->dev, "flash");
}

/* ---- progress --------------------------------------------------------- */

static void draw_progress(void)
{
    char line[512];
    size_t k = 0;
    for (unsigned i = 0; i < nboards && k < sizeof line - 80; i++) {
        struct board *b = &all_boards[i];
        if (b->current >= b->nregions || !b->regions)
            continue;
        int pct = b->cur_total ? (int)(100.0 * b->cur_done / b->cur_total) : 0;
        double secs = (eb_now_ms() - b->region_t0) / 1000.0;
        if (nboards == 1) {
            int bar = pct / 5;
            double rate = secs > 0 ? b->cur_done / secs : 0;
            double eta = rate > 0 ? (b->cur_total - b->cur_done) / rate : 0;
            const char *path = b->regions[b->current].path, *base = strrchr(path, '/');
            k += (size_t)snprintf(line + k, sizeof line - k,
                                  "  0x%06X %-24.24s [%.*s%*s] %3d%% %zu/%zu B  %.0f KB/s  ETA %.0fs",
                                  b->regions[b->current].addr, base ? base + 1 : path, bar,
                                  "####################", 20 - bar, "", pct, b->cur_done, b->cur_total,
                                  rate / 1024, eta);
        } else {
            k += (size_t)snprintf(line + k, sizeof line - k, "%s %s:%d%%", i ? " |" : "", b->port, pct);
        }
    }
    fprintf(stderr, "\r%s\033[K", line);
}

static void on_progress(void *ctx, size_t done, size_t total)
{
    struct board *b = ctx;
    (void)total;
    pthread_mutex_lock(&progress_lock);
    b->cur_done = b->res[b->current].written + done;
    if (show_progress)
        draw_progress();
    pthread_mutex_unlock(&progress_lock);
}

/* One line about a board on stderr (prefixed with its port when there are several). */
__attribute__((format(printf, 2, 3))) static void say(const struct board *b, const char *fmt, ...)
{
    if (b->o->dev.quiet || b->o->dev.json)
        return;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&progress_lock);
    if (show_progress)
        fprintf(stderr, "\r\033[K");
    if (nboards > 1)
        fprintf(stderr, "%s: ", b->port);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&progress_lock);
    va_end(ap);
}

/* ---- one board -------------------------------------------------------- */

static int flash_md5_cb(void *ctx, uint32_t addr, uint32_t len, uint8_t md5[16], eb_err *err)
{
    return loader_flash_md5(ctx, addr, len, md5, err);
}

static void md5_of(const uint8_t *p, size_t n, uint8_t out[16])
{
    struct md5_ctx m;
    md5_init(&m);
    md5_update(&m, n, p);
    md5_digest(&m, MD5_DIGEST_SIZE, out);
}

/* MD5 of what was just written. The rest of the region matched already
 * (the skip check compared it), so the whole region is then verified. */
static int verify_run(struct board *b, const struct burn_region *r, const struct skip_run *run)
{
    uint8_t want[16], got[16];
    md5_of(r->data + run->off, run->len, want);
    if (loader_flash_md5(b->d.l, r->addr + run->off, run->len, got, &b->err))
        return -1;
    if (memcmp(want, got, 16))
        return eb_fail(&b->err, EB_PROBLEM,
                       "verification failed for %s at 0x%X: the flash holds other bytes than "
                       "were sent (bad flash, or a power problem while writing)",
                       r->path, r->addr + run->off);
    return 0;
}

/* Which runs of the region to write (all of it, or the changed sectors). */
static int plan_runs(struct board *b, const struct burn_region *r, bool erased, struct skip_run *runs,
                     unsigned *nruns, struct region_result *res)
{
    unsigned nsec = skip_nsectors(r->len);
    if (b->o->no_skip || erased) {
        *nruns = r->len ? 1 : 0;
        runs[0] = (struct skip_run){ 0, (uint32_t)r->len };
        return 0;
    }
    device_explain(&b->o->dev, "SPI_FLASH_MD5",
                   "the chip hashes flash ranges; comparing them with the image's "
                   "MD5s (bisecting ranges that differ) finds the 4 KB sectors that need writing");
    bool *changed = calloc(nsec ? nsec : 1, sizeof *changed);
    if (!changed)
        return eb_fail(&b->err, EB_IO, "out of memory");
    int rc = skip_find_changed(r->addr, r->data, r->len, flash_md5_cb, b->d.l, SKIP_DEFAULT_BUDGET, changed,
                               &res->md5_queries, &b->err);
    if (rc == 0)
        *nruns = skip_runs(changed, r->len, runs);
    free(changed);
    return rc;
}

/* Which sectors of each region must be written: all checked before the
 * first write, so the compression of every run can start at once. */
static int check_regions(struct board *b, bool erased)
{
    for (unsigned i = 0; i < b->nregions; i++) {
        const struct burn_region *r = &b->regions[i];
        struct region_result *res = &b->res[i];
        if (!(res->runs = calloc(skip_nsectors(r->len) + 1, sizeof *res->runs)))
            return eb_fail(&b->err, EB_IO, "out of memory");
        if (plan_runs(b, r, erased, res->runs, &res->nruns, res))
            return -1;
        for (unsigned k = 0; k < res->nruns; k++)
            res->to_write += res->runs[k].len;
        if (res->nruns == 0) {
            res->state = REG_UP_TO_DATE;
            say(b, "0x%06X %s: up to date", r->addr, r->path);
        }
    }
    return 0;
}

/* Compress every run to write, in order, on a worker thread. */
static void start_compressing(struct board *b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < b->nregions; i++)
        n += b->res[i].nruns;
    const uint8_t **data = calloc(n + 1, sizeof *data);
    size_t *len = calloc(n + 1, sizeof *len);
    if (data && len) {
        n = 0;
        for (unsigned i = 0; i < b->nregions; i++)
            for (unsigned k = 0; k < b->res[i].nruns; k++, n++) {
                data[n] = b->regions[i].data + b->res[i].runs[k].off;
                len[n] = b->res[i].runs[k].len;
            }
        b->zc = deflate_cache_start(data, len, n); /* NULL: each run is compressed when written */
    }
    free(data);
    free(len);
}

static int write_region(struct board *b, unsigned i)
{
    const struct burn_region *r = &b->regions[i];
    struct region_result *res = &b->res[i];
    if (res->nruns == 0)
        return 0;
    pthread_mutex_lock(&progress_lock);
    b->current = i;
    b->region_t0 = eb_now_ms();
    b->cur_done = 0;
    b->cur_total = res->to_write;
    pthread_mutex_unlock(&progress_lock);
    device_explain(
        &b->o->dev, "FLASH_DEFL_BEGIN",
        b->d.l->stub ? "announce a compressed write; the stub erases as the data arrives"
                     : "announce a compressed write: size and packet count; the ROM erases the range first");
    device_explain(&b->o->dev, "FLASH_DEFL_DATA",
                   "the zlib stream in packets, each with a sequence number and an "
                   "XOR checksum; a refused packet is sent again");
    int rc = 0;
    for (unsigned k = 0; rc == 0 && k < res->nruns; k++) {
        const struct skip_run *run = &res->runs[k];
        size_t wire = 0;
        const bytes *z = deflate_cache_get(b->zc, r->data + run->off, run->len);
        rc = loader_write_deflated(b->d.l, r->addr + run->off, r->data + run->off, run->len, z, on_progress,
                                   b, &wire, &b->err);
        res->written += run->len;
        res->wire += wire;
    }
    device_explain(&b->o->dev, "SPI_FLASH_MD5",
                   "verify: the chip hashes what it wrote; it must equal our MD5");
    for (unsigned k = 0; rc == 0 && k < res->nruns; k++)
        rc = verify_run(b, r, &res->runs[k]);
    res->state = rc ? REG_FAILED : REG_WRITTEN;
    if (rc == 0)
        say(b, "0x%06X %s: written and verified", r->addr, r->path);
    return rc;
}

static void explain_otadata(struct board *b)
{
    const struct plan *p = b->plan;
    const struct partition *ota = p->has_table ? pt_find(&p->table, PT_TYPE_DATA, PT_SUB_OTADATA) : NULL;
    if (!ota || b->o->erase_otadata)
        return;
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].addr == ota->offset)
            return;
    const struct partition *app = pt_boot_app(&p->table);
    say(b,
        "note (0x%06X): the table has an otadata partition and nothing is written to it: the bootloader "
        "boots the app otadata selects (on a used board perhaps an old one; without otadata, %s); "
        "--erase-otadata makes it boot that one",
        ota->offset, app ? app->label : "the factory app");
}

/* The bootloader header's flash size against the flash found (RDID). */
static void compare_header_size(struct board *b)
{
    for (unsigned i = 0; i < b->nregions; i++) {
        const struct burn_region *r = &b->regions[i];
        if (strcmp(r->role, "bootloader") || r->len < 4 || !b->d.flash_size)
            continue;
        uint32_t said = flash_size_bytes(r->data[3] >> 4);
        if (!said || said == b->d.flash_size)
            continue;
        say(b, "note (0x%06X): the bootloader header says %u MB of flash but the chip has %u MB%s", r->addr,
            said >> 20, b->d.flash_size >> 20,
            said > b->d.flash_size ? "; it will fail to read beyond the end"
                                   : "; --flash-size detect writes the real size into the header");
    }
}

static void region_failure_message(struct board *b)
{
    char done[256] = "";
    size_t k = 0;
    for (unsigned i = 0; i < b->nregions && k < sizeof done - 24; i++)
        if (b->res[i].state == REG_WRITTEN || b->res[i].state == REG_UP_TO_DATE)
            k += (size_t)snprintf(done + k, sizeof done - k, "%s0x%X", k ? ", " : "", b->regions[i].addr);
    char msg[sizeof b->err.msg];
    snprintf(msg, sizeof msg,
             "%.250s; complete and verified: %.150s; re-run the same command to resume (finished "
             "sectors are skipped)",
             b->err.msg, k ? done : "none");
    snprintf(b->err.msg, sizeof b->err.msg, "%s", msg);
}

static int flash_board_steps(struct board *b)
{
    const struct flash_opts *o = b->o;
    if (device_connect(&o->dev, b->port, &b->d, &b->err))
        return -1;
    device_mac_text(&b->d, b->mac);
    b->t_start = eb_now_ms();
    b->wire_at_start = b->d.l->tx_bytes + b->d.l->rx_bytes;
    if (burn_check_fit(b->plan, &b->d, o->force, &b->err) ||
        burn_regions(b->plan, &b->d, &o->hdr, &b->regions, &b->nregions, &b->err))
        return -1;
    compare_header_size(b);
    b->res = calloc(b->nregions ? b->nregions : 1, sizeof *b->res);
    if (!b->res)
        return eb_fail(&b->err, EB_IO, "out of memory");
    if (o->erase_all) {
        say(b, "erasing the whole flash");
        if (loader_erase(b->d.l, 0, 0, &b->err))
            return -1;
    }
    const struct partition *ota =
        b->plan->has_table ? pt_find(&b->plan->table, PT_TYPE_DATA, PT_SUB_OTADATA) : NULL;
    if (o->erase_otadata && ota && loader_erase(b->d.l, ota->offset, ota->size, &b->err))
        return -1;
    explain_otadata(b);
    if (check_regions(b, o->erase_all))
        return -1;
    start_compressing(b);
    for (unsigned i = 0; i < b->nregions; i++)
        if (write_region(b, i)) {
            region_failure_message(b);
            return -1;
        }
    b->t_end = eb_now_ms();
    return device_finish(&o->dev, &b->d, &b->err);
}

static void board_free(struct board *b)
{
    deflate_cache_free(b->zc);
    for (unsigned i = 0; b->res && i < b->nregions; i++)
        free(b->res[i].runs);
    free(b->res);
    burn_regions_free(b->regions, b->nregions);
    device_close(&b->d);
}

static void *flash_board(void *arg)
{
    struct board *b = arg;
    b->rc = flash_board_steps(b) ? (b->err.code ? b->err.code : EB_IO) : EB_OK;
    if (!b->t_end)
        b->t_end = eb_now_ms();
    if (b->d.l)
        b->wire_total = b->d.l->tx_bytes + b->d.l->rx_bytes;
    return NULL;
}

/* ---- reporting -------------------------------------------------------- */

static void summary_line(const struct board *b)
{
    size_t written = 0;
    for (unsigned i = 0; i < b->nregions; i++)
        written += b->res[i].written;
    double secs = (b->t_end - b->t_start) / 1000.0;
    uint64_t wire = b->wire_total - b->wire_at_start; /* the bytes of the `secs` timed here */
    double limit = wire * 10.0 / b->d.baud;
    if (written == 0) {
        fprintf(stderr, "%s: up to date, nothing written (checked in %.1f s)\n", b->port, secs);
        return;
    }
    fprintf(stderr, "%s: wrote %zu bytes as %" PRIu64 " bytes on the wire in %.1f s (%.1f KB/s effective)",
            b->port, written, wire, secs, secs > 0 ? written / secs / 1024 : 0);
    double used = secs > 0 ? 100.0 * limit / secs : 0;
    if (b->d.port->has_rate && used <= 100)
        fprintf(stderr, "; wire limit at %u baud %.1f s: %.0f%% of the line's capacity used\n", b->d.baud,
                limit, used);
    else
        fprintf(stderr, "; this port does not pace bytes at a line rate (a socket, a pty, or a virtual board "
                        "without --realtime), so there is no wire limit to compare with\n");
}

static cJSON *board_json(const struct board *b)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "port", b->port);
    cJSON_AddBoolToObject(j, "ok", b->rc == 0);
    if (b->rc)
        cJSON_AddStringToObject(j, "error", b->err.msg);
    if (b->d.l && b->d.l->chip)
        cJSON_AddItemToObject(j, "device", device_json(&b->d));
    cJSON *regs = cJSON_AddArrayToObject(j, "regions");
    static const char *const states[] = { "pending", "up-to-date", "written", "failed" };
    for (unsigned i = 0; b->res && i < b->nregions; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "addr", b->regions[i].addr);
        cJSON_AddStringToObject(r, "path", b->regions[i].path);
        cJSON_AddStringToObject(r, "role", b->regions[i].role);
        cJSON_AddNumberToObject(r, "size", (double)b->regions[i].len);
        cJSON_AddStringToObject(r, "state", states[b->res[i].state]);
        cJSON_AddBoolToObject(r, "verified",
                              b->res[i].state == REG_WRITTEN || b->res[i].state == REG_UP_TO_DATE);
        cJSON_AddBoolToObject(r, "header_patched", b->regions[i].header_patched);
        cJSON_AddNumberToObject(r, "written", (double)b->res[i].written);
        cJSON_AddNumberToObject(r, "compressed", (double)b->res[i].wire);
        cJSON_AddItemToArray(regs, r);
    }
    cJSON_AddNumberToObject(j, "wire_bytes", (double)b->wire_total);
    cJSON_AddNumberToObject(j, "seconds", (b->t_end - b->t_start) / 1000.0);
    cJSON_AddNumberToObject(j, "connect_seconds", b->d.connect_ms / 1000.0);
    cJSON_AddNumberToObject(j, "block_retries", b->d.l ? b->d.l->block_retries : 0);
    return j;
}

static void print_table(void)
{
    fprintf(stderr, "\n%-32s %-17s %-7s %s\n", "PORT", "MAC", "RESULT", "DETAIL");
    for (unsigned i = 0; i < nboards; i++) {
        const struct board *b = &all_boards[i];
        fprintf(stderr, "%-32s %-17s %-7s %s\n", b->port, b->mac[0] ? b->mac : "-", b->rc ? "FAILED" : "ok",
                b->rc ? b->err.msg : "written and verified");
    }
}

/* The esptool line for what this run does: its port, rate and header options
 * (esptool has no `auto` rate: -b auto is shown as a fast common one). */
static int esptool_line(const struct flash_opts *o, const struct plan *p, bytes *cmd)
{
    struct esptool_args a = { .port = o->dev.ports[0],
                              .baud = o->dev.baud_auto ? 921600 : o->dev.baud,
                              .mode = o->hdr.mode,
                              .freq = o->hdr.freq,
                              .size = o->hdr.size };
    return plan_esptool_command(p, &a, cmd);
}

static void print_esptool(const struct flash_opts *o, const struct plan *p)
{
    bytes cmd = { 0 };
    if (!o->dev.quiet && !o->dev.json && esptool_line(o, p, &cmd) == 0 && cmd.len) {
        fprintf(stderr, "esptool equivalent: %.*s\n", (int)cmd.len, (const char *)cmd.data);
    }
    bytes_free(&cmd);
}

static int report(const struct flash_opts *o, const struct plan *p)
{
    int worst = EB_OK;
    for (unsigned i = 0; i < nboards; i++)
        if (all_boards[i].rc > worst)
            worst = all_boards[i].rc;
    if (o->dev.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "ok", worst == EB_OK);
        cJSON_AddStringToObject(j, "source", p->source_kind);
        static const char *const levels[] = { "info", "warning", "error" };
        cJSON *fs = cJSON_AddArrayToObject(j, "findings");
        for (unsigned i = 0; i < p->nfindings; i++) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "level", levels[p->findings[i].level]);
            cJSON_AddStringToObject(f, "code", p->findings[i].code);
            cJSON_AddStringToObject(f, "text", p->findings[i].text);
            cJSON_AddItemToArray(fs, f);
        }
        bytes cmd = { 0 };
        if (esptool_line(o, p, &cmd) == 0 && bytes_append_byte(&cmd, 0) == 0)
            cJSON_AddStringToObject(j, "esptool_command", (const char *)cmd.data);
        bytes_free(&cmd);
        cJSON *arr = cJSON_AddArrayToObject(j, "boards");
        for (unsigned i = 0; i < nboards; i++)
            cJSON_AddItemToArray(arr, board_json(&all_boards[i]));
        cli_print_json(j);
        return worst;
    }
    for (unsigned i = 0; i < nboards; i++) {
        const struct board *b = &all_boards[i];
        if (b->d.port && b->d.port->warning[0])
            fprintf(stderr, "%s: note: %s\n", b->port, b->d.port->warning);
        if (b->rc)
            fprintf(stderr, "espburn: %s%s%s\n", nboards > 1 ? b->port : "", nboards > 1 ? ": " : "",
                    b->err.msg);
        else if (!o->dev.quiet)
            summary_line(b);
    }
    if (nboards > 1)
        print_table();
    return worst;
}

/* What each board that succeeded now holds, for `espburn monitor` on its port. */
static void remember_flashed(const struct flash_opts *o)
{
    for (unsigned i = 0; i < nboards; i++) {
        eb_err err = { 0 };
        if (all_boards[i].rc == 0 &&
            flashed_record(all_boards[i].port, o->nsrc, o->src, o->chip_name, &err) && !o->dev.quiet &&
            !o->dev.json)
            fprintf(stderr, "note: %s (monitor will not know what was flashed; give it --plan)\n", err.msg);
    }
}

int cmd_flash(int argc, char **argv)
{
    struct flash_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(o.src);
        return rc < 0 ? EB_OK : rc;
    }
    struct plan p;
    eb_err err = { 0 };
    if (burn_plan_load(o.nsrc, o.src, &o.plan, o.dev.json, &p, &err)) {
        free(o.src);
        return cli_fail(&err);
    }
    print_esptool(&o, &p);
    nboards = o.dev.nports;
    all_boards = calloc(nboards, sizeof *all_boards);
    show_progress = cli_is_tty() && !o.dev.quiet && !o.dev.json && !o.dev.explain;
    pthread_t *th = calloc(nboards, sizeof *th);
    for (unsigned i = 0; i < nboards; i++) {
        all_boards[i] = (struct board){ .o = &o, .plan = &p, .port = o.dev.ports[i] };
        if (nboards == 1)
            flash_board(&all_boards[i]);
        else
            pthread_create(&th[i], NULL, flash_board, &all_boards[i]);
    }
    for (unsigned i = 0; nboards > 1 && i < nboards; i++)
        pthread_join(th[i], NULL);
    if (show_progress)
        fprintf(stderr, "\r\033[K");
    rc = report(&o, &p);
    remember_flashed(&o);
    for (unsigned i = 0; i < nboards; i++)
        board_free(&all_boards[i]);
    free(th);
    free(all_boards);
    plan_free(&p);
    free(o.src);
    return rc;
}
