/* cmd_sync.c - `espburn sync LOCAL [:REMOTE]`: make a board folder equal to a
 * local folder (see src/mpy/sync.h), printing what it does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "cli/cli_progress.h"
#include "mpy/sync.h"

struct report {
    bool json, dry;
    cJSON *actions;
    size_t ignored;
    struct cli_progress *bar; /* cleared before a line is printed; redrawn at the next update */
};

/* A file the ignore rules leave out: counted; with -n, shown with the rule. */
static void on_skip(void *ctx, const char *rel, bool is_dir, const struct ignore_rule *why)
{
    struct report *r = ctx;
    if (!strcmp(why->source, MPY_SYNC_LINK_SOURCE)) { /* said on every run, not only with -n */
        fprintf(stderr, "espburn: skipped %s%s: %s\n", rel, is_dir ? "/" : "", why->pattern);
        return;
    }
    r->ignored++;
    if (r->dry && !r->json)
        printf("ignored   %s%s  (%s:%u: %s)\n", rel, is_dir ? "/" : "", why->source, why->line, why->pattern);
}

static void on_action(void *ctx, enum mpy_sync_action a, const char *path, size_t bytes)
{
    static const char *const names[] = { "added", "updated", "deleted", "unchanged", "mkdir" };
    struct report *r = ctx;
    if (r->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "action", names[a]);
        cJSON_AddStringToObject(o, "path", path);
        cJSON_AddNumberToObject(o, "size", (double)bytes);
        cJSON_AddItemToArray(r->actions, o);
    } else if (a != MPY_SYNC_SAME) {
        cli_progress_end(r->bar);
        printf("%s%-9s :%s%s\n", r->dry ? "would be " : "", names[a], path, a == MPY_SYNC_MKDIR ? "/" : "");
    }
}

/* The totals: with actions (--json), one document holding them too. */
static void print_summary(const struct mpy_sync_opts *o, const struct mpy_sync_stats *st, double secs,
                          const struct report *r)
{
    cJSON *actions = r->actions;
    if (!actions) {
        printf(
            "sync %s -> :%s%s: %zu added, %zu updated, %zu deleted, %zu unchanged, %zu ignored, %zu bytes, "
            "%.1f s\n",
            o->local, o->remote, o->dry_run ? " (dry run)" : "", st->added, st->updated, st->deleted,
            st->unchanged, r->ignored, st->bytes, secs);
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "file", o->local);
    cJSON_AddStringToObject(doc, "path", o->remote);
    cJSON_AddBoolToObject(doc, "dry_run", o->dry_run);
    cJSON_AddNumberToObject(doc, "added", (double)st->added);
    cJSON_AddNumberToObject(doc, "updated", (double)st->updated);
    cJSON_AddNumberToObject(doc, "deleted", (double)st->deleted);
    cJSON_AddNumberToObject(doc, "unchanged", (double)st->unchanged);
    cJSON_AddNumberToObject(doc, "ignored", (double)r->ignored);
    cJSON_AddNumberToObject(doc, "size", (double)st->bytes);
    cJSON_AddNumberToObject(doc, "seconds", secs);
    cJSON_AddItemToObject(doc, "actions", actions);
    cli_print_json(doc);
}

/* Sync with the session open: the plan, the work, the summary. */
static int sync_connected(struct cli_mpy *c, const char **exclude, size_t nexclude)
{
    char remote[1100];
    eb_err err = { 0 };
    const char *target = cli_mpy_board_folder(c);
    if (mpy_fs_abs_path(&c->fs, target, remote, sizeof remote)) {
        eb_fail(&err, EB_USAGE, "board path too long: %s", target);
        return cli_mpy_fail(c, &err);
    }
    struct mpy_sync_opts o = {
        .local = c->pos[0],
        .remote = remote,
        .delete_extra = cli_mpy_flag(c, "--delete"),
        .delete_root = cli_mpy_flag(c, "--delete-root"),
        .force = cli_mpy_flag(c, "--force"),
        .dry_run = cli_mpy_flag(c, "-n") || cli_mpy_flag(c, "--dry-run"),
        .exclude = exclude,
        .nexclude = nexclude,
        .no_ignore = cli_mpy_flag(c, "--no-ignore"),
        .on_skip = on_skip,
        .on_progress = cli_progress_cb,
    };
    struct report rep = { .json = c->json,
                          .dry = o.dry_run,
                          .actions = c->json ? cJSON_CreateArray() : NULL };
    o.skip_ctx = &rep;
    struct mpy_sync_stats st;
    struct cli_progress bar;
    rep.bar = &bar;
    int64_t t0 = eb_now_ms();
    cli_progress_begin(&bar, "sync", false, c->json, false);
    o.progress_ctx = &bar;
    int rc = mpy_sync(&c->fs, &o, on_action, &rep, &st, &err);
    cli_progress_end(&bar);
    double secs = (double)(eb_now_ms() - t0) / 1000.0;
    if (rc) {
        cJSON_Delete(rep.actions);
        return cli_mpy_fail(c, &err);
    }
    print_summary(&o, &st, secs, &rep);
    return cli_mpy_end(c, EB_OK);
}

int cmd_sync(int argc, char **argv)
{
    static const char *const flags[] = { "--delete",  "--delete-root", "--force", "-n",
                                         "--dry-run", "--no-ignore",   NULL };
    static const char *const valued[] = { "--exclude", NULL };
    struct cli_mpy c = {
        .cmd = "sync",
        .usage =
            "sync LOCAL [:REMOTE] [--delete [--delete-root] [--force]] [-n|--dry-run] [--exclude PATTERN]...\n"
            "                [--no-ignore] [-p PORT]",
        .flags = flags,
        .valued = valued,
        .help =
            "Make the board folder REMOTE (default: the main filesystem, /flash or /) equal to the\n"
            "local folder: unchanged files (same size and SHA-256, computed on the board) are skipped,\n"
            "others written atomically.\n"
            "  --delete            also remove board files the local folder does not have (after\n"
            "                      copying: a sync that fails has deleted nothing; mount points stay)\n"
            "  --delete-root       allow --delete in the filesystem root or a mount point (:, :/flash)\n"
            "  --force             allow --delete to remove more files than the folder keeps\n"
            "  -n, --dry-run       only say what would be done, and what is ignored and why\n" CLI_MPY_HELP_EXCLUDE
            "  --no-ignore         also copy what the ignore rules leave out: .git/, __pycache__/,\n"
            "                      *.pyc, .DS_Store, editor swap files, and .espburnignore (gitignore syntax)",
    };
    return cli_mpy_folder_cmd(&c, argc, argv, sync_connected);
}
