/* rfc2217.c - the server's answers: telnet option negotiation and the
 * COM-PORT-OPTION commands (baud rate, DTR/RTS, the rest echoed). */
#include "sim/rfc2217.h"

#include <string.h>

#define SIM_RFC2217_BAUD 115200 /* the rate until the client sets one */

void rfc2217_init(struct rfc2217 *r)
{
    memset(r, 0, sizeof *r);
    port_telnet_rx_init(&r->rx);
    r->baud = SIM_RFC2217_BAUD;
}

void rfc2217_free(struct rfc2217 *r)
{
    bytes_free(&r->reply);
}

static bool option_supported(uint8_t opt)
{
    return opt == TELNET_BINARY || opt == TELNET_SGA || opt == TELNET_COM_PORT;
}

/* What the parser hands on while one feed call runs. */
struct feed {
    struct rfc2217 *r;
    const struct rfc2217_events *ev;
    void *ctx;
};

/* Answer WILL/WONT/DO/DONT once per option, so negotiation cannot loop. */
static void on_option(void *ctx, uint8_t verb, uint8_t opt)
{
    struct rfc2217 *r = ((struct feed *)ctx)->r;
    if (!port_telnet_first(&r->answered, verb, opt))
        return;
    bool yes = option_supported(opt) && (verb == TELNET_WILL || verb == TELNET_DO);
    if (verb == TELNET_WILL || verb == TELNET_WONT)
        port_telnet_option(&r->reply, yes ? TELNET_DO : TELNET_DONT, opt);
    else
        port_telnet_option(&r->reply, yes ? TELNET_WILL : TELNET_WONT, opt);
}

/* IAC SB COM-PORT-OPTION <cmd+100> <value...> IAC SE. */
static void com_port_reply(struct rfc2217 *r, uint8_t cmd, const uint8_t *v, size_t n)
{
    port_rfc2217_command(&r->reply, (uint8_t)(cmd + RFC2217_SERVER_OFFSET), v, n);
}

static void set_control(struct feed *f, uint8_t v)
{
    struct rfc2217 *r = f->r;
    bool dtr = v == RFC2217_DTR_ON ? true : v == RFC2217_DTR_OFF ? false : r->dtr;
    bool rts = v == RFC2217_RTS_ON ? true : v == RFC2217_RTS_OFF ? false : r->rts;
    if (dtr != r->dtr || rts != r->rts) {
        r->dtr = dtr;
        r->rts = rts;
        if (f->ev->lines)
            f->ev->lines(f->ctx, dtr, rts);
    }
    uint8_t state = v;
    if (v == RFC2217_DTR_REQUEST)
        state = r->dtr ? RFC2217_DTR_ON : RFC2217_DTR_OFF;
    if (v == RFC2217_RTS_REQUEST)
        state = r->rts ? RFC2217_RTS_ON : RFC2217_RTS_OFF;
    if (v == RFC2217_FLOW_REQUEST)
        state = RFC2217_FLOW_NONE;
    com_port_reply(r, RFC2217_SET_CONTROL, &state, 1);
}

static void on_subneg(void *ctx, const uint8_t *sb, size_t len)
{
    struct feed *f = ctx;
    struct rfc2217 *r = f->r;
    if (len < 2 || sb[0] != TELNET_COM_PORT)
        return;
    uint8_t cmd = sb[1];
    const uint8_t *v = sb + 2;
    size_t n = len - 2;
    if (cmd == RFC2217_SET_BAUDRATE && n == 4) {
        uint32_t baud = port_rfc2217_get_baud(v);
        if (baud != 0) {
            r->baud = baud;
            if (f->ev->baud)
                f->ev->baud(f->ctx, baud);
        }
        uint8_t cur[4];
        port_rfc2217_put_baud(cur, r->baud);
        com_port_reply(r, cmd, cur, 4);
    } else if (cmd == RFC2217_SET_CONTROL && n == 1) {
        set_control(f, v[0]);
    } else if (cmd < RFC2217_SERVER_OFFSET) {
        com_port_reply(r, cmd, v, n); /* data size, parity, stop bits, masks, purge: echoed */
    }
}

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    struct feed *f = ctx;
    if (f->ev->data)
        f->ev->data(f->ctx, p, n);
}

void rfc2217_feed(struct rfc2217 *r, const uint8_t *p, size_t n, const struct rfc2217_events *ev, void *ctx)
{
    static const struct port_telnet_events parsed = { on_data, on_option, on_subneg };
    struct feed f = { r, ev, ctx };
    port_telnet_feed(&r->rx, p, n, &parsed, &f);
}

int rfc2217_escape(bytes *out, const uint8_t *p, size_t n)
{
    return port_telnet_escape(out, p, n);
}
