/* plan_check.c - the checks that stop a plan from bricking the boot: an
 * application at the bootloader offset, bootloaders for another chip or at
 * the wrong offset, merged images at the wrong base, overlaps, unaligned or
 * oversized apps, tables beyond the flash, chip mismatches and missing
 * parts. Each finding is plain sentences with the fix; errors also say
 * what would happen on the board if written anyway (--force). */
#include <stdio.h>
#include <string.h>

#include "plan/plan_internal.h"

#define LARGEST_FLASH_SIZE_CODE 7 /* 128 MB: the largest an image header can name */

const char *finding_level_name(enum finding_level level)
{
    static const char *const names[] = { "info", "warning", "error" };
    return (unsigned)level <= FIND_ERROR ? names[level] : "error";
}

static const char *name_of(const struct plan_region *r)
{
    return plan_base_name(r->path);
}
static uint32_t end_of(const struct plan_region *r)
{
    return r->addr + (uint32_t)r->data.len;
}
static const struct chip *chip_of(const struct plan *p, const struct plan_region *r)
{
    return r->id->chip ? r->id->chip : p->chip;
}

static uint32_t table_offset_of(const struct plan *p)
{
    return p->has_table ? p->table_offset : PT_DEFAULT_OFFSET;
}

/* Where the application belongs: the table's boot partition, else what a
 * table beside it says, else the usual 0x10000. */
static uint32_t app_home(const struct plan *p, const struct plan_ctx *c)
{
    const struct partition *boot = p->has_table ? pt_boot_app(&p->table) : NULL;
    if (boot)
        return boot->offset;
    return c->hint_has_app_addr ? c->hint_app_addr : PT_DEFAULT_APP_OFFSET;
}

static uint32_t first_mapped_segment(const struct esp_image *img)
{
    for (unsigned i = 0; i < img->nseg; i++)
        if (img->seg[i].region && mem_kind_is_flash_mapped(img->seg[i].region->kind))
            return img->seg[i].load_addr;
    return img->nseg ? img->seg[0].load_addr : 0;
}

/* ---- chips ------------------------------------------------------------ */

static void check_chips(struct plan *p, const struct plan_ctx *c)
{
    if (c->opts->chip && c->manifest_chip && c->opts->chip != c->manifest_chip)
        plan_add_finding(p, FIND_ERROR, "chip-mismatch",
                         "Firmware for another chip does not run; the board will not boot.",
                         "The manifest is for %s but --chip says %s. Use the firmware built for %s.",
                         c->manifest_chip->display, c->opts->chip->display, c->opts->chip->display);
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct plan_region *r = &p->regions[i];
        if (!r->id->chip || r->id->chip == p->chip)
            continue;
        if (r->id->role == ROLE_BOOTLOADER)
            plan_add_finding(
                p, FIND_ERROR, "bootloader-wrong-chip",
                "The ROM rejects the bootloader; the board will not start until the right one is written.",
                "%s is a bootloader for %s, but the plan is for %s; the ROM would reject it and the "
                "board would not start. Use the bootloader built for %s.",
                name_of(r), r->id->chip->display, p->chip->display, p->chip->display);
        else
            plan_add_finding(p, FIND_ERROR, "chip-mismatch",
                             "Firmware for another chip does not run; the board will not boot.",
                             "%s is built for %s, but the plan is for %s; it would not run there. "
                             "Use files built for one chip (and --chip for the board you have).",
                             name_of(r), r->id->chip->display, p->chip->display);
    }
}

/* ---- bootloaders, applications, merged images -------------------------- */

static void check_bootloader(struct plan *p, const struct plan_region *r)
{
    const struct chip *chip = chip_of(p, r);
    if (r->addr == chip->bootloader_offset)
        return;
    char effect[256];
    snprintf(
        effect, sizeof effect,
        "The ROM finds no bootloader at 0x%x; the board will not start (unless an old one is still there).",
        chip->bootloader_offset);
    plan_add_finding(
        p, FIND_ERROR, "bootloader-wrong-offset", effect,
        "%s is the %s bootloader; the %s ROM loads the bootloader from 0x%x, so at 0x%x it would never "
        "run. Write it at 0x%x.",
        name_of(r), chip->display, chip->display, chip->bootloader_offset, r->addr, chip->bootloader_offset);
}

static void report_app_at_bootloader(struct plan *p, const struct plan_ctx *c, const struct plan_region *r)
{
    const struct plan_region *boot = plan_find_role(p, ROLE_BOOTLOADER);
    const char *boot_name = boot              ? name_of(boot)
                            : c->hint_boot[0] ? c->hint_boot
                                              : "the bootloader built with it";
    const struct chip *chip = chip_of(p, r);
    char effect[256];
    snprintf(effect, sizeof effect,
             "The board resets over and over right after power-on, until a bootloader is written at 0x%x.",
             chip->bootloader_offset);
    plan_add_finding(
        p, FIND_ERROR, "app-at-bootloader-offset", effect,
        "%s is an application (its first segment maps flash at 0x%x); at 0x%x the ROM would try to "
        "load it as the bootloader and reset forever. Write %s at 0x%x and %s at 0x%x, with the "
        "partition table at 0x%x.",
        name_of(r), first_mapped_segment(&r->id->image), r->addr, boot_name, chip->bootloader_offset,
        name_of(r), app_home(p, c), table_offset_of(p));
}

static void check_app_partition(struct plan *p, const struct plan_ctx *c, const struct plan_region *r)
{
    const struct partition *part = pt_find_addr(&p->table, r->addr);
    if (!part || part->type != PT_TYPE_APP) {
        plan_add_finding(
            p, FIND_WARN, "app-outside-partition", NULL,
            "%s is an application at 0x%x, which is %s; the bootloader only starts apps from app "
            "partitions. Write it at 0x%x.",
            name_of(r), r->addr, part ? "in a data partition" : "in no partition", app_home(p, c));
        return;
    }
    uint32_t room = part->offset + part->size - r->addr;
    if (r->data.len > room) {
        char effect[256];
        snprintf(
            effect, sizeof effect,
            "The bootloader refuses an app bigger than its partition, and the end of it overwrites what follows 0x%x.",
            part->offset + part->size);
        plan_add_finding(
            p, FIND_ERROR, "app-too-big", effect,
            "%s is %zu bytes, but partition '%s' at 0x%x holds only %u from 0x%x; the app would not boot. "
            "Use a partition table with an app partition of at least %zuK.",
            name_of(r), r->data.len, part->label, part->offset, room, r->addr,
            (r->data.len + PT_APP_ALIGN - 1) / PT_APP_ALIGN * (PT_APP_ALIGN / 1024));
    }
}

static void check_app(struct plan *p, const struct plan_ctx *c, const struct plan_region *r)
{
    const struct chip *chip = chip_of(p, r);
    if (r->addr == chip->bootloader_offset) {
        report_app_at_bootloader(p, c, r);
        return;
    }
    uint32_t align = r->id->image.flash_align; /* set for every application, damaged or not */
    if (r->addr % align) {
        plan_add_finding(
            p, FIND_ERROR, "app-unaligned",
            "The app's code is mapped at the wrong addresses; it crashes as soon as it starts.",
            "%s is an application and must start at a multiple of 0x%x (the MMU page size); at 0x%x its "
            "flash-mapped segments would land at the wrong addresses. Write it at 0x%x.",
            name_of(r), align, r->addr, app_home(p, c));
        return;
    }
    if (p->has_table)
        check_app_partition(p, c, r);
}

static void check_merged(struct plan *p, const struct plan_region *r)
{
    uint32_t base = r->id->merged_base;
    if (r->addr == base)
        return;
    char effect[256];
    snprintf(effect, sizeof effect, "Every part lands 0x%x bytes off its place; the board will not boot.",
             r->addr > base ? r->addr - base : base - r->addr);
    plan_add_finding(
        p, FIND_ERROR, "merged-wrong-base", effect,
        "%s is a merged image (bootloader, table and app in one file) meant to be written at 0x%x; at "
        "0x%x every part inside would land 0x%x bytes off. Write it at 0x%x.",
        name_of(r), base, r->addr, r->addr > base ? r->addr - base : base - r->addr, base);
}

/* PHY data, otadata, NVS and file systems belong in their data partition. */
static void check_data_partition(struct plan *p, const struct plan_region *r)
{
    int subtype = plan_data_subtype(r->id->role);
    if (subtype < 0 || !p->has_table)
        return;
    const struct partition *part = pt_find_addr(&p->table, r->addr);
    if (part && part->type == PT_TYPE_DATA && part->subtype == subtype)
        return;
    const struct partition *home = pt_find(&p->table, PT_TYPE_DATA, subtype);
    const char *kind = pt_subtype_name(PT_TYPE_DATA, (uint8_t)subtype);
    char where[96];
    if (part)
        snprintf(where, sizeof where, "in partition '%.16s'", part->label);
    else
        snprintf(where, sizeof where, "in no partition");
    if (home)
        plan_add_finding(p, FIND_WARN, "wrong-partition", NULL,
                         "%s holds %s but 0x%x is %s; it belongs in the %s partition '%s'. Write it at 0x%x.",
                         name_of(r), role_name(r->id->role), r->addr, where, kind ? kind : "matching",
                         home->label, home->offset);
    else
        plan_add_finding(p, FIND_WARN, "wrong-partition", NULL,
                         "%s holds %s but 0x%x is %s, and the partition table has no %s partition; "
                         "the firmware will not find it.",
                         name_of(r), role_name(r->id->role), r->addr, where, kind ? kind : "matching");
}

/* What a damaged file does on the board when written anyway (--force). */
static const char *damage_effect(enum role role)
{
    switch (role) {
    case ROLE_BOOTLOADER:
        return "The ROM rejects the damaged bootloader; the board resets over and over and never starts.";
    case ROLE_APP:
        return "The bootloader rejects the damaged app (checksum or SHA-256); the board resets over and over.";
    case ROLE_MERGED:
        return "A damaged part of the merged image is rejected at boot; the board will not start.";
    default: return "The firmware reads damaged data from it; the board may not boot, or loses that data.";
    }
}

/* A file `info` rates as damaged is refused like a wrong layout. Tables are
 * judged issue by issue in check_table. */
static void check_damage(struct plan *p, const struct plan_region *r)
{
    enum role role = r->id->role;
    if (!r->id->problem[0] || role == ROLE_PARTITION_TABLE || role == ROLE_PARTITION_CSV)
        return;
    plan_add_finding(p, FIND_ERROR, "damaged", damage_effect(role),
                     "%s is damaged: %s. Get an intact copy (download or build it again); --force writes it "
                     "as it is.",
                     name_of(r), r->id->problem);
}

static void check_contents(struct plan *p, const struct plan_region *r)
{
    enum role role = r->id->role;
    check_damage(p, r);
    if (role == ROLE_ELF || role == ROLE_UF2)
        plan_add_finding(p, FIND_ERROR, "not-flashable",
                         "The bytes written are not a bootable image; the board will not boot.",
                         "%s is %s file, not an image to write at an address; %s.", name_of(r),
                         role == ROLE_ELF ? "an ELF" : "a UF2",
                         role == ROLE_ELF ? "convert it with esptool.py elf2image and write the .bin"
                                          : "copy it to the board's UF2 drive, or write the .bin build");
    else if ((role == ROLE_UNKNOWN || role == ROLE_MANIFEST) && !r->id->problem[0])
        plan_add_finding(p, FIND_WARN, "not-firmware", NULL,
                         "%s is not firmware espburn recognises (%s); it will be written as is at 0x%x.",
                         name_of(r), r->id->summary[0] ? r->id->summary : role_name(role), r->addr);
}

/* ---- layout ------------------------------------------------------------ */

static void check_overlaps(struct plan *p)
{
    for (unsigned i = 0; i < p->nregions; i++)
        for (unsigned j = i + 1; j < p->nregions && p->regions[j].addr < end_of(&p->regions[i]); j++) {
            const struct plan_region *a = &p->regions[i], *b = &p->regions[j];
            plan_add_finding(
                p, FIND_ERROR, "overlap",
                "The later write overwrites part of the earlier one; what boots is unpredictable.",
                "%s (0x%x-0x%x) and %s (0x%x-0x%x) overlap; one would overwrite the other. "
                "Check their addresses.",
                name_of(a), a->addr, end_of(a), name_of(b), b->addr, end_of(b));
        }
}

/* A flash size in words: "4 MB", or "512 KB" when not whole megabytes. */
static void flash_size_words(char *buf, size_t n, uint32_t size)
{
    if (size % (1u << 20) == 0)
        snprintf(buf, n, "%u MB", size >> 20);
    else
        snprintf(buf, n, "%u KB", size >> 10);
}

/* Without a known flash size, nothing may end past the largest flash an
 * image header can describe. */
static void check_largest_flash(struct plan *p)
{
    uint32_t max = flash_size_bytes(LARGEST_FLASH_SIZE_CODE);
    char words[16];
    flash_size_words(words, sizeof words, max);
    for (unsigned i = 0; i < p->nregions; i++)
        if ((uint64_t)p->regions[i].addr + p->regions[i].data.len > max)
            plan_add_finding(p, FIND_ERROR, "beyond-flash", "Writing past the end of the flash fails.",
                             "%s ends at 0x%llx, beyond the largest flash of any ESP board (%s); check its "
                             "address.",
                             name_of(&p->regions[i]),
                             (unsigned long long)p->regions[i].addr + p->regions[i].data.len, words);
}

static void check_flash_size(struct plan *p, const struct plan_ctx *c)
{
    uint32_t size = c->opts->flash_size ? c->opts->flash_size : flash_size_parse(p->flash_size);
    if (!size) {
        check_largest_flash(p);
        return;
    }
    char words[16];
    flash_size_words(words, sizeof words, size);
    if (p->has_table && pt_end(&p->table) > size)
        plan_add_finding(p, FIND_ERROR, "table-beyond-flash",
                         "The bootloader finds partitions past the end of the flash and stops at boot.",
                         "The partition table ends at 0x%x, beyond the %s flash (0x%x); the bootloader would "
                         "refuse it. Use a partition table that fits in %s, or a board with more flash.",
                         pt_end(&p->table), words, size, words);
    for (unsigned i = 0; i < p->nregions; i++)
        if ((uint64_t)p->regions[i].addr + p->regions[i].data.len > size)
            plan_add_finding(p, FIND_ERROR, "beyond-flash", "Writing past the end of the flash fails.",
                             "%s ends at 0x%x, beyond the %s flash; it cannot be written. Check its address "
                             "and the flash size.",
                             name_of(&p->regions[i]), end_of(&p->regions[i]), words);
}

static bool merged_has(const struct plan *p, enum role role)
{
    const struct plan_region *m = plan_find_role(p, ROLE_MERGED);
    for (unsigned i = 0; m && i < m->id->nparts; i++)
        if (m->id->parts[i].role == role)
            return true;
    return false;
}

static bool plan_has(const struct plan *p, enum role role)
{
    return plan_find_role(p, role) || merged_has(p, role);
}

static void check_missing(struct plan *p, const struct plan_ctx *c)
{
    bool boot = plan_has(p, ROLE_BOOTLOADER), app = plan_has(p, ROLE_APP);
    bool table = p->has_table || merged_has(p, ROLE_PARTITION_TABLE);
    if (!boot && !app)
        return;
    if (!boot)
        plan_add_finding(
            p, FIND_WARN, "missing-bootloader", NULL,
            "The plan has no bootloader; it would go at 0x%x (%s). The board keeps the bootloader it "
            "has, which must match this build.",
            p->chip->bootloader_offset, p->chip->display);
    if (!table)
        plan_add_finding(
            p, FIND_WARN, "missing-table", NULL,
            "The plan has no partition table; it would go at 0x%x. The board keeps the table it has, "
            "which must have an app partition at 0x%x.",
            PT_DEFAULT_OFFSET, app_home(p, c));
    if (!app)
        plan_add_finding(
            p, FIND_WARN, "missing-app", NULL,
            "The plan has no application; it would go at 0x%x. The bootloader will find no app to start.",
            app_home(p, c));
}

static void check_table(struct plan *p)
{
    const struct plan_region *t = plan_find_role(p, ROLE_PARTITION_TABLE);
    if (!t)
        t = plan_find_role(p, ROLE_PARTITION_CSV);
    if (t && t->addr != PT_DEFAULT_OFFSET)
        plan_add_finding(
            p, FIND_WARN, "table-offset", NULL,
            "%s is a partition table at 0x%x; bootloaders look for it at 0x%x unless built with another "
            "CONFIG_PARTITION_TABLE_OFFSET.",
            name_of(t), t->addr, PT_DEFAULT_OFFSET);
    if (!p->has_table)
        return;
    struct pt_issue issues[PT_MAX_ISSUES];
    unsigned n = pt_check(&p->table, p->table_offset, issues, PT_MAX_ISSUES);
    for (unsigned i = 0; i < n; i++)
        if (issues[i].damaged)
            plan_add_finding(p, FIND_ERROR, "table-damaged",
                             "The bootloader rejects the whole table (\"Incorrect MD5 checksum\" or "
                             "\"partition table invalid\") and the board resets over and over.",
                             "Partition table: %s --force writes it as it is.", issues[i].text);
        else
            plan_add_finding(p, FIND_WARN, "table-problem", NULL, "Partition table: %s", issues[i].text);
}

void plan_check(struct plan *p, const struct plan_ctx *c)
{
    check_chips(p, c);
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct plan_region *r = &p->regions[i];
        if (r->id->role == ROLE_BOOTLOADER)
            check_bootloader(p, r);
        else if (r->id->role == ROLE_APP)
            check_app(p, c, r);
        else if (r->id->role == ROLE_MERGED)
            check_merged(p, r);
        else
            check_data_partition(p, r);
        check_contents(p, r);
    }
    check_overlaps(p);
    check_flash_size(p, c);
    check_missing(p, c);
    check_table(p);
}
