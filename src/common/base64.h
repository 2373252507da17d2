/* base64.h - standard base64 (RFC 4648, '+' '/', '=' padding), nettle
 * underneath: the one codec for stub images and file data over the REPL. */
#ifndef ESPBURN_BASE64_H
#define ESPBURN_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* Append the base64 of p[0..n) (no newlines, padded) to out; -1 when out
 * of memory. */
int b64_encode(bytes *out, const uint8_t *p, size_t n);
/* Decode base64 text, skipping whitespace (space, tab, CR, LF), appending
 * to out; -1 on a bad character, bad padding or a truncated last group
 * (out then holds a partial result the caller drops). */
int b64_decode(bytes *out, const char *s, size_t n);

#endif
