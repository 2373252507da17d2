/* slip.c - SLIP encoder and incremental decoder. */
#include "loader/slip.h"

int slip_encode(bytes *out, const uint8_t *p, size_t n)
{
    if (bytes_reserve(out, out->len + 2 * n + 2))
        return -1;
    out->data[out->len++] = SLIP_END;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == SLIP_END) {
            out->data[out->len++] = SLIP_ESC;
            out->data[out->len++] = SLIP_ESC_END;
        } else if (p[i] == SLIP_ESC) {
            out->data[out->len++] = SLIP_ESC;
            out->data[out->len++] = SLIP_ESC_ESC;
        } else {
            out->data[out->len++] = p[i];
        }
    }
    out->data[out->len++] = SLIP_END;
    return 0;
}

void slip_decoder_init(struct slip_decoder *d, uint8_t *storage, size_t cap)
{
    d->frame = storage;
    d->cap = cap;
    d->len = 0;
    d->in_frame = d->escaped = d->overflow = false;
}

static void slip_restart(struct slip_decoder *d)
{
    d->len = 0;
    d->escaped = d->overflow = false;
}

enum slip_event slip_feed(struct slip_decoder *d, uint8_t c)
{
    if (!d->in_frame) {
        if (c != SLIP_END)
            return SLIP_NOISE;
        d->in_frame = true;
        slip_restart(d);
        return SLIP_NONE;
    }
    if (c == SLIP_END) {
        if (d->len == 0 && !d->overflow)
            return SLIP_NONE; /* back-to-back delimiters: an empty frame */
        bool bad = d->overflow || d->escaped;
        d->in_frame = false;
        if (bad) {
            slip_restart(d);
            return SLIP_BAD;
        }
        return SLIP_FRAME;
    }
    if (d->escaped) {
        d->escaped = false;
        if (c == SLIP_ESC_END)
            c = SLIP_END;
        else if (c == SLIP_ESC_ESC)
            c = SLIP_ESC;
        else
            d->overflow = true; /* invalid escape: drop the frame at its end */
    } else if (c == SLIP_ESC) {
        d->escaped = true;
        return SLIP_NONE;
    }
    if (d->len >= d->cap)
        d->overflow = true;
    else
        d->frame[d->len++] = c;
    return SLIP_NONE;
}
