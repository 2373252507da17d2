/* cmd_reset.c - `espburn reset`: hard-reset a board through RTS (EN), so it
 * boots its firmware (the hard-reset row of port/reset.h). (`--soft`, the MicroPython soft reset, belongs to
 * the MicroPython commands.) */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_device.h"

static void print_help(void)
{
    printf("usage: espburn reset -p PORT [--json]\n\n"
           "Pulses EN low for 100 ms through RTS, IO0 released (esptool's hard reset), so the\n"
           "board boots its firmware. On a port without modem lines (socket://, a pty) it\n"
           "connects to the ROM and asks it to reboot instead.\n\n");
    cli_device_print_help();
    printf("\nexit codes: 0 ok, 2 usage error, 3 I/O error\n");
}

int cmd_reset(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--soft"))
            return cmd_reset_soft(argc, argv);
    struct cli_device_opts o;
    cli_device_opts_init(&o, DEVICE_AFTER_HARD_RESET);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return print_help(), EB_OK;
        int r = cli_device_parse_opt(&o, "reset", argc, argv, &i);
        if (r == 0)
            return cli_usage("reset", "unexpected argument '%s'", argv[i]);
        if (r != 1)
            return r;
    }
    int rc = cli_device_opts_finish(&o, "reset");
    if (rc)
        return rc;
    eb_err err = { 0 };
    enum device_reset_how how;
    if (cli_device_reset(&o, o.ports[0], &how, &err))
        return cli_device_fail(&o, &err);
    bool lines = how == DEVICE_RESET_LINES;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "port", o.ports[0]);
        cJSON_AddStringToObject(j, "method", lines ? "rts" : "rom-reboot");
        cli_print_json(j);
    } else if (!o.quiet) {
        printf("%s: reset (%s)\n", o.ports[0],
               lines ? "EN pulsed through RTS" : "the ROM was asked to reboot");
    }
    return EB_OK;
}
