/* manifest.c - reads the address/file pairs out of manifests and scripts:
 * JSON (flasher_args.json, esp-web-tools manifest.json, any JSON pairing
 * files with addresses) and esptool command lines (scripts, batch files,
 * flash_project_args). Pure: text in, struct manifest out. */
#include "plan/manifest.h"
#include "plan/plan_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ---------------------------------------------------- */

bool mf_parse_addr(const char *s, uint32_t *out)
{
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    }
    if (!isxdigit((unsigned char)digits[0]))
        return false;
    char *end;
    unsigned long long v = strtoull(digits, &end, base);
    if (*end || v > 0xFFFFFFFFull)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool mf_path_is_contained(const char *path)
{
    if (!path[0] || path[0] == '/' || path[0] == '\\' || strstr(path, "://"))
        return false;
    if (isalpha((unsigned char)path[0]) && path[1] == ':')
        return false;
    int depth = 0;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0)
                return false;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            depth++;
        }
        p += n;
        if (*p)
            p++;
    }
    return true;
}

static bool key_is(const char *key, const char *const *names)
{
    for (; *names; names++)
        if (strcasecmp(key, *names) == 0)
            return true;
    return false;
}

/* Add one ADDR FILE pair; paths use '/' and may not use variables. */
static int add_entry(struct manifest *m, uint32_t addr, const char *path, eb_err *err)
{
    if (strncasecmp(path, "%~dp0", 5) == 0) /* batch: "the script's folder", where paths start anyway */
        path += 5;
    if (strlen(path) >= MF_PATH_MAX)
        return eb_fail(err, EB_PROBLEM, "a file name is longer than %d characters", MF_PATH_MAX - 1);
    if (!path[0])
        return eb_fail(err, EB_PROBLEM, "address 0x%x has an empty file name", addr);
    if (strpbrk(path, "$%"))
        return eb_fail(err, EB_PROBLEM,
                       "the file for 0x%x is '%s', which uses a variable espburn cannot expand; "
                       "give the files as ADDR FILE pairs instead",
                       addr, path);
    for (unsigned i = 0; i < m->n; i++)
        if (m->e[i].addr == addr && strcmp(m->e[i].path, path) == 0)
            return 0;
    if (m->n >= MF_MAX_ENTRIES)
        return eb_fail(err, EB_PROBLEM, "more than %d files are listed; espburn handles at most that many",
                       MF_MAX_ENTRIES);
    struct mf_entry *e = &m->e[m->n++];
    e->addr = addr;
    str_copy(e->path, sizeof e->path, path);
    for (char *c = e->path; *c; c++)
        if (*c == '\\')
            *c = '/';
    return 0;
}

/* ---- esptool command lines ------------------------------------------- */

struct lexer {
    const char *p, *end;
    bool line_start;
};

static bool is_boundary(char c)
{
    return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}

static void skip_line(struct lexer *lx)
{
    while (lx->p < lx->end && *lx->p != '\n')
        lx->p++;
}

/* A shell comment ('#' starting a word) or, at the start of a line, a
 * batch one ("::" or "REM "). */
static bool at_comment(const struct lexer *lx)
{
    size_t left = (size_t)(lx->end - lx->p);
    if (*lx->p == '#')
        return true;
    if (!lx->line_start)
        return false;
    return (left >= 2 && lx->p[0] == ':' && lx->p[1] == ':') ||
           (left >= 4 && strncasecmp(lx->p, "rem", 3) == 0 && memchr(" \t\r\n", lx->p[3], 4));
}

/* Skip blanks, comments and line continuations. Sets *new_cmd when a
 * command boundary is crossed. */
static void skip_space(struct lexer *lx, bool *new_cmd)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        size_t left = (size_t)(lx->end - lx->p);
        if ((c == '\\' || c == '^') && left >= 2 && (lx->p[1] == '\n' || lx->p[1] == '\r')) {
            lx->p += 2;
            if (lx->p < lx->end && lx->p[-1] == '\r' && *lx->p == '\n')
                lx->p++;
        } else if (c == '\n') {
            *new_cmd = true;
            lx->line_start = true;
            lx->p++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            lx->p++;
        } else if (is_boundary(c)) {
            *new_cmd = true;
            lx->p++;
        } else if (at_comment(lx)) {
            skip_line(lx);
        } else {
            return;
        }
    }
}

/* Next word into out[0..n). Returns 1 for a word, 0 at the end, -1 when the
 * word is too long. Quotes group, a backslash escapes a blank. */
static int lex_word(struct lexer *lx, char *out, size_t n, bool *new_cmd)
{
    *new_cmd = false;
    skip_space(lx, new_cmd);
    if (lx->p >= lx->end)
        return 0;
    lx->line_start = false;
    size_t len = 0;
    char quote = 0;
    bool too_long = false;
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (quote) {
            lx->p++;
            if (c == quote) {
                quote = 0;
                continue;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            lx->p++;
            continue;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || is_boundary(c)) {
            break;
        } else if (c == '\\' && lx->end - lx->p >= 2 && lx->p[1] == ' ') {
            c = ' ';
            lx->p += 2;
        } else if ((c == '\\' || c == '^') && lx->end - lx->p >= 2 &&
                   (lx->p[1] == '\n' || lx->p[1] == '\r')) {
            break;
        } else {
            lx->p++;
        }
        if (len + 1 < n)
            out[len++] = c;
        else
            too_long = true;
    }
    out[len] = '\0';
    return too_long ? -1 : 1;
}

enum opt_slot {
    OPT_NONE,
    OPT_MODE,
    OPT_FREQ,
    OPT_SIZE,
    OPT_CHIP,
    OPT_OTHER
};

/* esptool options that take a value, and where the value goes. */
static enum opt_slot option_slot(const char *name)
{
    static const struct {
        const char *name;
        enum opt_slot slot;
    } opts[] = {
        { "--flash-mode", OPT_MODE },
        { "-fm", OPT_MODE },
        { "--flash-freq", OPT_FREQ },
        { "-ff", OPT_FREQ },
        { "--flash-size", OPT_SIZE },
        { "-fs", OPT_SIZE },
        { "--chip", OPT_CHIP },
        { "-c", OPT_CHIP },
        { "--port", OPT_OTHER },
        { "-p", OPT_OTHER },
        { "--baud", OPT_OTHER },
        { "-b", OPT_OTHER },
        { "--before", OPT_OTHER },
        { "--after", OPT_OTHER },
        { "--spi-connection", OPT_OTHER },
        { "-sc", OPT_OTHER },
        { "--connect-attempts", OPT_OTHER },
        { "--target-offset", OPT_OTHER },
    };
    char canon[40];
    str_copy(canon, sizeof canon, name);
    for (char *c = canon; *c; c++)
        if (*c == '_')
            *c = '-';
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(canon, opts[i].name) == 0)
            return opts[i].slot;
    return OPT_NONE;
}

static void store_option(struct manifest *m, enum opt_slot slot, const char *value)
{
    if (slot == OPT_MODE)
        str_copy(m->flash_mode, sizeof m->flash_mode, value);
    else if (slot == OPT_FREQ)
        str_copy(m->flash_freq, sizeof m->flash_freq, value);
    else if (slot == OPT_SIZE)
        str_copy(m->flash_size, sizeof m->flash_size, value);
    else if (slot == OPT_CHIP)
        str_copy(m->chip, sizeof m->chip, value);
}

/* One option word (value maybe attached with '='): its slot, and its value
 * (read from the next word when not attached) in value[0..n). */
static int read_option(struct lexer *lx, char *word, enum opt_slot *slot, char *value, size_t n, eb_err *err)
{
    char *eq = strchr(word, '=');
    if (eq)
        *eq = '\0';
    *slot = option_slot(word);
    value[0] = '\0';
    if (*slot == OPT_NONE)
        return 0;
    if (eq) {
        str_copy(value, n, eq + 1);
        return 0;
    }
    bool new_cmd;
    if (lex_word(lx, value, n, &new_cmd) != 1 || new_cmd)
        return eb_fail(err, EB_PROBLEM, "option %s has no value", word);
    return 0;
}

static int take_option(struct lexer *lx, char *word, struct manifest *m, eb_err *err)
{
    enum opt_slot slot;
    char value[MF_PATH_MAX];
    if (read_option(lx, word, &slot, value, sizeof value, err))
        return -1;
    store_option(m, slot, value);
    return 0;
}

/* write_flash arguments: options, then ADDR FILE pairs. `one_command`
 * stops at the end of the command; otherwise every word must be an option
 * or a pair (flash_project_args). */
static int parse_flash_args(struct lexer *lx, bool one_command, struct manifest *m, eb_err *err)
{
    char word[MF_PATH_MAX];
    bool new_cmd;
    int r;
    while ((r = lex_word(lx, word, sizeof word, &new_cmd)) == 1) {
        if (new_cmd && one_command)
            return 0;
        uint32_t addr;
        if (word[0] == '-') {
            if (take_option(lx, word, m, err))
                return -1;
        } else if (mf_parse_addr(word, &addr)) {
            char path[MF_PATH_MAX];
            r = lex_word(lx, path, sizeof path, &new_cmd);
            if (r < 0)
                break;
            if (r == 0 || (new_cmd && one_command))
                return eb_fail(err, EB_PROBLEM, "address %s has no file after it", word);
            if (add_entry(m, addr, path, err))
                return -1;
        } else if (one_command) {
            return 0;
        } else {
            return eb_fail(err, EB_PROBLEM, "'%.60s' is neither an esptool option nor an address", word);
        }
    }
    if (r < 0)
        return eb_fail(err, EB_PROBLEM, "a word is longer than %d characters", MF_PATH_MAX - 1);
    return 0;
}

static bool is_write_flash(const char *w)
{
    return strcmp(w, "write_flash") == 0 || strcmp(w, "write-flash") == 0;
}

/* A script: the first write_flash command line; --chip from the words
 * before it in the same command. Returns 1 when none was found. */
static int parse_script(const char *text, size_t len, struct manifest *m, eb_err *err)
{
    struct lexer lx = { text, text + len, true };
    char word[MF_PATH_MAX];
    bool new_cmd;
    char chip[sizeof m->chip] = "";
    int r;
    while ((r = lex_word(&lx, word, sizeof word, &new_cmd)) != 0) {
        if (new_cmd)
            chip[0] = '\0';
        if (r < 0)
            continue;
        if (is_write_flash(word)) {
            str_copy(m->kind, sizeof m->kind, "esptool command line");
            str_copy(m->chip, sizeof m->chip, chip);
            return parse_flash_args(&lx, true, m, err);
        }
        enum opt_slot slot;
        char value[sizeof chip];
        if (word[0] == '-' && read_option(&lx, word, &slot, value, sizeof value, NULL) == 0 &&
            slot == OPT_CHIP)
            str_copy(chip, sizeof chip, value);
    }
    return 1;
}

static int parse_project_args(const char *text, size_t len, struct manifest *m, eb_err *err)
{
    struct lexer lx = { text, text + len, true };
    str_copy(m->kind, sizeof m->kind, "flash_project_args");
    if (parse_flash_args(&lx, false, m, err))
        return eb_wrap(err, "not a manifest espburn knows (no esptool write_flash line, no JSON)");
    return 0;
}

/* ---- JSON ------------------------------------------------------------- */

static bool json_addr(const cJSON *v, uint32_t *out)
{
    if (cJSON_IsString(v))
        return mf_parse_addr(v->valuestring, out);
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 4294967295.0 &&
        v->valuedouble == (double)(uint32_t)v->valuedouble) {
        *out = (uint32_t)v->valuedouble;
        return true;
    }
    return false;
}

static void json_copy(char *dst, size_t n, const cJSON *obj, const char *const *keys)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, obj) if (v->string && cJSON_IsString(v) && key_is(v->string, keys))
    {
        str_copy(dst, n, v->valuestring);
        return;
    }
}

static const char *const CHIP_KEYS[] = { "chip",      "chipFamily", "chip_family", "chipType",
                                         "chip_type", "target",     "mcu",         NULL };
static const char *const MODE_KEYS[] = { "flash_mode", "flashMode", "flash-mode", NULL };
static const char *const FREQ_KEYS[] = { "flash_freq", "flashFreq", "flash-freq", NULL };
static const char *const SIZE_KEYS[] = { "flash_size", "flashSize", "flash-size", NULL };
static const char *const PATH_KEYS[] = { "path",   "file",  "filename", "file_name", "fileName", "bin",
                                         "binary", "image", "firmware", "src",       NULL };
static const char *const ADDR_KEYS[] = { "offset",      "address", "addr",     "flash_offset",
                                         "flashOffset", "start",   "location", NULL };

static void json_settings(const cJSON *obj, struct manifest *m)
{
    if (!m->chip[0])
        json_copy(m->chip, sizeof m->chip, obj, CHIP_KEYS);
    if (!m->flash_mode[0])
        json_copy(m->flash_mode, sizeof m->flash_mode, obj, MODE_KEYS);
    if (!m->flash_freq[0])
        json_copy(m->flash_freq, sizeof m->flash_freq, obj, FREQ_KEYS);
    if (!m->flash_size[0])
        json_copy(m->flash_size, sizeof m->flash_size, obj, SIZE_KEYS);
}

/* ESP-IDF's build/flasher_args.json: flash_files maps "0x1000" to a path. */
static int parse_flasher_args(const cJSON *root, struct manifest *m, eb_err *err)
{
    str_copy(m->kind, sizeof m->kind, "flasher_args.json");
    json_settings(cJSON_GetObjectItemCaseSensitive(root, "flash_settings"), m);
    json_settings(cJSON_GetObjectItemCaseSensitive(root, "extra_esptool_args"), m);
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "flash_files"))
    {
        uint32_t addr;
        if (!f->string || !mf_parse_addr(f->string, &addr) || !cJSON_IsString(f))
            return eb_fail(err, EB_PROBLEM, "flash_files has an entry that is not \"ADDRESS\": \"FILE\"");
        if (add_entry(m, addr, f->valuestring, err))
            return -1;
    }
    return 0;
}

static const char *build_family(const cJSON *build)
{
    const cJSON *fam = cJSON_GetObjectItemCaseSensitive(build, "chipFamily");
    return cJSON_IsString(fam) ? fam->valuestring : "";
}

/* esp-web-tools: builds[] of {chipFamily, parts: [{path, offset}]}. */
static const cJSON *pick_build(const cJSON *builds, const struct chip *want, eb_err *err)
{
    char have[200] = "";
    const cJSON *b, *only = NULL;
    int count = 0;
    cJSON_ArrayForEach(b, builds)
    {
        const struct chip *c = chip_by_name(build_family(b));
        if (want && c == want)
            return b;
        size_t used = strlen(have);
        snprintf(have + used, sizeof have - used, "%s%s", used ? ", " : "", build_family(b));
        only = b;
        count++;
    }
    if (count == 0) {
        eb_fail(err, EB_PROBLEM, "the manifest's builds list is empty");
        return NULL;
    }
    if (want) {
        eb_fail(err, EB_PROBLEM,
                "the manifest has no build for %s (it has %s); use the firmware for your chip", want->display,
                have);
        return NULL;
    }
    if (count > 1) {
        eb_fail(err, EB_USAGE, "the manifest has builds for %s; say which with --chip", have);
        return NULL;
    }
    return only;
}

static int parse_web_tools(const cJSON *root, const struct chip *want, struct manifest *m, eb_err *err)
{
    str_copy(m->kind, sizeof m->kind, "esp-web-tools manifest");
    const cJSON *build = pick_build(cJSON_GetObjectItemCaseSensitive(root, "builds"), want, err);
    if (!build)
        return -1;
    str_copy(m->chip, sizeof m->chip, build_family(build));
    const cJSON *part;
    cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(build, "parts"))
    {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(part, "path");
        uint32_t addr;
        if (!cJSON_IsString(path) || !json_addr(cJSON_GetObjectItemCaseSensitive(part, "offset"), &addr))
            return eb_fail(err, EB_PROBLEM, "a part of the %s build lacks a path or an offset",
                           build_family(build));
        if (add_entry(m, addr, path->valuestring, err))
            return -1;
    }
    return 0;
}

/* Any JSON: objects with a file key and an address key, and objects that
 * map "0x1000" to a file, at any depth. */
static int walk_json(const cJSON *node, struct manifest *m, eb_err *err)
{
    if (cJSON_IsObject(node)) {
        json_settings(node, m);
        const cJSON *path = NULL, *addr_v = NULL, *v;
        cJSON_ArrayForEach(v, node)
        {
            uint32_t addr;
            if (!v->string)
                continue;
            if (cJSON_IsString(v) && key_is(v->string, PATH_KEYS))
                path = v;
            else if (key_is(v->string, ADDR_KEYS))
                addr_v = v;
            else if (cJSON_IsString(v) && mf_parse_addr(v->string, &addr) &&
                     add_entry(m, addr, v->valuestring, err))
                return -1;
        }
        uint32_t addr;
        if (path && addr_v && json_addr(addr_v, &addr) && add_entry(m, addr, path->valuestring, err))
            return -1;
    }
    const cJSON *child;
    cJSON_ArrayForEach(child, node) if ((cJSON_IsObject(child) || cJSON_IsArray(child)) &&
                                        walk_json(child, m, err)) return -1;
    return 0;
}

static int parse_json(const cJSON *root, const struct chip *want, struct manifest *m, eb_err *err)
{
    if (cJSON_IsObject(root) && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "flash_files")))
        return parse_flasher_args(root, m, err);
    if (cJSON_IsObject(root) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "builds")))
        return parse_web_tools(root, want, m, err);
    str_copy(m->kind, sizeof m->kind, "JSON file list");
    return walk_json(root, m, err);
}

/* ---- entry point ------------------------------------------------------ */

static bool looks_like_json(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (isspace((unsigned char)text[i]))
            continue;
        return text[i] == '{' || text[i] == '[';
    }
    return false;
}

int mf_parse(const char *text, size_t len, const struct chip *want, struct manifest *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    int r;
    if (looks_like_json(text, len)) {
        cJSON *root = cJSON_ParseWithLength(text, len);
        if (!root)
            return eb_fail(err, EB_PROBLEM, "it looks like JSON but does not parse; check it for a typo");
        r = parse_json(root, want, out, err);
        cJSON_Delete(root);
    } else {
        r = parse_script(text, len, out, err);
        if (r == 1) {
            memset(out, 0, sizeof *out);
            r = parse_project_args(text, len, out, err);
        }
    }
    if (r)
        return -1;
    if (out->n == 0)
        return eb_fail(err, EB_PROBLEM, "the %s names no file with an address", out->kind);
    return 0;
}
