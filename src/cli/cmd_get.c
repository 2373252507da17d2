/* cmd_get.c - `espburn get :REMOTE [LOCAL]`: copy a file from the board. */
#include <stdio.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "cli/cli_progress.h"
#include "common/file.h"
#include "mpy/sync.h"

/* get -r :DIR [LOCAL]: the folder and everything below it. */
static int get_tree(struct cli_mpy *c, const char *remote, const char *local)
{
    struct mpy_fetch_stats st;
    struct cli_progress bar;
    eb_err err = { 0 };
    cli_progress_begin(&bar, "get -r", false, c->json, false);
    int rc = mpy_fetch_tree(&c->fs, remote, local, cli_progress_cb, &bar, &st, &err);
    cli_progress_end(&bar);
    if (rc)
        return cli_mpy_fail(c, &err);
    if (c->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", remote);
        cJSON_AddStringToObject(o, "file", local);
        cJSON_AddNumberToObject(o, "files", (double)st.files);
        cJSON_AddNumberToObject(o, "folders", (double)st.dirs);
        cJSON_AddNumberToObject(o, "size", (double)st.bytes);
        cli_print_json(o);
    } else {
        printf("got :%s -> %s: %zu files, %zu folders, %zu bytes\n", remote, local, st.files, st.dirs,
               st.bytes);
    }
    return cli_mpy_end(c, EB_OK);
}

/* A failed get of a folder: say to use -r. */
static int get_failed(struct cli_mpy *c, const char *remote, const eb_err *err)
{
    char type = '-';
    eb_err ignored = { 0 };
    if (mpy_fs_type(&c->fs, remote, &type, &ignored) == 0 && type == 'd') {
        eb_err e = { 0 };
        eb_fail(&e, EB_PROBLEM, "%s is a folder on the board: use get -r to copy it and everything in it",
                remote);
        return cli_mpy_fail(c, &e);
    }
    return cli_mpy_fail(c, err);
}

int cmd_get(int argc, char **argv)
{
    static const char *const flags[] = { "-r", "--no-ignore", NULL };
    struct cli_mpy c = {
        .cmd = "get",
        .usage = "get :REMOTE [LOCAL] [-r] [-p PORT] [--json]",
        .flags = flags,
        .help = "Copy a file from the board (checked against the board's SHA-256). LOCAL defaults to\n"
                "the file's name in the current folder; a folder puts it inside.\n"
                "  -r   copy a board folder and everything in it (each file written atomically)",
        .min_args = 1,
        .max_args = 2,
        .args_hint = "give a board file (:PATH) and optionally a local name",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!cli_mpy_is_remote(c.pos[0]))
        return cli_mpy_usage(&c);
    const char *remote = cli_mpy_remote(c.pos[0]);
    char local[4096];
    struct stat st;
    const char *dest = c.npos == 2 ? c.pos[1] : cli_mpy_basename(remote);
    if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(local, sizeof local, "%s/%s", dest, cli_mpy_basename(remote));
    else
        snprintf(local, sizeof local, "%s", dest);
    if ((rc = cli_mpy_connect(&c, true)))
        return rc;
    if (cli_mpy_flag(&c, "-r"))
        return get_tree(&c, remote, local);
    bytes data = { 0 };
    eb_err err = { 0 };
    if (mpy_fs_get(&c.fs, remote, &data, &err)) {
        bytes_free(&data);
        return get_failed(&c, remote, &err);
    }
    if (file_write_atomic(local, data.data, data.len, &err)) {
        bytes_free(&data);
        return cli_mpy_fail(&c, &err);
    }
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", remote);
        cJSON_AddStringToObject(o, "file", local);
        cJSON_AddNumberToObject(o, "size", (double)data.len);
        cli_print_json(o);
    } else {
        printf("got :%s -> %s (%zu bytes)\n", remote, local, data.len);
    }
    bytes_free(&data);
    return cli_mpy_end(&c, EB_OK);
}
