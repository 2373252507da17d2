/* cmd_ports.c - `espburn ports`: every serial port with its USB VID:PID,
 * serial number and product, and a guess of the bridge/board. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "port/port_enum.h"

#define PORTS_MAX 64

static void print_help(void)
{
    printf("usage: espburn ports [--all] [--json]\n\n"
           "Lists serial ports with their USB VID:PID, serial number and product, and guesses\n"
           "the USB bridge and board (CP210x: M5Stack Fire/Core, CH9102: Core2, CH340, FTDI,\n"
           "Espressif USB-Serial/JTAG). Without --all, only ports that look like ESP boards.\n"
           "`-p auto` in other commands picks the single likely port.\n\n"
           "  --all    list every port, not only likely ESP boards\n"
           "  --json   one JSON document on stdout\n\n"
           "exit codes: 0 ok, 2 usage error, 3 the ports could not be listed\n\n");
    cli_print_command_options();
}

static cJSON *port_json(const struct port_info *p)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "port", p->path);
    if (p->usb) {
        char id[16];
        snprintf(id, sizeof id, "%04x:%04x", p->vid, p->pid);
        cJSON_AddStringToObject(j, "usb_id", id);
        cJSON_AddStringToObject(j, "serial", p->serial);
        cJSON_AddStringToObject(j, "product", p->product);
        cJSON_AddStringToObject(j, "manufacturer", p->manufacturer);
    }
    cJSON_AddBoolToObject(j, "likely_esp", p->likely_esp);
    cJSON_AddStringToObject(j, "guess", p->guess);
    if (p->max_baud)
        cJSON_AddNumberToObject(j, "max_baud", p->max_baud);
    return j;
}

static void print_port(const struct port_info *p)
{
    if (p->usb)
        printf("%-24s %04x:%04x  %-20s %-28s %s\n", p->path, p->vid, p->pid, p->serial[0] ? p->serial : "-",
               p->product[0] ? p->product : "-", p->guess[0] ? p->guess : "(not a known ESP bridge)");
    else
        printf("%-24s %-9s  %-20s %-28s %s\n", p->path, "-", "-", "-", "(not USB)");
}

int cmd_ports(int argc, char **argv)
{
    bool json = false, all = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return print_help(), EB_OK;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--all"))
            all = true;
        else
            return cli_usage("ports", "unexpected argument '%s'", argv[i]);
    }
    static struct port_info ports[PORTS_MAX];
    eb_err err = { 0 };
    int n = all ? port_enum_list(ports, PORTS_MAX, &err) : port_enum_likely(ports, PORTS_MAX, &err);
    if (n < 0)
        return cli_fail(&err);
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, port_json(&ports[i]));
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "ports", arr);
        cli_print_json(j);
        return EB_OK;
    }
    if (n == 0) {
        printf("no %sserial ports found%s\n", all ? "" : "ESP-like ",
               all ? "" : " (plug a board in, or try --all)");
        return EB_OK;
    }
    printf("%-24s %-9s  %-20s %-28s %s\n", "PORT", "VID:PID", "SERIAL", "PRODUCT", "GUESS");
    for (int i = 0; i < n; i++)
        print_port(&ports[i]);
    return EB_OK;
}
