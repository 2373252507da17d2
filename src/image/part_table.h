/* part_table.h - ESP-IDF partition tables: the binary form written at
 * 0x8000 (32-byte 0xAA50 entries, 0xEBEB MD5 row), the CSV form read by
 * ESP-IDF's gen_esp32part.py, and conversions between them, byte-exact
 * with what ESP-IDF produces. Pure functions: no I/O, no printing. */
#ifndef ESPBURN_PART_TABLE_H
#define ESPBURN_PART_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"

#define PT_DEFAULT_OFFSET     0x8000
#define PT_DEFAULT_APP_OFFSET 0x10000 /* ESP-IDF's default factory app partition */
#define PT_MAX_LEN            0xC00   /* entries + MD5 row fit in this */
#define PT_ENTRY_LEN          32
#define PT_ENTRY_MAGIC0       0xAA /* every entry row starts AA 50 */
#define PT_ENTRY_MAGIC1       0x50
#define PT_MAX_ENTRIES        95
#define PT_FLAG_ENCRYPTED     0x1
#define PT_FLAG_READONLY      0x2

#define PT_SECTOR_LEN 0x1000  /* the table occupies this whole flash sector */
#define PT_APP_ALIGN  0x10000 /* app partitions start on a 64 KB boundary */

enum {
    PT_TYPE_APP = 0x00,
    PT_TYPE_DATA = 0x01,
    PT_TYPE_BOOTLOADER = 0x02,
    PT_TYPE_PARTITION_TABLE = 0x03
};
enum {
    PT_SUB_FACTORY = 0x00,
    PT_SUB_OTA_0 = 0x10,
    PT_SUB_TEST = 0x20
};
enum {
    PT_SUB_OTADATA = 0x00,
    PT_SUB_PHY = 0x01,
    PT_SUB_NVS = 0x02,
    PT_SUB_COREDUMP = 0x03,
    PT_SUB_NVS_KEYS = 0x04,
    PT_SUB_EFUSE = 0x05,
    PT_SUB_UNDEFINED = 0x06,
    PT_SUB_FAT = 0x81,
    PT_SUB_SPIFFS = 0x82,
    PT_SUB_LITTLEFS = 0x83,
    PT_SUB_TEE_OTA = 0x90
};

struct partition {
    char label[17];
    uint8_t type, subtype;
    uint32_t offset, size, flags;
};

struct part_table {
    unsigned n;
    struct partition p[PT_MAX_ENTRIES];
    bool has_md5; /* binary: an 0xEBEB row was present */
    bool md5_ok;  /* binary: and it matched the entries */
    bool has_end; /* binary: a 0xFFFFFFFF end row was found (the bootloader needs it) */
    int bad_row;  /* binary: first row that is neither entry, MD5 row nor end; else -1 */
};

/* Problems a table can have that do not stop it from being read. */
struct pt_issue {
    char text[200]; /* one sentence, e.g. "nvs overlaps phy_init (0x9000-0xf000 and 0xe000-...)" */
    bool warning;   /* true: legal but suspicious; false: ESP-IDF or the bootloader refuses it */
    bool damaged;   /* the bytes are damaged (bad row, no end marker, MD5 row wrong): the bootloader
                       rejects the whole table */
};
#define PT_MAX_ISSUES 16

/* Does the row at `row` (2 bytes readable) start with the entry magic AA 50?
 * Binary tables start with one; anything else is read as CSV. */
bool pt_row_is_entry(const uint8_t *row);

/* Binary table at data[0..len). Fails only when it is not a table at all. */
int pt_parse_bin(const uint8_t *data, size_t len, struct part_table *out, eb_err *err);

/* CSV text with gen_esp32part.py's rules (implied offsets from
 * table_offset + 0x1000, K/M sizes, names or numbers for types and
 * subtypes, flags). Errors name the line. */
int pt_parse_csv(const char *text, size_t len, uint32_t table_offset, struct part_table *out, eb_err *err);

/* The binary form (PT_MAX_LEN bytes, 0xFF padded, with the MD5 row), and
 * the CSV form, appended to `out`. */
int pt_to_bin(const struct part_table *t, bytes *out, eb_err *err);
int pt_to_csv(const struct part_table *t, bytes *out, eb_err *err);

/* Overlaps, misalignment (apps 64 KB, data 4 KB), a partition over the
 * table itself, duplicate names, and (for binary tables) a wrong MD5 or a
 * broken row; returns how many issues were written (at most max). The
 * errors (warning == false) are what gen_esp32part.py or the bootloader
 * refuse. */
unsigned pt_check(const struct part_table *t, uint32_t table_offset, struct pt_issue *issues, unsigned max);

/* The partition that holds address `addr`, or NULL. */
const struct partition *pt_find_addr(const struct part_table *t, uint32_t addr);
/* First partition of this type/subtype (subtype -1: any), or NULL. */
const struct partition *pt_find(const struct part_table *t, int type, int subtype);
/* Is it a filesystem partition (data, subtype fat, spiffs or littlefs)? */
bool pt_is_fs(const struct partition *p);
/* The partition named `name`, or with name NULL the first filesystem
 * partition; NULL when there is none. *nfs (may be NULL) gets how many
 * filesystem partitions the table has. */
const struct partition *pt_find_fs(const struct part_table *t, const char *name, unsigned *nfs);
/* The partition the bootloader boots with no otadata: factory, else ota_0. */
const struct partition *pt_boot_app(const struct part_table *t);
/* Highest end address of any partition. */
uint32_t pt_end(const struct part_table *t);

/* Required offset alignment: 0x10000 for apps, 0x1000 for everything else. */
uint32_t pt_offset_align(uint8_t type);

const char *pt_type_name(uint8_t type); /* "app", "data", "bootloader", "partition_table", or NULL */
const char *pt_subtype_name(uint8_t type, uint8_t subtype); /* "factory", "ota_3", "spiffs"... or NULL */

#endif
