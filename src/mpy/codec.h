/* codec.h - the encodings file data travels in over the REPL: base64 (as
 * binascii.a2b_base64 reads it) and zlib streams small enough for a board
 * to inflate (window declared to fit the block). Pure functions. */
#ifndef ESPBURN_MPY_CODEC_H
#define ESPBURN_MPY_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/base64.h" /* b64_encode/b64_decode: base64 as binascii reads it */
#include "common/bytes.h"

/* Decode hex text (pairs of 0-9a-f/A-F), skipping CR/LF; -1 when bad. */
int mpy_hex_decode(bytes *out, const uint8_t *p, size_t n);

/* The SHA-256 of p[0..n) as 64 lowercase hex digits and a NUL, the form
 * the board's hashlib answers in. */
void mpy_sha256_hex(const uint8_t *p, size_t n, char hex[65]);

/* zlib-compress p[0..n) (n <= 32768) into out, with the header's window
 * size lowered to the smallest power of two >= n so that the board's
 * inflater allocates no more than that. Returns the compressed size or
 * -1 on failure. */
long mpy_zlib_block(bytes *out, const uint8_t *p, size_t n);

#endif
