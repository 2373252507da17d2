/* memory.h - the virtual board's RAM: the chip's RAM regions (DRAM, IRAM,
 * the cache blocks usable as RAM, RTC fast and slow memory), taken from the
 * chip table's memory map, kept as sparse 4 KB pages allocated on the first
 * write. RAM never written reads 0. Addresses outside those regions are not
 * RAM: the caller (the register bus in commands.c) decides what they are. */
#ifndef ESPBURN_SIM_MEMORY_H
#define ESPBURN_SIM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chips.h"

#define SIM_RAM_PAGE 4096u

struct sim_ram_page {
    uint32_t base;
    uint8_t bytes[SIM_RAM_PAGE];
};

struct sim_ram {
    const struct chip *chip;
    struct sim_ram_page **pages; /* sorted by base */
    size_t n, cap;
};

void sim_ram_init(struct sim_ram *m, const struct chip *chip);
/* Power lost: every page goes (and its memory). */
void sim_ram_clear(struct sim_ram *m);
/* The RAM region holding [addr, addr+len), or NULL when any byte of it is not RAM. */
const struct mem_region *sim_ram_region(const struct sim_ram *m, uint32_t addr, uint32_t len);
/* Copy in / out; false (nothing done) when the range is not all RAM, or a
 * page cannot be allocated (write). */
bool sim_ram_write(struct sim_ram *m, uint32_t addr, const uint8_t *p, uint32_t len);
bool sim_ram_read(const struct sim_ram *m, uint32_t addr, uint8_t *out, uint32_t len);

#endif
