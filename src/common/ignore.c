/* ignore.c - gitignore-style rules (see ignore.h for the syntax). */
#include "common/ignore.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

static const char *const default_rules[] = {
    ".git/", "__pycache__/", "*.pyc", ".DS_Store", "*.swp", "*.swo", "*~", ".#*", IGNORE_FILE_NAME,
};

static int push_rule(struct ignore_rules *r, struct ignore_rule *rule, eb_err *err)
{
    struct ignore_rule *v = array_grow(r->v, r->n, &r->cap, sizeof *v, 16);
    if (!v)
        return eb_fail(err, EB_IO, "out of memory reading ignore rules; free some memory and retry");
    r->v = v;
    r->v[r->n++] = *rule;
    return 0;
}

/* Length of `line` without trailing spaces, keeping an escaped one. */
static size_t trim_trailing_spaces(const char *line, size_t n)
{
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r')) {
        if (line[n - 1] == ' ' && n >= 2 && line[n - 2] == '\\')
            break;
        n--;
    }
    return n;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Fill `rule` from one non-blank, non-comment line. */
static int parse_rule(const char *line, size_t n, struct ignore_rule *rule)
{
    rule->pattern = dup_n(line, n);
    const char *p = line;
    if (n > 0 && p[0] == '!')
        rule->negate = true, p++, n--;
    else if (n > 1 && p[0] == '\\' && (p[1] == '!' || p[1] == '#'))
        p++, n--; /* the escape only protects the first character */
    if (n > 0 && p[n - 1] == '/')
        rule->dir_only = true, n--;
    rule->anchored = memchr(p, '/', n) != NULL;
    if (n > 0 && p[0] == '/')
        p++, n--;
    rule->glob = dup_n(p, n);
    return rule->pattern && rule->glob && n > 0 ? 0 : -1;
}

static void free_rule(struct ignore_rule *rule)
{
    free(rule->pattern), free(rule->glob), free(rule->base);
}

static int add_line(struct ignore_rules *r, const char *line, size_t n, const char *source, const char *base,
                    unsigned no, eb_err *err)
{
    n = trim_trailing_spaces(line, n);
    if (n == 0 || line[0] == '#')
        return 0;
    struct ignore_rule rule = { .source = source, .line = no, .base = strdup(base) };
    if (parse_rule(line, n, &rule) || !rule.base) {
        bool empty = rule.glob && rule.glob[0] == 0;
        free_rule(&rule);
        if (empty)
            return 0; /* "!" or "/" alone: matches nothing */
        return eb_fail(err, EB_IO, "out of memory reading ignore rules; free some memory and retry");
    }
    if (push_rule(r, &rule, err)) {
        free_rule(&rule);
        return -1;
    }
    return 0;
}

int ignore_add_text(struct ignore_rules *r, const char *text, size_t len, const char *source,
                    const char *base, eb_err *err)
{
    unsigned no = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (add_line(r, text + at, end - at, source, base, ++no, err))
            return -1;
        at = end + 1;
    }
    return 0;
}

int ignore_add_defaults(struct ignore_rules *r, eb_err *err)
{
    for (size_t i = 0; i < sizeof default_rules / sizeof default_rules[0]; i++)
        if (add_line(r, default_rules[i], strlen(default_rules[i]), "default rules", "", (unsigned)i + 1,
                     err))
            return -1;
    return 0;
}

/* ---- matching: components of the glob against components of the path ---- */

/* Length of the component starting at s (up to '/' or the end). */
static size_t comp_len(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

static bool comp_match(const char *g, size_t gn, const char *p, size_t pn)
{
    char gb[256], pb[256];
    if (gn >= sizeof gb || pn >= sizeof pb)
        return false;
    memcpy(gb, g, gn), gb[gn] = 0;
    memcpy(pb, p, pn), pb[pn] = 0;
    return fnmatch(gb, pb, 0) == 0;
}

static const char *next_comp(const char *s, size_t n)
{
    return s[n] == '/' ? s + n + 1 : s + n;
}

/* Does the '/'-separated glob match the whole path? A `**` component
 * matches zero or more path components; a trailing one at least one. */
static bool glob_match(const char *g, const char *p)
{
    if (*g == 0)
        return *p == 0;
    size_t gn = comp_len(g);
    if (gn == 2 && g[0] == '*' && g[1] == '*') {
        const char *rest = next_comp(g, gn);
        if (*rest == 0)
            return *p != 0;
        for (const char *q = p;; q = next_comp(q, comp_len(q))) {
            if (glob_match(rest, q))
                return true;
            if (*q == 0)
                return false;
        }
    }
    if (*p == 0)
        return false;
    size_t pn = comp_len(p);
    return comp_match(g, gn, p, pn) && glob_match(next_comp(g, gn), next_comp(p, pn));
}

static bool rule_matches(const struct ignore_rule *rule, const char *path, bool is_dir)
{
    if (rule->dir_only && !is_dir)
        return false;
    size_t bn = strlen(rule->base);
    if (strncmp(path, rule->base, bn) != 0)
        return false;
    const char *rel = path + bn;
    if (rule->anchored)
        return glob_match(rule->glob, rel);
    const char *name = strrchr(rel, '/');
    name = name ? name + 1 : rel;
    return fnmatch(rule->glob, name, 0) == 0;
}

const struct ignore_rule *ignore_rule_for(const struct ignore_rules *r, const char *path, bool is_dir)
{
    for (size_t i = r->n; i-- > 0;)
        if (rule_matches(&r->v[i], path, is_dir))
            return &r->v[i];
    return NULL;
}

bool ignore_match(const struct ignore_rules *r, const char *path, bool is_dir, const struct ignore_rule **why)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, path, n), buf[n] = 0;
    for (char *slash = strchr(buf, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        const struct ignore_rule *rule = ignore_rule_for(r, buf, true);
        *slash = '/';
        if (rule && !rule->negate) {
            if (why)
                *why = rule;
            return true;
        }
    }
    const struct ignore_rule *rule = ignore_rule_for(r, buf, is_dir);
    if (why)
        *why = rule;
    return rule && !rule->negate;
}

void ignore_free(struct ignore_rules *r)
{
    for (size_t i = 0; i < r->n; i++)
        free_rule(&r->v[i]);
    free(r->v);
    *r = (struct ignore_rules){ 0 };
}
