/* chips.c - the chip table. Figures come from Espressif's technical
 * reference manuals and esptool's targets/<chip>.py (memory maps, magic
 * values, SPI register offsets, eFuse bases). Each row points to its eFuse
 * layout (chip_efuse.c) and ROM facts (chip_rom.c): adding a chip means
 * adding its row here and the two it points to; test_chip_selfcheck says
 * what is missing. */
#include "chip/chips.h"

#include "chip/chip_efuse.h"
#include "chip/chip_rom.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define R(n, s, e, k) \
    {                 \
        n, s, e, k    \
    }

const struct chip chip_table[] = {
    {
        .name = "esp32", .display = "ESP32", .image_chip_id = 0,
        .magic = { 0x00F01D83 },
        .bootloader_offset = 0x1000, .mmu_page_size = 0x10000, .uf2_family = 0x1C5F21B0,
        .regions = {
            R("DROM", 0x3F400000, 0x3F800000, MEM_DROM),
            R("EXTRAM_DATA", 0x3F800000, 0x3FC00000, MEM_EXTRAM),
            R("RTC_DRAM", 0x3FF80000, 0x3FF82000, MEM_RTC_FAST),
            R("DRAM", 0x3FFAE000, 0x40000000, MEM_DRAM),
            R("CACHE_PRO", 0x40070000, 0x40078000, MEM_CACHE),
            R("CACHE_APP", 0x40078000, 0x40080000, MEM_CACHE),
            R("IRAM", 0x40080000, 0x400C0000, MEM_IRAM),
            R("RTC_IRAM", 0x400C0000, 0x400C2000, MEM_RTC_FAST),
            R("IROM", 0x400D0000, 0x40400000, MEM_IROM),
            R("RTC_DATA", 0x50000000, 0x50002000, MEM_RTC_SLOW),
        },
        .freqs = { { "40m", 0x0 }, { "26m", 0x1 }, { "20m", 0x2 }, { "80m", 0xF } },
        .rom_has_security_info = false, .rom_flash_begin_has_encrypt = false,
        .spi_base = 0x3FF42000, .spi_usr = 0x1C, .spi_usr1 = 0x20, .spi_usr2 = 0x24,
        .spi_mosi_dlen = 0x28, .spi_miso_dlen = 0x2C, .spi_w0 = 0x80,
        .spi_addr_msb_first = true, /* ESP-IDF spi_flash_ll_set_usr_address: addr << (32 - bits) */
        .efuse_base = 0x3FF5A000, .uart_clkdiv_reg = 0x3FF40014,
        .rom_baud_cal_reg = 0x3FF5F06C, /* RTCCALICFG1 */
        .efuse = &chip_efuse_esp32, .rom = &chip_rom_esp32,
    },
    {
        .name = "esp32s2", .display = "ESP32-S2", .image_chip_id = 2,
        .magic = { 0x000007C6 },
        .bootloader_offset = 0x1000, .mmu_page_size = 0x10000, .uf2_family = 0xBFDD4EEE,
        .regions = {
            R("DROM", 0x3F000000, 0x3FF80000, MEM_DROM),
            R("RTC_DRAM", 0x3FF9E000, 0x3FFA0000, MEM_RTC_FAST),
            R("DRAM", 0x3FFB0000, 0x40000000, MEM_DRAM),
            R("IRAM", 0x40020000, 0x40070000, MEM_IRAM),
            R("RTC_IRAM", 0x40070000, 0x40072000, MEM_RTC_FAST),
            R("IROM", 0x40080000, 0x40B80000, MEM_IROM),
            R("RTC_DATA", 0x50000000, 0x50002000, MEM_RTC_SLOW),
        },
        .freqs = { { "40m", 0x0 }, { "26m", 0x1 }, { "20m", 0x2 }, { "80m", 0xF } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x3F402000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x3F41A000, .uart_clkdiv_reg = 0x3F400014,
        .efuse = &chip_efuse_esp32s2, .rom = &chip_rom_esp32s2,
    },
    {
        .name = "esp32s3", .display = "ESP32-S3", .image_chip_id = 9,
        .magic = { 0x00000009 },
        .bootloader_offset = 0x0, .mmu_page_size = 0x10000, .uf2_family = 0xC47E5767,
        .regions = {
            R("DROM", 0x3C000000, 0x3D000000, MEM_DROM),
            R("EXTRAM_DATA", 0x3D000000, 0x3E000000, MEM_EXTRAM),
            R("DRAM", 0x3FC88000, 0x3FD00000, MEM_DRAM),
            R("IRAM", 0x40370000, 0x403E0000, MEM_IRAM),
            R("IROM", 0x42000000, 0x44000000, MEM_IROM),
            R("RTC_DATA", 0x50000000, 0x50002000, MEM_RTC_SLOW),
            R("RTC_IRAM", 0x600FE000, 0x60100000, MEM_RTC_FAST),
        },
        .freqs = { { "40m", 0x0 }, { "26m", 0x1 }, { "20m", 0x2 }, { "80m", 0xF } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x60002000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x60007000, .uart_clkdiv_reg = 0x60000014,
        .efuse = &chip_efuse_esp32s3, .rom = &chip_rom_esp32s3,
    },
    {
        .name = "esp32c3", .display = "ESP32-C3", .image_chip_id = 5,
        .magic = { 0x6921506F, 0x1B31506F, 0x4881606F, 0x4361606F },
        .bootloader_offset = 0x0, .mmu_page_size = 0x10000, .uf2_family = 0xD42BA06C,
        .regions = {
            R("DROM", 0x3C000000, 0x3C800000, MEM_DROM),
            R("DRAM", 0x3FC80000, 0x3FCE0000, MEM_DRAM),
            R("IRAM", 0x4037C000, 0x403E0000, MEM_IRAM),
            R("IROM", 0x42000000, 0x42800000, MEM_IROM),
            R("RTC_IRAM", 0x50000000, 0x50002000, MEM_RTC_FAST),
        },
        .freqs = { { "40m", 0x0 }, { "26m", 0x1 }, { "20m", 0x2 }, { "80m", 0xF } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x60002000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x60008800, .uart_clkdiv_reg = 0x60000014,
        .efuse = &chip_efuse_esp32c3, .rom = &chip_rom_esp32c3,
    },
    {
        .name = "esp32c2", .display = "ESP32-C2", .image_chip_id = 12,
        .magic = { 0x6F51306F, 0x7C41A06F },
        .bootloader_offset = 0x0, .mmu_page_size = 0, .uf2_family = 0x2B88D29C,
        .regions = {
            R("DROM", 0x3C000000, 0x3C400000, MEM_DROM),
            R("DRAM", 0x3FCA0000, 0x3FCE0000, MEM_DRAM),
            R("IRAM", 0x4037C000, 0x403C0000, MEM_IRAM),
            R("IROM", 0x42000000, 0x42400000, MEM_IROM),
        },
        .freqs = { { "60m", 0xF }, { "30m", 0x0 }, { "20m", 0x1 }, { "15m", 0x2 } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x60002000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x60008800, .uart_clkdiv_reg = 0x60000014,
        .efuse = &chip_efuse_esp32c2, .rom = &chip_rom_esp32c2,
    },
    {
        .name = "esp32c6", .display = "ESP32-C6", .image_chip_id = 13,
        .magic = { 0x2CE0806F },
        .bootloader_offset = 0x0, .mmu_page_size = 0, .uf2_family = 0x540DDF62,
        .regions = {
            R("IROM", 0x42000000, 0x42800000, MEM_IROM),
            R("DROM", 0x42800000, 0x43000000, MEM_DROM),
            R("DRAM", 0x40800000, 0x40880000, MEM_DRAM),
            R("RTC_IRAM", 0x50000000, 0x50004000, MEM_RTC_FAST),
        },
        .freqs = { { "80m", 0x0 }, { "40m", 0x0 }, { "20m", 0x2 } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x60003000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x600B0800, .uart_clkdiv_reg = 0x60000014,
        .efuse = &chip_efuse_esp32c6, .rom = &chip_rom_esp32c6,
    },
    {
        .name = "esp32h2", .display = "ESP32-H2", .image_chip_id = 16,
        .magic = { 0xD7B73E80 },
        .bootloader_offset = 0x0, .mmu_page_size = 0, .uf2_family = 0x332726F6,
        .regions = {
            R("IROM", 0x42000000, 0x42800000, MEM_IROM),
            R("DROM", 0x42800000, 0x43000000, MEM_DROM),
            R("DRAM", 0x40800000, 0x40850000, MEM_DRAM),
            R("RTC_IRAM", 0x50000000, 0x50001000, MEM_RTC_FAST),
        },
        .freqs = { { "48m", 0xF }, { "24m", 0x0 }, { "16m", 0x1 }, { "12m", 0x2 } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x60003000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x600B0800, .uart_clkdiv_reg = 0x60000014,
        .efuse = &chip_efuse_esp32h2, .rom = &chip_rom_esp32h2,
    },
    {
        .name = "esp32c5", .display = "ESP32-C5", .image_chip_id = 23,
        .magic = { 0 },
        .bootloader_offset = 0x2000, .mmu_page_size = 0, .uf2_family = 0xF71C0343,
        .regions = {
            R("IROM", 0x42000000, 0x44000000, MEM_IROM),
            R("DROM", 0x42000000, 0x44000000, MEM_DROM),
            R("DRAM", 0x40800000, 0x40860000, MEM_DRAM),
            R("RTC_IRAM", 0x50000000, 0x50004000, MEM_RTC_FAST),
        },
        .freqs = { { "80m", 0xF }, { "40m", 0x0 }, { "20m", 0x2 } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x60003000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x600B4800, .uart_clkdiv_reg = 0x60000014,
        .efuse = &chip_efuse_esp32c5, .rom = &chip_rom_esp32c5,
    },
    {
        .name = "esp32p4", .display = "ESP32-P4", .image_chip_id = 18,
        .magic = { 0 },
        .bootloader_offset = 0x2000, .mmu_page_size = 0, .uf2_family = 0x3D308E94,
        .regions = {
            R("IROM", 0x40000000, 0x4C000000, MEM_IROM),
            R("DROM", 0x40000000, 0x4C000000, MEM_DROM),
            R("DRAM", 0x4FF00000, 0x4FFC0000, MEM_DRAM),
            R("RTC_IRAM", 0x50108000, 0x50110000, MEM_RTC_FAST),
        },
        .freqs = { { "80m", 0xF }, { "40m", 0x0 }, { "20m", 0x2 } },
        .rom_has_security_info = true, .rom_flash_begin_has_encrypt = true,
        .spi_base = 0x5008D000, .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20,
        .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58,
        .efuse_base = 0x5012D000, .uart_clkdiv_reg = 0x500CA014,
        .efuse = &chip_efuse_esp32p4, .rom = &chip_rom_esp32p4,
    },
    { .name = NULL },
};

const char *const flash_mode_names[4] = { "qio", "qout", "dio", "dout" };

/* "ESP32-S3", "esp32_s3" and "esp32s3" all name the same chip. */
static void canon(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (; *in && j + 1 < n; in++)
        if (isalnum((unsigned char)*in))
            out[j++] = (char)tolower((unsigned char)*in);
    out[j] = '\0';
}

const struct chip *chip_by_name(const char *name)
{
    char want[32];
    canon(name, want, sizeof want);
    for (const struct chip *c = chip_table; c->name; c++)
        if (strcmp(c->name, want) == 0)
            return c;
    return NULL;
}

const struct chip *chip_default(void)
{
    return &chip_table[0];
}

const struct chip *chip_by_image_id(uint16_t id)
{
    for (const struct chip *c = chip_table; c->name; c++)
        if (c->image_chip_id == id)
            return c;
    return NULL;
}

const struct chip *chip_by_magic(uint32_t magic)
{
    if (magic == 0)
        return NULL;
    for (const struct chip *c = chip_table; c->name; c++)
        for (int i = 0; i < CHIP_MAX_MAGICS; i++)
            if (c->magic[i] == magic)
                return c;
    return NULL;
}

const struct chip *chip_by_uf2_family(uint32_t family)
{
    for (const struct chip *c = chip_table; c->name; c++)
        if (c->uf2_family == family)
            return c;
    return NULL;
}

const struct mem_region *chip_region(const struct chip *chip, uint32_t addr)
{
    for (int i = 0; i < CHIP_MAX_REGIONS && chip->regions[i].name; i++) {
        const struct mem_region *r = &chip->regions[i];
        if (addr >= r->start && addr < r->end)
            return r;
    }
    return NULL;
}

bool mem_kind_is_flash_mapped(enum mem_kind kind)
{
    return kind == MEM_DROM || kind == MEM_IROM;
}

int flash_size_code(uint32_t bytes)
{
    for (int code = 0; code <= 7; code++)
        if (flash_size_bytes((uint8_t)code) == bytes)
            return code;
    return -1;
}

uint32_t flash_size_bytes(uint8_t code)
{
    /* 0 1MB, 1 2MB, 2 4MB, 3 8MB, 4 16MB, 5 32MB, 6 64MB, 7 128MB */
    if (code > 7)
        return 0;
    return (uint32_t)(1u << 20) << code;
}

uint32_t flash_size_parse(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
        return 0;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v == 0 || v > 0x80000000ull)
        return 0;
    return (uint32_t)v;
}

int chip_freq_code(const struct chip *chip, const char *name)
{
    for (int i = 0; i < CHIP_MAX_FREQS && chip->freqs[i].name; i++)
        if (strcasecmp(chip->freqs[i].name, name) == 0)
            return chip->freqs[i].code;
    return -1;
}

const char *chip_freq_name(const struct chip *chip, uint8_t code)
{
    for (int i = 0; i < CHIP_MAX_FREQS && chip->freqs[i].name; i++)
        if (chip->freqs[i].code == code)
            return chip->freqs[i].name;
    return NULL;
}

int flash_mode_code(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(flash_mode_names[i], name) == 0)
            return i;
    return -1;
}
