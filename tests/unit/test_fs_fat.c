/* test_fs_fat.c - FAT images: round trips (raw and wear-levelled, 4096- and
 * 512-byte sectors, FAT12 and FAT16), geometry, names, the wear-levelling
 * layer's layout and a moved dummy sector, refusals. Independent checkers
 * (fsck.fat, mtools, FatFs via js-fatfs) run in tests/e2e/test_fs.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <zlib.h>

#include "common/bytes.h"
#include "fs_helpers.h"

static void round_trip(enum fs_type type, uint64_t size, uint32_t ss, int scale, const char *want_detail)
{
    struct fs_tree t = { 0 };
    make_test_tree(&t, scale);
    bytes img = { 0 };
    struct fs_build_result res;
    eb_err err = { 0 };
    struct fs_build_opts o = { .type = type, .size = size, .sector_size = ss };
    assert_int_equal(fs_build(&t, &o, &img, &res, &err), 0);
    assert_int_equal(img.len, size);
    assert_int_equal(res.files + res.dirs, t.n);
    struct mem_dev m = { img.data, img.len, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    assert_int_equal(fs_open(&v, FS_FAT, &d, &err), 0);
    assert_int_equal(v.type, type);
    if (strstr(v.detail, want_detail) == NULL)
        fail_msg("detail '%s' lacks '%s'", v.detail, want_detail);
    assert_int_equal(compare_tree(&v, &t), 0);
    assert_true(v.usage.used + res.free_bytes == v.usage.total);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void fat12_raw_4k(void **state)
{
    (void)state;
    round_trip(FS_FAT, 1 << 20, 4096, 1, "FAT12, 4096-byte sectors");
}

static void fat12_wear_levelled(void **state)
{
    (void)state;
    round_trip(FS_FAT_WL, 1 << 20, 4096, 1, "wear levelling");
}

static void fat16_512_byte_sectors(void **state)
{
    (void)state;
    round_trip(FS_FAT, 4 << 20, 512, 2, "FAT16, 512-byte sectors");
}

static void fat12_16mb_wear_levelled(void **state)
{
    (void)state;
    round_trip(FS_FAT_WL, 16u << 20, 0, 2, "FAT12"); /* 4 KB clusters: 16 MB is still FAT12 */
}

/* The layout wl_fatfsgen.py produces: an erased dummy sector, the boot
 * sector at 0x1000, two state copies and the config in the last sector. */
static void wear_levelling_layout(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    bytes img = { 0 };
    struct fs_build_result res;
    struct fs_build_opts o = { .type = FS_FAT_WL, .size = 1 << 20 };
    assert_int_equal(fs_build(&t, &o, &img, &res, NULL), 0);
    for (size_t i = 0; i < 4096; i++)
        assert_int_equal(img.data[i], 0xFF);
    assert_int_equal(img.data[0x1000 + 510], 0x55);
    const uint8_t *cfg = img.data + img.len - 4096;
    assert_int_equal(rd_le32(cfg + 4), 1 << 20); /* full_mem_size */
    assert_int_equal(rd_le32(cfg + 8), 4096);    /* page_size */
    assert_int_equal(rd_le32(cfg + 20), 16);     /* wr_size */
    assert_int_equal(rd_le32(cfg + 24), 2);      /* version */
    assert_int_equal(crc32(0xFFFFFFFFul, cfg, 32), rd_le32(cfg + 32));
    /* 256 sectors need 64 + 256 * 16 bytes of state: two sectors per copy */
    const uint8_t *st1 = img.data + img.len - 4096 - 4 * 4096, *st2 = st1 + 2 * 4096;
    assert_memory_equal(st1, st2, 64);
    assert_int_equal(rd_le32(st1 + 4), 256 - 6 + 1); /* max_pos: FAT sectors + the dummy */
    assert_int_equal(crc32(0xFFFFFFFFul, st1, 60), rd_le32(st1 + 60));
    /* the FAT volume: 256 - dummy - config - 4 state sectors */
    assert_int_equal(rd_le16(img.data + 0x1000 + 19), 250);
    bytes_free(&img);
}

/* A board that has been writing moves the dummy sector: record one move
 * (sector 0 copied over the dummy, the dummy now at 1) and read again. */
static void moved_dummy_sector(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    make_test_tree(&t, 1);
    bytes img = { 0 };
    struct fs_build_result res;
    struct fs_build_opts o = { .type = FS_FAT_WL, .size = 1 << 20 };
    assert_int_equal(fs_build(&t, &o, &img, &res, NULL), 0);
    memcpy(img.data, img.data + 4096, 4096); /* logical 0 now lives in physical 0 */
    memset(img.data + 4096, 0xFF, 4096);     /* physical 1 is the dummy */
    uint8_t *rec = img.data + img.len - 4096 - 4 * 4096 + 64;
    memset(rec, 0x00, 16); /* one position record written */
    struct mem_dev m = { img.data, img.len, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    eb_err err = { 0 };
    assert_int_equal(fs_open(&v, FS_FAT, &d, &err), 0);
    assert_non_null(strstr(v.detail, "dummy sector 1"));
    assert_int_equal(compare_tree(&v, &t), 0);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void names_short_and_long(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    const char *names[] = {
        "UPPER.TXT", "lower.txt", "Mixed.txt",      "a.b.c",         "long name with spaces.py",
        ".hidden",   "x~1.py",    "LongNameOne.py", "LongNameTwo.py"
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        fs_tree_add(&t, names[i], false, (const uint8_t *)"x", 1, 1700000000, NULL);
    bytes img = { 0 };
    struct fs_build_result res;
    struct fs_build_opts o = { .type = FS_FAT, .size = 256 * 1024 };
    assert_int_equal(fs_build(&t, &o, &img, &res, NULL), 0);
    /* root entries: UPPER.TXT and lower.txt take one entry each (the latter
     * with the lower-case flags), the others long-name entries too */
    const uint8_t *root = img.data + (1 + 2 * 1) * 4096;
    const uint8_t *upper = NULL, *lower = NULL;
    for (const uint8_t *e = root; e[0]; e += 32) {
        if (memcmp(e, "UPPER   TXT", 11) == 0)
            upper = e;
        if (memcmp(e, "LOWER   TXT", 11) == 0)
            lower = e;
    }
    assert_non_null(upper);
    assert_non_null(lower);
    assert_int_equal(upper[12], 0);
    assert_int_not_equal(upper[-32 + 11], 0x0F); /* no long-name entry before it */
    assert_int_equal(lower[12], 0x18);
    assert_int_not_equal(lower[-32 + 11], 0x0F);
    struct mem_dev m = { img.data, img.len, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    assert_int_equal(fs_open(&v, FS_FAT, &d, NULL), 0);
    assert_int_equal(compare_tree(&v, &t), 0);
    fs_close(&v);
    bytes_free(&img);
    fs_tree_free(&t);
}

static void refuses_what_does_not_fit(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    uint8_t *big = test_bytes(300000, 1);
    fs_tree_add(&t, "big.bin", false, big, 300000, 0, NULL);
    bytes img = { 0 };
    struct fs_build_result res;
    eb_err err = { 0 };
    struct fs_build_opts o = { .type = FS_FAT_WL, .size = 256 * 1024 };
    assert_int_equal(fs_build(&t, &o, &img, &res, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_non_null(strstr(err.msg, "bytes too many"));
    bytes_free(&img);
    free(big);
    fs_tree_free(&t);
}

static void garbage_is_not_fat(void **state)
{
    (void)state;
    uint8_t *junk = test_bytes(64 * 1024, 7);
    struct mem_dev m = { junk, 64 * 1024, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    eb_err err = { 0 };
    assert_int_equal(fs_open(&v, FS_FAT, &d, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    free(junk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fat12_raw_4k),           cmocka_unit_test(fat12_wear_levelled),
        cmocka_unit_test(fat16_512_byte_sectors), cmocka_unit_test(fat12_16mb_wear_levelled),
        cmocka_unit_test(wear_levelling_layout),  cmocka_unit_test(moved_dummy_sector),
        cmocka_unit_test(names_short_and_long),   cmocka_unit_test(refuses_what_does_not_fit),
        cmocka_unit_test(garbage_is_not_fat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
