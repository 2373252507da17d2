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
#include "common/ignore.h"
#include "image/identify.h"
#include "image/part_table.h"
#include "plan/plan.h"

#define MAX_FILE (64u << 20)

struct skipped {
    char *path;
    const struct ignore_rule *rule;
    bool dir;
};

struct walk {
    struct fs_tree tree;
    struct ignore_rules rules;
    bool use_ignore;
    bytes *data; /* file contents, owned here */
    size_t ndata, capdata;
    struct skipped *skip;
    size_t nskip, capskip;
};

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

/* ---- walking the folder ---- */

static int keep_data(struct walk *w, bytes *b)
{
    if (w->ndata == w->capdata) {
        size_t cap = w->capdata ? w->capdata * 2 : 64;
        bytes *v = realloc(w->data, cap * sizeof *v);
        if (!v)
            return -1;
        w->data = v, w->capdata = cap;
    }
    w->data[w->ndata++] = *b;
    return 0;
}

static int note_skip(struct walk *w, const char *rel, const struct ignore_rule *rule, bool dir)
{
    if (w->nskip == w->capskip) {
        size_t cap = w->capskip ? w->capskip * 2 : 16;
        struct skipped *v = realloc(w->skip, cap * sizeof *v);
        if (!v)
            return -1;
        w->skip = v, w->capskip = cap;
    }
    w->skip[w->nskip++] = (struct skipped){ strdup(rel), rule, dir };
    return 0;
}

static int load_rules(struct walk *w, const char *abs, const char *rel, eb_err *err)
{
    char path[4096], source[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", abs, IGNORE_FILE_NAME) >= (int)sizeof path ||
        snprintf(source, sizeof source, "%s%s", rel, IGNORE_FILE_NAME) >= (int)sizeof source)
        return eb_fail(err, EB_USAGE, "%s: path too long", abs);
    if (!w->use_ignore || stat(path, &st) != 0)
        return 0;
    bytes b = { 0 };
    /* the rule's source string must outlive the rules: keep it with the data */
    bytes name = { 0 };
    if (file_read(path, 1 << 20, &b, err) || bytes_append(&name, source, strlen(source) + 1) ||
        keep_data(w, &name))
        return bytes_free(&b), bytes_free(&name), -1;
    int rc = ignore_add_text(&w->rules, (const char *)b.data, b.len, (const char *)name.data, rel, err);
    bytes_free(&b);
    return rc;
}

static int walk_dir(struct walk *w, const char *abs, const char *rel, eb_err *err);

static int take(struct walk *w, const char *abs, const char *rel, eb_err *err)
{
    struct stat st;
    if (stat(abs, &st) != 0)
        return eb_fail(err, EB_IO, "%s: %s", abs, strerror(errno));
    bool dir = S_ISDIR(st.st_mode);
    if (!dir && !S_ISREG(st.st_mode))
        return 0; /* sockets, devices, fifos: not files to deploy */
    const struct ignore_rule *rule = w->use_ignore ? ignore_rule_for(&w->rules, rel, dir) : NULL;
    if (rule && !rule->negate)
        return note_skip(w, rel, rule, dir) ? eb_fail(err, EB_IO, "out of memory") : 0;
    if (dir) {
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/", rel) >= (int)sizeof sub)
            return eb_fail(err, EB_USAGE, "%s: path too long", abs);
        return fs_tree_add(&w->tree, rel, true, NULL, 0, st.st_mtime, err) || walk_dir(w, abs, sub, err) ? -1
                                                                                                         : 0;
    }
    bytes b = { 0 };
    if (file_read(abs, MAX_FILE, &b, err) || keep_data(w, &b))
        return bytes_free(&b), -1;
    return fs_tree_add(&w->tree, rel, false, b.data, b.len, st.st_mtime, err);
}

static int walk_dir(struct walk *w, const char *abs, const char *rel, eb_err *err)
{
    if (load_rules(w, abs, rel, err))
        return -1;
    struct dirent **names;
    int n = scandir(abs, &names, NULL, alphasort), rc = 0;
    if (n < 0)
        return eb_fail(err, EB_IO, "%s: %s", abs, strerror(errno));
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            char a[4096], r[4096];
            if (snprintf(a, sizeof a, "%s/%s", abs, name) >= (int)sizeof a ||
                snprintf(r, sizeof r, "%s%s", rel, name) >= (int)sizeof r)
                rc = eb_fail(err, EB_USAGE, "%s/%s: path too long", abs, name);
            else
                rc = take(w, a, r, err);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < w->ndata; i++)
        bytes_free(&w->data[i]);
    for (size_t i = 0; i < w->nskip; i++)
        free(w->skip[i].path);
    free(w->data), free(w->skip);
    fs_tree_free(&w->tree);
    ignore_free(&w->rules);
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

static void print_skipped(const struct walk *w)
{
    for (size_t i = 0; i < w->nskip; i++) {
        const struct ignore_rule *r = w->skip[i].rule;
        printf("ignored %s%s  (%s:%u: %s)\n", w->skip[i].path, w->skip[i].dir ? "/" : "", r->source, r->line,
               r->pattern);
    }
}

static cJSON *skipped_json(const struct walk *w)
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

static void report(const struct fs_cli *o, const struct fs_build_result *r, const struct walk *w,
                   uint32_t size, const char *label)
{
    if (o->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "output", o->dry_run ? "" : o->out);
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
    struct walk w = { .use_ignore = !o->no_ignore };
    uint32_t size = 0;
    char label[17];
    struct stat st;
    if (stat(o->local, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_usage("fs build", "%s is not a folder; give the folder whose files go into the image",
                         o->local);
    if (resolve_size(o, &size, label, &err) || (w.use_ignore && ignore_add_defaults(&w.rules, &err)) ||
        walk_dir(&w, o->local, "", &err)) {
        walk_free(&w);
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
    walk_free(&w);
    return rc;
}
