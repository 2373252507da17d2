/* cli_plan_print.c - flash plans as the commands show them (plan, merge,
 * flash, verify): the --chip/--flash-size/--force options, the table of
 * regions, the verdict, the esptool line and the JSON form (cli.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_options.h"
#include "chip/chips.h"
#include "device/device_regions.h"
#include "plan/plan.h"

/* "esp32, esp32s2, ...": every --chip name of the chip table. */
static void chip_names(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const struct chip *c = chip_table; c->name && used < n; c++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", c->name);
}

/* --fs DIR[@PARTITION]: a partition name after the last '@' (one without '/'). */
static int parse_fs_dir(const char *cmd, const char *arg, struct plan_opts *o)
{
    static char dir[PLAN_PATH_MAX];
    const char *at = strrchr(arg, '@');
    if (at && (strchr(at, '/') || !at[1]))
        at = NULL;
    size_t n = at ? (size_t)(at - arg) : strlen(arg);
    if (n == 0 || n >= sizeof dir)
        return cli_usage(cmd, "--fs needs a folder: --fs DIR or --fs DIR@PARTITION");
    memcpy(dir, arg, n);
    dir[n] = 0;
    o->fs_dir = dir;
    o->fs_partition = at ? at + 1 : NULL;
    return 0;
}

int cli_plan_option(const char *cmd, int opt, const char *arg, struct plan_opts *o)
{
    if (opt == 'c') {
        o->chip = chip_by_name(arg);
        if (!o->chip) {
            char names[200];
            chip_names(names, sizeof names);
            return cli_usage(cmd, "unknown chip '%s' (%s)", arg, names);
        }
    } else if (opt == 's') {
        o->flash_size = flash_size_parse(arg);
        if (!o->flash_size)
            return cli_usage(cmd, "flash size '%s' is not a size like 4MB or 16MB", arg);
    } else if (opt == 'f') {
        o->force = true;
    } else if (opt == 'F') {
        return parse_fs_dir(cmd, arg, o);
    } else if (opt == 'Y') {
        int t = fs_type_parse(arg);
        if (t <= 0)
            return cli_usage(cmd, "--fs-type '%s' is not littlefs, fat, fat-wl or spiffs", arg);
        o->fs_type = (enum fs_type)t;
    }
    return 0;
}

int cli_header_option(const char *cmd, int argc, char **argv, int *i, struct device_header_opts *h,
                      struct plan_opts *p)
{
    static const char *const names[] = { "--flash-mode", "--flash-freq", "--flash-size", "--chip" };
    unsigned k = 0;
    while (k < 4 && strcmp(argv[*i], names[k]))
        k++;
    if (k == 4)
        return 0;
    if (*i + 1 >= argc)
        return cli_usage(cmd, "%s needs a value", argv[*i]);
    const char *v = argv[++*i];
    if (k == 3)
        return cli_plan_option(cmd, 'c', v, p) ? EB_USAGE : 1;
    const char **slot[] = { &h->mode, &h->freq, &h->size };
    *slot[k] = v;
    if (k < 2 || !strcmp(v, "keep") || !strcmp(v, "detect"))
        return 1;
    p->flash_size = flash_size_parse(v);
    if (!p->flash_size || flash_size_code(p->flash_size) < 0)
        return cli_usage(cmd, "--flash-size '%s': use keep, detect or a size like 4MB", v);
    return 1;
}

/* The options every plan command takes, then the command's own. */
static const struct option plan_rows[] = {
    { "chip", required_argument, NULL, 'c' }, { "flash-size", required_argument, NULL, 's' },
    { "force", no_argument, NULL, 'f' },      { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
};
#define PLAN_ROWS    (sizeof plan_rows / sizeof plan_rows[0])
#define PLAN_OWN_MAX 8

/* getopt over the plan options and c's own; *help when --help was given. */
static int parse_plan_args(const struct cli_plan_cmd *c, int argc, char **argv, struct plan_opts *po,
                           bool *json, bool *help)
{
    struct option rows[PLAN_ROWS + PLAN_OWN_MAX + 1] = { 0 };
    memcpy(rows, plan_rows, sizeof plan_rows);
    for (size_t i = 0; i < PLAN_OWN_MAX && c->own[i].name; i++)
        rows[PLAN_ROWS + i] = c->own[i];
    char shortopts[16];
    snprintf(shortopts, sizeof shortopts, "hc:%s", c->shortopts);
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, shortopts, rows, NULL)) != -1) {
        if (opt == 'h')
            return *help = true, EB_OK;
        if (opt == 'j')
            *json = true;
        else if (opt == '?')
            return cli_usage(c->name, "unknown option or missing value: '%s'", argv[optind - 1]);
        else if (opt == 'c' || opt == 's' || opt == 'f' ? cli_plan_option(c->name, opt, optarg, po)
                                                        : c->option(c->ctx, opt, optarg, po))
            return EB_USAGE;
    }
    return EB_OK;
}

int cli_plan_start(const struct cli_plan_cmd *c, int argc, char **argv, struct plan_opts *po, bool *json,
                   struct plan *p)
{
    bool help = false;
    *po = (struct plan_opts){ 0 };
    *json = false;
    int rc = parse_plan_args(c, argc, argv, po, json, &help);
    if (rc || help) {
        if (help)
            cli_print_help(c->usage);
        return rc;
    }
    if (c->check && (rc = c->check(c->ctx)))
        return rc;
    if (optind >= argc)
        return cli_usage(c->name, "give at least one SOURCE (a folder, a manifest, or ADDR FILE pairs)");
    eb_err err = { 0 };
    if (plan_build(argc - optind, argv + optind, po, p, &err))
        return cli_fail(&err);
    return -1;
}

void cli_format_size(char *buf, size_t n, size_t v)
{
    if (v < 1000) {
        snprintf(buf, n, "%zu", v);
        return;
    }
    cli_format_size(buf, n, v / 1000);
    size_t used = strlen(buf);
    snprintf(buf + used, n - used, ",%03zu", v % 1000);
}

static void print_regions(const struct plan *p)
{
    int w = 4;
    for (unsigned i = 0; i < p->nregions; i++)
        if ((int)strlen(p->regions[i].path) > w)
            w = (int)strlen(p->regions[i].path);
    printf("  %-10s %-10s %11s  %-*s  %-16s %s\n", "address", "end", "size", w, "file", "role", "partition");
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct plan_region *r = &p->regions[i];
        char size[32], addr[16], end[16];
        cli_format_size(size, sizeof size, r->data.len);
        snprintf(addr, sizeof addr, "0x%x", r->addr);
        snprintf(end, sizeof end, "0x%llx", (unsigned long long)r->addr + r->data.len);
        printf("  %-10s %-10s %11s  %-*s  %-16s %s\n", addr, end, size, w, r->path, role_name(r->id->role),
               r->partition);
    }
}

/* What a refused plan, written anyway, does to the board. */
static void print_verdict(FILE *f, const struct plan *p, bool force)
{
    if (!p->refused)
        return;
    if (!force) {
        fprintf(f, "Refused: this plan would not boot (see the errors above). Fix it, or use --force to "
                   "write it anyway.\n");
        return;
    }
    fprintf(f, "--force: the plan is accepted as it is. On the board:\n");
    for (unsigned i = 0; i < p->nfindings; i++)
        if (p->findings[i].level == FIND_ERROR)
            fprintf(f, "  - %s\n", p->findings[i].effect);
}

/* The esptool line `plan` shows: its port (or PORT) at a suggested fast rate. */
static int suggested_esptool_command(const struct plan *p, const char *port, bytes *cmd)
{
    struct esptool_args a = { .port = port, .baud = ESPTOOL_SUGGESTED_BAUD, .v4 = cli_out.esptool_v4 };
    return plan_esptool_command(p, &a, cmd);
}

void cli_print_plan(const struct plan *p, bool force, const char *port)
{
    printf("Plan for %s (%s), %u region%s:\n", p->chip->display, p->source_kind, p->nregions,
           p->nregions == 1 ? "" : "s");
    print_regions(p);
    if (p->nskipped)
        printf("\nNot written:\n");
    for (unsigned i = 0; i < p->nskipped; i++)
        printf("  %s: %s\n", p->skipped[i].path, p->skipped[i].reason);
    if (p->nfindings) {
        printf("\nFindings:\n");
        cli_print_findings(stdout, p, FIND_INFO);
    }
    bytes cmd = { 0 };
    if (suggested_esptool_command(p, port, &cmd) == 0)
        printf("\nThe equivalent esptool command:\n  %s\n", (const char *)cmd.data);
    bytes_free(&cmd);
    if (p->refused)
        printf("\n");
    print_verdict(stdout, p, force);
}

void cli_print_plan_problems(const struct plan *p, bool force)
{
    cli_print_findings(stderr, p, FIND_WARN);
    print_verdict(stderr, p, force);
}

static cJSON *region_json(const struct plan_region *r)
{
    char hex[16];
    cJSON *o = cJSON_CreateObject();
    snprintf(hex, sizeof hex, "0x%x", r->addr);
    cJSON_AddStringToObject(o, "address_hex", hex);
    cJSON_AddNumberToObject(o, "address", r->addr);
    cJSON_AddNumberToObject(o, "end", (double)r->addr + (double)r->data.len);
    cJSON_AddNumberToObject(o, "size", (double)r->data.len);
    cJSON_AddStringToObject(o, "file", r->path);
    cJSON_AddStringToObject(o, "role", role_name(r->id->role));
    cJSON_AddStringToObject(o, "partition", r->partition);
    cJSON_AddStringToObject(o, "chip", r->id->chip ? r->id->chip->name : "");
    cJSON_AddStringToObject(o, "summary", r->id->summary);
    cJSON_AddBoolToObject(o, "explicit_address", r->explicit_addr);
    return o;
}

cJSON *cli_plan_json(const struct plan *p, bool force, const char *port)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "chip", p->chip->name);
    cJSON_AddStringToObject(doc, "source", p->source_kind);
    cJSON_AddStringToObject(doc, "flash_mode", p->flash_mode);
    cJSON_AddStringToObject(doc, "flash_freq", p->flash_freq);
    cJSON_AddStringToObject(doc, "flash_size", p->flash_size);
    cJSON *regions = cJSON_AddArrayToObject(doc, "regions");
    for (unsigned i = 0; i < p->nregions; i++)
        cJSON_AddItemToArray(regions, region_json(&p->regions[i]));
    cJSON *skipped = cJSON_AddArrayToObject(doc, "skipped");
    for (unsigned i = 0; i < p->nskipped; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "file", p->skipped[i].path);
        cJSON_AddStringToObject(s, "role", role_name(p->skipped[i].role));
        cJSON_AddStringToObject(s, "reason", p->skipped[i].reason);
        cJSON_AddItemToArray(skipped, s);
    }
    cJSON_AddItemToObject(doc, "findings", cli_findings_json(p));
    cJSON_AddBoolToObject(doc, "refused", p->refused);
    cJSON_AddBoolToObject(doc, "forced", p->refused && force);
    bytes cmd = { 0 };
    if (suggested_esptool_command(p, port, &cmd) == 0)
        cJSON_AddStringToObject(doc, "esptool_command", (const char *)cmd.data);
    bytes_free(&cmd);
    return doc;
}
