/* reply.c - parsing the REPL's answers and quoting strings for code. */
#include "mpy/reply.h"

#include <string.h>

static const char RAW_BANNER[] = "raw REPL; CTRL-B to exit";

long mpy_find_raw_banner(const uint8_t *buf, size_t len)
{
    size_t bl = sizeof RAW_BANNER - 1;
    for (size_t i = 0; i + bl <= len; i++) {
        if (memcmp(buf + i, RAW_BANNER, bl) != 0)
            continue;
        size_t j = i + bl;
        while (j < len && buf[j] == '\r')
            j++;
        if (j < len && buf[j] == '\n') {
            if (j + 1 < len && buf[j + 1] == '>')
                return (long)(j + 2);
            if (j + 1 >= len)
                return -1;
        }
    }
    return -1;
}

enum mpy_paste_answer mpy_classify_paste(const uint8_t *buf, size_t len)
{
    if (len < 2)
        return (len == 1 && buf[0] != 'R') ? MPY_PASTE_OLD : MPY_PASTE_NEED_MORE;
    if (buf[0] == 'R' && buf[1] == 1)
        return MPY_PASTE_YES;
    if (buf[0] == 'R' && buf[1] == 0)
        return MPY_PASTE_NO;
    return MPY_PASTE_OLD;
}

long mpy_reply_feed(struct mpy_reply *r, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && r->state < 3) {
        if (r->state == 2) {
            if (p[i++] == '>')
                r->state = 3;
            continue;
        }
        const uint8_t *eot = memchr(p + i, 4, n - i);
        size_t run = eot ? (size_t)(eot - (p + i)) : n - i;
        if (r->state == 0 && r->sink) {
            if (run)
                r->sink(r->sink_ctx, p + i, run);
        } else if (bytes_append(r->state == 0 ? &r->out : &r->err, p + i, run)) {
            return -1;
        }
        i += run;
        if (eot) {
            r->state++;
            i++;
        }
    }
    return (long)i;
}

void mpy_reply_free(struct mpy_reply *r)
{
    bytes_free(&r->out);
    bytes_free(&r->err);
}

static int is_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '.' || c == '_' || c == '-' || c == ' ';
}

int mpy_py_str(bytes *code, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; s[i] && is_plain((unsigned char)s[i]); i++)
        ;
    if (!s[i]) { /* only plain characters: a plain literal reads best */
        return bytes_append_byte(code, '\'') || bytes_append(code, s, i) || bytes_append_byte(code, '\'');
    }
    if (bytes_append(code, "b'", 2))
        return -1;
    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
        if (is_plain(c) ? bytes_append_byte(code, c) : bytes_append(code, esc, 4))
            return -1;
    }
    return bytes_append(code, "'.decode()", 10);
}

void mpy_last_line(const bytes *text, char *out, size_t n)
{
    size_t end = text->len;
    while (end > 0 &&
           (text->data[end - 1] == '\n' || text->data[end - 1] == '\r' || text->data[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && text->data[start - 1] != '\n')
        start--;
    size_t len = end - start;
    if (n == 0)
        return;
    if (len >= n)
        len = n - 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = text->data[start + i];
        out[i] = (c < 32 || c == 127) ? '?' : (char)c;
    }
    out[len] = '\0';
}
