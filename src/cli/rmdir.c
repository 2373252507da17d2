/* rmdir.c - `espburn rmdir :PATH...`: remove empty folders on the board. */
#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_rmdir(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "rmdir", .usage = "rmdir :PATH... [-p PORT] [--json]",
        .help = "Remove empty folders from the board (rm -r removes full ones).",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.npos < 1)
        return cli_usage(c.cmd, "give the folders to remove (:PATH)");
    if ((rc = mpy_cli_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    for (int i = 0; i < c.npos; i++)
        if (mpy_fs_rmdir(&c.fs, mpy_remote(c.pos[i]), &err))
            return mpy_cli_fail(&c, &err);
    return mpy_cli_done_paths(&c);
}
