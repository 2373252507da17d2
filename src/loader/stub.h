/* stub.h - loading a flasher stub into the chip's RAM from a JSON file in
 * the format esptool and esptool-js ship (text/data in base64, entry,
 * text_start, data_start). The stub is never part of espburn: the user
 * names the file, or espburn finds an installed esptool-js. */
#ifndef ESPBURN_STUB_H
#define ESPBURN_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "loader/loader.h"

struct stub_image {
    bytes text, data;
    uint32_t text_start, data_start, entry;
};

/* Parse the JSON text of a stub file. */
int stub_parse(const char *json, size_t n, struct stub_image *out, eb_err *err);
void stub_free(struct stub_image *s);

/* Upload with MEM_BEGIN/MEM_DATA/MEM_END, wait for "OHAI", and switch the
 * loader to stub mode (2 status bytes, 16 KB blocks). */
int stub_run(struct loader *l, const struct stub_image *s, eb_err *err);
int stub_load_file(struct loader *l, const char *path, eb_err *err);

/* Look for an installed stub for `chip` ($ESPBURN_STUB_DIR, esptool-js's
 * stubs under espburn's data roots (common/datadir.h), global npm roots,
 * Python esptool); 0 and the path when found, -1 when none is. */
int stub_find(const struct chip *chip, char *path, size_t n);

#endif
