/* rfc2217.h - the server side of RFC 2217 (serial over telnet) as a pure
 * parser: bytes from the client in, data bytes and port commands
 * (baud rate, DTR, RTS) out through callbacks, telnet replies into a
 * buffer for the transport to send. The telnet parser and the constants
 * are the port layer's (port/telnet.h), shared with the client. */
#ifndef ESPBURN_SIM_RFC2217_H
#define ESPBURN_SIM_RFC2217_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "port/telnet.h"

struct rfc2217_events {
    void (*data)(void *ctx, const uint8_t *p, size_t n);
    void (*baud)(void *ctx, uint32_t baud);
    void (*lines)(void *ctx, bool dtr, bool rts);
};

struct rfc2217 {
    struct port_telnet_rx rx;
    struct port_telnet_answers answered;
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
