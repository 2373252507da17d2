/* fuzz_slip.c - the SLIP decoder on arbitrary bytes: every frame it yields
 * must re-encode and decode to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/slip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t store[256], again[256];
    struct slip_decoder d, d2;
    slip_decoder_init(&d, store, sizeof store);
    for (size_t i = 0; i < size; i++) {
        if (slip_feed(&d, data[i]) != SLIP_FRAME)
            continue;
        bytes wire = { 0 };
        if (slip_encode(&wire, d.frame, d.len))
            abort();
        slip_decoder_init(&d2, again, sizeof again);
        enum slip_event last = SLIP_NONE;
        for (size_t j = 0; j < wire.len; j++)
            if ((last = slip_feed(&d2, wire.data[j])) == SLIP_FRAME)
                break;
        if (last != SLIP_FRAME || d2.len != d.len || memcmp(d2.frame, d.frame, d.len) != 0)
            abort();
        bytes_free(&wire);
    }
    return 0;
}
