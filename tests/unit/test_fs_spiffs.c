/* test_fs_spiffs.c - SPIFFS in LoBo's configuration: round trips, the
 * on-flash layout of spiffs_nucleus.h (block magic with length, lookup
 * entries, index header fields, LoBo's directory objects), a deleted
 * object, refusals. The reference library checks images in
 * tests/e2e/test_fs.py when its sources are given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/bytes.h"
#include "fs/spiffs_disk.h"
#include "fs_helpers.h"

static void build(struct fs_tree *t, uint64_t size, bytes *img)
{
    struct fs_build_result res;
    eb_err err = { 0 };
    struct fs_build_opts o = { .type = FS_SPIFFS, .size = size };
    if (fs_build(t, &o, img, &res, &err))
        fail_msg("%s", err.msg);
}

static void small_tree(struct fs_tree *t)
{
    fs_tree_add(t, "lib", true, NULL, 0, 1700000000, NULL);
    fs_tree_add(t, "lib/big.bin", false, test_bytes(60000, 1), 60000, 1700000001, NULL);
    fs_tree_add(t, "main.py", false, test_bytes(251, 2), 251, 1700000002, NULL);
    fs_tree_add(t, "empty.txt", false, test_bytes(0, 3), 0, 1700000003, NULL);
}

static void round_trip(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    small_tree(&t);
    bytes img = { 0 };
    build(&t, 1 << 20, &img);
    struct mem_dev m = { img.data, img.len, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    eb_err err = { 0 };
    assert_int_equal(fs_open(&v, FS_SPIFFS, &d, &err), 0);
    assert_int_equal(compare_tree(&v, &t), 0);
    assert_int_equal(fs_lookup(&v, "/lib/big.bin")->mtime, 1700000001);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void round_trip_generated_tree(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    make_test_tree(&t, 2);
    bytes img = { 0 };
    build(&t, 4 << 20, &img);
    struct mem_dev m = { img.data, img.len, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    assert_int_equal(fs_open(&v, FS_SPIFFS, &d, NULL), 0);
    assert_int_equal(compare_tree(&v, &t), 0);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void layout(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    small_tree(&t);
    bytes img = { 0 };
    build(&t, 64 * 4096, &img);
    for (uint32_t b = 0; b < 64; b++)
        assert_int_equal(rd_le16(img.data + b * 4096 + 252), (uint16_t)(0x20140529u ^ 256 ^ (64 - b)));
    /* objects in tree order: empty.txt, lib, lib/big.bin, main.py; the first
     * lookup entry names page 1, the index header of object 1 */
    assert_int_equal(rd_le16(img.data), 1 | 0x8000);
    const uint8_t *h = img.data + 256;
    assert_int_equal(rd_le16(h), 1 | 0x8000); /* id with the index flag */
    assert_int_equal(rd_le16(h + 2), 0);      /* span 0: the header */
    assert_int_equal(h[4], 0xF8);             /* used, final, index */
    assert_string_equal((const char *)h + 13, "/empty.txt");
    assert_int_equal(h[13 + 64 + 4], SPIFFS_TYPE_FILE);
    const uint8_t *lib = img.data + 2 * 256;
    assert_string_equal((const char *)lib + 13, "/lib");
    assert_int_equal(lib[13 + 64 + 4], SPIFFS_TYPE_DIR);
    assert_int_equal(rd_le32(lib + 8), 0xFFFFFFFF);
    bytes_free(&img);
    free_test_tree(&t);
}

static void deleted_object_is_gone(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    small_tree(&t);
    bytes img = { 0 };
    build(&t, 1 << 20, &img);
    img.data[256 + 4] &= (uint8_t)~SPIFFS_F_DELET; /* delete empty.txt's header as SPIFFS_remove does */
    wr_le16(img.data, 0);
    struct mem_dev m = { img.data, img.len, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    assert_int_equal(fs_open(&v, FS_SPIFFS, &d, NULL), 0);
    assert_null(fs_lookup(&v, "/empty.txt"));
    assert_non_null(fs_lookup(&v, "/main.py"));
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void refusals(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    fs_tree_add(&t, "a_folder_with_a_long_name/and_a_file_whose_whole_path_is_over_63.py", false,
                (const uint8_t *)"x", 1, 0, NULL);
    bytes img = { 0 };
    struct fs_build_result res;
    eb_err err = { 0 };
    struct fs_build_opts o = { .type = FS_SPIFFS, .size = 1 << 20 };
    assert_int_equal(fs_build(&t, &o, &img, &res, &err), -1);
    assert_non_null(strstr(err.msg, "at most 63 bytes"));
    bytes_free(&img);
    fs_tree_free(&t);
    uint8_t *junk = test_bytes(64 * 4096, 4);
    struct mem_dev m = { junk, 64 * 4096, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    assert_int_equal(fs_open(&v, FS_SPIFFS, &d, &err), -1);
    assert_non_null(strstr(err.msg, "no SPIFFS magic"));
    free(junk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip), cmocka_unit_test(round_trip_generated_tree),
        cmocka_unit_test(layout),     cmocka_unit_test(deleted_object_is_gone),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
