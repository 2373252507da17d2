/* erase.c - `espburn erase -p PORT [ADDR SIZE]`: erase the whole flash or
 * a 4 KB-aligned region (ROM: the erase FLASH_BEGIN does; stub: its erase
 * commands), then check the range reads back as 0xFF by MD5. */
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/device.h"

static void print_help(void)
{
    printf("usage: espburn erase -p PORT [ADDR SIZE] [options]\n\n"
           "Erases the whole flash, or SIZE bytes from ADDR (both multiples of 4 KB), and\n"
           "checks the result reads back as 0xFF.\n\n");
    device_print_help();
    printf("\nexit codes: 0 ok, 1 the flash did not read back erased, 2 usage error, 3 I/O error\n");
}

static int check_erased(struct device *d, uint32_t addr, uint32_t size, eb_err *err)
{
    uint8_t *ff = malloc(size), want[16], got[16];
    if (!ff)
        return eb_fail(err, EB_IO, "out of memory");
    memset(ff, 0xFF, size);
    struct md5_ctx m;
    md5_init(&m);
    md5_update(&m, size, ff);
    md5_digest(&m, 16, want);
    free(ff);
    if (loader_flash_md5(d->l, addr, size, got, err))
        return -1;
    if (memcmp(want, got, 16))
        return eb_fail(err, EB_PROBLEM,
                       "0x%X+0x%X does not read back erased; the flash may be write-protected "
                       "or failing",
                       addr, size);
    return 0;
}

int cmd_erase(int argc, char **argv)
{
    struct device_opts o;
    const char *pos[2];
    int npos;
    device_opts_init(&o, AFTER_STAY);
    o.stub_auto = true;
    int rc = device_parse_simple(argc, argv, "erase", &o, pos, 2, &npos, print_help);
    if (rc)
        return rc < 0 ? EB_OK : rc;
    uint32_t addr = 0, size = 0;
    if (npos == 1)
        return cli_usage("erase", "give both ADDR and SIZE, or neither for the whole flash");
    if (npos == 2 && ((rc = device_parse_number("erase", "ADDR", pos[0], &addr)) ||
                      (rc = device_parse_number("erase", "SIZE", pos[1], &size))))
        return rc;
    if (npos == 2 && (size == 0 || addr % 0x1000 || size % 0x1000))
        return cli_usage("erase", "ADDR and SIZE must be non-zero multiples of 4 KB (0x1000)");
    struct device d;
    eb_err err = { 0 };
    int64_t t0 = eb_now_ms();
    if (device_connect(&o, o.ports[0], &d, &err) || loader_erase(d.l, addr, size, &err) ||
        check_erased(&d, addr, size ? size : d.flash_size, &err) || device_finish(&o, &d, &err)) {
        device_close(&d);
        return device_fail(&o, &err);
    }
    uint32_t n = size ? size : d.flash_size;
    double secs = (eb_now_ms() - t0) / 1000.0;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "port", d.port_name);
        cJSON_AddNumberToObject(j, "addr", addr);
        cJSON_AddNumberToObject(j, "size", n);
        cJSON_AddNumberToObject(j, "seconds", secs);
        cli_print_json(j);
    } else if (!o.quiet) {
        printf("erased 0x%X+0x%X in %.1f s (checked)\n", addr, n, secs);
    }
    device_close(&d);
    return EB_OK;
}
