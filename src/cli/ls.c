/* ls.c - `espburn ls [:PATH] [-r]`: list files on the board. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_ls(int argc, char **argv)
{
    static const char *const flags[] = { "-r", NULL };
    struct mpy_cli c = {
        .cmd = "ls", .usage = "ls [:PATH] [-r] [-p PORT] [--json]", .flags = flags,
        .help = "List a folder on the board (default: its working folder); -r lists the whole tree.",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.npos > 1)
        return cli_usage(c.cmd, "give at most one board path");
    if ((rc = mpy_cli_connect(&c, true)))
        return rc;
    struct mpy_entries e = { 0 };
    eb_err err = { 0 };
    if (mpy_fs_list(&c.fs, c.npos ? mpy_remote(c.pos[0]) : ".", mpy_cli_flag(&c, "-r"), &e, &err)) {
        mpy_entries_free(&e);
        return mpy_cli_fail(&c, &err);
    }
    cJSON *arr = c.json ? cJSON_CreateArray() : NULL;
    for (size_t i = 0; i < e.n; i++) {
        if (arr) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", e.v[i].path);
            cJSON_AddStringToObject(o, "type", e.v[i].type == 'd' ? "dir" : "file");
            cJSON_AddNumberToObject(o, "size", (double)e.v[i].size);
            cJSON_AddItemToArray(arr, o);
        } else if (e.v[i].type == 'd') {
            printf("%10s  %s/\n", "", e.v[i].path);
        } else {
            printf("%10ld  %s\n", e.v[i].size, e.v[i].path);
        }
    }
    if (arr)
        cli_print_json(arr);
    mpy_entries_free(&e);
    return mpy_cli_end(&c, EB_OK);
}
