/* loader_chip.c - what the connected chip is: detection (security info or
 * magic register), its eFuse facts (the words its layout row names, read
 * with READ_REG and decoded by chip_efuse_decode), the crystal, the
 * security state, and the SPI flash: attach, JEDEC id through the SPI
 * user-command registers, size parameters. The facts are the chip table's
 * (chip/chip_efuse.h); this file is the protocol that reads them. */
#include "loader/loader.h"

#include <stdio.h>
#include <string.h>

#include "loader/protocol.h"

#define SECURITY_INFO_LEN   20 /* flags, crypt cnt, 7 key purposes, chip id, api version */
#define SECURITY_INFO_SHORT 12 /* ESP32-S2: no chip id */
#define SEC_SECURE_BOOT_EN  (1u << 0)
#define SEC_SECURE_DOWNLOAD (1u << 2)

static int get_security_info(struct loader *l, struct esp_response *r, eb_err *err)
{
    return loader_cmd(l, OP_GET_SECURITY_INFO, NULL, 0, 0, r, err);
}

int loader_detect_chip(struct loader *l, eb_err *err)
{
    struct esp_response r;
    eb_err ignore;
    if (get_security_info(l, &r, &ignore) == 0 && r.data_len >= SECURITY_INFO_LEN) {
        uint32_t id = rd_le32(r.data + 12);
        l->chip = chip_by_image_id((uint16_t)id);
        if (l->chip)
            return 0;
        return eb_fail(err, EB_PROBLEM,
                       "the chip reports chip id %u, which espburn does not know; "
                       "is espburn up to date?",
                       id);
    }
    uint32_t magic;
    if (loader_read_reg(l, ESP_MAGIC_REG, &magic, err))
        return eb_wrap(err, "detecting the chip");
    l->chip = chip_by_magic(magic);
    if (!l->chip)
        return eb_fail(err, EB_PROBLEM,
                       "unknown chip magic value 0x%08X at 0x%08X; is this an ESP32-family "
                       "chip in download mode?",
                       magic, ESP_MAGIC_REG);
    return 0;
}

/* ---- eFuse facts ------------------------------------------------------- */

/* The UART divider the ROM set for the current rate gives the crystal. */
static int crystal_mhz(struct loader *l, int *mhz, eb_err *err)
{
    uint32_t div;
    if (loader_read_reg(l, l->chip->uart_clkdiv_reg, &div, err))
        return -1;
    double est = (double)l->port->baud * (div & 0xFFFFF) / 1e6;
    *mhz = est > 45 ? 48 : est > 36 ? 40 : est > 29 ? 32 : 26; /* 32 MHz: ESP32-H2 */
    return 0;
}

/* Read the eFuse words (and the extra register) the chip's layout names. */
static int read_efuse_words(struct loader *l, struct efuse_words *e, eb_err *err)
{
    const struct chip_efuse *t = l->chip->efuse;
    memset(e, 0, sizeof *e);
    for (unsigned b = 0; b < EFUSE_BLOCKS; b++)
        for (unsigned w = 0; w < EFUSE_BLOCK_WORDS; w++) {
            if (!chip_efuse_reads(l->chip, b, w))
                continue;
            uint32_t addr = l->chip->efuse_base + t->block_offset[b] + 4u * w;
            if (loader_read_reg(l, addr, &e->blk[b][w], err))
                return eb_wrap(err, "reading eFuse BLOCK%u word %u", b, w);
        }
    if (t->rev_reg && loader_read_reg(l, t->rev_reg, &e->rev_reg, err))
        return eb_wrap(err, "reading the chip revision register");
    return 0;
}

/* The ESP32 ROM derives the new rate from its 8 MHz oscillator's
 * calibration; esptool scales the request so the real rate comes out right.
 * CK8M is eFuse word 4's low byte. */
static int rc_oscillator_baud(struct loader *l, uint32_t baud, uint32_t *arg, eb_err *err)
{
    uint32_t cal, efuse4;
    if (loader_read_reg(l, l->chip->rom_baud_cal_reg, &cal, err) ||
        loader_read_reg(l, l->chip->efuse_base + 16, &efuse4, err))
        return -1;
    double rom_freq = (double)((cal >> 7) & 0x01FFFFFF) * 15625.0 * (efuse4 & 0xFF) / 40.0;
    double valid = rom_freq > 33e6 ? 40e6 : 26e6;
    *arg = rom_freq > 0 ? (uint32_t)((double)baud * rom_freq / valid) : baud;
    return 0;
}

static void security_from_rom(struct loader *l, struct security_info *s)
{
    struct esp_response r;
    eb_err ignore;
    if (get_security_info(l, &r, &ignore) || r.data_len < SECURITY_INFO_SHORT)
        return;
    s->known = true;
    snprintf(s->source, sizeof s->source, "GET_SECURITY_INFO");
    s->flags = rd_le32(r.data);
    s->flash_crypt_cnt = r.data[4];
    s->flash_encryption = __builtin_popcount(s->flash_crypt_cnt) % 2 == 1;
    s->secure_boot = s->flags & SEC_SECURE_BOOT_EN;
    s->secure_boot_version = s->secure_boot ? 2 : 0; /* chips with this command have only V2 */
    s->secure_download = s->flags & SEC_SECURE_DOWNLOAD;
}

int loader_chip_facts(struct loader *l, struct chip_facts *out, eb_err *err)
{
    chip_facts_init(out, l->chip);
    if (!l->chip)
        return eb_fail(err, EB_IO, "internal: chip facts asked before detection");
    if (l->chip->rom_has_security_info)
        security_from_rom(l, &out->security);
    if (out->security.secure_download)
        return 0; /* the ROM refuses READ_REG: no eFuse facts to read */
    struct efuse_words e;
    if (read_efuse_words(l, &e, err))
        return -1;
    chip_efuse_decode(l->chip, &e, out);
    return crystal_mhz(l, &out->xtal_mhz, err);
}

int loader_rom_baud_arg(struct loader *l, uint32_t baud, uint32_t *arg, eb_err *err)
{
    *arg = baud;
    return (l->chip && l->chip->rom_baud_cal_reg && !l->stub) ? rc_oscillator_baud(l, baud, arg, err) : 0;
}

/* ---- SPI flash -------------------------------------------------------- */

int loader_spi_attach(struct loader *l, uint32_t pads, eb_err *err)
{
    uint8_t p[8] = { 0 };
    wr_le32(p, pads);
    if (loader_cmd(l, OP_SPI_ATTACH, p, l->stub ? 4 : 8, 0, NULL, err))
        return eb_wrap(err, "attaching the SPI flash");
    return 0;
}

#define SPI_CMD_USR     (1u << 18)
#define SPI_USR_COMMAND (1u << 31)
#define SPI_USR_MISO    (1u << 28)

/* Run a flash command that sends one opcode and reads back read_bits. */
static int spiflash_read_command(struct loader *l, uint8_t cmd, unsigned read_bits, uint32_t *out,
                                 eb_err *err)
{
    const struct chip *c = l->chip;
    uint32_t base = c->spi_base, old_usr, old_usr2, v = 0;
    if (loader_read_reg(l, base + c->spi_usr, &old_usr, err) ||
        loader_read_reg(l, base + c->spi_usr2, &old_usr2, err) ||
        loader_write_reg(l, base + c->spi_miso_dlen, read_bits - 1, err) ||
        loader_write_reg(l, base + c->spi_usr, SPI_USR_COMMAND | SPI_USR_MISO, err) ||
        loader_write_reg(l, base + c->spi_usr2, (7u << 28) | cmd, err) ||
        loader_write_reg(l, base + c->spi_w0, 0, err) || loader_write_reg(l, base, SPI_CMD_USR, err))
        return -1;
    int tries = 0;
    do {
        if (loader_read_reg(l, base, &v, err))
            return -1;
    } while ((v & SPI_CMD_USR) && ++tries < 10);
    if (v & SPI_CMD_USR)
        return eb_fail(err, EB_IO, "the SPI flash command 0x%02X did not complete; is the flash attached?",
                       cmd);
    if (loader_read_reg(l, base + c->spi_w0, out, err) ||
        loader_write_reg(l, base + c->spi_usr, old_usr, err) ||
        loader_write_reg(l, base + c->spi_usr2, old_usr2, err))
        return -1;
    return 0;
}

int loader_flash_id(struct loader *l, uint32_t *jedec, eb_err *err)
{
    if (spiflash_read_command(l, 0x9F, 24, jedec, err))
        return eb_wrap(err, "reading the flash JEDEC id");
    *jedec &= 0xFFFFFF;
    return 0;
}

uint32_t flash_size_from_jedec(uint32_t jedec)
{
    unsigned cap = (jedec >> 16) & 0xFF;
    if (cap >= 0x12 && cap <= 0x1C)
        return 1u << cap;
    if (cap >= 0x32 && cap <= 0x3C) /* some vendors count from 0x32 */
        return 1u << (cap - 0x20);
    return 0;
}

const char *flash_manufacturer_name(uint8_t id)
{
    static const struct {
        uint8_t id;
        const char *name;
    } makers[] = {
        { 0xC8, "GigaDevice" }, { 0xEF, "Winbond" }, { 0x20, "XMC / Micron" }, { 0x68, "Boya" },
        { 0xC2, "Macronix" },   { 0x1C, "EON" },     { 0x5E, "Zbit" },         { 0x85, "Puya" },
        { 0x0B, "XTX" },        { 0x9D, "ISSI" },    { 0xA1, "Fudan" },        { 0x46, "FMD" },
        { 0xBA, "Zetta" },
    };
    for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++)
        if (makers[i].id == id)
            return makers[i].name;
    return "unknown";
}

int loader_spi_set_params(struct loader *l, uint32_t size, eb_err *err)
{
    uint8_t p[24];
    wr_le32(p, 0);
    wr_le32(p + 4, size);
    wr_le32(p + 8, 0x10000);
    wr_le32(p + 12, ESP_FLASH_SECTOR);
    wr_le32(p + 16, 0x100);
    wr_le32(p + 20, 0xFFFF);
    if (loader_cmd(l, OP_SPI_SET_PARAMS, p, sizeof p, 0, NULL, err))
        return eb_wrap(err, "setting the flash parameters");
    l->flash_size = size;
    return 0;
}
