/* chip_rom.c - the ROM facts rows. Sources: ESP-IDF
 * components/esp_rom/include/<chip>/rom/rtc.h (RESET_REASON), esptool's
 * docs/en/advanced-topics/boot-mode-selection.rst (strapping bits: ESP32
 * 0x10 GPIO0, 0x20 MTDI; newer chips 0x08 boot pin, 0x04 second boot pin),
 * the chips' technical reference manuals (GPIO_STRAP_REG: on S2/S3 bit 4
 * is GPIO45, VDD_SPI voltage), and boot logs users posted: banners, the
 * names newer ROMs print, and how each build fails (docs/sim-boot.md cites
 * the logs line by line). */
#include "chip/chip_rom.h"

#include <stdio.h>
#include <string.h>

#include "chip/chips.h"

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
#define WDT_PERIOD_US  400000 /* reset to reset in every boot loop logged (esphome#632: 0.40 s) */

/* The ESP32 prints the rtc.h names themselves. */
#define ESP32_RESETS                                                          \
    {                                                                         \
        [CHIP_RST_POWERON] = { 0x01, NULL }, [CHIP_RST_CPU] = { 0x0C, NULL }, \
        [CHIP_RST_SYS] = { 0x03, NULL }, [CHIP_RST_WDT] = { 0x10, NULL },     \
        [CHIP_RST_BROWNOUT] = { 0x0F, NULL },                                 \
    }
/* The S3 and C3 ROMs print short names: "rst:0x1 (POWERON)", "0x3
 * (RTC_SW_SYS_RST)", "0x7 (TG0WDT_SYS_RST)", "0xc (RTC_SW_CPU_RST)" in
 * users' logs (esp-idf#12110, airplay-esp32#18, ESP32-CAM_MJPEG2SD#432);
 * "0xf (BROWN_OUT_RST)" seen on the S3, assumed on the C3 (docs/sim.md). */
#define NEWER_RESETS                                                                              \
    {                                                                                             \
        [CHIP_RST_POWERON] = { 0x01, "POWERON" }, [CHIP_RST_CPU] = { 0x0C, "RTC_SW_CPU_RST" },    \
        [CHIP_RST_SYS] = { 0x03, "RTC_SW_SYS_RST" }, [CHIP_RST_WDT] = { 0x07, "TG0WDT_SYS_RST" }, \
        [CHIP_RST_BROWNOUT] = { 0x0F, "BROWN_OUT_RST" },                                          \
    }

/* ---- how each build fails (docs/sim-boot.md, "ROM stage") ---- */

static const struct chip_rom_failure esp32_rev1_failure = {
    .no_header = "flash read err, 1000\r\n",
    .bad_block = "",
    .gave_up = "ets_main.c 371 \r\n",
};
static const struct chip_rom_failure esp32_rev3_failure = {
    .no_header_repeat = 8,
    .bad_block = "",
    .gave_up = "ets_main.c 384 \r\n",
};
static const struct chip_rom_failure s3_failure = {
    .no_header_repeat = 8,
    .bad_block = "Invalid image block, can't boot.\r\n",
    .gave_up = "ets_main.c 329\r\n",
    .wdt_saved_pc_header = 0x40049b21,
    .wdt_saved_pc_block = 0x40043ac8,
};
/* A segment it cannot load gets "ets_loader.c 78" right after its load
 * line (no "Invalid image block" text), then TG0WDT resets. */
static const struct chip_rom_failure c3_failure = {
    .no_header_repeat = 8,
    .bad_block = "ets_loader.c 78\r\n",
    .gave_up = "",
    .wdt_saved_pc_header = 0x4004d1f8,
    .wdt_saved_pc_block = 0x40049a42,
};

/* ---- the rows ---- */

const struct chip_rom chip_rom_esp32 = {
    .known = true,
    .builds = { { "ets Jun  8 2016 00:22:57", "ESP32 ROM of chip revisions 0 and 1", &esp32_rev1_failure },
                { "ets Jul 29 2019 12:21:46", "ESP32 ROM of chip revision 3", &esp32_rev3_failure } },
    .reasons = { ESP32_REASONS },
    .after_banner = "\r\n\r\n",
    .classic = true,
    .boot_pin_bit = 0x10,
    .boot_pin = "GPIO0",
    .vdd18_bit = 0x20,
    .vdd18_pin = "MTDI (GPIO12)",
    .watchdog = "RTC watchdog",
    .wdt_period_us = WDT_PERIOD_US,
    .rst = ESP32_RESETS,
};

/* How the ESP32-S2, -C2, -C6 and -H2 ROMs fail and which short names they
 * print: no boot log checked yet, so the virtual board has no board of them. */
const struct chip_rom chip_rom_esp32s2 = {
    .known = true,
    .builds = { { "ESP-ROM:esp32s2", "ESP32-S2 ROM", NULL } },
    .reasons = { NEWER_REASONS },
    .after_banner = "\r\n",
    .boot_pin_bit = 0x08,
    .boot_pin = "GPIO0",
    .vdd18_bit = 0x10,
    .vdd18_pin = "GPIO45",
    .watchdog = NEWER_WATCHDOG,
};

const struct chip_rom chip_rom_esp32s3 = {
    .known = true,
    .builds = { { "ESP-ROM:esp32s3-20210327", "ESP32-S3 ROM", &s3_failure },
                { "ESP-ROM:esp32s3", "ESP32-S3 ROM", NULL } },
    .reasons = { NEWER_REASONS },
    .after_banner = "\r\n",
    .boot_pin_bit = 0x08,
    .boot_pin = "GPIO0",
    .vdd18_bit = 0x10,
    .vdd18_pin = "GPIO45",
    .watchdog = NEWER_WATCHDOG,
    .wdt_period_us = WDT_PERIOD_US,
    .rst = NEWER_RESETS,
};

/* esp-idf#8926 shows another "Saved PC" than the api1-20210207 build's:
 * other C3 builds are recognised but their failures are not modelled. */
const struct chip_rom chip_rom_esp32c3 = {
    .known = true,
    .builds = { { "ESP-ROM:esp32c3-api1-20210207", "ESP32-C3 ROM", &c3_failure },
                { "ESP-ROM:esp32c3", "ESP32-C3 ROM", NULL } },
    .reasons = { NEWER_REASONS },
    .after_banner = "\r\n",
    .boot_pin_bit = 0x08,
    .boot_pin = "GPIO9",
    .watchdog = NEWER_WATCHDOG,
    .wdt_period_us = WDT_PERIOD_US,
    .rst = NEWER_RESETS,
};

const struct chip_rom chip_rom_esp32c2 = {
    .known = true,
    .builds = { { "ESP-ROM:esp32c2", "ESP32-C2 ROM", NULL } },
    .reasons = { NEWER_REASONS },
    .after_banner = "\r\n",
    .boot_pin_bit = 0x08,
    .boot_pin = "GPIO9",
    .watchdog = NEWER_WATCHDOG,
};

const struct chip_rom chip_rom_esp32c6 = {
    .known = true,
    .builds = { { "ESP-ROM:esp32c6", "ESP32-C6 ROM", NULL } },
    .reasons = { NEWER_REASONS },
    .after_banner = "\r\n",
    .boot_pin_bit = 0x08,
    .boot_pin = "GPIO9",
    .watchdog = NEWER_WATCHDOG,
};

const struct chip_rom chip_rom_esp32h2 = {
    .known = true,
    .builds = { { "ESP-ROM:esp32h2", "ESP32-H2 ROM", NULL } },
    .reasons = { NEWER_REASONS },
    .after_banner = "\r\n",
    .boot_pin_bit = 0x08,
    .boot_pin = "GPIO9",
    .watchdog = NEWER_WATCHDOG,
};

/* Deliberately empty: espburn flashes the ESP32-C5 and -P4 (chips.c) but
 * has checked no boot log of their ROMs, so their banners, strapping bits
 * and reset names would be guesses. The analyzer says so when a log names
 * one ("ESP-ROM:esp32c5..."); the virtual board has no board of them. */
const struct chip_rom chip_rom_esp32c5 = {
    .known = false,
    .unknown_why = "no boot log of the ESP32-C5 ROM has been checked yet, so its reset reasons, "
                   "strapping bits and failure messages are not in espburn's tables",
};
const struct chip_rom chip_rom_esp32p4 = {
    .known = false,
    .unknown_why = "no boot log of the ESP32-P4 ROM has been checked yet, so its reset reasons, "
                   "strapping bits and failure messages are not in espburn's tables",
};

/* ---- lookups ---- */

const struct chip_rom_build *chip_rom_build_for(const struct chip *chip, const char *banner)
{
    if (!chip || !chip->rom->known || !banner)
        return NULL;
    while (*banner == ' ')
        banner++;
    for (int i = 0; i < CHIP_ROM_BUILDS && chip->rom->builds[i].banner; i++) {
        const struct chip_rom_build *b = &chip->rom->builds[i];
        if (strncmp(banner, b->banner, strlen(b->banner)) == 0)
            return b;
    }
    return NULL;
}

const struct chip *chip_by_rom_banner(const char *line, const struct chip_rom_build **build)
{
    for (const struct chip *c = chip_table; c->name; c++) {
        const struct chip_rom_build *b = chip_rom_build_for(c, line);
        if (b) {
            *build = b;
            return c;
        }
    }
    return NULL;
}

const struct chip *chip_with_classic_rom(void)
{
    for (const struct chip *c = chip_table; c->name; c++)
        if (c->rom->known && c->rom->classic)
            return c;
    return NULL;
}

const struct reset_reason *chip_rom_reason(const struct chip_rom *rom, unsigned code)
{
    for (int i = 0; rom && rom->known && i < CHIP_ROM_REASONS && rom->reasons[i].name; i++)
        if (rom->reasons[i].code == code)
            return &rom->reasons[i];
    return NULL;
}

const char *chip_rom_rst_text(const struct chip_rom *rom, enum chip_rst_role role, char *buf, size_t n)
{
    if (!rom || !rom->known || role >= CHIP_RST_ROLES || rom->rst[role].code == 0)
        return NULL;
    const struct chip_rom_rst *r = &rom->rst[role];
    const struct reset_reason *reason = chip_rom_reason(rom, r->code);
    const char *name = r->printed ? r->printed : reason ? reason->name : NULL;
    if (!name)
        return NULL;
    snprintf(buf, n, "0x%x (%s)", r->code, name);
    return buf;
}
