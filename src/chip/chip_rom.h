/* chip_rom.h - what each chip's mask ROM prints and does when it boots, as
 * data: its banners (one per ROM build), its reset reasons, the strapping
 * bits of `boot:0x..`, the watchdog that resets it when it cannot boot,
 * and how each build fails, for the virtual board. One row per chip, reached
 * from the chip table (chips.h: chip->rom), so the boot-log analyzer and the
 * virtual board read the same facts. A row whose ROM espburn has no facts
 * about says so (known = false, with the reason); nothing lacks one silently. */
#ifndef ESPBURN_CHIP_ROM_H
#define ESPBURN_CHIP_ROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chip;

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

/* The resets the virtual board plays, by what causes them. */
enum chip_rst_role {
    CHIP_RST_POWERON,  /* EN released, power applied */
    CHIP_RST_CPU,      /* esp_restart(), the loader's and the stub's reboot */
    CHIP_RST_SYS,      /* the second-stage bootloader's bootloader_reset() */
    CHIP_RST_WDT,      /* the watchdog that ends a ROM boot failure */
    CHIP_RST_BROWNOUT, /* the brownout detector */
    CHIP_RST_ROLES
};

/* A reset as the ROM prints it: code 0 = not known; printed NULL = the
 * reason table's name ("RTCWDT_RTC_RESET"); newer ROMs print their own
 * short names ("TG0WDT_SYS_RST"), taken from boot logs. */
struct chip_rom_rst {
    uint8_t code;
    const char *printed;
};

/* How one ROM build fails to boot from flash (docs/sim-boot.md cites the
 * boot logs each text comes from). */
struct chip_rom_failure {
    const char *no_header;     /* text when the bootloader has no 0xE9 (NULL: "invalid header" lines) */
    unsigned no_header_repeat; /* "invalid header" lines per round */
    const char *bad_block;     /* text after a load:... the ROM cannot load ("" = it hangs) */
    const char *gave_up;       /* the "ets_main.c N" line after a failure it reports */
    uint32_t wdt_saved_pc_header, wdt_saved_pc_block; /* "Saved PC:" after the watchdog reset (0: none) */
};

/* One build of the ROM, told apart by how its banner starts. */
struct chip_rom_build {
    const char *banner;                     /* "ets Jun  8 2016 00:22:57", "ESP-ROM:esp32s3" */
    const char *name;                       /* "ESP32 ROM of chip revisions 0 and 1" */
    const struct chip_rom_failure *failure; /* NULL: how it fails is not modelled (no boot log) */
};

#define CHIP_ROM_BUILDS  3
#define CHIP_ROM_REASONS 24

struct chip_rom {
    bool known;              /* false: espburn has no facts about this ROM ... */
    const char *unknown_why; /* ... and this sentence says why */
    struct chip_rom_build builds[CHIP_ROM_BUILDS];
    struct reset_reason reasons[CHIP_ROM_REASONS];
    const char *after_banner; /* between the banner and "rst:" */
    bool classic;             /* prints configsip/clk_drv, decimal lengths and "ho" lines */
    uint8_t boot_pin_bit;     /* strapping bit of the boot-mode pin */
    const char *boot_pin;     /* "GPIO0" */
    uint8_t vdd18_bit;        /* strapping bit selecting 1.8 V flash, 0: none */
    const char *vdd18_pin;    /* "MTDI (GPIO12)" */
    const char *watchdog;     /* the one that resets a ROM that cannot boot */
    uint32_t wdt_period_us;   /* how long that watchdog waits (0: not known) */
    struct chip_rom_rst rst[CHIP_RST_ROLES];
};

/* The rows chips.c points to. */
extern const struct chip_rom chip_rom_esp32, chip_rom_esp32s2, chip_rom_esp32s3, chip_rom_esp32c3,
    chip_rom_esp32c2, chip_rom_esp32c6, chip_rom_esp32h2, chip_rom_esp32c5, chip_rom_esp32p4;

/* The chip whose ROM banner starts `line` (after leading spaces), or NULL;
 * the build through *build. Chips whose ROM is not known never match. */
const struct chip *chip_by_rom_banner(const char *line, const struct chip_rom_build **build);
/* The chip whose ROM prints configsip lines and decimal lengths (ESP32). */
const struct chip *chip_with_classic_rom(void);
/* The build of `chip`'s ROM whose banner starts `banner`, or NULL. */
const struct chip_rom_build *chip_rom_build_for(const struct chip *chip, const char *banner);
/* The reason with `code` on this ROM, or NULL (also for a NULL or unknown ROM). */
const struct reset_reason *chip_rom_reason(const struct chip_rom *rom, unsigned code);
/* "0x10 (RTCWDT_RTC_RESET)" into buf: the reset `role` as this ROM prints
 * it; NULL when the ROM or that reset is not known. */
const char *chip_rom_rst_text(const struct chip_rom *rom, enum chip_rst_role role, char *buf, size_t n);

#endif
