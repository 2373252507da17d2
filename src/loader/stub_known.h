/* stub_known.h - the flasher stub images espburn knows, by the SHA-256 of
 * their text and data segments (never by their shape), and which kind of
 * stub each is. The loader asks it which stub it started (the write plan
 * differs: device_flash.c); the virtual board asks it which model of the
 * stub's flash work to run (docs/sim.md "Stubs"). */
#ifndef ESPBURN_STUB_KNOWN_H
#define ESPBURN_STUB_KNOWN_H

#include <stdint.h>

#include "common/hash.h"

enum stub_kind {
    STUB_KIND_UNKNOWN,     /* an image not in the table */
    STUB_KIND_ESPTOOL,     /* esptool's flasher stub (esptool-legacy-flasher-stub) */
    STUB_KIND_ESP_FLASHER, /* esp-flasher-stub (esptool v5.3+, esptool-js 0.7) */
};

struct stub_known_row {
    const char *source; /* where the image ships: "esptool-js 0.5.7 stub_flasher_32.json" */
    enum stub_kind kind;
    const char *text_sha256; /* hex, of the text segment as uploaded */
    const char *data_sha256; /* hex, of the data segment */
};

/* The row whose text and data digests are both among `digests` (one per
 * uploaded segment); NULL when none is. The digests say the chip too: each
 * image is built for one. */
const struct stub_known_row *stub_known_identify(const uint8_t (*digests)[EB_SHA256_LEN], int n);
const char *stub_kind_name(enum stub_kind k);

#endif
