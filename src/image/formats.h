/* formats.h - detectors used by fw_identify (internal to src/image/). Each
 * looks at data[0..len) and, when the content is its format, fills `out`
 * (role, chip, kind, summary, problem) and returns true; otherwise it
 * returns false and leaves `out` untouched. */
#ifndef ESPBURN_FORMATS_H
#define ESPBURN_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/identify.h"

/* Binary data formats (formats.c). */
bool fmt_phy_init(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_otadata(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_nvs(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_littlefs(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_fat(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_spiffs(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_uf2(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_elf(const uint8_t *data, size_t len, struct fw_ident *out);
bool fmt_erased(const uint8_t *data, size_t len, struct fw_ident *out);

/* Text formats (identify_text.c): manifests, esptool command lines,
 * ADDR FILE lists and partition CSVs. */
bool fmt_text(const uint8_t *data, size_t len, struct fw_ident *out);

/* Shared helpers. */
bool all_ff(const uint8_t *data, size_t len);
void fw_say(struct fw_ident *out, enum role role, const struct chip *chip, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Record a problem; the first one recorded is kept. */
void fw_problem(struct fw_ident *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record the first of out->table's issues (pt_check: broken rows, MD5,
 * overlaps, alignment, ...; the table being at table_offset) as the problem. */
void fw_table_issues(struct fw_ident *out, uint32_t table_offset);

#endif
