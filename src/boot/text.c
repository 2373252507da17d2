/* text.c - bounded sentence building. */
#include "boot/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void text_put(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

void text_add(char *dst, size_t cap, const char *fmt, ...)
{
    size_t used = strnlen(dst, cap);
    if (used + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + used, cap - used, fmt, ap);
    va_end(ap);
}
