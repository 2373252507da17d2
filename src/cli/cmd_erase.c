/* cmd_erase.c - `espburn erase -p PORT [ADDR SIZE]`: erase the whole flash or
 * a 4 KB-aligned region (ROM: the erase FLASH_BEGIN does; stub: its erase
 * commands), then check the range reads back as 0xFF by MD5. */
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
    printf("usage: espburn erase -p PORT [ADDR SIZE] [options]\n\n"
           "Erases the whole flash, or SIZE bytes from ADDR (both multiples of 4 KB), and\n"
           "checks the result reads back as 0xFF, 256 KB at a time (a progress bar on a terminal).\n\n");
    cli_device_print_help();
    printf("\nexit codes: 0 ok, 1 the flash did not read back erased, 2 usage error, 3 I/O error\n");
}

static void on_progress(void *ctx, size_t done, size_t total)
{
    cli_progress_update(ctx, done, total);
}

int cmd_erase(int argc, char **argv)
{
    struct cli_device_opts o;
    const char *pos[2];
    int npos;
    cli_device_opts_init(&o, DEVICE_AFTER_HARD_RESET);
    cli_device_opts_fast(&o);
    int rc = cli_device_parse_simple(argc, argv, "erase", &o, pos, 2, &npos, print_help);
    if (rc)
        return rc < 0 ? EB_OK : rc;
    uint32_t addr = 0, size = 0;
    if (npos == 1)
        return cli_usage("erase", "give both ADDR and SIZE, or neither for the whole flash");
    if (npos == 2 && ((rc = cli_parse_number("erase", "ADDR", pos[0], &addr)) ||
                      (rc = cli_parse_number("erase", "SIZE", pos[1], &size))))
        return rc;
    eb_err err = { 0 };
    if (npos == 2 && device_erase_check(addr, size, &err))
        return cli_usage("erase", "%s", err.msg);
    struct device d;
    int64_t t0 = eb_now_ms();
    struct cli_progress bar;
    cli_progress_begin(&bar, "erase", o.quiet, o.json, o.progress);
    if (cli_device_connect(&o, o.ports[0], &d, &err) ||
        device_erase(&d, addr, size, on_progress, &bar, &err) || cli_device_finish(&o, &d, &err)) {
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
