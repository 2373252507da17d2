/* text.h - bounded sentence building for findings: never overflows, always
 * terminates, truncates quietly (a finding's text is for humans). */
#ifndef ESPBURN_BOOT_TEXT_H
#define ESPBURN_BOOT_TEXT_H

#include <stddef.h>

/* Write (text_put) or append (text_add) printf-style into dst[0..cap). */
void text_put(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void text_add(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
