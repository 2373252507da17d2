/* mkdir.c - `espburn mkdir :PATH...`: make folders on the board. */
#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_mkdir(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "mkdir", .usage = "mkdir :PATH... [-p PORT] [--json]",
        .help = "Make folders on the board (the parent must exist).",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.npos < 1)
        return cli_usage(c.cmd, "give the folders to make (:PATH)");
    if ((rc = mpy_cli_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    for (int i = 0; i < c.npos; i++)
        if (mpy_fs_mkdir(&c.fs, mpy_remote(c.pos[i]), &err))
            return mpy_cli_fail(&c, &err);
    return mpy_cli_done_paths(&c);
}
