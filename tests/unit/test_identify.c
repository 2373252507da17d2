/* test_identify.c - fw_identify by content: the seed bundle's files, merged
 * images built from them and from generated parts for every chip, every
 * other format (tables, PHY, otadata, NVS, LittleFS, FAT, SPIFFS, UF2, ELF,
 * manifests, erased), and broken or random input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <zlib.h>

#include "image/identify.h"
#include "imgbuild.h"

static struct fw_ident id; /* large: keep it off the stack */

static void identify_bytes(const bytes *b)
{
    fw_identify(b->data, b->len, &id);
}

static void identify_text(const char *s)
{
    fw_identify((const uint8_t *)s, strlen(s), &id);
}

static void seed_files_by_content(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum role role;
        bool esp32;
    } want[] = {
        { "MicroPython.bin", ROLE_APP, true },
        { "bootloader/bootloader.bin", ROLE_BOOTLOADER, true },
        { "partitions_mpy.bin", ROLE_PARTITION_TABLE, false },
        { "partitions_mpy.csv", ROLE_PARTITION_CSV, false },
        { "phy_init_data.bin", ROLE_PHY_INIT, false },
        { "flash.sh", ROLE_MANIFEST, false },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bytes b = { 0 };
        assert_true(ib_seed(want[i].file, &b));
        identify_bytes(&b);
        assert_int_equal(id.role, want[i].role);
        assert_string_equal(id.problem, "");
        assert_true(strlen(id.summary) > 10);
        if (want[i].esp32)
            assert_string_equal(id.chip->name, "esp32");
        bytes_free(&b);
    }
}

static void seed_table_and_csv_agree(void **state)
{
    (void)state;
    bytes bin = { 0 }, csv = { 0 };
    assert_true(ib_seed("partitions_mpy.bin", &bin));
    assert_true(ib_seed("partitions_mpy.csv", &csv));
    identify_bytes(&bin);
    struct part_table t = id.table;
    assert_int_equal(t.n, 4);
    assert_true(t.md5_ok);
    identify_bytes(&csv);
    assert_int_equal(id.table.n, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_string_equal(id.table.p[i].label, t.p[i].label);
        assert_int_equal(id.table.p[i].offset, t.p[i].offset);
        assert_int_equal(id.table.p[i].size, t.p[i].size);
    }
    assert_int_equal(t.p[3].offset, 0x250000);
    bytes_free(&bin);
    bytes_free(&csv);
}

/* The seed bundle merged as esptool merge_bin would, starting at `base`. */
static void seed_merged(bytes *out, uint32_t base, size_t pad_to)
{
    static const struct {
        const char *file;
        uint32_t addr;
    } parts[] = {
        { "bootloader/bootloader.bin", 0x1000 },
        { "partitions_mpy.bin", 0x8000 },
        { "phy_init_data.bin", 0xf000 },
        { "MicroPython.bin", 0x10000 },
    };
    for (size_t i = 0; i < 4; i++) {
        bytes b = { 0 };
        assert_true(ib_seed(parts[i].file, &b));
        ib_place(out, parts[i].addr - base, b.data, b.len);
        bytes_free(&b);
    }
    while (out->len < pad_to)
        bytes_append_byte(out, 0xFF);
}

static void seed_merged_at_both_bases(void **state)
{
    (void)state;
    for (uint32_t base = 0; base <= 0x1000; base += 0x1000) {
        bytes m = { 0 };
        seed_merged(&m, base, base ? 0 : 4u << 20);
        identify_bytes(&m);
        assert_int_equal(id.role, ROLE_MERGED);
        assert_string_equal(id.chip->name, "esp32");
        assert_int_equal(id.merged_base, base);
        assert_string_equal(id.problem, "");
        assert_int_equal(id.nparts, 4);
        assert_int_equal(id.parts[0].role, ROLE_BOOTLOADER);
        assert_int_equal(id.parts[0].file_off + base, 0x1000);
        assert_int_equal(id.parts[1].role, ROLE_PARTITION_TABLE);
        assert_int_equal(id.parts[1].file_off + base, 0x8000);
        assert_int_equal(id.parts[2].role, ROLE_PHY_INIT);
        assert_int_equal(id.parts[3].role, ROLE_APP);
        assert_int_equal(id.parts[3].file_off + base, 0x10000);
        assert_string_equal(id.parts[3].label, "MicroPython");
        assert_int_equal(id.table.n, 4);
        bytes_free(&m);
    }
}

static void merged_with_truncated_app_is_a_problem(void **state)
{
    (void)state;
    bytes m = { 0 };
    seed_merged(&m, 0x1000, 0);
    fw_identify(m.data, m.len - 100000, &id);
    assert_int_equal(id.role, ROLE_MERGED);
    assert_non_null(strstr(id.problem, "MicroPython"));
    assert_non_null(strstr(id.problem, "truncated"));
    bytes_free(&m);
}

/* A merged image: bootloader for `boot_chip`, a table with an nvs and a
 * factory partition at `app_addr`, and an app for `app_chip` there, with
 * the table at `table_addr`; the file starts at flash address `base`. */
struct merged_spec {
    const struct chip *boot_chip, *app_chip;
    uint32_t base, table_addr, app_addr;
};

static void build_merged(bytes *m, const struct merged_spec *s)
{
    const struct ib_part parts[] = {
        { "nvs", 1, 2, 0x9000, 0x6000 },
        { "factory", 0, 0, s->app_addr, 0x100000 },
    };
    bytes boot = { 0 }, table = { 0 }, app = { 0 };
    ib_bootloader(&boot, s->boot_chip, true);
    ib_table(&table, parts, 2);
    ib_app(&app, s->app_chip, true, 0, 0);
    ib_place(m, s->boot_chip->bootloader_offset - s->base, boot.data, boot.len);
    ib_place(m, s->table_addr - s->base, table.data, table.len);
    ib_place(m, s->app_addr - s->base, app.data, app.len);
    bytes_free(&boot);
    bytes_free(&table);
    bytes_free(&app);
}

static void merged_for_every_chip(void **state)
{
    (void)state;
    for (const struct chip *c = chip_table; c->name; c++) {
        for (int start_at_zero = 0; start_at_zero < 2; start_at_zero++) {
            uint32_t base = start_at_zero ? 0 : c->bootloader_offset;
            struct merged_spec spec = { c, c, base, 0x8000, 0x10000 };
            bytes m = { 0 };
            build_merged(&m, &spec);
            identify_bytes(&m);
            assert_int_equal(id.role, ROLE_MERGED);
            assert_ptr_equal(id.chip, c);
            assert_int_equal(id.merged_base, base);
            assert_int_equal(id.nparts, 3); /* nvs is erased: not listed */
            assert_int_equal(id.parts[2].role, ROLE_APP);
            assert_string_equal(id.problem, "");
            bytes_free(&m);
        }
    }
}

static void merged_with_moved_table(void **state)
{
    (void)state;
    const struct chip *c3 = chip_by_name("esp32c3");
    struct merged_spec spec = { c3, c3, 0, 0x10000, 0x20000 }; /* CONFIG_PARTITION_TABLE_OFFSET */
    bytes m = { 0 };
    build_merged(&m, &spec);
    identify_bytes(&m);
    assert_int_equal(id.role, ROLE_MERGED);
    assert_int_equal(id.nparts, 3);
    assert_int_equal(id.parts[1].file_off, 0x10000);
    assert_int_equal(id.parts[2].file_off, 0x20000);
    assert_int_equal(id.parts[2].role, ROLE_APP);
    bytes_free(&m);
}

static void merged_app_for_another_chip_is_a_problem(void **state)
{
    (void)state;
    struct merged_spec spec = { chip_by_name("esp32s3"), chip_by_name("esp32c3"), 0, 0x8000, 0x10000 };
    bytes m = { 0 };
    build_merged(&m, &spec);
    identify_bytes(&m);
    assert_int_equal(id.role, ROLE_MERGED);
    assert_non_null(strstr(id.problem, "ESP32-C3"));
    assert_non_null(strstr(id.problem, "ESP32-S3"));
    bytes_free(&m);
}

static void merged_without_table_still_lists_the_app(void **state)
{
    (void)state;
    const struct chip *esp32 = chip_by_name("esp32");
    bytes boot = { 0 }, app = { 0 }, m = { 0 };
    ib_bootloader(&boot, esp32, false);
    ib_app(&app, esp32, false, 0, 0);
    ib_place(&m, 0, boot.data, boot.len); /* written at 0x1000 */
    ib_place(&m, 0x10000 - 0x1000, app.data, app.len);
    identify_bytes(&m);
    assert_int_equal(id.role, ROLE_MERGED);
    assert_int_equal(id.merged_base, 0x1000);
    assert_int_equal(id.nparts, 2);
    assert_int_equal(id.parts[1].role, ROLE_APP);
    assert_non_null(strstr(id.summary, "no partition table"));
    fw_identify(boot.data, boot.len, &id); /* the bootloader alone stays a bootloader */
    assert_int_equal(id.role, ROLE_BOOTLOADER);
    bytes_free(&boot);
    bytes_free(&app);
    bytes_free(&m);
}

static void images_for_every_chip(void **state)
{
    (void)state;
    for (const struct chip *c = chip_table; c->name; c++) {
        bytes app = { 0 }, boot = { 0 };
        ib_app(&app, c, false, 0, 0);
        ib_bootloader(&boot, c, true);
        identify_bytes(&app);
        assert_int_equal(id.role, ROLE_APP);
        assert_ptr_equal(id.chip, c);
        assert_non_null(strstr(id.summary, "0x10000"));
        identify_bytes(&boot);
        assert_int_equal(id.role, ROLE_BOOTLOADER);
        assert_ptr_equal(id.chip, c);
        char where[32];
        snprintf(where, sizeof where, "at 0x%x", c->bootloader_offset);
        assert_non_null(strstr(id.summary, where));
        bytes_free(&app);
        bytes_free(&boot);
    }
}

static void broken_images_say_what_is_wrong(void **state)
{
    (void)state;
    bytes b = { 0 };
    ib_app(&b, chip_by_name("esp32s3"), true, 0, 0);
    b.data[200] ^= 0xFF;
    identify_bytes(&b);
    assert_int_equal(id.role, ROLE_APP);
    assert_non_null(strstr(id.problem, "checksum"));
    fw_identify(b.data, b.len / 2, &id);
    assert_int_equal(id.role, ROLE_APP);
    assert_ptr_equal(id.chip, chip_by_name("esp32s3"));
    assert_non_null(strstr(id.problem, "truncated"));
    bytes_free(&b);
}

static void table_with_bad_md5_is_a_problem(void **state)
{
    (void)state;
    const struct ib_part parts[] = { { "factory", 0, 0, 0x10000, 0x100000 } };
    bytes t = { 0 };
    ib_table(&t, parts, 1);
    t.data[20] ^= 1;
    identify_bytes(&t);
    assert_int_equal(id.role, ROLE_PARTITION_TABLE);
    assert_true(id.table.has_md5);
    assert_false(id.table.md5_ok);
    assert_non_null(strstr(id.problem, "MD5"));
    bytes_free(&t);
}

static void phy_otadata_nvs(void **state)
{
    (void)state;
    uint8_t phy[144];
    memcpy(phy, "PHYINIT", 8);
    memcpy(phy + 136, "PHYINIT", 8);
    fw_identify(phy, sizeof phy, &id);
    assert_int_equal(id.role, ROLE_PHY_INIT);
    assert_string_equal(id.problem, "");
    fw_identify(phy, 100, &id);
    assert_int_equal(id.role, ROLE_PHY_INIT);
    assert_true(id.problem[0]);

    static uint8_t ota[0x2000];
    memset(ota, 0xFF, sizeof ota);
    fw_identify(ota, sizeof ota, &id);
    assert_int_equal(id.role, ROLE_OTADATA);
    assert_int_equal(id.ota.active, -1);
    for (int i = 0; i < 2; i++) {
        uint8_t *e = ota + i * 0x1000;
        wr_le32(e, (uint32_t)(3 + i));
        wr_le32(e + 24, 2);
        wr_le32(e + 28, (uint32_t)crc32(0xFFFFFFFFul, e, 4));
    }
    fw_identify(ota, sizeof ota, &id);
    assert_int_equal(id.role, ROLE_OTADATA);
    assert_int_equal(id.ota.active, 1);
    assert_int_equal(id.ota.entry[1].seq, 4);
    assert_true(id.ota.entry[0].crc_ok && id.ota.entry[1].crc_ok);
    ota[0x1000 + 28] ^= 1; /* entry 1 now has a bad CRC */
    fw_identify(ota, sizeof ota, &id);
    assert_int_equal(id.ota.active, 0);
    assert_non_null(strstr(id.problem, "CRC"));
    memset(ota + 0x1000, 0xFF, 32); /* Arduino's boot_app0.bin: entry 1 is seq 0 */
    memset(ota + 0x1000, 0, 4);
    fw_identify(ota, sizeof ota, &id);
    assert_int_equal(id.role, ROLE_OTADATA);
    assert_int_equal(id.ota.active, 0);
    assert_string_equal(id.problem, "");

    static uint8_t nvs[3 * 4096];
    memset(nvs, 0xFF, sizeof nvs);
    wr_le32(nvs, 0xFFFFFFFEu);
    wr_le32(nvs + 4, 0);
    nvs[8] = 0xFE;
    memset(nvs + 9, 0xFF, 19);
    wr_le32(nvs + 28, (uint32_t)crc32(0xFFFFFFFFul, nvs + 4, 24));
    fw_identify(nvs, sizeof nvs, &id);
    assert_int_equal(id.role, ROLE_NVS);
    assert_string_equal(id.kind, "v2");
    assert_string_equal(id.problem, "");
}

static void filesystems(void **state)
{
    (void)state;
    static uint8_t fs[64 * 1024];
    memset(fs, 0xFF, sizeof fs);
    memcpy(fs + 8, "littlefs", 8);
    wr_le32(fs + 20, 0x00020001);
    wr_le32(fs + 24, 4096);
    wr_le32(fs + 28, 16);
    fw_identify(fs, sizeof fs, &id);
    assert_int_equal(id.role, ROLE_LITTLEFS);
    assert_non_null(strstr(id.summary, "16 blocks of 4096"));
    memset(fs, 0xFF, 64); /* superblock only in block 1, after a CREATE tag */
    memcpy(fs + 0x1000 + 12, "littlefs", 8);
    wr_le32(fs + 0x1000 + 24, 0x00020001);
    wr_le32(fs + 0x1000 + 28, 4096);
    wr_le32(fs + 0x1000 + 32, 8);
    fw_identify(fs, sizeof fs, &id);
    assert_int_equal(id.role, ROLE_LITTLEFS);
    assert_non_null(strstr(id.summary, "8 blocks of 4096"));

    memset(fs, 0, sizeof fs);
    fs[0] = 0xEB, fs[1] = 0x3C, fs[2] = 0x90;
    wr_le16(fs + 11, 4096);
    fs[13] = 1;
    wr_le16(fs + 19, 16);
    fs[510] = 0x55, fs[511] = 0xAA;
    fw_identify(fs, sizeof fs, &id);
    assert_int_equal(id.role, ROLE_FATFS);
    assert_string_equal(id.problem, "");
    fw_identify(fs, 8192, &id);
    assert_int_equal(id.role, ROLE_FATFS);
    assert_non_null(strstr(id.problem, "truncated"));

    /* SPIFFS: 16 blocks, magic with length (ESP-IDF's default) in each block */
    memset(fs, 0xFF, sizeof fs);
    for (uint32_t blk = 0; blk < 16; blk++) {
        wr_le16(fs + blk * 4096, 1);
        wr_le16(fs + blk * 4096 + 252, (uint16_t)(0x20140529u ^ 256 ^ (16 - blk)));
    }
    fw_identify(fs, sizeof fs, &id);
    assert_int_equal(id.role, ROLE_SPIFFS);
    assert_null(strstr(id.summary, "probably"));
}

static void uf2_names_the_chip(void **state)
{
    (void)state;
    const struct chip *s2 = chip_by_name("esp32s2");
    static uint8_t u[3 * 512];
    for (uint32_t n = 0; n < 3; n++) {
        uint8_t *b = u + n * 512;
        memset(b, 0, 512);
        wr_le32(b, 0x0A324655u);
        wr_le32(b + 4, 0x9E5D5157u);
        wr_le32(b + 8, 0x2000);
        wr_le32(b + 12, 0x10000 + n * 256);
        wr_le32(b + 16, 256);
        wr_le32(b + 20, n);
        wr_le32(b + 24, 3);
        wr_le32(b + 28, s2->uf2_family);
        wr_le32(b + 508, 0x0AB16F30u);
    }
    fw_identify(u, sizeof u, &id);
    assert_int_equal(id.role, ROLE_UF2);
    assert_ptr_equal(id.chip, s2);
    assert_int_equal(id.uf2_blocks, 3);
    assert_int_equal(id.uf2_addr_min, 0x10000);
    assert_int_equal(id.uf2_addr_max, 0x10300);
    assert_string_equal(id.problem, "");
    fw_identify(u, 2 * 512, &id);
    assert_non_null(strstr(id.problem, "truncated"));
}

static void elf_must_be_converted(void **state)
{
    (void)state;
    uint8_t e[64] = { 0x7F, 'E', 'L', 'F', 1, 1, 1 };
    wr_le16(e + 18, 94);
    fw_identify(e, sizeof e, &id);
    assert_int_equal(id.role, ROLE_ELF);
    assert_string_equal(id.kind, "xtensa");
    assert_non_null(strstr(id.summary, "converted"));
    wr_le16(e + 18, 243);
    fw_identify(e, sizeof e, &id);
    assert_string_equal(id.kind, "riscv");
    wr_le16(e + 18, 62); /* x86-64: not ESP firmware */
    fw_identify(e, sizeof e, &id);
    assert_int_equal(id.role, ROLE_ELF);
    assert_null(id.kind);
    assert_non_null(strstr(id.summary, "another architecture"));
}

static void manifests_and_text(void **state)
{
    (void)state;
    identify_text("{\"write_flash_args\": [\"--flash_mode\", \"dio\"], \"flash_settings\": {},"
                  "\"flash_files\": {\"0x1000\": \"bootloader/bootloader.bin\", \"0x10000\": \"app.bin\"},"
                  "\"extra_esptool_args\": {\"chip\": \"esp32s3\"}}");
    assert_int_equal(id.role, ROLE_MANIFEST);
    assert_string_equal(id.kind, "flasher-args");
    assert_ptr_equal(id.chip, chip_by_name("esp32s3"));
    identify_text("{\"name\": \"X\", \"builds\": [{\"chipFamily\": \"ESP32\", \"parts\": "
                  "[{\"path\": \"x.bin\", \"offset\": 0}]}]}");
    assert_string_equal(id.kind, "esp-web-tools");
    identify_text("{\"firmware\": [{\"file\": \"a.bin\", \"address\": \"0x0\"}]}");
    assert_string_equal(id.kind, "file-address-list");
    identify_text("{\"hello\": 1}");
    assert_int_equal(id.role, ROLE_UNKNOWN);
    identify_text("--flash_mode dio --flash_freq 80m\n0x0 bootloader/bootloader.bin\n0x10000 app.bin\n");
    assert_int_equal(id.role, ROLE_MANIFEST);
    assert_string_equal(id.kind, "addr-file-pairs");
    identify_text("python -m esptool --chip esp32 write-flash 0x1000 b.bin\n");
    assert_string_equal(id.kind, "esptool-command");
    identify_text("# Name, Type, SubType, Offset, Size\nnvs, data, nvs, 0x9000, 0x6000\n"
                  "factory, app, factory, 0x10000, 1M\n");
    assert_int_equal(id.role, ROLE_PARTITION_CSV);
    assert_int_equal(id.table.n, 2);
    identify_text("nvs, data, nvs, 0x9000, banana\n");
    assert_int_equal(id.role, ROLE_PARTITION_CSV);
    assert_true(id.problem[0]);
    identify_text("just some notes\n");
    assert_int_equal(id.role, ROLE_UNKNOWN);
    identify_text("call(a, 0, 1, 2, 3);\nreturn x;\n"); /* code with commas is not a CSV */
    assert_int_equal(id.role, ROLE_UNKNOWN);
    identify_text("see 0x40080400 in the log\n"); /* an address without a .bin file */
    assert_int_equal(id.role, ROLE_UNKNOWN);
}

static void erased_empty_and_random(void **state)
{
    (void)state;
    static uint8_t buf[100000];
    memset(buf, 0xFF, sizeof buf);
    fw_identify(buf, sizeof buf, &id);
    assert_int_equal(id.role, ROLE_ERASED);
    fw_identify(buf, 0, &id);
    assert_int_equal(id.role, ROLE_UNKNOWN);
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(x % sizeof buf);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        static const uint8_t starts[] = { 0xE9, 0xAA, 0x7F, 0xEB, 0x00 };
        if (n)
            buf[0] = starts[round % 5];
        uint8_t *exact = malloc(n ? n : 1); /* exact size: ASan catches overreads */
        memcpy(exact, buf, n);
        fw_identify(exact, n, &id);
        assert_true(id.role < ROLE_COUNT);
        assert_true(id.summary[0]);
        free(exact);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_files_by_content),
        cmocka_unit_test(seed_table_and_csv_agree),
        cmocka_unit_test(seed_merged_at_both_bases),
        cmocka_unit_test(merged_with_truncated_app_is_a_problem),
        cmocka_unit_test(merged_for_every_chip),
        cmocka_unit_test(merged_with_moved_table),
        cmocka_unit_test(merged_without_table_still_lists_the_app),
        cmocka_unit_test(merged_app_for_another_chip_is_a_problem),
        cmocka_unit_test(images_for_every_chip),
        cmocka_unit_test(broken_images_say_what_is_wrong),
        cmocka_unit_test(table_with_bad_md5_is_a_problem),
        cmocka_unit_test(phy_otadata_nvs),
        cmocka_unit_test(filesystems),
        cmocka_unit_test(uf2_names_the_chip),
        cmocka_unit_test(elf_must_be_converted),
        cmocka_unit_test(manifests_and_text),
        cmocka_unit_test(erased_empty_and_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
