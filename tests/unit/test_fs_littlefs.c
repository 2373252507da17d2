/* test_fs_littlefs.c - LittleFS images: round trips, the superblock and
 * commit layout littlefs's SPEC.md gives, CTZ skip-lists, split folders,
 * later commits (a rename and a delete appended as littlefs appends them),
 * refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/bytes.h"
#include "fs/lfs_disk.h"
#include "fs_helpers.h"

static void build(struct fs_tree *t, uint64_t size, bytes *img)
{
    struct fs_build_result res;
    eb_err err = { 0 };
    struct fs_build_opts o = { .type = FS_LITTLEFS, .size = size };
    if (fs_build(t, &o, img, &res, &err))
        fail_msg("%s", err.msg);
}

static void open_img(bytes *img, struct mem_dev *m, struct fs_vol *v)
{
    *m = (struct mem_dev){ img->data, img->len, 0, 0 };
    struct fs_dev d = mem_dev_of(m);
    eb_err err = { 0 };
    if (fs_open(v, FS_LITTLEFS, &d, &err))
        fail_msg("%s", err.msg);
}

static void round_trip_small(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    make_test_tree(&t, 1);
    bytes img = { 0 };
    build(&t, 1 << 20, &img);
    struct mem_dev m;
    struct fs_vol v;
    open_img(&img, &m, &v);
    assert_int_equal(compare_tree(&v, &t), 0);
    assert_non_null(strstr(v.detail, "LittleFS v2.0, 256 blocks of 4096 bytes"));
    const struct fs_node *main_py = fs_lookup(&v, "/main.py");
    assert_int_equal(main_py->mtime, 1700000000);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void round_trip_big_and_many(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    make_test_tree(&t, 2);
    for (int i = 0; i < 300; i++) { /* a folder that needs several metadata pairs */
        char p[80];
        snprintf(p, sizeof p, "many/a_rather_long_file_name_to_fill_metadata_%04d.txt", i);
        fs_tree_add(&t, p, false, test_bytes((size_t)i % 200, (unsigned)i), (size_t)i % 200, 1700000000,
                    NULL);
    }
    bytes img = { 0 };
    build(&t, 4 << 20, &img);
    struct mem_dev m;
    struct fs_vol v;
    open_img(&img, &m, &v);
    assert_int_equal(compare_tree(&v, &t), 0);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

/* SPEC.md: the magic string at offset 8 of block 0, the superblock struct
 * after its tag; the first tag stored XORed with 0xffffffff. */
static void superblock_layout(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    bytes img = { 0 };
    build(&t, 64 * 4096, &img);
    assert_int_equal(rd_le32(img.data), 1);
    assert_memory_equal(img.data + 8, "littlefs", 8);
    uint32_t tag = ((uint32_t)img.data[4] << 24 | (uint32_t)img.data[5] << 16 | (uint32_t)img.data[6] << 8 |
                    img.data[7]) ^
                   0xFFFFFFFFu;
    assert_int_equal(tag, lfs_mktag(LFS_T_SUPERBLOCK, 0, 8));
    const uint8_t *sb = img.data + 20;
    assert_int_equal(rd_le32(sb), 0x00020000);
    assert_int_equal(rd_le32(sb + 4), 4096);
    assert_int_equal(rd_le32(sb + 8), 64);
    assert_int_equal(rd_le32(sb + 12), 255);
    for (size_t i = 4096; i < 8192; i++) /* block 1 stays erased */
        assert_int_equal(img.data[i], 0xFF);
    bytes_free(&img);
}

/* Append a commit to block 0 of the root pair as littlefs would: delete
 * id `del` and rename nothing else. */
static uint32_t append_delete_commit(uint8_t *blk, uint32_t del)
{
    uint32_t off = 4, ptag = 0xFFFFFFFF;
    for (;;) { /* walk to the end of the last commit */
        uint32_t tag = ((uint32_t)blk[off] << 24 | (uint32_t)blk[off + 1] << 16 |
                        (uint32_t)blk[off + 2] << 8 | blk[off + 3]) ^
                       ptag;
        if (tag & 0x80000000u)
            break;
        ptag = tag;
        off += 4 + lfs_tag_size(tag);
        if (lfs_tag_type(tag) == LFS_T_CRC)
            ptag ^= (lfs_tag_type(tag) & 1u) << 31;
    }
    uint32_t crc = 0xFFFFFFFF, tags[2] = { lfs_mktag(LFS_T_DELETE, del, 0), 0 };
    uint32_t noff = (off + 4 + 8 + LFS_PROG - 1) / LFS_PROG * LFS_PROG;
    tags[1] = lfs_mktag(LFS_T_CRC, LFS_ID_NONE, noff - (off + 4 + 4));
    for (int i = 0; i < 2; i++) {
        uint32_t x = tags[i] ^ ptag;
        uint8_t *p = blk + off;
        p[0] = (uint8_t)(x >> 24), p[1] = (uint8_t)(x >> 16), p[2] = (uint8_t)(x >> 8), p[3] = (uint8_t)x;
        crc = lfs_crc(crc, p, 4);
        ptag = tags[i], off += 4;
    }
    wr_le32(blk + off, crc);
    return off; /* where its CRC is */
}

static void later_commit_deletes_a_file(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    fs_tree_add(&t, "a.txt", false, (const uint8_t *)"aaa", 3, 0, NULL);
    fs_tree_add(&t, "b.txt", false, (const uint8_t *)"bbb", 3, 0, NULL);
    fs_tree_add(&t, "c.txt", false, (const uint8_t *)"ccc", 3, 0, NULL);
    bytes img = { 0 };
    build(&t, 16 * 4096, &img);
    uint32_t crc_at = append_delete_commit(img.data, 2); /* ids: 0 superblock, 1 a, 2 b, 3 c */
    struct mem_dev m;
    struct fs_vol v;
    open_img(&img, &m, &v);
    assert_int_equal(v.root.nkids, 2);
    assert_string_equal(v.root.kids[0].name, "a.txt");
    assert_string_equal(v.root.kids[1].name, "c.txt");
    bytes got = { 0 };
    assert_int_equal(fs_read(&v, &v.root.kids[1], &got, NULL), 0);
    assert_memory_equal(got.data, "ccc", 3);
    bytes_free(&got);
    fs_close(&v);
    /* a torn commit (bad CRC) is ignored: the file is back */
    img.data[crc_at] ^= 0xFF;
    open_img(&img, &m, &v);
    assert_int_equal(v.root.nkids, 3);
    fs_close(&v);
    bytes_free(&img);
    fs_tree_free(&t);
}

static void reads_only_what_it_needs(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    make_test_tree(&t, 2);
    bytes img = { 0 };
    build(&t, 4 << 20, &img);
    struct mem_dev m;
    struct fs_vol v;
    open_img(&img, &m, &v);
    /* opening reads metadata pairs only, not the 1.3 MB of file data */
    assert_true(m.bytes_read < 200 * 1024);
    fs_close(&v);
    bytes_free(&img);
    free_test_tree(&t);
}

static void refuses_what_does_not_fit(void **state)
{
    (void)state;
    struct fs_tree t = { 0 };
    uint8_t *big = test_bytes(100000, 3);
    fs_tree_add(&t, "big.bin", false, big, 100000, 0, NULL);
    bytes img = { 0 };
    struct fs_build_result res;
    eb_err err = { 0 };
    struct fs_build_opts o = { .type = FS_LITTLEFS, .size = 16 * 4096 };
    assert_int_equal(fs_build(&t, &o, &img, &res, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_non_null(strstr(err.msg, "LittleFS blocks"));
    bytes_free(&img);
    free(big);
    fs_tree_free(&t);
}

static void erased_partition_is_not_littlefs(void **state)
{
    (void)state;
    uint8_t *ff = malloc(64 * 4096);
    memset(ff, 0xFF, 64 * 4096);
    struct mem_dev m = { ff, 64 * 4096, 0, 0 };
    struct fs_dev d = mem_dev_of(&m);
    struct fs_vol v;
    eb_err err = { 0 };
    assert_int_equal(fs_open(&v, FS_LITTLEFS, &d, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    free(ff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_small),
        cmocka_unit_test(round_trip_big_and_many),
        cmocka_unit_test(superblock_layout),
        cmocka_unit_test(later_commit_deletes_a_file),
        cmocka_unit_test(reads_only_what_it_needs),
        cmocka_unit_test(refuses_what_does_not_fit),
        cmocka_unit_test(erased_partition_is_not_littlefs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
