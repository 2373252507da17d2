/* config.c - the configuration file (INI, read with libinih) and the merge
 * of its settings with the environment and the command line. */
#include "common/config.h"

#include <ctype.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse {
    struct config *c;
    const char *text, *file;
    size_t len, pos;
    unsigned line;  /* the line the reader gave last */
    bool line_done; /* the last chunk ended its line */
    char section[256];
    unsigned err_line; /* first error found here (0: none) */
    char err_msg[200];
};

static bool fail_at(struct parse *p, const char *fmt, const char *arg)
{
    if (!p->err_line) {
        p->err_line = p->line;
        char shown[64]; /* a long value is cut, the message stays one line */
        size_t n = strnlen(arg, sizeof shown - 1);
        memcpy(shown, arg, n);
        shown[n] = '\0';
        snprintf(p->err_msg, sizeof p->err_msg, fmt, shown);
    }
    return false;
}

static bool alias_name_ok(const char *s)
{
    if (!*s || !strcmp(s, "auto") || !strcmp(s, "all"))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

/* A section header the reader saw: "[sync]" or "[port NAME]". */
static bool begin_section(struct parse *p, const char *name)
{
    if (!strcmp(name, "sync"))
        return true;
    if (strncmp(name, "port ", 5))
        return fail_at(p, "unknown section [%s]; the sections are [port NAME] and [sync]", name);
    const char *alias = name + 5;
    if (!alias_name_ok(alias))
        return fail_at(
            p, "'%s' cannot name a port: use letters, digits, '-', '_' or '.', and not 'auto' or 'all'",
            alias);
    if (config_alias_find(p->c, alias))
        return fail_at(p, "[port %s] is given twice; keep one", alias);
    struct config_alias *v = realloc(p->c->aliases, (p->c->naliases + 1) * sizeof *v);
    if (!v)
        return fail_at(p, "out of memory%s", "");
    p->c->aliases = v;
    v[p->c->naliases++] = (struct config_alias){ strdup(alias), NULL, p->line };
    return true;
}

/* Check the text of a "[...]" line the way inih reads it. */
static void see_line(struct parse *p, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    const char *end = n && *s == '[' ? memchr(s, ']', n) : NULL;
    if (!end)
        return;
    snprintf(p->section, sizeof p->section, "%.*s", (int)(end - s - 1), s + 1);
    begin_section(p, p->section);
}

/* inih's line reader (fgets-like) over the text, counting lines. */
static char *reader(char *str, int num, void *stream)
{
    struct parse *p = stream;
    if (p->pos >= p->len || num < 2)
        return NULL;
    const char *start = p->text + p->pos;
    const char *nl = memchr(start, '\n', p->len - p->pos);
    size_t n = nl ? (size_t)(nl - start) + 1 : p->len - p->pos;
    if (p->line_done || p->line == 0)
        p->line++;
    if (n > (size_t)num - 1) { /* inih's longest line (INI_MAX_LINE): refused, not split */
        fail_at(p, "the line is too long (over %s characters); shorten it", "190");
        n = (size_t)num - 1;
    }
    memcpy(str, start, n);
    str[n] = '\0';
    p->pos += n;
    p->line_done = str[n - 1] == '\n' || p->pos >= p->len;
    see_line(p, str, n);
    return str;
}

static bool set_once(struct parse *p, struct config_value *v, const char *name, const char *value)
{
    if (v->value)
        return fail_at(p, "%s is given twice; keep one", name);
    v->value = strdup(value);
    v->line = p->line;
    return v->value != NULL;
}

static bool baud_ok(const char *s)
{
    if (!strcmp(s, "auto"))
        return true;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return isdigit((unsigned char)*s) && !*end && v >= 9600 && v <= 12000000;
}

static bool top_level(struct parse *p, const char *name, const char *value)
{
    if (!strcmp(name, "port"))
        return set_once(p, &p->c->port, name, value);
    if (!strcmp(name, "baud"))
        return baud_ok(value)
                   ? set_once(p, &p->c->baud, name, value)
                   : fail_at(p, "baud '%s' is not a rate between 9600 and 12000000 or 'auto'", value);
    if (!strcmp(name, "after"))
        return !strcmp(value, "hard-reset") || !strcmp(value, "no-reset") || !strcmp(value, "stay")
                   ? set_once(p, &p->c->after, name, value)
                   : fail_at(p, "after '%s': use hard-reset, no-reset or stay", value);
    return fail_at(p, "unknown setting '%s'; the settings are port, baud and after", name);
}

static bool add_exclude(struct parse *p, const char *value)
{
    struct config_value *v = realloc(p->c->excludes, (p->c->nexcludes + 1) * sizeof *v);
    if (!v)
        return fail_at(p, "out of memory%s", "");
    p->c->excludes = v;
    v[p->c->nexcludes] = (struct config_value){ strdup(value), p->line };
    return v[p->c->nexcludes++].value != NULL;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    if (p->err_line)
        return 1; /* the first error is the one reported */
    if (!*value)
        return fail_at(p, "%s has no value; give one or remove the line", name);
    if (!*section)
        return top_level(p, name, value);
    if (!strcmp(section, "sync"))
        return !strcmp(name, "exclude")
                   ? add_exclude(p, value)
                   : fail_at(p, "unknown setting '%s' in [sync]; it takes exclude", name);
    if (!p->c->naliases || strcmp(section, p->section) ||
        strcmp(section + 5, p->c->aliases[p->c->naliases - 1].name))
        return fail_at(p, "cannot read the section [%s]; write it as [port NAME]", section);
    struct config_alias *a = &p->c->aliases[p->c->naliases - 1];
    if (strcmp(name, "path"))
        return fail_at(p, "unknown setting '%s' in a [port NAME] section; it takes path", name);
    if (a->path)
        return fail_at(p, "path is given twice in [port %s]; keep one", a->name);
    return (a->path = strdup(value)) != NULL;
}

static int check_aliases(struct parse *p, eb_err *err)
{
    for (size_t i = 0; i < p->c->naliases; i++)
        if (!p->c->aliases[i].path)
            return eb_fail(err, EB_USAGE,
                           "%s line %u: [port %s] has no path; add 'path = /dev/ttyUSB0' (or the port's URL)",
                           p->file, p->c->aliases[i].line, p->c->aliases[i].name);
    return 0;
}

int config_parse(struct config *c, const char *text, size_t len, const char *file, eb_err *err)
{
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return eb_fail(err, EB_USAGE, "%s is not a text file (a NUL byte at offset %zu); fix or remove it",
                       file, (size_t)(nul - text));
    struct parse p = { .c = c, .text = text, .file = file, .len = len };
    int rc = ini_parse_stream(reader, &p, handler, &p);
    if (rc == -2)
        return eb_fail(err, EB_IO, "reading %s: out of memory", file);
    if (rc > 0 && (!p.err_line || (unsigned)rc < p.err_line))
        return eb_fail(err, EB_USAGE, "%s line %d: not 'key = value' or '[section]'; fix or remove it", file,
                       rc);
    if (p.err_line)
        return eb_fail(err, EB_USAGE, "%s line %u: %s", file, p.err_line, p.err_msg);
    return check_aliases(&p, err);
}

void config_free(struct config *c)
{
    free(c->port.value);
    free(c->baud.value);
    free(c->after.value);
    for (size_t i = 0; i < c->naliases; i++)
        free(c->aliases[i].name), free(c->aliases[i].path);
    free(c->aliases);
    for (size_t i = 0; i < c->nexcludes; i++)
        free(c->excludes[i].value);
    free(c->excludes);
    memset(c, 0, sizeof *c);
}

int config_path(const char *xdg, const char *home, char *buf, size_t n)
{
    int k;
    if (xdg && *xdg)
        k = snprintf(buf, n, "%s/%s", xdg, CONFIG_FILE_NAME);
    else if (home && *home)
        k = snprintf(buf, n, "%s/.config/%s", home, CONFIG_FILE_NAME);
    else
        return -1;
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

const struct config_alias *config_alias_find(const struct config *c, const char *name)
{
    for (size_t i = 0; name && i < c->naliases; i++)
        if (!strcmp(c->aliases[i].name, name))
            return &c->aliases[i];
    return NULL;
}

struct config_setting config_pick(const char *flag, const char *env, const char *file, const char *def)
{
    if (flag && *flag)
        return (struct config_setting){ flag, CONFIG_FROM_FLAG };
    if (env && *env)
        return (struct config_setting){ env, CONFIG_FROM_ENV };
    if (file && *file)
        return (struct config_setting){ file, CONFIG_FROM_FILE };
    return (struct config_setting){ def, CONFIG_FROM_DEFAULT };
}

const char *config_source_name(enum config_source s)
{
    static const char *const names[] = { "default", "file", "env", "flag" };
    return names[s];
}
