/* bus.h - what READ_REG and WRITE_REG reach on the virtual board, in order:
 * the ROM's magic word, UART0's clock divider, the board's read-only
 * registers (eFuse words, APB_CTL_DATE, ...), the SPI controller and its
 * flash chip (spi_flash.h), the chip's RAM (memory.h). Anything else is not
 * modelled: a read answers 0 and a write is dropped, each with a trace line
 * (what the chip's ROM does there is not documented; docs/sim.md). */
#ifndef ESPBURN_SIM_BUS_H
#define ESPBURN_SIM_BUS_H

#include <stdint.h>

#include "sim/engine.h"

/* A 32-bit load from addr (aligned down to 4). */
uint32_t sim_bus_read(struct sim *s, uint32_t addr);
/* A masked 32-bit store at time t: new = (old & ~mask) | (value & mask). */
void sim_bus_write(struct sim *s, uint32_t addr, uint32_t value, uint32_t mask, uint64_t t);
/* Bytes a client loads with MEM_DATA; false when [addr, addr+n) is not all RAM. */
bool sim_bus_load(struct sim *s, uint32_t addr, const uint8_t *p, uint32_t n);

#endif
