/* simboot_internal.h - shared between the boot-chain stages (simboot.c: ROM
 * and orchestration, simboot_idf.c: ESP-IDF second stage, simboot_app.c: the
 * application's first moments): the output cursor with its modelled
 * clock, the ROM's facts (the chip table's row, chip/chip_rom.h, and the
 * reset lines it prints) and the flash view. Not for other modules. */
#ifndef ESPBURN_SIM_SIMBOOT_INTERNAL_H
#define ESPBURN_SIM_SIMBOOT_INTERNAL_H

#include "chip/chip_rom.h"
#include "sim/simboot.h"

/* The output of a round, with the clock of the modelled chip: every byte
 * printed costs a UART character time, and flash work costs its time. */
struct simboot_cursor {
    struct simboot_out *out;
    uint64_t t_ns;      /* now, from the start of the round */
    uint64_t fifo_t_ns; /* when the UART FIFO held fifo_level bytes */
    size_t fifo_level;
    bool colors; /* the running firmware prints ANSI colours */
    bool failed; /* out of memory */
    const struct simboot_in *in;
    const struct chip_rom *rom;          /* the chip's ROM (known) */
    const struct chip_rom_failure *fail; /* how the board's ROM build fails */
    char wdt_rst[SIMBOOT_RST_LEN];       /* "0x10 (RTCWDT_RTC_RESET)": ends a ROM failure */
    char sys_rst[SIMBOOT_RST_LEN];       /* the second stage's bootloader_reset() */
    char cpu_rst[SIMBOOT_RST_LEN];       /* the app's esp_restart() */
};

#define SIMBOOT_CHAR_NS   86806u /* 10 bits at 115200 baud */
#define SIMBOOT_UART_FIFO 128u   /* printing blocks only when this is full */

void simboot_print(struct simboot_cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An ESP_LOG line: "I (ms) tag: text" with colours when the firmware has them. */
void simboot_log(struct simboot_cursor *c, char level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void simboot_spend(struct simboot_cursor *c, uint64_t ns);
/* The line the virtual board itself says (never the chip). */
void simboot_board_says(struct simboot_cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The round ends in a reset at after_ns (at least 1 ms after the last
 * print), with the next round's reset line and "Saved PC:". */
void simboot_reset(struct simboot_cursor *c, uint64_t after_ns, const char *rst, uint32_t saved_pc,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Flash access as the firmware sees it: [addr, addr+n) or NULL when it
 * runs past the chip. */
const uint8_t *simboot_flash_at(const struct simboot_in *in, uint32_t addr, uint32_t n);

/* The NUL-terminated string in data[0..len) that contains `needle`, or NULL.
 * The result points into data and is terminated inside it. */
const char *simboot_find_string(const uint8_t *data, size_t len, const char *needle);

/* Second stage, entered at `entry` once the ROM loaded the bootloader
 * image bl[0..bl_len) (its whole image, checksum and hash included). */
void simboot_idf_run(struct simboot_cursor *c, const uint8_t *bl, size_t bl_len);
/* The application at `offset` (image_len bytes) was verified and starts. */
void simboot_app_run(struct simboot_cursor *c, uint32_t offset, size_t image_len);

#endif
