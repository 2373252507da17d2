/* esp_image.c - parsing and patching ESP firmware images (magic 0xE9):
 * header, segments and the memory regions they land in, checksum, appended
 * SHA-256, ESP-IDF app / bootloader descriptors, and the verdict bootloader
 * (RAM only) or application (flash mapped). Layouts follow esptool's
 * bin_image.py and ESP-IDF's esp_app_desc.h / esp_bootloader_desc.h. */
#include "image/esp_image.h"

#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"

#define CHECKSUM_SEED   0xEF
#define SHA256_LEN      EB_SHA256_LEN
#define APP_DESC_OFF    0x20
#define APP_DESC_LEN    256
#define BOOT_DESC_MAGIC 0x50
#define BOOT_DESC_LEN   80

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *esp_image_mode_name(uint8_t mode)
{
    static const char *const names[] = { "QIO", "QOUT", "DIO", "DOUT" };
    return mode < COUNT(names) ? names[mode] : "?";
}

const char *esp_image_size_name(uint8_t code)
{
    static const char *const names[] = { "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB" };
    return code < COUNT(names) ? names[code] : "?";
}

/* Copy a fixed-size C string field, stopping at NUL, making it printable. */
static void copy_field(char *dst, size_t dst_size, const uint8_t *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < dst_size && src[i]; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? (char)src[i] : '?';
    dst[i] = '\0';
}

/* esptool's image header: magic 0, segment count 1, flash mode 2, flash
 * size/frequency 3, entry 4, WP pin 8, chip id 12, min revision 14, min/max
 * full revision 15/17, hash appended 23. */
static void read_header(const uint8_t *h, struct esp_image *img)
{
    img->flash_mode = h[2];
    img->flash_size_code = h[3] >> 4;
    img->flash_freq_code = h[3] & 0x0F;
    img->entry = rd_le32(h + 4);
    img->wp_pin = h[8];
    img->chip_id = rd_le16(h + 12);
    img->min_rev_legacy = h[14];
    img->min_rev_full = rd_le16(h + 15);
    img->max_rev_full = rd_le16(h + 17);
    img->hash_appended = h[23] == 1;
    img->chip = chip_by_image_id(img->chip_id);
}

/* XOR of every byte, a word at a time (the image checksum is over MBs). */
static uint8_t xor_bytes(const uint8_t *p, size_t n, uint8_t acc)
{
    uint64_t w = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        w ^= v;
    }
    for (int s = 0; s < 64; s += 8)
        acc ^= (uint8_t)(w >> s);
    for (; i < n; i++)
        acc ^= p[i];
    return acc;
}

static int walk_segments(const uint8_t *data, size_t len, struct esp_image *img, unsigned count, eb_err *err)
{
    size_t off = ESP_IMAGE_HEADER_LEN;
    uint8_t sum = CHECKSUM_SEED;
    for (unsigned i = 0; i < count; i++) {
        if (!in_bounds(len, off, 8))
            return eb_fail(err, EB_PROBLEM,
                           "the image is truncated in the header of segment %u of %u; "
                           "get a complete copy of the file",
                           i + 1, count);
        struct esp_segment *s = &img->seg[i];
        s->load_addr = rd_le32(data + off);
        s->len = rd_le32(data + off + 4);
        s->data_off = off + 8;
        s->region = img->chip ? chip_region(img->chip, s->load_addr) : NULL;
        img->nseg = i + 1;
        if (!in_bounds(len, s->data_off, s->len))
            return eb_fail(err, EB_PROBLEM,
                           "the image is truncated in segment %u of %u (it needs %u bytes at "
                           "offset 0x%zx, the file has %zu); get a complete copy of the file",
                           i + 1, count, s->len, s->data_off, len);
        sum = xor_bytes(data + s->data_off, s->len, sum);
        off = s->data_off + s->len;
    }
    img->checksum_off = off | 0x0F; /* the last byte of the 16-byte block the data ends in */
    img->checksum_calc = sum;
    return 0;
}

/* Application if any segment is flash mapped; bootloader if all the
 * segments with a known region load into RAM. */
static void decide_role(struct esp_image *img)
{
    if (!img->chip || img->nseg == 0) {
        img->role = ROLE_UNKNOWN;
        return;
    }
    img->role = ROLE_BOOTLOADER;
    for (unsigned i = 0; i < img->nseg; i++)
        if (img->seg[i].region && mem_kind_is_flash_mapped(img->seg[i].region->kind))
            img->role = ROLE_APP;
}

/* Does the first segment's data start at APP_DESC_OFF with room for a
 * descriptor of desc_len bytes? (Both descriptors open the first segment.) */
static bool first_segment_holds(size_t len, const struct esp_image *img, size_t desc_len)
{
    return img->nseg > 0 && img->seg[0].data_off == APP_DESC_OFF && img->seg[0].len >= desc_len &&
           in_bounds(len, APP_DESC_OFF, desc_len);
}

/* esp_app_desc_t: magic 0, secure_version 4, version[32] 16, project_name[32]
 * 48, time[16] 80, date[16] 96, idf_ver[32] 112, app_elf_sha256[32] 144,
 * min/max_efuse_blk_rev_full 176/178, mmu_page_size (log2) 180. */
static void read_app_desc(const uint8_t *data, size_t len, struct esp_image *img)
{
    if (!first_segment_holds(len, img, APP_DESC_LEN) || rd_le32(data + APP_DESC_OFF) != ESP_APP_DESC_MAGIC)
        return;
    const uint8_t *d = data + APP_DESC_OFF;
    struct esp_app_desc *a = &img->app;
    a->present = true;
    a->secure_version = rd_le32(d + 4);
    copy_field(a->version, sizeof a->version, d + 16, 32);
    copy_field(a->project, sizeof a->project, d + 48, 32);
    copy_field(a->time, sizeof a->time, d + 80, 16);
    copy_field(a->date, sizeof a->date, d + 96, 16);
    copy_field(a->idf_ver, sizeof a->idf_ver, d + 112, 32);
    memcpy(a->elf_sha256, d + 144, 32);
    a->min_efuse_blk_rev_full = rd_le16(d + 176);
    a->max_efuse_blk_rev_full = rd_le16(d + 178);
    uint8_t log2_page = d[180]; /* log2 of the MMU page size; 0 on older IDF */
    a->mmu_page_size = (log2_page >= 10 && log2_page <= 24) ? 1u << log2_page : 0;
}

/* esp_bootloader_desc_t: magic byte 0, version 4, idf_ver[32] 8, date_time[24] 40. */
static void read_boot_desc(const uint8_t *data, size_t len, struct esp_image *img)
{
    if (!first_segment_holds(len, img, BOOT_DESC_LEN) || data[APP_DESC_OFF] != BOOT_DESC_MAGIC)
        return;
    const uint8_t *d = data + APP_DESC_OFF;
    struct esp_boot_desc *b = &img->boot;
    b->present = true;
    b->version = rd_le32(d + 4);
    copy_field(b->idf_ver, sizeof b->idf_ver, d + 8, 32);
    copy_field(b->date_time, sizeof b->date_time, d + 40, 24);
}

/* Apps: the MMU page size they must be aligned to, and whether every
 * flash-mapped segment's address agrees with its file offset modulo it. */
static void check_alignment(struct esp_image *img)
{
    img->bad_mapping_seg = -1;
    if (img->role != ROLE_APP)
        return;
    img->flash_align = img->chip->mmu_page_size ? img->chip->mmu_page_size : img->app.mmu_page_size;
    if (!img->flash_align) {
        img->flash_align = ESP_DEFAULT_MMU_PAGE;
        img->flash_align_assumed = true;
    }
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct esp_segment *s = &img->seg[i];
        if (s->region && mem_kind_is_flash_mapped(s->region->kind) &&
            (s->load_addr - s->data_off) % img->flash_align != 0) {
            img->bad_mapping_seg = (int)i;
            return;
        }
    }
}

static void check_hash(const uint8_t *data, size_t len, struct esp_image *img)
{
    size_t hashed = img->checksum_off + 1;
    img->image_len = hashed;
    if (!img->hash_appended)
        return;
    if (!in_bounds(len, hashed, SHA256_LEN)) {
        img->sha_missing = true;
        return;
    }
    uint8_t digest[SHA256_LEN];
    sha256_buf(data, hashed, digest);
    img->sha_ok = memcmp(digest, data + hashed, SHA256_LEN) == 0;
    img->image_len = hashed + SHA256_LEN;
}

int esp_image_parse(const uint8_t *data, size_t len, struct esp_image *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->bad_mapping_seg = -1;
    if (len < 1 || data[0] != ESP_IMAGE_MAGIC)
        return eb_fail(err, EB_PROBLEM, "not an ESP image (its first byte is not 0xE9)");
    if (len < ESP_IMAGE_HEADER_LEN)
        return eb_fail(err, EB_PROBLEM,
                       "the image is truncated in its 24-byte header (%zu bytes); "
                       "get a complete copy of the file",
                       len);
    read_header(data, out);
    unsigned count = data[1];
    if (count == 0 || count > ESP_IMAGE_MAX_SEGMENTS)
        return eb_fail(err, EB_PROBLEM,
                       "the image header claims %u segments (1 to %d are possible): "
                       "the file is not an ESP image or is corrupt",
                       count, ESP_IMAGE_MAX_SEGMENTS);
    int rc = walk_segments(data, len, out, count, err);
    decide_role(out);
    read_app_desc(data, len, out);
    check_alignment(out);
    if (rc)
        return rc;
    if (out->checksum_off >= len)
        return eb_fail(err, EB_PROBLEM,
                       "the image is truncated before its checksum byte "
                       "(offset 0x%zx); get a complete copy of the file",
                       out->checksum_off);
    out->checksum_stored = data[out->checksum_off];
    out->checksum_ok = out->checksum_stored == out->checksum_calc;
    check_hash(data, len, out);
    if (!out->app.present && out->role == ROLE_BOOTLOADER)
        read_boot_desc(data, len, out);
    return 0;
}

static int check_patch_args(int mode, int size_code, int freq_code, eb_err *err)
{
    if (mode > 3)
        return eb_fail(err, EB_USAGE, "flash mode code %d is not one of 0-3 (qio qout dio dout)", mode);
    if (size_code > 0x0F || freq_code > 0x0F)
        return eb_fail(err, EB_USAGE, "flash size and frequency codes are 4-bit values (0-15)");
    return 0;
}

int esp_image_patch_header(uint8_t *data, size_t len, int mode, int size_code, int freq_code, eb_err *err)
{
    if (check_patch_args(mode, size_code, freq_code, err))
        return -1;
    struct esp_image img;
    if (esp_image_parse(data, len, &img, err))
        return eb_wrap(err, "cannot patch the image header");
    if (mode >= 0)
        data[2] = (uint8_t)mode;
    uint8_t size = size_code >= 0 ? (uint8_t)size_code : img.flash_size_code;
    uint8_t freq = freq_code >= 0 ? (uint8_t)freq_code : img.flash_freq_code;
    data[3] = (uint8_t)(size << 4 | freq);
    if (img.hash_appended && !img.sha_missing)
        sha256_buf(data, img.checksum_off + 1, data + img.checksum_off + 1);
    return 0;
}
