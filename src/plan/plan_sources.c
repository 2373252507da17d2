/* plan_sources.c - reads what a plan is built from: folders (every file
 * identified by content), manifests and scripts (their ADDR FILE pairs,
 * refusing paths that escape their folder), explicit ADDR FILE pairs and
 * FILE@ADDR, and single firmware files. Reads files; never prints. */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/file.h"
#include "plan/manifest.h"
#include "plan/plan_internal.h"

#define PLAN_MAX_FILE         (64u << 20) /* the skip reason in scan_entry says "64 MB" */
#define PLAN_MAX_FOLDER_FILES 256
#define PLAN_MAX_DEPTH        2
#define HUGE_PAGE             ((uintptr_t)2 << 20)
#define ADDRESS_SPACE_END     0x100000000ull /* 4 GB: no flash address reaches it */

/* ---- small helpers ---------------------------------------------------- */

static void set_kind(struct plan *p, const char *kind)
{
    if (!p->source_kind[0])
        str_copy(p->source_kind, sizeof p->source_kind, kind);
    else if (strcmp(p->source_kind, kind) != 0)
        snprintf(p->source_kind, sizeof p->source_kind, "several sources");
}

static int join_path(char *out, size_t n, const char *dir, const char *name, eb_err *err)
{
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    if ((size_t)snprintf(out, n, "%s%s%s", dir, sep, name) >= n)
        return eb_fail(err, EB_IO, "path too long: %s/%s", dir, name);
    return 0;
}

void plan_dir_of(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == path)
        snprintf(out, n, "/");
    else
        snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static bool is_text(const bytes *b)
{
    return b->len > 0 && !memchr(b->data, 0, b->len);
}

/* ---- regions and skipped files ---------------------------------------- */

void plan_free_region(struct plan_region *r)
{
    bytes_free(&r->data);
    free(r->id);
    r->id = NULL;
}

static int add_skip(struct plan *p, const char *path, enum role role, const char *reason)
{
    struct plan_skip *s = realloc(p->skipped, (p->nskipped + 1) * sizeof *s);
    if (!s)
        return -1;
    p->skipped = s;
    s = &p->skipped[p->nskipped++];
    str_copy(s->path, sizeof s->path, path);
    s->role = role;
    str_copy(s->reason, sizeof s->reason, reason);
    return 0;
}

/* A folder's file that is not read at all. */
static int skip_file(struct plan *p, const char *path, const char *reason, eb_err *err)
{
    return add_skip(p, path, ROLE_UNKNOWN, reason) ? eb_fail(err, EB_IO, "out of memory") : 0;
}

void plan_drop_region(struct plan *p, unsigned i, const char *reason)
{
    struct plan_region *r = &p->regions[i];
    add_skip(p, r->path, r->id ? r->id->role : ROLE_UNKNOWN, reason);
    plan_free_region(r);
    memmove(r, r + 1, (p->nregions - i - 1) * sizeof *r);
    p->nregions--;
}

/* Size the buffer for the file up front (no regrowing), and ask for huge
 * pages for big ones: a 16 MB image then costs a few page faults, not 4096. */
static int reserve_for(const char *path, bytes *b)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > PLAN_MAX_FILE)
        return 0;
    if (bytes_reserve(b, (size_t)st.st_size + 1))
        return -1;
    uintptr_t start = ((uintptr_t)b->data + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)b->data + b->cap) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);
    return 0;
}

/* The bytes of the file to be written at `addr`: it must end below 4 GB. */
static int read_file_at(const char *path, uint32_t addr, bytes *data, eb_err *err)
{
    if (reserve_for(path, data))
        return eb_fail(err, EB_IO, "out of memory reading %s", path);
    int rc = file_read(path, PLAN_MAX_FILE, data, err);
    if (rc == 0 && (uint64_t)addr + data->len > ADDRESS_SPACE_END)
        rc = eb_fail(err, EB_USAGE, "%s at 0x%x would run past the 4 GB address space; check the address",
                     path, addr);
    if (rc)
        bytes_free(data);
    return rc;
}

struct plan_region *plan_new_region(struct plan *p, eb_err *err)
{
    struct plan_region *r = realloc(p->regions, (p->nregions + 1) * sizeof *r);
    if (!r) {
        eb_fail(err, EB_IO, "out of memory");
        return NULL;
    }
    p->regions = r;
    r = &p->regions[p->nregions];
    memset(r, 0, sizeof *r);
    if (!(r->id = malloc(sizeof *r->id))) {
        eb_fail(err, EB_IO, "out of memory");
        return NULL;
    }
    return r;
}

/* Read and identify one file into a new region. */
static int add_region(struct plan *p, const char *path, bool has_addr, uint32_t addr, eb_err *err)
{
    struct plan_region *r = plan_new_region(p, err);
    if (!r)
        return -1;
    int rc = (size_t)snprintf(r->path, sizeof r->path, "%s", path) >= sizeof r->path
                 ? eb_fail(err, EB_IO, "path too long: %s", path)
                 : read_file_at(path, addr, &r->data, err);
    if (rc) {
        plan_free_region(r);
        return -1;
    }
    fw_identify(r->data.data, r->data.len, r->id);
    r->addr = addr;
    r->explicit_addr = has_addr;
    p->nregions++;
    return 0;
}

static struct plan_region *last_region(struct plan *p)
{
    return &p->regions[p->nregions - 1];
}

/* ---- folders ---------------------------------------------------------- */

static bool role_is_placeable(enum role role)
{
    switch (role) {
    case ROLE_BOOTLOADER:
    case ROLE_APP:
    case ROLE_PARTITION_TABLE:
    case ROLE_PARTITION_CSV:
    case ROLE_PHY_INIT:
    case ROLE_OTADATA:
    case ROLE_NVS:
    case ROLE_LITTLEFS:
    case ROLE_FATFS:
    case ROLE_SPIFFS:
    case ROLE_MERGED: return true;
    default: return false;
    }
}

/* Files the plan cannot place by their role: why a folder's copy is not
 * written, and what to do with one given on its own. The last row serves
 * every role not listed. */
static const struct unplaceable {
    enum role role;
    const char *skip_reason;
    const char *fix;
} UNPLACEABLE[] = {
    { ROLE_ELF, "an ELF file: not flashable; the .bin built from it is what gets written",
      "convert it first: esptool.py elf2image FILE.elf" },
    { ROLE_UF2, "a UF2 file: for a UF2 drive, not for writing at an address",
      "copy it to the board's UF2 drive, or use the .bin build" },
    { ROLE_MANIFEST, "a manifest or script: give it to 'espburn plan' on its own to use its addresses",
      "give its address, e.g. espburn plan 0x10000 FILE" },
    { ROLE_ERASED, "all 0xFF: nothing to write", "it holds nothing to write" },
    { ROLE_UNKNOWN, "not firmware espburn recognises", "give its address, e.g. espburn plan 0x10000 FILE" },
};

static const struct unplaceable *unplaceable(enum role role)
{
    size_t last = sizeof UNPLACEABLE / sizeof UNPLACEABLE[0] - 1;
    for (size_t i = 0; i < last; i++)
        if (UNPLACEABLE[i].role == role)
            return &UNPLACEABLE[i];
    return &UNPLACEABLE[last];
}

/* A folder's file too damaged to place (an image cut inside its header
 * has no role left) still refuses the plan: leaving it out silently would
 * flash a board without it. */
static void refuse_damaged(struct plan *p, const struct plan_region *r)
{
    if (!r->id->problem[0])
        return;
    plan_add_finding(
        p, FIND_ERROR, "damaged", "The board gets the other files without this one; it may not boot.",
        "%s is damaged (%s: %s), so the plan leaves it out. Get an intact copy (download or build "
        "it again); --force plans without it.",
        plan_base_name(r->path), r->id->summary, r->id->problem);
}

static int scan_entry(struct plan *p, struct plan_ctx *c, const char *dir, const char *name, int depth,
                      eb_err *err)
{
    char path[PLAN_PATH_MAX];
    struct stat st;
    if (join_path(path, sizeof path, dir, name, err))
        return -1;
    if (stat(path, &st) != 0)
        return skip_file(p, path, "cannot be read", err);
    if (S_ISDIR(st.st_mode))
        return depth < PLAN_MAX_DEPTH ? plan_scan_folder(p, c, path, depth + 1, err) : 0;
    if (!S_ISREG(st.st_mode))
        return 0;
    if (++c->folder_files > PLAN_MAX_FOLDER_FILES)
        return eb_fail(err, EB_PROBLEM,
                       "the folder holds more than %d files; point espburn at the folder with just the "
                       "firmware, or list the files with their addresses",
                       PLAN_MAX_FOLDER_FILES);
    if ((uint64_t)st.st_size > PLAN_MAX_FILE)
        return skip_file(p, path, "larger than 64 MB: not firmware for one board", err);
    if (add_region(p, path, false, 0, err))
        return -1;
    enum role role = last_region(p)->id->role;
    if (!role_is_placeable(role)) {
        refuse_damaged(p, last_region(p));
        plan_drop_region(p, p->nregions - 1, unplaceable(role)->skip_reason);
    }
    return 0;
}

int plan_scan_folder(struct plan *p, struct plan_ctx *c, const char *dir, int depth, eb_err *err)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return eb_fail(err, EB_IO, "cannot read the folder %s: %s", dir, strerror(errno));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0 && names[i]->d_name[0] != '.')
            rc = scan_entry(p, c, dir, names[i]->d_name, depth, err);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* ---- manifests -------------------------------------------------------- */

/* The file a manifest names must resolve (symlinks too) inside its folder. */
static int check_inside(const char *dir, const char *file, const char *manifest, const char *named,
                        eb_err *err)
{
    char rdir[PATH_MAX], rfile[PATH_MAX];
    if (!realpath(dir, rdir))
        return eb_fail(err, EB_IO, "cannot open the folder %s: %s", dir, strerror(errno));
    if (!realpath(file, rfile))
        return eb_fail(err, EB_IO, "%s names %s, which cannot be opened: %s", manifest, named,
                       strerror(errno));
    size_t n = strlen(rdir);
    bool inside = strncmp(rfile, rdir, n) == 0 && (rfile[n] == '/' || (n == 1 && rdir[0] == '/'));
    if (!inside)
        return eb_fail(err, EB_PROBLEM,
                       "%s names '%s', which is outside the manifest's folder; espburn refuses to read it. "
                       "Keep the firmware files next to the manifest",
                       manifest, named);
    return 0;
}

void plan_copy_setting(char *dst, size_t n, const char *src)
{
    if (!dst[0] && src[0])
        str_copy(dst, n, src);
}

static int add_manifest_entries(struct plan *p, struct plan_ctx *c, const char *path,
                                const struct manifest *m, eb_err *err)
{
    char dir[PLAN_PATH_MAX], file[2 * PLAN_PATH_MAX];
    plan_dir_of(path, dir, sizeof dir);
    for (unsigned i = 0; i < m->n; i++) {
        const struct mf_entry *e = &m->e[i];
        if (!mf_path_is_contained(e->path))
            return eb_fail(
                err, EB_PROBLEM,
                "%s names '%s', which is outside the manifest's folder; espburn refuses to read it. "
                "Keep the firmware files next to the manifest",
                path, e->path);
        if (join_path(file, sizeof file, dir, e->path, err) || check_inside(dir, file, path, e->path, err) ||
            add_region(p, file, true, e->addr, err))
            return -1;
    }
    set_kind(p, m->kind);
    if (m->chip[0] && !c->manifest_chip)
        c->manifest_chip = chip_by_name(m->chip);
    plan_copy_setting(p->flash_mode, sizeof p->flash_mode, m->flash_mode);
    plan_copy_setting(p->flash_freq, sizeof p->flash_freq, m->flash_freq);
    plan_copy_setting(p->flash_size, sizeof p->flash_size, m->flash_size);
    return 0;
}

static int add_manifest(struct plan *p, struct plan_ctx *c, const char *path, const bytes *text, bool sure,
                        eb_err *err)
{
    struct manifest *m = malloc(sizeof *m);
    if (!m)
        return eb_fail(err, EB_IO, "out of memory");
    int rc = mf_parse((const char *)text->data, text->len, c->opts->chip, m, err);
    if (rc && err && err->code == EB_PROBLEM && !sure)
        eb_fail(err, EB_PROBLEM,
                "cannot tell what %s is (not firmware, not a manifest); if it is firmware, give its "
                "address: espburn plan 0x10000 %s",
                path, path);
    else if (rc)
        eb_wrap(err, "%s", path);
    else
        rc = add_manifest_entries(p, c, path, m, err);
    free(m);
    return rc;
}

/* ---- sources ---------------------------------------------------------- */

/* A file given without an address: firmware placed by its role, or a
 * manifest/script whose pairs are read. */
static int add_source_file(struct plan *p, struct plan_ctx *c, const char *path, eb_err *err)
{
    if (add_region(p, path, false, 0, err))
        return -1;
    struct plan_region *r = last_region(p);
    enum role role = r->id->role;
    if (role_is_placeable(role)) {
        set_kind(p, "files");
        return 0;
    }
    int rc;
    if ((role == ROLE_MANIFEST || role == ROLE_UNKNOWN) && is_text(&r->data)) {
        bytes text = r->data;
        r->data = (bytes){ 0 };
        plan_free_region(r);
        p->nregions--;
        rc = add_manifest(p, c, path, &text, role == ROLE_MANIFEST, err);
        bytes_free(&text);
        return rc;
    }
    rc = eb_fail(err, EB_PROBLEM, "%s is %s; espburn cannot tell where it goes: %s", path,
                 r->id->summary[0] ? r->id->summary : role_name(role), unplaceable(role)->fix);
    plan_free_region(r);
    p->nregions--;
    return rc;
}

/* A folder: an ESP-IDF build folder by its flasher_args.json (the build
 * says where everything goes), any other by the content of its files. */
static int add_folder(struct plan *p, struct plan_ctx *c, const char *dir, eb_err *err)
{
    char args[PLAN_PATH_MAX + sizeof "/flasher_args.json"];
    struct stat st;
    if (join_path(args, sizeof args, dir, "flasher_args.json", err))
        return -1;
    if (stat(args, &st) == 0 && S_ISREG(st.st_mode)) {
        plan_add_finding(p, FIND_INFO, "build-folder", NULL,
                         "%s is an ESP-IDF build folder; the plan follows its flasher_args.json.", dir);
        return add_source_file(p, c, args, err);
    }
    set_kind(p, "folder");
    return plan_scan_folder(p, c, dir, 0, err);
}

/* Digits of an address (0x... hex or decimal), whether or not it fits in 32 bits. */
static bool looks_like_addr(const char *s)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *d = hex ? s + 2 : s;
    if (!*d)
        return false;
    for (; *d; d++)
        if (hex ? !isxdigit((unsigned char)*d) : !isdigit((unsigned char)*d))
            return false;
    return true;
}

/* An address that is written as one but does not fit: a usage error, not a file name. */
static int check_addr_fits(const char *arg, eb_err *err)
{
    const char *at = strrchr(arg, '@');
    const char *a = at ? at + 1 : arg;
    uint32_t addr;
    if (!looks_like_addr(a) || mf_parse_addr(a, &addr))
        return 0;
    return eb_fail(err, EB_USAGE,
                   "address %s%s%s is beyond the 32-bit address space; give one up to 0xFFFFFFFF", a,
                   at ? " in " : "", at ? arg : "");
}

/* "FILE@ADDR": true with the split parts when the suffix is an address. */
static bool split_at_addr(const char *arg, char *file, size_t n, uint32_t *addr)
{
    const char *at = strrchr(arg, '@');
    if (!at || at == arg || !mf_parse_addr(at + 1, addr) || (size_t)(at - arg) >= n)
        return false;
    snprintf(file, n, "%.*s", (int)(at - arg), arg);
    return true;
}

int plan_add_sources(struct plan *p, struct plan_ctx *c, int nsrc, char **src, eb_err *err)
{
    for (int i = 0; i < nsrc; i++) {
        uint32_t addr;
        char file[PLAN_PATH_MAX];
        struct stat st;
        int rc;
        if (mf_parse_addr(src[i], &addr)) {
            if (i + 1 >= nsrc)
                return eb_fail(err, EB_USAGE, "address %s has no file after it", src[i]);
            rc = add_region(p, src[++i], true, addr, err);
            set_kind(p, "files");
        } else if (stat(src[i], &st) != 0 && split_at_addr(src[i], file, sizeof file, &addr)) {
            rc = add_region(p, file, true, addr, err);
            set_kind(p, "files");
        } else if (stat(src[i], &st) != 0) {
            int e = errno;
            rc = check_addr_fits(src[i], err)
                     ? -1
                     : eb_fail(err, EB_IO, "cannot open %s: %s", src[i], strerror(e));
        } else if (S_ISDIR(st.st_mode)) {
            rc = add_folder(p, c, src[i], err);
        } else {
            rc = add_source_file(p, c, src[i], err);
        }
        if (rc)
            return -1;
    }
    if (p->nregions == 0)
        return eb_fail(err, EB_PROBLEM, "no firmware found in %s; nothing to write",
                       nsrc ? src[0] : "the sources");
    return 0;
}
