/* rfc2217.c - telnet option negotiation and COM-PORT-OPTION commands. */
#include "sim/rfc2217.h"

#include <string.h>

void rfc2217_init(struct rfc2217 *r)
{
    memset(r, 0, sizeof *r);
    r->baud = 115200;
}

void rfc2217_free(struct rfc2217 *r)
{
    bytes_free(&r->reply);
}

static void send3(struct rfc2217 *r, uint8_t verb, uint8_t opt)
{
    uint8_t m[3] = { TELNET_IAC, verb, opt };
    bytes_append(&r->reply, m, 3);
}

static bool option_supported(uint8_t opt)
{
    return opt == TELNET_BINARY || opt == TELNET_SGA || opt == TELNET_COM_PORT;
}

/* Answer WILL/WONT/DO/DONT once per option, so negotiation cannot loop. */
static void negotiate(struct rfc2217 *r, uint8_t verb, uint8_t opt)
{
    int side = (verb == TELNET_DO || verb == TELNET_DONT) ? 1 : 0;
    if (r->answered[opt][side])
        return;
    r->answered[opt][side] = true;
    bool yes = option_supported(opt) && (verb == TELNET_WILL || verb == TELNET_DO);
    if (side == 0)
        send3(r, yes ? TELNET_DO : TELNET_DONT, opt);
    else
        send3(r, yes ? TELNET_WILL : TELNET_WONT, opt);
}

/* IAC SB COM-PORT-OPTION <cmd+100> <value...> IAC SE, 0xFF doubled. */
static void com_port_reply(struct rfc2217 *r, uint8_t cmd, const uint8_t *v, size_t n)
{
    uint8_t head[4] = { TELNET_IAC, TELNET_SB, TELNET_COM_PORT, (uint8_t)(cmd + RFC2217_SERVER_OFFSET) };
    bytes_append(&r->reply, head, 4);
    rfc2217_escape(&r->reply, v, n);
    uint8_t tail[2] = { TELNET_IAC, TELNET_SE };
    bytes_append(&r->reply, tail, 2);
}

static void set_control(struct rfc2217 *r, uint8_t v, const struct rfc2217_events *ev, void *ctx)
{
    bool dtr = r->dtr, rts = r->rts;
    if (v == RFC2217_DTR_ON)
        dtr = true;
    if (v == RFC2217_DTR_OFF)
        dtr = false;
    if (v == RFC2217_RTS_ON)
        rts = true;
    if (v == RFC2217_RTS_OFF)
        rts = false;
    if (dtr != r->dtr || rts != r->rts) {
        r->dtr = dtr;
        r->rts = rts;
        if (ev->lines)
            ev->lines(ctx, dtr, rts);
    }
    uint8_t state = v;
    if (v == 7)
        state = r->dtr ? RFC2217_DTR_ON : RFC2217_DTR_OFF; /* request DTR state */
    if (v == 10)
        state = r->rts ? RFC2217_RTS_ON : RFC2217_RTS_OFF; /* request RTS state */
    if (v == 0)
        state = 1; /* flow control: none */
    com_port_reply(r, RFC2217_SET_CONTROL, &state, 1);
}

static void subnegotiation(struct rfc2217 *r, const struct rfc2217_events *ev, void *ctx)
{
    if (r->sb_overflow || r->sb_len < 2 || r->sb[0] != TELNET_COM_PORT)
        return;
    uint8_t cmd = r->sb[1];
    const uint8_t *v = r->sb + 2;
    size_t n = r->sb_len - 2;
    if (cmd == RFC2217_SET_BAUDRATE && n == 4) {
        uint32_t baud = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        if (baud != 0) {
            r->baud = baud;
            if (ev->baud)
                ev->baud(ctx, baud);
        }
        uint8_t cur[4] = { (uint8_t)(r->baud >> 24), (uint8_t)(r->baud >> 16), (uint8_t)(r->baud >> 8),
                           (uint8_t)r->baud };
        com_port_reply(r, cmd, cur, 4);
    } else if (cmd == RFC2217_SET_CONTROL && n == 1) {
        set_control(r, v[0], ev, ctx);
    } else if (cmd < RFC2217_SERVER_OFFSET) {
        com_port_reply(r, cmd, v, n); /* data size, parity, stop bits, masks, purge: echoed */
    }
}

static void sb_byte(struct rfc2217 *r, uint8_t c)
{
    if (r->sb_len < sizeof r->sb)
        r->sb[r->sb_len++] = c;
    else
        r->sb_overflow = true;
}

void rfc2217_feed(struct rfc2217 *r, const uint8_t *p, size_t n, const struct rfc2217_events *ev, void *ctx)
{
    size_t run = 0; /* start of a run of plain data */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        switch (r->state) {
        case R_DATA:
            if (c != TELNET_IAC)
                continue; /* part of the current run of data */
            if (i > run && ev->data)
                ev->data(ctx, p + run, i - run);
            r->state = R_IAC;
            break;
        case R_IAC:
            if (c == TELNET_IAC) {
                if (ev->data)
                    ev->data(ctx, &c, 1);
                r->state = R_DATA;
            } else if (c >= TELNET_WILL && c <= TELNET_DONT) {
                r->verb = c;
                r->state = R_OPT;
            } else if (c == TELNET_SB) {
                r->sb_len = 0;
                r->sb_overflow = false;
                r->state = R_SB;
            } else {
                r->state = R_DATA; /* NOP, GA and friends */
            }
            break;
        case R_OPT:
            negotiate(r, r->verb, c);
            r->state = R_DATA;
            break;
        case R_SB:
            if (c == TELNET_IAC)
                r->state = R_SB_IAC;
            else
                sb_byte(r, c);
            break;
        case R_SB_IAC:
            if (c == TELNET_SE) {
                subnegotiation(r, ev, ctx);
                r->state = R_DATA;
            } else {
                sb_byte(r, c); /* IAC IAC inside SB is a literal 0xFF */
                r->state = R_SB;
            }
            break;
        }
        run = i + 1;
    }
    if (r->state == R_DATA && n > run && ev->data)
        ev->data(ctx, p + run, n - run);
}

int rfc2217_escape(bytes *out, const uint8_t *p, size_t n)
{
    if (bytes_reserve(out, out->len + 2 * n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        out->data[out->len++] = p[i];
        if (p[i] == TELNET_IAC)
            out->data[out->len++] = TELNET_IAC;
    }
    return 0;
}
