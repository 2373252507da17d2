/* pattern.c - matching catalogue patterns against log lines. */
#include "boot/pattern.h"

#include <ctype.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Length of the hole `kind` at s (0: no match). */
static size_t hole_len(char kind, const char *s)
{
    size_t n = 0;
    switch (kind) {
    case 'x':
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]))
            n = 2;
        while (isxdigit((unsigned char)s[n]))
            n++;
        return n;
    case 'd':
        if (s[0] == '-')
            n = 1;
        while (isdigit((unsigned char)s[n]))
            n++;
        return n > (s[0] == '-') ? n : 0;
    case 's':
        while (s[n] && !is_blank(s[n]) && s[n] != ')' && s[n] != ',')
            n++;
        return n;
    default: return 0;
    }
}

static void keep(struct pat_caps *caps, char kind, const char *s, size_t n)
{
    if (!caps || caps->n >= PAT_MAX_CAPS)
        return;
    if (kind == 'x' && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, n -= 2;
    if (n >= PAT_CAP_LEN)
        n = PAT_CAP_LEN - 1;
    memcpy(caps->cap[caps->n], s, n);
    caps->cap[caps->n++][n] = '\0';
}

static bool match_here(const char *p, const char *s, struct pat_caps *caps)
{
    while (*p) {
        if (*p == '%' && p[1] && p[1] != '%') {
            size_t n = hole_len(p[1], s);
            if (n == 0)
                return false;
            keep(caps, p[1], s, n);
            s += n, p += 2;
        } else if (*p == ' ') {
            if (!is_blank(*s))
                return false;
            while (is_blank(*s))
                s++;
            p++;
        } else {
            if (*p == '%')
                p++; /* "%%" */
            if (*p != *s)
                return false;
            p++, s++;
        }
    }
    return true;
}

bool pat_find(const char *pat, const char *line, struct pat_caps *caps)
{
    bool literal = pat[0] != '%' && pat[0] != ' ';
    for (const char *s = line; *s; s++) {
        if (literal && !(s = strchr(s, pat[0])))
            return false; /* no start left: jump between candidates */
        if (caps)
            caps->n = 0;
        if (match_here(pat, s, caps))
            return true;
    }
    return false;
}

bool pat_match_at(const char *pat, const char *line, struct pat_caps *caps)
{
    if (caps)
        caps->n = 0;
    return match_here(pat, line, caps);
}
