/* frame.h - the ROM protocol's packets as bytes: building a request,
 * parsing a response (direction, opcode, value, payload, status bytes),
 * and reading the boot text that arrives outside frames. Pure functions
 * over buffers: safe on any input, no I/O. */
#ifndef ESPBURN_FRAME_H
#define ESPBURN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* A decoded response. `data` points into the frame it was parsed from. */
struct esp_response {
    uint8_t op;
    uint32_t value;      /* READ_REG result, SYNC marker */
    const uint8_t *data; /* payload before the status bytes */
    size_t data_len;
    uint8_t failed; /* status byte 0: non-zero = the command failed */
    uint8_t error;  /* status byte 1: ROM/stub error code */
};

/* Append the SLIP-encoded request (op, payload, checksum word) to out. */
int esp_request_encode(bytes *out, uint8_t op, const uint8_t *payload, size_t n, uint32_t checksum);

/* Parse a (SLIP-decoded) frame as a response. `status_len` is 4 (ROM) or
 * 2 (stub); `expect_len` is the payload length the command returns before
 * its status, or -1 when unknown (then the status is the frame's last
 * status_len bytes). Returns 0, or -1 when the frame is not a well-formed
 * response (wrong direction, too short, length field beyond the frame). */
int esp_response_parse(const uint8_t *frame, size_t n, unsigned status_len, int expect_len,
                       struct esp_response *out);

/* The boot mode the ROM read from its strapping pins (GPIO0 ...), as the
 * "boot:0xNN (MODE)" line it printed while we connected shows it. */
enum esp_boot_strap {
    ESP_STRAP_UNSEEN,   /* no "boot:0x.." line */
    ESP_STRAP_DOWNLOAD, /* download mode ("DOWNLOAD_BOOT", "waiting for download") */
    ESP_STRAP_FLASH,    /* booted from flash: GPIO0 was high */
};

/* Find the last "boot:0xNN (NAME)" line in text[0..n) and classify it by
 * the mode name (or, failing that, the GPIO0 strapping bit 0x10). The
 * line itself is copied into `line` (NUL-terminated) when given. */
enum esp_boot_strap esp_strap_from_text(const char *text, size_t n, char *line, size_t linecap);

/* The last "rst:0x.. (REASON)" line in text[0..n) (a chip that reset and
 * printed its ROM banner), copied into line; false when there is none. */
bool esp_reset_line_in_text(const char *text, size_t n, char *line, size_t linecap);

#endif
