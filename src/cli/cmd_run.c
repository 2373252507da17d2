/* cmd_run.c - `espburn run FILE.py`: run a local script on the board without
 * copying it, streaming its output; Ctrl-C stops it. */
#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "common/file.h"

int cmd_run(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "run",
        .usage = "run FILE.py [-p PORT] [--timeout S]",
        .help = "Run a local script on the board without copying it; its output is streamed.\n"
                "Ctrl-C interrupts it. A traceback goes to stderr and the exit code is 1.",
        .min_args = 1,
        .max_args = 1,
        .args_hint = "give one script to run",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    bytes src = { 0 };
    eb_err err = { 0 };
    if (file_read(c.pos[0], 1 << 20, &src, &err))
        return cli_fail(&err);
    if ((rc = cli_mpy_connect(&c, false))) {
        bytes_free(&src);
        return rc;
    }
    c.m.timeout_ms = 24 * 3600 * 1000; /* a script may print nothing for long */
    rc = cli_mpy_run_code(&c, (const char *)src.data, src.len);
    bytes_free(&src);
    return rc;
}
