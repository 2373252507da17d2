/* cmd_reset_soft.c - `espburn reset --soft`: MicroPython's soft reset (Ctrl-D),
 * which reruns boot.py and main.py without touching the chip. (The hard
 * reset through RTS is in reset.c, which hands --soft over to here.) */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

int cmd_reset_soft(int argc, char **argv)
{
    static const char *const flags[] = { "--soft", "--raw", NULL };
    struct cli_mpy c = {
        .cmd = "reset",
        .usage = "reset --soft [--raw] [-p PORT] [--json]",
        .flags = flags,
        .help = "Soft-reset MicroPython (Ctrl-D): its heap is cleared, boot.py then main.py run again.\n"
                "  --raw   reset from the raw REPL: boot.py runs, main.py does not",
    };
    int rc = cli_mpy_start(&c, argc, argv, false);
    if (rc >= 0)
        return rc;
    eb_err err = { 0 };
    bool run_main = !cli_mpy_flag(&c, "--raw");
    if (mpy_soft_reset(&c.m, run_main, &err))
        return cli_mpy_fail(&c, &err);
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "port", c.port);
        cJSON_AddStringToObject(o, "method", "soft");
        cJSON_AddBoolToObject(o, "main_py", run_main);
        cli_print_json(o);
    } else {
        printf("%s: soft reset (%s)\n", c.port,
               run_main ? "boot.py and main.py run" : "boot.py ran, raw REPL");
    }
    return cli_mpy_end(&c, EB_OK);
}
