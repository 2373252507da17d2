/* cmd_watch.c - `espburn watch DIR [:REMOTE]`: sync once, then send every
 * change, restart the program and show its output (see src/mpy/watch.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_options.h"
#include "cli/cli_mpy.h"
#include "mpy/watch.h"

struct view {
    bool verbose, json, run; /* run: --run FILE (a host script) instead of main.py */
    int64_t t0_ms;
};

static volatile sig_atomic_t stop_watching;

static void on_sigint(int sig)
{
    (void)sig;
    stop_watching = 1;
}

/* --json: one line per event, {"type", "t": seconds since the start, ...}. */
static double seconds(const struct view *v)
{
    return (double)(eb_now_ms() - v->t0_ms) / 1000.0;
}

static cJSON *json_event(const struct view *v, const char *type)
{
    return cli_json_event(type, seconds(v));
}

static void to_stdout(void *ctx, const uint8_t *p, size_t n)
{
    const struct view *v = ctx;
    if (v->json) {
        cli_json_data_line("output", seconds(v), p, n);
        return;
    }
    fwrite(p, 1, n, stdout);
    fflush(stdout);
}

static void to_stderr(void *ctx, const uint8_t *p, size_t n)
{
    const struct view *v = ctx;
    if (v->json) {
        cli_json_data_line("error-output", seconds(v), p, n);
        return;
    }
    fwrite(p, 1, n, stderr);
}

static const char *const event_names[] = {
    [MPY_WATCH_POLLING] = "polling",   [MPY_WATCH_SYNCED] = "synced",   [MPY_WATCH_SENT] = "sent",
    [MPY_WATCH_REMOVED] = "removed",   [MPY_WATCH_STARTED] = "started", [MPY_WATCH_LATENCY] = "latency",
    [MPY_WATCH_FINISHED] = "finished",
};

/* The event as a JSON line: what `value` means depends on the event; a
 * host path (the watched folder, a --run script) is "file", a board path
 * "path". */
static void json_watch_event(const struct view *v, enum mpy_watch_event e, const char *path, long value)
{
    cJSON *o = json_event(v, event_names[e]);
    bool host = e == MPY_WATCH_POLLING || e == MPY_WATCH_FINISHED || (e == MPY_WATCH_STARTED && v->run);
    if (path && e != MPY_WATCH_LATENCY)
        cJSON_AddStringToObject(o, host ? "file" : "path", path);
    if (e == MPY_WATCH_POLLING || e == MPY_WATCH_LATENCY)
        cJSON_AddNumberToObject(o, "ms", (double)value);
    else if (e == MPY_WATCH_SYNCED)
        cJSON_AddNumberToObject(o, "files", (double)value);
    else if (e == MPY_WATCH_SENT)
        cJSON_AddNumberToObject(o, "size", (double)value);
    else if (e == MPY_WATCH_FINISHED)
        cJSON_AddBoolToObject(o, "failed", value != 0);
    cli_json_line(o);
}

static void on_event(void *ctx, enum mpy_watch_event e, const char *path, long value)
{
    const struct view *v = ctx;
    if (v->json) {
        json_watch_event(v, e, path, value);
        return;
    }
    switch (e) {
    case MPY_WATCH_POLLING:
        fprintf(stderr, "watch: inotify is not available here; polling %s every %ld ms instead\n", path,
                value);
        break;
    case MPY_WATCH_SYNCED:
        fprintf(stderr, "watch: :%s is in sync (%ld files written); watching for changes, Ctrl-C stops\n",
                path, value);
        break;
    case MPY_WATCH_SENT: fprintf(stderr, "watch: sent :%s (%ld bytes)\n", path, value); break;
    case MPY_WATCH_REMOVED: fprintf(stderr, "watch: removed :%s\n", path); break;
    case MPY_WATCH_STARTED:
        if (v->verbose)
            fprintf(stderr, "watch: started %s\n", path);
        break;
    case MPY_WATCH_LATENCY:
        if (v->verbose)
            fprintf(stderr, "watch: save to output in %ld ms\n", value);
        break;
    case MPY_WATCH_FINISHED:
        fprintf(stderr, "watch: %s %s; waiting for changes\n", path, value ? "failed" : "ended");
        break;
    }
}

/* Connected: run the loop until Ctrl-C (SIGINT sets the stop flag). */
static int watch_connected(struct cli_mpy *c, const char **exclude, size_t nexclude)
{
    c->m.timeout_ms = 24 * 3600 * 1000; /* a program may print nothing for long */
    struct mpy_watch_opts o = {
        .sync = { .local = c->pos[0],
                  .remote = cli_mpy_board_folder(c),
                  .delete_extra = cli_mpy_flag(c, "--delete"),
                  .delete_root = cli_mpy_flag(c, "--delete-root"),
                  .force = cli_mpy_flag(c, "--force"),
                  .exclude = exclude,
                  .nexclude = nexclude },
        .run_path = cli_mpy_value(c, "--run"),
        .poll = cli_mpy_flag(c, "--poll"),
        .stop = &stop_watching,
    };
    struct view v = {
        .verbose = cli_out.verbose, .json = c->json, .run = o.run_path != NULL, .t0_ms = eb_now_ms()
    }; /* -v is shared */
    struct mpy_watch_cb cb = { .output = to_stdout, .errput = to_stderr, .event = on_event, .ctx = &v };
    struct sigaction sa = { .sa_handler = on_sigint }, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    eb_err err = { 0 };
    int rc = mpy_watch(&c->fs, &o, &cb, &err);
    sigaction(SIGINT, &old, NULL);
    if (c->json) /* the last line, with "ok" and any "error" */
        cli_print_json(json_event(&v, "stopped"));
    if (rc)
        return cli_mpy_fail(c, &err);
    fprintf(stderr, "\nwatch: stopped\n");
    return cli_mpy_end(c, EB_OK);
}

int cmd_watch(int argc, char **argv)
{
    static const char *const flags[] = { "--delete", "--delete-root", "--force", "--poll", NULL };
    static const char *const valued[] = { "--run", "--exclude", NULL };
    struct cli_mpy c = {
        .cmd = "watch",
        .usage =
            "watch DIR [:REMOTE] [--run FILE.py] [--delete] [--exclude PATTERN]... [--poll] [-v] [-p PORT]",
        .flags = flags,
        .valued = valued,
        .help =
            "Sync DIR to the board folder REMOTE (default: the main filesystem) once, then on every\n"
            "change in DIR send only the changed files, soft-reset the board (main.py runs) and show\n"
            "its output until the next change. Ctrl-C stops (the board is left at its prompt).\n"
            "  --run FILE.py       run this local script after each change instead of a soft reset\n"
            "  --delete            files removed from DIR are removed on the board too (the first\n"
            "                      sync: as sync --delete, with --delete-root and --force)\n" CLI_MPY_HELP_EXCLUDE
            "  --poll              scan DIR every 250 ms instead of using inotify\n"
            "  -v                  also show when the program starts and the save-to-output latency",
    };
    return cli_mpy_folder_cmd(&c, argc, argv, watch_connected);
}
