/* spi_flash.h - the SPI controller's registers (SPI1 on the ESP32, SPI_MEM
 * on later chips) and the flash chip behind them as a command interpreter:
 * a client sets the user-command registers (USR, USR1, USR2, MOSI/MISO_DLEN,
 * ADDR, W0..W15) and sets USR in SPI_CMD; the board runs the command against
 * the board's flash part (chip/flash_parts.h): RDID, RDSR/RDSR2/RDSR3,
 * WREN/WEVSR/WRDI, WRSR/WRSR2/WRSR3, SFDP (0x5A, 24-bit address, 8 dummy
 * cycles). Anything else is traced as unsupported and reads 1s. */
#ifndef ESPBURN_SIM_SPI_FLASH_H
#define ESPBURN_SIM_SPI_FLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "chip/flash_parts.h"

#define SIM_SPI_REGS 64u /* controller registers modelled: offsets 0x00..0xFC */

struct sim_spi {
    uint32_t regs[SIM_SPI_REGS]; /* the controller; cleared by a chip reset */
    uint8_t status[3];           /* the flash chip's status registers 1..3 (not WIP/WEL) */
    bool wel;                    /* write enable latch (WREN) */
    bool wevsr;                  /* WEVSR given: the next status write is allowed */
};

struct sim; /* engine.h */

/* The flash chip at power-up (status registers from its row). */
void sim_spi_power_on(struct sim_spi *spi, const struct flash_part *part);
bool sim_spi_owns(const struct sim *s, uint32_t addr);
uint32_t sim_spi_read(const struct sim *s, uint32_t addr);
/* A masked register write at time t (the flash's busy bit is read at t); a
 * write that sets USR in SPI_CMD runs the user command and clears USR. */
void sim_spi_write(struct sim *s, uint32_t addr, uint32_t value, uint32_t mask, uint64_t t);
/* esptool's stub unlocks the flash at FLASH_BEGIN (stub_write_flash.c
 * SPIUnlock): every status bit cleared but QE (status register 2 bit 1). */
void sim_spi_unlock(struct sim_spi *spi);

#endif
