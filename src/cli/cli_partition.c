/* cli_partition.c - partitions as the commands show them (table, info):
 * printable labels and the JSON forms of partitions and table issues (cli.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "image/part_table.h"

static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (n && (s[1] < lo || s[1] > hi))
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* A label as text (see cli.h): printable ASCII and valid UTF-8 kept, other bytes spelled \xNN. */
const char *cli_partition_label(const char *label, char out[16 * 4 + 1])
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)label; *c;) {
        size_t u = *c >= 0x80 ? utf8_len(c) : 0;
        if (u) {
            memcpy(out + n, c, u);
            n += u, c += u;
        } else {
            n += (size_t)(isprint(*c) ? sprintf(out + n, "%c", *c) : sprintf(out + n, "\\x%02x", *c));
            c++;
        }
    }
    out[n] = '\0';
    return out;
}

static cJSON *flags_json(uint32_t flags)
{
    cJSON *a = cJSON_CreateArray();
    if (flags & PT_FLAG_ENCRYPTED)
        cJSON_AddItemToArray(a, cJSON_CreateString("encrypted"));
    if (flags & PT_FLAG_READONLY)
        cJSON_AddItemToArray(a, cJSON_CreateString("readonly"));
    return a;
}

cJSON *cli_partition_json(const struct partition *p)
{
    char label[65];
    const char *type = pt_type_name(p->type), *sub = pt_subtype_name(p->type, p->subtype);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", cli_partition_label(p->label, label));
    cJSON_AddItemToObject(o, "type", type ? cJSON_CreateString(type) : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "type_id", p->type);
    cJSON_AddItemToObject(o, "subtype", sub ? cJSON_CreateString(sub) : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "subtype_id", p->subtype);
    cJSON_AddNumberToObject(o, "offset", p->offset);
    cJSON_AddNumberToObject(o, "size", p->size);
    cJSON_AddNumberToObject(o, "end", (double)p->offset + p->size);
    cJSON_AddItemToObject(o, "flags", flags_json(p->flags));
    cJSON_AddNumberToObject(o, "flags_raw", p->flags);
    return o;
}

cJSON *cli_issues_json(const struct pt_issue *issues, unsigned n)
{
    cJSON *a = cJSON_CreateArray();
    for (unsigned i = 0; i < n; i++) {
        cJSON *is = cJSON_CreateObject();
        cJSON_AddStringToObject(is, "level", issues[i].warning ? "warning" : "error");
        cJSON_AddStringToObject(is, "text", issues[i].text);
        cJSON_AddItemToArray(a, is);
    }
    return a;
}
