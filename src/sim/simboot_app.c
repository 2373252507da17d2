/* simboot_app.c - the first moments of the application the bootloader
 * started. The virtual board cannot run its code, so it prints only what
 * the application would print whatever its code does, and only when the
 * application carries that text: the PSRAM start-up failure of a PSRAM
 * build on a board without PSRAM (ESP-IDF cpu_start.c / spiram.c: abort,
 * or go on without it when built with SPIRAM_IGNORE_NOTFOUND), and the
 * brownout detector's message (brownout.c) followed by a software reset.
 * Then it says, once and marked as itself, that the app stage is reached,
 * with the app's MicroPython banner (or project name) when it has one; a
 * MicroPython app is then played by a real MicroPython (simboot_engine.c). */
#include "sim/simboot_internal.h"

#include <stdio.h>
#include <string.h>

#include "image/esp_image.h"

#define BROWNOUT_AFTER_NS 150000000ull /* the radio starts ~150 ms into the app */
#define PSRAM_BAD_ID      0xFFFFFFFFu  /* what a read from no chip returns */

struct app {
    struct simboot_cursor *c;
    const uint8_t *img;
    size_t len;
    uint32_t offset;
};

static bool carries(const struct app *a, const char *text)
{
    return simboot_find_string(a->img, a->len, text) != NULL;
}

/* False when the application aborts (and the chip restarts). */
static bool psram_start(const struct app *a)
{
    struct simboot_cursor *c = a->c;
    bool continues = carries(a, "Failed to init external RAM; continuing without it.");
    bool aborts = carries(a, "Failed to init external RAM!");
    if (!continues && !aborts)
        return true; /* not a PSRAM build: nothing to fail */
    if (carries(a, "PSRAM ID read error"))
        simboot_log(c, 'E', "psram", "PSRAM ID read error: 0x%08x", PSRAM_BAD_ID);
    if (carries(a, "SPI RAM enabled but initialization failed. Bailing out."))
        simboot_log(c, 'E', "spiram", "SPI RAM enabled but initialization failed. Bailing out.");
    if (continues) {
        simboot_log(c, 'I', "cpu_start", "Failed to init external RAM; continuing without it.");
        return true;
    }
    simboot_log(c, 'E', "cpu_start", "Failed to init external RAM!");
    simboot_board_says(c, "the application calls abort() here; the real chip prints \"abort() was "
                          "called at PC 0x... on core 0\" and a backtrace, then restarts");
    simboot_reset(c, c->t_ns, c->cpu_rst, 0,
                  "the application needs PSRAM and the board has none: it aborts and the chip restarts");
    return false;
}

static void brownout(const struct app *a)
{
    struct simboot_cursor *c = a->c;
    simboot_spend(c, BROWNOUT_AFTER_NS);
    simboot_print(c, "\r\nBrownout detector was triggered\r\n\r\n");
    simboot_reset(c, c->t_ns, c->cpu_rst, 0,
                  "the supply voltage dropped when the application started: the brownout detector "
                  "restarts the chip");
}

/* The MicroPython banner the image carries ("MicroPython v1.x on date;
 * board with chip"), or the app descriptor's project and version. */
static void find_banner(const struct app *a, struct simboot_out *o)
{
    const uint8_t *p = a->img, *end = a->img + a->len;
    while (p < end) {
        const char *s = simboot_find_string(p, (size_t)(end - p), "MicroPython ");
        if (!s)
            break;
        size_t n = strlen(s);
        if (strncmp(s, "MicroPython ", 12) == 0 && strstr(s, " with ") && n < sizeof o->app_banner) {
            memcpy(o->app_banner, s, n + 1);
            o->app_micropython = true;
            return;
        }
        p = (const uint8_t *)s + n + 1;
    }
    struct esp_image img;
    if (esp_image_parse(a->img, a->len, &img, NULL) == 0 && img.app.present)
        snprintf(o->app_banner, sizeof o->app_banner, "%s %s", img.app.project, img.app.version);
}

void simboot_app_run(struct simboot_cursor *c, uint32_t offset, size_t image_len)
{
    struct app a = { .c = c,
                     .offset = offset,
                     .len = image_len,
                     .img = simboot_flash_at(c->in, offset, (uint32_t)image_len) };
    struct simboot_out *o = c->out;
    o->stage = SIMBOOT_STAGE_APP;
    o->app_offset = offset;
    o->stop = SIMBOOT_STOP_APP;
    snprintf(o->cause, sizeof o->cause, "the application at 0x%x was verified and started", offset);
    if (!a.img)
        return;
    find_banner(&a, o);
    if ((c->in->faults & SIMBOOT_FAULT_PSRAM_MISSING) && !psram_start(&a))
        return;
    if (c->in->faults & SIMBOOT_FAULT_BROWNOUT) {
        brownout(&a);
        return;
    }
    simboot_board_says(c,
                       "app stage: the application at 0x%x is running; this virtual board cannot "
                       "execute its code, so %s",
                       offset,
                       o->app_micropython ? "a real MicroPython (WebAssembly) stands in for it from here"
                                          : "the chip's own output ends here");
    if (o->app_banner[0])
        simboot_board_says(c, "%s banner: %s", o->app_micropython ? "its MicroPython" : "application",
                           o->app_banner);
}
