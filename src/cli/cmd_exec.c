/* cmd_exec.c - `espburn exec 'CODE'`: run Python code on the board. */
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_exec(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "exec",
        .usage = "exec 'CODE' [-p PORT]",
        .help = "Run CODE on the board at its raw REPL and print what it prints (a traceback goes to\n"
                "stderr and the exit code is 1). Ctrl-C stops it.",
        .min_args = 1,
        .max_args = 1,
        .args_hint = "give the code to run as one argument",
    };
    int rc = cli_mpy_start(&c, argc, argv, false);
    if (rc >= 0)
        return rc;
    return cli_mpy_run_code(&c, c.pos[0], strlen(c.pos[0]));
}
