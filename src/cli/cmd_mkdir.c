/* cmd_mkdir.c - `espburn mkdir :PATH...`: make folders on the board. */
#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_mkdir(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "mkdir",
        .usage = "mkdir :PATH... [-p PORT] [--json]",
        .help = "Make folders on the board (the parent must exist).",
        .min_args = 1,
        .max_args = CLI_MPY_ANY_ARGS,
        .args_hint = "give the folders to make (:PATH)",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    eb_err err = { 0 };
    for (int i = 0; i < c.npos; i++)
        if (mpy_fs_mkdir(&c.fs, cli_mpy_remote(c.pos[i]), &err))
            return cli_mpy_fail(&c, &err);
    return cli_mpy_done_paths(&c);
}
