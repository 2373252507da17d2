/* telnet.c - the telnet / RFC 2217 parser and encoders. */
#include "port/telnet.h"

#include <string.h>

void port_telnet_rx_init(struct port_telnet_rx *rx)
{
    memset(rx, 0, sizeof *rx);
}

static void sb_byte(struct port_telnet_rx *rx, uint8_t c)
{
    if (rx->sb_len < sizeof rx->sb)
        rx->sb[rx->sb_len++] = c;
    else
        rx->sb_overflow = true;
}

/* One byte after IAC. */
static void after_iac(struct port_telnet_rx *rx, uint8_t c, const struct port_telnet_events *ev, void *ctx)
{
    if (c == TELNET_IAC) {
        if (ev->data)
            ev->data(ctx, &c, 1);
        rx->state = PORT_TELNET_DATA;
    } else if (c >= TELNET_WILL && c <= TELNET_DONT) {
        rx->verb = c;
        rx->state = PORT_TELNET_OPT;
    } else if (c == TELNET_SB) {
        rx->sb_len = 0;
        rx->sb_overflow = false;
        rx->state = PORT_TELNET_SB;
    } else {
        rx->state = PORT_TELNET_DATA; /* NOP, GA and friends */
    }
}

/* One byte of a command (any state but plain data). */
static void command_byte(struct port_telnet_rx *rx, uint8_t c, const struct port_telnet_events *ev, void *ctx)
{
    switch (rx->state) {
    case PORT_TELNET_DATA: break;
    case PORT_TELNET_IAC: after_iac(rx, c, ev, ctx); break;
    case PORT_TELNET_OPT:
        rx->state = PORT_TELNET_DATA;
        if (ev->option)
            ev->option(ctx, rx->verb, c);
        break;
    case PORT_TELNET_SB:
        if (c == TELNET_IAC)
            rx->state = PORT_TELNET_SB_IAC;
        else
            sb_byte(rx, c);
        break;
    case PORT_TELNET_SB_IAC:
        if (c != TELNET_SE) {
            sb_byte(rx, c); /* IAC IAC inside SB is a literal 0xFF */
            rx->state = PORT_TELNET_SB;
            break;
        }
        rx->state = PORT_TELNET_DATA;
        if (!rx->sb_overflow && ev->subneg)
            ev->subneg(ctx, rx->sb, rx->sb_len);
        break;
    }
}

void port_telnet_feed(struct port_telnet_rx *rx, const uint8_t *p, size_t n,
                      const struct port_telnet_events *ev, void *ctx)
{
    size_t run = 0; /* start of a run of plain data */
    for (size_t i = 0; i < n; i++) {
        if (rx->state == PORT_TELNET_DATA) {
            if (p[i] != TELNET_IAC)
                continue; /* part of the current run */
            if (i > run && ev->data)
                ev->data(ctx, p + run, i - run);
            rx->state = PORT_TELNET_IAC;
        } else {
            command_byte(rx, p[i], ev, ctx);
        }
        run = i + 1;
    }
    if (rx->state == PORT_TELNET_DATA && n > run && ev->data)
        ev->data(ctx, p + run, n - run);
}

bool port_telnet_first(struct port_telnet_answers *a, uint8_t verb, uint8_t opt)
{
    int side = (verb == TELNET_DO || verb == TELNET_DONT) ? 1 : 0;
    if (a->done[side][opt])
        return false;
    a->done[side][opt] = true;
    return true;
}

int port_telnet_escape(bytes *out, const uint8_t *p, size_t n)
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

int port_telnet_option(bytes *out, uint8_t verb, uint8_t opt)
{
    const uint8_t m[3] = { TELNET_IAC, verb, opt };
    return bytes_append(out, m, sizeof m);
}

int port_rfc2217_command(bytes *out, uint8_t cmd, const uint8_t *value, size_t n)
{
    const uint8_t head[4] = { TELNET_IAC, TELNET_SB, TELNET_COM_PORT, cmd },
                  tail[2] = { TELNET_IAC, TELNET_SE };
    return bytes_append(out, head, sizeof head) || port_telnet_escape(out, value, n) ||
                   bytes_append(out, tail, sizeof tail)
               ? -1
               : 0;
}
