/* bootlog.c - the incremental boot-log analyzer: turns bytes into clean
 * lines (colour codes and capture-tool timestamps removed), follows each
 * boot attempt through the ROM, the second stage and the application, and
 * keeps one finding per distinct problem. */
#include "boot/bootlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootlog_reset.h"
#include "boot/pattern.h"
#include "boot/text.h"
#include "chip/chip_rom.h"

#define MAX_INTERVALS 64

struct attempt {
    bool has_rst;
    unsigned nload;
    bool entry, failed, app_in_rom;
    enum bootlog_stage stage;
};

struct bootlog {
    struct bootlog_opts opts;
    const struct chip *chip;
    const struct chip_rom *rom; /* NULL: no chip yet, or one whose ROM is not known */
    const char *rom_desc;

    char line[BOOTLOG_LINE_MAX];
    size_t len;
    int esc; /* 0 text, 1 after ESC, 2 inside ESC[ */
    double feed_t;
    unsigned lines;

    struct attempt cur;
    unsigned boots;
    double boot_t;      /* when the current boot started, < 0: unknown */
    double last_boot_t; /* when the one before started, < 0: unknown */
    double intervals[MAX_INTERVALS];
    unsigned nintervals;
    long restart_code; /* reset code of the first restart, -1 none */
    char restart_name[48];
    bool restarts_differ, restart_auto;
    enum bootlog_stage max_stage;
    char idf_version[40];
    char boot_mode[96];
    int panic; /* finding index of the last crash, -1 */
    bool panic_addr_noted;

    struct bootlog_finding f[BOOTLOG_MAX_FINDINGS];
    unsigned n;
    const struct bootlog_msg *msg[BOOTLOG_MAX_FINDINGS]; /* catalogue source, to re-word */
    struct pat_caps caps[BOOTLOG_MAX_FINDINGS];          /* once the chip is known */
};

/* ---- small text helpers ------------------------------------------------ */

/* 462120 -> "462,120" */
static void thousands(char *out, size_t cap, unsigned long v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lu", v);
    size_t j = 0;
    for (int i = 0; i < n && j + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
}

static const char *ordinal(unsigned i)
{
    static const char *const names[] = { "first", "second", "third",   "fourth",
                                         "fifth", "sixth",  "seventh", "eighth" };
    return i >= 1 && i <= 8 ? names[i - 1] : "next";
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- findings ---------------------------------------------------------- */

static int find_key(const struct bootlog *bl, const char *key)
{
    for (unsigned i = 0; i < bl->n; i++)
        if (strcmp(bl->f[i].key, key) == 0)
            return (int)i;
    return -1;
}

static bool has_code_prefix(const struct bootlog *bl, const char *prefix)
{
    for (unsigned i = 0; i < bl->n; i++)
        if (starts(bl->f[i].code, prefix))
            return true;
    return false;
}

/* Record a finding, or count one more of the same key. Returns its index
 * (or -1 when the table is full). */
static int note(struct bootlog *bl, enum bootlog_level level, const char *code, const char *key,
                const char *what, const char *why, const char *fix)
{
    if (level == BOOTLOG_FAIL)
        bl->cur.failed = true;
    int i = find_key(bl, key ? key : code);
    if (i >= 0) {
        bl->f[i].count++;
        bl->f[i].version++;
        return i;
    }
    if (bl->n >= BOOTLOG_MAX_FINDINGS)
        return -1;
    struct bootlog_finding *f = &bl->f[bl->n];
    memset(f, 0, sizeof *f);
    f->level = level;
    text_put(f->code, sizeof f->code, "%s", code);
    text_put(f->key, sizeof f->key, "%s", key ? key : code);
    text_put(f->what, sizeof f->what, "%s", what);
    text_put(f->why, sizeof f->why, "%s", why);
    text_put(f->fix, sizeof f->fix, "%s", fix);
    f->line = bl->lines;
    f->count = 1;
    f->version = 1;
    return (int)bl->n++;
}

/* ---- templates --------------------------------------------------------- */

/* "S3" for the ESP32-S3, "ESP32" for the ESP32. */
static const char *short_name(const struct chip *c)
{
    return strncmp(c->display, "ESP32-", 6) == 0 ? c->display + 6 : c->display;
}

static void offset_of(const struct chip *c, char *key, size_t n)
{
    text_put(key, n, "0x%x", (unsigned)c->bootloader_offset);
}

static void boot_pin_of(const struct chip *c, char *key, size_t n)
{
    text_put(key, n, "%s", c->rom->known ? c->rom->boot_pin : "");
}

/* "0x1000 on ESP32/S2, 0x0 on S3/C3/...": a fact of every chip row grouped
 * by its value (`key`, "" to leave a chip out), for texts worded before
 * the chip is known. */
static void per_chip(char *out, size_t cap, void (*key)(const struct chip *, char *, size_t))
{
    char k[32], other[32];
    out[0] = '\0';
    for (const struct chip *c = chip_table; c->name; c++) {
        key(c, k, sizeof k);
        bool seen = !k[0];
        for (const struct chip *p = chip_table; p < c && !seen; p++)
            key(p, other, sizeof other), seen = strcmp(k, other) == 0;
        if (seen)
            continue;
        text_add(out, cap, "%s%s on %s", out[0] ? ", " : "", k, short_name(c));
        for (const struct chip *o = c + 1; o->name; o++)
            if (key(o, other, sizeof other), strcmp(k, other) == 0)
                text_add(out, cap, "/%s", short_name(o));
    }
}

static void expand(const struct bootlog *bl, const char *tmpl, const struct pat_caps *caps, char *out,
                   size_t cap)
{
    char bl_off[192], pin[160], offsets[160];
    per_chip(offsets, sizeof offsets, offset_of);
    if (bl->chip)
        text_put(bl_off, sizeof bl_off, "0x%x", (unsigned)bl->chip->bootloader_offset);
    else
        text_put(bl_off, sizeof bl_off, "the bootloader offset (%s)", offsets);
    if (bl->rom) {
        text_put(pin, sizeof pin, "%s", bl->rom->boot_pin);
    } else {
        char pins[128];
        per_chip(pins, sizeof pins, boot_pin_of);
        text_put(pin, sizeof pin, "the boot pin (%s)", pins);
    }
    const struct {
        const char *name, *value;
    } vars[] = {
        { "{bl}", bl_off },
        { "{offsets}", offsets },
        { "{pin}", pin },
        { "{chip}", bl->chip ? bl->chip->display : "the chip" },
        { "{wdt}", bl->rom ? bl->rom->watchdog : "watchdog" },
    };
    size_t j = 0;
    out[0] = '\0';
    for (const char *p = tmpl; *p && j + 1 < cap;) {
        const char *value = NULL;
        size_t skip = 0;
        if (p[0] == '$' && p[1] >= '1' && p[1] <= '4' && caps && p[1] - '1' < caps->n)
            value = caps->cap[p[1] - '1'], skip = 2;
        for (size_t v = 0; !value && *p == '{' && v < sizeof vars / sizeof vars[0]; v++)
            if (starts(p, vars[v].name))
                value = vars[v].value, skip = strlen(vars[v].name);
        if (value) {
            size_t n = strnlen(value, cap - 1 - j);
            memcpy(out + j, value, n);
            j += n;
            p += skip;
        } else {
            out[j++] = *p++;
        }
    }
    out[j] = '\0';
}

static void word_msg(const struct bootlog *bl, const struct bootlog_msg *m, const struct pat_caps *caps,
                     struct bootlog_finding *f)
{
    expand(bl, m->what, caps, f->what, sizeof f->what);
    expand(bl, m->why, caps, f->why, sizeof f->why);
    expand(bl, m->fix, caps, f->fix, sizeof f->fix);
}

static int note_msg(struct bootlog *bl, const struct bootlog_msg *m, const struct pat_caps *caps)
{
    int i = note(bl, m->level, m->code, NULL, "", "", "");
    if (i < 0 || bl->f[i].count > 1)
        return i;
    struct pat_caps none = { 0 };
    bl->msg[i] = m;
    bl->caps[i] = caps ? *caps : none;
    word_msg(bl, m, &bl->caps[i], &bl->f[i]);
    bl->f[i].target = m->target;
    if (m->target == BOOTLOG_TARGET_APP && caps && caps->n > 0)
        bl->f[i].target_off = (uint32_t)strtoul(caps->cap[0], NULL, 16);
    return i;
}

static const struct bootlog_msg *catalogue_entry(const char *code)
{
    for (const struct bootlog_msg *m = bootlog_catalogue; m->code; m++)
        if (strcmp(m->code, code) == 0)
            return m;
    return NULL;
}

/* ---- chip and stage ---------------------------------------------------- */

/* The chip's ROM facts; for a chip whose ROM the table does not know, a
 * finding that says so (the analyzer then reads only what the log prints). */
static const struct chip_rom *rom_of(struct bootlog *bl, const struct chip *chip)
{
    if (!chip || chip->rom->known)
        return chip ? chip->rom : NULL;
    char what[512];
    text_put(what, sizeof what, "espburn has no facts about the %s ROM", chip->display);
    note(bl, BOOTLOG_INFO, "rom-not-known", NULL, what, chip->rom->unknown_why,
         "reset reasons and boot modes are read from the names the log prints; the checks of the "
         "boot-mode and flash-voltage strapping pins are skipped");
    return NULL;
}

/* Findings worded before the chip was known ("the bootloader offset")
 * get its facts ("0x1000") as soon as the log reveals it. */
static void set_chip(struct bootlog *bl, const struct chip *chip)
{
    if (bl->opts.chip || !chip || chip == bl->chip)
        return;
    bl->chip = chip;
    bl->rom = rom_of(bl, chip);
    for (unsigned i = 0; i < bl->n; i++)
        if (bl->msg[i]) {
            word_msg(bl, bl->msg[i], &bl->caps[i], &bl->f[i]);
            bl->f[i].version++;
        }
}

/* The classic ESP32 ROM gives itself away (configsip lines, decimal lengths). */
static void guess_classic_rom(struct bootlog *bl)
{
    if (!bl->chip)
        set_chip(bl, chip_with_classic_rom());
}

static void reach(struct bootlog *bl, enum bootlog_stage stage)
{
    if (bl->cur.stage < stage)
        bl->cur.stage = stage;
    if (bl->max_stage < stage)
        bl->max_stage = stage;
}

/* ---- boot loops -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_interval(const struct bootlog *bl)
{
    double v[MAX_INTERVALS];
    memcpy(v, bl->intervals, bl->nintervals * sizeof v[0]);
    qsort(v, bl->nintervals, sizeof v[0], cmp_double);
    return v[bl->nintervals / 2];
}

static const struct bootlog_finding *first_failure(const struct bootlog *bl)
{
    for (unsigned i = 0; i < bl->n; i++)
        if (bl->f[i].level == BOOTLOG_FAIL && strcmp(bl->f[i].code, "boot-loop") != 0)
            return &bl->f[i];
    return NULL;
}

static void update_loop(struct bootlog *bl)
{
    if (!(bl->boots >= 3 || (bl->boots >= 2 && bl->restart_auto)))
        return;
    char what[512], why[1024], fix[768];
    text_put(what, sizeof what, "boot loop: the chip started %u times in this log", bl->boots);
    if (bl->restart_code >= 0 && !bl->restarts_differ)
        text_add(what, sizeof what, ", restarted each time by %s (rst:0x%lx)", bl->restart_name,
                 bl->restart_code);
    if (bl->nintervals > 0)
        text_add(what, sizeof what, ", about every %.1f s", median_interval(bl));
    const struct bootlog_finding *cause = first_failure(bl);
    if (cause) {
        text_put(why, sizeof why, "each attempt ends with the failure explained here: %s", cause->what);
        text_put(fix, sizeof fix,
                 "fix that failure; the chip restarts until it can boot, then the loop stops by itself");
    } else {
        text_put(why, sizeof why, "each run ends in a reset; the lines just before each reset say why");
        text_put(fix, sizeof fix, "find what resets the chip (see the reset reason) and fix it");
    }
    int i = find_key(bl, "boot-loop");
    if (i < 0) {
        i = note(bl, BOOTLOG_FAIL, "boot-loop", NULL, what, why, fix);
        if (i >= 0)
            bl->f[i].count = bl->boots; /* its count is the boots' */
        return;
    }
    struct bootlog_finding *f = &bl->f[i];
    if (strcmp(f->what, what) != 0 || strcmp(f->why, why) != 0) {
        text_put(f->what, sizeof f->what, "%s", what);
        text_put(f->why, sizeof f->why, "%s", why);
        text_put(f->fix, sizeof f->fix, "%s", fix);
        f->count = bl->boots;
        f->version++;
    }
}

/* The period between boots, once a boot's start time is final. */
static void commit_boot_time(struct bootlog *bl)
{
    double t = bl->boot_t;
    if (t < 0)
        return;
    if (bl->last_boot_t >= 0 && t > bl->last_boot_t && bl->nintervals < MAX_INTERVALS)
        bl->intervals[bl->nintervals++] = t - bl->last_boot_t;
    bl->last_boot_t = t;
    bl->boot_t = -1;
}

static void start_boot(struct bootlog *bl, double t)
{
    if (bl->boots > 0 && bl->cur.failed)
        bl->restart_auto = true;
    commit_boot_time(bl);
    bl->boots++;
    bl->boot_t = t;
    memset(&bl->cur, 0, sizeof bl->cur);
    reach(bl, BOOTLOG_STAGE_ROM);
    update_loop(bl);
}

/* ---- ROM stage --------------------------------------------------------- */

/* Index of a ROM banner inside the line, or -1. */
static long banner_at(const char *text)
{
    for (const char *p = text; *p; p++) {
        const struct chip_rom_build *b;
        if (*p != 'e' && *p != 'E')
            continue;
        if (chip_by_rom_banner(p, &b) || starts(p, "ESP-ROM:") ||
            (starts(p, "ets ") && pat_match_at("ets %s %d %d %d:%d:%d", p, NULL)))
            return p - text;
    }
    return -1;
}

static void on_banner(struct bootlog *bl, const char *text, double t)
{
    const struct chip_rom_build *b = NULL;
    const struct chip *chip = chip_by_rom_banner(text, &b);
    if (chip) {
        set_chip(bl, chip);
        bl->rom_desc = b->name;
    } else if (starts(text, "ESP-ROM:")) {
        char name[24];
        size_t n = strcspn(text + 8, "- ");
        text_put(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), text + 8);
        set_chip(bl, chip_by_name(name));
    }
    start_boot(bl, t);
}

static void note_reset(struct bootlog *bl, unsigned code, const char *name, enum reset_kind kind)
{
    char key[24], what[512], fix[768] = "";
    text_put(key, sizeof key, "reset:%x", code);
    text_put(what, sizeof what, "reset reason rst:0x%x (%s)", code, name);
    if (kind == RESET_BROWNOUT) {
        const struct bootlog_msg *m = catalogue_entry("brownout");
        note_msg(bl, m, NULL);
        return;
    }
    if (kind == RESET_WATCHDOG)
        text_put(fix, sizeof fix,
                 "if it repeats, the finding about the stage that hangs says what to change");
    note(bl, BOOTLOG_INFO, "reset-reason", key, what, bootlog_reset_meaning(kind), fix);
}

static void note_restart(struct bootlog *bl, unsigned code, const char *name, enum reset_kind kind)
{
    if (kind != RESET_POWER_ON && kind != RESET_DEEP_SLEEP && kind != RESET_HOST)
        bl->restart_auto = true;
    if (bl->restart_code < 0) {
        bl->restart_code = code;
        text_put(bl->restart_name, sizeof bl->restart_name, "%s", name);
    } else if ((unsigned long)bl->restart_code != code) {
        bl->restarts_differ = true;
    }
}

static void note_boot_mode(struct bootlog *bl, unsigned strap, const char *mode)
{
    text_put(bl->boot_mode, sizeof bl->boot_mode, "%s (boot:0x%x)", *mode ? mode : "unnamed", strap);
    bool download = strstr(mode, "DOWNLOAD") != NULL;
    bool flash = strstr(mode, "SPI_FAST_FLASH_BOOT") != NULL;
    if (!*mode && bl->rom) { /* the name was cut: the pin decides */
        download = !(strap & bl->rom->boot_pin_bit);
        flash = !download;
    }
    if (download) {
        note_msg(bl, catalogue_entry("download-mode"), NULL);
    } else if (!flash && *mode) {
        char what[512], why[1024];
        text_put(what, sizeof what, "the strapping pins selected %s (boot:0x%x), not the normal flash boot",
                 mode, strap);
        text_put(why, sizeof why,
                 "an unsupported boot mode is selected when the second strapping pin is high while %s is low",
                 bl->rom ? bl->rom->boot_pin : "the boot pin");
        note(bl, BOOTLOG_WARN, "odd-boot-mode", NULL, what, why,
             "check what drives the strapping pins at reset; leave them to their pull-ups/downs");
    }
    if (bl->rom && bl->rom->vdd18_bit && (strap & bl->rom->vdd18_bit) && !download) {
        char what[512], why[1024], fix[768];
        text_put(what, sizeof what,
                 "the strapping pins select 1.8 V for the flash (boot:0x%x: %s was high at reset)", strap,
                 bl->rom->vdd18_pin);
        text_put(
            why, sizeof why,
            "most modules have 3.3 V flash; at 1.8 V it cannot be read and the boot fails (flash read err, garbage segments), unless the module's flash really is 1.8 V or an eFuse fixes the voltage");
        text_put(
            fix, sizeof fix,
            "keep %s low at reset (remove what pulls it up), or, for 3.3 V flash, fix the voltage in eFuse (espefuse.py set_flash_voltage 3.3V)",
            bl->rom->vdd18_pin);
        note(bl, BOOTLOG_WARN, "flash-1v8-strap", NULL, what, why, fix);
    }
}

static void on_reset(struct bootlog *bl, const char *text, double t)
{
    struct pat_caps caps;
    if (!pat_find("rst:0x%x", text, &caps))
        return;
    unsigned code = (unsigned)strtoul(caps.cap[0], NULL, 16);
    char name[48] = "", mode[96] = "";
    const char *open = strchr(strstr(text, "rst:"), '(');
    const char *boot = strstr(text, "boot:0x");
    if (open && (!boot || open < boot))
        text_put(name, sizeof name, "%.*s", (int)strcspn(open + 1, ")"), open + 1);
    unsigned strap = boot ? (unsigned)strtoul(boot + 5, NULL, 16) : 0;
    const char *mopen = boot ? strchr(boot, '(') : NULL;
    const char *mclose = mopen ? strrchr(mopen, ')') : NULL;
    if (mopen)
        text_put(mode, sizeof mode, "%.*s", (int)((mclose ? mclose : mopen + strlen(mopen)) - mopen - 1),
                 mopen + 1);

    if (bl->boots == 0 || bl->cur.has_rst || bl->cur.nload || bl->cur.stage > BOOTLOG_STAGE_ROM)
        start_boot(bl, t);
    bl->cur.has_rst = true;
    if (t >= 0)
        bl->boot_t = t; /* capture tools stamp the banner early; the reset line is exact */
    if (!bl->chip && strlen(name) > 6 && strcmp(name + strlen(name) - 6, "_RESET") == 0)
        guess_classic_rom(bl); /* newer ROMs abbreviate: POWERON, TG0WDT_SYS_RST */

    const struct reset_reason *r = chip_rom_reason(bl->rom, code);
    enum reset_kind kind = bootlog_reset_kind(name);
    if (kind == RESET_UNKNOWN && r)
        kind = r->kind; /* the printed name wins; the number fills in */
    if (!*name && r)
        text_put(name, sizeof name, "%s", r->name);
    note_reset(bl, code, *name ? name : "unnamed", kind);
    if (bl->boots > 1)
        note_restart(bl, code, *name ? name : "unnamed", kind);
    if (boot)
        note_boot_mode(bl, strap, mode);
    update_loop(bl);
}

/* A FAIL finding about the image at the bootloader offset; what, why and
 * fix are templates ({bl}, {chip}, {wdt}...). */
static void note_bootloader_failure(struct bootlog *bl, const char *code, const char *what_tmpl,
                                    const char *why_tmpl, const char *fix_tmpl)
{
    char what[512], why[1024], fix[768];
    expand(bl, what_tmpl, NULL, what, sizeof what);
    expand(bl, why_tmpl, NULL, why, sizeof why);
    expand(bl, fix_tmpl, NULL, fix, sizeof fix);
    int i = note(bl, BOOTLOG_FAIL, code, NULL, what, why, fix);
    if (i >= 0)
        bl->f[i].target = BOOTLOG_TARGET_BOOTLOADER;
}

static void note_app_in_rom(struct bootlog *bl, uint32_t addr, unsigned long len, const struct mem_region *r)
{
    char size[32], what[512];
    thousands(size, sizeof size, len);
    const char *wdt = bl->rom ? bl->rom->watchdog : "watchdog";
    bool classic = bl->rom && bl->rom->classic;
    text_put(
        what, sizeof what,
        "the ROM is loading an APPLICATION as the second-stage bootloader: its %s segment maps flash at 0x%x (%s, %s bytes), %s; the %s resets the chip, forever",
        ordinal(bl->cur.nload), addr, r->name, size,
        classic ? "which the ROM cannot load"
                : "and the application cannot run without the second-stage bootloader",
        classic ? wdt : "watchdog");
    note_bootloader_failure(
        bl, "app-at-bootloader-offset", what,
        classic
            ? "the ROM copies the image at flash offset {bl} into RAM and jumps to it. A second-stage bootloader has only RAM segments; an application starts with segments the flash cache maps (DROM/IROM), which only the second-stage bootloader sets up. So the ROM never reaches 'entry', nothing stops the {wdt}, and it resets the chip to try again"
            : "the ROM loads the image at flash offset {bl} and jumps to its entry. A second-stage bootloader has only RAM segments; an application has segments mapped from flash (DROM/IROM) and expects the second-stage bootloader to have set up the flash cache, clocks and watchdogs. Started directly by the ROM it fails, and a watchdog resets the chip to try again",
        "write the second-stage bootloader (bootloader.bin) at {bl}, the partition table at 0x8000 and the application at 0x10000 (its partition's offset), e.g. espburn flash {bl} bootloader.bin 0x8000 partitions.bin 0x10000 app.bin");
}

static void note_garbage_segment(struct bootlog *bl, const char *addr, const char *len)
{
    char what[512];
    text_put(
        what, sizeof what,
        "the ROM read a nonsense segment from the bootloader header (load:0x%s,len:%s): the image at {bl} is not a valid bootloader",
        addr, len);
    note_bootloader_failure(
        bl, "bootloader-garbage", what,
        "the data at {bl} starts like an image but the rest is garbage: a corrupt or partial write, an image for another chip, flash encryption that does not match the data, or a flash that is read unreliably (flash mode, 1.8 V strapping, power, wiring)",
        "write the bootloader for this chip at {bl} again and verify it; if it keeps happening, use --flash-mode dio and check the flash's power and strapping pins");
}

/* "ESP32-S3 or ESP32-C3": the other chips whose RAM holds `addr`. */
static bool chips_with_ram_at(const struct chip *self, uint32_t addr, char *out, size_t cap)
{
    out[0] = '\0';
    for (const struct chip *c = chip_table; c->name; c++) {
        const struct mem_region *r = chip_region(c, addr);
        if (c != self && r && !mem_kind_is_flash_mapped(r->kind))
            text_add(out, cap, "%s%s", out[0] ? " or " : "", c->display);
    }
    return out[0] != '\0';
}

static void note_other_chip_segment(struct bootlog *bl, uint32_t addr, const char *others)
{
    char what[512];
    text_put(
        what, sizeof what,
        "the bootloader at {bl} was built for another chip (%s): its segment loads at 0x%x, which is RAM on that chip but not on {chip}",
        others, addr);
    note_bootloader_failure(
        bl, "bootloader-wrong-chip", what,
        "the firmware downloaded or built is for a different ESP32 variant than this board's chip; this ROM does not check the image's chip id, so it tries to load it and fails",
        "get the firmware built for {chip} (espburn info shows which chip a file is for) and write its bootloader at {bl}");
}

static void on_load(struct bootlog *bl, const char *text)
{
    struct pat_caps caps;
    char others[128];
    if (!pat_match_at("load:0x%x,len:%s", text, &caps))
        return;
    if (bl->boots == 0)
        start_boot(bl, -1);
    bl->cur.nload++;
    const char *len_text = caps.cap[1];
    bool hex = starts(len_text, "0x");
    if (!hex)
        guess_classic_rom(bl);
    char *end;
    long long len = strtoll(len_text, &end, hex ? 16 : 10);
    uint32_t addr = (uint32_t)strtoul(caps.cap[0], NULL, 16);
    const struct mem_region *r = bl->chip ? chip_region(bl->chip, addr) : NULL;
    if (!bl->chip)
        return;
    if (r && mem_kind_is_flash_mapped(r->kind) && len > 0) {
        if (!bl->cur.app_in_rom) /* once per boot: the first such segment */
            note_app_in_rom(bl, addr, (unsigned long)len, r);
        bl->cur.app_in_rom = true;
    } else if (!r && len > 0 && len <= 0x100000 && chips_with_ram_at(bl->chip, addr, others, sizeof others))
        note_other_chip_segment(bl, addr, others);
    else if (!r || len < 0 || len > 0x1000000)
        note_garbage_segment(bl, caps.cap[0], len_text);
}

/* esptool's boot-mode docs: the ROM reads the second-stage bootloader in a
 * dual mode only; a quad mode in its header is a known cause of garbage. */
static void note_quad_header(struct bootlog *bl, const char *mode)
{
    char what[512], fix[768];
    text_put(what, sizeof what, "the bootloader's header asks the ROM for %.*s flash mode",
             (int)strcspn(mode, ", "), mode);
    expand(
        bl,
        "write the bootloader again with --flash-mode dio (the second-stage bootloader switches the flash to QIO itself when it can)",
        NULL, fix, sizeof fix);
    note(
        bl, BOOTLOG_WARN, "quad-mode-header", NULL, what,
        "the ROM loads the second-stage bootloader in a dual mode (DIO or DOUT) only; with QIO or QOUT in the header many boards read garbage (load:0xffffffff,len:-1) or fail the checksum",
        fix);
}

static bool on_rom_line(struct bootlog *bl, const char *text, double t)
{
    if (starts(text, "rst:")) {
        on_reset(bl, text, t);
    } else if (starts(text, "load:")) {
        on_load(bl, text);
    } else if (starts(text, "entry 0x")) {
        bl->cur.entry = true;
        reach(bl, BOOTLOG_STAGE_SECOND);
    } else if (starts(text, "configsip:") || starts(text, "clk_drv:")) {
        guess_classic_rom(bl);
    } else if (starts(text, "mode:QIO") || starts(text, "mode:QOUT")) {
        note_quad_header(bl, text + 5);
    } else if (!(starts(text, "mode:") || starts(text, "SPIWP:") || starts(text, "Saved PC:") ||
                 starts(text, "ho ") || starts(text, "Build:"))) {
        return false;
    }
    return true;
}

/* ---- second stage and application -------------------------------------- */

/* "I (29) boot: text" -> tag and text; false when not an ESP-IDF log line. */
static bool idf_line(const char *s, char *tag, size_t cap, const char **text)
{
    if (!strchr("EWIDV", s[0]) || s[0] == '\0' || s[1] != ' ' || s[2] != '(')
        return false;
    const char *p = s + 3;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == s + 3 || p[0] != ')' || p[1] != ' ')
        return false;
    p += 2;
    size_t n = strcspn(p, ": ");
    if (n == 0 || p[n] != ':' || n >= cap)
        return false;
    memcpy(tag, p, n);
    tag[n] = '\0';
    *text = p + n + 1 + (p[n + 1] == ' ');
    return true;
}

static bool is_bootloader_tag(const char *tag)
{
    static const char *const tags[] = { "boot",         "esp_image",        "flash_parts",
                                        "qio_mode",     "bootloader_flash", "secure_boot",
                                        "flash_encrypt" };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (starts(tag, tags[i]))
            return true;
    return false;
}

static void on_idf_line(struct bootlog *bl, const char *tag, const char *text)
{
    if (is_bootloader_tag(tag) && bl->cur.stage < BOOTLOG_STAGE_APP) {
        reach(bl, BOOTLOG_STAGE_SECOND);
        const char *v = strstr(text, "ESP-IDF ");
        const char *e = strstr(text, " 2nd stage bootloader");
        if (v && e && e > v)
            text_put(bl->idf_version, sizeof bl->idf_version, "%.*s", (int)(e - v - 8), v + 8);
    } else if (bl->cur.stage >= BOOTLOG_STAGE_SECOND || bl->cur.entry) {
        reach(bl, BOOTLOG_STAGE_APP);
    }
}

static void on_panic(struct bootlog *bl, const char *text, const struct pat_caps *caps)
{
    const char *open = strstr(text, "panic'ed (");
    char cause[96] = "an exception", key[140], what[512], why[1024], fix[768];
    if (open) {
        open += strlen("panic'ed (");
        const char *close = strrchr(open, ')');
        text_put(cause, sizeof cause, "%.*s", (int)(close ? close - open : (long)strlen(open)), open);
    }
    const char *meaning = bootlog_panic_meaning(cause);
    text_put(key, sizeof key, "panic:%s", cause);
    text_put(what, sizeof what, "the application crashed: Guru Meditation Error on core %s (%s)",
             caps->cap[0], cause);
    text_put(why, sizeof why, "%s", meaning ? meaning : "the CPU raised an exception it could not handle");
    text_put(
        fix, sizeof fix, "%s",
        bl->opts.syms
            ? "the backtrace names the functions that led to the crash: fix the first one in your own code"
            : "give the application's ELF (espburn explain LOG --elf build/app.elf) to name the functions in the backtrace, then fix the first one in your own code");
    reach(bl, BOOTLOG_STAGE_APP);
    bl->panic = note(bl, BOOTLOG_FAIL, "panic", key, what, why, fix);
    bl->panic_addr_noted = false;
}

static void on_fault_address(struct bootlog *bl, const char *hex)
{
    uint32_t addr = (uint32_t)strtoul(hex, NULL, 16);
    if (bl->panic < 0 || bl->panic_addr_noted || addr >= 0x1000)
        return;
    struct bootlog_finding *f = &bl->f[bl->panic];
    text_add(f->why, sizeof f->why,
             "; the faulting address 0x%08x is near 0: a NULL pointer (or a field of one)", addr);
    f->version++;
    bl->panic_addr_noted = true;
}

static void describe_frame(const struct bootlog *bl, uint32_t pc, char *out, size_t cap)
{
    uint32_t off = 0;
    const struct elf_sym *s = bl->opts.syms ? elf_syms_find(bl->opts.syms, pc, &off) : NULL;
    if (s)
        text_put(out, cap, "%s+0x%x (0x%08x)", s->name, off, pc);
    else
        text_put(out, cap, "0x%08x", pc);
}

/* "Backtrace: 0x400d1234:0x3ffb1f10 0x400d5678:0x3ffb1f40 |<-CORRUPTED" */
static void on_backtrace(struct bootlog *bl, const char *text)
{
    char key[40], what[512] = "backtrace of the crash, innermost first: ", why[1024], frame[160];
    unsigned frames = 0;
    uint32_t first = 0;
    for (const char *p = strstr(text, "Backtrace:") + 10; (p = strstr(p, "0x")) != NULL;) {
        char *end;
        uint32_t pc = (uint32_t)strtoul(p + 2, &end, 16);
        if (end == p + 2 || end - p > 10 || *end != ':')
            break;
        p = end + 1;
        if (starts(p, "0x")) /* skip the stack pointer (8 hex digits at most) */
            for (p += 2;
                 p - end < 11 && ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'f'));)
                p++;
        if (frames == 0)
            first = pc;
        if (frames++ < 12) {
            describe_frame(bl, pc, frame, sizeof frame);
            text_add(what, sizeof what, "%s%s", frames > 1 ? " <- " : "", frame);
        }
    }
    if (frames == 0)
        return;
    text_put(why, sizeof why,
             "each address is a call on the way to the crash, from the crashing function outwards");
    if (strstr(text, "CORRUPTED"))
        text_add(
            why, sizeof why,
            "; the backtrace ends in |<-CORRUPTED: the stack itself was damaged (a stack overflow or a buffer written past its end)");
    text_put(key, sizeof key, "backtrace:%08x", first);
    note(
        bl, BOOTLOG_INFO, "backtrace", key, what, why,
        bl->opts.syms
            ? "start with the first function of your own code in the list"
            : "give the application's ELF (--elf build/app.elf) to turn these addresses into function names");
}

static void on_micropython(struct bootlog *bl, const char *text)
{
    char what[512];
    text_put(what, sizeof what, "MicroPython started: %s", text);
    reach(bl, BOOTLOG_STAGE_APP);
    note(bl, BOOTLOG_INFO, "micropython", NULL, what,
         "the application is running and its REPL prints this banner when it starts", "");
}

static bool on_app_event(struct bootlog *bl, const char *text)
{
    struct pat_caps caps;
    if (pat_find("Guru Meditation Error: Core %d panic'ed", text, &caps))
        on_panic(bl, text, &caps);
    else if (pat_find("EXCVADDR: 0x%x", text, &caps) || pat_find("MTVAL : 0x%x", text, &caps))
        on_fault_address(bl, caps.cap[0]);
    else if (strstr(text, "Backtrace:"))
        on_backtrace(bl, text);
    else if (starts(text, "MicroPython ") && strstr(text, " on "))
        on_micropython(bl, text);
    else
        return false;
    return true;
}

/* A line cut short by a reset may end in half a number: then a pattern
 * ending in a hole cannot be trusted. */
static bool ends_in_hole(const char *pat)
{
    size_t n = strlen(pat);
    return n >= 2 && pat[n - 2] == '%' && strchr("xds", pat[n - 1]);
}

static void match_catalogue(struct bootlog *bl, const char *text, bool cut)
{
    struct pat_caps caps;
    for (const struct bootlog_msg *m = bootlog_catalogue; m->code; m++) {
        if (!pat_find(m->pattern, text, &caps) || (cut && ends_in_hole(m->pattern)))
            continue;
        if (!m->unless || !has_code_prefix(bl, m->unless))
            note_msg(bl, m, &caps);
        return;
    }
}

/* ---- lines ------------------------------------------------------------- */

/* Skip a capture tool's timestamp: "[12:00:01.250] ", "12:00:01.250 -> ",
 * "12:00:01.250 > ". Returns the time of day in seconds, or -1. */
static double strip_timestamp(const char **s)
{
    struct pat_caps c;
    const char *p = *s;
    bool bracket = *p == '[';
    if (!pat_match_at(bracket ? "[%d:%d:%d" : "%d:%d:%d", p, &c))
        return -1;
    double t = atof(c.cap[0]) * 3600 + atof(c.cap[1]) * 60 + atof(c.cap[2]);
    p = strchr(p, ':') + 1;
    p = strchr(p, ':') + 1;
    while ((*p >= '0' && *p <= '9') || *p == '.')
        p++;
    if (*p == '.')
        p++;
    if (bracket) {
        if (*p != ']')
            return -1;
        p++;
    }
    while (*p == ' ')
        p++;
    if (!bracket) {
        if (starts(p, "->"))
            p += 2;
        else if (*p == '>')
            p++;
        else
            return -1;
    }
    const char *frac = strchr(*s, '.');
    if (frac && frac < p)
        t += atof(frac);
    while (*p == ' ')
        p++;
    *s = p;
    return t;
}

static void analyse_text(struct bootlog *bl, const char *text, double t, bool cut)
{
    char tag[40];
    const char *msg;
    if (!*text)
        return;
    if (banner_at(text) == 0) {
        on_banner(bl, text, t);
        return;
    }
    if (on_rom_line(bl, text, t))
        return;
    bool idf = idf_line(text, tag, sizeof tag, &msg);
    if (idf)
        on_idf_line(bl, tag, msg);
    if (!on_app_event(bl, text))
        match_catalogue(bl, text, cut);
    if (!idf && bl->cur.entry && bl->cur.stage == BOOTLOG_STAGE_SECOND)
        reach(bl, BOOTLOG_STAGE_APP); /* plain output after entry: the app is talking */
}

/* A colour code whose ESC a paste lost or spelt out: "[0;32m", "<0x1b>[0;32m",
 * "\u241b[0;32m" (three bytes, '?' here). */
static char *skip_pasted_colour(char *text)
{
    char *p = starts(text, "<0x1b>") ? text + 6 : starts(text, "???[") ? text + 3 : text;
    if (pat_match_at("[%d;%dm", p, NULL) || pat_match_at("[%dm", p, NULL))
        return strchr(p, 'm') + 1;
    return text;
}

static void analyse_line(struct bootlog *bl, char *text)
{
    bl->lines++;
    while (*text == ' ')
        text++;
    if (starts(text, "> ")) /* quoted in a forum post */
        text += 2;
    text = skip_pasted_colour(text);
    double t = strip_timestamp((const char **)&text);
    if (bl->feed_t >= 0)
        t = bl->feed_t;
    long at = banner_at(text);
    if (at > 0) { /* a reset cut the previous output short */
        char before[BOOTLOG_LINE_MAX];
        text_put(before, sizeof before, "%.*s", (int)at, text);
        analyse_text(bl, before, t, true);
        text += at;
    }
    analyse_text(bl, text, t, false);
}

static void end_line(struct bootlog *bl)
{
    if (bl->len == 0)
        return;
    bl->line[bl->len] = '\0';
    bl->len = 0;
    analyse_line(bl, bl->line);
}

void bootlog_feed(struct bootlog *bl, const char *data, size_t n, double t)
{
    bl->feed_t = t;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (bl->esc == 1) { /* ESC [ ... final byte: colour codes */
            bl->esc = c == '[' ? 2 : 0;
            continue;
        }
        if (bl->esc == 2) {
            if (c >= 0x40 && c <= 0x7E)
                bl->esc = 0;
            continue;
        }
        if (c == 0x1B) {
            bl->esc = 1;
        } else if (c == '\n' || c == '\r') {
            end_line(bl);
        } else if (c == '\t' || (c >= 0x20 && c < 0x7F) || c >= 0x80) {
            bl->line[bl->len++] = c >= 0x7F ? '?' : (c == '\t' ? ' ' : (char)c);
            if (bl->len == BOOTLOG_LINE_MAX - 1)
                end_line(bl);
        }
    }
}

/* MTDI high, yet the ROM read the bootloader: the module's flash is 1.8 V,
 * or an eFuse sets the voltage. Then the strapping is no problem. */
static void settle_flash_voltage(struct bootlog *bl)
{
    int i = find_key(bl, "flash-1v8-strap");
    static const char *const rom_failures[] = { "no-bootloader", "bad-bootloader-header",
                                                "bootloader-garbage", "bootloader-checksum" };
    if (i < 0 || bl->f[i].level != BOOTLOG_WARN || bl->max_stage < BOOTLOG_STAGE_SECOND)
        return;
    for (size_t k = 0; k < sizeof rom_failures / sizeof rom_failures[0]; k++)
        if (find_key(bl, rom_failures[k]) >= 0)
            return;
    struct bootlog_finding *f = &bl->f[i];
    f->level = BOOTLOG_INFO;
    text_put(
        f->why, sizeof f->why,
        "yet the ROM read the bootloader fine, so this module's flash runs at 1.8 V or an eFuse sets the flash voltage");
    text_put(f->fix, sizeof f->fix,
             "nothing, unless boots fail now and then; then keep the pin low at reset");
    f->version++;
}

void bootlog_finish(struct bootlog *bl)
{
    end_line(bl);
    commit_boot_time(bl);
    update_loop(bl);
    settle_flash_voltage(bl);
    if (bl->boots == 0 && bl->n == 0 && bl->cur.stage <= BOOTLOG_STAGE_ROM)
        note(
            bl, BOOTLOG_INFO, "nothing-recognised", NULL, "no boot output was recognised in this log",
            "it holds no ROM banner, reset line or known message: a wrong baud rate (boot messages are at 115200), the wrong port, or a capture that started after the boot",
            "capture from a reset at 115200 baud (espburn monitor resets the board when it starts)");
    else if (bl->boots == 0 && bl->n == 0)
        note(bl, BOOTLOG_INFO, "capture-after-reset", NULL,
             "the log starts after the chip's reset: the ROM's lines (reset reason, boot mode) are not in it",
             "the capture began once the chip was already booting, so what the ROM said is unknown",
             "to see the whole boot, capture from a reset (espburn monitor resets the board when it starts)");
    if (!bootlog_failed(bl) && bl->cur.stage == BOOTLOG_STAGE_APP) {
        char what[512];
        if (bl->boots)
            text_put(what, sizeof what, "the chip booted through the ROM%s%s%s and into the application",
                     bl->cur.entry ? ", the second-stage bootloader" : "",
                     bl->idf_version[0] ? " of ESP-IDF " : "", bl->idf_version);
        else /* the ROM's part was not captured */
            text_put(what, sizeof what, "the chip reached the application%s%s%s",
                     bl->idf_version[0] ? " (ESP-IDF " : "", bl->idf_version, bl->idf_version[0] ? ")" : "");
        note(bl, BOOTLOG_INFO, "healthy", NULL, what, "no failure was recognised in the boot output", "");
    }
}

/* ---- life cycle and queries -------------------------------------------- */

struct bootlog *bootlog_new(const struct bootlog_opts *opts)
{
    struct bootlog *bl = calloc(1, sizeof *bl);
    if (!bl)
        return NULL;
    if (opts)
        bl->opts = *opts;
    bl->chip = bl->opts.chip;
    bl->last_boot_t = -1;
    bl->boot_t = -1;
    bl->restart_code = -1;
    bl->panic = -1;
    bl->feed_t = -1;
    bl->rom = rom_of(bl, bl->chip);
    return bl;
}

void bootlog_free(struct bootlog *bl)
{
    free(bl);
}

int bootlog_note(struct bootlog *bl, enum bootlog_level level, const char *code, const char *what,
                 const char *why, const char *fix)
{
    return note(bl, level, code, NULL, what, why, fix);
}

unsigned bootlog_count(const struct bootlog *bl)
{
    return bl->n;
}

const struct bootlog_finding *bootlog_finding(const struct bootlog *bl, unsigned i)
{
    return i < bl->n ? &bl->f[i] : NULL;
}

struct bootlog_finding *bootlog_finding_mut(struct bootlog *bl, unsigned i)
{
    return i < bl->n ? &bl->f[i] : NULL;
}

bool bootlog_failed(const struct bootlog *bl)
{
    for (unsigned i = 0; i < bl->n; i++)
        if (bl->f[i].level == BOOTLOG_FAIL)
            return true;
    return false;
}

void bootlog_summary(const struct bootlog *bl, struct bootlog_summary *out)
{
    memset(out, 0, sizeof *out);
    out->chip = bl->chip;
    out->rom = bl->rom_desc;
    out->lines = bl->lines;
    out->boots = bl->boots;
    out->stage = bl->max_stage;
    out->now = bl->cur.stage;
    out->period = bl->nintervals > 0 ? median_interval(bl) : 0;
    text_put(out->idf_version, sizeof out->idf_version, "%s", bl->idf_version);
    text_put(out->boot_mode, sizeof out->boot_mode, "%s", bl->boot_mode);
}

const char *bootlog_level_name(enum bootlog_level level)
{
    return level == BOOTLOG_FAIL ? "fail" : level == BOOTLOG_WARN ? "warn" : "info";
}

const char *bootlog_stage_name(enum bootlog_stage stage)
{
    static const char *const names[] = { "none", "rom", "second-stage", "app" };
    return names[stage];
}
