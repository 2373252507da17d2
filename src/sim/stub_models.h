/* stub_models.h - the flasher stubs the virtual board stands in for, known
 * by the SHA-256 of their text and data segments (never by their shape), and
 * which model of the stub's flash work each one gets (docs/sim.md "Stubs"). */
#ifndef ESPBURN_SIM_STUB_MODELS_H
#define ESPBURN_SIM_STUB_MODELS_H

#include <stdint.h>

#include "common/hash.h"

enum sim_stub_model {
    SIM_STUB_UNKNOWN,     /* not a stub the board knows: it stays silent */
    SIM_STUB_ESPTOOL,     /* esptool's flasher stub (esptool-legacy-flasher-stub) */
    SIM_STUB_ESP_FLASHER, /* esp-flasher-stub (esptool v5.3+, esptool-js 0.7) */
};

struct sim_stub_row {
    const char *source; /* where the image ships: "esptool-js 0.5.7 stub_flasher_32.json" */
    enum sim_stub_model model;
    const char *text_sha256; /* hex, of the text segment as uploaded */
    const char *data_sha256; /* hex, of the data segment */
};

/* The row whose text and data digests are both among `digests` (one per
 * uploaded segment); NULL when none is. The digests say the chip too: each
 * image is built for one. */
const struct sim_stub_row *sim_stub_identify(const uint8_t (*digests)[EB_SHA256_LEN], int n);
const char *sim_stub_model_name(enum sim_stub_model m);

#endif
