/* cmd_cp.c - `espburn cp SRC DEST`: copy on the board (:A :B), or between the
 * host and the board (the same as put and get). */
#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_cp(int argc, char **argv)
{
    static const char *const flags[] = { "-r", "--no-ignore", NULL };
    struct cli_mpy c = {
        .cmd = "cp",
        .usage = "cp :FROM :TO | LOCAL :REMOTE | :REMOTE LOCAL [-r] [--no-ignore] [-p PORT] [--json]",
        .flags = flags,
        .help = "Copy a file: on the board when both paths start with ':', else to or from the board\n"
                "exactly as put and get do (atomic, verified); -r copies folders (put -r, get -r).",
        .min_args = 2,
        .max_args = 2,
        .args_hint = "give a source and a destination",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!cli_mpy_is_remote(c.pos[0]) && cli_mpy_is_remote(c.pos[1]))
        return cmd_put(argc, argv);
    if (cli_mpy_is_remote(c.pos[0]) && !cli_mpy_is_remote(c.pos[1]))
        return cmd_get(argc, argv);
    if (!cli_mpy_is_remote(c.pos[0]))
        return cli_usage(c.cmd, "one of the paths must be on the board (:PATH)");
    if ((rc = cli_mpy_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    if (mpy_fs_copy(&c.fs, cli_mpy_remote(c.pos[0]), cli_mpy_remote(c.pos[1]), &err))
        return cli_mpy_fail(&c, &err);
    return cli_mpy_done_paths(&c);
}
