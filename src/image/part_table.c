/* part_table.c - ESP-IDF partition tables: the binary form (parsed the way
 * the bootloader reads it, written byte-exact with gen_esp32part.py), the
 * CSV form (gen_esp32part.py's rules), lookups and consistency checks.
 * Pure functions over buffers: no I/O, no printing. */
#include "image/part_table.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"

#define PT_NVS_RW_MIN      0x3000u /* smallest read/write NVS partition */
#define PT_OTADATA_LEN     0x2000u
#define MD5_ROW_MAGIC      0xEB /* the MD5 row starts EB EB */
#define MD5_ROW_DIGEST_OFF 16   /* ... and holds the digest from byte 16 */
/* gen_esp32part.py refuses when entries + MD5 row reach PT_MAX_LEN bytes. */
#define PT_MAX_WRITABLE (PT_MAX_LEN / PT_ENTRY_LEN - 2)
#define SHOWN_MAX       40 /* longest bit of CSV quoted in an error */

/* ---- names of types and subtypes (gen_esp32part.py's keywords, in its order) ---- */

struct pt_name {
    const char *name;
    uint8_t value;
};
struct pt_names {
    const struct pt_name *v;
    size_t n;
};

static const struct pt_name type_names[] = {
    { "bootloader", PT_TYPE_BOOTLOADER },
    { "partition_table", PT_TYPE_PARTITION_TABLE },
    { "app", PT_TYPE_APP },
    { "data", PT_TYPE_DATA },
};
static const struct pt_name bootloader_subtypes[] = {
    { "primary", 0x00 },
    { "ota", 0x01 },
    { "recovery", 0x02 },
};
static const struct pt_name table_subtypes[] = { { "primary", 0x00 }, { "ota", 0x01 } };
static const struct pt_name app_subtypes[] = {
    { "factory", PT_SUB_FACTORY },
    { "test", PT_SUB_TEST },
    { "ota_0", 0x10 },
    { "ota_1", 0x11 },
    { "ota_2", 0x12 },
    { "ota_3", 0x13 },
    { "ota_4", 0x14 },
    { "ota_5", 0x15 },
    { "ota_6", 0x16 },
    { "ota_7", 0x17 },
    { "ota_8", 0x18 },
    { "ota_9", 0x19 },
    { "ota_10", 0x1A },
    { "ota_11", 0x1B },
    { "ota_12", 0x1C },
    { "ota_13", 0x1D },
    { "ota_14", 0x1E },
    { "ota_15", 0x1F },
    { "tee_0", 0x30 },
    { "tee_1", 0x31 },
};
static const struct pt_name data_subtypes[] = {
    { "ota", PT_SUB_OTADATA },
    { "phy", PT_SUB_PHY },
    { "nvs", PT_SUB_NVS },
    { "coredump", PT_SUB_COREDUMP },
    { "nvs_keys", PT_SUB_NVS_KEYS },
    { "efuse", PT_SUB_EFUSE },
    { "undefined", PT_SUB_UNDEFINED },
    { "esphttpd", 0x80 },
    { "fat", PT_SUB_FAT },
    { "spiffs", PT_SUB_SPIFFS },
    { "littlefs", PT_SUB_LITTLEFS },
    { "tee_ota", PT_SUB_TEE_OTA },
};

#define NAMES(a) ((struct pt_names){ a, sizeof a / sizeof a[0] })

static struct pt_names subtype_names_of(uint8_t type)
{
    switch (type) {
    case PT_TYPE_APP: return NAMES(app_subtypes);
    case PT_TYPE_DATA: return NAMES(data_subtypes);
    case PT_TYPE_BOOTLOADER: return NAMES(bootloader_subtypes);
    case PT_TYPE_PARTITION_TABLE: return NAMES(table_subtypes);
    default: return (struct pt_names){ NULL, 0 };
    }
}

static const char *name_of(struct pt_names names, uint8_t value)
{
    for (size_t i = 0; i < names.n; i++)
        if (names.v[i].value == value)
            return names.v[i].name;
    return NULL;
}

const char *pt_type_name(uint8_t type)
{
    return name_of(NAMES(type_names), type);
}

const char *pt_subtype_name(uint8_t type, uint8_t subtype)
{
    return name_of(subtype_names_of(type), subtype);
}

uint32_t pt_offset_align(uint8_t type)
{
    return type == PT_TYPE_APP ? PT_APP_ALIGN : PT_SECTOR_LEN;
}

/* Primary bootloader and primary table rows describe fixed regions below the
 * first partition; offset rules skip them. */
static bool is_fixed_region(const struct partition *p)
{
    return (p->type == PT_TYPE_BOOTLOADER || p->type == PT_TYPE_PARTITION_TABLE) && p->subtype == 0;
}

static uint64_t part_end(const struct partition *p)
{
    return (uint64_t)p->offset + p->size;
}

/* ---- lookups ---- */

const struct partition *pt_find_addr(const struct part_table *t, uint32_t addr)
{
    for (unsigned i = 0; i < t->n; i++)
        if (addr >= t->p[i].offset && addr < part_end(&t->p[i]))
            return &t->p[i];
    return NULL;
}

const struct partition *pt_find(const struct part_table *t, int type, int subtype)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->p[i].type == type && (subtype < 0 || t->p[i].subtype == subtype))
            return &t->p[i];
    return NULL;
}

bool pt_is_fs(const struct partition *p)
{
    return p->type == PT_TYPE_DATA &&
           (p->subtype == PT_SUB_FAT || p->subtype == PT_SUB_SPIFFS || p->subtype == PT_SUB_LITTLEFS);
}

const struct partition *pt_find_fs(const struct part_table *t, const char *name, unsigned *nfs)
{
    const struct partition *hit = NULL;
    unsigned n = 0;
    for (unsigned i = 0; i < t->n; i++) {
        bool fs = pt_is_fs(&t->p[i]);
        n += fs;
        if (!hit && (name ? strcmp(t->p[i].label, name) == 0 : fs))
            hit = &t->p[i];
    }
    if (nfs)
        *nfs = n;
    return hit;
}

const struct partition *pt_boot_app(const struct part_table *t)
{
    const struct partition *p = pt_find(t, PT_TYPE_APP, PT_SUB_FACTORY);
    return p ? p : pt_find(t, PT_TYPE_APP, PT_SUB_OTA_0);
}

uint32_t pt_end(const struct part_table *t)
{
    uint64_t end = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (part_end(&t->p[i]) > end)
            end = part_end(&t->p[i]);
    return end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

/* ---- binary form ---- */

static void decode_entry(const uint8_t *row, struct partition *p)
{
    memset(p, 0, sizeof *p);
    p->type = row[2];
    p->subtype = row[3];
    p->offset = rd_le32(row + 4);
    p->size = rd_le32(row + 8);
    memcpy(p->label, row + 12, strnlen((const char *)row + 12, 16)); /* label[16] stays NUL */
    p->flags = rd_le32(row + 28);
}

static void encode_entry(const struct partition *p, uint8_t *row)
{
    memset(row, 0, PT_ENTRY_LEN);
    row[0] = PT_ENTRY_MAGIC0, row[1] = PT_ENTRY_MAGIC1;
    row[2] = p->type, row[3] = p->subtype;
    wr_le32(row + 4, p->offset);
    wr_le32(row + 8, p->size);
    memcpy(row + 12, p->label, strnlen(p->label, 16));
    wr_le32(row + 28, p->flags);
}

/* Row kinds as the bootloader's esp_partition_table_verify() sees them. */
bool pt_row_is_entry(const uint8_t *r)
{
    return r[0] == PT_ENTRY_MAGIC0 && r[1] == PT_ENTRY_MAGIC1;
}
static bool is_md5_row(const uint8_t *r)
{
    return r[0] == MD5_ROW_MAGIC && r[1] == MD5_ROW_MAGIC;
}
static bool is_end_row(const uint8_t *r)
{
    return rd_le32(r) == 0xFFFFFFFFu;
}

int pt_parse_bin(const uint8_t *data, size_t len, struct part_table *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->bad_row = -1;
    if (len < PT_ENTRY_LEN || !pt_row_is_entry(data))
        return eb_fail(err, EB_PROBLEM,
                       "not a partition table: it does not start with a 32-byte "
                       "0xAA50 partition entry");
    size_t limit = len < PT_MAX_LEN ? len : PT_MAX_LEN;
    for (size_t off = 0; in_bounds(limit, off, PT_ENTRY_LEN); off += PT_ENTRY_LEN) {
        const uint8_t *row = data + off;
        int index = (int)(off / PT_ENTRY_LEN);
        if (pt_row_is_entry(row) && out->n < PT_MAX_ENTRIES) {
            decode_entry(row, &out->p[out->n++]);
        } else if (is_md5_row(row) && !out->has_md5) {
            uint8_t digest[EB_MD5_LEN];
            md5_buf(data, off, digest);
            out->has_md5 = true;
            out->md5_ok = memcmp(row + MD5_ROW_DIGEST_OFF, digest, sizeof digest) == 0;
        } else if (is_end_row(row)) {
            out->has_end = true;
            return 0;
        } else {
            out->bad_row = index;
            return 0;
        }
    }
    return 0;
}

int pt_to_bin(const struct part_table *t, bytes *out, eb_err *err)
{
    if (t->n > PT_MAX_WRITABLE)
        return eb_fail(err, EB_PROBLEM,
                       "the table has %u partitions; at most %u fit in a partition "
                       "table with its MD5 row: merge some partitions",
                       t->n, PT_MAX_WRITABLE);
    uint8_t buf[PT_MAX_LEN];
    memset(buf, 0xFF, sizeof buf);
    size_t off = 0;
    for (unsigned i = 0; i < t->n; i++, off += PT_ENTRY_LEN)
        encode_entry(&t->p[i], buf + off);
    buf[off] = MD5_ROW_MAGIC, buf[off + 1] = MD5_ROW_MAGIC;
    md5_buf(buf, off, buf + off + MD5_ROW_DIGEST_OFF);
    if (bytes_append(out, buf, sizeof buf))
        return eb_fail(err, EB_IO, "out of memory while writing the partition table");
    return 0;
}

/* ---- CSV form: writing (gen_esp32part.py's to_csv layout) ---- */

static bool csv_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
           (c >= 0x1C && c <= 0x1F);
}

/* A label survives a CSV round trip when it has no comma, control
 * character, surrounding space, leading '#' or '$' variable reference. */
static const char *label_csv_problem(const char *s)
{
    size_t n = strlen(s);
    if (n && (csv_space((unsigned char)s[0]) || csv_space((unsigned char)s[n - 1])))
        return "starts or ends with a space";
    if (s[0] == '#')
        return "starts with '#', which makes the line a comment";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ',')
            return "contains a comma";
        if (c < 0x20 || c == 0x7F)
            return "contains a control character";
        if (c == '$' && i + 1 < n && (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '_' || s[i + 1] == '{'))
            return "contains a '$' variable reference";
    }
    return NULL;
}

static void csv_keyword(char *buf, size_t cap, struct pt_names names, uint8_t value)
{
    const char *name = name_of(names, value);
    if (name)
        snprintf(buf, cap, "%s", name);
    else
        snprintf(buf, cap, "%u", value);
}

static void csv_size(char *buf, size_t cap, uint32_t v)
{
    if (v % 0x100000 == 0)
        snprintf(buf, cap, "%" PRIu32 "M", v / 0x100000);
    else if (v % 0x400 == 0)
        snprintf(buf, cap, "%" PRIu32 "K", v / 0x400);
    else
        snprintf(buf, cap, "0x%" PRIx32, v);
}

static void csv_flags(char *buf, size_t cap, uint32_t flags)
{
    snprintf(buf, cap, "%s%s%s", flags & PT_FLAG_ENCRYPTED ? "encrypted" : "",
             (flags & PT_FLAG_ENCRYPTED) && (flags & PT_FLAG_READONLY) ? ":" : "",
             flags & PT_FLAG_READONLY ? "readonly" : "");
}

static int check_csv_writable(const struct partition *p, unsigned i, eb_err *err)
{
    const char *why = label_csv_problem(p->label);
    if (why)
        return eb_fail(err, EB_PROBLEM,
                       "partition %u's name %s, so it cannot be written as CSV; "
                       "rename it in a binary editor or keep the binary table",
                       i + 1, why);
    uint32_t unknown = p->flags & ~(uint32_t)(PT_FLAG_ENCRYPTED | PT_FLAG_READONLY);
    if (unknown)
        return eb_fail(err, EB_PROBLEM,
                       "partition '%s' has flag bits 0x%" PRIx32 " that CSV cannot "
                       "express (only encrypted and readonly); keep the binary table",
                       p->label, unknown);
    return 0;
}

int pt_to_csv(const struct part_table *t, bytes *out, eb_err *err)
{
    for (unsigned i = 0; i < t->n; i++)
        if (check_csv_writable(&t->p[i], i, err))
            return -1;
    static const char header[] = "# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n";
    if (bytes_append(out, header, sizeof header - 1))
        return eb_fail(err, EB_IO, "out of memory while writing the CSV");
    for (unsigned i = 0; i < t->n; i++) {
        const struct partition *p = &t->p[i];
        char type[24], sub[16], size[16], flags[24], line[160];
        csv_keyword(type, sizeof type, NAMES(type_names), p->type);
        csv_keyword(sub, sizeof sub, subtype_names_of(p->type), p->subtype);
        csv_size(size, sizeof size, p->size);
        csv_flags(flags, sizeof flags, p->flags);
        int n = snprintf(line, sizeof line, "%s,%s,%s,0x%" PRIx32 ",%s,%s\n", p->label, type, sub, p->offset,
                         size, flags);
        if (bytes_append(out, line, (size_t)n))
            return eb_fail(err, EB_IO, "out of memory while writing the CSV");
    }
    return 0;
}

/* ---- CSV form: reading (gen_esp32part.py's from_csv rules) ---- */

struct slice {
    const char *s;
    size_t n;
};

static bool is_line_break(char c)
{
    return c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1E);
}

/* Python's str.splitlines(): \n, \r, \r\n and a few rarer breaks. */
static bool next_line(const char *text, size_t len, size_t *pos, struct slice *line)
{
    if (*pos >= len)
        return false;
    size_t i = *pos;
    while (i < len && !is_line_break(text[i]))
        i++;
    *line = (struct slice){ text + *pos, i - *pos };
    *pos = i + (i + 1 < len && text[i] == '\r' && text[i + 1] == '\n' ? 2 : 1);
    return true;
}

static struct slice trim(struct slice x)
{
    while (x.n && csv_space((unsigned char)x.s[0]))
        x.s++, x.n--;
    while (x.n && csv_space((unsigned char)x.s[x.n - 1]))
        x.n--;
    return x;
}

/* `line + ",,,,"` split on commas and stripped: fields past the sixth are ignored. */
static void split_fields(struct slice line, struct slice f[6])
{
    size_t start = 0;
    for (int k = 0; k < 6; k++) {
        size_t end = start;
        while (end < line.n && line.s[end] != ',')
            end++;
        f[k] =
            start <= line.n ? trim((struct slice){ line.s + start, end - start }) : (struct slice){ "", 0 };
        start = end + 1;
    }
}

/* How much of a field to quote in an error message. */
static int shown_len(struct slice x)
{
    return (int)(x.n > SHOWN_MAX ? SHOWN_MAX : x.n);
}

static bool slice_is(struct slice x, const char *word)
{
    return x.n == strlen(word) && memcmp(x.s, word, x.n) == 0;
}

enum num_result {
    NUM_OK,
    NUM_BAD,
    NUM_RANGE
};
#define NUM_CAP (1LL << 40) /* far beyond 32 bits, far below overflow */

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'z' ? c - 'a' + 10 : 99;
}

static unsigned base_of_prefix(struct slice v, size_t i)
{
    if (v.n - i < 2 || v.s[i] != '0')
        return 10;
    switch (tolower((unsigned char)v.s[i + 1])) {
    case 'x': return 16;
    case 'o': return 8;
    case 'b': return 2;
    default: return 10;
    }
}

/* Python's int(text, 0): sign, 0x/0o/0b prefix, '_' between digits, no
 * leading zeros on a decimal number. */
static enum num_result parse_py_int(struct slice v, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < v.n && (v.s[i] == '+' || v.s[i] == '-'))
        neg = v.s[i++] == '-';
    unsigned base = base_of_prefix(v, i);
    bool underscore_ok = base != 10; /* Python allows 0x_1F */
    if (base != 10)
        i += 2;
    size_t first = i;
    int64_t value = 0;
    bool range = false, nonzero = false;
    for (; i < v.n; i++) {
        if (v.s[i] == '_' && underscore_ok) {
            underscore_ok = false;
            continue;
        }
        int d = digit_value(v.s[i]);
        if (d >= (int)base)
            return NUM_BAD;
        nonzero |= d != 0;
        value = value * base + d;
        if (value > NUM_CAP)
            range = true, value = NUM_CAP;
        underscore_ok = true;
    }
    bool ends_in_digit = i > first && v.s[i - 1] != '_';
    if (!ends_in_digit || (base == 10 && v.s[first] == '0' && nonzero))
        return NUM_BAD;
    *out = neg ? -value : value;
    return range ? NUM_RANGE : NUM_OK;
}

static void join_names(char *buf, size_t cap, struct pt_names names)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < names.n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names.v[i].name);
}

static bool keyword_value(struct slice v, struct pt_names names, int64_t *out)
{
    for (size_t i = 0; i < names.n; i++)
        if (v.n == strlen(names.v[i].name) && strncasecmp(v.s, names.v[i].name, v.n) == 0) {
            *out = names.v[i].value;
            return true;
        }
    return false;
}

static bool is_size_suffix(char c)
{
    return tolower((unsigned char)c) == 'k' || tolower((unsigned char)c) == 'm';
}

/* int(v, 0), else a keyword: the core of gen_esp32part.py's parse_int(). */
static int parse_plain_value(struct slice v, struct pt_names names, int64_t *out, eb_err *err)
{
    int shown = shown_len(v);
    switch (parse_py_int(trim(v), out)) { /* int() ignores surrounding space */
    case NUM_OK: return 0;
    case NUM_RANGE:
        return eb_fail(err, EB_PROBLEM, "Value '%.*s' is far too large for a 32-bit field", shown, v.s);
    case NUM_BAD: break;
    }
    if (names.n == 0)
        return eb_fail(err, EB_PROBLEM, "Invalid field value %.*s", shown, v.s);
    if (keyword_value(v, names, out))
        return 0;
    char known[300];
    join_names(known, sizeof known, names);
    return eb_fail(err, EB_PROBLEM, "Value '%.*s' is not valid. Known keywords: %s", shown, v.s, known);
}

/* gen_esp32part.py's parse_int(): each trailing k/K multiplies by 1024 and
 * each m/M by 1024*1024 what is left of the value. */
static int parse_value(struct slice v, struct pt_names names, int64_t *out, eb_err *err)
{
    struct slice core = v;
    while (core.n && is_size_suffix(core.s[core.n - 1]))
        core.n--;
    if (parse_plain_value(core, names, out, err))
        return -1;
    for (size_t i = core.n; i < v.n; i++) {
        *out *= tolower((unsigned char)v.s[i]) == 'k' ? 1024 : 1024 * 1024; /* |*out| <= 2^40 */
        if (*out > NUM_CAP || *out < -NUM_CAP)
            return eb_fail(err, EB_PROBLEM, "Value '%.*s' is far too large for a 32-bit field", shown_len(v),
                           v.s);
    }
    return 0;
}

static int parse_ranged(struct slice v, struct pt_names names, int64_t lo, int64_t hi, const char *what,
                        int64_t *out, eb_err *err)
{
    if (parse_value(v, names, out, err))
        return -1;
    if (*out < lo || *out > hi)
        return eb_fail(err, EB_PROBLEM, "%s %.*s is out of range (%" PRId64 " to 0x%" PRIx64 ")", what,
                       shown_len(v), v.s, lo, hi);
    return 0;
}

struct csv_row {
    struct partition p;
    bool has_offset;
    int64_t size; /* negative: "ends at -size" */
    unsigned line;
};

static int parse_name(struct slice f, struct partition *p, eb_err *err)
{
    for (size_t i = 0; i < f.n; i++)
        if ((unsigned char)f.s[i] < 0x20 || f.s[i] == 0x7F)
            return eb_fail(err, EB_PROBLEM, "the name contains a control character; use plain text");
    memcpy(p->label, f.s, f.n < 16 ? f.n : 16); /* like gen_esp32part: longer names are cut at 16 bytes */
    return 0;
}

static int parse_flags(struct slice f, uint32_t *flags, eb_err *err)
{
    size_t start = 0;
    while (start <= f.n) {
        size_t end = start;
        while (end < f.n && f.s[end] != ':')
            end++;
        struct slice flag = { f.s + start, end - start };
        if (slice_is(flag, "encrypted"))
            *flags |= PT_FLAG_ENCRYPTED;
        else if (slice_is(flag, "readonly"))
            *flags |= PT_FLAG_READONLY;
        else if (flag.n)
            return eb_fail(err, EB_PROBLEM, "CSV flag column contains unknown flag '%.*s'", shown_len(flag),
                           flag.s);
        start = end + 1;
    }
    return 0;
}

static int parse_type_fields(struct slice f[6], struct partition *p, eb_err *err)
{
    int64_t v;
    if (f[1].n == 0)
        return eb_fail(err, EB_PROBLEM, "Field 'type' can't be left empty.");
    if (parse_ranged(f[1], NAMES(type_names), 0, 0xFF, "type", &v, err))
        return -1;
    p->type = (uint8_t)v;
    if (p->type == PT_TYPE_BOOTLOADER)
        return eb_fail(err, EB_PROBLEM,
                       "bootloader partitions need the bootloader's offset, which "
                       "espburn does not take; use gen_esp32part.py --primary-bootloader-offset");
    if (f[2].n == 0) {
        if (p->type == PT_TYPE_APP)
            return eb_fail(err, EB_PROBLEM, "App partition cannot have an empty subtype");
        p->subtype = PT_SUB_UNDEFINED;
        return 0;
    }
    if (parse_ranged(f[2], subtype_names_of(p->type), 0, 0xFF, "subtype", &v, err))
        return -1;
    p->subtype = (uint8_t)v;
    return 0;
}

static int parse_place_fields(struct slice f[6], uint32_t table_offset, struct csv_row *row, eb_err *err)
{
    int64_t v;
    if (row->p.type == PT_TYPE_PARTITION_TABLE) { /* its size is always one sector */
        row->size = PT_SECTOR_LEN;
        if (row->p.subtype == 0) {
            row->p.offset = table_offset;
            row->has_offset = true;
            return 0;
        }
    }
    if (f[3].n) {
        if (parse_ranged(f[3], (struct pt_names){ NULL, 0 }, 0, UINT32_MAX, "offset", &v, err))
            return -1;
        row->p.offset = (uint32_t)v;
        row->has_offset = true;
    }
    if (row->p.type == PT_TYPE_PARTITION_TABLE)
        return 0;
    if (f[4].n == 0)
        return eb_fail(err, EB_PROBLEM, "Size field can't be empty");
    return parse_ranged(f[4], (struct pt_names){ NULL, 0 }, -(int64_t)UINT32_MAX, UINT32_MAX, "size",
                        &row->size, err);
}

static int parse_csv_row(struct slice line, unsigned line_no, uint32_t table_offset, struct csv_row *row,
                         eb_err *err)
{
    struct slice f[6];
    split_fields(line, f);
    memset(row, 0, sizeof *row);
    row->line = line_no;
    if (parse_name(f[0], &row->p, err) || parse_type_fields(f, &row->p, err) ||
        parse_place_fields(f, table_offset, row, err) || parse_flags(f[5], &row->p.flags, err))
        return eb_wrap(err, "Error at line %u", line_no);
    return 0;
}

/* gen_esp32part.py leaves an unknown $VARIABLE at the start of a line as an
 * error; espburn expands no variables at all, so any reference is one. */
static int check_no_variables(struct slice line, unsigned line_no, eb_err *err)
{
    for (size_t i = 0; i + 1 < line.n; i++) {
        char c = line.s[i + 1];
        bool escaped = i > 0 && line.s[i - 1] == '\\';
        if (line.s[i] == '$' && !escaped && (isalpha((unsigned char)c) || c == '_' || c == '{'))
            return eb_fail(err, EB_PROBLEM,
                           "Error at line %u: environment variable references ($NAME) "
                           "are not expanded by espburn; write the value itself",
                           line_no);
    }
    return 0;
}

/* Fill in implied offsets (previous end aligned for the type, starting
 * after the table's sector) and sizes given as negative end addresses. */
static int place_rows(struct csv_row *rows, unsigned n, uint32_t table_offset, eb_err *err)
{
    uint64_t last_end = (uint64_t)table_offset + PT_SECTOR_LEN;
    for (unsigned i = 0; i < n; i++) {
        struct csv_row *r = &rows[i];
        if (is_fixed_region(&r->p)) {
            r->p.size = (uint32_t)r->size;
            continue;
        }
        if (r->has_offset && r->p.offset < last_end) {
            if (i == 0)
                return eb_fail(err, EB_PROBLEM,
                               "CSV Error at line %u: Partitions overlap. Partition sets offset 0x%" PRIx32
                               ". "
                               "But partition table occupies the whole sector 0x%" PRIx32 ". "
                               "Use a free offset 0x%" PRIx64 " or higher.",
                               r->line, r->p.offset, table_offset, last_end);
            return eb_fail(err, EB_PROBLEM,
                           "CSV Error at line %u: Partitions overlap. Partition sets offset "
                           "0x%" PRIx32 ". Previous partition ends 0x%" PRIx64,
                           r->line, r->p.offset, last_end);
        }
        if (!r->has_offset) {
            uint32_t align = pt_offset_align(r->p.type);
            last_end = (last_end + align - 1) / align * align;
            if (last_end > UINT32_MAX)
                return eb_fail(err, EB_PROBLEM,
                               "CSV Error at line %u: the implied offset 0x%" PRIx64 " lies beyond 4 GB; "
                               "give the partitions before it smaller sizes",
                               r->line, last_end);
            r->p.offset = (uint32_t)last_end;
        }
        if (r->size < 0)
            r->size = -r->size - (int64_t)r->p.offset;
        if (r->size < 0)
            return eb_fail(err, EB_PROBLEM,
                           "CSV Error at line %u: the size is a negative end address below the partition's "
                           "offset 0x%" PRIx32 "; give an end after the offset",
                           r->line, r->p.offset);
        r->p.size = (uint32_t)r->size;
        last_end = (uint64_t)r->p.offset + r->p.size;
    }
    return 0;
}

int pt_parse_csv(const char *text, size_t len, uint32_t table_offset, struct part_table *out, eb_err *err)
{
    static const char bom[] = "\xEF\xBB\xBF";
    memset(out, 0, sizeof *out);
    out->bad_row = -1;
    out->has_end = true;
    if (len >= 3 && memcmp(text, bom, 3) == 0)
        text += 3, len -= 3;
    const char *zero = len ? memchr(text, 0, len) : NULL;
    if (zero)
        return eb_fail(err, EB_PROBLEM,
                       "not a partition table: neither binary (no 0xAA50 entry at the start) "
                       "nor CSV text (a zero byte at offset 0x%zx)",
                       (size_t)(zero - text));
    struct csv_row rows[PT_MAX_ENTRIES];
    unsigned n = 0, line_no = 0;
    size_t pos = 0;
    struct slice line;
    while (next_line(text, len, &pos, &line)) {
        line_no++;
        if (check_no_variables(line, line_no, err))
            return -1;
        line = trim(line);
        if (line.n == 0 || line.s[0] == '#')
            continue;
        if (n == PT_MAX_ENTRIES)
            return eb_fail(err, EB_PROBLEM,
                           "Error at line %u: too many partitions; a partition table "
                           "holds at most %u",
                           line_no, PT_MAX_WRITABLE);
        if (parse_csv_row(line, line_no, table_offset, &rows[n++], err))
            return -1;
    }
    if (place_rows(rows, n, table_offset, err))
        return -1;
    for (unsigned i = 0; i < n; i++)
        out->p[i] = rows[i].p;
    out->n = n;
    return 0;
}

/* ---- consistency checks ---- */

struct issues {
    struct pt_issue *v;
    unsigned n, max;
};

static void add_issue(struct issues *is, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_issue(struct issues *is, bool warning, const char *fmt, ...)
{
    if (is->n >= is->max)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(is->v[is->n].text, sizeof is->v[is->n].text, fmt, ap);
    va_end(ap);
    is->v[is->n].damaged = false;
    is->v[is->n++].warning = warning;
}

/* The last issue added is damage to the table's bytes. */
static void mark_damaged(struct issues *is)
{
    if (is->n > 0)
        is->v[is->n - 1].damaged = true;
}

/* The label made safe to quote in a sentence. */
static const char *shown_label(const struct partition *p, char buf[17])
{
    size_t i = 0;
    for (; i < 16 && p->label[i]; i++)
        buf[i] = isprint((unsigned char)p->label[i]) ? p->label[i] : '?';
    buf[i] = '\0';
    return buf;
}

static void check_rows(const struct part_table *t, struct issues *is)
{
    if (t->bad_row >= 0)
        add_issue(is, false,
                  "Row %d (byte 0x%x) is neither a partition entry, the MD5 row nor the end marker, "
                  "so the bootloader rejects the whole table; regenerate it from its CSV.",
                  t->bad_row, t->bad_row * PT_ENTRY_LEN);
    else if (!t->has_end)
        add_issue(is, false,
                  "The table has no end marker (a row starting FF FF FF FF) within 0xC00 bytes, "
                  "so the bootloader rejects it; the file may be truncated: regenerate it from its CSV.");
    if (t->bad_row >= 0 || !t->has_end)
        mark_damaged(is);
    if (t->has_md5 && !t->md5_ok) {
        add_issue(is, false,
                  "The MD5 row does not match the entries, so the bootloader rejects the table; "
                  "regenerate it from its CSV.");
        mark_damaged(is);
    }
}

static void check_alignment(const struct partition *p, const char *name, struct issues *is)
{
    uint32_t align = pt_offset_align(p->type);
    if (p->offset % align)
        add_issue(is, false,
                  "'%s' starts at 0x%" PRIx32 ", which is not a multiple of 0x%" PRIx32 " as %s "
                  "partitions must be; move it to 0x%" PRIx64 ".",
                  name, p->offset, align, p->type == PT_TYPE_APP ? "app" : "data",
                  ((uint64_t)p->offset + align - 1) / align * align);
    if (p->type == PT_TYPE_APP && p->size % 0x1000)
        add_issue(is, false,
                  "'%s' has size 0x%" PRIx32 ", which is not a multiple of 0x1000 (4 KB) as app "
                  "partitions must be; make it 0x%" PRIx32 ".",
                  name, p->size, p->size / 0x1000 * 0x1000);
}

static void check_partition(const struct partition *p, uint32_t table_offset, struct issues *is)
{
    char buf[17];
    const char *name = shown_label(p, buf);
    uint64_t table_end = (uint64_t)table_offset + PT_SECTOR_LEN;
    check_alignment(p, name, is);
    if (part_end(p) > 0x100000000ull)
        add_issue(is, false,
                  "'%s' ends beyond the 4 GB address space (0x%" PRIx32 " + 0x%" PRIx32 "); fix "
                  "its offset or size.",
                  name, p->offset, p->size);
    if (p->offset < table_end && !is_fixed_region(p))
        add_issue(is, false,
                  "'%s' starts at 0x%" PRIx32 ", below the end of the partition table's sector "
                  "(0x%" PRIx64 "), over the bootloader or the table; move it to 0x%" PRIx64 " or higher.",
                  name, p->offset, table_end, table_end);
    bool always_rw =
        p->type == PT_TYPE_DATA && (p->subtype == PT_SUB_OTADATA || p->subtype == PT_SUB_COREDUMP);
    if (always_rw && (p->flags & PT_FLAG_READONLY))
        add_issue(is, false,
                  "'%s' is flagged readonly, but %s partitions are always written by the system; "
                  "remove the flag.",
                  name, pt_subtype_name(p->type, p->subtype));
    bool nvs = p->type == PT_TYPE_DATA && p->subtype == PT_SUB_NVS;
    if (nvs && p->size < PT_NVS_RW_MIN && !(p->flags & PT_FLAG_READONLY))
        add_issue(is, false,
                  "'%s' is a read/write NVS partition of only 0x%" PRIx32 " bytes; make it at least "
                  "0x3000 (12 KB) or flag it readonly.",
                  name, p->size);
    if (p->size == 0)
        add_issue(is, true, "'%s' has size 0.", name);
    uint32_t unknown = p->flags & ~(uint32_t)(PT_FLAG_ENCRYPTED | PT_FLAG_READONLY);
    if (unknown)
        add_issue(is, true,
                  "'%s' has unknown flag bits 0x%" PRIx32 " (ESP-IDF knows encrypted 0x1 and "
                  "readonly 0x2).",
                  name, unknown);
}

static void check_duplicate_names(const struct part_table *t, struct issues *is)
{
    for (unsigned i = 0; i < t->n; i++) {
        unsigned earlier = 0;
        for (unsigned j = 0; j < i; j++)
            earlier += strcmp(t->p[j].label, t->p[i].label) == 0;
        char buf[17];
        if (earlier == 1)
            add_issue(is, false, "More than one partition is named '%s'; names must be unique.",
                      shown_label(&t->p[i], buf));
    }
}

/* Sorted by offset, each partition must start after every earlier end. */
static void check_overlaps(const struct part_table *t, struct issues *is)
{
    unsigned order[PT_MAX_ENTRIES];
    for (unsigned i = 0; i < t->n; i++) {
        unsigned k = i;
        for (; k > 0 && t->p[order[k - 1]].offset > t->p[i].offset; k--)
            order[k] = order[k - 1];
        order[k] = i;
    }
    const struct partition *reach = NULL; /* the partition with the highest end so far */
    for (unsigned k = 0; k < t->n; k++) {
        const struct partition *p = &t->p[order[k]];
        char a[17], b[17];
        if (reach && p->offset < part_end(reach))
            add_issue(is, false,
                      "'%s' (0x%" PRIx32 "-0x%" PRIx64 ") overlaps '%s' (0x%" PRIx32 "-0x%" PRIx64 "); "
                      "move one of them.",
                      shown_label(p, a), p->offset, part_end(p), shown_label(reach, b), reach->offset,
                      part_end(reach));
        if (!reach || part_end(p) > part_end(reach))
            reach = p;
    }
}

static unsigned count_of(const struct part_table *t, uint8_t type, uint8_t subtype)
{
    unsigned n = 0;
    for (unsigned i = 0; i < t->n; i++)
        n += t->p[i].type == type && t->p[i].subtype == subtype;
    return n;
}

static void check_otadata(const struct part_table *t, uint8_t subtype, const char *what, struct issues *is)
{
    unsigned n = count_of(t, PT_TYPE_DATA, subtype);
    const struct partition *p = pt_find(t, PT_TYPE_DATA, subtype);
    char buf[17];
    if (n > 1)
        add_issue(is, false, "There are %u %s partitions (data, %s); only one is allowed.", n, what,
                  pt_subtype_name(PT_TYPE_DATA, subtype));
    else if (p && p->size != PT_OTADATA_LEN)
        add_issue(is, false, "%s partition '%s' has size 0x%" PRIx32 "; it must be 0x2000 (8 KB).", what,
                  shown_label(p, buf), p->size);
}

static void check_apps(const struct part_table *t, struct issues *is)
{
    char buf[17];
    unsigned factories = count_of(t, PT_TYPE_APP, PT_SUB_FACTORY);
    if (factories > 1)
        add_issue(is, true,
                  "There are %u factory app partitions; the bootloader only ever boots the first, '%s'.",
                  factories, shown_label(pt_find(t, PT_TYPE_APP, PT_SUB_FACTORY), buf));
    if (!pt_find(t, PT_TYPE_APP, -1)) {
        add_issue(is, true, "There is no app partition, so the bootloader has nothing to boot.");
        return;
    }
    bool has_ota_app = false;
    for (unsigned i = 0; i < t->n; i++)
        has_ota_app |= t->p[i].type == PT_TYPE_APP && t->p[i].subtype >= PT_SUB_OTA_0 &&
                       t->p[i].subtype < PT_SUB_OTA_0 + 16;
    const struct partition *boot = pt_boot_app(t);
    if (has_ota_app && !pt_find(t, PT_TYPE_DATA, PT_SUB_OTADATA))
        add_issue(is, true,
                  "There are OTA app partitions but no otadata partition, so OTA updates cannot "
                  "change which app boots%s%s%s.",
                  boot ? " (always '" : "", boot ? shown_label(boot, buf) : "", boot ? "')" : "");
}

unsigned pt_check(const struct part_table *t, uint32_t table_offset, struct pt_issue *issues, unsigned max)
{
    struct issues is = { issues, 0, max };
    check_rows(t, &is);
    for (unsigned i = 0; i < t->n; i++)
        check_partition(&t->p[i], table_offset, &is);
    check_duplicate_names(t, &is);
    check_overlaps(t, &is);
    check_otadata(t, PT_SUB_OTADATA, "otadata", &is);
    check_otadata(t, PT_SUB_TEE_OTA, "TEE otadata", &is);
    check_apps(t, &is);
    return is.n;
}
