/* test_chip_efuse.c - the table-driven eFuse decoding (chip_efuse_decode):
 * ESP32-S3 revision with esptool's block-version quirk, package, embedded
 * flash / PSRAM features; ESP32-C3 package, revision and embedded flash.
 * Field positions from esptool's targets/esp32s3.py and esp32c3.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "loader/loader.h"

/* BLOCK1 word 3 / 4 / 5 and BLOCK2 word 4 bits, written out independently
 * of the decoder's table. */
#define W3(minor_lo, pkg, blk_minor, flash_cap) \
    ((uint32_t)(minor_lo) << 18 | (uint32_t)(pkg) << 21 | (uint32_t)(blk_minor) << 24 | (uint32_t)(flash_cap) << 27)
#define W4(flash_vendor, psram_cap, psram_vendor) \
    ((uint32_t)(flash_vendor) | (uint32_t)(psram_cap) << 3 | (uint32_t)(psram_vendor) << 7)
#define W5(minor_hi, major, psram_cap_hi) \
    ((uint32_t)(minor_hi) << 23 | (uint32_t)(major) << 24 | (uint32_t)(psram_cap_hi) << 19)

static struct chip_facts decode_chip(const char *chip, uint32_t w3, uint32_t w4, uint32_t w5, uint32_t blk2_w4)
{
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    e.blk1[3] = w3;
    e.blk1[4] = w4;
    e.blk1[5] = w5;
    e.blk2[4] = blk2_w4;
    struct chip_facts f;
    memset(&f, 0, sizeof f);
    assert_int_equal(chip_efuse_decode(chip, &e, &f), 0);
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
    const char *const want[] = { "Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz",
                                 "Embedded Flash 8MB (XMC)", "Embedded PSRAM 8MB (AP_3v3)" };
    assert_features(&f, want, 6);
    assert_true(f.embedded_psram);
}

static void psram_capacity_high_bit_and_unknown_codes(void **state)
{
    (void)state;
    /* PSRAM code 4 = high bit (word 5 bit 19) + 0: 4 MB, AP_1v8; flash code 5: unknown, vendor 7: none. */
    struct chip_facts f = decode(W3(2, 0, 3, 5), W4(7, 0, 2), W5(0, 0, 1), 1);
    const char *const want[] = { "Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz",
                                 "Unknown Embedded Flash", "Embedded PSRAM 4MB (AP_1v8)" };
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

static void chip_without_a_table(void **state)
{
    (void)state;
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    struct chip_facts f;
    memset(&f, 0, sizeof f);
    assert_int_equal(chip_efuse_decode("esp32", &e, &f), -1);
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
        cmocka_unit_test(chip_without_a_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
