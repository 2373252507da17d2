/* identify_text.c - text files fw_identify recognises: JSON manifests
 * (ESP-IDF flasher_args.json, esp-web-tools manifest.json, any JSON pairing
 * files with addresses such as M5Burner's), scripts holding an esptool
 * write_flash command line, ADDR FILE lists (flash_project_args) and
 * partition table CSVs. The plan layer reads the manifests; this file
 * only says what they are. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "image/formats.h"

#define TEXT_MAX (1u << 20) /* manifests, scripts and CSVs are small */

static bool looks_like_text(const uint8_t *data, size_t len)
{
    if (len == 0 || len > TEXT_MAX)
        return false;
    size_t odd = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (c == 0)
            return false;
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
            odd++;
    }
    return odd * 20 < len;
}

static bool is_hex_address(const char *s)
{
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
        return false;
    for (s += 2; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

/* ---- JSON ---- */

static bool has_key(const cJSON *obj, const char *const keys[])
{
    for (int i = 0; keys[i]; i++)
        if (cJSON_GetObjectItemCaseSensitive(obj, keys[i]))
            return true;
    return false;
}

/* Count the file/address pairs anywhere in the document: objects with a
 * path-like and an address-like member, and "0x1000": "file" members. */
static unsigned count_file_address_pairs(const cJSON *node, int depth)
{
    static const char *const path_keys[] = { "path", "file", "filename", "bin", "image", NULL };
    static const char *const addr_keys[] = { "offset", "address", "addr", "flash_offset", NULL };
    if (!node || depth > 16)
        return 0;
    unsigned n = 0;
    if (cJSON_IsObject(node) && has_key(node, path_keys) && has_key(node, addr_keys))
        n++;
    for (const cJSON *c = node->child; c; c = c->next) {
        if (cJSON_IsObject(node) && is_hex_address(c->string) && cJSON_IsString(c))
            n++;
        n += count_file_address_pairs(c, depth + 1);
    }
    return n;
}

static void say_flasher_args(const cJSON *doc, struct fw_ident *out)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(doc, "flash_files");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(doc, "extra_esptool_args");
    const cJSON *chip = cJSON_GetObjectItemCaseSensitive(extra, "chip");
    const struct chip *c = cJSON_IsString(chip) ? chip_by_name(chip->valuestring) : NULL;
    out->kind = "flasher-args";
    fw_say(out, ROLE_MANIFEST, c,
           "an ESP-IDF flasher_args.json manifest: %d files for %s; 'espburn plan' reads it",
           cJSON_GetArraySize(files), c ? c->display : "an unnamed chip");
}

static void say_web_tools(const cJSON *doc, struct fw_ident *out)
{
    const cJSON *builds = cJSON_GetObjectItemCaseSensitive(doc, "builds");
    char chips[128] = "";
    size_t used = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, builds)
    {
        const cJSON *fam = cJSON_GetObjectItemCaseSensitive(b, "chipFamily");
        if (cJSON_IsString(fam) && used + strlen(fam->valuestring) + 3 < sizeof chips)
            used += (size_t)snprintf(chips + used, sizeof chips - used, "%s%s", used ? ", " : "",
                                     fam->valuestring);
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");
    out->kind = "esp-web-tools";
    fw_say(out, ROLE_MANIFEST, NULL,
           "an esp-web-tools manifest%s%s%s: %d build%s (%s); 'espburn plan --chip CHIP' picks one",
           cJSON_IsString(name) ? " for '" : "", cJSON_IsString(name) ? name->valuestring : "",
           cJSON_IsString(name) ? "'" : "", cJSON_GetArraySize(builds),
           cJSON_GetArraySize(builds) == 1 ? "" : "s", used ? chips : "no chip named");
}

static bool fmt_json(const char *text, size_t len, struct fw_ident *out)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i == len || (text[i] != '{' && text[i] != '['))
        return false;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc)
        return false;
    unsigned pairs;
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "flash_files")))
        say_flasher_args(doc, out);
    else if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "builds")))
        say_web_tools(doc, out);
    else if ((pairs = count_file_address_pairs(doc, 0)) > 0) {
        out->kind = "file-address-list";
        fw_say(out, ROLE_MANIFEST, NULL,
               "a JSON manifest listing %u file%s with flash addresses; 'espburn plan' reads it", pairs,
               pairs == 1 ? "" : "s");
    } else
        fw_say(out, ROLE_UNKNOWN, NULL, "a JSON document that names no firmware files and addresses");
    cJSON_Delete(doc);
    return true;
}

/* ---- esptool command lines and ADDR FILE lists ---- */

static bool contains(const char *text, size_t len, const char *word)
{
    return text && memmem(text, len, word, strlen(word)) != NULL;
}

static bool fmt_esptool_command(const char *text, size_t len, struct fw_ident *out)
{
    if (!contains(text, len, "write_flash") && !contains(text, len, "write-flash"))
        return false;
    out->kind = "esptool-command";
    fw_say(out, ROLE_MANIFEST, NULL,
           "a script with an esptool write_flash command line: its ADDR FILE pairs and flash "
           "options say what goes where; 'espburn plan' reads it");
    return true;
}

/* Does the token end in ".bin" (any case)? */
static bool names_bin_file(const char *tok)
{
    size_t n = strlen(tok);
    return n > 4 && strcasecmp(tok + n - 4, ".bin") == 0;
}

/* Lines such as "0x1000 bootloader/bootloader.bin" (flash_project_args). */
static unsigned count_addr_file_lines(const char *text, size_t len)
{
    unsigned n = 0;
    for (size_t i = 0; i < len;) {
        const char *eol = memchr(text + i, '\n', len - i);
        size_t end = eol ? (size_t)(eol - text) : len;
        char line[512], addr[24], file[256];
        size_t l = end - i < sizeof line - 1 ? end - i : sizeof line - 1;
        memcpy(line, text + i, l);
        line[l] = '\0';
        if (sscanf(line, " %23s %255s", addr, file) == 2 && is_hex_address(addr) && names_bin_file(file))
            n++;
        i = end + 1;
    }
    return n;
}

static bool fmt_addr_file_list(const char *text, size_t len, struct fw_ident *out)
{
    unsigned n = count_addr_file_lines(text, len);
    if (n == 0)
        return false;
    out->kind = "addr-file-pairs";
    fw_say(out, ROLE_MANIFEST, NULL,
           "a list of %u ADDR FILE pair%s (like ESP-IDF's flash_project_args); 'espburn plan' reads it", n,
           n == 1 ? "" : "s");
    return true;
}

/* ---- partition CSV ---- */

struct text_line {
    const char *s;
    size_t n;
};

/* The trimmed field `index` (0-based) of a comma-separated line. */
static struct text_line csv_field(struct text_line line, unsigned index)
{
    const char *p = line.s, *end = line.s + line.n;
    for (unsigned i = 0; i < index && p < end; i++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        p = comma ? comma + 1 : end;
    }
    const char *stop = memchr(p, ',', (size_t)(end - p));
    stop = stop ? stop : end;
    while (p < stop && isspace((unsigned char)*p))
        p++;
    while (stop > p && isspace((unsigned char)stop[-1]))
        stop--;
    return (struct text_line){ p, (size_t)(stop - p) };
}

static bool field_is(struct text_line f, const char *word)
{
    return f.n == strlen(word) && memcmp(f.s, word, f.n) == 0;
}

static bool field_matches(struct text_line f, const char *charset)
{
    if (f.n == 0)
        return false;
    for (size_t i = 0; i < f.n; i++)
        if (!strchr(charset, f.s[i]))
            return false;
    return true;
}

/* "name, app|data|number, ...": at least five fields, a plain label and a
 * partition type. */
static bool is_partition_row(struct text_line line)
{
    size_t commas = 0;
    for (size_t i = 0; i < line.n; i++)
        commas += line.s[i] == ',';
    static const char label_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
    struct text_line type = csv_field(line, 1);
    return commas >= 4 && field_matches(csv_field(line, 0), label_chars) &&
           (field_is(type, "app") || field_is(type, "data") ||
            field_matches(type, "0123456789xXabcdefABCDEF"));
}

/* Every non-comment line has a comma, and one is a partition row. */
static bool looks_like_partition_csv(const char *text, size_t len)
{
    bool row = false;
    for (size_t i = 0; i < len;) {
        const char *eol = memchr(text + i, '\n', len - i);
        size_t end = eol ? (size_t)(eol - text) : len;
        struct text_line line = { text + i, end - i };
        struct text_line first = csv_field(line, 0);
        bool blank = first.n == 0 && !memchr(line.s, ',', line.n);
        if (!blank && first.s[0] != '#') {
            if (!memchr(line.s, ',', line.n))
                return false;
            row |= is_partition_row(line);
        }
        i = end + 1;
    }
    return row;
}

static bool fmt_partition_csv(const char *text, size_t len, struct fw_ident *out)
{
    if (!looks_like_partition_csv(text, len))
        return false;
    eb_err err = { 0 };
    if (pt_parse_csv(text, len, PT_DEFAULT_OFFSET, &out->table, &err)) {
        fw_say(out, ROLE_PARTITION_CSV, NULL,
               "a partition table CSV that ESP-IDF's gen_esp32part.py would refuse");
        fw_problem(out, "%s", err.msg);
        return true;
    }
    fw_say(out, ROLE_PARTITION_CSV, NULL,
           "a partition table CSV with %u partitions (ends at 0x%x); convert it with "
           "'espburn table csv2bin' and write the binary at 0x8000",
           out->table.n, pt_end(&out->table));
    fw_table_issues(out, PT_DEFAULT_OFFSET);
    return true;
}

bool fmt_text(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (!looks_like_text(data, len))
        return false;
    const char *text = (const char *)data;
    return fmt_json(text, len, out) || fmt_esptool_command(text, len, out) ||
           fmt_partition_csv(text, len, out) || fmt_addr_file_list(text, len, out);
}
