/* board.c - the board table. Sources per figure are in docs/sim.md:
 * eFuse layouts from esptool's targets (esp32.py, esp32s3.py), banners from
 * the boards' boot logs, bridges from the M5Stack schematics. */
#include "sim/board.h"

#include <string.h>
#include <strings.h>

#define ESP32_EFUSE(n) (0x3FF5A000u + 4u * (n))
#define ESP32_APB_CTL_DATE 0x3FF6607Cu
/* The ROM's crystal estimate, which esptool reads to correct CHANGE_BAUDRATE:
 * cali_val (RTCCALICFG1 >> 7) * 15625 * CK8M_FREQ (eFuse word 4 low byte) / 40
 * = 2048 * 15625 * 50 / 40 = 40 MHz exactly (no drift modelled). */
#define ESP32_RTCCALICFG1 { 0x3FF5F06Cu, 2048u << 7 }
#define ESP32_EFUSE4 { ESP32_EFUSE(4), 0x00000C00u | 50u } /* ADC vref calibrated, CK8M 50 */
#define ESP32_STRAP_DOWNLOAD { 0x3FF44038u, 0x03 }          /* GPIO_STRAP in download mode */
#define S3_EFUSE_BLK1(n) (0x60007044u + 4u * (n))
#define S3_UARTDEV_BUF_NO 0x3FCEF14Cu

#define ESP32_BANNER_REV1 "ets Jun  8 2016 00:22:57"
#define ESP32_BANNER_REV3 "ets Jul 29 2019 12:21:46"
/* The strapping value a flash boot prints depends on the board's wiring:
 * 0x13 is GPIO0, MTDO and GPIO5 high; the M5Stack Fire also has GPIO4 high
 * (its real boot log, tests/data/bootlogs/seed-m5stack-fire-*.log: 0x17). */
#define ESP32_ROM_LINES(flash_boot) .rst_poweron = "0x1 (POWERON_RESET)", .rst_software = "0xc (SW_CPU_RESET)", \
    .rst_brownout = "0xf (RTCWDT_BROWN_OUT_RESET)", \
    .boot_download = "0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))", \
    .boot_flash = flash_boot " (SPI_FAST_FLASH_BOOT)"

/* eFuse word 3 bits (esptool esp32.py): 15 = rev bit 0, 13 = CPU rating
 * given (240 MHz when bit 12 is clear), 9..11 = package. */
#define W3_REV0 (1u << 15)
#define W3_240MHZ (1u << 13)
#define W3_PKG(p) ((uint32_t)(p) << 9)

/* Security eFuses (esptool esp32.py): FLASH_CRYPT_CNT is word 0 bits 20..26,
 * encryption on when an odd number of them is set; ABS_DONE_0 is word 6 bit 4. */
#define W0_FLASH_CRYPT_CNT(n) ((uint32_t)(n) << 20)
#define W6_ABS_DONE_0 (1u << 4)

/* The M5Stack Fire; the last argument is the eFuse word its security variants burn. */
#define M5STACK_FIRE(board_name, desc, ...) { \
        .name = board_name, .description = desc, .chip_name = "esp32", .magic = 0x00F01D83, \
        .regs = { \
            { ESP32_EFUSE(1), 0xC4A1B2C3 },            /* MAC 24:0a:c4:a1:b2:c3 */ \
            { ESP32_EFUSE(2), 0x0000240A }, \
            { ESP32_EFUSE(3), W3_REV0 | W3_240MHZ | W3_PKG(0) }, /* D0WDQ6 */ \
            ESP32_EFUSE4, ESP32_RTCCALICFG1, ESP32_STRAP_DOWNLOAD, \
            { ESP32_APB_CTL_DATE, 0x16042000 }, __VA_ARGS__, \
        }, \
        .jedec_id = 0x001840EF, .flash_size = 16u << 20, .xtal_hz = 40000000, .rom_baud = 115200, \
        .bridge = "CP2104", .usb_vid = 0x10C4, .usb_pid = 0xEA60, .bridge_max_baud = 2000000, \
        .en_delay_us = 14000, \
        .banner = ESP32_BANNER_REV1, ESP32_ROM_LINES("0x17"), \
    }

/* The M5Stack CoreS3; `flags` is its GET_SECURITY_INFO flags word. */
#define M5STACK_CORES3(board_name, desc, flags) { \
        .name = board_name, .description = desc, \
        .chip_name = "esp32s3", .magic = 0x00000009, .security_chip_id = 9, .security_eco = 0, \
        .security_flags = flags, \
        .regs = { \
            { S3_EFUSE_BLK1(0), 0x7E0D1E2F },          /* MAC f4:12:7e:0d:1e:2f */ \
            { S3_EFUSE_BLK1(1), 0x0000F412 }, \
            { S3_EFUSE_BLK1(3), 2u << 18 },            /* minor revision 2, package 0 */ \
            { S3_EFUSE_BLK1(4), 1u << 3 },             /* PSRAM capacity code 1 (8 MB) */ \
            { S3_UARTDEV_BUF_NO, 4 },                  /* console on USB-Serial/JTAG */ \
        }, \
        .jedec_id = 0x001840EF, .flash_size = 16u << 20, .xtal_hz = 40000000, .rom_baud = 115200, \
        .bridge = "USB-Serial/JTAG", .usb_vid = 0x303A, .usb_pid = 0x1001, .bridge_max_baud = 0, \
        .usb_jtag_reset = true, .en_delay_us = 0, \
        .banner = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021", \
        .rst_poweron = "0x1 (POWERON)", .rst_software = "0xc (RTC_SW_CPU_RST)", \
        .rst_brownout = "0xf (BROWN_OUT_RST)", .boot_download = "0x0 (DOWNLOAD(USB/UART0))", \
        .boot_flash = "0x8 (SPI_FAST_FLASH_BOOT)", \
    }

const struct sim_board sim_boards[] = {
    M5STACK_FIRE("m5stack-fire", "M5Stack Fire: ESP32-D0WDQ6 rev 1, 16 MB flash, 4 MB PSRAM, CP2104 bridge",
                 { ESP32_EFUSE(0), 0 }),
    M5STACK_FIRE("m5stack-fire-encrypted", "M5Stack Fire with flash encryption on (FLASH_CRYPT_CNT = 1, odd)",
                 { ESP32_EFUSE(0), W0_FLASH_CRYPT_CNT(1) }),
    M5STACK_FIRE("m5stack-fire-secureboot", "M5Stack Fire with secure boot V1 on (ABS_DONE_0 burnt)",
                 { ESP32_EFUSE(6), W6_ABS_DONE_0 }),
    {
        .name = "m5stack-core2",
        .description = "M5Stack Core2: ESP32-D0WDQ6-V3 rev 3, 16 MB flash, 8 MB PSRAM, CH9102 bridge",
        .chip_name = "esp32", .magic = 0x00F01D83,
        .regs = {
            { ESP32_EFUSE(1), 0x7E0C1D2E },            /* MAC 94:b9:7e:0c:1d:2e */
            { ESP32_EFUSE(2), 0x000094B9 },
            { ESP32_EFUSE(3), W3_REV0 | W3_240MHZ | W3_PKG(0) },
            ESP32_EFUSE4, ESP32_RTCCALICFG1, ESP32_STRAP_DOWNLOAD,
            { ESP32_EFUSE(5), 1u << 20 },              /* rev bit 1 */
            { ESP32_APB_CTL_DATE, 0x80000000u | 0x16042000 }, /* rev bit 2 */
        },
        .jedec_id = 0x001840EF, .flash_size = 16u << 20, .xtal_hz = 40000000, .rom_baud = 115200,
        .bridge = "CH9102", .usb_vid = 0x1A86, .usb_pid = 0x55D4, .bridge_max_baud = 2000000,
        .en_delay_us = 14000,
        .banner = ESP32_BANNER_REV3, ESP32_ROM_LINES("0x13"),
    },
    {
        .name = "m5stack-atom",
        .description = "M5Stack Atom: ESP32-PICO-D4 rev 1, 4 MB in-package flash",
        .chip_name = "esp32", .magic = 0x00F01D83,
        .regs = {
            { ESP32_EFUSE(1), 0x91D4E5F6 },            /* MAC 50:02:91:d4:e5:f6 */
            { ESP32_EFUSE(2), 0x00005002 },
            { ESP32_EFUSE(3), W3_REV0 | W3_240MHZ | W3_PKG(5) }, /* PICO-D4 */
            ESP32_EFUSE4, ESP32_RTCCALICFG1, ESP32_STRAP_DOWNLOAD,
            { ESP32_APB_CTL_DATE, 0x16042000 },
        },
        .jedec_id = 0x001640EF, .flash_size = 4u << 20, .xtal_hz = 40000000, .rom_baud = 115200,
        .bridge = "CH552 (USB-serial firmware)", .usb_vid = 0x0403, .usb_pid = 0x6001,
        .bridge_max_baud = 1500000, .en_delay_us = 14000,
        .banner = ESP32_BANNER_REV1, ESP32_ROM_LINES("0x13"),
    },
    M5STACK_CORES3("m5stack-cores3", "M5Stack CoreS3: ESP32-S3 v0.2, 16 MB flash, 8 MB PSRAM, USB-Serial/JTAG", 0),
    M5STACK_CORES3("m5stack-cores3-secure-download",
                   "M5Stack CoreS3 in Secure Download Mode (ENABLE_SECURITY_DOWNLOAD burnt)", SIM_SEC_SECURE_DOWNLOAD),
    { 0 },
};

const struct sim_board *sim_board_by_name(const char *name)
{
    for (const struct sim_board *b = sim_boards; b->name; b++)
        if (strcasecmp(b->name, name) == 0)
            return b;
    return NULL;
}

const struct chip *sim_board_chip(const struct sim_board *b) { return chip_by_name(b->chip_name); }

bool sim_board_reg(const struct sim_board *b, uint32_t addr, uint32_t *value)
{
    for (int i = 0; i < SIM_MAX_REGS && b->regs[i].addr; i++)
        if (b->regs[i].addr == addr) {
            *value = b->regs[i].value;
            return true;
        }
    return false;
}
