/* cmd_rm.c - `espburn rm [-r] :PATH...`: remove files (and folders with -r). */
#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_rm(int argc, char **argv)
{
    static const char *const flags[] = { "-r", "--delete-root", NULL };
    struct cli_mpy c = {
        .cmd = "rm",
        .usage = "rm [-r] [--delete-root] :PATH... [-p PORT] [--json]",
        .flags = flags,
        .help = "Remove files from the board; -r also removes folders with everything in them.\n"
                "The filesystem root or a mount point (:, :., :/, /flash) is refused unless\n"
                "--delete-root is given; then everything inside it goes, the folder stays.",
        .min_args = 1,
        .max_args = CLI_MPY_ANY_ARGS,
        .args_hint = "give the board paths to remove (:PATH)",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    eb_err err = { 0 };
    bool recursive = cli_mpy_flag(&c, "-r"), root_ok = cli_mpy_flag(&c, "--delete-root");
    for (int i = 0; recursive && !root_ok && i < c.npos; i++)
        if (mpy_fs_check_not_mount(&c.fs, cli_mpy_remote(c.pos[i]), "--delete-root", &err))
            return cli_mpy_fail(&c, &err);
    for (int i = 0; i < c.npos; i++) {
        const char *path = cli_mpy_remote(c.pos[i]);
        bool empty_only = recursive && mpy_fs_check_not_mount(&c.fs, path, "--delete-root", NULL);
        if (empty_only ? mpy_fs_empty(&c.fs, path, &err) : mpy_fs_rm(&c.fs, path, recursive, &err))
            return cli_mpy_fail(&c, &err);
    }
    return cli_mpy_done_paths(&c);
}
