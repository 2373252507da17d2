/* board.c - the board table. Sources per figure are in docs/sim.md:
 * eFuse layouts from esptool's targets (esp32.py, esp32s3.py, esp32c3.py),
 * banners from the boards' boot logs, bridges from the M5Stack schematics
 * and Espressif's DevKitM-1 user guide. */
#include "sim/board.h"

#include <string.h>
#include <strings.h>

#define ESP32_EFUSE(n)     (0x3FF5A000u + 4u * (n))
#define ESP32_APB_CTL_DATE 0x3FF6607Cu
/* The ESP32 ROM's crystal estimate, which its CHANGE_BAUDRATE divides by and
 * esptool reads back to correct for: cal (RTCCALICFG1 bits 7..31, the 8 MHz RC
 * oscillator's calibration) * 15625 * CK8M (eFuse word 4 low byte) / 40.
 * One number per board, `cal`, gives both the register and the estimate;
 * cal 2048 with CK8M 50 is exactly 40 MHz. The drift per board is a chosen
 * figure (docs/sim.md, assumptions). */
#define ESP32_CK8M             50u
#define ESP32_ROM_XTAL_HZ(cal) ((uint32_t)((uint64_t)(cal)*15625u * ESP32_CK8M / 40u))
#define ESP32_RTCCALICFG1(cal)            \
    {                                     \
        0x3FF5F06Cu, (uint32_t)(cal) << 7 \
    }
#define ESP32_EFUSE4                             \
    {                                            \
        ESP32_EFUSE(4), 0x00000C00u | ESP32_CK8M \
    } /* ADC vref calibrated, CK8M */
/* USB bridges: what the chip sends waits in the bridge for the host's next
 * IN poll, one full-speed frame (1 ms, USB 2.0 section 8.4.3.1); a bridge
 * speaking FTDI's protocol holds a short answer until its latency timer
 * runs out, 16 ms by default (FTDI AN232B-04). docs/sim.md "Boards". */
#define USB_FS_FRAME_US       1000u
#define FTDI_LATENCY_TIMER_US 16000u

#define FIRE_RC_CAL  2068u /* 40.39 MHz: +1.0 % */
#define CORE2_RC_CAL 2048u /* 40.00 MHz: exact */
#define ATOM_RC_CAL  2130u /* 41.60 MHz: +4.0 %, beyond a UART's 3 % unless the host corrects */
#define ESP32_STRAP_DOWNLOAD \
    {                        \
        0x3FF44038u, 0x03    \
    } /* GPIO_STRAP in download mode */
#define S3_EFUSE_BLK1(n) (0x60007044u + 4u * (n))
#define S3_EFUSE_BLK2(n) (0x6000705Cu + 4u * (n))
/* ESP32-S3 BLOCK1 word 3 (esptool esp32s3.py): minor revision bits 18..20,
 * package 21..23 (0 = QFN56), block version minor 24..26, embedded flash
 * 27..29; word 4: flash vendor 0..2, PSRAM capacity 3..4, PSRAM vendor 7..8;
 * word 5: minor revision bit 3 at 23, major revision 24..25, PSRAM capacity
 * bit 2 at 19. The CoreS3's 8 MB PSRAM runs in quad mode (its Arduino and
 * CircuitPython board definitions: qio_qspi / PSRAM_MODE qio), and the only
 * 8 MB in-package S3 PSRAM is octal (ESP32-S3R8): so it is outside the
 * chip, and the capacity fields say 0, as they do for the 16 MB flash. */
#define S3_W3_MINOR(n)     ((uint32_t)(n) << 18)
#define S3_W3_BLK_MINOR(n) ((uint32_t)(n) << 24)
#define S3_UARTDEV_BUF_NO  0x3FCEF14Cu
/* ESP32-C3 BLOCK1 (esptool esp32c3.py, EFUSE_BLOCK1_ADDR = 0x60008800 + 0x44):
 * words 0-1 MAC; word 3: minor revision bits 18..20, package 21..23
 * (0 = QFN32), embedded flash 27..29 (1 = 4 MB); word 4: flash vendor 0..2
 * (1 = XMC); word 5: minor revision bit 3 at 23, major revision 24..25. */
#define C3_EFUSE_BLK1(n)      (0x60008844u + 4u * (n))
#define C3_W3_MINOR(n)        ((uint32_t)(n) << 18)
#define C3_W3_FLASH_CAP(n)    ((uint32_t)(n) << 27)
#define C3_W4_FLASH_VENDOR(n) ((uint32_t)(n))

#define ESP32_BANNER_REV1 "ets Jun  8 2016 00:22:57"
#define ESP32_BANNER_REV3 "ets Jul 29 2019 12:21:46"
/* The strapping value a flash boot prints depends on the board's wiring:
 * 0x13 is GPIO0, MTDO and GPIO5 high; the M5Stack Fire also has GPIO4 high
 * (its real boot log, tests/data/bootlogs/seed-m5stack-fire-*.log: 0x17). */
#define ESP32_ROM_LINES(flash_boot)                                      \
    .boot_download = "0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))", \
    .boot_flash = flash_boot " (SPI_FAST_FLASH_BOOT)"

/* eFuse word 3 bits (esptool esp32.py): 15 = rev bit 0, 13 = CPU rating
 * given (240 MHz when bit 12 is clear), 9..11 = package. */
#define W3_REV0   (1u << 15)
#define W3_240MHZ (1u << 13)
#define W3_PKG(p) ((uint32_t)(p) << 9)

/* Security eFuses (esptool esp32.py): FLASH_CRYPT_CNT is word 0 bits 20..26,
 * encryption on when an odd number of them is set; ABS_DONE_0 is word 6 bit 4. */
#define W0_FLASH_CRYPT_CNT(n) ((uint32_t)(n) << 20)
#define W6_ABS_DONE_0         (1u << 4)

/* The M5Stack Fire; the last argument is the eFuse word its security variants burn. */
#define M5STACK_FIRE(board_name, desc, ...)                                                   \
    {                                                                                         \
        .name = board_name, .description = desc, .chip_name = "esp32", .magic = 0x00F01D83, \
        .regs = { \
            { ESP32_EFUSE(1), 0xC4A1B2C3 },            /* MAC 24:0a:c4:a1:b2:c3 */ \
            { ESP32_EFUSE(2), 0x0000240A }, \
            { ESP32_EFUSE(3), W3_REV0 | W3_240MHZ | W3_PKG(0) }, /* D0WDQ6 */ \
            ESP32_EFUSE4, ESP32_RTCCALICFG1(FIRE_RC_CAL), ESP32_STRAP_DOWNLOAD, \
            { ESP32_APB_CTL_DATE, 0x16042000 }, __VA_ARGS__, \
        }, \
        .flash_part = "W25Q128JV", .xtal_hz = 40000000, \
        .rom_xtal_hz = ESP32_ROM_XTAL_HZ(FIRE_RC_CAL), .rom_baud = 115200, \
        .bridge = "CP2104", .usb_vid = 0x10C4, .usb_pid = 0xEA60, .bridge_max_baud = 2000000, \
        .bridge_latency_us = USB_FS_FRAME_US, .en_delay_us = 14000, \
        .banner = ESP32_BANNER_REV1, ESP32_ROM_LINES("0x17"), \
    }

/* The M5Stack CoreS3; `flags` is its GET_SECURITY_INFO flags word. */
#define M5STACK_CORES3(board_name, desc, flags)    \
    {                                              \
        .name = board_name, .description = desc, \
        .chip_name = "esp32s3", .magic = 0x00000009, .security_eco = 0, \
        .security_flags = flags, \
        .regs = { \
            { S3_EFUSE_BLK1(0), 0x7E0D1E2F },          /* MAC f4:12:7e:0d:1e:2f */ \
            { S3_EFUSE_BLK1(1), 0x0000F412 }, \
            { S3_EFUSE_BLK1(3), S3_W3_MINOR(2) | S3_W3_BLK_MINOR(3) }, /* v0.2, QFN56, no embedded flash */ \
            { S3_EFUSE_BLK1(4), 0 },                   /* no embedded PSRAM: the 8 MB are quad SPI (below) */ \
            { S3_EFUSE_BLK1(5), 0 },                   /* major revision 0 */ \
            { S3_EFUSE_BLK2(4), 1 },                   /* eFuse block version major 1 (v1.3) */ \
            { S3_UARTDEV_BUF_NO, 4 },                  /* console on USB-Serial/JTAG */ \
        }, \
        .flash_part = "W25Q128JV", .xtal_hz = 40000000, .rom_baud = 115200, \
        .bridge = "USB-Serial/JTAG", .usb_vid = 0x303A, .usb_pid = 0x1001, .bridge_max_baud = 0, \
        .bridge_latency_us = USB_FS_FRAME_US, .usb_jtag_reset = true, .en_delay_us = 0, \
        .banner = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021", \
        .boot_download = "0x0 (DOWNLOAD(USB/UART0))", \
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
            ESP32_EFUSE4, ESP32_RTCCALICFG1(CORE2_RC_CAL), ESP32_STRAP_DOWNLOAD,
            { ESP32_EFUSE(5), 1u << 20 },              /* rev bit 1 */
            { ESP32_APB_CTL_DATE, 0x80000000u | 0x16042000 }, /* rev bit 2 */
        },
        .flash_part = "W25Q128JV", .xtal_hz = 40000000,
        .rom_xtal_hz = ESP32_ROM_XTAL_HZ(CORE2_RC_CAL), .rom_baud = 115200,
        .bridge = "CH9102", .usb_vid = 0x1A86, .usb_pid = 0x55D4, .bridge_max_baud = 2000000,
        .bridge_latency_us = USB_FS_FRAME_US, .en_delay_us = 14000,
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
            ESP32_EFUSE4, ESP32_RTCCALICFG1(ATOM_RC_CAL), ESP32_STRAP_DOWNLOAD,
            { ESP32_APB_CTL_DATE, 0x16042000 },
        },
        .flash_part = "W25Q32JV", .xtal_hz = 40000000,
        .rom_xtal_hz = ESP32_ROM_XTAL_HZ(ATOM_RC_CAL), .rom_baud = 115200,
        .bridge = "CH552 (USB-serial firmware)", .usb_vid = 0x0403, .usb_pid = 0x6001,
        .bridge_max_baud = 1500000, .bridge_latency_us = FTDI_LATENCY_TIMER_US, .en_delay_us = 14000,
        .banner = ESP32_BANNER_REV1, ESP32_ROM_LINES("0x13"),
    },
    M5STACK_CORES3("m5stack-cores3", "M5Stack CoreS3: ESP32-S3 (QFN56) v0.2, 16 MB flash, 8 MB quad PSRAM, USB-Serial/JTAG", 0),
    M5STACK_CORES3("m5stack-cores3-secure-download",
                   "M5Stack CoreS3 in Secure Download Mode (ENABLE_SECURITY_DOWNLOAD burnt)", SIM_SEC_SECURE_DOWNLOAD),
    {
        .name = "esp32-c3-devkitm-1",
        .description = "Espressif ESP32-C3-DevKitM-1: ESP32-C3FN4 (QFN32) v0.4, 4 MB in-package flash, CP2102N bridge",
        .chip_name = "esp32c3", .magic = 0x1B31506F, .security_eco = 0,
        .regs = {
            { C3_EFUSE_BLK1(0), 0x18A1B2C3 },          /* MAC 34:85:18:a1:b2:c3 */
            { C3_EFUSE_BLK1(1), 0x00003485 },
            { C3_EFUSE_BLK1(3), C3_W3_MINOR(4) | C3_W3_FLASH_CAP(1) }, /* v0.4, QFN32, 4 MB in package */
            { C3_EFUSE_BLK1(4), C3_W4_FLASH_VENDOR(1) }, /* XMC */
            { C3_EFUSE_BLK1(5), 0 },                   /* major revision 0 */
        },
        .flash_part = "XM25QH32C", .xtal_hz = 40000000, .rom_baud = 115200,
        .bridge = "CP2102N", .usb_vid = 0x10C4, .usb_pid = 0xEA60, .bridge_max_baud = 3000000,
        .bridge_latency_us = USB_FS_FRAME_US, .en_delay_us = 14000,
        .banner = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021",
        .boot_download = "0x4 (DOWNLOAD(USB/UART0/1))",
        .boot_flash = "0xc (SPI_FAST_FLASH_BOOT)",
    },
    { 0 },
};

const struct sim_board *sim_board_by_name(const char *name)
{
    for (const struct sim_board *b = sim_boards; b->name; b++)
        if (strcasecmp(b->name, name) == 0)
            return b;
    return NULL;
}

const struct chip *sim_board_chip(const struct sim_board *b)
{
    return chip_by_name(b->chip_name);
}

const struct flash_part *sim_board_flash(const struct sim_board *b)
{
    return flash_part_by_name(b->flash_part);
}

uint32_t sim_board_flash_size(const struct sim_board *b)
{
    const struct flash_part *p = sim_board_flash(b);
    return p ? p->size : 0;
}

bool sim_board_reg(const struct sim_board *b, uint32_t addr, uint32_t *value)
{
    for (int i = 0; i < SIM_MAX_REGS && b->regs[i].addr; i++)
        if (b->regs[i].addr == addr) {
            *value = b->regs[i].value;
            return true;
        }
    return false;
}
