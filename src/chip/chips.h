/* chips.h - what espburn knows about each ESP chip, as data.
 *
 * One row per chip (see chips.c), in the spirit of flashrom's chip tables:
 * image chip id, ROM magic values, bootloader offset, memory map, flash
 * header codes and the registers the loader needs, and from the row its
 * eFuse layout (chip_efuse.h) and ROM facts (chip_rom.h), so a chip is
 * added in one place. Code asks the table; it never tests
 * `if (chip == ...)` nor names a chip in a string
 * (tests/unit/test_chip_selfcheck.c checks the rows and the sources). */
#ifndef ESPBURN_CHIPS_H
#define ESPBURN_CHIPS_H

#include <stdbool.h>
#include <stdint.h>

struct chip_efuse;
struct chip_rom;

enum mem_kind {
    MEM_NONE = 0,
    MEM_DROM,     /* flash mapped, data (cache) */
    MEM_IROM,     /* flash mapped, instructions (cache) */
    MEM_DRAM,     /* internal data RAM */
    MEM_IRAM,     /* internal instruction RAM */
    MEM_CACHE,    /* cache memory usable as RAM (ESP32 bootloaders use it) */
    MEM_RTC_FAST, /* RTC / LP fast memory */
    MEM_RTC_SLOW, /* RTC / LP slow memory */
    MEM_EXTRAM,   /* external PSRAM window */
};

struct mem_region {
    const char *name;    /* as esptool names it: "DROM", "IRAM", ... */
    uint32_t start, end; /* [start, end) */
    enum mem_kind kind;
};

#define CHIP_MAX_REGIONS 12
#define CHIP_MAX_MAGICS  4
#define CHIP_MAX_FREQS   6

struct flash_freq {
    const char *name; /* "40m" */
    uint8_t code;     /* low nibble of image header byte 3 */
};

struct chip {
    const char *name;                /* "esp32s3": the --chip spelling */
    const char *display;             /* "ESP32-S3": how humans and esp-web-tools write it */
    uint16_t image_chip_id;          /* image header bytes 12-13, GET_SECURITY_INFO chip id */
    uint32_t magic[CHIP_MAX_MAGICS]; /* values of the register at 0x40001000 (0 = unused slot) */
    uint32_t bootloader_offset;
    uint32_t mmu_page_size; /* 0: read it from the app descriptor (C2/C6/H2...) */
    uint32_t uf2_family;
    struct mem_region regions[CHIP_MAX_REGIONS];
    struct flash_freq freqs[CHIP_MAX_FREQS];

    /* Loader facts (ROM protocol). */
    bool rom_has_security_info;       /* GET_SECURITY_INFO answered by the ROM */
    bool rom_flash_begin_has_encrypt; /* FLASH_BEGIN takes a 5th word */
    uint32_t spi_base;                /* SPI0/1 controller used for RDID */
    uint8_t spi_usr, spi_usr1, spi_usr2, spi_mosi_dlen, spi_miso_dlen, spi_w0; /* offsets */
    uint32_t efuse_base;                                                       /* eFuse read registers */
    uint32_t uart_clkdiv_reg; /* UART0 clock divider (baud) */
    bool spi_addr_msb_first;  /* user commands send SPI_ADDR from bit 31 down (ESP32) */
    uint32_t
        rom_baud_cal_reg; /* ESP32: the ROM derives rates from its RC oscillator calibrated here; 0: none */

    const struct chip_efuse *efuse; /* eFuse layout (chip_efuse.c); never NULL */
    const struct chip_rom *rom;     /* ROM facts (chip_rom.c); never NULL: an unknown ROM's row says why */
};

/* The table, terminated by a row with name == NULL. */
extern const struct chip chip_table[];

const struct chip *chip_by_name(const char *name); /* "esp32-s3", "ESP32S3", "esp32s3" */
/* The chip assumed when nothing names one: the first row, the ESP32. */
const struct chip *chip_default(void);
const struct chip *chip_by_image_id(uint16_t id);
const struct chip *chip_by_magic(uint32_t magic);
const struct chip *chip_by_uf2_family(uint32_t family);

/* Region of `addr` for `chip`, or NULL when it lands in none. */
const struct mem_region *chip_region(const struct chip *chip, uint32_t addr);
bool mem_kind_is_flash_mapped(enum mem_kind kind);

/* Flash header size nibble <-> bytes ("4MB" = 0x2). -1 when unknown. */
int flash_size_code(uint32_t bytes);
uint32_t flash_size_bytes(uint8_t code); /* 0 when unknown */
/* Parse "4MB", "16M", "4194304", "0x400000"; 0 on error. */
uint32_t flash_size_parse(const char *s);

/* Header frequency code for `name` ("40m") on `chip`, or -1. */
int chip_freq_code(const struct chip *chip, const char *name);
const char *chip_freq_name(const struct chip *chip, uint8_t code); /* NULL if unknown */

extern const char *const flash_mode_names[4]; /* qio qout dio dout */
int flash_mode_code(const char *name);        /* -1 when unknown */

#endif
