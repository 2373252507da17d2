/* cmd_tree.c - `espburn tree [:PATH]`: the board's folders as a tree. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

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

/* The root, then each entry indented by its depth; files with their size. */
static void print_tree(const char *root, const struct mpy_entries *e)
{
    printf("%s\n", root);
    for (size_t i = 0; i < e->n; i++) {
        printf("%*s%s%s", 2 * (depth_below(root, e->v[i].path) + 1), "", cli_mpy_basename(e->v[i].path),
               e->v[i].type == 'd' ? "/\n" : "");
        if (e->v[i].type != 'd')
            printf("  (%ld)\n", e->v[i].size);
    }
}

int cmd_tree(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "tree",
        .usage = "tree [:PATH] [-p PORT] [--json]",
        .help = "Show a folder of the board and everything below it (default: the main filesystem).",
        .max_args = 1,
        .args_hint = "give at most one board path",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    return cli_mpy_show_listing(&c, c.npos ? cli_mpy_remote(c.pos[0]) : c.fs.root, true, print_tree);
}
