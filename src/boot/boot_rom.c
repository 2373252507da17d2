/* boot_rom.c - the ROM facts table. Sources: ESP-IDF
 * components/esp_rom/include/<chip>/rom/rtc.h (RESET_REASON), esptool's
 * docs/en/advanced-topics/boot-mode-selection.rst (strapping bits: ESP32
 * 0x10 GPIO0, 0x20 MTDI; newer chips 0x08 boot pin, 0x04 second boot pin),
 * the chips' technical reference manuals (GPIO_STRAP_REG: on S2/S3 bit 4
 * is GPIO45, VDD_SPI voltage) and boot logs users posted. */
#include "boot/boot_rom.h"

#include <string.h>

#define ESP32_REASONS                                                                               \
    { 0x01, "POWERON_RESET", RESET_POWER_ON }, { 0x03, "SW_RESET", RESET_SOFTWARE },                \
        { 0x04, "OWDT_RESET", RESET_WATCHDOG }, { 0x05, "DEEPSLEEP_RESET", RESET_DEEP_SLEEP },      \
        { 0x06, "SDIO_RESET", RESET_HOST }, { 0x07, "TG0WDT_SYS_RESET", RESET_WATCHDOG },           \
        { 0x08, "TG1WDT_SYS_RESET", RESET_WATCHDOG }, { 0x09, "RTCWDT_SYS_RESET", RESET_WATCHDOG }, \
        { 0x0A, "INTRUSION_RESET", RESET_HOST }, { 0x0B, "TGWDT_CPU_RESET", RESET_WATCHDOG },       \
        { 0x0C, "SW_CPU_RESET", RESET_SOFTWARE }, { 0x0D, "RTCWDT_CPU_RESET", RESET_WATCHDOG },     \
        { 0x0E, "EXT_CPU_RESET", RESET_HOST }, { 0x0F, "RTCWDT_BROWN_OUT_RESET", RESET_BROWNOUT },  \
    {                                                                                               \
        0x10, "RTCWDT_RTC_RESET", RESET_WATCHDOG                                                    \
    }

/* ESP32-S2 and later share one numbering (soc/reset_reasons.h). */
#define NEWER_REASONS                                                                                     \
    { 0x01, "POWERON_RESET", RESET_POWER_ON }, { 0x03, "RTC_SW_SYS_RESET", RESET_SOFTWARE },              \
        { 0x05, "DEEPSLEEP_RESET", RESET_DEEP_SLEEP }, { 0x07, "TG0WDT_SYS_RESET", RESET_WATCHDOG },      \
        { 0x08, "TG1WDT_SYS_RESET", RESET_WATCHDOG }, { 0x09, "RTCWDT_SYS_RESET", RESET_WATCHDOG },       \
        { 0x0A, "INTRUSION_RESET", RESET_HOST }, { 0x0B, "TG0WDT_CPU_RESET", RESET_WATCHDOG },            \
        { 0x0C, "RTC_SW_CPU_RESET", RESET_SOFTWARE }, { 0x0D, "RTCWDT_CPU_RESET", RESET_WATCHDOG },       \
        { 0x0F, "RTCWDT_BROWN_OUT_RESET", RESET_BROWNOUT }, { 0x10, "RTCWDT_RTC_RESET", RESET_WATCHDOG }, \
        { 0x11, "TG1WDT_CPU_RESET", RESET_WATCHDOG }, { 0x12, "SUPER_WDT_RESET", RESET_WATCHDOG },        \
        { 0x13, "GLITCH_RTC_RESET", RESET_GLITCH }, { 0x14, "EFUSE_RESET", RESET_HOST },                  \
        { 0x15, "USB_UART_CHIP_RESET", RESET_HOST }, { 0x16, "USB_JTAG_CHIP_RESET", RESET_HOST },         \
    {                                                                                                     \
        0x17, "POWER_GLITCH_RESET", RESET_GLITCH                                                          \
    }

#define NEWER_WATCHDOG "main system watchdog (TG0WDT)"

const struct boot_rom boot_rom_table[] = {
    { .chip = "esp32",
      .banners = { { "ets Jun  8 2016 00:22:57", "ESP32 ROM of chip revisions 0 and 1" },
                   { "ets Jul 29 2019 12:21:46", "ESP32 ROM of chip revision 3" } },
      .reasons = { ESP32_REASONS },
      .boot_pin_bit = 0x10,
      .boot_pin = "GPIO0",
      .vdd18_bit = 0x20,
      .vdd18_pin = "MTDI (GPIO12)",
      .watchdog = "RTC watchdog",
      .classic = true },
    { .chip = "esp32s2",
      .banners = { { "ESP-ROM:esp32s2", "ESP32-S2 ROM" } },
      .reasons = { NEWER_REASONS },
      .boot_pin_bit = 0x08,
      .boot_pin = "GPIO0",
      .vdd18_bit = 0x10,
      .vdd18_pin = "GPIO45",
      .watchdog = NEWER_WATCHDOG },
    { .chip = "esp32s3",
      .banners = { { "ESP-ROM:esp32s3", "ESP32-S3 ROM" } },
      .reasons = { NEWER_REASONS },
      .boot_pin_bit = 0x08,
      .boot_pin = "GPIO0",
      .vdd18_bit = 0x10,
      .vdd18_pin = "GPIO45",
      .watchdog = NEWER_WATCHDOG },
    { .chip = "esp32c3",
      .banners = { { "ESP-ROM:esp32c3", "ESP32-C3 ROM" } },
      .reasons = { NEWER_REASONS },
      .boot_pin_bit = 0x08,
      .boot_pin = "GPIO9",
      .watchdog = NEWER_WATCHDOG },
    { .chip = "esp32c2",
      .banners = { { "ESP-ROM:esp32c2", "ESP32-C2 ROM" } },
      .reasons = { NEWER_REASONS },
      .boot_pin_bit = 0x08,
      .boot_pin = "GPIO9",
      .watchdog = NEWER_WATCHDOG },
    { .chip = "esp32c6",
      .banners = { { "ESP-ROM:esp32c6", "ESP32-C6 ROM" } },
      .reasons = { NEWER_REASONS },
      .boot_pin_bit = 0x08,
      .boot_pin = "GPIO9",
      .watchdog = NEWER_WATCHDOG },
    { .chip = "esp32h2",
      .banners = { { "ESP-ROM:esp32h2", "ESP32-H2 ROM" } },
      .reasons = { NEWER_REASONS },
      .boot_pin_bit = 0x08,
      .boot_pin = "GPIO9",
      .watchdog = NEWER_WATCHDOG },
    { .chip = NULL },
};

const struct boot_rom *boot_rom_for_chip(const struct chip *chip)
{
    for (const struct boot_rom *r = boot_rom_table; chip && r->chip; r++)
        if (strcmp(r->chip, chip->name) == 0)
            return r;
    return NULL;
}

const struct boot_rom *boot_rom_by_banner(const char *line, const struct boot_banner **banner)
{
    while (*line == ' ')
        line++;
    for (const struct boot_rom *r = boot_rom_table; r->chip; r++)
        for (int i = 0; i < BOOT_MAX_BANNERS && r->banners[i].text; i++)
            if (strncmp(line, r->banners[i].text, strlen(r->banners[i].text)) == 0) {
                *banner = &r->banners[i];
                return r;
            }
    return NULL;
}

const struct boot_rom *boot_rom_classic(void)
{
    for (const struct boot_rom *r = boot_rom_table; r->chip; r++)
        if (r->classic)
            return r;
    return NULL;
}

const struct reset_reason *boot_rom_reason(const struct boot_rom *rom, unsigned code)
{
    for (int i = 0; rom && i < BOOT_MAX_REASONS && rom->reasons[i].name; i++)
        if (rom->reasons[i].code == code)
            return &rom->reasons[i];
    return NULL;
}

/* Newer ROMs print short names ("POWERON", "RTC_SW_CPU_RST",
 * "USB_UART_HPSYS"): the words in them say the kind. */
enum reset_kind reset_kind_from_name(const char *name)
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

const char *reset_kind_meaning(enum reset_kind kind)
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
