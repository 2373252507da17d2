/* cmd_fs.c - `espburn fs build|ls|tree|df|cat|get`: filesystem images
 * (LittleFS, FAT with or without wear levelling, SPIFFS) built from a
 * folder, and read from an image file or a whole-flash dump (`espburn read`
 * output or a merged image: the partition found in its table at 0x8000). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_options.h"
#include "cli/cli_device.h"
#include "cli/cli_fs.h"
#include "common/clock.h"
#include "common/file.h"
#include "device/device_fs.h"
#include "image/identify.h"
#include "image/part_table.h"
#include "plan/plan_fsdir.h"

#define MAX_IMAGE (256u << 20)

static const char usage[] =
    "usage: espburn fs build DIR -o IMG --type TYPE (--size N | --table TABLE|PLAN [--partition NAME])\n"
    "                [--sector-size 512|4096] [--no-ignore] [-n] [-v] [--json]\n"
    "       espburn fs ls (IMAGE | -p PORT) [:PATH] [-r] [--json]  list a folder (-r: everything below)\n"
    "       espburn fs tree (IMAGE | -p PORT) [:PATH]              the folders as a tree\n"
    "       espburn fs df (IMAGE | -p PORT) [--json]               size, used and free space\n"
    "       espburn fs cat (IMAGE | -p PORT) :PATH                 a file's bytes on stdout\n"
    "       espburn fs get (IMAGE | -p PORT) :PATH LOCAL           copy a file, or a folder and all below it\n\n"
    "TYPE is littlefs (MicroPython's default on ESP32), fat (FAT directly on the partition), fat-wl\n"
    "(FAT in ESP-IDF's wear-levelling layer, what ESP-IDF mounts) or spiffs (LoBo's MicroPython).\n"
    "build: the image for a partition of --size bytes, or of the partition NAME in a partition\n"
    "  table (.bin or .csv), a merged image, a flash dump or a firmware folder/plan with one (the\n"
    "  only filesystem partition when --partition is not given). Files matched by .espburnignore\n"
    "  (gitignore syntax, in any folder) or the defaults (.git/, __pycache__/, *.pyc, .DS_Store,\n"
    "  editor swap files) are left out: -v lists them and why, --no-ignore keeps everything,\n"
    "  -n builds without writing. Refused (exit 1), naming the biggest files, when it does not fit.\n"
    "IMAGE: a filesystem image, or a whole-flash dump / merged image whose partition table at\n"
    "  0x8000 locates the partition (--partition NAME when there are several). The type is found\n"
    "  by content unless --type is given.\n"
    "-p PORT: the board's partition, read over the ROM protocol in download mode (the firmware need\n"
    "  not boot: rescue with 'espburn fs get -p PORT :/ rescued/'): its table at 0x8000, then only\n"
    "  the blocks the filesystem needs, each MD5-checked. --partition NAME when there are several.\n\n"
    "exit: 0 ok, 1 refused or a damaged filesystem, 2 usage error, 3 a file, port or board failed\n";

/* ---- options ---- */

static int parse_opts(int argc, char **argv, struct fs_cli *o, int *first_pos)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' }, { "type", required_argument, NULL, 't' },
        { "size", required_argument, NULL, 's' },   { "partition", required_argument, NULL, 'P' },
        { "table", required_argument, NULL, 'T' },  { "sector-size", required_argument, NULL, 'S' },
        { "no-ignore", no_argument, NULL, 'I' },    { "json", no_argument, NULL, 'j' },
        { "recursive", no_argument, NULL, 'r' },    { "dry-run", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
    };
    int c, t;
    optind = 1;
    o->verbose = cli_out.verbose; /* -v is a shared option */
    while ((c = getopt_long(argc, argv, "o:t:s:rnh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 't':
            if ((t = fs_type_parse(optarg)) <= 0)
                return cli_usage("fs", "--type '%s' is not littlefs, fat, fat-wl or spiffs", optarg);
            o->type = (enum fs_type)t;
            break;
        case 's':
            if (cli_parse_number("fs", "--size", optarg, &o->size))
                return EB_USAGE;
            break;
        case 'S':
            if (cli_parse_number("fs", "--sector-size", optarg, &o->sector_size))
                return EB_USAGE;
            break;
        case 'P': o->partition = optarg; break;
        case 'T': o->table = optarg; break;
        case 'I': o->no_ignore = true; break;
        case 'j': o->json = true; break;
        case 'r': o->recursive = true; break;
        case 'n': o->dry_run = true; break;
        case 'h': cli_print_help(usage); return -1;
        default: return cli_usage("fs", "see the options above");
        }
    }
    *first_pos = optind;
    return 0;
}

/* Positionals after the subcommand: IMAGE or DIR, :PATH, LOCAL. */
static int take_positionals(int n, char **pos, struct fs_cli *o)
{
    for (int i = 0; i < n; i++) {
        if (pos[i][0] == ':' && !o->path)
            o->path = pos[i] + 1;
        else if (!o->image && !o->path)
            o->image = pos[i];
        else if (!o->local && o->path)
            o->local = pos[i];
        else
            return cli_usage("fs", "unexpected argument '%s'", pos[i]);
    }
    return 0;
}

static int check_build_args(struct fs_cli *o)
{
    o->local = o->image, o->image = NULL;
    if (!o->local || o->path)
        return cli_usage("fs build", "give the folder to put in the image: espburn fs build DIR -o IMG ...");
    if (!o->out && !o->dry_run)
        return cli_usage("fs build", "give the image to write with -o IMG (or -n to only check)");
    if (o->type == FS_AUTO)
        return cli_usage("fs build",
                         "say which filesystem the firmware mounts: --type littlefs, fat, fat-wl or "
                         "spiffs (MicroPython on ESP32: littlefs; LoBo's: spiffs)");
    if (!o->size == !o->table)
        return cli_usage("fs build", "give the partition's size with --size N, or --table TABLE|PLAN (and "
                                     "--partition NAME), not both");
    if (o->partition && !o->table)
        return cli_usage("fs build", "--partition needs --table TABLE|PLAN to find it in");
    return 0;
}

/* The device options (-p, -b, --before, --stub, --json, -q...) go to
 * o->dev; the rest, the subcommand first, to rest[]. */
static int split_device_opts(int argc, char **argv, struct fs_cli *o, char **rest, int *nrest)
{
    cli_device_opts_init(&o->dev, DEVICE_AFTER_STAY);
    o->dev.stub_auto = true;
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        int r = i > 0 ? cli_device_parse_opt(&o->dev, "fs", argc, argv, &i) : 0;
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        rest[(*nrest)++] = argv[i];
    }
    o->json = o->dev.json;
    o->board = o->dev.nports > 0;
    return 0;
}

static int check_read_args(struct fs_cli *o)
{
    if (o->board && o->image)
        return cli_usage("fs", "give IMAGE or -p PORT, not both ('%s' was taken for IMAGE)", o->image);
    o->board = o->board || (!o->image && cli_config_port().value); /* ESPBURN_PORT or the config file's */
    if (!o->image && !o->board)
        return cli_usage("fs",
                         "give the image or flash dump to read, or -p PORT to read the board's partition");
    if (o->board && cli_device_opts_finish(&o->dev, "fs"))
        return EB_USAGE;
    bool wants_path = strcmp(o->sub, "cat") == 0 || strcmp(o->sub, "get") == 0;
    if (wants_path && !o->path)
        return cli_usage("fs", "give the file to read as :PATH (e.g. :/main.py)");
    if (strcmp(o->sub, "get") == 0 && !o->local)
        return cli_usage("fs", "give where to copy to: espburn fs get (IMAGE | -p PORT) :PATH LOCAL");
    if (strcmp(o->sub, "get") != 0 && o->local)
        return cli_usage("fs", "unexpected argument '%s'", o->local);
    return 0;
}

/* ---- the image: a file, or a partition of a dump ---- */

struct source {
    bytes part;             /* the partition's bytes (the whole file when it is the image) */
    uint64_t off;           /* where they start in the file (on the board: in its flash) */
    char label[17];         /* the partition's label; "" when the file is the image itself */
    struct fs_vol img;      /* IMAGE's filesystem */
    struct device d;        /* -p: the board */
    bool connected;         /* d must be closed */
    struct device_fs board; /* -p: its partition, read on demand */
    struct fs_vol *v;       /* the filesystem read: &img or &board.vol */
    int64_t t0;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t n, eb_err *err)
{
    const struct source *s = ctx;
    if (off > s->part.len || n > s->part.len - off)
        return eb_fail(err, EB_PROBLEM, "read past the end of the image");
    memcpy(buf, s->part.data + off, n);
    return 0;
}

static enum fs_type type_of_role(enum role r)
{
    return r == ROLE_LITTLEFS ? FS_LITTLEFS
           : r == ROLE_FATFS  ? FS_FAT
           : r == ROLE_SPIFFS ? FS_SPIFFS
                              : FS_AUTO;
}

/* The partition of a dump: the one named, or the only filesystem one. */
static int pick_partition(const struct fs_cli *o, const struct part_table *t, uint64_t file_len,
                          const struct partition **out, eb_err *err)
{
    unsigned nfs;
    const struct partition *hit = pt_find_fs(t, o->partition, &nfs);
    if (!hit)
        return eb_fail(err, EB_USAGE, "%s: the partition table has no %s%s", o->image,
                       o->partition ? "partition named " : "filesystem partition",
                       o->partition ? o->partition : "");
    if (!o->partition && nfs > 1)
        return eb_fail(err, EB_USAGE, "%s has %u filesystem partitions; say which with --partition NAME",
                       o->image, nfs);
    if ((uint64_t)hit->offset + hit->size > file_len)
        return eb_fail(err, EB_PROBLEM,
                       "partition %s (0x%x, %u bytes) ends past the dump's %llu bytes; read the whole flash",
                       hit->label, hit->offset, hit->size, (unsigned long long)file_len);
    *out = hit;
    return 0;
}

static int read_at(FILE *f, const char *path, uint64_t off, size_t n, bytes *out, eb_err *err)
{
    if (bytes_reserve(out, n + 1))
        return eb_fail(err, EB_IO, "out of memory reading %s", path);
    if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(out->data, 1, n, f) != n)
        return eb_fail(err, EB_IO, "%s: cannot read %zu bytes at 0x%llx", path, n, (unsigned long long)off);
    out->len = n;
    return 0;
}

/* Is the file a flash dump (a partition table at 0x8000, and not itself a
 * filesystem image)? Fills t. Reads the table and the first 16 KB only. */
static bool is_dump(FILE *f, const char *path, uint64_t len, struct part_table *t)
{
    bytes head = { 0 }, row = { 0 };
    bool dump = false;
    if (len >= PT_DEFAULT_OFFSET + PT_MAX_LEN &&
        read_at(f, path, PT_DEFAULT_OFFSET, PT_MAX_LEN, &row, NULL) == 0 && pt_row_is_entry(row.data) &&
        pt_parse_bin(row.data, row.len, t, NULL) == 0 && read_at(f, path, 0, 16384, &head, NULL) == 0) {
        struct fw_ident *id = malloc(sizeof *id);
        if (id)
            fw_identify(head.data, head.len, id);
        dump = id && type_of_role(id->role) == FS_AUTO;
        free(id);
    }
    bytes_free(&head), bytes_free(&row);
    return dump;
}

/* Read the partition (of a dump) or the whole image into s->part. */
static int load_source(const struct fs_cli *o, struct source *s, eb_err *err)
{
    FILE *f = fopen(o->image, "rb");
    if (!f)
        return eb_fail(err, EB_IO, "cannot open %s: %s", o->image, strerror(errno));
    struct stat st;
    struct part_table *t = malloc(sizeof *t);
    int rc = t && fstat(fileno(f), &st) == 0 ? 0 : eb_fail(err, EB_IO, "cannot read %s", o->image);
    if (rc == 0 && (uint64_t)st.st_size > MAX_IMAGE)
        rc = eb_fail(err, EB_USAGE, "%s is bigger than any ESP32 flash (%lld bytes)", o->image,
                     (long long)st.st_size);
    if (rc == 0 && is_dump(f, o->image, (uint64_t)st.st_size, t)) {
        const struct partition *p = NULL;
        rc = pick_partition(o, t, (uint64_t)st.st_size, &p, err);
        if (rc == 0 && (rc = read_at(f, o->image, p->offset, p->size, &s->part, err)) == 0)
            s->off = p->offset, snprintf(s->label, sizeof s->label, "%s", p->label);
    } else if (rc == 0)
        rc = read_at(f, o->image, 0, (size_t)st.st_size, &s->part, err);
    free(t);
    fclose(f);
    return rc;
}

static int locate(struct source *s, const struct fs_cli *o, enum fs_type *type, eb_err *err)
{
    if (o->type != FS_AUTO) {
        *type = o->type;
        return 0;
    }
    struct fw_ident *id = malloc(sizeof *id);
    if (!id)
        return eb_fail(err, EB_IO, "out of memory");
    fw_identify(s->part.data, s->part.len, id);
    *type = type_of_role(id->role);
    int rc = 0;
    if (*type == FS_AUTO && s->label[0])
        rc = eb_fail(err, EB_PROBLEM,
                     "partition %s holds no filesystem espburn knows (%s); give --type if you know "
                     "better",
                     s->label, id->role == ROLE_ERASED ? "it is erased" : id->summary);
    else if (*type == FS_AUTO)
        rc = eb_fail(err, EB_PROBLEM,
                     "%s is no filesystem image nor a flash dump with a partition table (%s); "
                     "give --type if you know better",
                     o->image, id->summary);
    free(id);
    return rc;
}

static int open_image(const struct fs_cli *o, struct source *s, eb_err *err)
{
    enum fs_type type;
    if (load_source(o, s, err) || locate(s, o, &type, err))
        return -1;
    struct fs_dev dev = { .read = mem_read, .ctx = s, .size = s->part.len };
    if (fs_open(&s->img, type, &dev, err))
        return eb_wrap(err, "%s%s%s", o->image, s->label[0] ? " partition " : "", s->label);
    s->v = &s->img;
    return 0;
}

/* -p: connect in download mode (the firmware need not boot), then the
 * partition from the board's table, read on demand. */
static int open_board(const struct fs_cli *o, struct source *s, eb_err *err)
{
    s->t0 = eb_now_ms();
    s->connected = true;
    s->board.d = &s->d;
    if (cli_device_connect(&o->dev, o->dev.ports[0], &s->d, err) ||
        device_fs_open(&s->board, o->partition, o->type, err))
        return -1;
    s->off = s->board.part.offset;
    snprintf(s->label, sizeof s->label, "%s", s->board.part.label);
    s->v = &s->board.vol;
    return 0;
}

static void close_source(struct source *s)
{
    if (s->v == &s->img)
        fs_close(&s->img);
    device_fs_close(&s->board);
    if (s->connected)
        device_close(&s->d);
    bytes_free(&s->part);
}

/* -p, not --json or -q: what was read off the board, on stderr. */
static void print_fetched(const struct fs_cli *o, const struct source *s)
{
    if (!o->board || o->json || o->dev.quiet)
        return;
    char got[32], size[32];
    cli_format_size(got, sizeof got, s->board.fetched);
    cli_format_size(size, sizeof size, s->board.part.size);
    fprintf(stderr, "read %s bytes of partition %s (%s bytes at 0x%x) in %u reads, %.1f s\n", got, s->label,
            size, s->board.part.offset, s->board.reads, (eb_now_ms() - s->t0) / 1000.0);
}

/* ---- ls, tree, df ---- */

static void path_join(char *out, size_t n, const char *dir, const char *name)
{
    if (snprintf(out, n, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name) >= (int)n)
        out[n - 1] = 0; /* cut: names are at most 255 bytes and folders nest at most 64 deep */
}

static void print_entry(const struct fs_node *k, const char *path)
{
    char when[32] = "";
    if (k->mtime >= 0) {
        time_t t = (time_t)k->mtime;
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
    }
    if (k->dir)
        printf("%10s  %-16s  %s/\n", "", when, path);
    else
        printf("%10llu  %-16s  %s\n", (unsigned long long)k->size, when, path);
}

static cJSON *entry_json(const struct fs_node *k, const char *path)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", k->name);
    cJSON_AddStringToObject(e, "path", path);
    cJSON_AddStringToObject(e, "type", k->dir ? "dir" : "file");
    cJSON_AddNumberToObject(e, "size", (double)k->size);
    if (k->mtime >= 0)
        cJSON_AddNumberToObject(e, "mtime", (double)k->mtime);
    else
        cJSON_AddNullToObject(e, "mtime");
    return e;
}

static void list(const struct fs_node *dir, const char *path, bool recursive, cJSON *json)
{
    for (size_t i = 0; i < dir->nkids; i++) {
        char p[4096];
        path_join(p, sizeof p, path, dir->kids[i].name);
        if (json)
            cJSON_AddItemToArray(json, entry_json(&dir->kids[i], p));
        else
            print_entry(&dir->kids[i], p);
        if (recursive && dir->kids[i].dir)
            list(&dir->kids[i], p, true, json);
    }
}

static cJSON *vol_json(const struct fs_cli *o, const struct source *s, const struct fs_vol *v)
{
    cJSON *doc = cJSON_CreateObject();
    if (o->board) {
        cJSON_AddStringToObject(doc, "port", s->d.port_name);
        cJSON_AddNumberToObject(doc, "bytes_read", (double)s->board.fetched);
    } else
        cJSON_AddStringToObject(doc, "image", o->image);
    cJSON_AddStringToObject(doc, "partition", s->label);
    cJSON_AddNumberToObject(doc, "offset", (double)s->off);
    cJSON_AddStringToObject(doc, "type", fs_type_name(v->type));
    cJSON_AddStringToObject(doc, "detail", v->detail);
    return doc;
}

static int do_ls(const struct fs_cli *o, const struct source *s, struct fs_vol *v, const struct fs_node *n,
                 const char *path)
{
    cJSON *doc = o->json ? vol_json(o, s, v) : NULL, *arr = o->json ? cJSON_CreateArray() : NULL;
    if (n->dir)
        list(n, path, o->recursive, arr);
    else if (arr)
        cJSON_AddItemToArray(arr, entry_json(n, path));
    else
        print_entry(n, path);
    if (doc) {
        cJSON_AddStringToObject(doc, "path", path);
        cJSON_AddItemToObject(doc, "entries", arr);
        cli_print_json(doc);
    }
    return EB_OK;
}

static void tree(const struct fs_node *dir, int depth)
{
    for (size_t i = 0; i < dir->nkids; i++) {
        const struct fs_node *k = &dir->kids[i];
        if (k->dir) {
            printf("%*s%s/\n", 2 * depth, "", k->name);
            tree(k, depth + 1);
        } else
            printf("%*s%s  (%llu)\n", 2 * depth, "", k->name, (unsigned long long)k->size);
    }
}

static int do_df(const struct fs_cli *o, const struct source *s, const struct fs_vol *v)
{
    const struct fs_usage *u = &v->usage;
    uint64_t free_b = u->total > u->used ? u->total - u->used : 0;
    if (o->json) {
        cJSON *doc = vol_json(o, s, v);
        cJSON_AddNumberToObject(doc, "total", (double)u->total);
        cJSON_AddNumberToObject(doc, "used", (double)u->used);
        cJSON_AddNumberToObject(doc, "free", (double)free_b);
        cJSON_AddNumberToObject(doc, "block_size", u->block_size);
        cli_print_json(doc);
        return EB_OK;
    }
    char t[32], us[32], f[32];
    cli_format_size(t, sizeof t, u->total), cli_format_size(us, sizeof us, u->used);
    cli_format_size(f, sizeof f, free_b);
    printf("%-8s %14s %14s %14s  use%%\n", "type", "size", "used", "free");
    printf("%-8s %14s %14s %14s  %3llu%%\n", fs_type_name(v->type), t, us, f,
           u->total ? (unsigned long long)(u->used * 100 / u->total) : 0ull);
    printf("%s%s%s\n", v->detail, s->label[0] ? "; partition " : "", s->label);
    return EB_OK;
}

/* ---- cat, get ---- */

static int do_cat(struct fs_vol *v, const struct fs_node *n, eb_err *err)
{
    bytes b = { 0 };
    if (fs_read(v, n, &b, err))
        return cli_fail(err);
    if (b.len)
        fwrite(b.data, 1, b.len, stdout);
    bytes_free(&b);
    return EB_OK;
}

static int do_get(const struct fs_cli *o, struct fs_vol *v, const struct fs_node *n, const char *path,
                  eb_err *err)
{
    char local[4096];
    struct stat st;
    bool into = !n->dir && stat(o->local, &st) == 0 && S_ISDIR(st.st_mode);
    if (snprintf(local, sizeof local, "%s%s%s", o->local, into ? "/" : "", into ? n->name : "") >=
        (int)sizeof local)
        return cli_usage("fs get", "%s: path too long", o->local);
    size_t files = 0;
    uint64_t bytes = 0;
    if (plan_fsdir_write(v, n, local, &files, &bytes, err)) {
        int rc = cli_fail(err);
        if (files)
            fprintf(stderr, "espburn: %zu files were copied into %s before that\n", files, local);
        return rc;
    }
    if (o->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "path", path);
        cJSON_AddStringToObject(doc, "file", local);
        cJSON_AddNumberToObject(doc, "files", (double)files);
        cJSON_AddNumberToObject(doc, "size", (double)bytes);
        cli_print_json(doc);
        return EB_OK;
    }
    char b[32];
    cli_format_size(b, sizeof b, bytes);
    printf("copied %zu file%s, %s bytes, into %s\n", files, files == 1 ? "" : "s", b, local);
    return EB_OK;
}

static int run_op(const struct fs_cli *o, struct source *s, const char *path, eb_err *err)
{
    struct fs_vol *v = s->v;
    const struct fs_node *n = fs_lookup(v, path);
    if (!n) {
        eb_fail(err, EB_PROBLEM, "%s is not in the filesystem; 'espburn fs ls %s%s' lists what is", path,
                o->board ? "-p " : "", o->board ? o->dev.ports[0] : o->image);
        return cli_fail(err);
    }
    if (strcmp(o->sub, "ls") == 0)
        return do_ls(o, s, v, n, path);
    if (strcmp(o->sub, "tree") == 0)
        return printf("%s\n", path), tree(n, 1), EB_OK;
    if (strcmp(o->sub, "df") == 0)
        return do_df(o, s, v);
    if (strcmp(o->sub, "cat") == 0)
        return do_cat(v, n, err);
    return do_get(o, v, n, path, err);
}

static int run_read(struct fs_cli *o)
{
    eb_err err = { 0 };
    struct source s = { 0 };
    if (o->board ? open_board(o, &s, &err) : open_image(o, &s, &err)) {
        close_source(&s);
        return o->board ? cli_device_fail(&o->dev, &err) : cli_fail(&err);
    }
    int rc = run_op(o, &s, o->path && o->path[0] ? o->path : "/", &err);
    print_fetched(o, &s);
    if (rc == EB_OK && o->board && cli_device_finish(&o->dev, &s.d, &err))
        rc = cli_device_fail(&o->dev, &err);
    close_source(&s);
    return rc;
}

int cmd_fs(int argc, char **argv)
{
    static const char *const subs[] = { "build", "ls", "tree", "df", "cat", "get" };
    if (argc < 2) {
        fputs(usage, stderr);
        return EB_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_print_help(usage), EB_OK;
    struct fs_cli o = { .sub = argv[1] };
    bool known = false;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        known |= strcmp(argv[1], subs[i]) == 0;
    if (!known)
        return cli_usage("fs", "unknown subcommand '%s' (build, ls, tree, df, cat, get)", argv[1]);
    char **rest = calloc((size_t)argc, sizeof *rest);
    int nrest = 0, first = 1, rc = rest ? split_device_opts(argc - 1, argv + 1, &o, rest, &nrest) : EB_IO;
    if (rc == 0)
        rc = parse_opts(nrest, rest, &o, &first);
    if (rc == 0)
        rc = take_positionals(nrest - first, rest + first, &o);
    free(rest);
    if (rc)
        return rc < 0 ? EB_OK : rc;
    if (strcmp(o.sub, "build") == 0 && o.board)
        return cli_usage("fs build",
                         "build writes an image file; flash it (or use 'espburn flash SOURCE --fs "
                         "DIR') to put it on a board");
    if (strcmp(o.sub, "build") == 0)
        return check_build_args(&o) ? EB_USAGE : cli_fs_build(&o);
    return check_read_args(&o) ? EB_USAGE : run_read(&o);
}
