/* identify.h - what a firmware file is, by its content alone (never its
 * name): ESP image (bootloader/app), partition table (binary or CSV), PHY
 * init data, otadata, NVS, LittleFS, FAT, SPIFFS (heuristic), UF2, merged
 * images, ELF, manifests, erased space. Pure functions: no I/O. */
#ifndef ESPBURN_IDENTIFY_H
#define ESPBURN_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "chip/chips.h"
#include "image/esp_image.h"
#include "image/part_table.h"
#include "image/role.h"

#define FW_MAX_PARTS 24

/* A part found inside a merged image. */
struct fw_part {
    uint32_t file_off; /* where it starts in the file */
    uint32_t len;
    enum role role;
    char label[17];    /* its partition's label; "" for bootloader and table */
    char summary[256]; /* what it is, one line */
};

struct fw_ota_entry {
    uint32_t seq, state, crc;
    bool crc_ok; /* crc matches seq */
    bool valid;  /* the bootloader would use it */
};

struct fw_otadata {
    struct fw_ota_entry entry[2];
    int active; /* 0/1, or -1: none (factory app boots) */
};

struct fw_ident {
    enum role role;
    const struct chip *chip; /* NULL when the content does not say */
    const char *kind;        /* finer kind, or NULL: "flasher-args", "esp-web-tools",
                                * "file-address-list", "esptool-command", "addr-file-pairs"
                                * (manifests), "xtensa"/"riscv" (ELF), "v1"/"v2" (NVS) */
    char summary[256];       /* one plain line: "ESP32 application, 9 segments, ..." */
    char problem[256];       /* "" or what is wrong: truncated, bad checksum, ... */
    struct esp_image image;  /* ROLE_BOOTLOADER, ROLE_APP; ROLE_MERGED: its bootloader */
    struct part_table table; /* ROLE_PARTITION_TABLE, ROLE_PARTITION_CSV, and the
                                * table found inside a ROLE_MERGED image (table.n > 0) */
    struct fw_otadata ota;   /* ROLE_OTADATA */
    uint32_t merged_base;    /* ROLE_MERGED: address the file must be written at */
    unsigned nparts;         /* ROLE_MERGED: what is inside */
    struct fw_part parts[FW_MAX_PARTS];
    uint32_t uf2_family, uf2_blocks, uf2_addr_min, uf2_addr_max; /* ROLE_UF2 */
};

/* Identify data[0..len). Never fails: unknown content is ROLE_UNKNOWN with
 * a summary that says so. */
void fw_identify(const uint8_t *data, size_t len, struct fw_ident *out);
/* Which MicroPython an application (or merged image) is: "lobo" (the
 * ESP32_LoBo builds), "official", or NULL when it is no MicroPython. */
const char *fw_micropython_flavour(const uint8_t *app, size_t len);

#define FW_WHERE_LEN 400
/* Where an identified file must be written, in plain words ("write it at
 * 0x1000 (ESP32's bootloader offset)"), into buf[0..n). */
void fw_where(const struct fw_ident *id, char *buf, size_t n);

#endif
