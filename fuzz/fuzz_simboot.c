/* fuzz_simboot.c - the boot chain on arbitrary flash contents. The input
 * is split into three parts written at the bootloader offset, the
 * partition table (0x8000) and the first app (0x10000), the flash ending
 * right after the last; its first byte picks the board and the faults.
 * Every round must end in a known way with ordered marks covering the text. */
#include <stdlib.h>
#include <string.h>

#include "sim/board.h"
#include "sim/simboot.h"

static const char *const boards[] = { "m5stack-fire", "m5stack-core2", "m5stack-cores3" };

static void check(const struct simboot_out *o)
{
    if (o->stop != SIMBOOT_STOP_RESET && o->stop != SIMBOOT_STOP_APP)
        abort();
    if (o->nmarks == 0 || o->marks[o->nmarks - 1].end != o->text.len)
        abort();
    for (size_t i = 1; i < o->nmarks; i++)
        if (o->marks[i].end <= o->marks[i - 1].end || o->marks[i].at_us < o->marks[i - 1].at_us)
            abort();
    if (o->stop == SIMBOOT_STOP_RESET && (!o->next_rst[0] || o->reset_after_us == 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const struct sim_board *b = sim_board_by_name(boards[data[0] % 3]);
    const struct chip *chip = sim_board_chip(b);
    size_t n1 = data[1] * 16u, n2 = data[2] * 16u, rest = size - 3;
    n1 = n1 < rest ? n1 : rest;
    n2 = n2 < rest - n1 ? n2 : rest - n1;
    size_t n3 = rest - n1 - n2;
    uint32_t flash_size = 0x10000 + (uint32_t)n3;
    uint8_t *flash = malloc(flash_size);
    memset(flash, 0xFF, flash_size);
    memcpy(flash + chip->bootloader_offset, data + 3, n1 < 0x7000 ? n1 : 0x7000);
    memcpy(flash + 0x8000, data + 3 + n1, n2 < 0x8000 ? n2 : 0x8000);
    memcpy(flash + 0x10000, data + 3 + n1 + n2, n3);
    char rst[SIMBOOT_RST_LEN];
    struct simboot_in in = { .chip = chip,
                             .banner = b->banner,
                             .rst = simboot_rst(chip, CHIP_RST_POWERON, rst),
                             .boot = b->boot_flash,
                             .flash = flash,
                             .flash_size = flash_size,
                             .faults = (data[0] >> 2) & 3 };
    struct simboot_out o;
    if (simboot_run(&in, &o, NULL) == 0) {
        check(&o);
        simboot_out_free(&o);
    }
    free(flash);
    return 0;
}
