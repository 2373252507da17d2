/* chip_efuse.c - the eFuse layout rows and their decoders. ESP32 bit
 * positions follow esptool's targets/esp32.py; ESP32-S2, -S3, -C2, -C3, -C6
 * and -H2 are data rows (fields and names) of one table-driven decoder,
 * from targets/esp32s2.py ... esp32h2.py. */
#include "chip/chip_efuse.h"

#include <stdio.h>
#include <string.h>

#define NAMES(array)                            \
    {                                           \
        array, sizeof(array) / sizeof(array[0]) \
    }
#define ANY EFUSE_ANY

/* ---- ESP32 (esptool esp32.py): BLOCK0 words 0..6 and APB_CTL_DATE ---- */

#define ESP32_APB_CTL_DATE 0x3FF6607C /* bit 31: the third revision bit */

static void add_feature(struct chip_facts *f, const char *name)
{
    if (f->nfeatures < CHIP_FEATURES_MAX)
        snprintf(f->features[f->nfeatures++], sizeof f->features[0], "%s", name);
}

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

/* FLASH_CRYPT_CNT is word 0 bits 20..26 (encryption on when an odd number
 * of bits is set); ABS_DONE_0 (word 6 bit 4) is secure boot V1, ABS_DONE_1
 * (bit 5) secure boot V2, which only rev 3 chips have. */
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

/* SPI_ATTACH's pin word from the SPI pad eFuses (0: the default pins). */
static uint32_t esp32_spi_pads(const uint32_t *w)
{
    unsigned clk = w[5] & 0x1F, q = (w[5] >> 5) & 0x1F, d = (w[5] >> 10) & 0x1F, cs = (w[5] >> 15) & 0x1F,
             hd = (w[3] >> 4) & 0x1F;
    return (uint32_t)hd << 24 | (uint32_t)cs << 18 | (uint32_t)d << 12 | (uint32_t)q << 6 | clk;
}

static void esp32_decode(const struct efuse_words *e, struct chip_facts *f)
{
    const uint32_t *w = e->blk[0];
    f->pkg_version = ((w[3] >> 9) & 7) + (((w[3] >> 2) & 1) << 3);
    f->rev_major = esp32_major_rev(w[3], w[5], e->rev_reg);
    f->rev_minor = (int)((w[5] >> 24) & 3);
    snprintf(f->description, sizeof f->description, "%s",
             esp32_package_name(f->pkg_version, w[3] & 1, f->rev_major == 3));
    esp32_features(w, f->pkg_version, f);
    f->spi_pads = esp32_spi_pads(w);
    esp32_security(w, f->rev_major, &f->security);
}

/* ---- the name lists of the table-driven rows ---- */

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
static const struct efuse_model s2_models[] = {
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
static const struct efuse_model c6_models[] = {
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

/* ---- the rows ---- */

#define BLOCK1_AT_0X44 \
    {                  \
        0, 0x44, 0x5C  \
    } /* BLOCK1 and BLOCK2 from efuse_base (S2 ... H2) */
#define MAC_IN_BLOCK1 \
    {                 \
        1, 0, 0, 0    \
    } /* the MAC: BLOCK1 words 0 and 1 (esptool MAC_EFUSE_REG) */

const struct chip_efuse chip_efuse_esp32 = {
    .decoder = EFUSE_DECODE_ESP32,
    .block0_words = 7,
    .rev_reg = ESP32_APB_CTL_DATE,
    .mac = { 0, 1, 0, 0 }, /* BLOCK0 words 1 and 2 */
};

const struct chip_efuse chip_efuse_esp32s3 = {
    .decoder = EFUSE_DECODE_FIELDS, .block_offset = BLOCK1_AT_0X44, .mac = MAC_IN_BLOCK1,
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
};

const struct chip_efuse chip_efuse_esp32c3 = {
    .decoder = EFUSE_DECODE_FIELDS, .block_offset = BLOCK1_AT_0X44, .mac = MAC_IN_BLOCK1,
    .fields = {
        [EF_PKG_VERSION] = { 1, 3, 21, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0x7 },
        [EF_MINOR_HI] = { 1, 5, 23, 0x1 }, [EF_MAJOR] = { 1, 5, 24, 0x3 },
        [EF_FLASH_CAP] = { 1, 3, 27, 0x7 }, [EF_FLASH_VENDOR] = { 1, 4, 0, 0x7 },
    },
    .unknown_package = "Unknown ESP32-C3",
    .packages = NAMES(c3_packages), .features = NAMES(c3_features),
    .flash_caps = NAMES(c3_flash_caps), .flash_vendors = NAMES(c3_flash_vendors),
};

/* pkg, major and minor-hi in BLOCK1 word 3/4 other than the S3's; the
 * calibration version is BLOCK2 word 4 bits 4..6. */
const struct chip_efuse chip_efuse_esp32s2 = {
    .decoder = EFUSE_DECODE_FIELDS, .block_offset = BLOCK1_AT_0X44, .mac = MAC_IN_BLOCK1,
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
};

/* esp32c2.py has no BLOCK1: every field is in BLOCK2 at efuse_base + 0x40
 * (the MAC's block: revision and package in word 1 above the MAC's 16 bits). */
const struct chip_efuse chip_efuse_esp32c2 = {
    .decoder = EFUSE_DECODE_FIELDS, .block_offset = { 0, 0, 0x40 }, .mac = { 2, 0, 0, 0 },
    .fields = {
        [EF_PKG_VERSION] = { 2, 1, 22, 0x7 }, [EF_MINOR_LO] = { 2, 1, 16, 0xF },
        [EF_MAJOR] = { 2, 1, 20, 0x3 },
        [EF_FLASH_CAP] = { 2, 7, 29, 0x7 }, [EF_FLASH_VENDOR] = { 2, 7, 24, 0x7 },
    },
    .unknown_package = "Unknown ESP32-C2",
    .packages = NAMES(c2_packages), .features = NAMES(c2_features),
    .flash_caps = NAMES(c2_flash_caps), .flash_vendors = NAMES(c3_flash_vendors),
};

const struct chip_efuse chip_efuse_esp32c6 = {
    .decoder = EFUSE_DECODE_FIELDS, .block_offset = BLOCK1_AT_0X44, .mac = MAC_IN_BLOCK1,
    .fields = {
        [EF_PKG_VERSION] = { 1, 3, 24, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0xF },
        [EF_MAJOR] = { 1, 3, 22, 0x3 }, [EF_FLASH_CAP] = { 1, 4, 0, 0x7 },
    },
    .unknown_package = "Unknown ESP32-C6",
    .models = NAMES(c6_models), .features = NAMES(c6_features), .flash_caps = NAMES(c6_flash_caps),
};

/* esp32h2.py (an ESP32C6ROM: same eFuse base and BLOCK1) decodes no
 * embedded flash. */
const struct chip_efuse chip_efuse_esp32h2 = {
    .decoder = EFUSE_DECODE_FIELDS, .block_offset = BLOCK1_AT_0X44, .mac = MAC_IN_BLOCK1,
    .fields = {
        [EF_PKG_VERSION] = { 1, 4, 0, 0x7 }, [EF_MINOR_LO] = { 1, 3, 18, 0x7 },
        [EF_MAJOR] = { 1, 3, 21, 0x3 },
    },
    .unknown_package = "Unknown ESP32-H2",
    .packages = NAMES(h2_packages), .features = NAMES(h2_features),
};

const struct chip_efuse chip_efuse_esp32c5 = {
    .decoder = EFUSE_DECODE_MAC_ONLY,
    .block_offset = BLOCK1_AT_0X44,
    .mac = MAC_IN_BLOCK1,
    .mac_only_why =
        "its package and revision fields are not in espburn's tables yet (esptool esp32c5.py has them)",
};
const struct chip_efuse chip_efuse_esp32p4 = {
    .decoder = EFUSE_DECODE_MAC_ONLY,
    .block_offset = BLOCK1_AT_0X44,
    .mac = MAC_IN_BLOCK1,
    .mac_only_why =
        "its package and revision fields are not in espburn's tables yet (esptool esp32p4.py has them)",
};

/* ---- the table-driven decoder ---- */

static unsigned efuse_get(const struct chip_efuse *t, const struct efuse_words *e, enum efuse_fact id)
{
    const struct efuse_field *f = &t->fields[id];
    return f->mask && f->block < EFUSE_BLOCKS && f->word < EFUSE_BLOCK_WORDS
               ? (e->blk[f->block][f->word] >> f->shift) & f->mask
               : 0;
}

static const char *name_at(const struct efuse_names *l, unsigned code)
{
    return code < l->n ? l->names[code] : NULL;
}

/* "Embedded Flash 8MB (XMC)": the capacity, with its vendor when known.
 * Nothing when the chip has no such list or the code's name is NULL
 * (nothing embedded); codes past the list's end are `unknown`. */
static void add_embedded(struct chip_facts *f, const struct efuse_names *caps, unsigned code,
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

static const char *model_name(const struct chip_efuse *t, unsigned pkg, unsigned flash, unsigned psram)
{
    if (!t->models.n)
        return name_at(&t->packages, pkg);
    for (unsigned i = 0; i < t->models.n; i++) {
        const struct efuse_model *m = &t->models.rows[i];
        if ((m->pkg == ANY || m->pkg == pkg) && (m->flash_cap == ANY || m->flash_cap == flash) &&
            (m->psram_cap == ANY || m->psram_cap == psram))
            return m->name;
    }
    return NULL;
}

static void fields_revision(const struct chip_efuse *t, const struct efuse_words *e, struct chip_facts *f)
{
    unsigned minor = efuse_get(t, e, EF_MINOR_HI) << 3 | efuse_get(t, e, EF_MINOR_LO);
    /* S3 chips v0.0 with eFuse block version v1.1 used the major field for
     * something else: esptool reads them as v0.0 (is_eco0). */
    bool eco0 = t->eco0_quirk && (minor & 7) == 0 && efuse_get(t, e, EF_BLK_MAJOR) == 1 &&
                efuse_get(t, e, EF_BLK_MINOR) == 1;
    f->rev_minor = eco0 ? 0 : (int)minor;
    f->rev_major = eco0 ? 0 : (int)efuse_get(t, e, EF_MAJOR);
}

static void fields_decode(const struct chip_efuse *t, const struct efuse_words *e, struct chip_facts *f)
{
    fields_revision(t, e, f);
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
}

/* The MAC in two words, the low 16 bits of the second first. */
static void mac_decode(const struct chip_efuse *t, const struct efuse_words *e, struct chip_facts *f)
{
    if (t->mac.block >= EFUSE_BLOCKS || t->mac.word + 1u >= EFUSE_BLOCK_WORDS)
        return;
    const uint32_t *blk = e->blk[t->mac.block];
    uint32_t w0 = blk[t->mac.word], w1 = blk[t->mac.word + 1];
    uint8_t mac[6] = { (uint8_t)(w1 >> 8),  (uint8_t)w1,        (uint8_t)(w0 >> 24),
                       (uint8_t)(w0 >> 16), (uint8_t)(w0 >> 8), (uint8_t)w0 };
    memcpy(f->mac, mac, 6);
    f->have_mac = true;
}

bool chip_efuse_reads(const struct chip *chip, unsigned block, unsigned word)
{
    const struct chip_efuse *t = chip ? chip->efuse : NULL;
    if (!t || block >= EFUSE_BLOCKS || word >= EFUSE_BLOCK_WORDS)
        return false;
    if (block == t->mac.block && (word == t->mac.word || word == t->mac.word + 1u))
        return true;
    if (t->decoder == EFUSE_DECODE_ESP32)
        return block == 0 && word < t->block0_words;
    for (unsigned i = 0; t->decoder == EFUSE_DECODE_FIELDS && i < EF_COUNT; i++)
        if (t->fields[i].mask && t->fields[i].block == block && t->fields[i].word == word)
            return true;
    return false;
}

void chip_facts_init(struct chip_facts *f, const struct chip *chip)
{
    memset(f, 0, sizeof *f);
    f->rev_major = f->rev_minor = -1;
    if (chip)
        snprintf(f->description, sizeof f->description, "%s", chip->display);
}

int chip_efuse_decode(const struct chip *chip, const struct efuse_words *e, struct chip_facts *f)
{
    if (!chip || !chip->efuse)
        return -1;
    const struct chip_efuse *t = chip->efuse;
    if (t->decoder == EFUSE_DECODE_ESP32)
        esp32_decode(e, f);
    else if (t->decoder == EFUSE_DECODE_FIELDS)
        fields_decode(t, e, f);
    mac_decode(t, e, f);
    return 0;
}
