/* cmd_fs_build.c - `espburn fs build DIR -o IMG --type T (--size N | --partition
 * NAME --table TABLE|PLAN)`: the folder (less what .espburnignore and the
 * default rules leave out) as a filesystem image for that partition,
 * written atomically, with a summary; refused, naming the biggest files,
 * when it does not fit. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_fs.h"
#include "common/file.h"
#include "image/identify.h"
#include "image/part_table.h"
#include "plan/plan.h"
#include "plan/plan_fsdir.h"

#define MAX_FILE (64u << 20)

/* ---- the partition from a table ---- */

static int table_from_file(const char *path, struct part_table *t, bool *found, eb_err *err)
{
    bytes b = { 0 };
    struct fw_ident *id = malloc(sizeof *id);
    int rc = id ? file_read(path, MAX_FILE, &b, err) : eb_fail(err, EB_IO, "out of memory");
    if (rc == 0) {
        fw_identify(b.data, b.len, id);
        bool table_role =
            id->role == ROLE_PARTITION_TABLE || id->role == ROLE_PARTITION_CSV || id->role == ROLE_MERGED;
        if (table_role && id->table.n)
            *t = id->table, *found = true;
        else if (b.len >= PT_DEFAULT_OFFSET + PT_MAX_LEN && pt_row_is_entry(b.data + PT_DEFAULT_OFFSET) &&
                 pt_parse_bin(b.data + PT_DEFAULT_OFFSET, PT_MAX_LEN, t, NULL) == 0)
            *found = true; /* a flash dump: the table at 0x8000 */
    }
    free(id);
    bytes_free(&b);
    return rc;
}

static int table_of(const char *path, struct part_table *t, eb_err *err)
{
    struct stat st;
    bool found = false;
    if (stat(path, &st) != 0)
        return eb_fail(err, EB_IO, "%s: %s", path, strerror(errno));
    if (S_ISREG(st.st_mode) && table_from_file(path, t, &found, err))
        return -1;
    if (found)
        return 0;
    struct plan p;
    struct plan_opts po = { 0 };
    char *src[1] = { (char *)path };
    if (plan_build(1, src, &po, &p, err))
        return -1;
    found = p.has_table;
    if (found)
        *t = p.table;
    plan_free(&p);
    return found
               ? 0
               : eb_fail(err, EB_USAGE,
                         "%s has no partition table; give a table (.bin or .csv), a firmware folder or plan "
                         "with one, or use --size",
                         path);
}

static void fs_labels(const struct part_table *t, char *buf, size_t n)
{
    buf[0] = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (pt_is_fs(&t->p[i]))
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? ", " : "", t->p[i].label);
}

int cli_fs_partition(const char *path, const char *name, uint32_t *size, uint8_t *subtype, char label[17],
                     eb_err *err)
{
    struct part_table *t = malloc(sizeof *t);
    if (!t || table_of(path, t, err)) {
        free(t);
        return t ? -1 : eb_fail(err, EB_IO, "out of memory");
    }
    unsigned nfs;
    const struct partition *hit = pt_find_fs(t, name, &nfs);
    char labels[256];
    fs_labels(t, labels, sizeof labels);
    int rc = 0;
    if (!hit && name)
        rc = eb_fail(err, EB_USAGE, "%s has no partition named %s; its filesystem partitions: %s", path, name,
                     labels[0] ? labels : "none");
    else if (!hit)
        rc = eb_fail(err, EB_USAGE, "%s has no filesystem partition (data, subtype fat, spiffs or littlefs)",
                     path);
    else if (!name && nfs > 1)
        rc = eb_fail(err, EB_USAGE, "%s has %u filesystem partitions (%s); say which with --partition NAME",
                     path, nfs, labels);
    else
        *size = hit->size, *subtype = hit->subtype, snprintf(label, 17, "%s", hit->label);
    free(t);
    return rc;
}

/* ---- reporting ---- */

static int by_size_desc(const void *a, const void *b)
{
    size_t x = ((const struct fs_entry *)a)->size, y = ((const struct fs_entry *)b)->size;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void print_biggest(const struct fs_tree *t)
{
    if (t->n == 0)
        return;
    struct fs_entry *v = malloc(t->n * sizeof *v);
    if (!v)
        return;
    memcpy(v, t->v, t->n * sizeof *v);
    qsort(v, t->n, sizeof *v, by_size_desc);
    fprintf(stderr, "biggest files:\n");
    for (size_t i = 0; i < t->n && i < 5 && v[i].size; i++) {
        char n[32];
        cli_format_size(n, sizeof n, v[i].size);
        fprintf(stderr, "  %12s  %s\n", n, v[i].path);
    }
    free(v);
}

static void print_skipped(const struct plan_fsdir *w)
{
    for (size_t i = 0; i < w->nskip; i++) {
        const struct ignore_rule *r = w->skip[i].rule;
        printf("ignored %s%s  (%s:%u: %s)\n", w->skip[i].path, w->skip[i].dir ? "/" : "", r->source, r->line,
               r->pattern);
    }
}

static cJSON *skipped_json(const struct plan_fsdir *w)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < w->nskip; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", w->skip[i].path);
        cJSON_AddStringToObject(o, "rule", w->skip[i].rule->pattern);
        cJSON_AddStringToObject(o, "source", w->skip[i].rule->source);
        cJSON_AddNumberToObject(o, "line", w->skip[i].rule->line);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static void report(const struct fs_cli *o, const struct fs_build_result *r, const struct plan_fsdir *w,
                   uint32_t size, const char *label)
{
    if (o->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "file", o->dry_run ? "" : o->out);
        cJSON_AddStringToObject(doc, "type", fs_type_name(o->type));
        cJSON_AddStringToObject(doc, "partition", label);
        cJSON_AddNumberToObject(doc, "size", size);
        cJSON_AddNumberToObject(doc, "files", (double)r->files);
        cJSON_AddNumberToObject(doc, "dirs", (double)r->dirs);
        cJSON_AddNumberToObject(doc, "bytes", (double)r->bytes);
        cJSON_AddNumberToObject(doc, "free", (double)r->free_bytes);
        cJSON_AddItemToObject(doc, "ignored", skipped_json(w));
        cli_print_json(doc);
        return;
    }
    if (o->verbose || o->dry_run)
        print_skipped(w);
    char bytes_s[32], free_s[32], size_s[32];
    cli_format_size(bytes_s, sizeof bytes_s, r->bytes);
    cli_format_size(free_s, sizeof free_s, r->free_bytes);
    cli_format_size(size_s, sizeof size_s, size);
    printf("%s %s: %s, %zu file%s in %zu folder%s, %s bytes; %s of %s bytes free%s%s%s\n",
           o->dry_run ? "would build" : "built", o->dry_run ? o->local : o->out, fs_type_name(o->type),
           r->files, r->files == 1 ? "" : "s", r->dirs, r->dirs == 1 ? "" : "s", bytes_s, free_s, size_s,
           label[0] ? " (partition " : "", label, label[0] ? ")" : "");
    if (w->nskip && !o->verbose && !o->dry_run)
        printf("%zu ignored (.espburnignore and default rules; -v lists them, --no-ignore keeps them)\n",
               w->nskip);
}

/* ---- the command ---- */

static int resolve_size(const struct fs_cli *o, uint32_t *size, char label[17], eb_err *err)
{
    label[0] = 0;
    if (o->size) {
        *size = o->size;
        return 0;
    }
    uint8_t subtype;
    return cli_fs_partition(o->table, o->partition, size, &subtype, label, err);
}

int cli_fs_build(const struct fs_cli *o)
{
    eb_err err = { 0 };
    struct plan_fsdir w;
    uint32_t size = 0;
    char label[17];
    if (plan_fsdir_read(&w, o->local, !o->no_ignore, &err) || resolve_size(o, &size, label, &err)) {
        plan_fsdir_free(&w);
        return cli_fail(&err);
    }
    bytes img = { 0 };
    struct fs_build_result res;
    struct fs_build_opts bo = { .type = o->type, .size = size, .sector_size = o->sector_size };
    int rc = fs_build(&w.tree, &bo, &img, &res, &err);
    if (rc == 0 && !o->dry_run)
        rc = file_write_atomic(o->out, img.data, img.len, &err);
    if (rc == 0)
        report(o, &res, &w, size, label);
    else {
        rc = cli_fail(&err);
        if (err.code == EB_PROBLEM && w.tree.n)
            print_biggest(&w.tree);
    }
    bytes_free(&img);
    plan_fsdir_free(&w);
    return rc;
}
