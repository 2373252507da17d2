/* exec.c - `espburn exec 'CODE'`: run Python code on the board. */
#include <string.h>

#include "cli/cli.h"
#include "cli/mpy_common.h"

int cmd_exec(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "exec", .usage = "exec 'CODE' [-p PORT]",
        .help = "Run CODE on the board at its raw REPL and print what it prints (a traceback goes to\n"
                "stderr and the exit code is 1). Ctrl-C stops it.",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.npos != 1)
        return cli_usage(c.cmd, "give the code to run as one argument");
    if ((rc = mpy_cli_connect(&c, false)))
        return rc;
    return mpy_cli_run_code(&c, c.pos[0], strlen(c.pos[0]));
}
