/* flash_parts.h - SPI NOR flash parts, as data: one row per part (JEDEC id,
 * size, status registers at power-up, SFDP table), and the SPI flash
 * command codes and the ESP SPI controller's user-command register bits that
 * every chip from the ESP32 on shares. Sources per row are in flash_parts.c
 * and docs/sim.md. */
#ifndef ESPBURN_FLASH_PARTS_H
#define ESPBURN_FLASH_PARTS_H

#include <stddef.h>
#include <stdint.h>

/* SPI NOR command codes (JESD216 / the parts' datasheets; esptool's
 * run_spiflash_command users: flash_id, read_status, write_status,
 * read_spiflash_sfdp). */
enum flash_cmd {
    FLASH_CMD_WRSR = 0x01,  /* write status register 1 (2 bytes: 1 and 2) */
    FLASH_CMD_WRDI = 0x04,  /* write disable */
    FLASH_CMD_RDSR = 0x05,  /* read status register 1 */
    FLASH_CMD_WREN = 0x06,  /* write enable (sets WEL) */
    FLASH_CMD_WRSR3 = 0x11, /* write status register 3 */
    FLASH_CMD_RDSR3 = 0x15, /* read status register 3 */
    FLASH_CMD_WRSR2 = 0x31, /* write status register 2 */
    FLASH_CMD_RDSR2 = 0x35, /* read status register 2 */
    FLASH_CMD_WEVSR = 0x50, /* write enable for volatile status register */
    FLASH_CMD_SFDP = 0x5A,  /* read SFDP: 24-bit address, 8 dummy cycles */
    FLASH_CMD_RDID = 0x9F,  /* JEDEC id: manufacturer, memory type, capacity */
};
#define FLASH_SR1_WIP        0x01u /* status register 1: write in progress */
#define FLASH_SR1_WEL        0x02u /* status register 1: write enable latch */
#define FLASH_SFDP_ADDR_BITS 24u
#define FLASH_SFDP_DUMMY     8u
#define FLASH_SFDP_SPACE     256u /* bytes of SFDP address space the parts decode (A7..A0) */

/* The SPI controller's user command (esptool run_spiflash_command; ESP-IDF
 * hal spi_flash_ll.h / spimem_flash_ll.h): the same bits on every ESP32-family
 * chip; the register offsets are per chip (struct chip spi_*). */
#define SPI_REG_CMD         0x00u      /* offset of SPI_CMD */
#define SPI_REG_ADDR        0x04u      /* offset of SPI_ADDR */
#define SPI_CMD_USR         (1u << 18) /* SPI_CMD: run the user command; cleared when done */
#define SPI_USR_COMMAND     (1u << 31)
#define SPI_USR_ADDR        (1u << 30)
#define SPI_USR_DUMMY       (1u << 29)
#define SPI_USR_MISO        (1u << 28)
#define SPI_USR_MOSI        (1u << 27)
#define SPI_USR1_ADDR_SHIFT 26u   /* USR1: address bit length - 1 in bits 26..31 */
#define SPI_USR1_DUMMY_MASK 0xFFu /* USR1: dummy cycles - 1 in the low bits */
#define SPI_USR2_VALUE_MASK 0xFFFFu
#define SPI_DLEN_MASK       0x1FFFFFu /* MOSI/MISO_DLEN: bit length - 1 */
#define SPI_DATA_WORDS      16u       /* W0..W15 */

/* How long the part takes (typical figures of its datasheet, microseconds):
 * the virtual board charges them, the flasher plans its streams with them. */
struct flash_timing {
    uint32_t sector_erase_us; /* 4 KB sector erase (tSE) */
    uint32_t block_erase_us;  /* 64 KB block erase, 0xD8 (tBE2) */
    uint32_t page_program_us; /* 256-byte page program (tPP) */
    uint32_t status_write_us; /* status-register write (tW) */
    uint32_t chip_erase_ms;   /* whole chip (tCE) */
};

struct flash_part {
    const char *name;        /* "W25Q128JV" */
    uint32_t jedec_id;       /* as RDID shifts it out: manufacturer in the low byte (W0) */
    uint32_t size;           /* bytes */
    uint8_t status[3];       /* status registers 1..3 at power-up */
    const uint8_t *sfdp;     /* the SFDP table from address 0 (NULL: none) */
    size_t sfdp_len;         /* bytes of it known; the rest of the space reads 0xFF */
    const char *sfdp_source; /* where the bytes come from, in one line */
    struct flash_timing timing;
    const char *timing_source; /* in one line */
};

/* The table, terminated by a row with name == NULL. */
extern const struct flash_part flash_parts[];
const struct flash_part *flash_part_by_name(const char *name);
/* The part with this RDID answer (manufacturer in the low byte); NULL when unknown. */
const struct flash_part *flash_part_by_jedec(uint32_t jedec);
/* The figures planning uses for a part it does not know: the W25Q128JV's. */
const struct flash_timing *flash_timing_or_default(const struct flash_part *p);
/* Byte `addr` of the part's SFDP space (0xFF where nothing is known). */
uint8_t flash_part_sfdp_byte(const struct flash_part *p, uint32_t addr);

#endif
