/* rfc2217.h - the server side of RFC 2217 (serial over telnet) as a pure
 * parser: bytes from the client in, data bytes and port commands
 * (baud rate, DTR, RTS) out through callbacks, telnet replies into a
 * buffer for the transport to send. RFC 854 (telnet), RFC 2217. */
#ifndef ESPBURN_SIM_RFC2217_H
#define ESPBURN_SIM_RFC2217_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

#define TELNET_IAC      255
#define TELNET_DONT     254
#define TELNET_DO       253
#define TELNET_WONT     252
#define TELNET_WILL     251
#define TELNET_SB       250
#define TELNET_SE       240
#define TELNET_BINARY   0
#define TELNET_SGA      3
#define TELNET_COM_PORT 44

#define RFC2217_SET_BAUDRATE  1
#define RFC2217_SET_CONTROL   5
#define RFC2217_PURGE_DATA    12
#define RFC2217_SERVER_OFFSET 100
#define RFC2217_DTR_ON        8
#define RFC2217_DTR_OFF       9
#define RFC2217_RTS_ON        11
#define RFC2217_RTS_OFF       12

struct rfc2217_events {
    void (*data)(void *ctx, const uint8_t *p, size_t n);
    void (*baud)(void *ctx, uint32_t baud);
    void (*lines)(void *ctx, bool dtr, bool rts);
};

enum rfc2217_state {
    R_DATA,
    R_IAC,
    R_OPT,
    R_SB,
    R_SB_IAC
};

struct rfc2217 {
    enum rfc2217_state state;
    uint8_t verb;   /* WILL/WONT/DO/DONT awaiting its option */
    uint8_t sb[64]; /* subnegotiation body */
    size_t sb_len;
    bool sb_overflow;
    bool answered[256][2]; /* options already answered (0: WILL side, 1: DO side) */
    uint32_t baud;
    bool dtr, rts;
    bytes reply; /* to send to the client */
};

void rfc2217_init(struct rfc2217 *r);
void rfc2217_free(struct rfc2217 *r);
void rfc2217_feed(struct rfc2217 *r, const uint8_t *p, size_t n, const struct rfc2217_events *ev, void *ctx);
/* Escape data for the client (0xFF doubled) into out. */
int rfc2217_escape(bytes *out, const uint8_t *p, size_t n);

#endif
