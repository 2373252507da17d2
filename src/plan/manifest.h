/* manifest.h - what a manifest or script says to write where: ESP-IDF
 * flasher_args.json and flash_project_args, esp-web-tools manifest.json,
 * M5Burner-style fw.json (any JSON pairing files with addresses), and
 * shell or batch scripts with an esptool write_flash command line.
 * Pure functions over text: no I/O, no printing. Paths are returned as
 * written (relative to the manifest's folder); the caller reads them. */
#ifndef ESPBURN_MANIFEST_H
#define ESPBURN_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chips.h"
#include "common/err.h"

#define MF_MAX_ENTRIES 64
#define MF_PATH_MAX    512

struct mf_entry {
    uint32_t addr;
    char path[MF_PATH_MAX]; /* as written, '\' turned into '/' */
};

struct manifest {
    char kind[40]; /* "flasher_args.json", "esp-web-tools manifest", ... */
    char chip[24]; /* chip the manifest names ("esp32", "ESP32-S3"), "" if none */
    char flash_mode[8], flash_freq[8], flash_size[16]; /* "" when not given */
    unsigned n;
    struct mf_entry e[MF_MAX_ENTRIES];
};

/* Understand text[0..len). `want` picks the build of an esp-web-tools
 * manifest (NULL: the only one). Fails (EB_PROBLEM) when the text is none
 * of the known kinds or names no file, and (EB_USAGE) when a multi-chip
 * manifest needs --chip. */
int mf_parse(const char *text, size_t len, const struct chip *want, struct manifest *out, eb_err *err);

/* "0x1000", "4096", "0X10000" -> address; false unless the whole string is
 * one number below 4 GB. */
bool mf_parse_addr(const char *s, uint32_t *out);

/* True when `path` stays inside the manifest's folder: relative, no drive
 * letter or URL, and no ".." that climbs above the start. */
bool mf_path_is_contained(const char *path);

#endif
