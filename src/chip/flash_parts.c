/* flash_parts.c - the SPI NOR parts on the boards espburn models, with their
 * SFDP tables byte for byte. Where each byte comes from is in the row's
 * sfdp_source and, at length, in docs/sim.md ("The flash chip"). */
#include "chip/flash_parts.h"

#include <strings.h>

/* SFDP header and JEDEC basic flash parameter header as Winbond's JV parts
 * report them: signature "SFDP", revision 1.5, one parameter header (NPH 0);
 * the basic table: id 0x00, revision 1.5, 16 dwords at 0x80. */
#define JV_HEADERS \
    0x53, 0x46, 0x44, 0x50, 0x05, 0x01, 0x00, 0xFF, 0x00, 0x05, 0x01, 0x10, 0x80, 0x00, 0x00, 0xFF
/* 0x10..0x7F: no further header: erased (0xFF). */
#define FF16   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
#define JV_GAP FF16, FF16, FF16, FF16, FF16, FF16, FF16
/* Basic table dword 1: 4 KB erase 0x20, 3-byte addresses, fast reads. */
#define JV_DW1 0xE5, 0x20, 0xF9, 0xFF
/* Dwords 3..9: fast-read modes (0xEB, 0x6B, 0x3B, 0xBB) and the erase types
 * 4 KB 0x20, 32 KB 0x52, 64 KB 0xD8. */
#define JV_DW3_9                                                                                          \
    0x44, 0xEB, 0x08, 0x6B, 0x08, 0x3B, 0x42, 0xBB, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, \
        0xFF, 0x40, 0xEB, 0x0C, 0x20, 0x0F, 0x52, 0x10, 0xD8, 0x00, 0x00
/* Dwords 10..16 of the W25Q128JV: erase and program times (chip erase 40 s
 * typical in dword 11), suspend/resume, power-down, status register and
 * 4-byte address modes. */
#define JV128_DW10_16                                                                                     \
    0x36, 0x02, 0xA6, 0x00, 0x82, 0xEA, 0x14, 0xC9, 0xE9, 0x63, 0x76, 0x33, 0x7A, 0x75, 0x7A, 0x75, 0xF7, \
        0xA2, 0xD5, 0x5C, 0x19, 0xF7, 0x4D, 0xFF, 0xE9, 0x30, 0xF8, 0x80

/* W25Q128JV-IN/IQ/JQ (JEDEC EF 40 18): the 0xC0 bytes a real part returned
 * (Linux commit 83e824a4a595, "mtd: spi-nor: Correct flags for Winbond
 * w25q128", its sysfs dump). Density dword 0x07FFFFFF: 128 Mbit. */
static const uint8_t sfdp_w25q128jv[] = {
    JV_HEADERS, JV_GAP, JV_DW1, 0xFF, 0xFF, 0xFF, 0x07, JV_DW3_9, JV128_DW10_16,
};

/* W25Q32JV (JEDEC EF 40 16): headers and dwords 1..9 as a real part returned
 * them (armink/SFUD issue #84, "W25Q32JV测试sfdp成功": the SFDP header, the
 * basic table header and its first nine dwords; density 0x01FFFFFF = 32 Mbit).
 * Dwords 10..16 were not printed there: they are the W25Q128JV's (same JV
 * family, identical in dwords 1 and 3..9), so the chip-erase time they state
 * is the 128's 40 s, not the W25Q32JV's. */
static const uint8_t sfdp_w25q32jv[] = {
    JV_HEADERS, JV_GAP, JV_DW1, 0xFF, 0xFF, 0xFF, 0x01, JV_DW3_9, JV128_DW10_16,
};

/* Status registers at power-up: SR1 and SR2 0 as a W25Q128 (EF 40 18) read
 * them in espressif/esp-idf#9493 (readStatusReg1/2: 0); SR3 0 is an assumption. */
/* Winbond W25Q128JV datasheet, AC electrical characteristics, typical:
 * tSE 45 ms, tBE2 150 ms, tPP 0.4 ms, tW 10 ms, tCE 40 s. */
#define W25Q128JV_TIMING                 \
    {                                    \
        45000, 150000, 400, 10000, 40000 \
    }

const struct flash_part flash_parts[] = {
    { .name = "W25Q128JV",
      .jedec_id = 0x001840EF,
      .size = 16u << 20,
      .status = { 0, 0, 0 },
      .sfdp = sfdp_w25q128jv,
      .sfdp_len = sizeof sfdp_w25q128jv,
      .sfdp_source = "a W25Q128JV's SFDP as dumped in Linux commit 83e824a4a595",
      .timing = W25Q128JV_TIMING,
      .timing_source = "W25Q128JV datasheet, AC characteristics, typical" },
    { .name = "W25Q32JV",
      .jedec_id = 0x001640EF,
      .size = 4u << 20,
      .status = { 0, 0, 0 },
      .sfdp = sfdp_w25q32jv,
      .sfdp_len = sizeof sfdp_w25q32jv,
      .sfdp_source = "a W25Q32JV's SFDP header and dwords 1-9 (armink/SFUD#84), dwords 10-16 the W25Q128JV's",
      .timing = W25Q128JV_TIMING,
      .timing_source = "the W25Q128JV's (same JV family; the W25Q32JV datasheet was not at hand)" },
    /* The ESP32-C3FN4's in-package XMC flash. No SFDP dump or datasheet table
     * of this part was available: it answers the W25Q32JV's table as a
     * stand-in (same density and JESD216 layout; a real XM25QH32C's bytes
     * differ at least in the vendor's timing dwords). */
    { .name = "XM25QH32C",
      .jedec_id = 0x00164020,
      .size = 4u << 20,
      .status = { 0, 0, 0 },
      .sfdp = sfdp_w25q32jv,
      .sfdp_len = sizeof sfdp_w25q32jv,
      .sfdp_source = "stand-in: the W25Q32JV's table (no XM25QH32C dump was available)",
      .timing = W25Q128JV_TIMING,
      .timing_source = "stand-in: the W25Q128JV's (no XM25QH32C datasheet was available)" },
    { .name = NULL },
};

const struct flash_part *flash_part_by_name(const char *name)
{
    for (const struct flash_part *p = flash_parts; p->name; p++)
        if (strcasecmp(p->name, name) == 0)
            return p;
    return NULL;
}

const struct flash_part *flash_part_by_jedec(uint32_t jedec)
{
    for (const struct flash_part *p = flash_parts; p->name; p++)
        if (p->jedec_id == (jedec & 0xFFFFFF))
            return p;
    return NULL;
}

const struct flash_timing *flash_timing_or_default(const struct flash_part *p)
{
    return p ? &p->timing : &flash_parts[0].timing;
}

uint8_t flash_part_sfdp_byte(const struct flash_part *p, uint32_t addr)
{
    return p->sfdp && addr < p->sfdp_len ? p->sfdp[addr] : 0xFF;
}
