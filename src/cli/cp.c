/* cp.c - `espburn cp SRC DEST`: copy on the board (:A :B), or between the
 * host and the board (the same as put and get). */
#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_cp(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "cp",
        .usage = "cp :FROM :TO | LOCAL :REMOTE | :REMOTE LOCAL [-p PORT] [--json]",
        .help = "Copy a file: on the board when both paths start with ':', else to or from the board\n"
                "exactly as put and get do (atomic, verified).",
        .min_args = 2,
        .max_args = 2,
        .args_hint = "give a source and a destination",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!mpy_is_remote(c.pos[0]) && mpy_is_remote(c.pos[1]))
        return cmd_put(argc, argv);
    if (mpy_is_remote(c.pos[0]) && !mpy_is_remote(c.pos[1]))
        return cmd_get(argc, argv);
    if (!mpy_is_remote(c.pos[0]))
        return cli_usage(c.cmd, "one of the paths must be on the board (:PATH)");
    if ((rc = mpy_cli_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    if (mpy_fs_copy(&c.fs, mpy_remote(c.pos[0]), mpy_remote(c.pos[1]), &err))
        return mpy_cli_fail(&c, &err);
    return mpy_cli_done_paths(&c);
}
