/* cmd_modules.c - `espburn modules`: the modules built into the firmware. */
#include "cli/cli.h"
#include "cli/cli_mpy.h"

static const char MODULES_CODE[] = "help('modules')\n";

int cmd_modules(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "modules",
        .usage = "modules [-p PORT] [--json]",
        .help = "List the modules built into the board's firmware (help('modules')).",
    };
    int rc = cli_mpy_start(&c, argc, argv, false);
    if (rc >= 0)
        return rc;
    return cli_mpy_run_code(&c, MODULES_CODE, sizeof MODULES_CODE - 1);
}
