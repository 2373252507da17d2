/* boot_rom.h - what each chip's ROM prints when it boots, as data: its
 * banner, its reset reasons, the meaning of the strapping bits in
 * `boot:0x..`, which watchdog resets it when it cannot load the
 * bootloader. One row per chip, keyed by the chip table's name. */
#ifndef ESPBURN_BOOT_ROM_H
#define ESPBURN_BOOT_ROM_H

#include <stdbool.h>
#include <stdint.h>

#include "chip/chips.h"

enum reset_kind {
    RESET_UNKNOWN = 0,
    RESET_POWER_ON,   /* power applied, or EN pulled (ESP32 reports EN as power-on) */
    RESET_SOFTWARE,   /* esp_restart(), a panic handler rebooting, esptool */
    RESET_WATCHDOG,   /* a watchdog fired */
    RESET_BROWNOUT,   /* supply voltage dropped */
    RESET_DEEP_SLEEP, /* woke from deep sleep */
    RESET_HOST,       /* USB-Serial/JTAG or SDIO host, eFuse, intrusion... */
    RESET_GLITCH,     /* clock or power glitch detector */
};

struct reset_reason {
    uint8_t code;
    const char *name; /* as ESP-IDF's rom/rtc.h names it */
    enum reset_kind kind;
};

struct boot_banner {
    const char *text; /* start of the banner line */
    const char *rom;  /* "ESP32 ROM for chip revisions 0 and 1" */
};

#define BOOT_MAX_BANNERS 3
#define BOOT_MAX_REASONS 24

struct boot_rom {
    const char *chip; /* chip table name */
    struct boot_banner banners[BOOT_MAX_BANNERS];
    struct reset_reason reasons[BOOT_MAX_REASONS];
    uint8_t boot_pin_bit;  /* strapping bit of the boot-mode pin */
    const char *boot_pin;  /* "GPIO0" */
    uint8_t vdd18_bit;     /* strapping bit selecting 1.8 V flash, 0: none */
    const char *vdd18_pin; /* "MTDI (GPIO12)" */
    const char *watchdog;  /* the one that resets a ROM that cannot boot */
    bool classic;          /* prints configsip/clk_drv and decimal lengths */
};

extern const struct boot_rom boot_rom_table[]; /* ends with chip == NULL */

const struct boot_rom *boot_rom_for_chip(const struct chip *chip);
/* The row whose banner starts `line` (after leading spaces), or NULL; the
 * banner itself through *banner. */
const struct boot_rom *boot_rom_by_banner(const char *line, const struct boot_banner **banner);
/* The row of the ROM that prints configsip lines and decimal lengths. */
const struct boot_rom *boot_rom_classic(void);
/* The reason with `code` on this ROM, or NULL. */
const struct reset_reason *boot_rom_reason(const struct boot_rom *rom, unsigned code);
/* Classify a reset by the name the ROM printed, for chips we have no row for. */
enum reset_kind reset_kind_from_name(const char *name);
/* One plain sentence: what such a reset usually means. */
const char *reset_kind_meaning(enum reset_kind kind);

#endif
