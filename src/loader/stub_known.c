/* stub_known.c - the stub images espburn knows, one row each: the
 * digests were computed from the JSON files the npm packages ship (text and
 * data base64-decoded, SHA-256), never from anything the board receives. */
#include "loader/stub_known.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct stub_known_row stub_rows[] = {
    { "esptool-js 0.5.7 stub_flasher_32.json", STUB_KIND_ESPTOOL,
      "c3d3ddfa74e6b41710863f07a2d0496bb6f758a2011bf1d9cdd5b280479db6b9",
      "d28a40ec32f40afd656ddbc1a89b0cc042203548dfa255617b55067d80350f2f" },
    { "esptool-js 0.5.7 stub_flasher_32c3.json", STUB_KIND_ESPTOOL,
      "9b8c66b2975c18c28464869050541b847e683fe0b5345b3163176ee55c7372f7",
      "d8a11ba0605663eda7b3f00331ff62d904762faf91507fdfbe25ca539b1ba214" },
    { "esptool-js 0.5.7 stub_flasher_32s3.json", STUB_KIND_ESPTOOL,
      "14ab7c0beb0520624f7c14f4547f9c42657e651f50c19106cb510477751c8e29",
      "0ed9e45f3c15a144281066dc7c50db6ae4e936bad0fea257d7453a6ec16752f5" },
    { "esptool-js 0.7.0 esp32.json (esp-flasher-stub)", STUB_KIND_ESP_FLASHER,
      "fc5fb606754d152b9b9e4f20c72fdad83d1d99b1b139744bc53cc160b1edd570",
      "580837cfef9d57b223a4d30cf634dad72f1fdcc19b499ca62b514b487a0c3438" },
    { "esptool-js 0.7.0 esp32c3.json (esp-flasher-stub)", STUB_KIND_ESP_FLASHER,
      "c06cc1a34a02d8f8755692cf89843b388978d19a255b0d9c26b10a0f41a90ffb",
      "2cb1bc0835895d6818c8c2c6a32dacd248f8b78b0cd0a8dc500c7f1c300ec979" },
    { "esptool-js 0.7.0 esp32s3.json (esp-flasher-stub)", STUB_KIND_ESP_FLASHER,
      "c37a7d12d52633fd629fbed13f3a7418216af368d8e80f17853ce6de29741374",
      "75be8e20e5c91b2b92cd02be9abe2462436648780e4878ea173598c5ed14df93" },
};

static bool among(const char *hex, const uint8_t (*digests)[EB_SHA256_LEN], int n)
{
    for (int i = 0; i < n; i++) {
        char h[2 * EB_SHA256_LEN + 1];
        for (int k = 0; k < EB_SHA256_LEN; k++)
            snprintf(h + 2 * k, 3, "%02x", digests[i][k]);
        if (strcmp(h, hex) == 0)
            return true;
    }
    return false;
}

const struct stub_known_row *stub_known_identify(const uint8_t (*digests)[EB_SHA256_LEN], int n)
{
    for (size_t i = 0; i < sizeof stub_rows / sizeof stub_rows[0]; i++) {
        const struct stub_known_row *r = &stub_rows[i];
        if (among(r->text_sha256, digests, n) && among(r->data_sha256, digests, n))
            return r;
    }
    return NULL;
}

const char *stub_kind_name(enum stub_kind m)
{
    switch (m) {
    case STUB_KIND_ESPTOOL: return "esptool's flasher stub";
    case STUB_KIND_ESP_FLASHER: return "esp-flasher-stub";
    case STUB_KIND_UNKNOWN: break;
    }
    return "unknown";
}
