/* test_esp_image.c - esp_image_parse and esp_image_patch_header on the seed
 * bundle's real images and on images generated for every chip of the chip
 * table: regions, verdict, alignment, checksum, SHA-256, descriptors, and
 * truncated, corrupt and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/esp_image.h"
#include "imgbuild.h"

static void seed_app_is_esp32_application(void **state)
{
    (void)state;
    bytes b = { 0 };
    assert_true(ib_seed("MicroPython.bin", &b));
    struct esp_image img;
    eb_err err = { 0 };
    assert_int_equal(esp_image_parse(b.data, b.len, &img, &err), 0);
    assert_string_equal(img.chip->name, "esp32");
    assert_int_equal(img.role, ROLE_APP);
    assert_int_equal(img.nseg, 9);
    assert_int_equal(img.seg[0].load_addr, 0x3f400020);
    assert_int_equal(img.seg[0].len, 462120);
    assert_int_equal(img.seg[0].data_off, 0x20);
    assert_string_equal(img.seg[0].region->name, "DROM");
    assert_int_equal(b.data[2], 0x02);
    assert_int_equal(b.data[3], 0x20);
    assert_int_equal(img.flash_mode, 2);
    assert_int_equal(img.flash_size_code, 2);
    assert_int_equal(img.flash_freq_code, 0);
    assert_string_equal(esp_image_mode_name(img.flash_mode), "DIO");
    assert_string_equal(esp_image_size_name(img.flash_size_code), "4MB");
    assert_true(img.checksum_ok);
    assert_true(img.hash_appended);
    assert_true(img.sha_ok);
    assert_int_equal(img.image_len, b.len);
    assert_int_equal(img.flash_align, 0x10000);
    assert_int_equal(img.bad_mapping_seg, -1);
    assert_false(img.app.present); /* LoBo builds predate the descriptor */
    bytes_free(&b);
}

static void seed_bootloader_is_ram_only(void **state)
{
    (void)state;
    bytes b = { 0 };
    assert_true(ib_seed("bootloader/bootloader.bin", &b));
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_int_equal(img.role, ROLE_BOOTLOADER);
    assert_string_equal(img.chip->name, "esp32");
    for (unsigned i = 0; i < img.nseg; i++) {
        assert_non_null(img.seg[i].region);
        assert_false(mem_kind_is_flash_mapped(img.seg[i].region->kind));
    }
    assert_true(img.checksum_ok);
    assert_true(img.sha_ok);
    assert_int_equal(img.flash_align, 0);
    bytes_free(&b);
}

static void every_chip_app_and_bootloader(void **state)
{
    (void)state;
    for (const struct chip *c = chip_table; c->name; c++) {
        bytes app = { 0 }, boot = { 0 };
        ib_app(&app, c, true, 0, 0);
        ib_bootloader(&boot, c, false);
        struct esp_image img;
        eb_err err = { 0 };
        assert_int_equal(esp_image_parse(app.data, app.len, &img, &err), 0);
        assert_ptr_equal(img.chip, c);
        assert_int_equal(img.role, ROLE_APP);
        assert_true(img.checksum_ok && img.sha_ok);
        assert_true(img.app.present);
        assert_string_equal(img.app.project, "unitapp");
        assert_int_equal(img.flash_align, c->mmu_page_size ? c->mmu_page_size : 0x10000);
        assert_int_equal(img.flash_align_assumed, c->mmu_page_size == 0);
        assert_int_equal(img.bad_mapping_seg, -1);
        assert_int_equal(esp_image_parse(boot.data, boot.len, &img, &err), 0);
        assert_int_equal(img.role, ROLE_BOOTLOADER);
        assert_ptr_equal(img.chip, c);
        assert_true(img.checksum_ok);
        assert_false(img.hash_appended);
        bytes_free(&app);
        bytes_free(&boot);
    }
}

static void descriptor_sets_mmu_page_size(void **state)
{
    (void)state;
    const struct chip *c6 = chip_by_name("esp32c6");
    bytes b = { 0 };
    ib_app(&b, c6, false, 15, 0); /* 32 KB pages */
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_int_equal(img.app.mmu_page_size, 0x8000);
    assert_int_equal(img.flash_align, 0x8000);
    assert_false(img.flash_align_assumed);
    assert_string_equal(img.app.version, "1.2.3");
    assert_string_equal(img.app.idf_ver, "v5.3.1");
    assert_string_equal(img.app.date, "Jan  2 2025");
    bytes_free(&b);
}

static void wrongly_mapped_segment_is_reported(void **state)
{
    (void)state;
    bytes b = { 0 };
    ib_app(&b, chip_by_name("esp32"), false, 0, 0x1000);
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_int_equal(img.bad_mapping_seg, 2);
    bytes_free(&b);
}

static void bootloader_descriptor_is_read(void **state)
{
    (void)state;
    uint8_t d[128] = { 0x50 };
    wr_le32(d + 4, 7);
    memcpy(d + 8, "v5.4", 4);
    memcpy(d + 40, "Feb  3 2025 01:02:03", 20);
    const struct chip *s3 = chip_by_name("esp32s3");
    struct ib_seg s = { ib_region(s3, MEM_DRAM), d, sizeof d };
    bytes b = { 0 };
    ib_image(&b, s3->image_chip_id, &s, 1, false);
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_int_equal(img.role, ROLE_BOOTLOADER);
    assert_true(img.boot.present);
    assert_int_equal(img.boot.version, 7);
    assert_string_equal(img.boot.idf_ver, "v5.4");
    assert_string_equal(img.boot.date_time, "Feb  3 2025 01:02:03");
    bytes_free(&b);
}

static void every_truncation_fails_cleanly(void **state)
{
    (void)state;
    bytes b = { 0 };
    ib_app(&b, chip_by_name("esp32s3"), true, 0, 0);
    size_t hash_at = b.len - 32;
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches overreads */
        memcpy(copy, b.data, n);
        struct esp_image img;
        eb_err err = { 0 };
        int rc = esp_image_parse(copy, n, &img, &err);
        if (n < hash_at) {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, EB_PROBLEM);
            assert_true(strlen(err.msg) > 10);
        } else {
            assert_int_equal(rc, 0);
            assert_true(img.sha_missing);
            assert_false(img.sha_ok);
        }
        free(copy);
    }
    bytes_free(&b);
}

static void truncation_message_names_the_segment(void **state)
{
    (void)state;
    bytes b = { 0 };
    ib_app(&b, chip_by_name("esp32"), false, 0, 0);
    struct esp_image img;
    eb_err err = { 0 };
    assert_int_equal(esp_image_parse(b.data, 24 + 8 + 1024 + 8 + 10, &img, &err), -1);
    assert_non_null(strstr(err.msg, "segment 2 of 3"));
    assert_int_equal(img.nseg, 2); /* what could be read is kept */
    assert_int_equal(img.role, ROLE_APP);
    bytes_free(&b);
}

static void corruption_is_detected(void **state)
{
    (void)state;
    bytes b = { 0 };
    ib_app(&b, chip_by_name("esp32"), true, 0, 0);
    struct esp_image img;
    b.data[100] ^= 0x01; /* segment data */
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_false(img.checksum_ok);
    assert_false(img.sha_ok);
    b.data[100] ^= 0x01;
    b.data[b.len - 1] ^= 0x80; /* the hash itself */
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_true(img.checksum_ok);
    assert_false(img.sha_ok);
    bytes_free(&b);
}

static void hostile_headers_are_refused(void **state)
{
    (void)state;
    uint8_t h[64] = { 0xE9, 0, 2, 0x20 };
    struct esp_image img;
    eb_err err = { 0 };
    assert_int_equal(esp_image_parse(h, sizeof h, &img, &err), -1); /* 0 segments */
    h[1] = 17;
    assert_int_equal(esp_image_parse(h, sizeof h, &img, &err), -1);
    assert_non_null(strstr(err.msg, "17 segments"));
    h[1] = 1;
    wr_le32(h + 24, 0x3F400020);
    wr_le32(h + 28, 0xFFFFFFF0u); /* a length far past the end */
    assert_int_equal(esp_image_parse(h, sizeof h, &img, &err), -1);
    assert_non_null(strstr(err.msg, "truncated in segment 1 of 1"));
    h[0] = 0x00;
    assert_int_equal(esp_image_parse(h, sizeof h, &img, &err), -1);
    assert_non_null(strstr(err.msg, "not an ESP image"));
    assert_int_equal(esp_image_parse(h, 0, &img, &err), -1);
}

static void unknown_chip_id_has_no_role(void **state)
{
    (void)state;
    uint8_t d[16] = { 1 };
    struct ib_seg s = { 0x3FFB0000, d, sizeof d };
    bytes b = { 0 };
    ib_image(&b, 0x77, &s, 1, false);
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_null(img.chip);
    assert_int_equal(img.role, ROLE_UNKNOWN);
    assert_null(img.seg[0].region);
    bytes_free(&b);
}

static void patch_header_rewrites_and_rehashes(void **state)
{
    (void)state;
    bytes b = { 0 };
    ib_app(&b, chip_by_name("esp32"), true, 0, 0);
    eb_err err = { 0 };
    assert_int_equal(esp_image_patch_header(b.data, b.len, 0, 4, 0xF, &err), 0);
    assert_int_equal(b.data[2], 0x00);
    assert_int_equal(b.data[3], 0x4F);
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_true(img.sha_ok);
    assert_true(img.checksum_ok);
    assert_int_equal(esp_image_patch_header(b.data, b.len, -1, 2, -1, &err), 0);
    assert_int_equal(b.data[2], 0x00);
    assert_int_equal(b.data[3], 0x2F);
    assert_int_equal(esp_image_patch_header(b.data, b.len, 4, -1, -1, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    uint8_t junk[8] = { 0 };
    assert_int_equal(esp_image_patch_header(junk, sizeof junk, 2, 2, 0, &err), -1);
    bytes_free(&b);
}

static void patch_header_without_hash_keeps_length(void **state)
{
    (void)state;
    bytes b = { 0 };
    assert_true(ib_seed("bootloader/bootloader.bin", &b));
    eb_err err = { 0 };
    assert_int_equal(esp_image_patch_header(b.data, b.len, 3, 1, 2, &err), 0);
    struct esp_image img;
    assert_int_equal(esp_image_parse(b.data, b.len, &img, NULL), 0);
    assert_int_equal(img.flash_mode, 3);
    assert_int_equal(img.flash_size_code, 1);
    assert_int_equal(img.flash_freq_code, 2);
    assert_true(img.sha_ok);
    bytes_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_app_is_esp32_application),
        cmocka_unit_test(seed_bootloader_is_ram_only),
        cmocka_unit_test(every_chip_app_and_bootloader),
        cmocka_unit_test(descriptor_sets_mmu_page_size),
        cmocka_unit_test(wrongly_mapped_segment_is_reported),
        cmocka_unit_test(bootloader_descriptor_is_read),
        cmocka_unit_test(every_truncation_fails_cleanly),
        cmocka_unit_test(truncation_message_names_the_segment),
        cmocka_unit_test(corruption_is_detected),
        cmocka_unit_test(hostile_headers_are_refused),
        cmocka_unit_test(unknown_chip_id_has_no_role),
        cmocka_unit_test(patch_header_rewrites_and_rehashes),
        cmocka_unit_test(patch_header_without_hash_keeps_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
