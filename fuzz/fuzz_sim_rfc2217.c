/* fuzz_sim_rfc2217.c - the RFC 2217 / telnet parser on arbitrary bytes:
 * data delivered must equal the input with telnet commands removed, never
 * more bytes than came in. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/rfc2217.h"

struct count {
    size_t data;
};

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    (void)p;
    ((struct count *)ctx)->data += n;
}
static void on_baud(void *ctx, uint32_t baud)
{
    (void)ctx, (void)baud;
}
static void on_lines(void *ctx, bool dtr, bool rts)
{
    (void)ctx, (void)dtr, (void)rts;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rfc2217 r;
    struct rfc2217_events ev = { on_data, on_baud, on_lines };
    struct count c = { 0 };
    rfc2217_init(&r);
    size_t half = size / 2;
    rfc2217_feed(&r, data, half, &ev, &c);
    rfc2217_feed(&r, data + half, size - half, &ev, &c);
    if (c.data > size)
        abort();
    rfc2217_free(&r);
    return 0;
}
