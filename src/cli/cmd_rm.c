/* cmd_rm.c - `espburn rm [-r] :PATH...`: remove files (and folders with -r). */
#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_rm(int argc, char **argv)
{
    static const char *const flags[] = { "-r", NULL };
    struct cli_mpy c = {
        .cmd = "rm",
        .usage = "rm [-r] :PATH... [-p PORT] [--json]",
        .flags = flags,
        .help = "Remove files from the board; -r also removes folders with everything in them.",
        .min_args = 1,
        .max_args = CLI_MPY_ANY_ARGS,
        .args_hint = "give the board paths to remove (:PATH)",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    eb_err err = { 0 };
    for (int i = 0; i < c.npos; i++)
        if (mpy_fs_rm(&c.fs, cli_mpy_remote(c.pos[i]), cli_mpy_flag(&c, "-r"), &err))
            return cli_mpy_fail(&c, &err);
    return cli_mpy_done_paths(&c);
}
