/* cmd_merge.c - `espburn merge SOURCE... -o OUT [--format raw|uf2|hex]
 * [--base ADDR]`: one file from a checked plan, like esptool merge_bin
 * (0xFF-filled gaps), or UF2 with the chip's family id, or Intel HEX. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/file.h"
#include "plan/manifest.h"
#include "plan/plan.h"

static const char usage[] =
    "usage: espburn merge SOURCE... -o OUT [--format raw|uf2|hex] [--base ADDR]\n"
    "                     [--chip CHIP] [--flash-size SIZE] [--force] [--json]\n\n"
    "Merge a flash plan (same SOURCEs as 'espburn plan') into one file:\n"
    "  raw  one image from --base (default 0x0) with 0xFF in the gaps, like esptool\n"
    "       merge_bin; write it at the base address\n"
    "  uf2  UF2 blocks (256 bytes each) with the chip's family id, for UF2 drives\n"
    "  hex  Intel HEX with extended linear address records\n"
    "A refused plan is not merged unless --force is given.\n\n"
    "  --json  one JSON document: the plan's fields (see 'espburn plan --help') and,\n"
    "          when written, output, format, base and output_size\n\n"
    "exit: 0 written, 1 plan refused, 2 usage error, 3 a file cannot be read or written\n";

static const char *const format_names[] = { [PLAN_RAW] = "raw", [PLAN_UF2] = "uf2", [PLAN_HEX] = "hex" };

static int parse_format(const char *s, enum plan_format *fmt)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(s, format_names[i]) == 0) {
            *fmt = (enum plan_format)i;
            return 0;
        }
    return cli_usage("merge", "format '%s' is not raw, uf2 or hex", s);
}

static void report(const char *out, enum plan_format fmt, uint32_t base, size_t size, const struct plan *p,
                   bool force, bool json)
{
    const char *format = format_names[fmt];
    if (json) {
        cJSON *doc = cli_plan_json(p, force, NULL);
        cJSON_AddStringToObject(doc, "file", out);
        cJSON_AddStringToObject(doc, "format", format);
        cJSON_AddNumberToObject(doc, "base", base);
        cJSON_AddNumberToObject(doc, "size", (double)size);
        cli_print_json(doc);
        return;
    }
    cli_print_plan_problems(p, force);
    char count[32];
    cli_format_size(count, sizeof count, size);
    if (fmt == PLAN_RAW)
        printf("wrote %s: %s bytes, %u regions merged from 0x%x (write it at 0x%x)\n", out, count,
               p->nregions, base, base);
    else
        printf("wrote %s: %s bytes, %u regions as %s for %s\n", out, count, p->nregions, format,
               p->chip->display);
}

struct merge_opts {
    struct plan_opts plan;
    enum plan_format fmt;
    const char *out;
    uint32_t base;
    bool json;
};

static const struct option merge_rows[] = {
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'F' },
    { "base", required_argument, NULL, 'b' },
    { NULL, 0, NULL, 0 },
};

static int merge_option(void *ctx, int opt, const char *arg, struct plan_opts *po)
{
    struct merge_opts *m = ctx;
    (void)po;
    if (opt == 'o')
        m->out = arg;
    else if (opt == 'F')
        return parse_format(arg, &m->fmt);
    else if (opt == 'b' && !mf_parse_addr(arg, &m->base))
        return cli_usage("merge", "base '%s' is not an address like 0x0 or 0x1000", arg);
    return EB_OK;
}

static int merge_check(void *ctx)
{
    const struct merge_opts *m = ctx;
    return m->out ? EB_OK : cli_usage("merge", "say where to write the merged file with -o OUT");
}

/* Merge a built plan into m->out, or refuse it (exit code). */
static int merge_plan(const struct plan *p, const struct merge_opts *m)
{
    bool force = m->plan.force;
    if (p->refused && !force) {
        if (m->json)
            cli_print_json(cli_plan_json(p, false, NULL));
        else
            cli_print_plan_problems(p, false);
        return EB_PROBLEM;
    }
    eb_err err = { 0 };
    bytes img = { 0 };
    int rc = EB_OK;
    if (plan_merge(p, m->fmt, m->base, &img, &err) || file_write_atomic(m->out, img.data, img.len, &err))
        rc = cli_fail(&err);
    else
        report(m->out, m->fmt, m->base, img.len, p, force, m->json);
    bytes_free(&img);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    struct merge_opts m = { .fmt = PLAN_RAW };
    const struct cli_plan_cmd c = { "merge", usage, "o:", merge_rows, merge_option, merge_check, &m };
    struct plan p;
    int rc = cli_plan_start(&c, argc, argv, &m.plan, &m.json, &p);
    if (rc >= 0)
        return rc;
    rc = merge_plan(&p, &m);
    plan_free(&p);
    return rc;
}
