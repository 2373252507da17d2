/* bootlog_plan.c - what the plan puts at the offsets the boot failed on. */
#include "boot/bootlog_plan.h"

#include <stdio.h>
#include <string.h>

#include "boot/text.h"
#include "image/part_table.h"

static const char *role_phrase(enum role r)
{
    switch (r) {
    case ROLE_BOOTLOADER: return "a bootloader";
    case ROLE_APP: return "an application";
    case ROLE_PARTITION_TABLE: return "a partition table";
    case ROLE_MERGED: return "a merged image of bootloader, table and app";
    case ROLE_ERASED: return "erased space";
    case ROLE_UNKNOWN: return "not an image espburn recognises";
    default: return "a data image";
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static enum role region_role(const struct plan_region *r)
{
    return r->id ? r->id->role : ROLE_UNKNOWN;
}

static const struct plan_region *region_at(const struct plan *p, uint32_t off)
{
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct plan_region *r = &p->regions[i];
        if (off >= r->addr && (off - r->addr < r->data.len || off == r->addr))
            return r;
    }
    return NULL;
}

static const struct plan_region *region_with_role(const struct plan *p, enum role role)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (region_role(&p->regions[i]) == role)
            return &p->regions[i];
    return NULL;
}

/* The factory app partition of the plan's table (else ota_0, else the default). */
static uint32_t app_offset(const struct plan *p)
{
    uint32_t ota0 = 0;
    for (unsigned i = 0; p->has_table && i < p->table.n; i++) {
        const struct partition *e = &p->table.p[i];
        if (e->type == PT_TYPE_APP && e->subtype == PT_SUB_FACTORY)
            return e->offset;
        if (e->type == PT_TYPE_APP && e->subtype == PT_SUB_OTA_0 && !ota0)
            ota0 = e->offset;
    }
    return ota0 ? ota0 : PT_DEFAULT_APP_OFFSET;
}

struct layout {
    uint32_t boot, table, app;
};

static uint32_t home_of(const struct layout *l, enum role role)
{
    return role == ROLE_BOOTLOADER ? l->boot : role == ROLE_PARTITION_TABLE ? l->table : l->app;
}

/* "bootloader.bin (a bootloader) is in the plan at 0x0: write it at 0x1000"
 * or "the plan has no bootloader". */
static void place_role(const struct plan *p, const struct layout *l, enum role role, const char *noun,
                       char *out, size_t cap)
{
    const struct plan_region *r = region_with_role(p, role);
    uint32_t home = home_of(l, role);
    if (!r)
        text_add(out, cap, " The plan has no %s: add the firmware's %s at 0x%x.", noun, noun, home);
    else if (r->addr != home)
        text_add(out, cap, " Write %s (%s) at 0x%x, not 0x%x.", base_name(r->path), role_phrase(role), home,
                 r->addr);
}

/* " The right addresses: ...", then where each image of the plan belongs
 * (but `moved`, already told). */
static void add_right_places(const struct plan *p, const struct layout *l, enum role moved, char *out,
                             size_t cap)
{
    text_add(out, cap, " The right addresses: bootloader 0x%x, partition table 0x%x, application 0x%x.",
             l->boot, l->table, l->app);
    const enum role roles[] = { ROLE_BOOTLOADER, ROLE_PARTITION_TABLE, ROLE_APP };
    const char *const nouns[] = { "bootloader", "partition table", "application" };
    for (int i = 0; i < 3 && !region_with_role(p, ROLE_MERGED); i++) /* a merged image holds all three */
        if (roles[i] != moved)
            place_role(p, l, roles[i], nouns[i], out, cap);
}

/* The plan puts the right kind of image at the failing offset. That alone
 * does not tell what the board's flash holds, and nothing here has read it:
 * a damaged file is named as the cause (the board may well hold it), else
 * the sentence says how to compare the board with the plan. */
static void plan_is_right(const struct plan_region *r, const char *inner, uint32_t off, char *out, size_t cap)
{
    text_add(out, cap, "Your plan writes %s (%s) at 0x%x", base_name(r->path), role_phrase(r->id->role),
             r->addr);
    if (inner)
        text_add(out, cap, ", the address it was built for, so it puts %s at 0x%x", inner, off);
    else
        text_add(out, cap, ", which is right");
    const char *problem = r->id->problem;
    int n = (int)strlen(problem);
    if (n > 0 && problem[n - 1] == '.')
        n--;
    if (n > 0)
        text_add(
            out, cap,
            ", but %s itself is damaged (%.*s): written as it is, it fails exactly so. Get an intact copy "
            "and flash again.",
            base_name(r->path), n, problem);
    else
        text_add(out, cap,
                 ". Either the board's flash does not hold what the plan writes, or the file does not suit "
                 "this board: compare them with espburn verify and the same plan.");
}

static void tie_one(struct bootlog_finding *f, const struct plan *p, const struct layout *l)
{
    enum role want = f->target == BOOTLOG_TARGET_BOOTLOADER ? ROLE_BOOTLOADER
                     : f->target == BOOTLOG_TARGET_TABLE    ? ROLE_PARTITION_TABLE
                                                            : ROLE_APP;
    uint32_t off = f->target == BOOTLOG_TARGET_APP ? f->target_off : home_of(l, want);
    const struct plan_region *r = region_at(p, off);
    enum role got = r ? region_role(r) : ROLE_UNKNOWN;
    bool starts_here = r && r->addr == off;
    char *out = f->plan;
    size_t cap = sizeof f->plan;
    out[0] = '\0';
    f->version++;
    text_put(f->file, sizeof f->file, "%s", starts_here ? base_name(r->path) : "");
    bool merged_home = r && got == ROLE_MERGED && r->addr == r->id->merged_base;
    if (merged_home || (starts_here && got == want)) {
        plan_is_right(r, got == want ? NULL : role_phrase(want), off, out, cap);
        return;
    }
    bool moved = starts_here && (got == ROLE_APP || got == ROLE_BOOTLOADER || got == ROLE_PARTITION_TABLE);
    if (starts_here)
        text_add(out, cap, "The image at 0x%x is %s, %s, but the chip expects %s there.%s", off,
                 base_name(r->path), role_phrase(got), role_phrase(want),
                 moved || got == ROLE_MERGED ? "" : " Leave it out or move it.");
    else if (r)
        text_add(
            out, cap,
            "Nothing in your plan starts at 0x%x, where the chip expects %s: %s (%s, at 0x%x) runs over it.",
            off, role_phrase(want), base_name(r->path), role_phrase(got), r->addr);
    else
        text_add(out, cap, "Your plan writes nothing at 0x%x, where the chip expects %s.", off,
                 role_phrase(want));
    if (moved)
        text_add(out, cap, " Write it at 0x%x instead.", home_of(l, got));
    else if (starts_here && got == ROLE_MERGED && r->id->merged_base != off)
        text_add(
            out, cap,
            " A merged image holds the bootloader, table and app at their own offsets: write it at 0x%x, the address it was built for.",
            r->id->merged_base);
    add_right_places(p, l, moved ? got : ROLE_UNKNOWN, out, cap);
}

static void check_plan_chip(struct bootlog *bl, const struct chip *board, const struct plan *p)
{
    if (!board || !p->chip || board == p->chip)
        return;
    char what[512], fix[768];
    text_put(what, sizeof what, "the plan's firmware is for %s, but the board in this log is an %s",
             p->chip->display, board->display);
    text_put(fix, sizeof fix, "get the firmware built for %s; its bootloader goes at 0x%x", board->display,
             board->bootloader_offset);
    bootlog_note(
        bl, BOOTLOG_FAIL, "plan-wrong-chip", what,
        "each ESP32 variant runs only images built for it: another chip's bootloader and application do not boot",
        fix);
}

void bootlog_tie_plan(struct bootlog *bl, const struct plan *p)
{
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    check_plan_chip(bl, s.chip, p);
    const struct chip *chip = s.chip ? s.chip : p->chip ? p->chip : chip_default();
    struct layout l = {
        .boot = chip->bootloader_offset,
        .table = p->has_table ? p->table_offset : PT_DEFAULT_OFFSET,
        .app = app_offset(p),
    };
    for (unsigned i = 0; i < bootlog_count(bl); i++) {
        struct bootlog_finding *f = bootlog_finding_mut(bl, i);
        if (f->target != BOOTLOG_TARGET_NONE)
            tie_one(f, p, &l);
    }
}
