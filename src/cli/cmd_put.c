/* cmd_put.c - `espburn put LOCAL [:REMOTE]`: copy a file to the board,
 * atomically (the old file stays until the new one is verified). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "cli/cli_progress.h"
#include "common/file.h"
#include "mpy/sync.h"

/* The board path to write: REMOTE, or inside it when it is a folder (or
 * ends in '/'); without REMOTE, the local file's name. -1 when too long. */
static int remote_name(struct cli_mpy *c, char *remote, size_t cap)
{
    const char *r = c->npos == 2 ? cli_mpy_remote(c->pos[1]) : cli_mpy_basename(c->pos[0]);
    char type = '-';
    eb_err ignored = { 0 };
    if (c->npos == 2 &&
        (r[strlen(r) - 1] == '/' || (mpy_fs_type(&c->fs, r, &type, &ignored) == 0 && type == 'd')))
        return mpy_path_join(remote, cap, r, cli_mpy_basename(c->pos[0]));
    return snprintf(remote, cap, "%s", r) >= (int)cap ? -1 : 0;
}

static bool is_local_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void on_ignored(void *ctx, const char *rel, bool is_dir, const struct ignore_rule *why)
{
    (void)rel, (void)is_dir, (void)why;
    ++*(size_t *)ctx;
}

static void no_report(void *ctx, enum mpy_sync_action a, const char *path, size_t bytes)
{
    (void)ctx, (void)a, (void)path, (void)bytes;
}

/* put -r DIR [:REMOTE]: every file under DIR (but what the ignore rules
 * leave out), each written atomically, in few round trips. */
static int put_tree(struct cli_mpy *c)
{
    char remote[1024];
    if (remote_name(c, remote, sizeof remote))
        return cli_mpy_end(c, cli_usage(c->cmd, "board path too long"));
    size_t ignored = 0;
    struct mpy_sync_opts o = {
        .local = c->pos[0],
        .remote = remote,
        .copy_all = true,
        .no_ignore = cli_mpy_flag(c, "--no-ignore"),
        .on_skip = on_ignored,
        .skip_ctx = &ignored,
        .on_progress = cli_progress_cb,
    };
    struct mpy_sync_stats st;
    struct cli_progress bar;
    eb_err err = { 0 };
    int64_t t0 = eb_now_ms();
    cli_progress_begin(&bar, "put -r", false, c->json, false);
    o.progress_ctx = &bar;
    int rc = mpy_sync(&c->fs, &o, no_report, NULL, &st, &err);
    cli_progress_end(&bar);
    if (rc)
        return cli_mpy_fail(c, &err);
    double secs = (double)(eb_now_ms() - t0) / 1000.0;
    if (c->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "file", c->pos[0]);
        cJSON_AddStringToObject(j, "path", remote);
        cJSON_AddNumberToObject(j, "files", (double)(st.added + st.updated));
        cJSON_AddNumberToObject(j, "folders", (double)st.dirs);
        cJSON_AddNumberToObject(j, "ignored", (double)ignored);
        cJSON_AddNumberToObject(j, "size", (double)st.bytes);
        cJSON_AddNumberToObject(j, "seconds", secs);
        cli_print_json(j);
    } else {
        printf("put %s -> :%s: %zu files, %zu new folders, %zu ignored, %zu bytes, %.1f s\n", c->pos[0],
               remote, st.added + st.updated, st.dirs, ignored, st.bytes, secs);
    }
    return cli_mpy_end(c, EB_OK);
}

int cmd_put(int argc, char **argv)
{
    static const char *const flags[] = { "-r", "--no-ignore", NULL };
    struct cli_mpy c = {
        .cmd = "put",
        .usage = "put LOCAL [:REMOTE] [-r] [--no-ignore] [-p PORT] [--no-binary] [--no-deflate] [--json]",
        .flags = flags,
        .help = "Copy a file to the board: written under a temporary name, checked (size and SHA-256\n"
                "on the board), then renamed over the old file, which is kept if anything fails.\n"
                "REMOTE defaults to the file's name in the board's working folder; a folder puts it inside.\n"
                "  -r            copy a folder and everything in it (each file atomic); the ignore rules\n"
                "                leave out .git/, __pycache__/, *.pyc, .DS_Store, editor swap files and\n"
                "                what .espburnignore files say (see sync -n)\n"
                "  --no-ignore   with -r: copy those too",
        .min_args = 1,
        .max_args = 2,
        .args_hint = "give a local file and optionally a board path (:PATH)",
        .local_then_remote = true,
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (is_local_dir(c.pos[0]) && !cli_mpy_flag(&c, "-r"))
        return cli_usage(c.cmd, "%s is a folder: use -r to copy all of it, or sync to copy only what changed",
                         c.pos[0]);
    if (is_local_dir(c.pos[0]))
        return (rc = cli_mpy_connect(&c, true)) ? rc : put_tree(&c);
    bytes data = { 0 };
    eb_err err = { 0 };
    if (file_read(c.pos[0], 64u << 20, &data, &err))
        return cli_fail(&err);
    if ((rc = cli_mpy_connect(&c, true))) {
        bytes_free(&data);
        return rc;
    }
    char remote[1024];
    if (remote_name(&c, remote, sizeof remote)) {
        bytes_free(&data);
        return cli_mpy_end(&c, cli_usage(c.cmd, "board path too long"));
    }
    struct mpy_put_stats st = { 0 };
    int64_t t0 = eb_now_ms();
    if (mpy_fs_put(&c.fs, remote, data.data, data.len, &st, &err)) {
        bytes_free(&data);
        return cli_mpy_fail(&c, &err);
    }
    double secs = (double)(eb_now_ms() - t0) / 1000.0;
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", c.pos[0]);
        cJSON_AddStringToObject(o, "path", remote);
        cJSON_AddNumberToObject(o, "size", (double)data.len);
        cJSON_AddNumberToObject(o, "wire_bytes", (double)st.wire_bytes);
        cJSON_AddBoolToObject(o, "deflate", st.deflated);
        cJSON_AddBoolToObject(o, "binary", st.binary);
        cJSON_AddNumberToObject(o, "seconds", secs);
        cli_print_json(o);
    } else {
        printf("put %s -> :%s (%zu bytes%s, %.1f s)\n", c.pos[0], remote, data.len,
               st.binary     ? ", raw over stdin"
               : st.deflated ? ", deflated"
                             : ", base64",
               secs);
    }
    bytes_free(&data);
    return cli_mpy_end(&c, EB_OK);
}
