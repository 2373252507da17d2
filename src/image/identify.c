/* identify.c - fw_identify: what a firmware file is, by content alone.
 * Tries merged images, ESP images, partition tables and then the other
 * detectors (formats.c, identify_text.c) in turn, and writes the one-line
 * summary (what it is, for which chip, where it must go) and the problem. */
#include "image/identify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "image/formats.h"

#define SECTOR           0x1000u
#define TABLE_SEARCH_END 0x20000u /* non-default table offsets live below this */

void fw_say(struct fw_ident *out, enum role role, const struct chip *chip, const char *fmt, ...)
{
    out->role = role;
    out->chip = chip;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->summary, sizeof out->summary, fmt, ap);
    va_end(ap);
}

void fw_problem(struct fw_ident *out, const char *fmt, ...)
{
    if (out->problem[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->problem, sizeof out->problem, fmt, ap);
    va_end(ap);
}

void fw_table_issues(struct fw_ident *out, uint32_t table_offset)
{
    struct pt_issue issues[PT_MAX_ISSUES];
    unsigned n = pt_check(&out->table, table_offset, issues, PT_MAX_ISSUES);
    if (n == 1)
        fw_problem(out, "%s", issues[0].text);
    else if (n > 1)
        fw_problem(out, "%s (and %u more issues)", issues[0].text, n - 1);
}

/* ---- ESP images ---- */

static void say_image(const struct esp_image *img, struct fw_ident *out)
{
    const struct chip *c = img->chip;
    const char *freq = chip_freq_name(c, img->flash_freq_code);
    char header[64];
    snprintf(header, sizeof header, "%s %s %s", esp_image_mode_name(img->flash_mode),
             esp_image_size_name(img->flash_size_code), freq ? freq : "?");
    if (img->role == ROLE_APP)
        fw_say(out, ROLE_APP, c,
               "%s application, %u segments, %s; belongs in an app partition, usually 0x%x; must be "
               "%u KB aligned; never at the bootloader offset 0x%x",
               c->display, img->nseg, header, PT_DEFAULT_APP_OFFSET, img->flash_align / 1024,
               c->bootloader_offset);
    else
        fw_say(out, ROLE_BOOTLOADER, c,
               "%s bootloader, %u segments, %s; write it at 0x%x (%s's bootloader offset)", c->display,
               img->nseg, header, c->bootloader_offset, c->display);
}

static void image_problems(const struct esp_image *img, struct fw_ident *out)
{
    if (!img->checksum_ok)
        fw_problem(out,
                   "bad checksum (stored 0x%02x, computed 0x%02x): the image is corrupt; get a "
                   "fresh copy",
                   img->checksum_stored, img->checksum_calc);
    if (img->sha_missing)
        fw_problem(out, "the header says a SHA-256 is appended but the file ends before it: the "
                        "image is truncated; get a complete copy");
    else if (img->hash_appended && !img->sha_ok)
        fw_problem(out, "the appended SHA-256 does not match the image: it is corrupt, or its header "
                        "was patched without updating the hash");
    if (img->bad_mapping_seg >= 0) {
        const struct esp_segment *s = &img->seg[img->bad_mapping_seg];
        fw_problem(out,
                   "segment %d (0x%08x) sits at file offset 0x%zx, which differs from its address "
                   "modulo %u KB: the cache would map it wrong; rebuild the image with esptool.py elf2image",
                   img->bad_mapping_seg + 1, s->load_addr, s->data_off, img->flash_align / 1024);
    }
}

static void identify_image(const struct esp_image *img, struct fw_ident *out)
{
    out->image = *img;
    say_image(img, out);
    image_problems(img, out);
}

/* An image whose structure could not be walked: say what it seems to be. */
static void identify_broken_image(const struct esp_image *img, const eb_err *err, struct fw_ident *out)
{
    out->image = *img;
    const char *what = img->role == ROLE_APP          ? "application"
                       : img->role == ROLE_BOOTLOADER ? "bootloader"
                                                      : "image";
    if (img->chip)
        fw_say(out, img->role, img->chip, "%s %s (damaged: %u segment%s readable)", img->chip->display, what,
               img->nseg, img->nseg == 1 ? "" : "s");
    else
        fw_say(out, ROLE_UNKNOWN, NULL,
               "a file starting like an ESP image (0xE9), for no chip espburn knows");
    fw_problem(out, "%s", err->msg);
}

static bool plausible_image_header(const uint8_t *data, size_t len)
{
    return len >= ESP_IMAGE_HEADER_LEN && data[0] == ESP_IMAGE_MAGIC && data[1] >= 1 &&
           data[1] <= ESP_IMAGE_MAX_SEGMENTS && data[2] <= 3 && chip_by_image_id(rd_le16(data + 12));
}

/* ---- binary partition tables ---- */

static bool fmt_table(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len < PT_ENTRY_LEN || !pt_row_is_entry(data))
        return false;
    if (pt_parse_bin(data, len, &out->table, NULL))
        return false;
    fw_say(out, ROLE_PARTITION_TABLE, NULL,
           "a partition table (binary): %u partitions, %s; write it at 0x%x (the default table "
           "offset, CONFIG_PARTITION_TABLE_OFFSET)",
           out->table.n,
           !out->table.has_md5 ? "no MD5 row"
           : out->table.md5_ok ? "MD5 ok"
                               : "MD5 wrong",
           PT_DEFAULT_OFFSET);
    fw_table_issues(out, PT_DEFAULT_OFFSET);
    return true;
}

/* ---- merged images ---- */

static void identify_content(const uint8_t *data, size_t len, struct fw_ident *out, bool merged_ok);

static void add_part(struct fw_ident *out, size_t off, size_t len, enum role role, const char *label,
                     const char *summary)
{
    if (out->nparts >= FW_MAX_PARTS)
        return;
    struct fw_part *p = &out->parts[out->nparts++];
    p->file_off = (uint32_t)off;
    p->len = (uint32_t)len;
    p->role = role;
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->summary, sizeof p->summary, "%s", summary);
}

static bool table_at(const uint8_t *data, size_t len, size_t off, struct part_table *t)
{
    return in_bounds(len, off, PT_ENTRY_LEN) && pt_row_is_entry(data + off) &&
           pt_parse_bin(data + off, len - off < PT_MAX_LEN ? len - off : PT_MAX_LEN, t, NULL) == 0;
}

/* A binary table in a 4 KB sector after the bootloader: 0x8000 - base
 * first (the default), then the other sectors below TABLE_SEARCH_END. */
static long find_table(const uint8_t *data, size_t len, uint32_t base, size_t boot_end, struct part_table *t)
{
    size_t want = PT_DEFAULT_OFFSET - base;
    if (table_at(data, len, want, t))
        return (long)want;
    for (size_t off = (boot_end + SECTOR - 1) / SECTOR * SECTOR; off + base < TABLE_SEARCH_END && off < len;
         off += SECTOR)
        if (off != want && table_at(data, len, off, t))
            return (long)off;
    return -1;
}

/* Record what is wrong with the contents `sub` of partition `p`, if anything. */
static void note_partition_problem(const struct partition *p, const struct fw_ident *sub,
                                   struct fw_ident *out)
{
    char name[64];
    if (p->label[0])
        snprintf(name, sizeof name, "partition '%s' (0x%x)", p->label, p->offset);
    else
        snprintf(name, sizeof name, "the image at 0x%x", p->offset);
    if (p->type == PT_TYPE_APP && sub->role != ROLE_APP)
        fw_problem(out, "%s does not hold an application: %s", name,
                   sub->problem[0] ? sub->problem : sub->summary);
    else if (sub->chip && sub->chip != out->image.chip)
        fw_problem(out,
                   "%s holds an image for %s but the bootloader is for %s: the board would "
                   "not run it; use parts built for one chip",
                   name, sub->chip->display, out->image.chip->display);
    else if (sub->problem[0])
        fw_problem(out, "%s: %s", name, sub->problem);
}

/* What partition `p` holds in the file (skipped when absent or erased). */
static void add_partition_part(const uint8_t *data, size_t len, uint32_t base, const struct partition *p,
                               struct fw_ident *out)
{
    if (p->offset < base || p->offset - base >= len)
        return;
    size_t off = p->offset - base;
    size_t n = len - off < p->size ? len - off : p->size;
    if (all_ff(data + off, n))
        return;
    struct fw_ident *sub = calloc(1, sizeof *sub);
    if (!sub)
        return;
    identify_content(data + off, n, sub, false);
    bool image = sub->role == ROLE_APP || sub->role == ROLE_BOOTLOADER;
    size_t used =
        image && sub->image.image_len ? sub->image.image_len : n; /* an image ends before its partition */
    add_part(out, off, used, sub->role, p->label, sub->summary);
    note_partition_problem(p, sub, out);
    free(sub);
}

/* The table found at file offset `t` (already in out->table) and what
 * each of its partitions holds. */
static void add_table_parts(const uint8_t *data, size_t len, uint32_t base, size_t t, struct fw_ident *out)
{
    char what[64];
    snprintf(what, sizeof what, "partition table, %u partitions", out->table.n);
    add_part(out, t, (out->table.n + out->table.has_md5) * PT_ENTRY_LEN, ROLE_PARTITION_TABLE, "", what);
    fw_table_issues(out, (uint32_t)t + base);
    for (unsigned i = 0; i < out->table.n; i++)
        add_partition_part(data, len, base, &out->table.p[i], out);
}

/* No table: the app at ESP-IDF's default offset, as if a partition held it. */
static void add_default_app_part(const uint8_t *data, size_t len, uint32_t base, struct fw_ident *out)
{
    struct partition app = { .type = PT_TYPE_APP, .offset = PT_DEFAULT_APP_OFFSET, .size = UINT32_MAX };
    add_partition_part(data, len, base, &app, out);
}

static void describe_merged(struct fw_ident *out, bool has_table)
{
    char list[200] = "";
    size_t used = 0;
    for (unsigned i = 0; i < out->nparts && used < sizeof list; i++) {
        const struct fw_part *p = &out->parts[i];
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s%s%s%s @0x%x", i ? ", " : "",
                                 role_name(p->role), p->label[0] ? " '" : "", p->label,
                                 p->label[0] ? "'" : "", p->file_off + out->merged_base);
    }
    fw_say(out, ROLE_MERGED, out->image.chip,
           "a merged image for %s: write the whole file at 0x%x; it holds %s%s", out->image.chip->display,
           out->merged_base, list,
           has_table ? "" : " (no partition table: one must be flashed at 0x8000 separately)");
}

/* Bootloader at file offset `off`: 0 (the file starts at the chip's
 * bootloader offset) or the chip's bootloader offset (the file starts at 0). */
static bool try_merged_at(const uint8_t *data, size_t len, size_t off, struct fw_ident *out)
{
    struct esp_image boot;
    if (off >= len || data[off] != ESP_IMAGE_MAGIC || (off && !all_ff(data, off)) ||
        esp_image_parse(data + off, len - off, &boot, NULL) || boot.role != ROLE_BOOTLOADER)
        return false;
    uint32_t base;
    if (off == boot.chip->bootloader_offset)
        base = 0;
    else if (off == 0)
        base = boot.chip->bootloader_offset;
    else
        return false;
    long t = find_table(data, len, base, off + boot.image_len, &out->table);
    size_t app_off = PT_DEFAULT_APP_OFFSET - base;
    bool app_there = in_bounds(len, app_off, 1) && data[app_off] == ESP_IMAGE_MAGIC;
    if (t < 0 && !app_there && off == 0)
        return false; /* a bootloader on its own, perhaps padded */
    out->image = boot;
    out->merged_base = base;
    add_part(out, off, boot.image_len, ROLE_BOOTLOADER, "", "bootloader");
    image_problems(&boot, out);
    if (t >= 0)
        add_table_parts(data, len, base, (size_t)t, out);
    else if (app_there)
        add_default_app_part(data, len, base, out);
    describe_merged(out, t >= 0);
    return true;
}

static bool fmt_merged(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (try_merged_at(data, len, 0, out))
        return true;
    for (const struct chip *c = chip_table; c->name; c++) {
        bool seen = false; /* each distinct bootloader offset once */
        for (const struct chip *d = chip_table; d != c; d++)
            seen |= d->bootloader_offset == c->bootloader_offset;
        if (!seen && c->bootloader_offset && try_merged_at(data, len, c->bootloader_offset, out))
            return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}

/* ---- the dispatcher ---- */

typedef bool (*detector)(const uint8_t *data, size_t len, struct fw_ident *out);

static const detector detectors[] = {
    fmt_table,    fmt_phy_init, fmt_uf2,    fmt_elf,    fmt_otadata, fmt_nvs,
    fmt_littlefs, fmt_fat,      fmt_spiffs, fmt_erased, fmt_text,
};

static void identify_content(const uint8_t *data, size_t len, struct fw_ident *out, bool merged_ok)
{
    memset(out, 0, sizeof *out);
    if (len == 0) {
        fw_say(out, ROLE_UNKNOWN, NULL, "an empty file");
        return;
    }
    if (merged_ok && fmt_merged(data, len, out))
        return;
    struct esp_image img;
    eb_err err = { 0 };
    bool esp = data[0] == ESP_IMAGE_MAGIC;
    int rc = esp ? esp_image_parse(data, len, &img, &err) : -1;
    if (esp && rc == 0 && img.chip) {
        identify_image(&img, out);
        return;
    }
    for (size_t i = 0; i < sizeof detectors / sizeof detectors[0]; i++) {
        if (detectors[i](data, len, out))
            return;
        memset(out, 0, sizeof *out);
    }
    if (esp && (rc == 0 || plausible_image_header(data, len))) {
        if (rc == 0)
            eb_fail(&err, EB_PROBLEM,
                    "the image is for chip id %u, which espburn does not know "
                    "(an ESP8266 image, or a newer chip)",
                    img.chip_id);
        identify_broken_image(&img, &err, out);
        return;
    }
    fw_say(out, ROLE_UNKNOWN, NULL,
           "unknown content: not a firmware image, table or filesystem "
           "espburn recognises (%zu bytes)",
           len);
}

const char *fw_micropython_flavour(const uint8_t *app, size_t len)
{
    static const char lobo[] = "ESP32_LoBo", mpy[] = "MicroPython";
    if (!app)
        return NULL;
    if (memmem(app, len, lobo, sizeof lobo - 1))
        return "lobo";
    return memmem(app, len, mpy, sizeof mpy - 1) ? "official" : NULL;
}

void fw_identify(const uint8_t *data, size_t len, struct fw_ident *out)
{
    identify_content(data, len, out, true);
}

/* ---- where it must go ---- */

#define FS_WHERE                                                                    \
    "write it at the offset of the data partition it was built for (its size must " \
    "match that partition)"

static const char *const fixed_where[ROLE_COUNT] = {
    [ROLE_UNKNOWN] = "espburn cannot tell where it goes",
    [ROLE_PARTITION_TABLE] = "write it at 0x8000, the partition table offset (unless the bootloader "
                             "was built with another CONFIG_PARTITION_TABLE_OFFSET)",
    [ROLE_PARTITION_CSV] = "not flashable as text: convert it with 'espburn table csv2bin' and write "
                           "the binary at 0x8000",
    [ROLE_PHY_INIT] = "write it at the 'phy' data partition's offset (0xf000 in ESP-IDF's default tables)",
    [ROLE_OTADATA] = "write it at the 'otadata' data partition's offset (0xd000 in ESP-IDF's "
                     "two-OTA table)",
    [ROLE_NVS] = "write it at the 'nvs' data partition's offset (0x9000 in ESP-IDF's default tables)",
    [ROLE_LITTLEFS] = FS_WHERE,
    [ROLE_FATFS] = FS_WHERE,
    [ROLE_SPIFFS] = FS_WHERE,
    [ROLE_UF2] = "copy it to the board's UF2 drive (TinyUF2); it carries its own addresses",
    [ROLE_ELF] = "nowhere as it is: convert it with 'esptool.py elf2image' first",
    [ROLE_MANIFEST] = "not flashed itself: 'espburn plan FILE' builds the flash plan from it",
    [ROLE_ERASED] = "nothing to flash: erased space",
};

void fw_where(const struct fw_ident *id, char *buf, size_t n)
{
    enum role r = id->role;
    if (r == ROLE_BOOTLOADER)
        snprintf(buf, n, "write it at 0x%x (%s's bootloader offset)", id->chip->bootloader_offset,
                 id->chip->display);
    else if (r == ROLE_APP)
        snprintf(buf, n,
                 "belongs in an app partition (factory or ota_N), usually 0x%x; must be "
                 "%u KB aligned; never at the bootloader offset 0x%x: the ROM would load it as a "
                 "bootloader and reset forever",
                 PT_DEFAULT_APP_OFFSET, id->image.flash_align / 1024, id->chip->bootloader_offset);
    else if (r == ROLE_MERGED)
        snprintf(buf, n, "write the whole file at 0x%x; its parts then land at their own addresses",
                 id->merged_base);
    else
        snprintf(buf, n, "%s", fixed_where[r]);
}
