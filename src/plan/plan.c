/* plan.c - builds the flash plan: takes the regions read from the sources
 * (plan_sources.c), decides the chip and the partition table, places the
 * files that came without an address by their role (the chip's bootloader
 * offset, the table's partitions), then hands the plan to the checks
 * (plan_check.c). Never prints. */
#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_internal.h"

/* ---- small helpers ---------------------------------------------------- */

const char *plan_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void plan_converted_name(const char *csv, char *out, size_t n)
{
    const char *dot = strrchr(plan_base_name(csv), '.');
    size_t stem = dot ? (size_t)(dot - csv) : strlen(csv);
    snprintf(out, n, "%.*s.bin", (int)(stem < n - 5 ? stem : n - 5), csv);
}

const struct plan_region *plan_find_role(const struct plan *p, enum role role)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].id && p->regions[i].id->role == role)
            return &p->regions[i];
    return NULL;
}

int plan_add_finding(struct plan *p, enum finding_level level, const char *code, const char *effect,
                     const char *fmt, ...)
{
    struct finding *f = realloc(p->findings, (p->nfindings + 1) * sizeof *f);
    if (!f)
        return -1;
    p->findings = f;
    f = &p->findings[p->nfindings++];
    memset(f, 0, sizeof *f);
    f->level = level;
    str_copy(f->code, sizeof f->code, code);
    str_copy(f->effect, sizeof f->effect, effect ? effect : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof f->text, fmt, ap);
    va_end(ap);
    if (level == FIND_ERROR)
        p->refused = true;
    return 0;
}

/* ---- deciding: chip, table, addresses --------------------------------- */

static const struct chip *chip_of_role(const struct plan *p, enum role role)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].id->chip && (role == ROLE_UNKNOWN || p->regions[i].id->role == role))
            return p->regions[i].id->chip;
    return NULL;
}

static void decide_chip(struct plan *p, const struct plan_ctx *c)
{
    p->chip = c->opts->chip ? c->opts->chip : c->manifest_chip;
    if (!p->chip)
        p->chip = chip_of_role(p, ROLE_BOOTLOADER);
    if (!p->chip)
        p->chip = chip_of_role(p, ROLE_APP);
    if (!p->chip)
        p->chip = chip_of_role(p, ROLE_UNKNOWN);
    if (!p->chip) {
        p->chip = chip_default();
        p->chip_assumed = true;
        plan_add_finding(p, FIND_INFO, "chip-assumed", NULL,
                         "Nothing in the plan says which chip it is for; espburn assumes %s. "
                         "Pass --chip if the board is another one.",
                         p->chip->display);
    }
}

static int find_role_index(const struct plan *p, enum role role)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].id->role == role)
            return (int)i;
    return -1;
}

/* A partition CSV becomes the binary table the bootloader reads. */
static int convert_csv(struct plan *p, struct plan_region *r, eb_err *err)
{
    bytes bin = { 0 };
    if (pt_to_bin(&r->id->table, &bin, err))
        return eb_wrap(err, "converting %s", r->path);
    bytes_free(&r->data);
    r->data = bin;
    r->converted = true;
    fw_identify(r->data.data, r->data.len, r->id);
    char bin_name[PLAN_PATH_MAX];
    plan_converted_name(r->path, bin_name, sizeof bin_name);
    plan_add_finding(
        p, FIND_INFO, "table-from-csv", NULL,
        "No binary partition table was given; espburn converts %s to the binary form (as ESP-IDF's "
        "gen_esp32part.py does) and writes that. For esptool, create it first: espburn table "
        "csv2bin %s %s",
        plan_base_name(r->path), r->path, bin_name);
    return 0;
}

/* The table in a merged image, so that regions can be named. */
static void table_from_merged(struct plan *p)
{
    const struct plan_region *m = plan_find_role(p, ROLE_MERGED);
    if (!m)
        return;
    for (unsigned i = 0; i < m->id->nparts; i++) {
        const struct fw_part *part = &m->id->parts[i];
        if (part->role != ROLE_PARTITION_TABLE || part->file_off >= m->data.len)
            continue;
        size_t len = m->data.len - part->file_off < PT_MAX_LEN ? m->data.len - part->file_off : PT_MAX_LEN;
        if (pt_parse_bin(m->data.data + part->file_off, len, &p->table, NULL) == 0) {
            p->has_table = true;
            p->table_offset = m->id->merged_base + part->file_off;
            return;
        }
    }
}

/* Pick the partition table: a binary one, else a CSV (converted). Other
 * tables found in a folder are skipped. */
static int choose_table(struct plan *p, eb_err *err)
{
    int t = find_role_index(p, ROLE_PARTITION_TABLE);
    if (t < 0) {
        t = find_role_index(p, ROLE_PARTITION_CSV);
        if (t >= 0 && convert_csv(p, &p->regions[t], err))
            return -1;
    }
    if (t < 0) {
        table_from_merged(p);
        return 0;
    }
    struct plan_region *tr = &p->regions[t];
    p->has_table = true;
    p->table = tr->id->table;
    p->table_offset = tr->explicit_addr ? tr->addr : PT_DEFAULT_OFFSET;
    char reason[200];
    snprintf(reason, sizeof reason, "another partition table; the plan uses %.150s",
             plan_base_name(tr->path));
    for (unsigned i = p->nregions; i-- > 0;) {
        enum role role = p->regions[i].id->role;
        if ((int)i != t && !p->regions[i].explicit_addr &&
            (role == ROLE_PARTITION_TABLE || role == ROLE_PARTITION_CSV)) {
            plan_drop_region(p, i, reason);
            if ((int)i < t)
                t--;
        }
    }
    return 0;
}

/* Where data of each role lives in the partition table. */
static const struct {
    enum role role;
    uint8_t subtype;
} DATA_HOMES[] = {
    { ROLE_PHY_INIT, PT_SUB_PHY },      { ROLE_OTADATA, PT_SUB_OTADATA }, { ROLE_NVS, PT_SUB_NVS },
    { ROLE_LITTLEFS, PT_SUB_LITTLEFS }, { ROLE_FATFS, PT_SUB_FAT },       { ROLE_SPIFFS, PT_SUB_SPIFFS },
};

int plan_data_subtype(enum role role)
{
    for (size_t i = 0; i < sizeof DATA_HOMES / sizeof DATA_HOMES[0]; i++)
        if (DATA_HOMES[i].role == role)
            return DATA_HOMES[i].subtype;
    return -1;
}

struct placing {
    uint32_t *addr;
    bool *placed;
    unsigned n;
};

static bool taken(const struct placing *pl, uint32_t addr)
{
    for (unsigned i = 0; i < pl->n; i++)
        if (pl->placed[i] && pl->addr[i] == addr)
            return true;
    return false;
}

/* Next app partition not yet used: the boot app (factory/ota_0) first. */
static bool app_home(const struct plan *p, const struct placing *pl, uint32_t *addr, const char **why)
{
    if (!p->has_table) {
        *addr = PT_DEFAULT_APP_OFFSET;
        *why = "a second application, and no partition table says where it goes";
        return !taken(pl, *addr);
    }
    const struct partition *boot = pt_boot_app(&p->table);
    if (boot && !taken(pl, boot->offset)) {
        *addr = boot->offset;
        return true;
    }
    for (unsigned i = 0; i < p->table.n; i++)
        if (p->table.p[i].type == PT_TYPE_APP && !taken(pl, p->table.p[i].offset)) {
            *addr = p->table.p[i].offset;
            return true;
        }
    *why = "an application, but every app partition of the table already has one";
    return false;
}

static bool data_home(const struct plan *p, const struct placing *pl, enum role role, uint32_t *addr,
                      const char **why)
{
    int subtype = plan_data_subtype(role);
    if (subtype < 0) {
        *why = "no known address for this kind of file; give one as ADDR FILE";
        return false;
    }
    const struct partition *part = p->has_table ? pt_find(&p->table, PT_TYPE_DATA, subtype) : NULL;
    if (part && !taken(pl, part->offset)) {
        *addr = part->offset;
        return true;
    }
    *why = !p->has_table ? "data, but no partition table says where it goes"
           : part        ? "data, but its partition already has a file"
                         : "data, but the partition table has no partition for it";
    return false;
}

static bool home_of(const struct plan *p, const struct plan_region *r, const struct placing *pl,
                    uint32_t *addr, const char **why)
{
    switch (r->id->role) {
    case ROLE_BOOTLOADER:
        *addr = (r->id->chip ? r->id->chip : p->chip)->bootloader_offset;
        *why = "a second bootloader; the plan already has one";
        return !taken(pl, *addr);
    case ROLE_PARTITION_TABLE:
    case ROLE_PARTITION_CSV: *addr = p->table_offset; return true;
    case ROLE_APP: return app_home(p, pl, addr, why);
    case ROLE_MERGED:
        *addr = r->id->merged_base;
        *why = "a second merged image";
        return !taken(pl, *addr);
    default: return data_home(p, pl, r->id->role, addr, why);
    }
}

static int place_regions(struct plan *p, eb_err *err)
{
    unsigned n = p->nregions;
    struct placing pl = { calloc(n + 1, sizeof *pl.addr), calloc(n + 1, sizeof *pl.placed), n };
    const char **why = calloc(n + 1, sizeof *why);
    if (!pl.addr || !pl.placed || !why) {
        free(pl.addr), free(pl.placed), free(why);
        return eb_fail(err, EB_IO, "out of memory");
    }
    for (unsigned i = 0; i < n; i++)
        if (p->regions[i].explicit_addr) {
            pl.addr[i] = p->regions[i].addr;
            pl.placed[i] = true;
        }
    for (unsigned i = 0; i < n; i++)
        if (!p->regions[i].explicit_addr)
            pl.placed[i] = home_of(p, &p->regions[i], &pl, &pl.addr[i], &why[i]);
    for (unsigned i = n; i-- > 0;) {
        if (pl.placed[i])
            p->regions[i].addr = pl.addr[i];
        else
            plan_drop_region(p, i, why[i]);
    }
    free(pl.addr), free(pl.placed), free(why);
    return 0;
}

static void label_regions(struct plan *p)
{
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct partition *part = p->has_table ? pt_find_addr(&p->table, p->regions[i].addr) : NULL;
        str_copy(p->regions[i].partition, sizeof p->regions[i].partition, part ? part->label : "");
    }
}

static int by_address(const void *a, const void *b)
{
    const struct plan_region *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* The image whose header says how the flash is driven: the bootloader
 * (also the one inside a merged image), else the app. */
static const struct esp_image *header_image(const struct plan *p)
{
    static const enum role order[] = { ROLE_BOOTLOADER, ROLE_APP, ROLE_MERGED };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const struct plan_region *r = plan_find_role(p, order[i]);
        if (r)
            return &r->id->image; /* a merged image's is its bootloader's */
    }
    return NULL;
}

/* Flash mode and frequency default to what the bootloader's header says
 * (the same as esptool's "keep"); the size to --flash-size, else "detect". */
static void decide_flash_settings(struct plan *p, const struct plan_opts *o)
{
    const struct esp_image *img = header_image(p);
    if (img) {
        plan_copy_setting(p->flash_mode, sizeof p->flash_mode, flash_mode_names[img->flash_mode & 3]);
        const char *freq = chip_freq_name(p->chip, img->flash_freq_code);
        plan_copy_setting(p->flash_freq, sizeof p->flash_freq, freq ? freq : "");
    }
    if (o->flash_size % (1u << 20) == 0 && o->flash_size)
        snprintf(p->flash_size, sizeof p->flash_size, "%uMB", o->flash_size >> 20);
    else if (o->flash_size)
        snprintf(p->flash_size, sizeof p->flash_size, "%uKB", o->flash_size >> 10);
    plan_copy_setting(p->flash_size, sizeof p->flash_size, "detect");
}

/* When an application sits at the bootloader offset and the plan has no
 * bootloader, look beside it for the bootloader and table to name the fix. */
static void look_beside_misplaced_app(const struct plan *p, struct plan_ctx *c)
{
    const struct plan_region *app = NULL;
    for (unsigned i = 0; i < p->nregions && !app; i++)
        if (p->regions[i].id->role == ROLE_APP && p->regions[i].addr == p->chip->bootloader_offset)
            app = &p->regions[i];
    if (!app || plan_find_role(p, ROLE_BOOTLOADER))
        return;
    char dir[PLAN_PATH_MAX];
    plan_dir_of(app->path, dir, sizeof dir);
    struct plan side = { .chip = p->chip };
    struct plan_ctx sc = { .opts = c->opts };
    plan_scan_folder(&side, &sc, dir, 0, NULL);
    const struct plan_region *boot = plan_find_role(&side, ROLE_BOOTLOADER);
    if (boot)
        str_copy(c->hint_boot, sizeof c->hint_boot, plan_base_name(boot->path));
    const struct plan_region *tbl = plan_find_role(&side, ROLE_PARTITION_TABLE);
    if (!tbl)
        tbl = plan_find_role(&side, ROLE_PARTITION_CSV);
    if (tbl) {
        const struct partition *a = pt_boot_app(&tbl->id->table);
        c->hint_has_app_addr = a != NULL;
        c->hint_app_addr = a ? a->offset : 0;
    }
    plan_free(&side);
}

int plan_build(int nsrc, char **src, const struct plan_opts *opts, struct plan *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    struct plan_ctx c = { .opts = opts };
    if (plan_add_sources(out, &c, nsrc, src, err))
        goto fail;
    decide_chip(out, &c);
    if (choose_table(out, err) || place_regions(out, err))
        goto fail;
    if (opts->fs_dir && plan_add_fs(out, opts, err))
        goto fail;
    label_regions(out);
    if (out->nregions > 1)
        qsort(out->regions, out->nregions, sizeof *out->regions, by_address);
    decide_flash_settings(out, opts);
    look_beside_misplaced_app(out, &c);
    plan_check(out, &c);
    return 0;
fail:
    plan_free(out);
    return -1;
}

void plan_free(struct plan *p)
{
    for (unsigned i = 0; i < p->nregions; i++)
        plan_free_region(&p->regions[i]);
    free(p->regions);
    free(p->findings);
    free(p->skipped);
    memset(p, 0, sizeof *p);
}
