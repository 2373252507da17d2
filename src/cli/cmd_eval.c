/* cmd_eval.c - `espburn eval 'EXPR'`: print the value of an expression
 * computed on the board. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_eval(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "eval",
        .usage = "eval 'EXPR' [-p PORT]",
        .help = "Evaluate the Python expression EXPR on the board and print its value (as print(EXPR)\n"
                "does there; mpremote's eval is the same). A traceback goes to stderr, exit code 1.",
        .min_args = 1,
        .max_args = 1,
        .args_hint = "give the expression as one argument",
    };
    int rc = cli_mpy_start(&c, argc, argv, false);
    if (rc >= 0)
        return rc;
    size_t n = strlen(c.pos[0]) + 16;
    char *code = malloc(n);
    if (!code) {
        eb_err err = { 0 };
        eb_fail(&err, EB_IO, "out of memory");
        return cli_mpy_fail(&c, &err);
    }
    snprintf(code, n, "print(%s\n)", c.pos[0]);
    rc = cli_mpy_run_code(&c, code, strlen(code));
    free(code);
    return rc;
}
