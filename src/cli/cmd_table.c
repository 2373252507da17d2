/* cmd_table.c - `espburn table`: convert ESP-IDF partition tables between CSV
 * and binary (byte-exact with gen_esp32part.py) and show a table with its
 * problems. The formats themselves live in image/part_table.c. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/file.h"
#include "image/part_table.h"

#define TABLE_MAX_FILE (1u << 20) /* a CSV or a table sector is far smaller */

struct table_opts {
    const char *sub; /* csv2bin, bin2csv, show */
    const char *in, *out;
    uint32_t offset; /* where the table sits in flash */
    bool json, no_verify, help;
};

/* A table read from a file, told apart by content, and its pt_check issues. */
struct checked_table {
    struct part_table t;
    bool binary;
    struct pt_issue issues[PT_MAX_ISSUES];
    unsigned n_issues, n_errors;
};

static void print_help(void)
{
    printf("usage: espburn table csv2bin IN.csv OUT.bin [--offset ADDR] [--no-verify] [--json]\n"
           "       espburn table bin2csv IN.bin OUT.csv [--no-verify] [--json]\n"
           "       espburn table show FILE [--offset ADDR] [--json]\n\n"
           "Converts ESP-IDF partition tables between the CSV you edit and the binary written\n"
           "to flash (byte for byte what ESP-IDF's gen_esp32part.py produces), or shows a table\n"
           "(CSV or binary, told apart by content) with its problems: overlaps, misaligned\n"
           "partitions, a wrong MD5, duplicate names.\n\n"
           "  --offset ADDR  flash address of the table (default 0x8000); the first partition\n"
           "                 without an offset goes one 4 KB sector after it\n"
           "  --no-verify    write the output even when the table has errors\n"
           "  --json         print one JSON document on stdout: file, format (binary|csv),\n"
           "                 table_offset, md5 (ok|wrong|absent, null for CSV), partitions\n"
           "                 [{name, type, type_id, subtype, subtype_id, offset, size, end,\n"
           "                 flags, flags_raw}], issues [{level, text}], ok; conversions add\n"
           "                 output, written and error; a file that cannot be read gives\n"
           "                 file, ok false and error\n\n"
           "exit codes: 0 ok, 1 the table has errors (nothing written), 2 usage error, 3 I/O error\n\n");
    cli_print_command_options();
}

static int parse_offset(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v % PT_SECTOR_LEN || v > UINT32_MAX - PT_SECTOR_LEN)
        return cli_usage("table", "--offset '%s' is not a flash address on a 4 KB boundary (e.g. 0x8000)", s);
    *out = (uint32_t)v;
    return EB_OK;
}

static int take_positional(struct table_opts *o, const char *arg)
{
    if (!o->sub)
        o->sub = arg;
    else if (!o->in)
        o->in = arg;
    else if (!o->out)
        o->out = arg;
    else
        return cli_usage("table", "unexpected argument '%s'", arg);
    return EB_OK;
}

static int parse_args(int argc, char **argv, struct table_opts *o)
{
    *o = (struct table_opts){ .offset = PT_DEFAULT_OFFSET };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = EB_OK;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            o->help = true;
        else if (!strcmp(a, "--json"))
            o->json = true;
        else if (!strcmp(a, "--no-verify"))
            o->no_verify = true;
        else if (!strncmp(a, "--offset=", 9))
            rc = parse_offset(a + 9, &o->offset);
        else if (!strcmp(a, "--offset"))
            rc = i + 1 < argc ? parse_offset(argv[++i], &o->offset)
                              : cli_usage("table", "--offset needs an address");
        else if (a[0] == '-' && a[1])
            rc = cli_usage("table", "unknown option '%s'", a);
        else
            rc = take_positional(o, a);
        if (rc)
            return rc;
    }
    if (o->help)
        return EB_OK;
    if (!o->sub)
        return cli_usage("table", "say what to do: csv2bin, bin2csv or show");
    bool convert = !strcmp(o->sub, "csv2bin") || !strcmp(o->sub, "bin2csv");
    if (!convert && strcmp(o->sub, "show"))
        return cli_usage("table", "unknown action '%s' (csv2bin, bin2csv or show)", o->sub);
    if (!o->in || (convert && !o->out))
        return cli_usage("table", convert ? "%s needs an input and an output file" : "%s needs a file",
                         o->sub);
    if (!convert && o->out)
        return cli_usage("table", "show takes one file");
    return EB_OK;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static bool is_binary_table(const bytes *b)
{
    return b->len >= 2 && pt_row_is_entry(b->data);
}

/* Read `path` and parse it by content (binary when it starts with 0xAA50,
 * else CSV, as gen_esp32part.py decides), then check it. */
static int load_table(const char *path, uint32_t offset, struct checked_table *l, eb_err *err)
{
    bytes b = { 0 };
    if (file_read(path, TABLE_MAX_FILE, &b, err))
        return -1;
    l->binary = is_binary_table(&b);
    int rc = l->binary ? pt_parse_bin(b.data, b.len, &l->t, err)
                       : pt_parse_csv((const char *)b.data, b.len, offset, &l->t, err);
    bytes_free(&b);
    if (rc)
        return eb_wrap(err, "%s", path);
    l->n_issues = pt_check(&l->t, offset, l->issues, PT_MAX_ISSUES);
    l->n_errors = 0;
    for (unsigned i = 0; i < l->n_issues; i++)
        l->n_errors += !l->issues[i].warning;
    return 0;
}

static const char *md5_status(const struct checked_table *l)
{
    if (!l->binary)
        return NULL;
    return !l->t.has_md5 ? "absent" : l->t.md5_ok ? "ok" : "wrong";
}

static cJSON *table_json(const char *path, const struct checked_table *l, uint32_t offset)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddStringToObject(o, "format", l->binary ? "binary" : "csv");
    cJSON_AddNumberToObject(o, "table_offset", offset);
    const char *md5 = md5_status(l);
    cJSON_AddItemToObject(o, "md5", md5 ? cJSON_CreateString(md5) : cJSON_CreateNull());
    cJSON *parts = cJSON_AddArrayToObject(o, "partitions");
    for (unsigned i = 0; i < l->t.n; i++)
        cJSON_AddItemToArray(parts, cli_partition_json(&l->t.p[i]));
    cJSON_AddItemToObject(o, "issues", cli_issues_json(l->issues, l->n_issues));
    cJSON_AddBoolToObject(o, "ok", l->n_errors == 0);
    return o;
}

static int fail_json(const char *path, const eb_err *err, bool json)
{
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", path);
        cJSON_AddBoolToObject(o, "ok", false);
        cJSON_AddStringToObject(o, "error", err->msg);
        cli_print_json(o);
    }
    return cli_fail(err);
}

static void human_size(char *buf, size_t cap, uint32_t v)
{
    if (v && v % 0x100000 == 0)
        snprintf(buf, cap, "%" PRIu32 " MB", v / 0x100000);
    else if (v && v % 0x400 == 0)
        snprintf(buf, cap, "%" PRIu32 " KB", v / 0x400);
    else
        snprintf(buf, cap, "%" PRIu32 " B", v);
}

static void flags_text(char *buf, size_t cap, uint32_t flags)
{
    uint32_t unknown = flags & ~(uint32_t)(PT_FLAG_ENCRYPTED | PT_FLAG_READONLY);
    int n = snprintf(buf, cap, "%s%s", flags & PT_FLAG_ENCRYPTED ? " encrypted" : "",
                     flags & PT_FLAG_READONLY ? " readonly" : "");
    if (unknown)
        snprintf(buf + n, cap - (size_t)n, " 0x%" PRIx32, unknown);
}

static void print_partitions(const struct part_table *t)
{
    printf("  %-16s %-5s %-9s %-10s %-10s %-9s %s\n", "name", "type", "subtype", "offset", "size", "",
           "flags");
    for (unsigned i = 0; i < t->n; i++) {
        const struct partition *p = &t->p[i];
        char label[65], type[8], sub[8], size[16], flags[40];
        const char *tn = pt_type_name(p->type), *sn = pt_subtype_name(p->type, p->subtype);
        snprintf(type, sizeof type, "0x%02x", p->type);
        snprintf(sub, sizeof sub, "0x%02x", p->subtype);
        human_size(size, sizeof size, p->size);
        flags_text(flags, sizeof flags, p->flags);
        printf("  %-16s %-5s %-9s 0x%-8" PRIx32 " 0x%-8" PRIx32 " %-*s%s\n",
               cli_partition_label(p->label, label), tn ? tn : type, sn ? sn : sub, p->offset, p->size,
               flags[0] ? 8 : 0, size, flags);
    }
}

static void print_issues(FILE *f, const struct checked_table *l)
{
    for (unsigned i = 0; i < l->n_issues; i++)
        fprintf(f, "%s: %s\n", l->issues[i].warning ? "warning" : "error", l->issues[i].text);
}

static int run_show(const struct table_opts *o)
{
    struct checked_table l;
    eb_err err = { 0 };
    if (load_table(o->in, o->offset, &l, &err))
        return fail_json(o->in, &err, o->json);
    if (o->json) {
        cli_print_json(table_json(o->in, &l, o->offset));
    } else {
        const char *md5 = md5_status(&l);
        printf("%s: partition table (%s), %u partition%s%s%s\n", o->in, l.binary ? "binary" : "CSV", l.t.n,
               l.t.n == 1 ? "" : "s", md5 ? ", MD5 " : "", md5 ? md5 : "");
        print_partitions(&l.t);
        print_issues(stdout, &l);
        if (l.n_issues == 0)
            printf("no problems found\n");
    }
    return l.n_errors ? EB_PROBLEM : EB_OK;
}

static int convert(const struct table_opts *o, const struct checked_table *l, bool to_bin, eb_err *err)
{
    if (l->binary == to_bin)
        return eb_fail(err, EB_PROBLEM, "%s is already a %s partition table; use 'espburn table %s'", o->in,
                       to_bin ? "binary" : "CSV", to_bin ? "bin2csv" : "csv2bin");
    if (l->n_errors && !o->no_verify)
        return eb_fail(err, EB_PROBLEM,
                       "%s has %u error%s, so %s was not written; fix %s, or pass --no-verify to write "
                       "it anyway",
                       o->in, l->n_errors, l->n_errors == 1 ? "" : "s", o->out,
                       l->n_errors == 1 ? "it" : "them");
    bytes out = { 0 };
    int rc = to_bin ? pt_to_bin(&l->t, &out, err) : pt_to_csv(&l->t, &out, err);
    if (!rc)
        rc = file_write_atomic(o->out, out.data, out.len, err);
    bytes_free(&out);
    return rc;
}

static int run_convert(const struct table_opts *o, bool to_bin)
{
    struct checked_table l;
    eb_err err = { 0 };
    if (load_table(o->in, o->offset, &l, &err))
        return fail_json(o->in, &err, o->json);
    int rc = convert(o, &l, to_bin, &err);
    if (o->json) {
        cJSON *doc = table_json(o->in, &l, o->offset);
        cJSON_AddStringToObject(doc, "output", o->out);
        cJSON_AddBoolToObject(doc, "written", rc == 0);
        if (rc)
            cJSON_AddStringToObject(doc, "error", err.msg);
        cli_print_json(doc);
    } else {
        print_issues(stderr, &l);
    }
    if (rc)
        return cli_fail(&err);
    if (o->json)
        return EB_OK;
    printf("wrote %s: %u partition%s", o->out, l.t.n, l.t.n == 1 ? "" : "s");
    if (to_bin)
        printf("; write it to flash at 0x%" PRIx32, o->offset);
    putchar('\n');
    return EB_OK;
}

int cmd_table(int argc, char **argv)
{
    struct table_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    if (o.help) {
        print_help();
        return EB_OK;
    }
    if (!strcmp(o.sub, "show"))
        return run_show(&o);
    return run_convert(&o, !strcmp(o.sub, "csv2bin"));
}
