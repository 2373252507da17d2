/* loader_chip.c - what the connected chip is: detection (security info or
 * magic register), eFuse facts per chip (a table of decoders, one row per
 * chip family that has one), security state, and the SPI flash: attach,
 * JEDEC id through the SPI user-command registers, size parameters.
 * ESP32 eFuse bit positions follow esptool's targets/esp32.py; ESP32-S2,
 * -S3, -C2, -C3, -C6 and -H2 are data rows (fields and names) of one
 * table-driven decoder, from targets/esp32s2.py ... esp32h2.py. */
#include "loader/loader.h"

#include <stdio.h>
#include <string.h>

#include "loader/protocol.h"

#define SECURITY_INFO_LEN   20 /* flags, crypt cnt, 7 key purposes, chip id, api version */
#define SECURITY_INFO_SHORT 12 /* ESP32-S2: no chip id */
#define SEC_SECURE_BOOT_EN  (1u << 0)
#define SEC_SECURE_DOWNLOAD (1u << 2)

static int get_security_info(struct loader *l, struct esp_response *r, eb_err *err)
{
    return loader_cmd(l, OP_GET_SECURITY_INFO, NULL, 0, 0, r, err);
}

int loader_detect_chip(struct loader *l, eb_err *err)
{
    struct esp_response r;
    eb_err ignore;
    if (get_security_info(l, &r, &ignore) == 0 && r.data_len >= SECURITY_INFO_LEN) {
        uint32_t id = rd_le32(r.data + 12);
        l->chip = chip_by_image_id((uint16_t)id);
        if (l->chip)
            return 0;
        return eb_fail(err, EB_PROBLEM,
                       "the chip reports chip id %u, which espburn does not know; "
                       "is espburn up to date?",
                       id);
    }
    uint32_t magic;
    if (loader_read_reg(l, ESP_MAGIC_REG, &magic, err))
        return eb_wrap(err, "detecting the chip");
    l->chip = chip_by_magic(magic);
    if (!l->chip)
        return eb_fail(err, EB_PROBLEM,
                       "unknown chip magic value 0x%08X at 0x%08X; is this an ESP32-family "
                       "chip in download mode?",
                       magic, ESP_MAGIC_REG);
    return 0;
}

/* ---- eFuse decoders --------------------------------------------------- */

static void add_feature(struct chip_facts *f, const char *name)
{
    if (f->nfeatures < CHIP_FEATURES_MAX)
        snprintf(f->features[f->nfeatures++], sizeof f->features[0], "%s", name);
}

static int read_efuses(struct loader *l, uint32_t *w, unsigned n, eb_err *err)
{
    for (unsigned i = 0; i < n; i++)
        if (loader_read_reg(l, l->chip->efuse_base + 4 * i, &w[i], err))
            return eb_wrap(err, "reading eFuse word %u", i);
    return 0;
}

static int crystal_mhz(struct loader *l, int *mhz, eb_err *err)
{
    uint32_t div;
    if (loader_read_reg(l, l->chip->uart_clkdiv_reg, &div, err))
        return -1;
    double est = (double)l->port->baud * (div & 0xFFFFF) / 1e6;
    *mhz = est > 45 ? 48 : est > 36 ? 40 : est > 29 ? 32 : 26; /* 32 MHz: ESP32-H2 */
    return 0;
}

#define ESP32_APB_CTL_DATE 0x3FF6607C
#define ESP32_RTCCALICFG1  0x3FF5F06C

static const char *esp32_package_name(unsigned pkg, bool single_core, bool rev3)
{
    switch (pkg) {
    case 0: return single_core ? "ESP32-S0WDQ6" : rev3 ? "ESP32-D0WDQ6-V3" : "ESP32-D0WDQ6";
    case 1: return single_core ? "ESP32-S0WD" : rev3 ? "ESP32-D0WD-V3" : "ESP32-D0WD";
    case 2: return "ESP32-D2WD";
    case 4: return "ESP32-U4WDH";
    case 5: return rev3 ? "ESP32-PICO-V3" : "ESP32-PICO-D4";
    case 6: return "ESP32-PICO-V3-02";
    case 7: return "ESP32-D0WDR2-V3";
    default: return "ESP32 (unknown package)";
    }
}

static int esp32_major_rev(uint32_t w3, uint32_t w5, uint32_t apb_date)
{
    unsigned combined = ((apb_date >> 31) & 1) << 2 | ((w5 >> 20) & 1) << 1 | ((w3 >> 15) & 1);
    switch (combined) {
    case 1: return 1;
    case 3: return 2;
    case 7: return 3;
    default: return 0;
    }
}

static void esp32_features(const uint32_t *w, unsigned pkg, struct chip_facts *f)
{
    add_feature(f, "Wi-Fi");
    if (!(w[3] & (1u << 1)))
        add_feature(f, "BT");
    add_feature(f, (w[3] & 1u) ? "Single Core" : "Dual Core");
    if (w[3] & (1u << 13))
        add_feature(f, (w[3] & (1u << 12)) ? "160MHz" : "240MHz");
    if (pkg == 2 || pkg == 4 || pkg == 5 || pkg == 6)
        add_feature(f, "Embedded Flash");
    if (pkg == 6 || pkg == 7)
        add_feature(f, "Embedded PSRAM");
    if ((w[4] >> 8) & 0x1F)
        add_feature(f, "Vref calibration in eFuse");
    f->embedded_psram = pkg == 6 || pkg == 7;
}

/* esptool esp32.py: FLASH_CRYPT_CNT is word 0 bits 20..26 (encryption on
 * when an odd number of bits is set); ABS_DONE_0 (word 6 bit 4) is secure
 * boot V1, ABS_DONE_1 (bit 5) secure boot V2, which only rev 3 chips have. */
static void esp32_security(const uint32_t *w, int rev_major, struct security_info *s)
{
    s->known = true;
    snprintf(s->source, sizeof s->source, "eFuse");
    s->flash_crypt_cnt = (uint8_t)((w[0] >> 20) & 0x7F);
    s->flash_encryption = __builtin_popcount(s->flash_crypt_cnt) % 2 == 1;
    s->secure_boot_version = (w[6] & (1u << 4)) ? 1 : (rev_major >= 3 && (w[6] & (1u << 5))) ? 2 : 0;
    s->secure_boot = s->secure_boot_version != 0;
    s->secure_download = false;
}

static int esp32_facts(struct loader *l, struct chip_facts *f, eb_err *err)
{
    uint32_t w[7], apb_date;
    if (read_efuses(l, w, 7, err) || loader_read_reg(l, ESP32_APB_CTL_DATE, &apb_date, err))
        return -1;
    f->pkg_version = ((w[3] >> 9) & 7) + (((w[3] >> 2) & 1) << 3);
    f->rev_major = esp32_major_rev(w[3], w[5], apb_date);
    f->rev_minor = (int)((w[5] >> 24) & 3);
    snprintf(f->description, sizeof f->description, "%s",
             esp32_package_name(f->pkg_version, w[3] & 1, f->rev_major == 3));
    esp32_features(w, f->pkg_version, f);
    f->have_mac = true;
    uint8_t mac[6] = { (uint8_t)(w[2] >> 8),  (uint8_t)w[2],        (uint8_t)(w[1] >> 24),
                       (uint8_t)(w[1] >> 16), (uint8_t)(w[1] >> 8), (uint8_t)w[1] };
    memcpy(f->mac, mac, 6);
    unsigned clk = w[5] & 0x1F, q = (w[5] >> 5) & 0x1F, d = (w[5] >> 10) & 0x1F, cs = (w[5] >> 15) & 0x1F,
             hd = (w[3] >> 4) & 0x1F;
    f->spi_pads = (uint32_t)hd << 24 | (uint32_t)cs << 18 | (uint32_t)d << 12 | (uint32_t)q << 6 | clk;
    esp32_security(w, f->rev_major, &f->security);
    return crystal_mhz(l, &f->xtal_mhz, err);
}

/* The ESP32 ROM derives the new rate from its 8 MHz oscillator's
 * calibration; esptool scales the request so the real rate comes out right. */
static int esp32_rom_baud(struct loader *l, uint32_t baud, uint32_t *arg, eb_err *err)
{
    uint32_t cal, efuse4;
    if (loader_read_reg(l, ESP32_RTCCALICFG1, &cal, err) ||
        loader_read_reg(l, l->chip->efuse_base + 16, &efuse4, err))
        return -1;
    double rom_freq = (double)((cal >> 7) & 0x01FFFFFF) * 15625.0 * (efuse4 & 0xFF) / 40.0;
    double valid = rom_freq > 33e6 ? 40e6 : 26e6;
    *arg = rom_freq > 0 ? (uint32_t)((double)baud * rom_freq / valid) : baud;
    return 0;
}

struct chip_decoder {
    const char *chip;
    int (*facts)(struct loader *l, const struct chip_decoder *d, struct chip_facts *f, eb_err *err);
    int (*rom_baud)(struct loader *l, uint32_t baud, uint32_t *arg, eb_err *err);
    uint32_t mac_offset; /* newer chips: MAC words at efuse_base + this (esptool MAC_EFUSE_REG) */
};

static int esp32_decoder(struct loader *l, const struct chip_decoder *d, struct chip_facts *f, eb_err *err)
{
    (void)d;
    return esp32_facts(l, f, err);
}

/* Newer chips: the MAC in two eFuse words (the low 16 bits of the second),
 * and the crystal from the UART divider. */
static int mac_and_crystal(struct loader *l, const struct chip_decoder *d, struct chip_facts *f, eb_err *err)
{
    uint32_t w0, w1;
    uint32_t reg = l->chip->efuse_base + d->mac_offset;
    if (loader_read_reg(l, reg, &w0, err) || loader_read_reg(l, reg + 4, &w1, err))
        return -1;
    uint8_t mac[6] = { (uint8_t)(w1 >> 8),  (uint8_t)w1,        (uint8_t)(w0 >> 24),
                       (uint8_t)(w0 >> 16), (uint8_t)(w0 >> 8), (uint8_t)w0 };
    memcpy(f->mac, mac, 6);
    f->have_mac = true;
    return crystal_mhz(l, &f->xtal_mhz, err);
}

/* ---- eFuse tables: ESP32-S2, -S3, -C2, -C3, -C6, -H2 ----------------------
 * One layout row per chip (esptool targets/esp32s2.py, esp32s3.py,
 * esp32c2.py, esp32c3.py, esp32c6.py, esp32h2.py): where each fact sits and
 * the names its codes stand for; one decoder runs them.
 * Minor revision = MINOR_HI << 3 | MINOR_LO (chips with one minor field
 * have no MINOR_HI); PSRAM capacity = PSRAM_CAP_HI << 2 | PSRAM_CAP. */

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

/* BLOCK1 or BLOCK2, word, shift, mask; mask 0: the chip has no such field (reads 0). */
struct efuse_field {
    uint8_t block, word, shift, mask;
};

/* Code -> text; NULL entries mean "nothing embedded"; codes past the end are unknown. */
struct name_list {
    const char *const *names;
    unsigned n;
};
#define NAMES(array)                            \
    {                                           \
        array, sizeof(array) / sizeof(array[0]) \
    }

/* Where the model name depends on more than the package (S2: flash and PSRAM
 * capacity; C6: package 1 split by flash capacity), rows matched in order;
 * ANY matches every code. No match: the chip's "Unknown ..." name. */
#define ANY 0xFF
struct model_name {
    uint8_t pkg, flash_cap, psram_cap;
    const char *name;
};
struct model_list {
    const struct model_name *rows;
    unsigned n;
};

struct efuse_layout {
    const char *chip;
    uint16_t block_offset[3]; /* [1] BLOCK1, [2] BLOCK2: from the chip's efuse_base */
    struct efuse_field fields[EF_COUNT];
    bool eco0_quirk;             /* S3: v0.0 chips with block version v1.1 read as v0.0 */
    const char *unknown_package; /* "Unknown ESP32-S3" */
    struct name_list packages, features, flash_caps, flash_vendors, psram_caps, psram_vendors;
    struct model_list models;      /* when set, names the chip instead of `packages` */
    struct name_list calibrations; /* S2: BLOCK2 version (EF_BLK_MINOR) named as a feature */
};

static const char *const s3_packages[] = { "ESP32-S3 (QFN56)", "ESP32-S3-PICO-1 (LGA56)" };
static const char *const s3_features[] = { "Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz" };
static const char *const s3_flash_caps[] = { NULL, "Embedded Flash 8MB", "Embedded Flash 4MB" };
static const char *const s3_flash_vendors[] = { "", "XMC", "GD", "FM", "TT", "BY" };
static const char *const s3_psram_caps[] = { NULL, "Embedded PSRAM 8MB", "Embedded PSRAM 2MB",
                                             "Embedded PSRAM 16MB", "Embedded PSRAM 4MB" };
static const char *const s3_psram_vendors[] = { "", "AP_3v3", "AP_1v8" };

static const char *const c3_packages[] = { "ESP32-C3 (QFN32)", "ESP8685 (QFN28)", "ESP32-C3 AZ (QFN32)",
                                           "ESP8686 (QFN24)" };
static const char *const c3_features[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz" };
static const char *const c3_flash_caps[] = { NULL, "Embedded Flash 4MB", "Embedded Flash 2MB",
                                             "Embedded Flash 1MB", "Embedded Flash 8MB" };
static const char *const c3_flash_vendors[] = { "", "XMC", "GD", "FM", "TT", "ZBIT" };

/* esp32s2.py names the chip by flash_cap + 100 * psram_cap and always lists
 * both memories (code 0 too) and the BLOCK2 calibration version. */
static const struct model_name s2_models[] = {
    { ANY, 0, 0, "ESP32-S2" },     { ANY, 1, 0, "ESP32-S2FH2" }, { ANY, 2, 0, "ESP32-S2FH4" },
    { ANY, 2, 1, "ESP32-S2FNR2" }, { ANY, 0, 1, "ESP32-S2R2" },
};
static const char *const s2_features[] = { "Wi-Fi", "Single Core", "240MHz" };
static const char *const s2_flash_caps[] = { "No Embedded Flash", "Embedded Flash 2MB",
                                             "Embedded Flash 4MB" };
static const char *const s2_psram_caps[] = { "No Embedded PSRAM", "Embedded PSRAM 2MB",
                                             "Embedded PSRAM 4MB" };
static const char *const s2_calibrations[] = {
    "No calibration in BLK2 of efuse",
    "ADC and temperature sensor calibration in BLK2 of eFuse V1",
    "ADC and temperature sensor calibration in BLK2 of eFuse V2",
};

static const char *const c2_packages[] = { "ESP32-C2", "ESP8684H" };
static const char *const c2_features[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz" };
static const char *const c2_flash_caps[] = { NULL, "Embedded Flash 4MB", "Embedded Flash 2MB",
                                             "Embedded Flash 1MB" };

/* esp32c6.py: package 0 is the QFN40 whatever its flash; package 1 is named
 * by its flash capacity. Its feature list always ends with the flash, and
 * names no code 0: a C6 without embedded flash prints "Unknown Embedded Flash". */
static const struct model_name c6_models[] = {
    { 0, ANY, ANY, "ESP32-C6 (QFN40)" },
    { 1, 1, ANY, "ESP32-C6FH4 (QFN32)" },
    { 1, 2, ANY, "ESP32-C6FH8 (QFN32)" },
};
static const char *const c6_features[] = { "Wi-Fi 6", "BT 5 (LE)", "IEEE802.15.4", "Single Core + LP Core",
                                           "160MHz" };
static const char *const c6_flash_caps[] = { "Unknown Embedded Flash", "Embedded Flash 4MB",
                                             "Embedded Flash 8MB" };

static const char *const h2_packages[] = { "ESP32-H2" };
static const char *const h2_features[] = { "BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz" };

static const struct efuse_layout efuse_layouts[] = {
    {
        .chip = "esp32s3", .block_offset = { 0, 0x44, 0x5C },
        .fields = {
            [EF_PKG_VERSION] = { 1, 3, 21, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0x7 },
            [EF_MINOR_HI] = { 1, 5, 23, 0x1 }, [EF_MAJOR] = { 1, 5, 24, 0x3 },
            [EF_BLK_MINOR] = { 1, 3, 24, 0x7 }, [EF_BLK_MAJOR] = { 2, 4, 0, 0x3 },
            [EF_FLASH_CAP] = { 1, 3, 27, 0x7 }, [EF_FLASH_VENDOR] = { 1, 4, 0, 0x7 },
            [EF_PSRAM_CAP] = { 1, 4, 3, 0x3 }, [EF_PSRAM_CAP_HI] = { 1, 5, 19, 0x1 },
            [EF_PSRAM_VENDOR] = { 1, 4, 7, 0x3 },
        },
        .eco0_quirk = true, .unknown_package = "Unknown ESP32-S3",
        .packages = NAMES(s3_packages), .features = NAMES(s3_features),
        .flash_caps = NAMES(s3_flash_caps), .flash_vendors = NAMES(s3_flash_vendors),
        .psram_caps = NAMES(s3_psram_caps), .psram_vendors = NAMES(s3_psram_vendors),
    },
    {
        .chip = "esp32c3", .block_offset = { 0, 0x44, 0x5C },
        .fields = {
            [EF_PKG_VERSION] = { 1, 3, 21, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0x7 },
            [EF_MINOR_HI] = { 1, 5, 23, 0x1 }, [EF_MAJOR] = { 1, 5, 24, 0x3 },
            [EF_FLASH_CAP] = { 1, 3, 27, 0x7 }, [EF_FLASH_VENDOR] = { 1, 4, 0, 0x7 },
        },
        .unknown_package = "Unknown ESP32-C3",
        .packages = NAMES(c3_packages), .features = NAMES(c3_features),
        .flash_caps = NAMES(c3_flash_caps), .flash_vendors = NAMES(c3_flash_vendors),
    },
    {
        /* pkg, major and minor-hi in BLOCK1 word 3/4 other than the S3's;
         * the calibration version is BLOCK2 word 4 bits 4..6. */
        .chip = "esp32s2", .block_offset = { 0, 0x44, 0x5C },
        .fields = {
            [EF_PKG_VERSION] = { 1, 4, 0, 0xF }, [EF_MINOR_LO] = { 1, 4, 4, 0x7 },
            [EF_MINOR_HI] = { 1, 3, 20, 0x1 }, [EF_MAJOR] = { 1, 3, 18, 0x3 },
            [EF_BLK_MINOR] = { 2, 4, 4, 0x7 },
            [EF_FLASH_CAP] = { 1, 3, 21, 0xF }, [EF_PSRAM_CAP] = { 1, 3, 28, 0xF },
        },
        .unknown_package = "Unknown ESP32-S2",
        .models = NAMES(s2_models), .features = NAMES(s2_features),
        .flash_caps = NAMES(s2_flash_caps), .psram_caps = NAMES(s2_psram_caps),
        .calibrations = NAMES(s2_calibrations),
    },
    {
        /* esp32c2.py has no BLOCK1: every field is in BLOCK2 at efuse_base + 0x40
         * (the MAC's block: revision and package in word 1 above the MAC's 16 bits). */
        .chip = "esp32c2", .block_offset = { 0, 0, 0x40 },
        .fields = {
            [EF_PKG_VERSION] = { 2, 1, 22, 0x7 }, [EF_MINOR_LO] = { 2, 1, 16, 0xF },
            [EF_MAJOR] = { 2, 1, 20, 0x3 },
            [EF_FLASH_CAP] = { 2, 7, 29, 0x7 }, [EF_FLASH_VENDOR] = { 2, 7, 24, 0x7 },
        },
        .unknown_package = "Unknown ESP32-C2",
        .packages = NAMES(c2_packages), .features = NAMES(c2_features),
        .flash_caps = NAMES(c2_flash_caps), .flash_vendors = NAMES(c3_flash_vendors),
    },
    {
        .chip = "esp32c6", .block_offset = { 0, 0x44, 0x5C },
        .fields = {
            [EF_PKG_VERSION] = { 1, 3, 24, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0xF },
            [EF_MAJOR] = { 1, 3, 22, 0x3 }, [EF_FLASH_CAP] = { 1, 4, 0, 0x7 },
        },
        .unknown_package = "Unknown ESP32-C6",
        .models = NAMES(c6_models), .features = NAMES(c6_features), .flash_caps = NAMES(c6_flash_caps),
    },
    {
        /* esp32h2.py (an ESP32C6ROM: same eFuse base and BLOCK1) decodes no
         * embedded flash. */
        .chip = "esp32h2", .block_offset = { 0, 0x44, 0x5C },
        .fields = {
            [EF_PKG_VERSION] = { 1, 4, 0, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0x7 },
            [EF_MAJOR] = { 1, 3, 21, 0x3 },
        },
        .unknown_package = "Unknown ESP32-H2",
        .packages = NAMES(h2_packages), .features = NAMES(h2_features),
    },
};

static const struct efuse_layout *efuse_layout_for(const char *chip)
{
    for (size_t i = 0; chip && i < sizeof efuse_layouts / sizeof efuse_layouts[0]; i++)
        if (strcmp(efuse_layouts[i].chip, chip) == 0)
            return &efuse_layouts[i];
    return NULL;
}

static unsigned efuse_get(const struct efuse_layout *t, const struct efuse_words *e, enum efuse_fact id)
{
    const struct efuse_field *f = &t->fields[id];
    const uint32_t *words = f->block == 2 ? e->blk2 : e->blk1;
    return f->mask && f->word < EFUSE_BLOCK_WORDS ? (words[f->word] >> f->shift) & f->mask : 0;
}

static const char *name_at(const struct name_list *l, unsigned code)
{
    return code < l->n ? l->names[code] : NULL;
}

/* "Embedded Flash 8MB (XMC)": the capacity, with its vendor when known.
 * Nothing when the chip has no such list or the code's name is NULL
 * (nothing embedded); codes past the list's end are `unknown`. */
static void add_embedded(struct chip_facts *f, const struct name_list *caps, unsigned code,
                         const char *unknown, const char *vendor)
{
    if (!caps->n || (code < caps->n && !caps->names[code]))
        return;
    const char *cap = name_at(caps, code);
    char text[sizeof f->features[0]];
    snprintf(text, sizeof text, "%s%s%s%s", cap ? cap : unknown, vendor && *vendor ? " (" : "",
             vendor ? vendor : "", vendor && *vendor ? ")" : "");
    add_feature(f, text);
}

static const char *model_name(const struct efuse_layout *t, unsigned pkg, unsigned flash, unsigned psram)
{
    if (!t->models.n)
        return name_at(&t->packages, pkg);
    for (unsigned i = 0; i < t->models.n; i++) {
        const struct model_name *m = &t->models.rows[i];
        if ((m->pkg == ANY || m->pkg == pkg) && (m->flash_cap == ANY || m->flash_cap == flash) &&
            (m->psram_cap == ANY || m->psram_cap == psram))
            return m->name;
    }
    return NULL;
}

static void efuse_revision(const struct efuse_layout *t, const struct efuse_words *e, struct chip_facts *f)
{
    unsigned minor = efuse_get(t, e, EF_MINOR_HI) << 3 | efuse_get(t, e, EF_MINOR_LO);
    /* S3 chips v0.0 with eFuse block version v1.1 used the major field for
     * something else: esptool reads them as v0.0 (is_eco0). */
    bool eco0 = t->eco0_quirk && (minor & 7) == 0 && efuse_get(t, e, EF_BLK_MAJOR) == 1 &&
                efuse_get(t, e, EF_BLK_MINOR) == 1;
    f->rev_minor = eco0 ? 0 : (int)minor;
    f->rev_major = eco0 ? 0 : (int)efuse_get(t, e, EF_MAJOR);
}

int chip_efuse_decode(const char *chip, const struct efuse_words *e, struct chip_facts *f)
{
    const struct efuse_layout *t = efuse_layout_for(chip);
    if (!t)
        return -1;
    efuse_revision(t, e, f);
    f->pkg_version = efuse_get(t, e, EF_PKG_VERSION);
    unsigned flash = efuse_get(t, e, EF_FLASH_CAP);
    unsigned psram = efuse_get(t, e, EF_PSRAM_CAP_HI) << 2 | efuse_get(t, e, EF_PSRAM_CAP);
    const char *name = model_name(t, f->pkg_version, flash, psram);
    snprintf(f->description, sizeof f->description, "%s", name ? name : t->unknown_package);
    for (unsigned i = 0; i < t->features.n; i++)
        add_feature(f, t->features.names[i]);
    add_embedded(f, &t->flash_caps, flash, "Unknown Embedded Flash",
                 name_at(&t->flash_vendors, efuse_get(t, e, EF_FLASH_VENDOR)));
    add_embedded(f, &t->psram_caps, psram, "Unknown Embedded PSRAM",
                 name_at(&t->psram_vendors, efuse_get(t, e, EF_PSRAM_VENDOR)));
    if (t->calibrations.n) {
        const char *cal = name_at(&t->calibrations, efuse_get(t, e, EF_BLK_MINOR));
        add_feature(f, cal ? cal : "Unknown calibration in BLK2");
    }
    f->embedded_psram = psram != 0;
    return 0;
}

/* Read only the words the chip's field table names, then decode. */
static int efuse_table_facts(struct loader *l, const struct chip_decoder *d, struct chip_facts *f,
                             eb_err *err)
{
    const struct efuse_layout *t = efuse_layout_for(l->chip->name);
    struct efuse_words e = { { 0 }, { 0 } };
    bool have[3][EFUSE_BLOCK_WORDS] = { { false } };
    for (unsigned i = 0; t && i < EF_COUNT; i++) {
        const struct efuse_field *fld = &t->fields[i];
        if (!fld->mask || have[fld->block][fld->word])
            continue;
        uint32_t *w = fld->block == 2 ? &e.blk2[fld->word] : &e.blk1[fld->word];
        uint32_t addr = l->chip->efuse_base + t->block_offset[fld->block] + 4u * fld->word;
        if (loader_read_reg(l, addr, w, err))
            return eb_wrap(err, "reading eFuse BLOCK%u word %u", fld->block, fld->word);
        have[fld->block][fld->word] = true;
    }
    chip_efuse_decode(l->chip->name, &e, f);
    return mac_and_crystal(l, d, f, err);
}

static const struct chip_decoder decoders[] = {
    { "esp32", esp32_decoder, esp32_rom_baud, 0 }, { "esp32s2", efuse_table_facts, NULL, 0x44 },
    { "esp32s3", efuse_table_facts, NULL, 0x44 },  { "esp32c3", efuse_table_facts, NULL, 0x44 },
    { "esp32c2", efuse_table_facts, NULL, 0x40 },  { "esp32c6", efuse_table_facts, NULL, 0x44 },
    { "esp32h2", efuse_table_facts, NULL, 0x44 },  { "esp32c5", mac_and_crystal, NULL, 0x44 },
    { "esp32p4", mac_and_crystal, NULL, 0x44 },    { NULL, NULL, NULL, 0 },
};

static const struct chip_decoder *decoder_for(const struct chip *c)
{
    for (const struct chip_decoder *d = decoders; c && d->chip; d++)
        if (strcmp(d->chip, c->name) == 0)
            return d;
    return NULL;
}

static void security_from_rom(struct loader *l, struct security_info *s)
{
    struct esp_response r;
    eb_err ignore;
    if (get_security_info(l, &r, &ignore) || r.data_len < SECURITY_INFO_SHORT)
        return;
    s->known = true;
    snprintf(s->source, sizeof s->source, "GET_SECURITY_INFO");
    s->flags = rd_le32(r.data);
    s->flash_crypt_cnt = r.data[4];
    s->flash_encryption = __builtin_popcount(s->flash_crypt_cnt) % 2 == 1;
    s->secure_boot = s->flags & SEC_SECURE_BOOT_EN;
    s->secure_boot_version = s->secure_boot ? 2 : 0; /* chips with this command have only V2 */
    s->secure_download = s->flags & SEC_SECURE_DOWNLOAD;
}

int loader_chip_facts(struct loader *l, struct chip_facts *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->rev_major = out->rev_minor = -1;
    if (!l->chip)
        return eb_fail(err, EB_IO, "internal: chip facts asked before detection");
    snprintf(out->description, sizeof out->description, "%s", l->chip->display);
    if (l->chip->rom_has_security_info)
        security_from_rom(l, &out->security);
    if (out->security.secure_download)
        return 0; /* the ROM refuses READ_REG: no eFuse facts to read */
    const struct chip_decoder *d = decoder_for(l->chip);
    return d ? d->facts(l, d, out, err) : 0;
}

int loader_rom_baud_arg(struct loader *l, uint32_t baud, uint32_t *arg, eb_err *err)
{
    const struct chip_decoder *d = decoder_for(l->chip);
    *arg = baud;
    return (d && d->rom_baud && !l->stub) ? d->rom_baud(l, baud, arg, err) : 0;
}

/* ---- SPI flash -------------------------------------------------------- */

int loader_spi_attach(struct loader *l, uint32_t pads, eb_err *err)
{
    uint8_t p[8] = { 0 };
    wr_le32(p, pads);
    if (loader_cmd(l, OP_SPI_ATTACH, p, l->stub ? 4 : 8, 0, NULL, err))
        return eb_wrap(err, "attaching the SPI flash");
    return 0;
}

#define SPI_CMD_USR     (1u << 18)
#define SPI_USR_COMMAND (1u << 31)
#define SPI_USR_MISO    (1u << 28)

/* Run a flash command that sends one opcode and reads back read_bits. */
static int spiflash_read_command(struct loader *l, uint8_t cmd, unsigned read_bits, uint32_t *out,
                                 eb_err *err)
{
    const struct chip *c = l->chip;
    uint32_t base = c->spi_base, old_usr, old_usr2, v = 0;
    if (loader_read_reg(l, base + c->spi_usr, &old_usr, err) ||
        loader_read_reg(l, base + c->spi_usr2, &old_usr2, err) ||
        loader_write_reg(l, base + c->spi_miso_dlen, read_bits - 1, err) ||
        loader_write_reg(l, base + c->spi_usr, SPI_USR_COMMAND | SPI_USR_MISO, err) ||
        loader_write_reg(l, base + c->spi_usr2, (7u << 28) | cmd, err) ||
        loader_write_reg(l, base + c->spi_w0, 0, err) || loader_write_reg(l, base, SPI_CMD_USR, err))
        return -1;
    int tries = 0;
    do {
        if (loader_read_reg(l, base, &v, err))
            return -1;
    } while ((v & SPI_CMD_USR) && ++tries < 10);
    if (v & SPI_CMD_USR)
        return eb_fail(err, EB_IO, "the SPI flash command 0x%02X did not complete; is the flash attached?",
                       cmd);
    if (loader_read_reg(l, base + c->spi_w0, out, err) ||
        loader_write_reg(l, base + c->spi_usr, old_usr, err) ||
        loader_write_reg(l, base + c->spi_usr2, old_usr2, err))
        return -1;
    return 0;
}

int loader_flash_id(struct loader *l, uint32_t *jedec, eb_err *err)
{
    if (spiflash_read_command(l, 0x9F, 24, jedec, err))
        return eb_wrap(err, "reading the flash JEDEC id");
    *jedec &= 0xFFFFFF;
    return 0;
}

uint32_t flash_size_from_jedec(uint32_t jedec)
{
    unsigned cap = (jedec >> 16) & 0xFF;
    if (cap >= 0x12 && cap <= 0x1C)
        return 1u << cap;
    if (cap >= 0x32 && cap <= 0x3C) /* some vendors count from 0x32 */
        return 1u << (cap - 0x20);
    return 0;
}

const char *flash_manufacturer_name(uint8_t id)
{
    static const struct {
        uint8_t id;
        const char *name;
    } makers[] = {
        { 0xC8, "GigaDevice" }, { 0xEF, "Winbond" }, { 0x20, "XMC / Micron" }, { 0x68, "Boya" },
        { 0xC2, "Macronix" },   { 0x1C, "EON" },     { 0x5E, "Zbit" },         { 0x85, "Puya" },
        { 0x0B, "XTX" },        { 0x9D, "ISSI" },    { 0xA1, "Fudan" },        { 0x46, "FMD" },
        { 0xBA, "Zetta" },
    };
    for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++)
        if (makers[i].id == id)
            return makers[i].name;
    return "unknown";
}

int loader_spi_set_params(struct loader *l, uint32_t size, eb_err *err)
{
    uint8_t p[24];
    wr_le32(p, 0);
    wr_le32(p + 4, size);
    wr_le32(p + 8, 0x10000);
    wr_le32(p + 12, ESP_FLASH_SECTOR);
    wr_le32(p + 16, 0x100);
    wr_le32(p + 20, 0xFFFF);
    if (loader_cmd(l, OP_SPI_SET_PARAMS, p, sizeof p, 0, NULL, err))
        return eb_wrap(err, "setting the flash parameters");
    l->flash_size = size;
    return 0;
}
