/* simboot.h - what a chip prints when it boots from flash, computed from
 * the flash contents: the ROM stage (banner, reset line, header, segment
 * loads, its failures), the ESP-IDF second-stage bootloader (partition
 * table, app selection, image verification, its error lines) and the start
 * of the application, which the virtual board cannot run. Pure: no I/O, no
 * threads; the caller emits the text at the times given and schedules the
 * next reset when the round ends in one. Facts and sources: docs/sim-boot.md. */
#ifndef ESPBURN_SIM_SIMBOOT_H
#define ESPBURN_SIM_SIMBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chip_rom.h"
#include "chip/chips.h"
#include "common/bytes.h"
#include "common/err.h"

/* Faults the board can show at boot (bit flags). */
enum {
    SIMBOOT_FAULT_BROWNOUT = 1u << 0,      /* supply droops when the app starts the radio */
    SIMBOOT_FAULT_PSRAM_MISSING = 1u << 1, /* the board has no PSRAM */
};

struct simboot_in {
    const struct chip *chip;
    const char *banner; /* the ROM banner as the board prints it */
    const char *rst;    /* "0x1 (POWERON_RESET)" */
    uint32_t saved_pc;  /* newer ROMs print "Saved PC:" after some resets; 0: none */
    const char *boot;   /* "0x13 (SPI_FAST_FLASH_BOOT)" */
    bool download;      /* the boot pin was low: ROM download mode */
    const uint8_t *flash;
    uint32_t flash_size;
    unsigned faults; /* SIMBOOT_FAULT_* */
};

enum simboot_stop {
    SIMBOOT_STOP_DOWNLOAD, /* ROM download mode, waiting for a host */
    SIMBOOT_STOP_RESET,    /* the chip resets at reset_after_us: a boot loop */
    SIMBOOT_STOP_APP,      /* the application was started; the board idles */
};

enum simboot_stage {
    SIMBOOT_STAGE_ROM,
    SIMBOOT_STAGE_BOOTLOADER,
    SIMBOOT_STAGE_APP
};

/* Text up to byte `end` is printed at `at_us` after the round started. */
struct simboot_mark {
    size_t end;
    uint64_t at_us;
};

#define SIMBOOT_MAX_MARKS 256
#define SIMBOOT_RST_LEN   48 /* "0x10 (RTCWDT_RTC_RESET)" */

struct simboot_out {
    bytes text; /* everything the chip prints in this round */
    struct simboot_mark marks[SIMBOOT_MAX_MARKS];
    size_t nmarks;
    enum simboot_stop stop;
    enum simboot_stage stage;       /* the stage it stopped in */
    uint64_t reset_after_us;        /* SIMBOOT_STOP_RESET: when the next round starts */
    char next_rst[SIMBOOT_RST_LEN]; /* SIMBOOT_STOP_RESET: its "0x10 (RTCWDT_RTC_RESET)" */
    uint32_t next_saved_pc;         /* and its "Saved PC:" value (0: none) */
    char cause[320];                /* one sentence: why the round ended so */
    /* SIMBOOT_STOP_APP: the application started. */
    uint32_t app_offset;
    char app_banner[128]; /* its MicroPython banner or project name, "" if none */
    bool app_micropython;
};

/* One boot round from reset. Fails (and prints nothing) only when the
 * chip's ROM build has no failure model (chip_rom.h) or memory runs out.
 * Free the result with simboot_out_free(). */
int simboot_run(const struct simboot_in *in, struct simboot_out *out, eb_err *err);
void simboot_out_free(struct simboot_out *out);

/* A board can be played only when its chip's ROM is known and the resets
 * it plays have their printed form (chip_rom.h); the error says which fact
 * is missing. */
int simboot_check_chip(const struct chip *chip, const char *board, eb_err *err);
/* What the ROM prints between its banner and "rst:" ("\r\n\r\n" on the
 * ESP32, "\r\n" on the newer ROMs). */
const char *simboot_banner_gap(const struct chip *chip);
/* The reset `role` as the chip's ROM prints it ("0x1 (POWERON_RESET)"),
 * into buf; simboot_check_chip() passed, so it is always known. */
const char *simboot_rst(const struct chip *chip, enum chip_rst_role role, char buf[SIMBOOT_RST_LEN]);

#endif
