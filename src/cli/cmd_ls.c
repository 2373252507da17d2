/* cmd_ls.c - `espburn ls [:PATH] [-r]`: list files on the board. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

/* One line per entry: the size (blank for a folder), then the path. */
static void print_entries(const char *path, const struct mpy_entries *e)
{
    (void)path;
    for (size_t i = 0; i < e->n; i++) {
        if (e->v[i].type == 'd')
            printf("%10s  %s/\n", "", e->v[i].path);
        else
            printf("%10ld  %s\n", e->v[i].size, e->v[i].path);
    }
}

int cmd_ls(int argc, char **argv)
{
    static const char *const flags[] = { "-r", NULL };
    struct cli_mpy c = {
        .cmd = "ls",
        .usage = "ls [:PATH] [-r] [-p PORT] [--json]",
        .flags = flags,
        .help = "List a folder on the board (default: its working folder); -r lists the whole tree.",
        .max_args = 1,
        .args_hint = "give at most one board path",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    return cli_mpy_show_listing(&c, c.npos ? cli_mpy_remote(c.pos[0]) : ".", cli_mpy_flag(&c, "-r"),
                                print_entries);
}
