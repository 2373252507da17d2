/* bootlog_reset.h - what the analyzer makes of a reset line: the kind of
 * reset a printed name stands for, and one plain sentence per kind. The
 * chip's own reset reason table is chip/chip_rom.h. */
#ifndef ESPBURN_BOOTLOG_RESET_H
#define ESPBURN_BOOTLOG_RESET_H

#include "chip/chip_rom.h"

/* Classify a reset by the name the ROM printed ("RTCWDT_RTC_RESET",
 * "TG0WDT_SYS_RST", "USB_UART_HPSYS"): works for chips without a row too. */
enum reset_kind bootlog_reset_kind(const char *name);
/* One plain sentence: what such a reset usually means. */
const char *bootlog_reset_meaning(enum reset_kind kind);

#endif
