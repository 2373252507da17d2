/* test_plan_encoders.c - the UF2 and Intel HEX encoders used by
 * `espburn merge`, checked field by field against the formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "image/ihex.h"
#include "image/uf2.h"

static uint8_t a[300], b[10];

static void fill(void)
{
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (uint8_t)(i * 7 + 1);
    memset(b, 0x5A, sizeof b);
}

static void test_uf2_blocks(void **state)
{
    (void)state;
    fill();
    struct flash_chunk chunks[] = { { 0x1000, a, sizeof a }, { 0x10000, b, sizeof b } };
    bytes out = { 0 };
    eb_err err = { 0 };
    assert_int_equal(uf2_encode(chunks, 2, 0x1C5F21B0, &out, &err), 0);
    assert_int_equal(out.len, 3 * UF2_BLOCK_LEN);
    const uint32_t addr[] = { 0x1000, 0x1100, 0x10000 }, len[] = { 256, 44, 10 };
    const uint8_t *src[] = { a, a + 256, b };
    for (uint32_t i = 0; i < 3; i++) {
        const uint8_t *blk = out.data + i * UF2_BLOCK_LEN;
        assert_int_equal(rd_le32(blk), 0x0A324655);
        assert_int_equal(rd_le32(blk + 4), 0x9E5D5157);
        assert_int_equal(rd_le32(blk + 8), 0x2000);
        assert_int_equal(rd_le32(blk + 12), addr[i]);
        assert_int_equal(rd_le32(blk + 16), len[i]);
        assert_int_equal(rd_le32(blk + 20), i);
        assert_int_equal(rd_le32(blk + 24), 3);
        assert_int_equal(rd_le32(blk + 28), 0x1C5F21B0);
        assert_memory_equal(blk + 32, src[i], len[i]);
        for (size_t j = 32 + len[i]; j < UF2_BLOCK_LEN - 4; j++)
            assert_int_equal(blk[j], 0);
        assert_int_equal(rd_le32(blk + 508), 0x0AB16F30);
    }
    bytes_free(&out);
}

/* Every record: ':' + hex pairs whose bytes sum to 0 mod 256. */
static void assert_checksums(const char *text)
{
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        assert_int_equal(line[0], ':');
        unsigned sum = 0, v;
        const char *p = line + 1;
        for (; *p != '\n'; p += 2) {
            assert_int_equal(sscanf(p, "%2x", &v), 1);
            sum += v;
        }
        assert_int_equal(sum & 0xFF, 0);
    }
}

static void test_ihex_records(void **state)
{
    (void)state;
    uint8_t d[20];
    for (int i = 0; i < 20; i++)
        d[i] = (uint8_t)i;
    struct flash_chunk c = { 0xFFF8, d, sizeof d };
    bytes out = { 0 };
    eb_err err = { 0 };
    assert_int_equal(ihex_encode(&c, 1, &out, &err), 0);
    bytes_append_byte(&out, 0);
    const char *want = ":020000040000FA\n"
                       ":08FFF8000001020304050607E5\n"
                       ":020000040001F9\n"
                       ":0C00000008090A0B0C0D0E0F10111213"
                       "52\n"
                       ":00000001FF\n";
    assert_string_equal((const char *)out.data, want);
    assert_checksums((const char *)out.data);
    bytes_free(&out);
}

static void test_ihex_long_chunk_and_limits(void **state)
{
    (void)state;
    fill();
    struct flash_chunk c[] = { { 0x1000, a, sizeof a }, { 0x3F0000, b, sizeof b } };
    bytes out = { 0 };
    eb_err err = { 0 };
    assert_int_equal(ihex_encode(c, 2, &out, &err), 0);
    bytes_append_byte(&out, 0);
    assert_checksums((const char *)out.data);
    assert_non_null(strstr((const char *)out.data, ":02000004003FBB\n"));
    bytes_free(&out);
    struct flash_chunk past = { 0xFFFFFFF0u, a, 32 };
    assert_int_equal(ihex_encode(&past, 1, &out, &err), -1);
    assert_non_null(strstr(err.msg, "4 GB"));
    bytes_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uf2_blocks),
        cmocka_unit_test(test_ihex_records),
        cmocka_unit_test(test_ihex_long_chunk_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
