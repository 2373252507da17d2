/* simboot.c - one boot round from reset: the ROM stage (what the mask ROM
 * prints and how it fails) and the output cursor the later stages share.
 * ROM texts come from boot logs users posted (cited in docs/sim-boot.md):
 * "flash read err, 1000" / "ets_main.c 371 " and the 0.4 s RTC watchdog
 * loop (ESP32 rev 0/1), "invalid header: 0x........" eight times a round
 * (ESP32 rev 3), "csum err:0x..!=0x.." then "ets_main.c 371 " (rev 0/1) or
 * "ets_main.c 384" (rev 3), the ESP32-S3's "invalid header" and "Invalid image block,
 * can't boot." / "ets_main.c 329" with TG0WDT resets, the ESP32-C3's
 * "ets_loader.c 78", and the rule behind
 * "ho 0 tail 12 room 4" (printed when a segment header starts 12 bytes into
 * a 16-byte block). */
#include "sim/simboot_internal.h"

#include "image/esp_image.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ROM_READ_NS_PER_BYTE 400u     /* the ROM copies flash at about 2.5 MB/s */
#define RESET_AFTER_LAST_NS  1000000u /* a reset comes at least 1 ms after the last print */
#define ESP32_BOOT_BYTE_TEXT       \
    "configsip: 0, SPIWP:0xee\r\n" \
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"

/* ---- the chip's ROM facts (chip/chip_rom.h) ---- */

const char *simboot_rst(const struct chip *chip, enum chip_rst_role role, char buf[SIMBOOT_RST_LEN])
{
    const char *text = chip ? chip_rom_rst_text(chip->rom, role, buf, SIMBOOT_RST_LEN) : NULL;
    return text ? text : "0x0 (reset not known)"; /* simboot_check_chip() refuses such boards */
}

const char *simboot_banner_gap(const struct chip *chip)
{
    return chip && chip->rom->known ? chip->rom->after_banner : "\r\n\r\n";
}

int simboot_check_chip(const struct chip *chip, const char *board, eb_err *err)
{
    static const char *const roles[CHIP_RST_ROLES] = { "power-on", "software CPU", "system", "watchdog",
                                                       "brownout" };
    if (!board)
        board = "(unnamed)";
    if (!chip)
        return eb_fail(err, EB_USAGE, "board %s names no chip of the chip table; fix its row in sim/board.c",
                       board);
    if (!chip->rom->known)
        return eb_fail(err, EB_USAGE,
                       "board %s cannot be played: %s; pick another board (espburn sim --list)", board,
                       chip->rom->unknown_why);
    char text[SIMBOOT_RST_LEN];
    for (int r = 0; r < CHIP_RST_ROLES; r++)
        if (!chip_rom_rst_text(chip->rom, (enum chip_rst_role)r, text, sizeof text))
            return eb_fail(err, EB_USAGE,
                           "board %s cannot be played: what the %s ROM prints for a %s reset is not in "
                           "the chip table; add it to chip/chip_rom.c or pick another board",
                           board, chip->display, roles[r]);
    return 0;
}

/* ---- output cursor --------------------------------------------------- */

static void mark(struct simboot_cursor *c)
{
    struct simboot_out *o = c->out;
    uint64_t at_us = c->t_ns / 1000;
    if (o->nmarks && o->marks[o->nmarks - 1].at_us == at_us) {
        o->marks[o->nmarks - 1].end = o->text.len;
        return;
    }
    if (o->nmarks == SIMBOOT_MAX_MARKS) { /* keep the last mark moving */
        o->marks[o->nmarks - 1] = (struct simboot_mark){ o->text.len, at_us };
        return;
    }
    o->marks[o->nmarks++] = (struct simboot_mark){ o->text.len, at_us };
}

/* The text enters the UART FIFO now; the firmware waits only for the
 * bytes that do not fit in it, as the real ones do (so the first lines of
 * a stage share a time stamp). */
static void emit(struct simboot_cursor *c, const char *text, size_t n)
{
    if (n == 0)
        return;
    if (bytes_append(&c->out->text, text, n) != 0)
        c->failed = true;
    mark(c);
    uint64_t drained = (c->t_ns - c->fifo_t_ns) / SIMBOOT_CHAR_NS;
    size_t level = drained >= c->fifo_level ? 0 : c->fifo_level - (size_t)drained;
    size_t over = level + n > SIMBOOT_UART_FIFO ? level + n - SIMBOOT_UART_FIFO : 0;
    c->t_ns += (uint64_t)over * SIMBOOT_CHAR_NS;
    c->fifo_level = level + n - over;
    c->fifo_t_ns = c->t_ns;
}

static void vprint(struct simboot_cursor *c, const char *fmt, va_list ap)
{
    char line[512];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    emit(c, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void simboot_print(struct simboot_cursor *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(c, fmt, ap);
    va_end(ap);
}

void simboot_log(struct simboot_cursor *c, char level, const char *tag, const char *fmt, ...)
{
    const char *color = level == 'E' ? "\x1b[0;31m" : level == 'W' ? "\x1b[0;33m" : "\x1b[0;32m";
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    simboot_print(c, "%s%c (%u) %s: %s%s\r\n", c->colors ? color : "", level, (unsigned)(c->t_ns / 1000000),
                  tag, msg, c->colors ? "\x1b[0m" : "");
}

void simboot_spend(struct simboot_cursor *c, uint64_t ns)
{
    c->t_ns += ns;
}

void simboot_board_says(struct simboot_cursor *c, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    simboot_print(c, "[espburn sim] %s\r\n", msg);
}

void simboot_reset(struct simboot_cursor *c, uint64_t after_ns, const char *rst, uint32_t saved_pc,
                   const char *fmt, ...)
{
    struct simboot_out *o = c->out;
    uint64_t min_ns = c->t_ns + RESET_AFTER_LAST_NS;
    o->stop = SIMBOOT_STOP_RESET;
    o->reset_after_us = (after_ns > min_ns ? after_ns : min_ns) / 1000;
    snprintf(o->next_rst, sizeof o->next_rst, "%s", rst);
    o->next_saved_pc = saved_pc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->cause, sizeof o->cause, fmt, ap);
    va_end(ap);
}

const uint8_t *simboot_flash_at(const struct simboot_in *in, uint32_t addr, uint32_t n)
{
    return in_bounds(in->flash_size, addr, n) ? in->flash + addr : NULL;
}

const char *simboot_find_string(const uint8_t *data, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    const uint8_t *hit = n ? memmem(data, len, needle, n) : NULL;
    if (!hit || !memchr(hit, 0, len - (size_t)(hit - data)))
        return NULL;
    while (hit > data && hit[-1] != 0)
        hit--;
    return (const char *)hit;
}

/* ---- ROM stage --------------------------------------------------------- */

static unsigned clock_div(uint8_t freq_code)
{
    switch (freq_code) {
    case 0xF: return 1; /* 80 MHz */
    case 0x1: return 3; /* 26 MHz */
    case 0x2: return 4; /* 20 MHz */
    default: return 2;  /* 40 MHz */
    }
}

static void rom_no_header(struct simboot_cursor *c, uint32_t first_word)
{
    const struct chip_rom_failure *m = c->fail;
    uint64_t period_ns = (uint64_t)c->rom->wdt_period_us * 1000;
    if (m->no_header) {
        simboot_print(c, "%s%s", m->no_header, m->gave_up);
    } else {
        for (unsigned i = 0; i < m->no_header_repeat; i++) {
            simboot_print(c, "invalid header: 0x%08x\r\n", first_word);
            simboot_spend(c, period_ns / (m->no_header_repeat + 1));
        }
    }
    simboot_reset(c, period_ns, c->wdt_rst, m->wdt_saved_pc_header,
                  "no bootloader image at 0x%x (first word 0x%08x, not an image starting with 0xE9): "
                  "the ROM gives up and the watchdog resets the chip",
                  c->in->chip->bootloader_offset, first_word);
}

static bool rom_can_load(const struct chip *chip, uint32_t addr, uint32_t len)
{
    const struct mem_region *r = chip_region(chip, addr);
    return r && !mem_kind_is_flash_mapped(r->kind) && r->kind != MEM_EXTRAM && len <= r->end - addr;
}

static void rom_hang(struct simboot_cursor *c, uint32_t saved_pc, const char *why)
{
    simboot_reset(c, (uint64_t)c->rom->wdt_period_us * 1000, c->wdt_rst, saved_pc,
                  "%s; the ROM never reaches 'entry' and the watchdog (which only a second-stage "
                  "bootloader disables) resets the chip",
                  why);
}

/* The "ho/tail/room" line: the ROM reads 16-byte blocks and says so when
 * the next segment header starts in the last 4 bytes of one. */
static void rom_block_note(struct simboot_cursor *c, uint32_t pos, uint32_t prev_len)
{
    if (!c->rom->classic || pos % 16 != 12)
        return;
    unsigned tail = prev_len < 12 ? (unsigned)prev_len : 12;
    simboot_print(c, "ho %u tail %u room 4\r\n", 12 - tail, tail);
}

static void rom_checksum_fail(struct simboot_cursor *c, uint8_t calc, uint8_t stored)
{
    if (c->rom->classic)
        simboot_print(c, "csum err:0x%x!=0x%x\r\n%s", calc, stored, c->fail->gave_up);
    else
        simboot_print(c, "Checksum failure. Calculated 0x%02x stored 0x%02x\r\n", calc, stored);
    rom_hang(c, c->fail->wdt_saved_pc_block, "the bootloader's checksum is wrong");
}

static void rom_stage(struct simboot_cursor *c)
{
    const struct simboot_in *in = c->in;
    const struct chip_rom_failure *m = c->fail;
    bool classic = c->rom->classic;
    uint32_t bl_off = in->chip->bootloader_offset;
    const uint8_t *h = simboot_flash_at(in, bl_off, ESP_IMAGE_HEADER_LEN);
    if (!h || h[0] != 0xE9) {
        rom_no_header(c, h ? rd_le32(h) : 0xFFFFFFFFu);
        return;
    }
    if (classic)
        simboot_print(c, ESP32_BOOT_BYTE_TEXT);
    else
        simboot_print(c, "SPIWP:0xee\r\n");
    simboot_print(c, "mode:%s, clock div:%u\r\n", h[2] < 4 ? esp_image_mode_name(h[2]) : "DIO",
                  clock_div(h[3] & 0x0F));
    uint32_t pos = ESP_IMAGE_HEADER_LEN, prev_len = 0;
    uint8_t sum = 0xEF;
    for (unsigned i = 0; i < h[1]; i++) {
        const uint8_t *sh = simboot_flash_at(in, bl_off + pos, 8);
        if (!sh) {
            rom_hang(c, m->wdt_saved_pc_block, "the bootloader image runs past the end of the flash");
            return;
        }
        uint32_t addr = rd_le32(sh), len = rd_le32(sh + 4);
        if (i > 0)
            rom_block_note(c, pos, prev_len);
        simboot_print(c, classic ? "load:0x%08x,len:%u\r\n" : "load:0x%08x,len:0x%x\r\n", addr, len);
        const uint8_t *data = simboot_flash_at(in, bl_off + pos + 8, len);
        if (!rom_can_load(in->chip, addr, len) || !data) {
            if (m->bad_block[0])
                simboot_print(c, "%s%s", m->bad_block, m->gave_up);
            char why[200];
            const struct mem_region *r = chip_region(in->chip, addr);
            snprintf(why, sizeof why,
                     "the image at 0x%x is not a bootloader: its segment %u at "
                     "0x%08x (%u bytes, %s) is not RAM the ROM can load",
                     bl_off, i, addr, len, r ? r->name : "no memory");
            rom_hang(c, m->wdt_saved_pc_block, why);
            return;
        }
        for (uint32_t j = 0; j < len; j++)
            sum ^= data[j];
        simboot_spend(c, (uint64_t)len * ROM_READ_NS_PER_BYTE);
        pos += 8 + len;
        prev_len = len;
    }
    const uint8_t *stored = simboot_flash_at(in, bl_off + (pos | 15), 1);
    if (!stored || *stored != sum) {
        rom_checksum_fail(c, sum, stored ? *stored : 0xFF);
        return;
    }
    simboot_print(c, "entry 0x%08x\r\n", rd_le32(h + 4));
    c->out->stage = SIMBOOT_STAGE_BOOTLOADER;
    uint32_t image_len = (pos | 15) + 1 + (h[23] == 1 ? 32 : 0);
    uint32_t room = in->flash_size - bl_off;
    simboot_idf_run(c, in->flash + bl_off, image_len < room ? image_len : room);
}

static void rom_header(struct simboot_cursor *c)
{
    const struct simboot_in *in = c->in;
    simboot_print(c, "%s%srst:%s,boot:%s\r\n", in->banner, c->rom->after_banner, in->rst, in->boot);
    if (in->saved_pc)
        simboot_print(c, "Saved PC:0x%08x\r\n", in->saved_pc);
}

int simboot_run(const struct simboot_in *in, struct simboot_out *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    if (simboot_check_chip(in->chip, NULL, err))
        return -1;
    const struct chip_rom_build *build = chip_rom_build_for(in->chip, in->banner);
    if (!build || !build->failure)
        return eb_fail(err, EB_PROBLEM,
                       "the virtual board has no boot model for this chip and ROM "
                       "(%s%s%s): boot it in download mode",
                       in->chip->display, build ? ", " : "", build ? build->name : "");
    struct simboot_cursor c = { .out = out, .in = in, .rom = in->chip->rom, .fail = build->failure };
    simboot_rst(in->chip, CHIP_RST_WDT, c.wdt_rst);
    simboot_rst(in->chip, CHIP_RST_SYS, c.sys_rst);
    simboot_rst(in->chip, CHIP_RST_CPU, c.cpu_rst);
    rom_header(&c);
    if (in->download) {
        simboot_print(&c, "waiting for download\r\n");
        out->stop = SIMBOOT_STOP_DOWNLOAD;
        snprintf(out->cause, sizeof out->cause, "the boot pin was low at reset: download mode");
    } else {
        rom_stage(&c);
    }
    if (c.failed) {
        simboot_out_free(out);
        return eb_fail(err, EB_IO, "out of memory while building the boot output");
    }
    return 0;
}

void simboot_out_free(struct simboot_out *out)
{
    bytes_free(&out->text);
    out->nmarks = 0;
}
