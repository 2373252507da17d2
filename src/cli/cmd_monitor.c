/* cmd_monitor.c - `espburn monitor -p PORT`: a serial terminal that resets the
 * board into its firmware as idf.py monitor does, shows what it prints,
 * passes keys through (Ctrl-] leaves, Ctrl-T then a letter for reset,
 * download mode, timestamps, help), reconnects when the port comes back,
 * tees the raw output to --log, and explains the boot as it streams: the
 * analysis is src/boot/ (shared with `espburn explain`), each new finding
 * one highlighted line. Without a terminal it reads keys from standard
 * input and stops by itself (--duration, --until-finding); --json writes
 * JSON lines (output chunks, findings, events, a summary). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "boot/bootlog_plan.h"
#include "boot/bootlog.h"
#include "boot/bootlog_brief.h"
#include "cli/cli_bootreport.h"
#include "cli/cli.h"
#include "cli/cli_options.h"
#include "cli/cli_device.h"
#include "cli/cli_flashed.h"
#include "cli/cli_fold.h"
#include "cli/cli_statusbar.h"
#include "cli/cli_term.h"
#include "plan/plan.h"
#include "port/reset.h"

#define MAX_PLAN_SOURCES 32
#define MONITOR_BAUD     115200
#define READ_SLICE_MS    20   /* how long one wait for board output lasts */
#define RECONNECT_MS     500  /* esp-idf-monitor's RECONNECT_DELAY */
#define QUIET_MS         1000 /* a held-back round is shown after this long without output */

struct monitor_args {
    const char *port, *elf, *log;
    const struct chip *chip;
    uint32_t baud;
    bool json, no_reset, until_finding, raw, no_status;
    double duration; /* seconds, 0 = until stopped */
    int nplan;
    char *plan[MAX_PLAN_SOURCES];
};

struct monitor {
    const struct monitor_args *a;
    struct port *port;
    struct bootlog *bl;
    struct bootlog_opts bopts;
    const struct plan *plan;
    FILE *log;
    bool colour, timestamps, at_line_start, menu, keys_open, quit, failed, lost;
    bool app_reached;        /* said that this analysis reached the application */
    unsigned nshown;         /* findings of `bl` already shown */
    unsigned analyses;       /* 1 + resets and reconnections */
    unsigned boots;          /* boots of `bl` seen so far: a new one starts a round */
    struct fold fold;        /* identical rounds folded (not with --raw, --json) */
    bool folding, fold_line; /* fold in use; a "… N more identical boots" line is open */
    unsigned nfolded;        /* rounds folded on that line */
    struct statusbar bar;    /* the two status rows (a terminal, not --no-status) */
    int cols;                /* the terminal's width, 0 when not a terminal */
    int64_t last_rx_ms;      /* when the board last printed */
    struct shown {           /* per shown finding: when to say more */
        unsigned next_count; /* show again (short) when its count reaches this... */
        uint32_t what_hash;  /* ...and its text changed (a boot loop's count and period) */
    } shown[BOOTLOG_MAX_FINDINGS];
    int64_t t0_ms, next_try_ms;
};

static volatile sig_atomic_t stop_signal, resized;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void on_resize(int sig)
{
    (void)sig;
    resized = 1;
}

/* ---- arguments --------------------------------------------------------- */

static const char usage[] =
    "usage: espburn monitor -p PORT [-b BAUD] [--elf APP.elf] [--plan SOURCE...] [--chip CHIP]\n"
    "                       [--no-reset] [--log FILE] [--duration SECS] [--until-finding] [--raw]\n"
    "                       [--no-status] [--json]\n\n"
    "A serial terminal that explains the boot. It resets the board into its firmware\n"
    "(EN pulsed through RTS with IO0 released, as idf.py monitor does; a port without\n"
    "modem lines is just attached), shows everything the board prints, and, as it\n"
    "recognises boot output, prints one short line per distinct problem (it fits the\n"
    "terminal; Ctrl-T E explains it in full): reset reason, boot mode, known failures\n"
    "with cause and fix, boot loops (count, period and cause), brown-outs, crashes\n"
    "(backtrace named with --elf). In a terminal the two bottom rows show the board's\n"
    "state, the baud rate, the diagnosis and its fix. Identical boots after the third\n"
    "are folded into one line (\"... 7 more identical boots\").\n\n"
    "keys: every key goes to the board; Ctrl-] leaves; Ctrl-T then:\n"
    "  R reset the board   P reset into download mode   T timestamps on/off\n"
    "  E explain the diagnosis in full   L list every finding in full\n"
    "  H help              X leave                      Ctrl-T / Ctrl-] send that key\n\n"
    "  -p, --port PORT     /dev/ttyUSB0, socket://HOST:PORT, rfc2217://HOST:PORT, auto\n"
    "                      (default $ESPBURN_PORT)\n"
    "  -b, --baud RATE     the application's rate (default 115200, the boot messages' rate)\n"
    "  --elf APP.elf       the application's ELF: names the functions of a backtrace\n"
    "  --plan SOURCE...    what was flashed (as for espburn plan): names the files behind a\n"
    "                      failure; takes every argument up to the next option. Without it,\n"
    "                      what `espburn flash` last wrote to this port, when it is known\n"
    "  --chip CHIP         the board's chip, when the output does not show the ROM banner\n"
    "  --no-reset          attach without resetting the board\n"
    "  --log FILE          also write the raw output to FILE\n"
    "  --duration SECS     stop after SECS seconds\n"
    "  --until-finding     stop after the first failure found\n"
    "  --raw               show every boot, none folded\n"
    "  --no-status         no status rows at the bottom of the terminal\n"
    "  --json              JSON lines: output chunks, findings, events, then a summary\n\n"
    "Without a terminal, keys are read from standard input (if any) and Ctrl-C stops.\n"
    "The port is reopened when it comes back (a board unplugged and plugged in again).\n\n"
    "exit: 0 no failure seen, 1 a failure was found, 2 usage error, 3 port error\n";

static int parse_value(const char *opt, const char *v, struct monitor_args *a)
{
    if (!strcmp(opt, "--elf")) {
        a->elf = v;
    } else if (!strcmp(opt, "--log")) {
        a->log = v;
    } else if (!strcmp(opt, "--chip")) {
        if (!(a->chip = chip_by_name(v)))
            return cli_usage("monitor", "unknown chip '%s' (esp32, esp32s2, esp32s3, esp32c3, ...)", v);
    } else {
        char *end;
        a->duration = strtod(v, &end);
        if (end == v || *end || !(a->duration > 0 && a->duration < 1e7))
            return cli_usage("monitor", "--duration '%s' is not a number of seconds above 0", v);
    }
    return 0;
}

static int parse_plan(int argc, char **argv, int *i, struct monitor_args *a)
{
    while (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) {
        if (a->nplan >= MAX_PLAN_SOURCES)
            return cli_usage("monitor", "too many --plan sources (at most %d)", MAX_PLAN_SOURCES);
        a->plan[a->nplan++] = argv[++*i];
    }
    return a->nplan ? 0 : cli_usage("monitor", "--plan needs at least one source");
}

static bool is_port_option(const char *s)
{
    return !strcmp(s, "-p") || !strcmp(s, "--port") || !strcmp(s, "-b") || !strcmp(s, "--baud");
}

/* Returns 0, -1 after --help, or EB_USAGE. */
static int parse_args(int argc, char **argv, struct monitor_args *a)
{
    static const char *const valued[] = { "--elf", "--log", "--chip", "--duration", NULL };
    struct cli_device_opts o;
    cli_device_opts_init(&o, DEVICE_AFTER_NO_RESET);
    o.baud = 0; /* ESPBURN_BAUD is the flashing rate, not the application's */
    o.baud_auto = false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int rc = 0;
        size_t k = 0;
        while (valued[k] && strcmp(s, valued[k]))
            k++;
        if (!strcmp(s, "--help") || !strcmp(s, "-h"))
            return cli_print_help(usage), -1;
        else if (!strcmp(s, "--json"))
            a->json = true;
        else if (!strcmp(s, "--no-reset"))
            a->no_reset = true;
        else if (!strcmp(s, "--until-finding"))
            a->until_finding = true;
        else if (!strcmp(s, "--raw"))
            a->raw = true;
        else if (!strcmp(s, "--no-status"))
            a->no_status = true;
        else if (!strcmp(s, "--plan"))
            rc = parse_plan(argc, argv, &i, a);
        else if (valued[k])
            rc = i + 1 < argc ? parse_value(s, argv[++i], a) : cli_usage("monitor", "%s needs a value", s);
        else if (is_port_option(s))
            rc = cli_device_parse_opt(&o, "monitor", argc, argv, &i) == 1 ? 0 : EB_USAGE;
        else
            rc = cli_usage("monitor", "unexpected argument '%s'", s);
        if (rc)
            return rc;
    }
    if (o.baud_auto)
        return cli_usage("monitor", "-b auto is for flashing; give the rate the application prints at");
    if (o.nports > 1)
        return cli_usage("monitor", "one port at a time");
    int rc = cli_device_opts_finish(&o, "monitor");
    if (rc)
        return rc;
    a->port = o.ports[0];
    a->baud = o.baud ? o.baud : MONITOR_BAUD;
    return 0;
}

/* ---- what espburn itself says ------------------------------------------ */

static double elapsed(const struct monitor *m)
{
    return (double)(eb_now_ms() - m->t0_ms) / 1000.0;
}

static cJSON *json_line(const struct monitor *m, const char *type)
{
    return cli_json_event(type, elapsed(m));
}

/* The "… N more identical boots" line is done: on a terminal it was drawn
 * in place as it grew, elsewhere it is written now, once. */
static void close_fold_line(struct monitor *m)
{
    if (!m->fold_line)
        return;
    if (m->colour)
        fputc('\n', stdout);
    else
        printf("\xe2\x80\xa6 %u more identical boot%s\n", m->nfolded, m->nfolded == 1 ? "" : "s");
    m->fold_line = false;
    m->nfolded = 0;
    m->at_line_start = true;
}

static void count_folded(struct monitor *m)
{
    m->nfolded++;
    m->fold_line = true;
    if (m->colour)
        printf("\r\033[2m\xe2\x80\xa6 %u more identical boot%s\033[0m\033[K", m->nfolded,
               m->nfolded == 1 ? "" : "s");
}

static void show_stamp(void)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    printf("[%02d:%02d:%02d.%03ld] ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* The board's own bytes, never altered (a timestamp before each line when asked). */
static void show_board(struct monitor *m, const uint8_t *p, size_t n)
{
    if (n)
        close_fold_line(m);
    for (size_t start = 0, end; start < n; start = end) {
        const uint8_t *nl = memchr(p + start, '\n', n - start);
        end = nl ? (size_t)(nl - p) + 1 : n;
        if (m->timestamps && m->at_line_start)
            show_stamp();
        fwrite(p + start, 1, end - start, stdout);
        m->at_line_start = p[end - 1] == '\n';
    }
}

/* What a round held back (it matched the one before) is shown now. */
static void release_held(struct monitor *m)
{
    const uint8_t *p;
    size_t n = m->folding ? fold_release(&m->fold, &p) : 0;
    show_board(m, p, n);
}

/* Before a line of espburn's own: the board's line ended, or the fold line. */
static void end_board_line(struct monitor *m)
{
    close_fold_line(m);
    if (!m->at_line_start)
        fputc('\n', stdout);
    m->at_line_start = true;
}

/* An event of the monitor's own ("reset", "port-lost", ...): a JSON line,
 * or a "--- " line on stderr as idf.py monitor writes them. */
static void say(struct monitor *m, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct monitor *m, const char *event, const char *fmt, ...)
{
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (m->a->json) {
        cJSON *o = json_line(m, "event");
        cJSON_AddStringToObject(o, "event", event);
        cJSON_AddStringToObject(o, "text", text);
        cli_json_line(o);
        fflush(stdout);
        return;
    }
    release_held(m); /* something happened: the round is not a mere repeat */
    if (m->colour)
        end_board_line(m); /* on one screen: not in the middle of a board line */
    fflush(stdout);
    fprintf(stderr, "%s--- %s ---%s\n", m->colour ? "\033[2m" : "", text, m->colour ? "\033[0m" : "");
}

static uint32_t text_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

/* 3, 10, 30, 100, 300, ...: the first above `count`. */
static unsigned next_milestone(unsigned count)
{
    unsigned m = 3;
    while (m <= count && m < 1000000000u)
        m = m % 3 == 0 ? m / 3 * 10 : m * 3;
    return m;
}

static void remember_shown(struct monitor *m, unsigned i, const struct bootlog_finding *f)
{
    m->shown[i].next_count = next_milestone(f->count);
    m->shown[i].what_hash = text_hash(f->what);
}

/* A finding as JSON, with its short forms ("short": line, cause, fix). */
static cJSON *finding_json(const struct monitor *m, const struct bootlog_finding *f)
{
    struct bootlog_brief b;
    bootlog_brief(m->bl, f, &b);
    cJSON *o = bootreport_json(f), *brief = cJSON_AddObjectToObject(o, "short");
    cJSON_AddStringToObject(brief, "line", b.line);
    cJSON_AddStringToObject(brief, "cause", b.cause);
    cJSON_AddStringToObject(brief, "fix", b.fix);
    return o;
}

/* A finding as one short line, or with --json a line of `type` ("finding",
 * "finding-update"); a new one first shows the board lines held back (this
 * round is not a mere repeat). */
static void print_finding(struct monitor *m, const struct bootlog_finding *f, const char *type, bool is_new)
{
    if (m->a->json) {
        cJSON *o = json_line(m, type);
        cJSON_AddItemToObject(o, "finding", finding_json(m, f));
        cli_json_line(o);
        return;
    }
    struct bootlog_brief b;
    bootlog_brief(m->bl, f, &b);
    if (is_new)
        release_held(m);
    end_board_line(m);
    bootreport_brief_line(stdout, f, &b, m->colour, m->cols);
}

/* A shown finding that grew (a boot loop: count and period): one short line. */
static void show_update(struct monitor *m, unsigned i, const struct bootlog_finding *f)
{
    remember_shown(m, i, f);
    print_finding(m, f, "finding-update", false);
}

static void show_finding(struct monitor *m, const struct bootlog_finding *f)
{
    if (f->level == BOOTLOG_FAIL) {
        m->failed = true;
        if (m->a->until_finding)
            m->quit = true;
    }
    print_finding(m, f, "finding", true);
}

/* Findings the analyzer added since the last look, tied to the plan first. */
static void show_new_findings(struct monitor *m)
{
    if (bootlog_count(m->bl) == m->nshown)
        return;
    if (m->plan)
        bootlog_tie_plan(m->bl, m->plan);
    for (; m->nshown < bootlog_count(m->bl); m->nshown++) {
        show_finding(m, bootlog_finding(m->bl, m->nshown));
        remember_shown(m, m->nshown, bootlog_finding(m->bl, m->nshown));
    }
}

/* The application started: say it once per analysis (the healthy verdict
 * itself waits for the end, when nothing can fail any more). */
static void show_app_reached(struct monitor *m)
{
    struct bootlog_summary s;
    if (m->app_reached)
        return;
    bootlog_summary(m->bl, &s);
    if (s.stage != BOOTLOG_STAGE_APP)
        return;
    m->app_reached = true;
    say(m, "app-reached", "the board reached its application%s%s%s",
        bootlog_failed(m->bl) ? "" : ", no failure so far",
        s.idf_version[0] ? "; bootloader of ESP-IDF " : "", s.idf_version);
}

static void show_grown_findings(struct monitor *m)
{
    for (unsigned i = 0; i < m->nshown; i++) {
        const struct bootlog_finding *f = bootlog_finding(m->bl, i);
        if (f->count >= m->shown[i].next_count && text_hash(f->what) != m->shown[i].what_hash)
            show_update(m, i, f);
    }
}

/* ---- the board's output -------------------------------------------------- */

static void show_chunk_json(struct monitor *m, const uint8_t *p, size_t n)
{
    cli_json_data_line("output", elapsed(m), p, n);
}

/* ---- the status rows ------------------------------------------------------ */

static const char *board_state(const struct monitor *m, char *buf, size_t cap)
{
    struct bootlog_summary s;
    bootlog_summary(m->bl, &s);
    const struct bootlog_finding *loop = bootlog_loop(m->bl);
    if (!m->port)
        return "port lost, waiting for it";
    if (loop) {
        snprintf(buf, cap, "looping \xc3\x97%u", loop->count); /* × */
        if (s.period > 0)
            snprintf(buf + strlen(buf), cap - strlen(buf), ", every %.1f s", s.period);
        return buf;
    }
    if (strstr(s.boot_mode, "DOWNLOAD"))
        return "download mode";
    if (s.now == BOOTLOG_STAGE_APP)
        return "running app";
    return s.boots ? "booting" : "waiting for the board's output";
}

/* Bottom rows: the board's state, the rate and the diagnosis; its fix. */
static void update_status(struct monitor *m)
{
    if (!m->bar.on)
        return;
    char state[64], row1[STATUSBAR_TEXT], row2[STATUSBAR_TEXT];
    const char *st = board_state(m, state, sizeof state);
    const struct bootlog_finding *d = bootlog_diagnosis(m->bl);
    if (!d) {
        snprintf(row1, sizeof row1, "%s \xc2\xb7 %u baud \xc2\xb7 no problem seen", st, (unsigned)m->a->baud);
        snprintf(row2, sizeof row2,
                 "Ctrl-] leaves \xc2\xb7 Ctrl-T H help \xc2\xb7 Ctrl-T L lists the findings");
    } else {
        struct bootlog_brief b;
        bootlog_brief(m->bl, d, &b);
        snprintf(row1, sizeof row1, "%s %s \xc2\xb7 %u baud \xc2\xb7 cause: %s",
                 bootreport_label(d->level, false), st, (unsigned)m->a->baud, b.cause);
        snprintf(row2, sizeof row2, "fix: %s \xc2\xb7 Ctrl-T E explains", b.fix);
    }
    statusbar_set(&m->bar, row1, row2);
}

/* The terminal was resized: the rows move to its new bottom, and the
 * output goes on on a fresh line above them. */
static void on_resized(struct monitor *m)
{
    resized = 0;
    int rows;
    term_size(STDOUT_FILENO, &rows, &m->cols);
    if (!m->bar.on)
        return;
    release_held(m);
    statusbar_resize(&m->bar);
    m->at_line_start = true;
    m->fold_line = false;
    m->nfolded = 0;
}

/* A new boot started with this line: the round before it ends, folded
 * when it was held back whole and identical. */
static void next_round(struct monitor *m)
{
    struct bootlog_summary s;
    bootlog_summary(m->bl, &s);
    if (s.boots == m->boots)
        return;
    m->boots = s.boots;
    const uint8_t *p;
    size_t n;
    if (!m->folding)
        return;
    if (fold_next_round(&m->fold, &p, &n))
        count_folded(m);
    else
        show_board(m, p, n);
}

/* One line (or the start of one) of the board's: analysed first, so that a
 * line that starts a boot starts a new round; then shown (or held back
 * while the round repeats the one before), then what it revealed. */
static void on_line(struct monitor *m, const uint8_t *p, size_t n, double t)
{
    bootlog_feed(m->bl, (const char *)p, n, t);
    if (!m->a->json) {
        next_round(m);
        const uint8_t *show = p;
        size_t k = m->folding ? fold_add(&m->fold, p, n, &show) : n;
        show_board(m, show, k);
    }
    show_new_findings(m);
    show_grown_findings(m);
    show_app_reached(m);
}

/* Show, log and analyse a chunk, a line at a time, so that a finding is
 * printed right after the line that revealed it. */
static void on_output(struct monitor *m, const uint8_t *p, size_t n)
{
    if (m->log) {
        fwrite(p, 1, n, m->log);
        fflush(m->log);
    }
    m->last_rx_ms = eb_now_ms();
    double t = elapsed(m);
    if (m->a->json)
        show_chunk_json(m, p, n);
    for (size_t start = 0, end; start < n; start = end) {
        const uint8_t *nl = memchr(p + start, '\n', n - start);
        end = nl ? (size_t)(nl - p) + 1 : n;
        on_line(m, p + start, end - start, t);
    }
    update_status(m);
    fflush(stdout);
}

/* A fresh analysis: after a reset we caused or a reconnection, what the
 * board prints is a new story (so three resets by hand are no boot loop). */
static int new_analysis(struct monitor *m)
{
    bootlog_free(m->bl);
    m->nshown = 0;
    m->boots = 0;
    m->app_reached = false;
    m->analyses++;
    m->bl = bootlog_new(&m->bopts);
    return m->bl ? 0 : -1;
}

/* ---- resets ------------------------------------------------------------ */

/* The monitor's two resets (rows of port/reset.h) and how it announces them. */
struct monitor_reset {
    enum port_reset_id row;
    const char *event, *text;
};
static const struct monitor_reset to_firmware = { PORT_RESET_HARD, "reset",
                                                  "reset: EN pulsed through RTS, IO0 released" };
static const struct monitor_reset to_download = { PORT_RESET_DOWNLOAD_ANY, "download-reset",
                                                  "reset into download mode (IO0 held low through DTR)" };

/* While the chip is held in reset it prints nothing: what arrives now was
 * printed before, and belongs to the old analysis (or, at start, to no one). */
static void settle_before_release(struct monitor *m, bool discard)
{
    uint8_t buf[4096];
    eb_err err = { 0 };
    int r;
    if (discard)
        port_flush_input(m->port, &err);
    else
        while ((r = port_read(m->port, buf, sizeof buf, 0, &err)) > 0)
            on_output(m, buf, (size_t)r);
}

struct held {
    struct monitor *m;
    bool discard, out_of_memory;
};

/* The chip is held in reset: end the old analysis, start a fresh one. */
static void while_held(void *ctx)
{
    struct held *h = ctx;
    settle_before_release(h->m, h->discard);
    h->out_of_memory = new_analysis(h->m) != 0;
}

static void say_no_lines(struct monitor *m, const struct monitor_reset *r)
{
    say(m, "no-lines", "%s has no modem lines: espburn cannot reset the board; press its reset (EN) button%s",
        m->a->port, r == &to_download ? " while holding BOOT (IO0)" : "");
}

/* Reset the board (to its firmware or into download mode) and start a
 * fresh analysis; `discard` drops what it printed before. False, after
 * saying why, when the port has no modem lines or setting them failed (a
 * port that died is then found by the next read). */
static bool reset_board(struct monitor *m, const struct monitor_reset *r, bool discard)
{
    eb_err err = { 0 };
    struct held h = { m, discard, false };
    if (!m->port || !m->port->has_lines)
        return say_no_lines(m, r), false;
    if (port_reset_run_held(m->port, port_reset_seq(r->row), while_held, &h, &err)) {
        say(m, "error", "reset failed: %s", err.msg);
        return false;
    }
    if (h.out_of_memory)
        return m->quit = true, false;
    if (!m->port->has_lines) /* a pty found to have none */
        return say_no_lines(m, r), false;
    say(m, r->event, "%s", r->text);
    return true;
}

/* ---- keys ----------------------------------------------------------------- */

static void show_keys(struct monitor *m)
{
    say(m, "help",
        "Ctrl-] leaves; Ctrl-T then: R reset, P download mode, T timestamps, E explain the diagnosis, "
        "L list every finding, H help, X leave, Ctrl-T/Ctrl-] send that key");
}

/* Ctrl-T E: the diagnosis (else the latest finding) in full; Ctrl-T L: every finding. */
static void explain_findings(struct monitor *m, bool all)
{
    unsigned n = bootlog_count(m->bl);
    const struct bootlog_finding *d = bootlog_diagnosis(m->bl);
    if (n == 0) {
        say(m, "explain", "nothing found yet since the last reset");
        return;
    }
    if (m->plan)
        bootlog_tie_plan(m->bl, m->plan);
    if (m->a->json) {
        cJSON *o = json_line(m, "explain"), *arr = cJSON_AddArrayToObject(o, "findings");
        for (unsigned i = all ? 0 : n - 1; i < n; i++)
            cJSON_AddItemToArray(arr, bootreport_json(all || !d ? bootlog_finding(m->bl, i) : d));
        cli_json_line(o);
        return;
    }
    release_held(m);
    end_board_line(m);
    for (unsigned i = all ? 0 : n - 1; i < n; i++)
        bootreport_block(stdout, all || !d ? bootlog_finding(m->bl, i) : d, m->colour);
    fflush(stdout);
}

/* Ctrl-T then `c`: returns the byte to send to the board, or -1 for none. */
static int menu_key(struct monitor *m, uint8_t c)
{
    uint8_t letter = c < 0x20 ? (uint8_t)(c + 'a' - 1) : (uint8_t)(c | 0x20);
    if (c == TERM_MENU_KEY || c == TERM_EXIT_KEY)
        return c;
    switch (letter) {
    case 'r': reset_board(m, &to_firmware, false); break;
    case 'p': reset_board(m, &to_download, false); break;
    case 't':
        m->timestamps = !m->timestamps;
        say(m, "timestamps", "timestamps %s", m->timestamps ? "on" : "off");
        break;
    case 'e': explain_findings(m, false); break;
    case 'l': explain_findings(m, true); break;
    case 'x': m->quit = true; break;
    case 'h':
    case '?': show_keys(m); break;
    default: say(m, "unknown-key", "Ctrl-T then 0x%02x does nothing (Ctrl-T H lists the keys)", c);
    }
    return -1;
}

static void send_keys(struct monitor *m, const uint8_t *p, size_t n)
{
    eb_err err = { 0 };
    if (n && m->port && port_write(m->port, p, n, &err))
        say(m, "error", "could not send keys: %s", err.msg);
}

/* Keys in order: the board gets the keys typed before a command before the
 * command acts (gathered in place at the front of `keys`). */
static void on_keys(struct monitor *m, uint8_t *keys, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n && !m->quit; i++) {
        uint8_t k = keys[i];
        bool command = m->menu || k == TERM_EXIT_KEY || k == TERM_MENU_KEY;
        if (!command) {
            keys[len++] = k;
            continue;
        }
        send_keys(m, keys, len);
        len = 0;
        int literal = -1;
        if (m->menu)
            literal = menu_key(m, k);
        else if (k == TERM_EXIT_KEY)
            m->quit = true;
        m->menu = !m->menu && k == TERM_MENU_KEY;
        if (literal >= 0)
            keys[len++] = (uint8_t)literal;
    }
    send_keys(m, keys, len);
}

/* ---- the port ------------------------------------------------------------ */

static void lose_port(struct monitor *m, const eb_err *err)
{
    port_close(m->port);
    m->port = NULL;
    m->lost = true;
    m->next_try_ms = eb_now_ms() + RECONNECT_MS;
    end_board_line(m);
    say(m, "port-lost", "port lost (%s); waiting for it to come back, Ctrl-] leaves", err->msg);
    update_status(m);
}

static void try_reconnect(struct monitor *m)
{
    if (eb_now_ms() < m->next_try_ms)
        return;
    m->next_try_ms = eb_now_ms() + RECONNECT_MS;
    eb_err err = { 0 };
    if (port_open(m->a->port, m->a->baud, &m->port, &err)) {
        m->port = NULL;
        return;
    }
    m->lost = false;
    if (new_analysis(m))
        m->quit = true;
    say(m, "reconnected", "port %s is back", m->a->port);
    update_status(m);
}

static bool time_is_up(const struct monitor *m)
{
    return stop_signal || m->quit || (m->a->duration > 0 && elapsed(m) >= m->a->duration);
}

static void pump(struct monitor *m)
{
    uint8_t buf[4096];
    while (!time_is_up(m)) {
        if (resized)
            on_resized(m);
        if (m->folding && m->fold.holding && eb_now_ms() - m->last_rx_ms > QUIET_MS) {
            release_held(m); /* the board went quiet mid-round: show what it printed */
            fflush(stdout);
        }
        int k = m->keys_open ? term_read_keys(buf, sizeof buf, 0) : 0;
        if (k < 0)
            m->keys_open = false; /* piped input ended: keep monitoring */
        else if (k > 0)
            on_keys(m, buf, (size_t)k);
        if (!m->port) {
            try_reconnect(m);
            eb_sleep_ms(READ_SLICE_MS);
            continue;
        }
        eb_err err = { 0 };
        int r = port_read(m->port, buf, sizeof buf, READ_SLICE_MS, &err);
        if (r < 0)
            lose_port(m, &err);
        else if (r > 0)
            on_output(m, buf, (size_t)r);
    }
}

/* ---- start and end -------------------------------------------------------- */

static void start(struct monitor *m)
{
    const struct monitor_args *a = m->a;
    if (a->json) {
        cJSON *o = json_line(m, "start");
        cJSON_AddStringToObject(o, "port", a->port);
        cJSON_AddNumberToObject(o, "baud", a->baud);
        cli_json_line(o);
    } else {
        say(m, "start", "espburn monitor on %s at %u baud; Ctrl-] leaves, Ctrl-T H for help", a->port,
            (unsigned)a->baud);
    }
    if (m->port->warning[0])
        say(m, "warning", "%s", m->port->warning);
    if (a->no_reset)
        return;
    if (!m->port->has_lines) {
        say(m, "no-lines",
            "%s has no modem lines: attached without a reset (press the board's reset "
            "button to see its boot)",
            a->port);
        return;
    }
    reset_board(m, &to_firmware, true); /* what came before the reset is not this boot */
}

static void show_summary(struct monitor *m, int rc)
{
    struct bootlog_summary s;
    bootlog_summary(m->bl, &s);
    if (m->a->json) {
        cJSON *o = json_line(m, "summary");
        cJSON_AddNumberToObject(o, "boots", s.boots);
        cJSON_AddStringToObject(o, "stage", bootlog_stage_name(s.stage));
        if (s.chip)
            cJSON_AddStringToObject(o, "chip", s.chip->name);
        cJSON_AddBoolToObject(o, "failed", m->failed);
        cJSON *arr = cJSON_AddArrayToObject(o, "findings");
        for (unsigned i = 0; i < bootlog_count(m->bl); i++)
            cJSON_AddItemToArray(arr, bootreport_json(bootlog_finding(m->bl, i)));
        cJSON_AddNumberToObject(o, "exit", rc);
        cli_json_line(o);
        return;
    }
    end_board_line(m);
    say(m, "summary", "%u boot%s seen%s, furthest stage: %s%s", s.boots, s.boots == 1 ? "" : "s",
        m->analyses > 1 ? " since the last reset or reconnection" : "", bootlog_stage_name(s.stage),
        bootlog_count(m->bl) ? "; findings:" : "; nothing recognised");
    for (unsigned i = 0; i < bootlog_count(m->bl); i++) {
        const struct bootlog_finding *f = bootlog_finding(m->bl, i);
        fprintf(stderr, "    %s %s", bootreport_label(f->level, m->colour), f->code);
        if (f->count > 1)
            fprintf(stderr, " (x%u)", f->count);
        fprintf(stderr, ": %s\n", f->what);
    }
    if (m->a->log)
        say(m, "log", "every byte is in %s; espburn explain %s gives each finding in full", m->a->log,
            m->a->log);
}

/* Run the monitor on the opened port; returns the exit code. */
static int run(struct monitor *m)
{
    if (m->colour && !m->a->no_status && statusbar_start(&m->bar, stdout))
        signal(SIGWINCH, on_resize);
    bool raw = term_raw(); /* before the "Ctrl-] leaves" line: keys typed after it go out raw */
    start(m);
    update_status(m);
    pump(m);
    if (raw)
        term_restore();
    bootlog_finish(m->bl);
    show_new_findings(m);
    release_held(m); /* the last round, as far as it came */
    end_board_line(m);
    statusbar_end(&m->bar);
    int rc = m->failed ? EB_PROBLEM : m->lost ? EB_IO : EB_OK;
    show_summary(m, rc);
    return rc;
}

static int open_inputs(const struct monitor_args *a, struct elf_syms *syms, struct plan *plan, FILE **log)
{
    eb_err err = { 0 };
    int rc = a->elf ? bootreport_load_elf(a->elf, syms) : 0;
    if (rc)
        return rc;
    struct plan_opts po = { .chip = a->chip };
    if (a->nplan && plan_build(a->nplan, (char **)a->plan, &po, plan, &err))
        return cli_fail(&err);
    if (a->log && !(*log = fopen(a->log, "wb"))) {
        eb_fail(&err, EB_IO, "cannot write the log file %s: check the folder exists and is writable", a->log);
        return cli_fail(&err);
    }
    return 0;
}

/* No --plan: the files `espburn flash` last wrote to this port, if known
 * and still readable. */
static void plan_from_last_flash(struct monitor *m, struct plan *plan)
{
    struct flashed f;
    if (m->a->nplan || !flashed_lookup(m->a->port, &f))
        return;
    struct plan_opts po = { .chip = f.chip[0] ? chip_by_name(f.chip) : m->a->chip };
    eb_err err = { 0 };
    if (plan_build(f.nsrc, f.src, &po, plan, &err) == 0) {
        m->plan = plan;
        say(m, "plan", "findings name the files espburn flash wrote to this port on %s (--plan gives others)",
            f.when);
    } else {
        say(m, "plan", "what espburn flash wrote to this port on %s cannot be read any more (%s)", f.when,
            err.msg);
    }
    flashed_free(&f);
}

int cmd_monitor(int argc, char **argv)
{
    struct monitor_args a = { 0 };
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? EB_OK : rc;
    struct elf_syms syms = { 0 };
    struct plan plan;
    memset(&plan, 0, sizeof plan);
    struct monitor m = {
        .a = &a,
        .colour = cli_use_color() && !a.json,
        .folding = !a.raw && !a.json,
        .at_line_start = true,
        .keys_open = true,
        .bopts = { .chip = a.chip, .syms = a.elf ? &syms : NULL },
        .plan = a.nplan ? &plan : NULL,
        .t0_ms = eb_now_ms(),
    };
    eb_err err = { 0 };
    rc = open_inputs(&a, &syms, &plan, &m.log);
    if (!rc)
        plan_from_last_flash(&m, &plan);
    if (!rc && port_open(a.port, a.baud, &m.port, &err))
        rc = cli_fail(&err);
    if (!rc && m.colour)
        term_size(STDOUT_FILENO, &(int){ 0 }, &m.cols);
    if (!rc && m.folding && !fold_init(&m.fold))
        rc = cli_fail(&(eb_err){ EB_IO, "out of memory" });
    if (!rc && new_analysis(&m))
        rc = cli_fail(&(eb_err){ EB_IO, "out of memory" });
    if (!rc) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, on_signal); /* a reader that went away: stop, and give the terminal back */
        rc = run(&m);
    }
    if (m.port)
        port_close(m.port);
    bootlog_free(m.bl);
    if (m.folding)
        fold_free(&m.fold);
    if (m.log)
        fclose(m.log);
    if (m.plan)
        plan_free(&plan);
    elf_syms_free(&syms);
    return rc;
}
