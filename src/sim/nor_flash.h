/* nor_flash.h - the virtual board's SPI NOR flash: a byte array with NOR
 * physics (programming only clears bits: new = old AND data; erase sets
 * whole 4 KB sectors back to 0xFF), optionally backed by a file that is
 * mapped, so it always holds the current contents. */
#ifndef ESPBURN_SIM_NOR_FLASH_H
#define ESPBURN_SIM_NOR_FLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define SIM_SECTOR            0x1000u
#define SIM_BLOCK             0x10000u /* 64 KB erase block (command 0xD8) */
#define SIM_SECTORS_PER_BLOCK (SIM_BLOCK / SIM_SECTOR)

struct sim_flash {
    uint8_t *mem;
    uint32_t size;
    bool mapped; /* mem is a shared mapping of a file */
};

/* Open `path` (created 0xFF-filled at `size` bytes when missing; an
 * existing file must have exactly that size). path NULL: memory only. */
int sim_flash_open(struct sim_flash *f, const char *path, uint32_t size, eb_err *err);
/* Write the mapping back to the file (no-op in memory). */
int sim_flash_sync(struct sim_flash *f, eb_err *err);
void sim_flash_close(struct sim_flash *f);

bool sim_flash_in_range(const struct sim_flash *f, uint32_t addr, uint32_t len);
/* Erase every sector that [addr, addr+len) touches. The range must fit. */
void sim_flash_erase(struct sim_flash *f, uint32_t addr, uint32_t len);
/* Program: each byte becomes old AND new. The range must fit. */
void sim_flash_program(struct sim_flash *f, uint32_t addr, const uint8_t *data, uint32_t len);

#endif
