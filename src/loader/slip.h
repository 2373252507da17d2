/* slip.h - SLIP framing (RFC 1055 as the ESP ROM uses it): C0 delimits a
 * frame; inside, C0 is sent as DB DC and DB as DB DD. The decoder is
 * incremental, bounded and safe on arbitrary input. */
#ifndef ESPBURN_SLIP_H
#define ESPBURN_SLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

#define SLIP_END     0xC0
#define SLIP_ESC     0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD

/* Append the SLIP encoding of p[0..n) (with both delimiters) to out. */
int slip_encode(bytes *out, const uint8_t *p, size_t n);

enum slip_event {
    SLIP_NONE,  /* byte consumed, no frame yet */
    SLIP_FRAME, /* a complete frame is in frame[0..len) */
    SLIP_NOISE, /* a byte outside any frame (boot text, garbage) */
    SLIP_BAD,   /* invalid escape or frame too long: the frame was dropped */
};

struct slip_decoder {
    uint8_t *frame; /* caller-provided storage */
    size_t cap;     /* its size: longer frames are dropped */
    size_t len;
    bool in_frame, escaped, overflow;
};

void slip_decoder_init(struct slip_decoder *d, uint8_t *storage, size_t cap);
/* Feed one byte. After SLIP_FRAME the caller reads frame/len; the next
 * call starts a new frame. */
enum slip_event slip_feed(struct slip_decoder *d, uint8_t c);

#endif
