/* cmd_get.c - `espburn get :REMOTE [LOCAL]`: copy a file from the board. */
#include <stdio.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "common/file.h"

int cmd_get(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "get",
        .usage = "get :REMOTE [LOCAL] [-p PORT] [--json]",
        .help = "Copy a file from the board (checked against the board's SHA-256). LOCAL defaults to\n"
                "the file's name in the current folder; a folder puts it inside.",
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
    bytes data = { 0 };
    eb_err err = { 0 };
    if (mpy_fs_get(&c.fs, remote, &data, &err) || file_write_atomic(local, data.data, data.len, &err)) {
        bytes_free(&data);
        return cli_mpy_fail(&c, &err);
    }
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "remote", remote);
        cJSON_AddStringToObject(o, "local", local);
        cJSON_AddNumberToObject(o, "bytes", (double)data.len);
        cli_print_json(o);
    } else {
        printf("got :%s -> %s (%zu bytes)\n", remote, local, data.len);
    }
    bytes_free(&data);
    return cli_mpy_end(&c, EB_OK);
}
