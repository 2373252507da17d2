/* chip_efuse.h - what each chip's eFuses say, as data: where the MAC, the
 * revision, the package and the embedded memories sit, and the names their
 * codes stand for. One layout row per chip, reached from the chip table
 * (chips.h: chip->efuse). The ESP32's BLOCK0 is its own (a coded decoder,
 * esptool targets/esp32.py); the ESP32-S2, -S3, -C2, -C3, -C6 and -H2 are
 * rows of one table-driven decoder (targets/esp32s2.py ... esp32h2.py); a
 * row that decodes only the MAC says why. Pure: the loader reads the words
 * a row names (loader_chip.c) and decodes them here. */
#ifndef ESPBURN_CHIP_EFUSE_H
#define ESPBURN_CHIP_EFUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "chip/chips.h"

struct security_info {
    bool known;
    uint32_t flags;
    uint8_t flash_crypt_cnt;
    bool flash_encryption, secure_boot, secure_download;
    int secure_boot_version; /* 1: ESP32 V1 (bootloader digest, not replaceable), 2: signed (V2); 0 off */
    char source[32];         /* "GET_SECURITY_INFO" or "eFuse" */
};

#define CHIP_FEATURES_MAX 8
struct chip_facts {
    char description[48];     /* "ESP32-D0WDQ6" */
    int rev_major, rev_minor; /* -1 when unknown */
    unsigned pkg_version;
    unsigned nfeatures;
    char features[CHIP_FEATURES_MAX][64]; /* "ADC and temperature sensor calibration in BLK2 of eFuse V1" */
    bool have_mac;
    uint8_t mac[6];
    int xtal_mhz;      /* 0 when unknown */
    uint32_t spi_pads; /* SPI_ATTACH pin word from the eFuses (0 = default pins) */
    bool embedded_psram;
    struct security_info security;
};

/* eFuse words as read: BLOCKb word w sits at efuse_base + block_offset[b] + 4w. */
#define EFUSE_BLOCKS      3
#define EFUSE_BLOCK_WORDS 8
struct efuse_words {
    uint32_t blk[EFUSE_BLOCKS][EFUSE_BLOCK_WORDS];
    uint32_t rev_reg; /* the value of the row's rev_reg, when it has one */
};

enum efuse_fact {
    EF_PKG_VERSION,
    EF_MINOR_LO,
    EF_MINOR_HI,
    EF_MAJOR,
    EF_BLK_MINOR,
    EF_BLK_MAJOR,
    EF_FLASH_CAP,
    EF_FLASH_VENDOR,
    EF_PSRAM_CAP,
    EF_PSRAM_CAP_HI,
    EF_PSRAM_VENDOR,
    EF_COUNT
};

/* Block, word, shift, mask; mask 0: the chip has no such field (reads 0). */
struct efuse_field {
    uint8_t block, word, shift, mask;
};

/* Code -> text; NULL entries mean "nothing embedded"; codes past the end are unknown. */
struct efuse_names {
    const char *const *names;
    unsigned n;
};

/* Where the model name depends on more than the package (S2: flash and PSRAM
 * capacity; C6: package 1 split by flash capacity), rows matched in order;
 * EFUSE_ANY matches every code. No match: the row's "Unknown ..." name. */
#define EFUSE_ANY 0xFF
struct efuse_model {
    uint8_t pkg, flash_cap, psram_cap;
    const char *name;
};
struct efuse_models {
    const struct efuse_model *rows;
    unsigned n;
};

enum efuse_decoder {
    EFUSE_DECODE_ESP32,    /* the ESP32's own BLOCK0 layout, coded in chip_efuse.c */
    EFUSE_DECODE_FIELDS,   /* the fields and names of the row */
    EFUSE_DECODE_MAC_ONLY, /* only the MAC; mac_only_why says why */
};

struct chip_efuse {
    enum efuse_decoder decoder;
    uint16_t block_offset[EFUSE_BLOCKS]; /* from the chip's efuse_base */
    struct efuse_field mac;              /* the MAC's first word (block, word); the second follows */
    uint8_t block0_words;                /* EFUSE_DECODE_ESP32: BLOCK0 words 0..n-1 it reads */
    uint32_t rev_reg;                    /* a register the revision needs besides eFuses, 0: none */
    const char *mac_only_why;            /* EFUSE_DECODE_MAC_ONLY: why no more is decoded */
    /* EFUSE_DECODE_FIELDS. Minor revision = MINOR_HI << 3 | MINOR_LO (chips
     * with one minor field have no MINOR_HI); PSRAM capacity = PSRAM_CAP_HI << 2 | PSRAM_CAP. */
    struct efuse_field fields[EF_COUNT];
    bool eco0_quirk;             /* S3: v0.0 chips with block version v1.1 read as v0.0 */
    const char *unknown_package; /* "Unknown ESP32-S3" */
    struct efuse_names packages, features, flash_caps, flash_vendors, psram_caps, psram_vendors;
    struct efuse_models models;      /* when set, names the chip instead of `packages` */
    struct efuse_names calibrations; /* S2: BLOCK2 version (EF_BLK_MINOR) named as a feature */
};

/* The rows chips.c points to. */
extern const struct chip_efuse chip_efuse_esp32, chip_efuse_esp32s2, chip_efuse_esp32s3, chip_efuse_esp32c3,
    chip_efuse_esp32c2, chip_efuse_esp32c6, chip_efuse_esp32h2, chip_efuse_esp32c5, chip_efuse_esp32p4;

/* Whether `chip`'s decoder needs BLOCKb word w; the loader reads only those. */
bool chip_efuse_reads(const struct chip *chip, unsigned block, unsigned word);
/* What nothing has been read yet says: the chip's display name, revision -1. */
void chip_facts_init(struct chip_facts *f, const struct chip *chip);
/* Revision, package (description), features, MAC and, on the ESP32, the
 * SPI pads and security eFuses of `chip` from those words; pure. -1 when
 * chip is NULL. */
int chip_efuse_decode(const struct chip *chip, const struct efuse_words *e, struct chip_facts *f);

#endif
