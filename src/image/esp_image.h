/* esp_image.h - the ESP firmware image format (magic 0xE9): header,
 * segments, checksum, appended SHA-256, the ESP-IDF app and bootloader
 * descriptors, and the verdict bootloader / application.
 * Pure functions over byte buffers: no I/O, no printing. */
#ifndef ESPBURN_ESP_IMAGE_H
#define ESPBURN_ESP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chips.h"
#include "common/err.h"
#include "image/role.h"

#define ESP_IMAGE_MAGIC        0xE9
#define ESP_IMAGE_HEADER_LEN   24
#define ESP_IMAGE_MAX_SEGMENTS 16
#define ESP_APP_DESC_MAGIC     0xABCD5432u
#define ESP_DEFAULT_MMU_PAGE   0x10000u /* app alignment when neither chip nor descriptor says */

struct esp_segment {
    uint32_t load_addr;
    uint32_t len;
    size_t data_off;                 /* file offset of the segment's data */
    const struct mem_region *region; /* NULL: lands in no known region */
};

struct esp_app_desc { /* esp_app_desc_t, at file offset 0x20 */
    bool present;
    uint32_t secure_version;
    char version[33], project[33], time[17], date[17], idf_ver[33];
    uint8_t elf_sha256[32];
    uint32_t mmu_page_size; /* from the descriptor (C2/C6/H2); 0 when absent */
    uint16_t min_efuse_blk_rev_full, max_efuse_blk_rev_full;
};

struct esp_boot_desc { /* esp_bootloader_desc_t (byte 0x50 at 0x20) */
    bool present;
    uint32_t version;
    char idf_ver[33];
    char date_time[25];
};

struct esp_image {
    const struct chip *chip; /* from the header chip id; NULL if unknown */
    uint16_t chip_id;
    uint8_t flash_mode;      /* header byte 2 */
    uint8_t flash_size_code; /* high nibble of byte 3 */
    uint8_t flash_freq_code; /* low nibble of byte 3 */
    uint32_t entry;
    uint8_t wp_pin;
    uint8_t min_rev_legacy;
    uint16_t min_rev_full, max_rev_full;
    bool hash_appended; /* header byte 23 */

    unsigned nseg;
    struct esp_segment seg[ESP_IMAGE_MAX_SEGMENTS];

    size_t checksum_off; /* file offset of the checksum byte */
    uint8_t checksum_stored, checksum_calc;
    bool checksum_ok;
    bool sha_ok;      /* meaningful only when hash_appended */
    bool sha_missing; /* hash_appended, but the file ends before it */
    size_t image_len; /* bytes through the checksum (and hash) */

    enum role role;           /* ROLE_BOOTLOADER or ROLE_APP */
    uint32_t flash_align;     /* apps (even damaged ones): the offset they must be
                                      * aligned to; never 0 when role is ROLE_APP */
    bool flash_align_assumed; /* no chip value nor descriptor: 64 KB assumed */
    int bad_mapping_seg;      /* apps: index of a flash-mapped segment whose
                                      * address and file offset disagree modulo
                                      * flash_align (it would map wrong), or -1 */
    struct esp_app_desc app;
    struct esp_boot_desc boot;
};

/* Parse an image at data[0..len). Fails (EB_PROBLEM, one sentence saying
 * what is wrong: "not an ESP image", "truncated in segment 3 of 9", ...)
 * only when the structure cannot be walked; a bad checksum or hash is
 * reported through checksum_ok / sha_ok, not as a failure. On failure `out`
 * still holds what could be read (header, chip, the segments walked, the
 * role they suggest, the app descriptor and alignment). An image whose chip id is not in the chip table has
 * chip == NULL and role ROLE_UNKNOWN. */
int esp_image_parse(const uint8_t *data, size_t len, struct esp_image *out, eb_err *err);

/* Rewrite header bytes 2-3 (flash mode, size and frequency; a negative
 * argument keeps the current value) of the image in data[0..len), and
 * recompute the appended SHA-256 when the image has one. */
int esp_image_patch_header(uint8_t *data, size_t len, int mode, int size_code, int freq_code, eb_err *err);

/* "DIO", "4MB", "40m" style names for an image's header fields. */
const char *esp_image_mode_name(uint8_t mode); /* "QIO".."DOUT", or "?" */
const char *esp_image_size_name(uint8_t code); /* "1MB".."128MB", or "?" */

#endif
