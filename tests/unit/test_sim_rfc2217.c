/* test_sim_rfc2217.c - the RFC 2217 server parser: data, escaped 0xFF,
 * negotiation answers, baud rate and modem lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sim/rfc2217.h"

struct seen {
    uint8_t data[64];
    size_t n;
    uint32_t baud;
    int dtr, rts, line_events;
};

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    struct seen *s = ctx;
    memcpy(s->data + s->n, p, n);
    s->n += n;
}
static void on_baud(void *ctx, uint32_t b)
{
    ((struct seen *)ctx)->baud = b;
}
static void on_lines(void *ctx, bool dtr, bool rts)
{
    struct seen *s = ctx;
    s->dtr = dtr;
    s->rts = rts;
    s->line_events++;
}
static const struct rfc2217_events ev = { on_data, on_baud, on_lines };

static void data_and_escapes(void **state)
{
    (void)state;
    struct rfc2217 r;
    struct seen s = { 0 };
    rfc2217_init(&r);
    const uint8_t in[] = { 'a', 0xFF, 0xFF, 'b', 0xFF, 0xF1 /* NOP */, 'c' };
    rfc2217_feed(&r, in, 4, &ev, &s); /* split inside nothing special */
    rfc2217_feed(&r, in + 4, sizeof in - 4, &ev, &s);
    assert_int_equal(s.n, 4);
    assert_memory_equal(s.data,
                        "a\xff"
                        "bc",
                        4);
    rfc2217_free(&r);
}

static void negotiation_baud_and_lines(void **state)
{
    (void)state;
    struct rfc2217 r;
    struct seen s = { 0 };
    rfc2217_init(&r);
    const uint8_t will[] = { 0xFF, 0xFB, 44 };
    rfc2217_feed(&r, will, sizeof will, &ev, &s);
    rfc2217_feed(&r, will, sizeof will, &ev, &s); /* answered once only */
    const uint8_t want[] = { 0xFF, 0xFD, 44 };
    assert_int_equal(r.reply.len, 3);
    assert_memory_equal(r.reply.data, want, 3);
    const uint8_t baud[] = { 0xFF, 0xFA, 44, 1, 0x00, 0x07, 0x08, 0x00, 0xFF, 0xF0 };
    rfc2217_feed(&r, baud, sizeof baud, &ev, &s);
    assert_int_equal(s.baud, 460800);
    const uint8_t rts_on[] = { 0xFF, 0xFA, 44, 5, 11, 0xFF, 0xF0 };
    rfc2217_feed(&r, rts_on, sizeof rts_on, &ev, &s);
    assert_true(s.rts && !s.dtr);
    const uint8_t dtr_on[] = { 0xFF, 0xFA, 44, 5, 8, 0xFF, 0xF0 };
    rfc2217_feed(&r, dtr_on, sizeof dtr_on, &ev, &s);
    assert_true(s.rts && s.dtr);
    assert_int_equal(s.line_events, 2);
    /* every command is acknowledged with code + 100 */
    const uint8_t ack[] = { 0xFF, 0xFA, 44, 105, 8, 0xFF, 0xF0 };
    assert_memory_equal(r.reply.data + r.reply.len - sizeof ack, ack, sizeof ack);
    rfc2217_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_and_escapes),
        cmocka_unit_test(negotiation_baud_and_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
