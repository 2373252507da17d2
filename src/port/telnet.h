/* telnet.h - telnet (RFC 854) and its COM-PORT-OPTION (RFC 2217), for both
 * ends of a serial port over the network: the constants, the receive parser
 * (data, option verbs, subnegotiations), the "answer each option once" rule
 * that keeps negotiation from looping, and the encoders. Pure functions over
 * buffers: the client (port_rfc2217.c) and the virtual board's server
 * (sim/rfc2217.c) do their own I/O and decide their own answers. */
#ifndef ESPBURN_PORT_TELNET_H
#define ESPBURN_PORT_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* RFC 854 commands and the options espburn uses (RFC 856, 857, 858, 2217). */
#define TELNET_IAC      255
#define TELNET_DONT     254
#define TELNET_DO       253
#define TELNET_WONT     252
#define TELNET_WILL     251
#define TELNET_SB       250
#define TELNET_SE       240
#define TELNET_BINARY   0
#define TELNET_ECHO     1
#define TELNET_SGA      3
#define TELNET_COM_PORT 44

/* RFC 2217 COM-PORT-OPTION commands (client to server; the server answers
 * with the same command + RFC2217_SERVER_OFFSET) and their values. */
#define RFC2217_SET_BAUDRATE  1
#define RFC2217_SET_DATASIZE  2
#define RFC2217_SET_PARITY    3
#define RFC2217_SET_STOPSIZE  4
#define RFC2217_SET_CONTROL   5
#define RFC2217_PURGE_DATA    12
#define RFC2217_SERVER_OFFSET 100
#define RFC2217_PARITY_NONE   1
#define RFC2217_STOPSIZE_1    1
#define RFC2217_PURGE_RX      1
#define RFC2217_FLOW_REQUEST  0 /* SET_CONTROL values */
#define RFC2217_FLOW_NONE     1
#define RFC2217_DTR_REQUEST   7
#define RFC2217_DTR_ON        8
#define RFC2217_DTR_OFF       9
#define RFC2217_RTS_REQUEST   10
#define RFC2217_RTS_ON        11
#define RFC2217_RTS_OFF       12

#define PORT_TELNET_SB_MAX 64 /* longest subnegotiation body kept */

enum port_telnet_state {
    PORT_TELNET_DATA,
    PORT_TELNET_IAC,    /* after IAC */
    PORT_TELNET_OPT,    /* after IAC WILL/WONT/DO/DONT */
    PORT_TELNET_SB,     /* inside IAC SB ... */
    PORT_TELNET_SB_IAC, /* IAC inside a subnegotiation */
};

/* What the parser found; any callback may be NULL. `data` gets runs of
 * plain data (IAC IAC as one 0xFF), `option` a verb and its option,
 * `subneg` a complete subnegotiation body (its IAC IAC unescaped; a body
 * longer than PORT_TELNET_SB_MAX is dropped). */
struct port_telnet_events {
    void (*data)(void *ctx, const uint8_t *p, size_t n);
    void (*option)(void *ctx, uint8_t verb, uint8_t opt);
    void (*subneg)(void *ctx, const uint8_t *body, size_t n);
};

struct port_telnet_rx {
    enum port_telnet_state state;
    uint8_t verb; /* WILL/WONT/DO/DONT awaiting its option */
    uint8_t sb[PORT_TELNET_SB_MAX];
    size_t sb_len;
    bool sb_overflow;
};

void port_telnet_rx_init(struct port_telnet_rx *rx);
/* Parse the next n received bytes (a stream may be cut anywhere). */
void port_telnet_feed(struct port_telnet_rx *rx, const uint8_t *p, size_t n,
                      const struct port_telnet_events *ev, void *ctx);

/* Options answered so far: each side (WILL/WONT, DO/DONT) of each option is
 * answered once, so two ends cannot negotiate forever. */
struct port_telnet_answers {
    bool done[2][256];
};
/* True the first time `verb` about `opt` is seen (and marks it answered). */
bool port_telnet_first(struct port_telnet_answers *a, uint8_t verb, uint8_t opt);

/* Append data with 0xFF doubled; IAC verb opt; IAC SB COM-PORT-OPTION cmd
 * value... IAC SE (value bytes 0xFF doubled). 0, or -1 out of memory. */
int port_telnet_escape(bytes *out, const uint8_t *p, size_t n);
int port_telnet_option(bytes *out, uint8_t verb, uint8_t opt);
int port_rfc2217_command(bytes *out, uint8_t cmd, const uint8_t *value, size_t n);

/* SET_BAUDRATE's value: 4 bytes in network order. */
static inline void port_rfc2217_put_baud(uint8_t v[4], uint32_t baud)
{
    v[0] = (uint8_t)(baud >> 24), v[1] = (uint8_t)(baud >> 16), v[2] = (uint8_t)(baud >> 8),
    v[3] = (uint8_t)baud;
}
static inline uint32_t port_rfc2217_get_baud(const uint8_t v[4])
{
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

#endif
