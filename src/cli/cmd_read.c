/* cmd_read.c - `espburn read -p PORT ADDR SIZE OUT`: read flash into a file
 * (ROM READ_FLASH_SLOW, 64 bytes a request; the stub's windowed READ_FLASH
 * with --stub), checked against the chip's own MD5 of the range. */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_device.h"
#include "cli/cli_progress.h"
#include "common/file.h"
#include "device/device_ops.h"

static void print_help(void)
{
    printf("usage: espburn read -p PORT ADDR SIZE OUT [options]\n\n"
           "Reads SIZE bytes of flash from ADDR into the file OUT (written atomically), then\n"
           "checks them against the chip's MD5 of the same range.\n\n");
    cli_device_print_help();
    printf("\nexit codes: 0 ok, 1 the data did not match the chip's MD5, 2 usage error, 3 I/O error\n");
}

int cmd_read(int argc, char **argv)
{
    struct cli_device_opts o;
    const char *pos[3];
    int npos;
    int rc = cli_device_parse_range_cmd(argc, argv, "read", &o, pos, 3, &npos, print_help);
    if (rc >= 0)
        return rc;
    uint32_t addr, size;
    if (npos != 3)
        return cli_usage("read", "give ADDR SIZE OUT");
    if ((rc = cli_parse_range("read", pos, &addr, &size)))
        return rc;
    if (size == 0)
        return cli_usage("read", "SIZE must be more than 0");
    struct device d;
    bytes data = { 0 };
    eb_err err = { 0 };
    int64_t t0 = eb_now_ms();
    struct cli_progress bar;
    cli_progress_begin(&bar, "read", o.quiet, o.json, o.progress);
    if (cli_device_connect(&o, o.ports[0], &d, &err) ||
        device_read(&d, addr, size, &data, cli_progress_cb, &bar, &err) ||
        file_write_atomic(pos[2], data.data, data.len, &err) || cli_device_finish(&o, &d, &err)) {
        cli_progress_end(&bar);
        bytes_free(&data);
        device_close(&d);
        return cli_device_fail(&o, &err);
    }
    cli_progress_end(&bar);
    double secs = (eb_now_ms() - t0) / 1000.0;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "port", d.port_name);
        cli_json_add_address(j, NULL, addr);
        cJSON_AddNumberToObject(j, "size", size);
        cJSON_AddStringToObject(j, "file", pos[2]);
        cJSON_AddNumberToObject(j, "seconds", secs);
        cJSON_AddNumberToObject(j, "baud", d.baud);
        cli_print_json(j);
    } else if (!o.quiet) {
        printf("read 0x%X+0x%X into %s in %.1f s at %u baud (MD5 checked)\n", addr, size, pos[2], secs,
               d.baud);
    }
    bytes_free(&data);
    device_close(&d);
    return EB_OK;
}
