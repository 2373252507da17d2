/* cmd_plan.c - `espburn plan SOURCE... [--chip CHIP] [--flash-size SIZE]
 * [--force] [--json]`: build and check the flash plan, print it as a
 * table with the findings and the equivalent esptool command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plan/plan.h"

static const char usage[] =
    "usage: espburn plan SOURCE... [--chip CHIP] [--flash-size SIZE] [--port PORT] [--force] [--json]\n\n"
    "Build the flash plan (which bytes go to which address) and check it.\n"
    "SOURCE is any of:\n"
    "  FOLDER                  roles found by content; addresses from the partition\n"
    "                          table in the folder and the chip's bootloader offset\n"
    "  ADDR FILE, FILE@ADDR    explicit pairs, like esptool (0x1000 bootloader.bin)\n"
    "  flasher_args.json, flash_project_args (ESP-IDF), manifest.json (esp-web-tools),\n"
    "  fw.json or any JSON pairing files with addresses, a script with an esptool\n"
    "  write_flash command line (flash.sh, COM.bat), or one firmware file\n\n"
    "  --chip CHIP        the board's chip (esp32, esp32s3, esp32c3, ...)\n"
    "  --flash-size SIZE  the board's flash (4MB, 16MB): checks the table fits\n"
    "  --port PORT        the port to show in the esptool command\n"
    "  --force            accept a refused plan, and say what it will do to the board\n"
    "  --fs DIR[@PART]    add DIR's filesystem image for the table's filesystem partition\n"
    "                     (or PART), in the format the firmware mounts (see espburn flash --help)\n"
    "  --fs-type TYPE     littlefs, fat, fat-wl or spiffs instead\n"
    "  --json             the plan as one JSON document: chip, source, flash_mode,\n"
    "                     flash_freq, flash_size, regions [{address, address_hex, end,\n"
    "                     size, file, role, partition, chip, summary, explicit_address}],\n"
    "                     skipped [{file, role, reason}], findings [{level, code, text,\n"
    "                     effect (errors)}], refused, forced, esptool_command\n\n"
    "exit: 0 plan ok (or forced), 1 plan refused, 2 usage error, 3 a file cannot be read\n";

/* ---- the command ------------------------------------------------------ */

static const struct option plan_rows[] = {
    { "port", required_argument, NULL, 'p' },
    { "fs", required_argument, NULL, 'F' },
    { "fs-type", required_argument, NULL, 'Y' },
    { NULL, 0, NULL, 0 },
};

/* --port (ctx: where it goes), or --fs, --fs-type into the plan options. */
static int plan_option(void *ctx, int opt, const char *arg, struct plan_opts *po)
{
    if (opt != 'p')
        return cli_plan_option("plan", opt, arg, po);
    *(const char **)ctx = arg;
    return EB_OK;
}

int cmd_plan(int argc, char **argv)
{
    const char *port = NULL;
    const struct cli_plan_cmd c = { "plan", usage, "p:", plan_rows, plan_option, NULL, &port };
    struct plan_opts po;
    bool json;
    struct plan p;
    int rc = cli_plan_start(&c, argc, argv, &po, &json, &p);
    if (rc >= 0)
        return rc;
    if (json)
        cli_print_json(cli_plan_json(&p, po.force, port));
    else
        cli_print_plan(&p, po.force, port);
    rc = p.refused && !po.force ? EB_PROBLEM : EB_OK;
    plan_free(&p);
    return rc;
}
