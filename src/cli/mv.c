/* mv.c - `espburn mv :FROM :TO`: rename a file or folder on the board. */
#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_mv(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "mv",
        .usage = "mv :FROM :TO [-p PORT] [--json]",
        .help = "Rename a file or folder on the board.",
        .min_args = 2,
        .max_args = 2,
        .args_hint = "give two board paths (:FROM :TO)",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!mpy_is_remote(c.pos[0]) || !mpy_is_remote(c.pos[1]))
        return mpy_cli_usage(&c);
    if ((rc = mpy_cli_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    if (mpy_fs_rename(&c.fs, mpy_remote(c.pos[0]), mpy_remote(c.pos[1]), &err))
        return mpy_cli_fail(&c, &err);
    return mpy_cli_done_paths(&c);
}
