/* test_chip_efuse.c - eFuse decoding through the chip rows (chip_efuse_decode):
 * the ESP32's own BLOCK0 (package, revision from three bits, features,
 * MAC, security eFuses); ESP32-S3 revision with esptool's block-version
 * quirk, package, embedded flash / PSRAM features; ESP32-C3 package,
 * revision and embedded flash; ESP32-S2 (model from flash + PSRAM, BLOCK2
 * calibration), ESP32-C2 (all in BLOCK2, word 7 too), ESP32-C6 (model from
 * package + flash), ESP32-H2; the MAC wherever the chip keeps it; which
 * words the loader reads; the MAC-only rows. Field positions from esptool's
 * targets/esp32.py ... esp32h2.py, written out here as bit positions
 * independently of the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "chip/chip_efuse.h"

/* BLOCK1 word 3 / 4 / 5 and BLOCK2 word 4 bits, written out independently
 * of the decoder's table. */
#define W3(minor_lo, pkg, blk_minor, flash_cap)                                         \
    ((uint32_t)(minor_lo) << 18 | (uint32_t)(pkg) << 21 | (uint32_t)(blk_minor) << 24 | \
     (uint32_t)(flash_cap) << 27)
#define W4(flash_vendor, psram_cap, psram_vendor) \
    ((uint32_t)(flash_vendor) | (uint32_t)(psram_cap) << 3 | (uint32_t)(psram_vendor) << 7)
#define W5(minor_hi, major, psram_cap_hi) \
    ((uint32_t)(minor_hi) << 23 | (uint32_t)(major) << 24 | (uint32_t)(psram_cap_hi) << 19)

static struct chip_facts decode_chip(const char *chip, uint32_t w3, uint32_t w4, uint32_t w5,
                                     uint32_t blk2_w4)
{
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    e.blk[1][3] = w3;
    e.blk[1][4] = w4;
    e.blk[1][5] = w5;
    e.blk[2][4] = blk2_w4;
    struct chip_facts f;
    memset(&f, 0, sizeof f);
    assert_int_equal(chip_efuse_decode(chip_by_name(chip), &e, &f), 0);
    return f;
}

static struct chip_facts decode(uint32_t w3, uint32_t w4, uint32_t w5, uint32_t blk2_w4)
{
    return decode_chip("esp32s3", w3, w4, w5, blk2_w4);
}

static void assert_features(const struct chip_facts *f, const char *const *want, unsigned n)
{
    assert_int_equal(f->nfeatures, n);
    for (unsigned i = 0; i < n; i++)
        assert_string_equal(f->features[i], want[i]);
}

static const char *const base_features[] = { "Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz" };

/* The M5Stack CoreS3: v0.2, QFN56, eFuse block v1.3, flash and PSRAM outside the chip. */
static void cores3_is_v0_2_qfn56_without_embedded_memory(void **state)
{
    (void)state;
    struct chip_facts f = decode(W3(2, 0, 3, 0), 0, 0, 1);
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 2);
    assert_int_equal(f.pkg_version, 0);
    assert_string_equal(f.description, "ESP32-S3 (QFN56)");
    assert_features(&f, base_features, 4);
    assert_false(f.embedded_psram);
}

static void pico_with_embedded_flash_and_psram(void **state)
{
    (void)state;
    /* ESP32-S3-PICO-1-N8R8-like: flash cap 1 (8 MB, XMC), PSRAM cap 1 (8 MB, AP_3v3). */
    struct chip_facts f = decode(W3(1, 1, 2, 1), W4(1, 1, 1), 0, 1);
    assert_string_equal(f.description, "ESP32-S3-PICO-1 (LGA56)");
    assert_int_equal(f.rev_minor, 1);
    const char *const want[] = { "Wi-Fi",
                                 "BT 5 (LE)",
                                 "Dual Core + LP Core",
                                 "240MHz",
                                 "Embedded Flash 8MB (XMC)",
                                 "Embedded PSRAM 8MB (AP_3v3)" };
    assert_features(&f, want, 6);
    assert_true(f.embedded_psram);
}

static void psram_capacity_high_bit_and_unknown_codes(void **state)
{
    (void)state;
    /* PSRAM code 4 = high bit (word 5 bit 19) + 0: 4 MB, AP_1v8; flash code 5: unknown, vendor 7: none. */
    struct chip_facts f = decode(W3(2, 0, 3, 5), W4(7, 0, 2), W5(0, 0, 1), 1);
    const char *const want[] = { "Wi-Fi",
                                 "BT 5 (LE)",
                                 "Dual Core + LP Core",
                                 "240MHz",
                                 "Unknown Embedded Flash",
                                 "Embedded PSRAM 4MB (AP_1v8)" };
    assert_features(&f, want, 6);
    f = decode(W3(0, 6, 0, 0), 0, W5(0, 0, 0), 0);
    assert_string_equal(f.description, "Unknown ESP32-S3");
}

static void revision_bits_and_the_eco0_quirk(void **state)
{
    (void)state;
    /* minor = hi bit (word 5 bit 23) << 3 | low bits; major in word 5 bits 24..25 */
    struct chip_facts f = decode(W3(1, 0, 2, 0), 0, W5(1, 1, 0), 1);
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 9);
    /* block version v1.1 with minor 0: the major field meant something else (v0.0 chips) */
    f = decode(W3(0, 0, 1, 0), 0, W5(0, 1, 0), 1);
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 0);
    /* the same major bits with block version v1.2 count */
    f = decode(W3(0, 0, 2, 0), 0, W5(0, 1, 0), 1);
    assert_int_equal(f.rev_major, 1);
}

/* ESP32-C3 BLOCK1 uses the same words for these fields (esp32c3.py); it has
 * no PSRAM fields, no block-version quirk, other names. */
static const char *const c3_base[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz" };

static void c3_devkitm1_is_c3fn4_v0_4_with_4mb_xmc_flash(void **state)
{
    (void)state;
    struct chip_facts f = decode_chip("esp32c3", W3(4, 0, 0, 1), W4(1, 0, 0), 0, 0);
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 4);
    assert_string_equal(f.description, "ESP32-C3 (QFN32)");
    const char *const want[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz", "Embedded Flash 4MB (XMC)" };
    assert_features(&f, want, 5);
    assert_false(f.embedded_psram);
}

static void c3_packages_revisions_and_codes(void **state)
{
    (void)state;
    /* no embedded flash (e.g. a C3 with external flash): the base features only */
    struct chip_facts f = decode_chip("esp32c3", W3(3, 0, 0, 0), 0, 0, 0);
    assert_features(&f, c3_base, 4);
    assert_int_equal(f.rev_minor, 3);
    f = decode_chip("esp32c3", W3(1, 3, 0, 4), W4(5, 0, 0), W5(0, 1, 0), 0);
    assert_string_equal(f.description, "ESP8686 (QFN24)");
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 1);
    assert_string_equal(f.features[4], "Embedded Flash 8MB (ZBIT)");
    f = decode_chip("esp32c3", W3(0, 1, 0, 2), W4(2, 0, 0), W5(1, 0, 0), 0);
    assert_string_equal(f.description, "ESP8685 (QFN28)");
    assert_int_equal(f.rev_minor, 8);
    assert_string_equal(f.features[4], "Embedded Flash 2MB (GD)");
    /* unknown codes; PSRAM-looking bits mean nothing on a C3 */
    f = decode_chip("esp32c3", W3(0, 5, 1, 6), W4(7, 1, 1), W5(0, 1, 1), 1);
    assert_string_equal(f.description, "Unknown ESP32-C3");
    const char *const want[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz", "Unknown Embedded Flash" };
    assert_features(&f, want, 5);
    assert_false(f.embedded_psram);
    /* block version v1.1 with minor 0 is not a quirk on the C3: major counts */
    assert_int_equal(f.rev_major, 1);
}

/* Any BLOCK1 / BLOCK2 words. */
static struct chip_facts decode_words(const char *chip, const uint32_t blk1[EFUSE_BLOCK_WORDS],
                                      const uint32_t blk2[EFUSE_BLOCK_WORDS])
{
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    memcpy(e.blk[1], blk1, sizeof e.blk[1]);
    memcpy(e.blk[2], blk2, sizeof e.blk[2]);
    struct chip_facts f;
    memset(&f, 0, sizeof f);
    assert_int_equal(chip_efuse_decode(chip_by_name(chip), &e, &f), 0);
    return f;
}

/* ---- ESP32-S2 (esp32s2.py) ----
 * BLOCK1 word 3: major 18..19, minor high bit 20, flash cap 21..24, PSRAM cap 28..31;
 * BLOCK1 word 4: package 0..3, minor low bits 4..6; BLOCK2 word 4: block version minor 4..6. */
#define S2_W3(major, minor_hi, flash, psram) \
    ((uint32_t)(major) << 18 | (uint32_t)(minor_hi) << 20 | (uint32_t)(flash) << 21 | (uint32_t)(psram) << 28)
#define S2_W4(pkg, minor_lo) ((uint32_t)(pkg) | (uint32_t)(minor_lo) << 4)
#define S2_BLK2_W4(cal)      ((uint32_t)(cal) << 4)

static struct chip_facts decode_s2(uint32_t w3, uint32_t w4, uint32_t blk2_w4)
{
    uint32_t b1[EFUSE_BLOCK_WORDS] = { 0 }, b2[EFUSE_BLOCK_WORDS] = { 0 };
    b1[3] = w3;
    b1[4] = w4;
    b2[4] = blk2_w4;
    return decode_words("esp32s2", b1, b2);
}

static void s2_plain_chip_lists_no_memory_and_its_calibration(void **state)
{
    (void)state;
    /* an ESP32-S2 v0.0 (Saola-1 / WROVER module: memories outside the chip), calibration V2 */
    struct chip_facts f = decode_s2(S2_W3(0, 0, 0, 0), S2_W4(0, 0), S2_BLK2_W4(2));
    assert_string_equal(f.description, "ESP32-S2");
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 0);
    const char *const want[] = { "Wi-Fi",
                                 "Single Core",
                                 "240MHz",
                                 "No Embedded Flash",
                                 "No Embedded PSRAM",
                                 "ADC and temperature sensor calibration in BLK2 of eFuse V2" };
    assert_features(&f, want, 6);
    assert_false(f.embedded_psram);
}

static void s2_models_from_flash_and_psram(void **state)
{
    (void)state;
    /* S2FNR2: 4 MB flash (code 2) and 2 MB PSRAM (code 1) in the package; v1.0 */
    struct chip_facts f = decode_s2(S2_W3(1, 0, 2, 1), S2_W4(0, 0), S2_BLK2_W4(1));
    assert_string_equal(f.description, "ESP32-S2FNR2");
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 0);
    const char *const want[] = { "Wi-Fi",
                                 "Single Core",
                                 "240MHz",
                                 "Embedded Flash 4MB",
                                 "Embedded PSRAM 2MB",
                                 "ADC and temperature sensor calibration in BLK2 of eFuse V1" };
    assert_features(&f, want, 6);
    assert_true(f.embedded_psram);
    f = decode_s2(S2_W3(0, 0, 1, 0), 0, 0);
    assert_string_equal(f.description, "ESP32-S2FH2");
    assert_string_equal(f.features[3], "Embedded Flash 2MB");
    assert_string_equal(f.features[5], "No calibration in BLK2 of efuse");
    f = decode_s2(S2_W3(0, 0, 2, 0), 0, 0);
    assert_string_equal(f.description, "ESP32-S2FH4");
    f = decode_s2(S2_W3(0, 0, 0, 2), 0, 0);
    assert_string_equal(f.description, "Unknown ESP32-S2"); /* esptool names code 200 nothing */
    assert_string_equal(f.features[4], "Embedded PSRAM 4MB");
    f = decode_s2(S2_W3(0, 0, 0, 1), 0, 0);
    assert_string_equal(f.description, "ESP32-S2R2");
    /* the package field (word 4 bits 0..3) is reported but does not name the chip */
    f = decode_s2(S2_W3(0, 0, 0, 0), S2_W4(9, 0), 0);
    assert_int_equal(f.pkg_version, 9);
    assert_string_equal(f.description, "ESP32-S2");
}

static void s2_revision_bits_and_unknown_codes(void **state)
{
    (void)state;
    /* minor = word 3 bit 20 << 3 | word 4 bits 4..6 */
    struct chip_facts f = decode_s2(S2_W3(2, 1, 0, 0), S2_W4(0, 5), 0);
    assert_int_equal(f.rev_major, 2);
    assert_int_equal(f.rev_minor, 13);
    f = decode_s2(S2_W3(0, 0, 3, 3), 0, S2_BLK2_W4(3));
    assert_string_equal(f.description, "Unknown ESP32-S2");
    const char *const want[] = { "Wi-Fi",
                                 "Single Core",
                                 "240MHz",
                                 "Unknown Embedded Flash",
                                 "Unknown Embedded PSRAM",
                                 "Unknown calibration in BLK2" };
    assert_features(&f, want, 6);
    assert_true(f.embedded_psram);
    /* flash code 15 (all four bits) and PSRAM code 15: still unknown, not wrapped into a known code */
    f = decode_s2(S2_W3(0, 0, 0xF, 0xF), 0, 0);
    assert_string_equal(f.features[3], "Unknown Embedded Flash");
    assert_string_equal(f.features[4], "Unknown Embedded PSRAM");
    assert_int_equal(f.rev_major, 0); /* flash bits 21..24 do not leak into the major field */
    assert_int_equal(f.rev_minor, 0);
}

/* ---- ESP32-C2 (esp32c2.py): everything in BLOCK2 (efuse_base + 0x40) ----
 * word 1: minor 16..19, major 20..21, package 22..24; word 7: flash vendor 24..26, flash cap 29..31. */
#define C2_W1(minor, major, pkg) ((uint32_t)(minor) << 16 | (uint32_t)(major) << 20 | (uint32_t)(pkg) << 22)
#define C2_W7(vendor, flash)     ((uint32_t)(vendor) << 24 | (uint32_t)(flash) << 29)

static struct chip_facts decode_c2(uint32_t w1, uint32_t w7)
{
    uint32_t b1[EFUSE_BLOCK_WORDS] = { 0 }, b2[EFUSE_BLOCK_WORDS] = { 0 };
    b2[0] = 0xF7F95560;  /* MAC low word: no bearing on the facts */
    b2[1] = w1 | 0x2CA2; /* MAC high 16 bits under the revision */
    b2[7] = w7;
    return decode_words("esp32c2", b1, b2);
}

static void c2_package_revision_and_embedded_flash(void **state)
{
    (void)state;
    struct chip_facts f = decode_c2(C2_W1(0, 1, 0), 0);
    assert_string_equal(f.description, "ESP32-C2");
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 0);
    const char *const base[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz" };
    assert_features(&f, base, 4);
    /* ESP8684H with 4 MB XMC flash in the package, v1.2 */
    f = decode_c2(C2_W1(2, 1, 1), C2_W7(1, 1));
    assert_string_equal(f.description, "ESP8684H");
    assert_int_equal(f.pkg_version, 1);
    assert_int_equal(f.rev_minor, 2);
    const char *const want[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz", "Embedded Flash 4MB (XMC)" };
    assert_features(&f, want, 5);
    assert_false(f.embedded_psram);
    f = decode_c2(C2_W1(0, 1, 1), C2_W7(5, 3));
    assert_string_equal(f.features[4], "Embedded Flash 1MB (ZBIT)");
    f = decode_c2(C2_W1(0, 1, 1), C2_W7(2, 2));
    assert_string_equal(f.features[4], "Embedded Flash 2MB (GD)");
}

static void c2_four_bit_minor_unknown_codes_and_block1_ignored(void **state)
{
    (void)state;
    /* minor is 4 bits (16..19): 12 */
    struct chip_facts f = decode_c2(C2_W1(12, 2, 0), 0);
    assert_int_equal(f.rev_major, 2);
    assert_int_equal(f.rev_minor, 12);
    f = decode_c2(C2_W1(0, 0, 2), C2_W7(6, 4));
    assert_string_equal(f.description, "Unknown ESP32-C2");
    const char *const want[] = { "Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz", "Unknown Embedded Flash" };
    assert_features(&f, want, 5);
    /* BLOCK1 words where the C3 keeps these fields mean nothing on a C2 */
    uint32_t b1[EFUSE_BLOCK_WORDS] = { 0 }, b2[EFUSE_BLOCK_WORDS] = { 0 };
    b1[3] = W3(3, 1, 0, 1);
    b1[4] = W4(1, 0, 0);
    b1[5] = W5(1, 1, 0);
    f = decode_words("esp32c2", b1, b2);
    assert_string_equal(f.description, "ESP32-C2");
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 0);
    assert_int_equal(f.nfeatures, 4);
}

/* ---- ESP32-C6 (esp32c6.py) ----
 * BLOCK1 word 3: minor 18..21, major 22..23, package 24..26; word 4: flash cap 0..2. */
#define C6_W3(minor, major, pkg) ((uint32_t)(minor) << 18 | (uint32_t)(major) << 22 | (uint32_t)(pkg) << 24)

static struct chip_facts decode_b1(const char *chip, uint32_t w3, uint32_t w4)
{
    uint32_t b1[EFUSE_BLOCK_WORDS] = { 0 }, b2[EFUSE_BLOCK_WORDS] = { 0 };
    b1[3] = w3;
    b1[4] = w4;
    return decode_words(chip, b1, b2);
}

static void c6_qfn40_and_the_flash_named_models(void **state)
{
    (void)state;
    /* ESP32-C6-DevKitC-1 (C6-WROOM-1: QFN40, flash outside): v0.1. esptool has
     * no name for flash code 0 and prints "Unknown Embedded Flash". */
    struct chip_facts f = decode_b1("esp32c6", C6_W3(1, 0, 0), 0);
    assert_string_equal(f.description, "ESP32-C6 (QFN40)");
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 1);
    const char *const want[] = { "Wi-Fi 6",      "BT 5 (LE)",
                                 "IEEE802.15.4", "Single Core + LP Core",
                                 "160MHz",       "Unknown Embedded Flash" };
    assert_features(&f, want, 6);
    assert_false(f.embedded_psram);
    /* package 1 is named by its flash: FH4 / FH8 */
    f = decode_b1("esp32c6", C6_W3(2, 0, 1), 1);
    assert_string_equal(f.description, "ESP32-C6FH4 (QFN32)");
    assert_int_equal(f.pkg_version, 1);
    const char *const fh4[] = { "Wi-Fi 6", "BT 5 (LE)",         "IEEE802.15.4", "Single Core + LP Core",
                                "160MHz",  "Embedded Flash 4MB" };
    assert_features(&f, fh4, 6);
    f = decode_b1("esp32c6", C6_W3(2, 0, 1), 2);
    assert_string_equal(f.description, "ESP32-C6FH8 (QFN32)");
    assert_string_equal(f.features[5], "Embedded Flash 8MB");
    /* package 0 stays QFN40 whatever the flash code */
    f = decode_b1("esp32c6", C6_W3(0, 0, 0), 2);
    assert_string_equal(f.description, "ESP32-C6 (QFN40)");
}

static void c6_revision_bits_and_unknown_codes(void **state)
{
    (void)state;
    /* minor is 4 bits (18..21), major 22..23 */
    struct chip_facts f = decode_b1("esp32c6", C6_W3(10, 1, 0), 0);
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 10);
    /* package 1 with no or an unknown flash code has no name; package 2 is unknown */
    f = decode_b1("esp32c6", C6_W3(0, 0, 1), 0);
    assert_string_equal(f.description, "Unknown ESP32-C6");
    f = decode_b1("esp32c6", C6_W3(0, 0, 1), 3);
    assert_string_equal(f.description, "Unknown ESP32-C6");
    assert_string_equal(f.features[5], "Unknown Embedded Flash");
    f = decode_b1("esp32c6", C6_W3(0, 0, 2), 1);
    assert_string_equal(f.description, "Unknown ESP32-C6");
    assert_string_equal(f.features[5], "Embedded Flash 4MB");
    assert_int_equal(f.nfeatures, 6);
}

/* ---- ESP32-H2 (esp32h2.py) ----
 * BLOCK1 word 3: minor 18..20, major 21..22; word 4: package 0..2. No flash / PSRAM fields. */
#define H2_W3(minor, major) ((uint32_t)(minor) << 18 | (uint32_t)(major) << 21)

static void h2_package_revision_and_features(void **state)
{
    (void)state;
    const char *const want[] = { "BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz" };
    struct chip_facts f = decode_b1("esp32h2", H2_W3(1, 0), 0);
    assert_string_equal(f.description, "ESP32-H2");
    assert_int_equal(f.rev_major, 0);
    assert_int_equal(f.rev_minor, 1);
    assert_features(&f, want, 4);
    f = decode_b1("esp32h2", H2_W3(2, 1), 0);
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 2);
    /* bit 21 is the major's, not a 4th minor bit (the C6's minor is 4 bits; the H2's 3) */
    f = decode_b1("esp32h2", H2_W3(7, 0) | 1u << 21, 0);
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 7);
    /* unknown package; bits where the C6 keeps package and flash add nothing */
    f = decode_b1("esp32h2", C6_W3(0, 0, 1), 1);
    assert_string_equal(f.description, "Unknown ESP32-H2");
    assert_int_equal(f.pkg_version, 1);
    assert_features(&f, want, 4);
    assert_false(f.embedded_psram);
}

/* ---- ESP32 (esp32.py): BLOCK0 words 0..6 and APB_CTL_DATE ----
 * word 1/2: MAC; word 3: single core 0, BT off 1, package 9..11 (+ bit 2 as
 * its 4th bit), CPU rated 13 with 160 MHz at 12, revision bit 0 at 15;
 * word 5: revision bit 1 at 20, minor 24..25; APB_CTL_DATE bit 31:
 * revision bit 2; word 0: FLASH_CRYPT_CNT 20..26; word 6: ABS_DONE_0 4. */
static struct chip_facts decode_esp32(const uint32_t w[7], uint32_t apb_date)
{
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    memcpy(e.blk[0], w, 7 * sizeof w[0]);
    e.rev_reg = apb_date;
    struct chip_facts f;
    chip_facts_init(&f, chip_by_name("esp32"));
    assert_int_equal(chip_efuse_decode(chip_by_name("esp32"), &e, &f), 0);
    return f;
}

static void esp32_fire_d0wdq6_rev1_with_its_mac(void **state)
{
    (void)state;
    /* the M5Stack Fire's words (docs/sim.md): MAC 24:0a:c4:a1:b2:c3 */
    const uint32_t w[7] = { 0, 0xC4A1B2C3, 0x0000240A, 1u << 15 | 1u << 13, 0x00000C32, 0, 0 };
    struct chip_facts f = decode_esp32(w, 0x16042000);
    assert_string_equal(f.description, "ESP32-D0WDQ6");
    assert_int_equal(f.rev_major, 1);
    assert_int_equal(f.rev_minor, 0);
    const char *const want[] = { "Wi-Fi", "BT", "Dual Core", "240MHz", "Vref calibration in eFuse" };
    assert_features(&f, want, 5);
    const uint8_t mac[6] = { 0x24, 0x0A, 0xC4, 0xA1, 0xB2, 0xC3 };
    assert_true(f.have_mac);
    assert_memory_equal(f.mac, mac, 6);
    assert_true(f.security.known);
    assert_false(f.security.flash_encryption);
    assert_int_equal(f.security.secure_boot_version, 0);
}

static void esp32_rev3_pico_security_and_single_core(void **state)
{
    (void)state;
    /* rev 3 needs all three bits: word 3 bit 15, word 5 bit 20, APB_CTL_DATE bit 31 */
    uint32_t w[7] = { 3u << 20, 0, 0, 1u << 15 | 5u << 9, 0, 1u << 20 | 1u << 24, 1u << 5 };
    struct chip_facts f = decode_esp32(w, 0x80000000u);
    assert_int_equal(f.rev_major, 3);
    assert_int_equal(f.rev_minor, 1);
    assert_string_equal(f.description, "ESP32-PICO-V3");
    assert_string_equal(f.features[3], "Embedded Flash");
    assert_false(f.security.flash_encryption); /* two bits: even */
    assert_int_equal(f.security.secure_boot_version, 2);
    /* the same words without the APB bit: rev 2, and ABS_DONE_1 means nothing before rev 3 */
    f = decode_esp32(w, 0);
    assert_int_equal(f.rev_major, 2);
    assert_string_equal(f.description, "ESP32-PICO-D4");
    assert_int_equal(f.security.secure_boot_version, 0);
    /* single core, BT disabled, 160 MHz, one crypt bit: encrypted */
    w[0] = 1u << 20, w[3] = 1u | 1u << 1 | 1u << 12 | 1u << 13, w[5] = 0;
    f = decode_esp32(w, 0);
    assert_string_equal(f.description, "ESP32-S0WDQ6");
    const char *const want[] = { "Wi-Fi", "Single Core", "160MHz" };
    assert_features(&f, want, 3);
    assert_true(f.security.flash_encryption);
}

/* The MAC: two words, the low 16 bits of the second first, wherever the
 * chip keeps them (BLOCK1 on the S3, BLOCK2 on the C2). */
static void mac_from_the_chips_block(void **state)
{
    (void)state;
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    e.blk[1][0] = 0x7E0D1E2F, e.blk[1][1] = 0x0000F412; /* the CoreS3's */
    e.blk[2][0] = 0x11223344, e.blk[2][1] = 0x00005566;
    struct chip_facts f;
    chip_facts_init(&f, chip_by_name("esp32s3"));
    assert_int_equal(chip_efuse_decode(chip_by_name("esp32s3"), &e, &f), 0);
    const uint8_t s3[6] = { 0xF4, 0x12, 0x7E, 0x0D, 0x1E, 0x2F };
    assert_memory_equal(f.mac, s3, 6);
    chip_facts_init(&f, chip_by_name("esp32c2"));
    assert_int_equal(chip_efuse_decode(chip_by_name("esp32c2"), &e, &f), 0);
    const uint8_t c2[6] = { 0x55, 0x66, 0x11, 0x22, 0x33, 0x44 };
    assert_memory_equal(f.mac, c2, 6);
}

/* Which words the loader reads: those the row names, and no others. */
static void words_read_are_the_rows(void **state)
{
    (void)state;
    const struct chip *esp32 = chip_by_name("esp32"), *s3 = chip_by_name("esp32s3"),
                      *c2 = chip_by_name("esp32c2");
    for (unsigned w = 0; w < 7; w++)
        assert_true(chip_efuse_reads(esp32, 0, w));
    assert_false(chip_efuse_reads(esp32, 0, 7));
    assert_false(chip_efuse_reads(esp32, 1, 0));
    assert_true(chip_efuse_reads(s3, 1, 0));  /* MAC */
    assert_true(chip_efuse_reads(s3, 1, 3));  /* package, minor */
    assert_true(chip_efuse_reads(s3, 2, 4));  /* block version major */
    assert_false(chip_efuse_reads(s3, 1, 2)); /* nothing there */
    assert_false(chip_efuse_reads(s3, 0, 0));
    assert_true(chip_efuse_reads(c2, 2, 7)); /* flash capacity */
    assert_false(chip_efuse_reads(c2, 1, 3));
    assert_false(chip_efuse_reads(NULL, 1, 0));
    assert_false(chip_efuse_reads(s3, 3, 0));
}

/* The ESP32-C5 and -P4 rows decode only the MAC, and say why. */
static void mac_only_rows_and_no_chip(void **state)
{
    (void)state;
    struct efuse_words e;
    memset(&e, 0xA5, sizeof e);
    struct chip_facts f;
    const char *const names[] = { "esp32c5", "esp32p4" };
    for (int i = 0; i < 2; i++) {
        const struct chip *c = chip_by_name(names[i]);
        assert_int_equal(c->efuse->decoder, EFUSE_DECODE_MAC_ONLY);
        assert_non_null(c->efuse->mac_only_why);
        chip_facts_init(&f, c);
        assert_int_equal(chip_efuse_decode(c, &e, &f), 0);
        assert_string_equal(f.description, c->display);
        assert_int_equal(f.rev_major, -1);
        assert_int_equal(f.nfeatures, 0);
        assert_true(f.have_mac);
        assert_int_equal(f.mac[0], 0xA5);
        assert_false(chip_efuse_reads(c, 1, 3));
    }
    assert_int_equal(chip_efuse_decode(NULL, &e, &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cores3_is_v0_2_qfn56_without_embedded_memory),
        cmocka_unit_test(pico_with_embedded_flash_and_psram),
        cmocka_unit_test(psram_capacity_high_bit_and_unknown_codes),
        cmocka_unit_test(revision_bits_and_the_eco0_quirk),
        cmocka_unit_test(c3_devkitm1_is_c3fn4_v0_4_with_4mb_xmc_flash),
        cmocka_unit_test(c3_packages_revisions_and_codes),
        cmocka_unit_test(s2_plain_chip_lists_no_memory_and_its_calibration),
        cmocka_unit_test(s2_models_from_flash_and_psram),
        cmocka_unit_test(s2_revision_bits_and_unknown_codes),
        cmocka_unit_test(c2_package_revision_and_embedded_flash),
        cmocka_unit_test(c2_four_bit_minor_unknown_codes_and_block1_ignored),
        cmocka_unit_test(c6_qfn40_and_the_flash_named_models),
        cmocka_unit_test(c6_revision_bits_and_unknown_codes),
        cmocka_unit_test(h2_package_revision_and_features),
        cmocka_unit_test(esp32_fire_d0wdq6_rev1_with_its_mac),
        cmocka_unit_test(esp32_rev3_pico_security_and_single_core),
        cmocka_unit_test(mac_from_the_chips_block),
        cmocka_unit_test(words_read_are_the_rows),
        cmocka_unit_test(mac_only_rows_and_no_chip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
