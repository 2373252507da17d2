/* cmd_erase.c - `espburn erase -p PORT (ADDR SIZE | --all)`: erase a 4 KB-aligned
 * region or, only when asked with --all, the whole flash (ROM: the erase FLASH_BEGIN does; stub: its erase
 * commands), then check the range reads back as 0xFF by MD5. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_device.h"
#include "cli/cli_progress.h"
#include "device/device_ops.h"

static void print_help(void)
{
    printf("usage: espburn erase -p PORT (ADDR SIZE | --all) [options]\n\n"
           "Erases SIZE bytes from ADDR (both multiples of 4 KB), or with --all the whole flash\n"
           "(bootloader, table, firmware and files: the board will not boot until it is flashed\n"
           "again), and checks the result reads back as 0xFF, 256 KB at a time (a progress bar on\n"
           "a terminal).\n\n"
           "  --all             erase the whole flash\n\n");
    cli_device_print_help();
    printf("\nexit codes: 0 ok, 1 the flash did not read back erased, 2 usage error, 3 I/O error\n");
}

/* Removes `flag` from argv; true when it was there. */
static bool take_flag(int *argc, char **argv, const char *flag)
{
    bool found = false;
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        if (i > 0 && !strcmp(argv[i], flag))
            found = true;
        else
            argv[n++] = argv[i];
    }
    *argc = n;
    return found;
}

int cmd_erase(int argc, char **argv)
{
    struct cli_device_opts o;
    const char *pos[2];
    int npos;
    bool all = take_flag(&argc, argv, "--all");
    int rc = cli_device_parse_range_cmd(argc, argv, "erase", &o, pos, 2, &npos, print_help);
    if (rc >= 0)
        return rc;
    uint32_t addr = 0, size = 0;
    if (npos == 1)
        return cli_usage("erase", "give both ADDR and SIZE, or --all for the whole flash");
    if (npos == 0 && !all)
        return cli_usage("erase", "erasing the whole flash (bootloader, firmware and files) needs --all; "
                                  "or give ADDR SIZE for a region");
    if (npos == 2 && all)
        return cli_usage("erase", "give ADDR SIZE for a region or --all for the whole flash, not both");
    if (npos == 2 && (rc = cli_parse_range("erase", pos, &addr, &size)))
        return rc;
    eb_err err = { 0 };
    if (npos == 2 && device_erase_check(addr, size, &err))
        return cli_usage("erase", "%s", err.msg);
    struct device d;
    int64_t t0 = eb_now_ms();
    struct cli_progress bar;
    cli_progress_begin(&bar, "erase", o.quiet, o.json, o.progress);
    if (cli_device_connect(&o, o.ports[0], &d, &err) ||
        device_erase(&d, addr, size, cli_progress_cb, &bar, &err) || cli_device_finish(&o, &d, &err)) {
        cli_progress_end(&bar);
        device_close(&d);
        return cli_device_fail(&o, &err);
    }
    cli_progress_end(&bar);
    uint32_t n = size ? size : d.flash_size;
    double secs = (eb_now_ms() - t0) / 1000.0;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "port", d.port_name);
        cli_json_add_address(j, NULL, addr);
        cJSON_AddNumberToObject(j, "size", n);
        cJSON_AddNumberToObject(j, "seconds", secs);
        cJSON_AddNumberToObject(j, "baud", d.baud);
        cli_print_json(j);
    } else if (!o.quiet) {
        printf("erased 0x%X+0x%X in %.1f s at %u baud (checked)\n", addr, n, secs, d.baud);
    }
    device_close(&d);
    return EB_OK;
}
