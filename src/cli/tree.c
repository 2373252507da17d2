/* tree.c - `espburn tree [:PATH]`: the board's folders as a tree. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/mpy_common.h"

/* Depth of `path` below `root` (0 for a direct child). */
static int depth_below(const char *root, const char *path)
{
    const char *rel = path;
    size_t n = strlen(root);
    if (strcmp(root, ".") != 0 && strncmp(path, root, n) == 0)
        rel = path + n + (root[n - 1] == '/' ? 0 : 1);
    int d = 0;
    for (; *rel; rel++)
        d += *rel == '/';
    return d;
}

int cmd_tree(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "tree", .usage = "tree [:PATH] [-p PORT] [--json]",
        .help = "Show a folder of the board and everything below it (default: the main filesystem).",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.npos > 1)
        return cli_usage(c.cmd, "give at most one board path");
    if ((rc = mpy_cli_connect(&c, true)))
        return rc;
    const char *root = c.npos ? mpy_remote(c.pos[0]) : c.fs.root;
    struct mpy_entries e = { 0 };
    eb_err err = { 0 };
    if (mpy_fs_list(&c.fs, root, true, &e, &err)) {
        mpy_entries_free(&e);
        return mpy_cli_fail(&c, &err);
    }
    cJSON *arr = c.json ? cJSON_CreateArray() : NULL;
    if (!arr)
        printf("%s\n", root);
    for (size_t i = 0; i < e.n; i++) {
        if (arr) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", e.v[i].path);
            cJSON_AddStringToObject(o, "type", e.v[i].type == 'd' ? "dir" : "file");
            cJSON_AddNumberToObject(o, "size", (double)e.v[i].size);
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        printf("%*s%s%s", 2 * (depth_below(root, e.v[i].path) + 1), "", mpy_basename(e.v[i].path),
               e.v[i].type == 'd' ? "/\n" : "");
        if (e.v[i].type != 'd')
            printf("  (%ld)\n", e.v[i].size);
    }
    if (arr)
        cli_print_json(arr);
    mpy_entries_free(&e);
    return mpy_cli_end(&c, EB_OK);
}
