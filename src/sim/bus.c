/* bus.c - the virtual board's address space as READ_REG, WRITE_REG and
 * MEM_DATA see it (bus.h). */
#include "sim/bus.h"

#include "common/bytes.h"
#include "loader/protocol.h"
#include "sim/memory.h"
#include "sim/spi_flash.h"

/* Registers that are read-only facts of the chip or the board. */
static bool fixed_reg(const struct sim *s, uint32_t addr, uint32_t *v)
{
    if (addr == ESP_MAGIC_REG) {
        *v = s->board->magic;
        return true;
    }
    if (addr == s->chip->uart_clkdiv_reg) {
        *v = sim_clkdiv(s);
        return true;
    }
    return sim_board_reg(s->board, addr, v);
}

uint32_t sim_bus_read(struct sim *s, uint32_t addr)
{
    uint32_t v;
    uint8_t w[4];
    addr &= ~3u;
    if (fixed_reg(s, addr, &v))
        return v;
    if (sim_spi_owns(s, addr))
        return sim_spi_read(s, addr);
    if (sim_ram_read(&s->ram, addr, w, 4))
        return rd_le32(w);
    sim_tracef(s, "  read of 0x%08x: no RAM or modelled register there; answered 0", addr);
    return 0;
}

void sim_bus_write(struct sim *s, uint32_t addr, uint32_t value, uint32_t mask, uint64_t t)
{
    uint32_t v;
    uint8_t w[4];
    addr &= ~3u;
    if (sim_spi_owns(s, addr)) {
        sim_spi_write(s, addr, value, mask, t);
    } else if (sim_ram_read(&s->ram, addr, w, 4)) {
        wr_le32(w, (rd_le32(w) & ~mask) | (value & mask));
        if (!sim_ram_write(&s->ram, addr, w, 4))
            sim_tracef(s, "  write of 0x%08x: out of memory for the RAM page; dropped", addr);
    } else if (fixed_reg(s, addr, &v)) {
        sim_tracef(s,
                   "  write of 0x%08x: a read-only register here (ROM, eFuse or not modelled as writable); "
                   "dropped",
                   addr);
    } else {
        sim_tracef(s, "  write of 0x%08x: no RAM or modelled register there; dropped", addr);
    }
}

bool sim_bus_load(struct sim *s, uint32_t addr, const uint8_t *p, uint32_t n)
{
    if (sim_ram_write(&s->ram, addr, p, n))
        return true;
    sim_tracef(s, "  MEM_DATA to 0x%08x (%u bytes): not all RAM on this chip; the bytes are dropped", addr,
               n);
    return false;
}
