/* fuzz_sim_rom.c - the virtual board's packet handling on arbitrary bytes:
 * the first byte picks ROM or stub, board, realtime, lines and host rate; the
 * second picks faults; the rest arrives in chunks as a host would send it. Nothing may crash, leak or read outside
 * its buffers; the output queue must drain. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine.h"

static struct sim_flash flash;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (!flash.mem && sim_flash_open(&flash, NULL, 4u << 20, NULL))
        abort();
    uint8_t mode = data[0];
    struct sim_options o = { .board = sim_board_by_name(mode & 4 ? "m5stack-cores3" : "m5stack-atom"),
                             .flash = &flash,
                             .boot_download = true,
                             .realtime = (mode & 2) != 0,
                             .has_lines = (mode & 8) != 0 };
    uint8_t f = data[1];
    o.faults.brownout_write = f & 1 ? 1u + (f >> 4 & 3) : 0;
    o.faults.disconnect_write = f & 2 ? 1u + (f >> 6) : 0;
    o.faults.stop_after = f & 4 ? 1u + (f >> 4) : 0;
    o.faults.corrupt_byte = f & 8 ? 40u + f : 0;
    struct sim s;
    if (sim_init(&s, &o, NULL))
        abort();
    uint64_t now = 1000;
    sim_power_on(&s, now);
    if (mode & 1) { /* pretend the stub runs */
        s.state = SIM_STUB;
        s.spi_attached = true;
        s.declared_flash_size = 16u << 20;
    }
    if (mode & 16)
        sim_set_host_baud(&s, 115200u << (mode >> 5));
    size_t i = 2;
    while (i < size) {
        size_t n = 1 + data[i] % 64;
        i++;
        if (n > size - i)
            n = size - i;
        if (mode & 8 && n == 1)
            sim_set_lines(&s, data[i] & 1, data[i] & 2, now);
        if (s.want_disconnect) { /* the transport would drop and re-accept */
            s.want_disconnect = false;
            sim_power_on(&s, now);
        }
        sim_rx(&s, data + i, n, now);
        i += n;
        now += 5000;
        sim_poll(&s, now);
        const uint8_t *p;
        size_t ready = sim_tx_ready(&s, UINT64_MAX, &p);
        sim_tx_consume(&s, ready);
    }
    sim_free(&s);
    return 0;
}
