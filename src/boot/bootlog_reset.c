/* bootlog_reset.c - reset kinds from the names ROMs print, and what each
 * kind means in plain words. */
#include "boot/bootlog_reset.h"

#include <string.h>

/* Newer ROMs print short names ("POWERON", "RTC_SW_CPU_RST",
 * "USB_UART_HPSYS"): the words in them say the kind. */
enum reset_kind bootlog_reset_kind(const char *name)
{
    static const struct {
        const char *word;
        enum reset_kind kind;
    } words[] = {
        { "BROWN", RESET_BROWNOUT },
        { "WDT", RESET_WATCHDOG },
        { "GLITCH", RESET_GLITCH },
        { "POWERON", RESET_POWER_ON },
        { "DEEPSLEEP", RESET_DEEP_SLEEP },
        { "SW", RESET_SOFTWARE },
        { "USB", RESET_HOST },
        { "JTAG", RESET_HOST },
        { "SDIO", RESET_HOST },
        { "EXT", RESET_HOST },
        { "EFUSE", RESET_HOST },
        { "INTRUSION", RESET_HOST },
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(name, words[i].word))
            return words[i].kind;
    return RESET_UNKNOWN;
}

const char *bootlog_reset_meaning(enum reset_kind kind)
{
    switch (kind) {
    case RESET_POWER_ON:
        return "power was applied or the EN (reset) pin was pulled low: a normal first boot, or the reset button";
    case RESET_SOFTWARE:
        return "the firmware restarted the chip itself: esp_restart(), a crash handler rebooting after a panic, or a flashing tool";
    case RESET_WATCHDOG:
        return "a watchdog fired because the code stopped making progress: a hang, a long loop without yielding, or a boot stage that never finished";
    case RESET_BROWNOUT:
        return "the supply voltage dropped too low: weak USB port or cable, or current peaks (Wi-Fi, motors, LEDs)";
    case RESET_DEEP_SLEEP: return "the chip woke from deep sleep, as the firmware asked";
    case RESET_HOST:
        return "something outside the firmware reset the chip: the USB host, a debugger, the eFuse controller";
    case RESET_GLITCH: return "a glitch detector saw the clock or supply misbehave: check the power supply";
    case RESET_UNKNOWN: break;
    }
    return "a reset this ROM does not name";
}
