/* test_slip.c - SLIP encoding and the incremental decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "loader/slip.h"

static void encode_escapes_delimiters(void **state)
{
    (void)state;
    const uint8_t in[] = { 0x01, 0xC0, 0xDB, 0x02 };
    const uint8_t want[] = { 0xC0, 0x01, 0xDB, 0xDC, 0xDB, 0xDD, 0x02, 0xC0 };
    bytes out = { 0 };
    assert_int_equal(slip_encode(&out, in, sizeof in), 0);
    assert_int_equal(out.len, sizeof want);
    assert_memory_equal(out.data, want, sizeof want);
    bytes_free(&out);
}

static enum slip_event feed_all(struct slip_decoder *d, const uint8_t *p, size_t n)
{
    enum slip_event last = SLIP_NONE;
    for (size_t i = 0; i < n; i++) {
        enum slip_event e = slip_feed(d, p[i]);
        if (e != SLIP_NONE)
            last = e;
    }
    return last;
}

static void decode_round_trip(void **state)
{
    (void)state;
    uint8_t in[300];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7);
    bytes wire = { 0 };
    slip_encode(&wire, in, sizeof in);
    uint8_t store[512];
    struct slip_decoder d;
    slip_decoder_init(&d, store, sizeof store);
    assert_int_equal(feed_all(&d, wire.data, wire.len), SLIP_FRAME);
    assert_int_equal(d.len, sizeof in);
    assert_memory_equal(d.frame, in, sizeof in);
    bytes_free(&wire);
}

static void noise_outside_frames_is_reported(void **state)
{
    (void)state;
    uint8_t store[16];
    struct slip_decoder d;
    slip_decoder_init(&d, store, sizeof store);
    assert_int_equal(slip_feed(&d, 'e'), SLIP_NOISE);
    const uint8_t frame[] = { 0xC0, 0x01, 0x02, 0xC0 };
    assert_int_equal(feed_all(&d, frame, sizeof frame), SLIP_FRAME);
    assert_int_equal(d.len, 2);
}

static void oversized_and_bad_escape_frames_are_dropped(void **state)
{
    (void)state;
    uint8_t store[4];
    struct slip_decoder d;
    slip_decoder_init(&d, store, sizeof store);
    const uint8_t too_long[] = { 0xC0, 1, 2, 3, 4, 5, 0xC0 };
    assert_int_equal(feed_all(&d, too_long, sizeof too_long), SLIP_BAD);
    const uint8_t bad_escape[] = { 0xC0, 1, 0xDB, 0x42, 0xC0 };
    assert_int_equal(feed_all(&d, bad_escape, sizeof bad_escape), SLIP_BAD);
    const uint8_t good[] = { 0xC0, 9, 0xC0 };
    assert_int_equal(feed_all(&d, good, sizeof good), SLIP_FRAME);
    assert_int_equal(d.frame[0], 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_escapes_delimiters),
        cmocka_unit_test(decode_round_trip),
        cmocka_unit_test(noise_outside_frames_is_reported),
        cmocka_unit_test(oversized_and_bad_escape_frames_are_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
