/* cmd_flash.c - `espburn flash SOURCE...`: check the plan, then for each board
 * (-p may repeat; boards run in parallel, one thread and one connection
 * each) connect and run the library's flash workflow (src/device/
 * device_flash.h: board checks, skip-unchanged, compressed writes, MD5
 * verification), drawing its progress and printing its events; then report
 * wire bytes, time and the share of the wire limit. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_options.h"
#include "cli/cli_device.h"
#include "cli/cli_flashed.h"
#include "cli/cli_progress.h"
#include "cli/cli_term.h"
#include "device/device_flash.h"

struct flash_opts {
    struct cli_device_opts dev;
    struct device_flash_opts fl; /* header options, --no-skip, --erase, --erase-otadata, --force */
    struct plan_opts plan;
    int nsrc;
    char **src;
};

/* One board's run, filled by its thread. */
struct board {
    const struct flash_opts *o;
    const struct plan *plan;
    const char *port;
    struct device d;
    struct device_flash_result res;
    /* the region being written, for the progress line (under progress_lock) */
    bool writing;
    uint32_t cur_addr;
    const char *cur_path;
    size_t cur_done, cur_total;
    int64_t region_t0;
    uint64_t wire_total; /* bytes both ways, the whole session (connect included) */
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
        "  --force            write even when the plan or the board check refuses\n"
        "  --fs DIR[@PART]    also write DIR as the filesystem image of the table's filesystem\n"
        "                     partition (or PART): SPIFFS for LoBo's MicroPython, LittleFS for\n"
        "                     MicroPython, else as the subtype says (fat: FAT in wear levelling);\n"
        "                     .espburnignore applies; unchanged sectors are skipped as always\n"
        "  --fs-type TYPE     littlefs, fat, fat-wl or spiffs instead\n");
    cli_device_print_help();
    printf("\nexit codes: 0 written and verified, 1 refused or verification failed, 2 usage error,\n"
           "3 the board stopped answering (re-run to resume)\n");
}

static int parse_args(int argc, char **argv, struct flash_opts *o)
{
    memset(o, 0, sizeof *o);
    cli_device_opts_init(&o->dev, DEVICE_AFTER_HARD_RESET);
    cli_device_opts_fast(&o->dev);
    o->src = calloc((size_t)argc, sizeof *o->src);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_device_parse_opt(&o->dev, "flash", argc, argv, &i);
        if (r == 0)
            r = cli_header_option("flash", argc, argv, &i, &o->fl.hdr, &o->plan);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return print_help(), -1;
        if (!strcmp(a, "--no-skip")) {
            o->fl.no_skip = true;
        } else if (!strcmp(a, "--erase")) {
            o->fl.erase_all = true;
        } else if (!strcmp(a, "--erase-otadata")) {
            o->fl.erase_otadata = true;
        } else if (!strcmp(a, "--force")) {
            o->fl.force = true;
        } else if (!strcmp(a, "--fs") || !strcmp(a, "--fs-type")) {
            if (i + 1 >= argc)
                return cli_usage("flash", "%s needs a value", a);
            if (cli_plan_option("flash", strcmp(a, "--fs") ? 'Y' : 'F', argv[++i], &o->plan))
                return EB_USAGE;
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_usage("flash", "unknown option '%s'", a);
        } else {
            o->src[o->nsrc++] = argv[i];
        }
    }
    if (o->nsrc == 0)
        return cli_usage("flash", "nothing to write: give a folder, a manifest or ADDR FILE pairs");
    o->plan.force = o->fl.force;
    return cli_device_opts_finish(&o->dev, "flash");
}

/* ---- progress --------------------------------------------------------- */

/* One board's progress: where, how far, how fast; the byte counts only
 * when they fit in `width` columns. */
static size_t board_progress(const struct board *b, char *line, size_t n, int width)
{
    int pct = b->cur_total ? (int)(100.0 * b->cur_done / b->cur_total) : 0;
    double secs = (eb_now_ms() - b->region_t0) / 1000.0;
    double rate = secs > 0 ? b->cur_done / secs : 0;
    double eta = rate > 0 ? (b->cur_total - b->cur_done) / rate : 0;
    const char *base = strrchr(b->cur_path, '/');
    int bar = pct / 5;
    int k = snprintf(line, n, "  0x%06X %-20.20s [%.*s%*s] %3d%%  %.0f KB/s  ETA %.0fs", b->cur_addr,
                     base ? base + 1 : b->cur_path, bar, "####################", 20 - bar, "", pct,
                     rate / 1024, eta);
    char counts[48];
    int c = snprintf(counts, sizeof counts, "  %zu/%zu KB", b->cur_done >> 10, b->cur_total >> 10);
    if (k > 0 && k + c < width && (size_t)(k + c) < n)
        k += snprintf(line + k, n - (size_t)k, "%s", counts);
    return k > 0 ? (size_t)k : 0;
}

/* The progress line, redrawn in place; never as wide as the terminal (it would wrap). */
static void draw_progress(void)
{
    char line[512];
    size_t k = 0;
    int width = term_columns(STDERR_FILENO);
    for (unsigned i = 0; i < nboards && k < sizeof line - 80; i++) {
        struct board *b = &all_boards[i];
        if (!b->writing)
            continue;
        if (nboards == 1) {
            k += board_progress(b, line + k, sizeof line - k, width);
        } else {
            int pct = b->cur_total ? (int)(100.0 * b->cur_done / b->cur_total) : 0;
            k += (size_t)snprintf(line + k, sizeof line - k, "%s %s:%d%%", i ? " |" : "", b->port, pct);
        }
    }
    fprintf(stderr, "\r%.*s\033[K", width - 1, line);
}

/* The library's progress: bytes of region `region` written of `total`. */
static void on_progress(void *ctx, unsigned region, size_t done, size_t total)
{
    struct board *b = ctx;
    pthread_mutex_lock(&progress_lock);
    if (!b->writing || b->cur_addr != b->res.regions[region].addr) {
        b->writing = true;
        b->cur_addr = b->res.regions[region].addr;
        b->cur_path = b->res.regions[region].path;
        b->region_t0 = eb_now_ms();
    }
    b->cur_done = done;
    b->cur_total = total;
    if (show_progress && done)
        draw_progress();
    pthread_mutex_unlock(&progress_lock);
}

/* One line about a board on stderr (prefixed with its port when there are several). */
static void on_event(void *ctx, const struct device_event *ev)
{
    const struct board *b = ctx;
    if (b->o->dev.quiet || b->o->dev.json)
        return;
    pthread_mutex_lock(&progress_lock);
    if (show_progress)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s%s%s\n", nboards > 1 ? b->port : "", nboards > 1 ? ": " : "", ev->text);
    pthread_mutex_unlock(&progress_lock);
}

/* ---- one board -------------------------------------------------------- */

static int flash_board_steps(struct board *b)
{
    const struct flash_opts *o = b->o;
    if (cli_device_connect(&o->dev, b->port, &b->d, &b->err))
        return -1;
    device_mac_text(&b->d, b->mac);
    struct device_flash_opts fl = o->fl;
    fl.progress = on_progress;
    fl.event = on_event;
    fl.ctx = b;
    if (device_flash(&b->d, b->plan, &fl, &b->res, &b->err))
        return -1;
    return cli_device_finish(&o->dev, &b->d, &b->err);
}

static void *flash_board(void *arg)
{
    struct board *b = arg;
    b->rc = flash_board_steps(b) ? (b->err.code ? b->err.code : EB_IO) : EB_OK;
    b->wire_total = device_wire_bytes(&b->d);
    return NULL;
}

/* ---- reporting -------------------------------------------------------- */

static void summary_line(const struct board *b)
{
    size_t written = b->res.written;
    double secs = b->res.ms / 1000.0;
    uint64_t wire = b->res.wire_bytes; /* the bytes of the `secs` timed here */
    double limit = wire * 10.0 / b->d.baud;
    if (written == 0) {
        fprintf(stderr, "%s: up to date, nothing written (checked in %.1f s at %u baud)\n", b->port, secs,
                b->d.baud);
        return;
    }
    fprintf(stderr,
            "%s: wrote %zu bytes at %u baud as %" PRIu64 " bytes on the wire in %.1f s (%.1f KB/s effective)",
            b->port, written, b->d.baud, wire, secs, secs > 0 ? written / secs / 1024 : 0);
    double used = secs > 0 ? 100.0 * limit / secs : 0;
    if (b->d.port->has_rate && used <= 100)
        fprintf(stderr, "; wire limit at %u baud %.1f s: %.0f%% of the line's capacity used\n", b->d.baud,
                limit, used);
    else
        fprintf(stderr, "; this port does not pace bytes at a line rate (a socket, a pty, or a virtual board "
                        "without --realtime), so there is no wire limit to compare with\n");
}

static cJSON *region_json(const struct device_region *r, const struct device_region_result *res)
{
    cJSON *j = cJSON_CreateObject();
    cli_json_add_address(j, NULL, r->addr);
    cJSON_AddStringToObject(j, "file", r->path);
    cJSON_AddStringToObject(j, "role", r->role);
    cJSON_AddNumberToObject(j, "size", (double)r->len);
    cJSON_AddStringToObject(j, "state", device_region_state_name(res->state));
    cJSON_AddBoolToObject(j, "verified",
                          res->state == DEVICE_REGION_WRITTEN || res->state == DEVICE_REGION_UP_TO_DATE);
    cJSON_AddBoolToObject(j, "header_patched", r->header_patched);
    cJSON_AddNumberToObject(j, "written", (double)res->written);
    cJSON_AddNumberToObject(j, "compressed", (double)res->wire);
    return j;
}

static cJSON *board_json(const struct board *b)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "port", b->port);
    cJSON_AddBoolToObject(j, "ok", b->rc == 0);
    if (b->rc)
        cJSON_AddStringToObject(j, "error", b->err.msg);
    if (b->d.l && b->d.l->chip)
        cJSON_AddItemToObject(j, "device", cli_device_json(&b->d));
    cJSON *regs = cJSON_AddArrayToObject(j, "regions");
    for (unsigned i = 0; b->res.res && i < b->res.nregions; i++)
        cJSON_AddItemToArray(regs, region_json(&b->res.regions[i], &b->res.res[i]));
    cJSON_AddNumberToObject(j, "wire_bytes", (double)b->wire_total);
    cJSON_AddNumberToObject(j, "seconds", b->res.ms / 1000.0);
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

/* The esptool line for what this run does: its port, rate, chip and header
 * options (esptool has no `auto` rate: -b auto is shown as a fast common one). */
static int esptool_line(const struct flash_opts *o, const struct plan *p, const struct chip *chip, bytes *cmd)
{
    struct esptool_args a = { .port = o->dev.ports[0],
                              .baud = o->dev.baud_auto ? 921600 : o->dev.baud,
                              .mode = o->fl.hdr.mode,
                              .freq = o->fl.hdr.freq,
                              .size = o->fl.hdr.size,
                              .v4 = cli_out.esptool_v4,
                              .chip = chip };
    return plan_esptool_command(p, &a, cmd);
}

/* The chip for the esptool line: the first board's when the files did not
 * say which and it is known (NULL: the plan's). */
static const struct chip *esptool_chip(const struct plan *p)
{
    return p->chip_assumed && all_boards && all_boards[0].d.l ? all_boards[0].d.l->chip : NULL;
}

static void print_esptool(const struct flash_opts *o, const struct plan *p, const struct chip *chip)
{
    bytes cmd = { 0 };
    if (!o->dev.quiet && !o->dev.json && esptool_line(o, p, chip, &cmd) == 0 && cmd.len) {
        fprintf(stderr, "esptool equivalent: %.*s\n", (int)cmd.len, (const char *)cmd.data);
    }
    bytes_free(&cmd);
}

static void print_report_json(const struct flash_opts *o, const struct plan *p, int worst)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "ok", worst == EB_OK);
    cJSON_AddStringToObject(j, "source", p->source_kind);
    cJSON_AddItemToObject(j, "findings", cli_findings_json(p));
    bytes cmd = { 0 };
    if (esptool_line(o, p, esptool_chip(p), &cmd) == 0 && bytes_append_byte(&cmd, 0) == 0)
        cJSON_AddStringToObject(j, "esptool_command", (const char *)cmd.data);
    bytes_free(&cmd);
    cJSON *arr = cJSON_AddArrayToObject(j, "boards");
    for (unsigned i = 0; i < nboards; i++)
        cJSON_AddItemToArray(arr, board_json(&all_boards[i]));
    cli_print_json(j);
}

static int report(const struct flash_opts *o, const struct plan *p)
{
    int worst = EB_OK;
    for (unsigned i = 0; i < nboards; i++)
        if (all_boards[i].rc > worst)
            worst = all_boards[i].rc;
    if (o->dev.json) {
        print_report_json(o, p, worst);
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
            flashed_record(all_boards[i].port, o->nsrc, o->src, o->plan.chip ? o->plan.chip->name : NULL,
                           &err) &&
            !o->dev.quiet && !o->dev.json)
            fprintf(stderr, "note: %s (monitor will not know what was flashed; give it --plan)\n", err.msg);
    }
}

/* One thread per board (none for one board). */
static void run_boards(const struct flash_opts *o, const struct plan *p)
{
    pthread_t *th = calloc(nboards, sizeof *th);
    for (unsigned i = 0; i < nboards; i++) {
        all_boards[i] = (struct board){ .o = o, .plan = p, .port = o->dev.ports[i] };
        if (nboards == 1 || !th)
            flash_board(&all_boards[i]);
        else
            pthread_create(&th[i], NULL, flash_board, &all_boards[i]);
    }
    for (unsigned i = 0; th && nboards > 1 && i < nboards; i++)
        pthread_join(th[i], NULL);
    free(th);
    if (show_progress)
        fprintf(stderr, "\r\033[K");
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
    if (cli_plan_load(o.nsrc, o.src, &o.plan, o.dev.json, &p, &err)) {
        free(o.src);
        return cli_fail(&err);
    }
    if (!p.chip_assumed)
        print_esptool(&o, &p, NULL);
    nboards = o.dev.nports;
    all_boards = calloc(nboards, sizeof *all_boards);
    show_progress =
        cli_progress_mode_for(o.dev.quiet, o.dev.json, false) == CLI_PROGRESS_BAR && !o.dev.explain;
    run_boards(&o, &p);
    if (p.chip_assumed) /* nothing said which chip: the line names the board's once it is known */
        print_esptool(&o, &p, esptool_chip(&p));
    rc = report(&o, &p);
    remember_flashed(&o);
    for (unsigned i = 0; i < nboards; i++) {
        device_flash_result_free(&all_boards[i].res);
        device_close(&all_boards[i].d);
    }
    free(all_boards);
    plan_free(&p);
    free(o.src);
    return rc;
}
