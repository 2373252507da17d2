/* cmd_df.c - `espburn df [:PATH]`: size and free space of the board's filesystem. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_df(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "df",
        .usage = "df [:PATH] [-p PORT] [--json]",
        .help = "Show the size, used and free bytes of the board's filesystem (default: the main one).",
        .max_args = 1,
        .args_hint = "give at most one board path",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    uint64_t total = 0, avail = 0;
    eb_err err = { 0 };
    const char *path = c.npos ? cli_mpy_remote(c.pos[0]) : c.fs.root;
    if (mpy_fs_df(&c.fs, path, &total, &avail, &err))
        return cli_mpy_fail(&c, &err);
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", path);
        cJSON_AddNumberToObject(o, "total", (double)total);
        cJSON_AddNumberToObject(o, "used", (double)(total - avail));
        cJSON_AddNumberToObject(o, "free", (double)avail);
        cli_print_json(o);
    } else {
        printf("%-10s %12s %12s %12s\n", "mount", "size", "used", "free");
        printf("%-10s %12llu %12llu %12llu\n", path, (unsigned long long)total,
               (unsigned long long)(total - avail), (unsigned long long)avail);
    }
    return cli_mpy_end(&c, EB_OK);
}
