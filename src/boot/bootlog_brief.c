/* bootlog_brief.c - the short wording of each finding code (see bootlog_brief.h).
 * Templates: {bl} the bootloader offset, {off} the offset a finding is
 * about, {file} the plan's file there (else "the image"), {app} the
 * same for a command (else "app.bin"), {what} and {fix} the finding's own
 * texts, {count} and {every} a boot loop's count and period, {cause} the
 * cause of a boot loop. */
#include "boot/bootlog_brief.h"

#include <string.h>

#include "boot/text.h"

#define FLASH_ALL "espburn flash {bl} bootloader.bin 0x8000 partitions.bin 0x10000 {app}"

struct brief_text {
    const char *code, *line, *cause, *fix;
};

static const struct brief_text briefs[] = {
    { "app-at-bootloader-offset",
      "{file} at {bl} is an application — write it at 0x10000", /* the whole layout: the fix */
      "application at the bootloader offset", FLASH_ALL },
    { "no-bootloader", "no bootloader at {bl} — write bootloader.bin there, the table and the app at theirs",
      "no bootloader at {bl}", FLASH_ALL },
    { "bad-bootloader-header", "{file} at {bl} is not a bootloader — write bootloader.bin there",
      "no bootloader image at {bl}", FLASH_ALL },
    { "bootloader-checksum", "the bootloader at {bl} is corrupt (checksum) — write it again and verify",
      "corrupt bootloader at {bl}",
      "espburn flash {bl} bootloader.bin --flash-mode dio, then espburn verify" },
    { "bootloader-garbage", "the image at {bl} is not a valid bootloader — write it again and verify",
      "invalid bootloader at {bl}",
      "espburn flash {bl} bootloader.bin --flash-mode dio, then espburn verify" },
    { "bootloader-wrong-chip", "the bootloader at {bl} is for another chip — flash this chip's firmware",
      "bootloader built for another chip",
      "espburn info FILE names a file's chip; flash this chip's firmware" },
    { "bootloader-sha-mismatch", "the bootloader's SHA-256 does not match (usually harmless)",
      "bootloader hash mismatch", "if boots fail, write the bootloader built for this board again" },
    { "download-mode", "the chip started in download mode — release BOOT, press reset (or Ctrl-T R)",
      "started in download mode (boot pin low)", "release BOOT and press reset (EN), or Ctrl-T R" },
    { "app-missing", "no application at {off} — write it there, at its partition's offset",
      "no application at {off}", "espburn flash {off} {app}" },
    { "app-too-big", "the application is larger than its partition — flash the firmware's own table",
      "application larger than its partition", "espburn flash 0x8000 partitions.bin (the firmware's own)" },
    { "app-checksum", "the application is corrupt (checksum) — write it again and verify",
      "corrupt application", "espburn flash 0x10000 {app}, then espburn verify" },
    { "app-hash", "the application is corrupt (SHA-256) — write it again and verify", "corrupt application",
      "espburn flash 0x10000 {app}, then espburn verify" },
    { "app-segment", "the app partition holds no complete image — write the application again",
      "no complete application", "espburn flash 0x10000 {app}" },
    { "app-overlaps-bootloader",
      "bootloader and application do not match — flash the bootloader built with it",
      "bootloader and application do not match", "flash the bootloader built with this application" },
    { "wrong-chip", "the image is for another chip — flash this chip's firmware", "firmware for another chip",
      "espburn info FILE names a file's chip; flash this chip's firmware" },
    { "plan-wrong-chip", "{what} — flash this chip's firmware", "firmware for another chip", "{fix}" },
    { "table-exceeds-flash", "a partition ends past the flash size — flash again with the real size",
      "partition table larger than the flash", "espburn flash (it detects the flash size)" },
    { "table-invalid", "no valid partition table at 0x8000 — write partitions.bin there",
      "no valid partition table", "espburn flash 0x8000 partitions.bin" },
    { "table-md5", "the partition table at 0x8000 fails its MD5 — write it again", "corrupt partition table",
      "espburn flash 0x8000 partitions.bin" },
    { "no-bootable-app", "no bootable application — write it at the factory partition (0x10000)",
      "no bootable application", "espburn flash 0x10000 {app}" },
    { "app-not-bootable", "the factory partition holds no application — write it there",
      "no application in the factory partition", "espburn flash 0x10000 {app}" },
    { "flash-size-header", "the image claims more flash than the board has — flash with the real size",
      "flash size set too large", "espburn flash again (it detects the flash size)" },
    { "flash-size-header-small", "the flash is larger than the image header says — only part of it is used",
      "flash size set too small", "espburn flash again (it detects the flash size)" },
    { "quad-mode-header", "{what} — the ROM reads the bootloader in DIO or DOUT only",
      "bootloader header asks for a quad mode", "write the bootloader again with --flash-mode dio" },
    { "flash-1v8-strap", "the strapping pins select 1.8 V for the flash — keep that pin low at reset",
      "flash voltage strapped to 1.8 V", "keep the flash-voltage pin low at reset" },
    { "odd-boot-mode", "{what}", "unusual boot mode from the strapping pins",
      "check what drives the strapping pins at reset" },
    { "brownout", "brown-out: the supply voltage dropped — better USB cable or port, or a capacitor",
      "brown-out (supply voltage too low)",
      "a short good USB cable, a 500 mA port or powered hub, 100 uF near the module" },
    { "psram-missing", "the firmware needs PSRAM this board lacks — flash a build without PSRAM",
      "firmware needs PSRAM", "flash a build without PSRAM (not the SPIRAM one)" },
    { "stack-overflow", "{what} — give it a bigger stack", "task stack overflow",
      "a bigger task stack; big buffers on the heap" },
    { "abort", "{what} — the lines before it say why", "abort() in the firmware",
      "read the lines before the abort; --elf names the function" },
    { "esp-error-check", "{what}", "a failed ESP_ERROR_CHECK",
      "fix the cause of the error the next lines name" },
    { "assert", "{what}", "a failed assertion", "read the assertion's file and line" },
    { "task-wdt", "the task watchdog fired: a task did not yield — add vTaskDelay in long loops",
      "task watchdog", "let the task yield (vTaskDelay) inside long loops" },
    { "panic", "{what}", "crash (Guru Meditation)", "--elf names the backtrace's functions" },
    { "heap-corrupt", "the heap is corrupt — enable heap poisoning to find the culprit", "heap corruption",
      "CONFIG_HEAP_POISONING_COMPREHENSIVE finds the culprit" },
    { "stack-smash", "a function overwrote its stack frame — check its local arrays", "stack smashing",
      "check the sizes of local arrays" },
};

static const struct brief_text *brief_of(const char *code)
{
    for (size_t i = 0; i < sizeof briefs / sizeof briefs[0]; i++)
        if (strcmp(briefs[i].code, code) == 0)
            return &briefs[i];
    return NULL;
}

bool bootlog_brief_known(const char *code)
{
    return brief_of(code) != NULL || strcmp(code, "boot-loop") == 0;
}

struct fill {
    char bl[16], off[16], count[16], every[32];
    const char *file, *app, *what, *fix, *cause;
};

static void fill_in(const char *tmpl, const struct fill *v, char *out, size_t cap)
{
    const struct {
        const char *name, *value;
    } vars[] = { { "{bl}", v->bl },       { "{off}", v->off },     { "{file}", v->file },
                 { "{app}", v->app },     { "{what}", v->what },   { "{fix}", v->fix },
                 { "{count}", v->count }, { "{every}", v->every }, { "{cause}", v->cause } };
    out[0] = '\0';
    for (const char *p = tmpl; *p;) {
        size_t k = 0, nvars = sizeof vars / sizeof vars[0];
        while (k < nvars && strncmp(p, vars[k].name, strlen(vars[k].name)) != 0)
            k++;
        if (k < nvars) {
            text_add(out, cap, "%s", vars[k].value);
            p += strlen(vars[k].name);
        } else {
            text_add(out, cap, "%c", *p++);
        }
    }
}

static void loop_brief(const struct bootlog *bl, const struct bootlog_finding *f, struct fill *v,
                       struct bootlog_brief *out)
{
    const struct bootlog_finding *cause = bootlog_diagnosis(bl);
    struct bootlog_brief c;
    if (cause && cause != f) {
        bootlog_brief(bl, cause, &c);
    } else {
        text_put(c.cause, sizeof c.cause, "not recognised (the lines before each reset say why)");
        text_put(c.fix, sizeof c.fix, "%s", f->fix);
    }
    v->cause = c.cause;
    fill_in("boot loop ×{count}{every} — cause: {cause}", v, out->line, sizeof out->line);
    fill_in("boot loop: {cause}", v, out->cause, sizeof out->cause);
    out->titled = true;
    text_put(out->fix, sizeof out->fix, "%s", c.fix);
}

void bootlog_brief(const struct bootlog *bl, const struct bootlog_finding *f, struct bootlog_brief *out)
{
    out->titled = false;
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    struct fill v = { .file = f->file[0] ? f->file : "the image",
                      .app = f->file[0] ? f->file : "app.bin",
                      .what = f->what,
                      .fix = f->fix,
                      .cause = "" };
    if (s.chip)
        text_put(v.bl, sizeof v.bl, "0x%x", (unsigned)s.chip->bootloader_offset);
    else
        text_put(v.bl, sizeof v.bl, "the bootloader offset");
    text_put(v.off, sizeof v.off, "0x%x", (unsigned)f->target_off);
    text_put(v.count, sizeof v.count, "%u", f->count);
    if (s.period > 0)
        text_put(v.every, sizeof v.every, ", every %.1f s", s.period);
    if (strcmp(f->code, "boot-loop") == 0) {
        loop_brief(bl, f, &v, out);
        return;
    }
    const struct brief_text *b = brief_of(f->code);
    fill_in(b ? b->line : "{what}", &v, out->line, sizeof out->line);
    fill_in(b ? b->cause : "{what}", &v, out->cause, sizeof out->cause);
    if (f->file[0] && b)
        text_add(out->cause, sizeof out->cause, " (%s)", f->file);
    fill_in(b ? b->fix : "{fix}", &v, out->fix, sizeof out->fix);
}

const struct bootlog_finding *bootlog_loop(const struct bootlog *bl)
{
    for (unsigned i = 0; i < bootlog_count(bl); i++)
        if (strcmp(bootlog_finding(bl, i)->code, "boot-loop") == 0)
            return bootlog_finding(bl, i);
    return NULL;
}

const struct bootlog_finding *bootlog_diagnosis(const struct bootlog *bl)
{
    const struct bootlog_finding *warn = NULL;
    for (unsigned i = 0; i < bootlog_count(bl); i++) {
        const struct bootlog_finding *f = bootlog_finding(bl, i);
        if (f->level == BOOTLOG_FAIL && strcmp(f->code, "boot-loop") != 0)
            return f;
        if (f->level == BOOTLOG_WARN && !warn)
            warn = f;
    }
    const struct bootlog_finding *loop = bootlog_loop(bl);
    return loop ? loop : warn;
}
