/* rm.c - `espburn rm [-r] :PATH...`: remove files (and folders with -r). */
#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_rm(int argc, char **argv)
{
    static const char *const flags[] = { "-r", NULL };
    struct mpy_cli c = {
        .cmd = "rm",
        .usage = "rm [-r] :PATH... [-p PORT] [--json]",
        .flags = flags,
        .help = "Remove files from the board; -r also removes folders with everything in them.",
        .min_args = 1,
        .max_args = MPY_ANY_ARGS,
        .args_hint = "give the board paths to remove (:PATH)",
    };
    int rc = mpy_cli_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    eb_err err = { 0 };
    for (int i = 0; i < c.npos; i++)
        if (mpy_fs_rm(&c.fs, mpy_remote(c.pos[i]), mpy_cli_flag(&c, "-r"), &err))
            return mpy_cli_fail(&c, &err);
    return mpy_cli_done_paths(&c);
}
