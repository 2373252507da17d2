/* bootlog_catalogue.h - the known boot and crash messages, as data: the text the
 * chip prints (a pattern, see pattern.h), how bad it is, and plain
 * sentences for what happened, why, and what to do. Templates may use
 * $1..$4 (the pattern's holes; %x holes without their 0x), {bl} (the
 * bootloader offset), {offsets} (every chip's, from the chip table), {pin}
 * (the boot-mode pin), {chip} and {wdt} (the watchdog that resets a ROM
 * that cannot boot). */
#ifndef ESPBURN_BOOTLOG_CATALOGUE_H
#define ESPBURN_BOOTLOG_CATALOGUE_H

enum bootlog_level {
    BOOTLOG_INFO,
    BOOTLOG_WARN,
    BOOTLOG_FAIL
};

/* Which flash offset a finding is about, for tying it to a plan's files. */
enum bootlog_target {
    BOOTLOG_TARGET_NONE,
    BOOTLOG_TARGET_BOOTLOADER, /* the chip's bootloader offset */
    BOOTLOG_TARGET_TABLE,      /* the partition table (0x8000) */
    BOOTLOG_TARGET_APP,        /* an app partition, offset in the first hole */
};

struct bootlog_msg {
    const char *code; /* stable id: tests, JSON, dedupe */
    const char *pattern;
    enum bootlog_level level;
    const char *unless; /* skip when a finding whose code starts so exists */
    enum bootlog_target target;
    const char *what, *why, *fix;
};

extern const struct bootlog_msg bootlog_catalogue[]; /* ends with code == NULL */

/* What a Guru Meditation cause ("LoadProhibited") means; NULL if unknown. */
const char *bootlog_panic_meaning(const char *cause);

#endif
