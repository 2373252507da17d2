/* test_mpy_reply.c - the REPL reply parsers, string quoting and the file
 * data encodings (base64, hex, board-sized zlib blocks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "mpy/codec.h"
#include "mpy/reply.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

static void raw_banner_variants(void **state)
{
    (void)state;
    assert_int_equal(mpy_find_raw_banner(S("\r\n>>> \r\nraw REPL; CTRL-B to exit\r\n>")), 35);
    assert_int_equal(mpy_find_raw_banner(S("raw REPL; CTRL-B to exit\r\r\n>rest")), 28);
    assert_int_equal(mpy_find_raw_banner(S("raw REPL; CTRL-B to exit\r\n")), -1); /* no prompt yet */
    assert_int_equal(mpy_find_raw_banner(S("raw REPL; CTRL-B to ex")), -1);
    assert_int_equal(mpy_find_raw_banner(S("raw REPL; CTRL-B to exit\r\nX")), -1);
}

static void paste_answers(void **state)
{
    (void)state;
    assert_int_equal(mpy_classify_paste(S("R\x01")), MPY_PASTE_YES);
    assert_int_equal(mpy_classify_paste((const uint8_t *)"R\0", 2), MPY_PASTE_NO);
    assert_int_equal(mpy_classify_paste(S("R")), MPY_PASTE_NEED_MORE);
    assert_int_equal(mpy_classify_paste(S("ra")), MPY_PASTE_OLD);
    assert_int_equal(mpy_classify_paste(S("r")), MPY_PASTE_OLD);
}

static void reply_splits_on_two_eots_byte_by_byte(void **state)
{
    (void)state;
    const uint8_t wire[] = "hello\r\n\x04Traceback\r\n\x04>after";
    struct mpy_reply r = { 0 };
    size_t used = 0;
    for (size_t i = 0; i < sizeof wire - 1 && !mpy_reply_done(&r); i++)
        used += (size_t)mpy_reply_feed(&r, wire + i, 1);
    assert_true(mpy_reply_done(&r));
    assert_int_equal(used, strlen("hello\r\n\x04Traceback\r\n\x04>"));
    assert_int_equal(r.out.len, 7);
    assert_memory_equal(r.out.data, "hello\r\n", 7);
    assert_int_equal(r.err.len, 11);
    mpy_reply_free(&r);
}

static void reply_stops_at_prompt_in_one_chunk(void **state)
{
    (void)state;
    struct mpy_reply r = { 0 };
    long used = mpy_reply_feed(&r, S("\x04\x04>raw REPL"));
    assert_int_equal(used, 3);
    assert_true(mpy_reply_done(&r));
    assert_int_equal(r.out.len + r.err.len, 0);
    mpy_reply_free(&r);
}

static void quoting_keeps_names_names(void **state)
{
    (void)state;
    bytes b = { 0 };
    assert_int_equal(mpy_py_str(&b, "lib/main.py"), 0);
    assert_int_equal(b.len, 13);
    assert_memory_equal(b.data, "'lib/main.py'", 13);
    b.len = 0;
    assert_int_equal(mpy_py_str(&b, "x');import os;os.remove('boot.py"), 0);
    assert_int_equal(bytes_append_byte(&b, 0), 0);
    assert_string_equal((char *)b.data,
                        "b'x\\x27\\x29\\x3bimport os\\x3bos.remove\\x28\\x27boot.py'.decode()");
    bytes_free(&b);
}

static void last_line_of_traceback(void **state)
{
    (void)state;
    bytes t = { 0 };
    char line[64];
    assert_int_equal(bytes_append(&t, S("Traceback:\r\n  File x\r\nOSError: [Errno 2] ENOENT\r\n")), 0);
    mpy_last_line(&t, line, sizeof line);
    assert_string_equal(line, "OSError: [Errno 2] ENOENT");
    mpy_last_line(&t, line, 6);
    assert_string_equal(line, "OSErr");
    bytes_free(&t);
}

static void base64_matches_known_vectors_and_round_trips(void **state)
{
    (void)state;
    static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (size_t n = 0; n <= 6; n++) {
        bytes e = { 0 }, d = { 0 };
        assert_int_equal(b64_encode(&e, (const uint8_t *)"foobar", n), 0);
        assert_int_equal(e.len, strlen(want[n]));
        if (n)
            assert_memory_equal(e.data, want[n], e.len);
        assert_int_equal(b64_decode(&d, (const char *)e.data, e.len), 0);
        assert_int_equal(d.len, n);
        if (n)
            assert_memory_equal(d.data, "foobar", n);
        bytes_free(&e);
        bytes_free(&d);
    }
    bytes d = { 0 };
    assert_int_equal(b64_decode(&d, (const char *)S("Zm9v\r\nYmFy\r\n")), 0);
    assert_int_equal(d.len, 6);
    assert_int_equal(b64_decode(&d, (const char *)S("Zm9v!")), -1);
    assert_int_equal(b64_decode(&d, (const char *)S("Zg=x")), -1);
    bytes_free(&d);
}

static void hex_decoding(void **state)
{
    (void)state;
    bytes d = { 0 };
    assert_int_equal(mpy_hex_decode(&d, S("00ff\r\nA5")), 0);
    assert_int_equal(d.len, 3);
    assert_int_equal(d.data[1], 0xff);
    assert_int_equal(d.data[2], 0xa5);
    assert_int_equal(mpy_hex_decode(&d, S("0")), -1);
    assert_int_equal(mpy_hex_decode(&d, S("zz")), -1);
    bytes_free(&d);
}

static void zlib_block_declares_a_small_window_and_inflates(void **state)
{
    (void)state;
    size_t n = 5000;
    uint8_t *src = malloc(n), *back = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)("print('hello')\n"[i % 15]);
    bytes z = { 0 };
    long zn = mpy_zlib_block(&z, src, n);
    assert_true(zn > 0 && zn < 200);
    assert_int_equal((z.data[0] * 256 + z.data[1]) % 31, 0); /* valid FCHECK */
    assert_int_equal(z.data[0] & 0x0f, 8);                   /* deflate */
    assert_int_equal(z.data[0] >> 4, 5);                     /* 8 KB window >= 5000 */
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t got = 0;
    assert_int_equal(libdeflate_zlib_decompress(d, z.data, z.len, back, n, &got), LIBDEFLATE_SUCCESS);
    assert_int_equal(got, n);
    assert_memory_equal(back, src, n);
    libdeflate_free_decompressor(d);
    bytes_free(&z);
    free(src);
    free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raw_banner_variants),
        cmocka_unit_test(paste_answers),
        cmocka_unit_test(reply_splits_on_two_eots_byte_by_byte),
        cmocka_unit_test(reply_stops_at_prompt_in_one_chunk),
        cmocka_unit_test(quoting_keeps_names_names),
        cmocka_unit_test(last_line_of_traceback),
        cmocka_unit_test(base64_matches_known_vectors_and_round_trips),
        cmocka_unit_test(hex_decoding),
        cmocka_unit_test(zlib_block_declares_a_small_window_and_inflates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
