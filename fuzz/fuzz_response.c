/* fuzz_response.c - what the loader does with bytes from a board: SLIP
 * frames parsed as responses (ROM and stub status lengths, known and
 * unknown payload lengths) and the boot text read for the boot mode. The
 * parsed payload and status must always lie inside the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/frame.h"
#include "loader/slip.h"

static void check_frame(const uint8_t *f, size_t n)
{
    static const int expects[] = { -1, 0, 16, 32, 64 };
    for (unsigned status = 2; status <= 4; status += 2)
        for (size_t k = 0; k < sizeof expects / sizeof expects[0]; k++) {
            struct esp_response r;
            if (esp_response_parse(f, n, status, expects[k], &r))
                continue;
            if (r.data < f + 8 || r.data + r.data_len + status > f + n)
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t store[0x4400];
    struct slip_decoder d;
    slip_decoder_init(&d, store, sizeof store);
    for (size_t i = 0; i < size; i++)
        if (slip_feed(&d, data[i]) == SLIP_FRAME)
            check_frame(d.frame, d.len);
    check_frame(data, size);
    char line[96];
    esp_strap_from_text((const char *)data, size, line, sizeof line);
    if (strlen(line) >= sizeof line)
        abort();
    return 0;
}
