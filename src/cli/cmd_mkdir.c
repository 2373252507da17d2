/* cmd_mkdir.c - `espburn mkdir :PATH...`: make folders on the board. */
#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "mpy/sync.h"

int cmd_mkdir(int argc, char **argv)
{
    static const char *const flags[] = { "--parents", NULL };
    struct cli_mpy c = {
        .cmd = "mkdir",
        .usage = "mkdir :PATH... [--parents] [-p PORT] [--json]",
        .flags = flags,
        .help = "Make folders on the board (the parent must exist).\n"
                "  --parents   also make the missing folders above, and accept existing ones",
        .min_args = 1,
        .max_args = CLI_MPY_ANY_ARGS,
        .args_hint = "give the folders to make (:PATH)",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    eb_err err = { 0 };
    bool parents = cli_mpy_flag(&c, "--parents");
    for (int i = 0; i < c.npos; i++) {
        const char *p = cli_mpy_remote(c.pos[i]);
        if (parents ? mpy_fs_mkdir_parents(&c.fs, p, &err) : mpy_fs_mkdir(&c.fs, p, &err))
            return cli_mpy_fail(&c, &err);
    }
    return cli_mpy_done_paths(&c);
}
