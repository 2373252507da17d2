/* bootchain.h - what a chip prints when it boots from flash, computed from
 * the flash contents: the ROM stage (banner, reset line, header, segment
 * loads, its failures), the ESP-IDF second-stage bootloader (partition
 * table, app selection, image verification, its error lines) and the start
 * of the application, which the virtual board cannot run. Pure: no I/O, no
 * threads; the caller emits the text at the times given and schedules the
 * next reset when the round ends in one. Facts and sources: docs/sim-boot.md. */
#ifndef ESPBURN_SIM_BOOTCHAIN_H
#define ESPBURN_SIM_BOOTCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chips.h"
#include "common/bytes.h"
#include "common/err.h"

/* Faults the board can show at boot (bit flags). */
enum {
    BOOT_FAULT_BROWNOUT = 1u << 0,      /* supply droops when the app starts the radio */
    BOOT_FAULT_PSRAM_MISSING = 1u << 1, /* the board has no PSRAM */
};

struct bootchain_in {
    const struct chip *chip;
    const char *banner; /* the ROM banner as the board prints it */
    const char *rst;    /* "0x1 (POWERON_RESET)" */
    uint32_t saved_pc;  /* newer ROMs print "Saved PC:" after some resets; 0: none */
    const char *boot;   /* "0x13 (SPI_FAST_FLASH_BOOT)" */
    bool download;      /* the boot pin was low: ROM download mode */
    const uint8_t *flash;
    uint32_t flash_size;
    unsigned faults; /* BOOT_FAULT_* */
};

enum boot_stop {
    BOOT_STOP_DOWNLOAD, /* ROM download mode, waiting for a host */
    BOOT_STOP_RESET,    /* the chip resets at reset_after_us: a boot loop */
    BOOT_STOP_APP,      /* the application was started; the board idles */
};

enum boot_stage {
    BOOT_STAGE_ROM,
    BOOT_STAGE_BOOTLOADER,
    BOOT_STAGE_APP
};

/* Text up to byte `end` is printed at `at_us` after the round started. */
struct boot_mark {
    size_t end;
    uint64_t at_us;
};

#define BOOT_MAX_MARKS 256

struct bootchain_out {
    bytes text; /* everything the chip prints in this round */
    struct boot_mark marks[BOOT_MAX_MARKS];
    size_t nmarks;
    enum boot_stop stop;
    enum boot_stage stage;   /* the stage it stopped in */
    uint64_t reset_after_us; /* BOOT_STOP_RESET: when the next round starts */
    char next_rst[48];       /* BOOT_STOP_RESET: its "0x10 (RTCWDT_RTC_RESET)" */
    uint32_t next_saved_pc;  /* and its "Saved PC:" value (0: none) */
    char cause[320];         /* one sentence: why the round ended so */
    /* BOOT_STOP_APP: the application started. */
    uint32_t app_offset;
    char app_banner[128]; /* its MicroPython banner or project name, "" if none */
    bool app_micropython;
};

/* One boot round from reset. Fails (and prints nothing) only when the chip
 * has no ROM model or memory runs out. Free the result with
 * bootchain_out_free(). */
int bootchain_run(const struct bootchain_in *in, struct bootchain_out *out, eb_err *err);
void bootchain_out_free(struct bootchain_out *out);
/* What the ROM prints between its banner and "rst:" ("\r\n\r\n" on the
 * ESP32, "\r\n" on the newer ROMs); the ESP32's when the ROM has no model. */
const char *bootchain_banner_gap(const struct chip *chip, const char *banner);

#endif
