/* cmd_mv.c - `espburn mv :FROM :TO`: rename a file or folder on the board. */
#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_mv(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "mv",
        .usage = "mv :FROM :TO [-p PORT] [--json]",
        .help = "Rename a file or folder on the board; a folder as TO receives it (as mv does).",
        .min_args = 2,
        .max_args = 2,
        .args_hint = "give two board paths (:FROM :TO)",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!cli_mpy_is_remote(c.pos[0]) || !cli_mpy_is_remote(c.pos[1]))
        return cli_mpy_usage(&c);
    if ((rc = cli_mpy_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    if (mpy_fs_move(&c.fs, cli_mpy_remote(c.pos[0]), cli_mpy_remote(c.pos[1]), &err))
        return cli_mpy_fail(&c, &err);
    return cli_mpy_done_paths(&c);
}
