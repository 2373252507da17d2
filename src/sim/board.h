/* board.h - the virtual board's profiles, as data: one row per board
 * (chip, ROM identity registers, eFuse words, flash, USB bridge, banners).
 * The engine reads the row; it never tests which board it is. */
#ifndef ESPBURN_SIM_BOARD_H
#define ESPBURN_SIM_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "chip/chips.h"
#include "chip/flash_parts.h"

#define SIM_MAX_REGS 16

/* GET_SECURITY_INFO flag bits (esptool loader.py get_security_info). */
#define SIM_SEC_SECURE_BOOT     (1u << 0)
#define SIM_SEC_SECURE_DOWNLOAD (1u << 2) /* the ROM then refuses all but the flash-write commands */

/* A register the ROM answers READ_REG with (eFuse words, APB_CTL_DATE...). */
struct sim_reg {
    uint32_t addr, value;
};

struct sim_board {
    const char *name;                  /* "m5stack-fire" */
    const char *description;           /* "ESP32-D0WDQ6 rev 1, 16 MB flash, PSRAM, CP2104" */
    const char *chip_name;             /* row of the chip table ("esp32") */
    uint32_t magic;                    /* value at 0x40001000 */
    uint32_t security_eco;             /* GET_SECURITY_INFO eco/api version */
    uint32_t security_flags;           /* GET_SECURITY_INFO flags word (SIM_SEC_*) */
    uint8_t flash_crypt_cnt;           /* GET_SECURITY_INFO SPI_BOOT_CRYPT_CNT */
    struct sim_reg regs[SIM_MAX_REGS]; /* eFuse words and other read-only registers */
    const char *flash_part;            /* row of the flash part table ("W25Q128JV"): JEDEC id, size, SFDP */
    uint32_t xtal_hz;                  /* crystal: UART_CLKDIV = xtal / baud in download mode */
    uint32_t rom_xtal_hz; /* the crystal the ROM believes in when CHANGE_BAUDRATE sets its divider
                                  * (ESP32: from the RC-oscillator calibration it also shows in registers);
                                  * it then runs at new_rate * xtal_hz / rom_xtal_hz. 0: exact */
    uint32_t rom_baud;    /* the rate the ROM starts at */
    /* USB bridge. */
    const char *bridge; /* "CP2104" */
    uint16_t usb_vid, usb_pid;
    uint32_t bridge_max_baud;   /* 0: USB-Serial/JTAG, no UART rate at all */
    uint32_t bridge_latency_us; /* what the board sends reaches the host this much later (USB frames,
                                 * latency timer; docs/sim.md "Boards"); RFC 2217 and pty, realtime */
    bool usb_jtag_reset;        /* DTR/RTS reach the USB-Serial/JTAG peripheral, not transistors */
    uint32_t en_delay_us;       /* EN (CHIP_PU) RC delay before the chip leaves reset */
    /* ROM output; its reset lines are the chip's (chip/chip_rom.h). */
    const char *banner;        /* first line(s): "ets Jun  8 2016 00:22:57", a build of the chip's ROM */
    const char *boot_download; /* "0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))" */
    const char *boot_flash;    /* "0x13 (SPI_FAST_FLASH_BOOT)": GPIO0 high */
};

/* The table, terminated by a row with name == NULL. */
extern const struct sim_board sim_boards[];

const struct sim_board *sim_board_by_name(const char *name);
const struct chip *sim_board_chip(const struct sim_board *b);
const struct flash_part *sim_board_flash(const struct sim_board *b);
uint32_t sim_board_flash_size(const struct sim_board *b); /* bytes; 0 when the part is unknown */
/* Value of a listed read-only register; false when the row does not list it. */
bool sim_board_reg(const struct sim_board *b, uint32_t addr, uint32_t *value);

#endif
