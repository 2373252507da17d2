/* cmd_verify.c - `espburn verify SOURCE... -p PORT`: compare the board's flash
 * with a plan, region by region, by MD5 (the chip computes its side: see
 * device_verify), and say which regions differ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_device.h"
#include "cli/cli_progress.h"
#include "device/device_ops.h"

static void print_help(void)
{
    printf("usage: espburn verify SOURCE... -p PORT [options]\n\n"
           "Compares each region of the plan (anything `espburn plan` accepts) with the\n"
           "board's flash by MD5 and reports which differ. The bootloader header is compared\n"
           "as `espburn flash` would have written it (same --flash-mode/--flash-freq/--flash-size).\n\n"
           "  --flash-mode MODE, --flash-freq FREQ, --flash-size SIZE   as for flash\n"
           "  --chip NAME        the chip the firmware is for, when the files do not say\n");
    cli_device_print_help();
    printf("\nexit codes: 0 every region matches, 1 some differ, 2 usage error, 3 I/O error\n");
}

struct verify_opts {
    struct cli_device_opts dev;
    struct device_header_opts hdr;
    struct plan_opts plan;
    int nsrc;
    char **src;
};

static int parse_args(int argc, char **argv, struct verify_opts *o)
{
    for (int i = 1; i < argc; i++) {
        int r = cli_device_parse_opt(&o->dev, "verify", argc, argv, &i);
        if (r == 0)
            r = cli_header_option("verify", argc, argv, &i, &o->hdr, &o->plan);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return print_help(), -1;
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cli_usage("verify", "unknown option '%s'", argv[i]);
        } else {
            o->src[o->nsrc++] = argv[i];
        }
    }
    if (o->nsrc == 0)
        return cli_usage("verify", "nothing to compare: give a folder, a manifest or ADDR FILE pairs");
    o->plan.force = true; /* verifying a refused plan is harmless */
    return cli_device_opts_finish(&o->dev, "verify");
}

static int verify_all(struct verify_opts *o, struct plan *p, struct device *d, cJSON *arr, unsigned *ndiff,
                      eb_err *err)
{
    struct device_verify_region *v;
    unsigned n;
    struct cli_progress bar;
    cli_progress_begin(&bar, "verify", o->dev.quiet, o->dev.json, o->dev.progress);
    int rc = device_verify(d, p, &o->hdr, &v, &n, ndiff, cli_progress_cb, &bar, err);
    cli_progress_end(&bar);
    if (rc)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        if (o->dev.json) {
            cJSON *j = cJSON_CreateObject();
            cli_json_add_address(j, NULL, v[i].addr);
            cJSON_AddStringToObject(j, "file", v[i].path);
            cJSON_AddNumberToObject(j, "size", (double)v[i].size);
            cJSON_AddBoolToObject(j, "matches", v[i].matches);
            cJSON_AddItemToArray(arr, j);
        } else if (!o->dev.quiet || !v[i].matches) {
            printf("0x%06X %-32s %s\n", v[i].addr, v[i].path, v[i].matches ? "matches" : "DIFFERS");
        }
    }
    free(v);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    struct verify_opts o = { 0 };
    cli_device_opts_init(&o.dev, DEVICE_AFTER_HARD_RESET);
    cli_device_opts_fast(&o.dev);
    o.src = calloc((size_t)argc, sizeof *o.src);
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(o.src);
        return rc < 0 ? EB_OK : rc;
    }
    struct plan p;
    struct device d = { 0 };
    eb_err err = { 0 };
    unsigned ndiff = 0;
    cJSON *arr = cJSON_CreateArray();
    if (cli_plan_load(o.nsrc, o.src, &o.plan, true, &p, &err)) {
        free(o.src);
        cJSON_Delete(arr);
        return cli_device_fail(&o.dev, &err);
    }
    rc = cli_device_connect(&o.dev, o.dev.ports[0], &d, &err) || verify_all(&o, &p, &d, arr, &ndiff, &err) ||
         cli_device_finish(&o.dev, &d, &err);
    if (rc) {
        rc = cli_device_fail(&o.dev, &err);
        cJSON_Delete(arr);
    } else if (o.dev.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "port", d.port_name);
        cJSON_AddBoolToObject(j, "ok", ndiff == 0);
        cJSON_AddNumberToObject(j, "baud", d.baud);
        cJSON_AddItemToObject(j, "regions", arr);
        cli_print_json(j);
    } else {
        cJSON_Delete(arr);
        printf("%s (compared at %u baud)\n",
               ndiff ? "some regions differ from the plan" : "every region matches the plan", d.baud);
    }
    if (!rc && ndiff) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "%u region%s of the plan differ%s from the flash; write %s with espburn flash", ndiff,
                 ndiff == 1 ? "" : "s", ndiff == 1 ? "s" : "", ndiff == 1 ? "it" : "them");
        cli_json_note_error(msg);
        rc = EB_PROBLEM;
    }
    device_close(&d);
    plan_free(&p);
    free(o.src);
    return rc;
}
