/* simboot_idf.c - the ESP-IDF second-stage bootloader as the ROM started it:
 * its banner, flash settings, the partition table at 0x8000 (rows, MD5
 * row, end row, sizes against the flash size in its own header), the app
 * selection (factory, otadata, fallbacks), the image verification
 * (magic, segments, mapping, checksum, length, appended SHA-256, chip id)
 * and the exact log lines of each step. Formats and order follow ESP-IDF
 * v3.x components/bootloader_support (bootloader_utility.c,
 * esp_image_format.c, flash_partitions.c, bootloader_init.c), the format
 * strings the flashed bootloader itself carries (its version, compile time
 * and colours are read from it; v4's chip id check, v4.3's "boot.<chip>"
 * tag and v4's "paddr=%08x ... size=%05xh" segment lines are used when it
 * carries them). */
#include "sim/simboot_internal.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "common/hash.h"
#include "image/esp_image.h"
#include "image/part_table.h"

#define VERIFY_NS_PER_BYTE 330u     /* mmap + checksum + SHA-256: ~3 MB/s */
#define START_NS           8000000u /* clocks, cache and flash set-up before the first line */
#define NOT_LOADED_BELOW   0x10000u /* segments below this address are padding, never loaded */
#define SIXTEEN_MB         0x1000000u
#define MMU_PAGE_DEFAULT   0x10000u /* chips whose page size the app descriptor gives */
#define MAX_OTA_SLOTS      16
#define FACTORY_INDEX      (-1)
#define TEST_APP_INDEX     (-2)
#define OTA_SECTOR         0x1000u

struct part_pos {
    uint32_t offset, size;
};

struct idf_state {
    struct part_pos ota_info, factory, test, ota[MAX_OTA_SLOTS];
    int app_count;
};

struct idf {
    struct simboot_cursor *c;
    const uint8_t *bl; /* the bootloader image in flash */
    size_t bl_len;
    uint32_t chip_size;        /* from the bootloader's header */
    bool checks_chip_id;       /* the bootloader carries v4's chip id check */
    bool hex_h_segments;       /* v4+ "paddr=%08x ... size=%05xh" segment lines */
    char spi_tag[24];          /* "boot", or v4.3+'s "boot.esp32s3" */
    struct esp_boot_desc desc; /* ESP-IDF 5.2+: version and build time */
};

/* ---- what the bootloader carries --------------------------------------- */

/* The printable text after `prefix` in the bootloader's string containing
 * it, up to a colour code or the end; "" when absent or odd. */
static void carried_text(const struct idf *b, const char *prefix, char *dst, size_t cap)
{
    dst[0] = 0;
    const char *s = simboot_find_string(b->bl, b->bl_len, prefix);
    if (!s)
        return;
    s = strstr(s, prefix) + strlen(prefix);
    size_t n = 0;
    while (s[n] >= 0x20 && s[n] < 0x7F && s[n] != '%' && n + 1 < cap)
        n++;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* The IDF version: from the bootloader descriptor (ESP-IDF 5.2+), else
 * the string stored just before the banner format. */
static void carried_version(const struct idf *b, char *dst, size_t cap)
{
    snprintf(dst, cap, "unknown");
    if (b->desc.present && b->desc.idf_ver[0]) {
        snprintf(dst, cap, "%s", b->desc.idf_ver);
        return;
    }
    const char *fmt = simboot_find_string(b->bl, b->bl_len, "2nd stage bootloader");
    const uint8_t *p = (const uint8_t *)fmt;
    if (!p)
        return;
    while (p > b->bl && p[-1] == 0)
        p--;
    const uint8_t *end = p;
    while (p > b->bl && p[-1] >= 0x20 && p[-1] < 0x7F)
        p--;
    size_t n = (size_t)(end - p);
    if (n == 0 || n >= cap || n > 40)
        return;
    memcpy(dst, p, n);
    dst[n] = 0;
}

/* The tag of the flash-settings lines: "boot.<chip>" when the bootloader
 * carries that string (ESP-IDF v4.3 and later), else "boot". */
static void carried_tag(const struct idf *b, const struct chip *chip, char *dst, size_t cap)
{
    char tag[24];
    snprintf(tag, sizeof tag, "boot.%s", chip->name);
    const char *s = simboot_find_string(b->bl, b->bl_len, tag);
    snprintf(dst, cap, "%s", s && strcmp(s, tag) == 0 ? tag : "boot");
}

/* ---- header facts -------------------------------------------------------- */

static const char *spi_speed_name(uint8_t code)
{
    switch (code) {
    case 0x0: return "40MHz";
    case 0x1: return "26.7MHz";
    case 0xF: return "80MHz";
    default: return "20MHz";
    }
}

static const char *spi_mode_name(uint8_t mode)
{
    static const char *const names[] = { "QIO", "QOUT", "DIO", "DOUT", "FAST READ", "SLOW READ" };
    return mode < 6 ? names[mode] : "DIO";
}

static const char *flash_size_name(uint8_t code)
{
    static const char *const names[] = { "1MB", "2MB", "4MB", "8MB", "16MB" };
    return code < 5 ? names[code] : "2MB";
}

static void print_banner(struct idf *b)
{
    struct simboot_cursor *c = b->c;
    char ver[48], when[48];
    carried_version(b, ver, sizeof ver);
    carried_text(b, "compile time ", when, sizeof when);
    if (!when[0] && b->desc.present)
        snprintf(when, sizeof when, "%s", b->desc.date_time);
    const char *fmt = simboot_find_string(b->bl, b->bl_len, "2nd stage bootloader");
    c->colors = fmt && fmt[0] == 0x1b;
    simboot_spend(c, START_NS);
    simboot_log(c, 'I', "boot", "ESP-IDF %s 2nd stage bootloader", ver);
    if (when[0])
        simboot_log(c, 'I', "boot", "compile time %s", when);
    simboot_log(c, 'I', "boot", "Enabling RNG early entropy source...");
    simboot_log(c, 'I', b->spi_tag, "SPI Speed      : %s", spi_speed_name(b->bl[3] & 0x0F));
    simboot_log(c, 'I', b->spi_tag, "SPI Mode       : %s", spi_mode_name(b->bl[2]));
    simboot_log(c, 'I', b->spi_tag, "SPI Flash Size : %s", flash_size_name(b->bl[3] >> 4));
}

/* ---- partition table ------------------------------------------------------ */

static void fail_and_reset(struct idf *b, const char *why)
{
    struct simboot_cursor *c = b->c;
    simboot_reset(c, c->t_ns, c->sys_rst, 0,
                  "%s; the second-stage bootloader resets the chip (bootloader_reset)", why);
}

/* esp_partition_table_basic_verify(): rows in order until the end row. */
static bool verify_table(struct idf *b, const uint8_t *t, int *nparts)
{
    struct simboot_cursor *c = b->c;
    bool md5_found = false;
    for (int i = 0; i < PT_MAX_LEN / PT_ENTRY_LEN; i++) {
        const uint8_t *row = t + i * PT_ENTRY_LEN;
        uint16_t magic = rd_le16(row);
        if (magic == 0x50AA) {
            uint32_t off = rd_le32(row + 4), size = rd_le32(row + 8);
            if (off > b->chip_size || size > b->chip_size - off) {
                simboot_log(c, 'E', "flash_parts",
                            "partition %d invalid - offset 0x%x size 0x%x exceeds "
                            "flash chip size 0x%x",
                            i, off, size, b->chip_size);
                return false;
            }
        } else if (magic == 0xEBEB) {
            if (md5_found) {
                simboot_log(c, 'E', "flash_parts", "Only one MD5 checksum is allowed");
                return false;
            }
            md5_found = true;
            uint8_t d[EB_MD5_LEN];
            md5_buf(t, (size_t)i * PT_ENTRY_LEN, d);
            if (memcmp(d, row + 16, sizeof d) != 0) {
                simboot_log(c, 'E', "flash_parts", "Incorrect MD5 checksum");
                return false;
            }
        } else if (magic == 0xFFFF && row[2] == 0xFF && row[3] == 0xFF) {
            *nparts = i - (md5_found ? 1 : 0);
            return true;
        } else {
            simboot_log(c, 'E', "flash_parts", "partition %d invalid magic number 0x%x", i, magic);
            return false;
        }
    }
    simboot_log(c, 'E', "flash_parts", "partition table has no terminating entry, not valid");
    return false;
}

static const char *note_partition(struct idf_state *bs, uint8_t type, uint8_t sub, struct part_pos pos)
{
    if (type == PT_TYPE_APP) {
        if (sub == PT_SUB_FACTORY) {
            bs->factory = pos;
            return "factory app";
        }
        if (sub == PT_SUB_TEST) {
            bs->test = pos;
            return "test app";
        }
        if ((sub & 0xF0) == PT_SUB_OTA_0) {
            bs->ota[sub & 0x0F] = pos;
            ++bs->app_count;
            return "OTA app";
        }
        return "Unknown app";
    }
    if (type == PT_TYPE_DATA) {
        switch (sub) {
        case PT_SUB_OTADATA: bs->ota_info = pos; return "OTA data";
        case PT_SUB_PHY: return "RF data";
        case PT_SUB_NVS: return "WiFi data";
        default: return "Unknown data";
        }
    }
    return "unknown";
}

static bool load_table(struct idf *b, struct idf_state *bs)
{
    struct simboot_cursor *c = b->c;
    const uint8_t *t = simboot_flash_at(c->in, PT_DEFAULT_OFFSET, PT_MAX_LEN);
    int n = 0;
    if (!t) {
        simboot_log(c, 'E', "boot", "bootloader_mmap(0x%x, 0x%x) failed", PT_DEFAULT_OFFSET, PT_MAX_LEN);
        return false;
    }
    if (!verify_table(b, t, &n)) {
        simboot_log(c, 'E', "boot", "Failed to verify partition table");
        return false;
    }
    simboot_log(c, 'I', "boot", "Partition Table:");
    simboot_log(c, 'I', "boot", "## Label            Usage          Type ST Offset   Length");
    for (int i = 0, shown = 0; shown < n; i++) {
        const uint8_t *row = t + i * PT_ENTRY_LEN;
        if (rd_le16(row) != 0x50AA)
            continue; /* the MD5 row */
        char label[17];
        memcpy(label, row + 12, 16);
        label[16] = 0;
        struct part_pos pos = { rd_le32(row + 4), rd_le32(row + 8) };
        const char *usage = note_partition(bs, row[2], row[3], pos);
        simboot_log(c, 'I', "boot", "%2d %-16s %-16s %02x %02x %08x %08x", shown, label, usage, row[2],
                    row[3], pos.offset, pos.size);
        shown++;
    }
    simboot_log(c, 'I', "boot", "End of partition table");
    return true;
}

/* ---- app selection --------------------------------------------------------- */

static bool ota_entry_valid(const uint8_t *e)
{
    uint32_t seq = rd_le32(e);
    return seq != UINT32_MAX && rd_le32(e + 28) == (uint32_t)crc32(0xFFFFFFFFul, e, 4);
}

/* bootloader_utility_get_selected_boot_partition(); INT32_MIN: give up. */
static int select_partition(struct idf *b, const struct idf_state *bs)
{
    struct simboot_cursor *c = b->c;
    if (bs->ota_info.offset == 0)
        return FACTORY_INDEX;
    if (bs->ota_info.size < 2 * OTA_SECTOR || bs->ota_info.size % OTA_SECTOR) {
        simboot_log(c, 'E', "boot", "ota_info partition size %u is too small (minimum %u bytes)",
                    bs->ota_info.size, 2 * OTA_SECTOR);
        return INT32_MIN;
    }
    const uint8_t *sa = simboot_flash_at(c->in, bs->ota_info.offset, 32);
    const uint8_t *sb = simboot_flash_at(c->in, bs->ota_info.offset + OTA_SECTOR, 32);
    if (!sa || !sb)
        return FACTORY_INDEX;
    if (rd_le32(sa) == UINT32_MAX && rd_le32(sb) == UINT32_MAX) {
        if (bs->factory.offset != 0) {
            simboot_log(c, 'I', "boot", "Defaulting to factory image");
            return FACTORY_INDEX;
        }
        simboot_log(c, 'I', "boot", "No factory image, trying OTA 0");
        return 0;
    }
    bool va = ota_entry_valid(sa), vb = ota_entry_valid(sb);
    if ((va || vb) && bs->app_count > 0) {
        uint32_t seq = va && vb ? (rd_le32(sa) > rd_le32(sb) ? rd_le32(sa) : rd_le32(sb))
                       : va     ? rd_le32(sa)
                                : rd_le32(sb);
        return (int)((seq - 1) % (uint32_t)bs->app_count);
    }
    if (bs->factory.offset != 0)
        simboot_log(c, 'E', "boot", "ota data partition invalid, falling back to factory");
    else
        simboot_log(c, 'E', "boot", "ota data partition invalid and no factory, will try all partitions");
    return FACTORY_INDEX;
}

static struct part_pos index_to_partition(const struct idf_state *bs, int index)
{
    if (index == FACTORY_INDEX)
        return bs->factory;
    if (index == TEST_APP_INDEX)
        return bs->test;
    if (index >= 0 && index < MAX_OTA_SLOTS)
        return bs->ota[index];
    return (struct part_pos){ 0, 0 };
}

/* ---- image verification (esp_image_load) ------------------------------------ */

static bool should_map(const struct chip *chip, uint32_t addr)
{
    const struct mem_region *r = chip_region(chip, addr);
    return r && mem_kind_is_flash_mapped(r->kind);
}

static bool verify_header(struct idf *b, uint32_t off, const uint8_t *h)
{
    struct simboot_cursor *c = b->c;
    bool ok = true;
    if (h[0] != 0xE9) {
        simboot_log(c, 'E', "esp_image", "image at 0x%x has invalid magic byte", off);
        ok = false;
    }
    if (h[2] > 5)
        simboot_log(c, 'W', "esp_image", "image at 0x%x has invalid SPI mode %d", off, h[2]);
    if ((h[3] >> 4) > 5)
        simboot_log(c, 'W', "esp_image", "image at 0x%x has invalid SPI size %d", off, h[3] >> 4);
    if (ok && b->checks_chip_id && rd_le16(h + 12) != c->in->chip->image_chip_id) {
        simboot_log(c, 'E', "esp_image", "mismatch chip ID, expected %d, found %d",
                    c->in->chip->image_chip_id, rd_le16(h + 12));
        ok = false;
    }
    return ok;
}

/* One segment: its header, the line, its data into the checksum/hash. */
static bool process_segment(struct idf *b, int i, uint32_t addr, uint8_t *sum, uint32_t *len_out)
{
    struct simboot_cursor *c = b->c;
    const struct chip *chip = c->in->chip;
    const uint8_t *sh = simboot_flash_at(c->in, addr, 8);
    if (!sh) {
        simboot_log(c, 'E', "esp_image", "bootloader_flash_read failed at 0x%08x", addr);
        return false;
    }
    uint32_t load = rd_le32(sh), len = rd_le32(sh + 4), data_addr = addr + 8;
    uint32_t page = chip->mmu_page_size ? chip->mmu_page_size : MMU_PAGE_DEFAULT;
    if ((len & 3) || len >= SIXTEEN_MB) {
        simboot_log(c, 'E', "esp_image", "invalid segment length 0x%x", len);
        return false;
    }
    bool map = should_map(chip, load);
    if (map && data_addr % page != load % page) {
        simboot_log(c, 'E', "esp_image", "Segment %d load address 0x%08x, doesn't match data 0x%08x", i, load,
                    data_addr);
        return false;
    }
    bool do_load = !map && load >= NOT_LOADED_BELOW;
    const char *kind = do_load ? "load" : map ? "map" : "";
    if (b->hex_h_segments)
        simboot_log(c, 'I', "esp_image", "segment %d: paddr=%08x vaddr=%08x size=%05xh (%6d) %s", i,
                    data_addr, load, len, (int)len, kind);
    else
        simboot_log(c, 'I', "esp_image", "segment %d: paddr=0x%08x vaddr=0x%08x size=0x%05x (%6d) %s", i,
                    data_addr, load, len, (int)len, kind);
    const uint8_t *data = simboot_flash_at(c->in, data_addr, len);
    if (!data) {
        simboot_log(c, 'E', "esp_image", "bootloader_mmap(0x%x, 0x%x) failed", data_addr, len);
        return false;
    }
    for (uint32_t j = 0; j < len; j++)
        *sum ^= data[j];
    simboot_spend(c, (uint64_t)len * VERIFY_NS_PER_BYTE);
    *len_out = len;
    return true;
}

static bool verify_tail(struct idf *b, struct part_pos part, uint32_t unpadded, uint8_t sum, bool hashed,
                        uint32_t *image_len_out)
{
    struct simboot_cursor *c = b->c;
    uint32_t length = (unpadded + 1 + 15) & ~15u;
    const uint8_t *stored = simboot_flash_at(c->in, part.offset + length - 1, 1);
    if (!stored || *stored != sum) {
        simboot_log(c, 'E', "esp_image", "Checksum failed. Calculated 0x%x read 0x%x", sum,
                    stored ? *stored : 0xFF);
        return false;
    }
    uint32_t image_len = length + (hashed ? 32 : 0);
    if (image_len > part.size) {
        simboot_log(c, 'E', "esp_image", "Image length %d doesn't fit in partition length %d", (int)image_len,
                    (int)part.size);
        return false;
    }
    *image_len_out = image_len;
    if (!hashed)
        return true;
    const uint8_t *img = simboot_flash_at(c->in, part.offset, image_len);
    uint8_t d[EB_SHA256_LEN];
    if (img)
        sha256_buf(img, length, d);
    if (!img || memcmp(d, img + length, sizeof d) != 0) {
        simboot_log(c, 'E', "esp_image", "Image hash failed - image is corrupt");
        return false;
    }
    return true;
}

/* try_load_partition(): true with the image length (padding and hash
 * included) when it is bootable. */
static bool try_load(struct idf *b, struct part_pos part, uint32_t *image_len)
{
    struct simboot_cursor *c = b->c;
    if (part.size > SIXTEEN_MB) {
        simboot_log(c, 'E', "esp_image", "partition size 0x%x invalid, larger than 16MB", part.size);
        return false;
    }
    const uint8_t *h = simboot_flash_at(c->in, part.offset, ESP_IMAGE_HEADER_LEN);
    if (!h) {
        simboot_log(c, 'E', "esp_image", "bootloader_flash_read failed at 0x%08x", part.offset);
        return false;
    }
    if (!verify_header(b, part.offset, h))
        return false;
    if (h[1] > ESP_IMAGE_MAX_SEGMENTS) {
        simboot_log(c, 'E', "esp_image", "image at 0x%x segment count %d exceeds max %d", part.offset, h[1],
                    ESP_IMAGE_MAX_SEGMENTS);
        return false;
    }
    uint32_t next = part.offset + ESP_IMAGE_HEADER_LEN;
    uint8_t sum = 0xEF;
    for (int i = 0; i < h[1]; i++) {
        uint32_t len = 0;
        if (!process_segment(b, i, next, &sum, &len))
            return false;
        next += 8 + len;
    }
    if (!verify_tail(b, part, next - part.offset, sum, h[23] == 1, image_len))
        return false;
    simboot_log(c, 'I', "boot", "Loaded app from partition at offset 0x%x", part.offset);
    return true;
}

static void log_not_bootable(struct idf *b, int index)
{
    if (index == FACTORY_INDEX)
        simboot_log(b->c, 'E', "boot", "Factory app partition is not bootable");
    else if (index == TEST_APP_INDEX)
        simboot_log(b->c, 'E', "boot", "Factory test app partition is not bootable");
    else
        simboot_log(b->c, 'E', "boot", "OTA app partition slot %d is not bootable", index);
}

/* bootloader_utility_load_boot_image(): backwards to factory, then
 * forwards through the OTA slots, then the test app. */
static bool try_index(struct idf *b, const struct idf_state *bs, int index, struct part_pos *found,
                      uint32_t *len)
{
    struct part_pos p = index_to_partition(bs, index);
    if (p.size == 0)
        return false;
    if (try_load(b, p, len)) {
        *found = p;
        return true;
    }
    log_not_bootable(b, index);
    return false;
}

static bool find_app(struct idf *b, const struct idf_state *bs, int start, struct part_pos *found,
                     uint32_t *len)
{
    for (int index = start; index >= FACTORY_INDEX; index--)
        if (try_index(b, bs, index, found, len))
            return true;
    for (int index = start + 1; index < bs->app_count; index++)
        if (try_index(b, bs, index, found, len))
            return true;
    if (bs->test.size && try_load(b, bs->test, len)) {
        simboot_log(b->c, 'W', "boot", "Falling back to test app as only bootable partition");
        return (*found = bs->test), true;
    }
    return false;
}

void simboot_idf_run(struct simboot_cursor *c, const uint8_t *bl, size_t bl_len)
{
    struct idf b = { .c = c, .bl = bl, .bl_len = bl_len };
    b.chip_size = flash_size_bytes(bl[3] >> 4);
    if (!b.chip_size)
        b.chip_size = 2u << 20; /* the bootloader's default: 2MB */
    b.checks_chip_id = simboot_find_string(b.bl, b.bl_len, "mismatch chip ID") != NULL;
    b.hex_h_segments = !simboot_find_string(b.bl, b.bl_len, "paddr=0x") &&
                       simboot_find_string(b.bl, b.bl_len, "segment %d: paddr=%08") != NULL;
    carried_tag(&b, c->in->chip, b.spi_tag, sizeof b.spi_tag);
    struct esp_image img;
    if (esp_image_parse(b.bl, b.bl_len, &img, NULL) == 0)
        b.desc = img.boot;
    print_banner(&b);
    struct idf_state bs = { 0 };
    if (!load_table(&b, &bs)) {
        simboot_log(c, 'E', "boot", "load partition table error!");
        fail_and_reset(&b, "the partition table at 0x8000 is missing or invalid");
        return;
    }
    int start = select_partition(&b, &bs);
    if (start == INT32_MIN) {
        fail_and_reset(&b, "the otadata partition is too small");
        return;
    }
    struct part_pos app;
    uint32_t len = 0;
    if (!find_app(&b, &bs, start, &app, &len)) {
        simboot_log(c, 'E', "boot", "No bootable app partitions in the partition table");
        fail_and_reset(&b, "no app partition holds a valid application");
        return;
    }
    simboot_log(c, 'I', "boot", "Disabling RNG early entropy source...");
    simboot_app_run(c, app.offset, len);
}
