/* spi_flash.c - the SPI controller's user command and the flash chip's
 * command interpreter (spi_flash.h). The register layout is the one esptool's
 * run_spiflash_command and ESP-IDF's spi_flash_ll.h / spimem_flash_ll.h
 * program; the commands behave as the parts' datasheets say. */
#include "sim/spi_flash.h"

#include <string.h>

#include "sim/engine.h"

#define SR2_QE        0x02u /* status register 2: quad enable */
#define SPI_MAX_BYTES (4u * SPI_DATA_WORDS)

/* One user command as the registers describe it. */
struct spi_txn {
    uint8_t cmd;
    uint32_t addr_bits, addr, dummy, mosi_bits, miso_bits;
    uint8_t mosi[SPI_MAX_BYTES];
    uint8_t miso[SPI_MAX_BYTES];
};

void sim_spi_power_on(struct sim_spi *spi, const struct flash_part *part)
{
    memset(spi, 0, sizeof *spi);
    memcpy(spi->status, part->status, sizeof spi->status);
}

void sim_spi_unlock(struct sim_spi *spi)
{
    spi->status[0] = 0;
    spi->status[1] &= SR2_QE;
    spi->wel = false;
}

bool sim_spi_owns(const struct sim *s, uint32_t addr)
{
    return addr >= s->chip->spi_base && addr - s->chip->spi_base < 4 * SIM_SPI_REGS && addr % 4 == 0;
}

static uint32_t *reg(struct sim *s, uint32_t offset)
{
    return &s->spi.regs[offset / 4];
}

uint32_t sim_spi_read(const struct sim *s, uint32_t addr)
{
    return s->spi.regs[(addr - s->chip->spi_base) / 4];
}

static uint32_t bitlen(uint32_t dlen_reg)
{
    return (dlen_reg & SPI_DLEN_MASK) + 1;
}

/* Read the phases from the registers. The ESP32 sends SPI_ADDR from its top
 * bit down (ESP-IDF shifts a 24-bit address left by 8); later chips send its
 * low addr_bits bits. */
static void txn_decode(struct sim *s, struct spi_txn *x)
{
    const struct chip *c = s->chip;
    uint32_t usr = *reg(s, c->spi_usr), usr1 = *reg(s, c->spi_usr1), a = *reg(s, SPI_REG_ADDR);
    memset(x, 0, sizeof *x);
    x->cmd = (uint8_t)(*reg(s, c->spi_usr2) & SPI_USR2_VALUE_MASK);
    if (usr & SPI_USR_ADDR) {
        x->addr_bits = (usr1 >> SPI_USR1_ADDR_SHIFT) + 1;
        if (c->spi_addr_msb_first)
            x->addr = x->addr_bits >= 32 ? a : a >> (32 - x->addr_bits);
        else
            x->addr = x->addr_bits >= 32 ? a : a & ((1u << x->addr_bits) - 1);
    }
    x->dummy = usr & SPI_USR_DUMMY ? (usr1 & SPI_USR1_DUMMY_MASK) + 1 : 0;
    x->mosi_bits = usr & SPI_USR_MOSI ? bitlen(*reg(s, c->spi_mosi_dlen)) : 0;
    x->miso_bits = usr & SPI_USR_MISO ? bitlen(*reg(s, c->spi_miso_dlen)) : 0;
    if (x->mosi_bits > 8 * SPI_MAX_BYTES)
        x->mosi_bits = 8 * SPI_MAX_BYTES;
    if (x->miso_bits > 8 * SPI_MAX_BYTES)
        x->miso_bits = 8 * SPI_MAX_BYTES;
    for (uint32_t i = 0; i < (x->mosi_bits + 7) / 8; i++)
        x->mosi[i] = (uint8_t)(*reg(s, c->spi_w0 + 4 * (i / 4)) >> (8 * (i % 4)));
}

/* The received bytes land in W0.. from the low byte up; the rest of the
 * data registers keep what they held (esptool clears W0 before it reads). */
static void txn_store(struct sim *s, const struct spi_txn *x)
{
    for (uint32_t i = 0; i < (x->miso_bits + 7) / 8; i++) {
        uint32_t *w = reg(s, s->chip->spi_w0 + 4 * (i / 4)), shift = 8 * (i % 4);
        *w = (*w & ~(0xFFu << shift)) | (uint32_t)x->miso[i] << shift;
    }
}

static uint8_t status_byte(const struct sim *s, int n, uint64_t t)
{
    uint8_t v = s->spi.status[n];
    if (n == 0) {
        v &= (uint8_t) ~(FLASH_SR1_WIP | FLASH_SR1_WEL);
        v |= (s->spi.wel ? FLASH_SR1_WEL : 0) | (t < s->flash_ready_us ? FLASH_SR1_WIP : 0);
    }
    return v;
}

/* WRSR (one or two bytes), WRSR2, WRSR3: only after WREN or WEVSR, which
 * the write then uses up; WIP and WEL are not writable. */
static void status_write(struct sim *s, const struct spi_txn *x, int first)
{
    if (!s->spi.wel && !s->spi.wevsr) {
        sim_tracef(s, "  flash chip: status write 0x%02x without WREN: ignored, as the part does", x->cmd);
        return;
    }
    uint32_t n = x->mosi_bits / 8;
    for (uint32_t i = 0; i < n && first + (int)i < 3; i++)
        s->spi.status[first + i] = x->mosi[i];
    s->spi.status[0] &= (uint8_t) ~(FLASH_SR1_WIP | FLASH_SR1_WEL);
    s->spi.wel = s->spi.wevsr = false;
}

/* SFDP: the part's table from the address; it needs exactly a 24-bit address
 * and 8 dummy cycles, else the bits the host samples are not the table's. */
static void sfdp_read(struct sim *s, struct spi_txn *x)
{
    const struct flash_part *p = sim_board_flash(s->board);
    if (x->addr_bits != FLASH_SFDP_ADDR_BITS || x->dummy != FLASH_SFDP_DUMMY) {
        sim_tracef(s, "  flash chip: SFDP needs a %u-bit address and %u dummy cycles, got %u and %u: read 1s",
                   FLASH_SFDP_ADDR_BITS, FLASH_SFDP_DUMMY, x->addr_bits, x->dummy);
        memset(x->miso, 0xFF, sizeof x->miso);
        return;
    }
    for (uint32_t i = 0; i < (x->miso_bits + 7) / 8; i++)
        x->miso[i] = x->addr + i < FLASH_SFDP_SPACE ? flash_part_sfdp_byte(p, x->addr + i) : 0xFF;
    sim_tracef(s, "  flash chip: SFDP at 0x%06x, %u bytes", x->addr, (x->miso_bits + 7) / 8);
}

static void txn_run(struct sim *s, struct spi_txn *x, uint64_t t)
{
    const struct flash_part *p = sim_board_flash(s->board);
    switch (x->cmd) {
    case FLASH_CMD_RDID:
        for (int i = 0; i < 3; i++)
            x->miso[i] = (uint8_t)(p->jedec_id >> (8 * i));
        break;
    case FLASH_CMD_RDSR: x->miso[0] = status_byte(s, 0, t); break;
    case FLASH_CMD_RDSR2: x->miso[0] = status_byte(s, 1, t); break;
    case FLASH_CMD_RDSR3: x->miso[0] = status_byte(s, 2, t); break;
    case FLASH_CMD_WREN: s->spi.wel = true; break;
    case FLASH_CMD_WEVSR: s->spi.wevsr = true; break;
    case FLASH_CMD_WRDI: s->spi.wel = s->spi.wevsr = false; break;
    case FLASH_CMD_WRSR: status_write(s, x, 0); break;
    case FLASH_CMD_WRSR2: status_write(s, x, 1); break;
    case FLASH_CMD_WRSR3: status_write(s, x, 2); break;
    case FLASH_CMD_SFDP: sfdp_read(s, x); break;
    default:
        sim_tracef(s,
                   "  flash chip: unsupported command 0x%02X (the board answers RDID, RDSR/2/3, WREN, WEVSR, "
                   "WRDI, WRSR/2/3 and SFDP); read 1s",
                   x->cmd);
        memset(x->miso, 0xFF, sizeof x->miso);
    }
}

static void user_command(struct sim *s, uint64_t t)
{
    struct spi_txn x;
    txn_decode(s, &x);
    if (!(*reg(s, s->chip->spi_usr) & SPI_USR_COMMAND))
        sim_tracef(s, "  flash chip: user command without a command phase: nothing sent");
    else
        txn_run(s, &x, t);
    txn_store(s, &x);
    *reg(s, SPI_REG_CMD) &= ~SPI_CMD_USR; /* done at once: the client's poll sees it clear */
}

void sim_spi_write(struct sim *s, uint32_t addr, uint32_t value, uint32_t mask, uint64_t t)
{
    uint32_t offset = addr - s->chip->spi_base, *r = reg(s, offset);
    *r = (*r & ~mask) | (value & mask);
    if (offset == SPI_REG_CMD && (*r & SPI_CMD_USR))
        user_command(s, t);
}
