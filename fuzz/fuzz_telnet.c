/* fuzz_telnet.c - the telnet / RFC 2217 parser both ends share
 * (port/telnet.h), on arbitrary bytes cut at an arbitrary point (the
 * first input byte chooses where): what it reports must not depend on
 * where the stream was cut, the data never exceeds the input, and a
 * subnegotiation body never exceeds its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "port/telnet.h"

struct seen {
    bytes data;   /* the data bytes, joined */
    bytes events; /* options and subnegotiations, each with the data length before it */
};

static void mark(struct seen *s, uint8_t kind)
{
    uint8_t at[5] = { kind };
    wr_le32(at + 1, (uint32_t)s->data.len);
    bytes_append(&s->events, at, sizeof at);
}

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    bytes_append(&((struct seen *)ctx)->data, p, n);
}

static void on_option(void *ctx, uint8_t verb, uint8_t opt)
{
    struct seen *s = ctx;
    const uint8_t m[2] = { verb, opt };
    mark(s, 'o');
    bytes_append(&s->events, m, 2);
}

static void on_subneg(void *ctx, const uint8_t *body, size_t n)
{
    struct seen *s = ctx;
    if (n > PORT_TELNET_SB_MAX)
        abort();
    mark(s, 's');
    bytes_append_byte(&s->events, (uint8_t)n);
    bytes_append(&s->events, body, n);
}

static void parse(const uint8_t *p, size_t n, size_t cut, struct seen *s)
{
    static const struct port_telnet_events ev = { on_data, on_option, on_subneg };
    struct port_telnet_rx rx;
    port_telnet_rx_init(&rx);
    port_telnet_feed(&rx, p, cut, &ev, s);
    port_telnet_feed(&rx, p + cut, n - cut, &ev, s);
}

static bool same(const bytes *a, const bytes *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1, cut = n ? data[0] % (n + 1) : 0;
    struct seen whole = { 0 }, split = { 0 };
    parse(p, n, 0, &whole);
    parse(p, n, cut, &split);
    if (!same(&whole.data, &split.data) || !same(&whole.events, &split.events) || whole.data.len > n)
        abort();
    bytes out = { 0 }; /* escaping the data and parsing it back gives it unchanged */
    struct seen back = { 0 };
    port_telnet_escape(&out, whole.data.data, whole.data.len);
    parse(out.data, out.len, out.len / 2, &back);
    if (!same(&back.data, &whole.data) || back.events.len != 0)
        abort();
    bytes_free(&whole.data), bytes_free(&whole.events), bytes_free(&split.data), bytes_free(&split.events);
    bytes_free(&back.data), bytes_free(&back.events), bytes_free(&out);
    return 0;
}
