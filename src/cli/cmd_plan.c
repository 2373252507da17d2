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

struct plan_args {
    struct plan_opts plan;
    const char *port;
    bool json, help;
};

static int parse_args(int argc, char **argv, struct plan_args *a)
{
    static const struct option longopts[] = {
        { "chip", required_argument, NULL, 'c' },
        { "flash-size", required_argument, NULL, 's' },
        { "port", required_argument, NULL, 'p' },
        { "force", no_argument, NULL, 'f' },
        { "fs", required_argument, NULL, 'F' },
        { "fs-type", required_argument, NULL, 'Y' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *a = (struct plan_args){ 0 };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "hc:p:", longopts, NULL)) != -1) {
        if (opt == 'h') {
            a->help = true;
            return EB_OK;
        } else if (opt == 'j') {
            a->json = true;
        } else if (opt == 'p') {
            a->port = optarg;
        } else if (opt == '?') {
            return cli_usage("plan", "unknown option or missing value: '%s'", argv[optind - 1]);
        } else if (cli_plan_option("plan", opt, optarg, &a->plan)) {
            return EB_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage("plan", "give at least one SOURCE (a folder, a manifest, or ADDR FILE pairs)");
    return EB_OK;
}

int cmd_plan(int argc, char **argv)
{
    struct plan_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    if (a.help) {
        cli_print_help(usage);
        return EB_OK;
    }
    struct plan p;
    eb_err err = { 0 };
    if (plan_build(argc - optind, argv + optind, &a.plan, &p, &err))
        return cli_fail(&err);
    if (a.json)
        cli_print_json(cli_plan_json(&p, a.plan.force, a.port));
    else
        cli_print_plan(&p, a.plan.force, a.port);
    rc = p.refused && !a.plan.force ? EB_PROBLEM : EB_OK;
    plan_free(&p);
    return rc;
}
