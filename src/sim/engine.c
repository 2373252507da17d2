/* engine.c - the virtual board's time, wires and reset: UART receive with a
 * finite buffer while the CPU is busy, baud-rate matching (a wrong rate
 * gives garbage), the auto-reset circuit and boot-mode sampling, the ROM
 * banner, and the timestamped output queue. Commands are in commands.c. */
#include "sim/engine.h"

#include "sim/simboot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the chip does apart from its flash part (docs/sim.md, assumptions). */
#define SIM_READ_BYTES_PER_MS    5000 /* 40 MHz single-bit read: 5 MB/s */
#define SIM_INFLATE_BYTES_PER_MS 20000

#define ROM_RX_FIFO        128                 /* UART hardware FIFO */
#define STUB_RX_BUFFER     (2 * (0x4000 + 64)) /* the stub's two frame buffers */
#define FRAME_CAP          (0x4000 + 64)       /* largest frame either loader keeps */
#define BAUD_TOLERANCE_PCT 3                   /* a UART tolerates a few % of error */

struct sim_timing sim_timing_of(const struct flash_part *part)
{
    return (struct sim_timing){ .flash = part->timing,
                                .read_bytes_per_ms = SIM_READ_BYTES_PER_MS,
                                .inflate_bytes_per_ms = SIM_INFLATE_BYTES_PER_MS };
}

int sim_init(struct sim *s, const struct sim_options *o, eb_err *err)
{
    memset(s, 0, sizeof *s);
    s->board = o->board;
    s->chip = sim_board_chip(o->board);
    if (!s->chip)
        return eb_fail(err, EB_USAGE, "board %s names chip %s, which the chip table lacks", o->board->name,
                       o->board->chip_name);
    if (simboot_check_chip(s->chip, o->board->name, err))
        return -1;
    const struct flash_part *part = sim_board_flash(o->board);
    if (!part)
        return eb_fail(err, EB_USAGE, "board %s names flash part %s, which the flash part table lacks",
                       o->board->name, o->board->flash_part);
    sim_spi_power_on(&s->spi, part);
    sim_ram_init(&s->ram, s->chip);
    s->flash = o->flash;
    s->faults = o->faults;
    s->timing_store = sim_timing_of(part);
    s->timing = o->realtime ? &s->timing_store : NULL;
    s->strap_download = o->boot_download;
    s->has_lines = o->has_lines;
    s->baud = o->board->rom_baud;
    s->fifo_cap = STUB_RX_BUFFER;
    s->fifo = malloc(s->fifo_cap);
    s->fifo_at = malloc(s->fifo_cap * sizeof *s->fifo_at);
    s->frame = malloc(FRAME_CAP);
    if (!s->fifo || !s->fifo_at || !s->frame) {
        sim_free(s);
        return eb_fail(err, EB_IO, "out of memory for the virtual board");
    }
    slip_decoder_init(&s->slip, s->frame, FRAME_CAP);
    s->state = SIM_OFF;
    return 0;
}

void sim_transfer_end(struct sim_transfer *x)
{
    if (x->z_live)
        inflateEnd(&x->z);
    free(x->out);
    memset(x, 0, sizeof *x);
}

void sim_free(struct sim *s)
{
    sim_transfer_end(&s->xfer);
    sim_ram_clear(&s->ram);
    free(s->fifo);
    free(s->fifo_at);
    free(s->frame);
    free(s->marks);
    bytes_free(&s->tx);
    bytes_free(&s->app.rx);
    memset(s, 0, sizeof *s);
}

uint64_t sim_byte_time_us(const struct sim *s)
{
    uint32_t baud = s->baud ? s->baud : s->board->rom_baud;
    return s->timing ? (10000000ull + baud / 2) / baud : 0;
}

bool sim_rate_supported(const struct sim *s, uint32_t baud)
{
    return s->board->bridge_max_baud == 0 || (baud > 0 && baud <= s->board->bridge_max_baud);
}

/* True when what one side sends is garbage to the other. */
static bool rates_mismatch(const struct sim *s)
{
    if (s->host_baud == 0 || s->board->bridge_max_baud == 0)
        return false; /* raw TCP / pty carry no rate; USB-Serial/JTAG has none */
    if (!sim_rate_supported(s, s->host_baud) || s->baud == 0)
        return true;
    uint64_t diff = s->host_baud > s->baud ? s->host_baud - s->baud : s->baud - s->host_baud;
    return diff * 100 > (uint64_t)s->baud * BAUD_TOLERANCE_PCT;
}

/* A byte sampled at the wrong rate: deterministic garbage. */
static uint8_t garble(uint8_t b)
{
    return (uint8_t)((b * 37u + 11u) ^ 0x5Au);
}

uint32_t sim_clkdiv(const struct sim *s)
{
    uint32_t baud = s->baud ? s->baud : s->board->rom_baud;
    return (s->board->xtal_hz + baud / 2) / baud;
}

void sim_tracef(struct sim *s, const char *fmt, ...)
{
    if (!s->trace)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->trace(s->trace_ctx, line);
}

/* ---- output ---------------------------------------------------------- */

static uint64_t tx_last_at(const struct sim *s)
{
    return s->nmarks ? s->marks[s->nmarks - 1].at_us : 0;
}

void sim_emit(struct sim *s, const uint8_t *p, size_t n, uint64_t at_us)
{
    if (n == 0 || s->faults.tx_dead)
        return;
    if (at_us < tx_last_at(s))
        at_us = tx_last_at(s);
    if (s->nmarks == s->marks_cap) {
        size_t cap = s->marks_cap ? 2 * s->marks_cap : 64;
        struct sim_tx_mark *m = realloc(s->marks, cap * sizeof *m);
        if (!m)
            return; /* out of memory: the bytes are lost, as on a full FIFO */
        s->marks = m;
        s->marks_cap = cap;
    }
    size_t start = s->tx.len;
    if (bytes_append(&s->tx, p, n))
        return;
    if (rates_mismatch(s))
        for (size_t i = start; i < s->tx.len; i++)
            s->tx.data[i] = garble(s->tx.data[i]);
    s->marks[s->nmarks++] = (struct sim_tx_mark){ .end = s->tx.len, .at_us = at_us };
}

void sim_emit_text(struct sim *s, const char *text, uint64_t at_us)
{
    sim_emit(s, (const uint8_t *)text, strlen(text), at_us);
}

void sim_emit_frame(struct sim *s, const uint8_t *p, size_t n, uint64_t at_us)
{
    bytes wire = { 0 };
    if (slip_encode(&wire, p, n) == 0)
        sim_emit(s, wire.data, wire.len, at_us);
    bytes_free(&wire);
}

size_t sim_tx_ready(struct sim *s, uint64_t now_us, const uint8_t **p)
{
    size_t end = s->tx_head;
    for (size_t i = 0; i < s->nmarks && s->marks[i].at_us <= now_us; i++)
        end = s->marks[i].end;
    *p = s->tx.data + s->tx_head;
    return end > s->tx_head ? end - s->tx_head : 0;
}

/* A reset at at_us: what the chip had not printed by then is never printed. */
void sim_tx_cut(struct sim *s, uint64_t at_us)
{
    size_t keep = 0;
    while (keep < s->nmarks && s->marks[keep].at_us <= at_us)
        keep++;
    if (keep == s->nmarks)
        return;
    size_t end = keep ? s->marks[keep - 1].end : s->tx_head;
    s->tx.len = end > s->tx_head ? end : s->tx_head;
    s->nmarks = keep;
}

void sim_tx_consume(struct sim *s, size_t n)
{
    s->tx_head += n;
    size_t done = 0;
    while (done < s->nmarks && s->marks[done].end <= s->tx_head)
        done++;
    if (done == s->nmarks && s->tx_head >= s->tx.len) {
        s->tx.len = s->tx_head = 0;
        s->nmarks = 0;
        return;
    }
    if (done > 0) {
        memmove(s->marks, s->marks + done, (s->nmarks - done) * sizeof *s->marks);
        s->nmarks -= done;
    }
}

uint64_t sim_tx_next_at(const struct sim *s)
{
    for (size_t i = 0; i < s->nmarks; i++)
        if (s->marks[i].end > s->tx_head)
            return s->marks[i].at_us;
    return UINT64_MAX;
}

/* ---- reset, boot ----------------------------------------------------- */

static void loader_reset(struct sim *s)
{
    sim_transfer_end(&s->xfer);
    s->spi_attached = false;
    s->declared_flash_size = 4u << 20; /* the ROM's default flashchip size until SPI_SET_PARAMS */
    s->stub_flash_error = 0;
    s->nsegs = 0;
    s->mem_active = false;
    s->reader.active = false;
    memset(s->spi.regs, 0, sizeof s->spi.regs); /* the controller resets; the flash chip does not */
    s->fifo_len = 0;
    s->fifo_frames = 0;
    s->fifo_open = s->overrun_marked = false;
    s->busy_until_us = 0;
    slip_decoder_init(&s->slip, s->frame, FRAME_CAP);
    s->baud = s->board->rom_baud;
    s->baud_locked = false;
    s->boot_next.pending = false; /* any reset cancels a boot loop's next one */
    s->app.micropython = false;   /* and ends the app that ran */
    s->app.rx.len = 0;
}

void sim_reboot(struct sim *s, const char *reason, bool download, uint64_t at_us)
{
    sim_tx_cut(s, at_us);
    loader_reset(s);
    if (s->faults.gpio0_stuck_high)
        download = false;
    s->state = download ? SIM_ROM : SIM_USER_CODE;
    sim_tracef(s, "reset (%s): %s", reason, download ? "download mode" : "boot from flash");
    if (!download) {
        sim_boot_flash(s, reason, at_us);
        return;
    }
    char text[512];
    snprintf(text, sizeof text, "%s%srst:%s,boot:%s\r\n%s", s->board->banner, simboot_banner_gap(s->chip),
             reason, download ? s->board->boot_download : s->board->boot_flash,
             download ? "waiting for download\r\n" : "");
    sim_emit_text(s, text, at_us);
}

/* GPIO0 level the chip would sample now. */
static bool gpio0_low(const struct sim *s)
{
    if (s->board->usb_jtag_reset && s->has_lines)
        return s->usb_download_armed;
    return s->has_lines ? s->io0_low : s->strap_download;
}

void sim_power_on(struct sim *s, uint64_t now_us)
{
    if (s->state != SIM_OFF)
        return;
    sim_ram_clear(&s->ram); /* no power, no RAM contents; the flash keeps its status bits */
    s->spi.wel = s->spi.wevsr = false;
    if (s->has_lines && s->en_low) {
        s->state = SIM_IN_RESET;
        return;
    }
    char rst[SIMBOOT_RST_LEN];
    sim_reboot(s, simboot_rst(s->chip, CHIP_RST_POWERON, rst), gpio0_low(s), now_us);
}

static void hold_in_reset(struct sim *s)
{
    s->state = SIM_IN_RESET;
    s->boot_pending = false;
    loader_reset(s);
}

/* EN went low (reset held) or came back up (boot after the RC delay). */
static void en_edge(struct sim *s, bool was_low, uint64_t now_us)
{
    if (s->en_low && !was_low) {
        sim_tx_cut(s, now_us);
        hold_in_reset(s);
    } else if (!s->en_low && was_low) {
        s->boot_pending = true;
        s->boot_at_us = now_us + s->board->en_delay_us;
    }
}

/* The cross-coupled two-transistor circuit: RTS alone pulls EN low, DTR
 * alone pulls GPIO0 low, both or neither leave both high. */
static void transistor_lines(struct sim *s, uint64_t now_us)
{
    bool was_low = s->en_low;
    s->en_low = s->rts && !s->dtr;
    s->io0_low = s->dtr && !s->rts;
    en_edge(s, was_low, now_us);
}

/* USB-Serial/JTAG: RTS with DTR released resets the chip; download mode is
 * requested when DTR was asserted as RTS became asserted. */
static void usb_jtag_lines(struct sim *s, bool rts_was, uint64_t now_us)
{
    bool was_low = s->en_low;
    if (s->rts && !rts_was)
        s->usb_download_armed = s->dtr;
    s->en_low = s->rts && !s->dtr;
    en_edge(s, was_low, now_us);
}

void sim_set_lines(struct sim *s, bool dtr, bool rts, uint64_t now_us)
{
    sim_poll(s, now_us); /* a boot due before this change samples the old levels */
    bool rts_was = s->rts;
    s->dtr = dtr;
    s->rts = rts;
    if (!s->has_lines)
        return;
    if (s->state == SIM_OFF) { /* unpowered: only remember the levels */
        s->en_low = s->rts && !s->dtr;
        s->io0_low = s->dtr && !s->rts;
        if (s->rts && !rts_was)
            s->usb_download_armed = s->dtr;
        return;
    }
    if (s->board->usb_jtag_reset)
        usb_jtag_lines(s, rts_was, now_us);
    else
        transistor_lines(s, now_us);
}

void sim_set_host_baud(struct sim *s, uint32_t baud)
{
    s->host_baud = baud;
}

/* ---- receive --------------------------------------------------------- */

static bool cpu_busy(const struct sim *s, uint64_t t)
{
    return t < s->busy_until_us;
}

static void process_byte(struct sim *s, uint8_t b, uint64_t t)
{
    enum slip_event ev = slip_feed(&s->slip, b);
    if (ev == SLIP_FRAME) {
        s->overrun_marked = false; /* the CPU takes a new frame */
        sim_handle_frame(s, s->slip.frame, s->slip.len, t);
    } else if (ev == SLIP_BAD) { /* over-long or broken: its op is still in the buffer */
        sim_refuse_frame(s, s->frame[1], t);
    }
}

/* Count the frames the FIFO holds complete, and whether one is half in. */
static void fifo_count_frames(struct sim *s)
{
    s->fifo_frames = 0;
    s->fifo_open = false;
    for (size_t i = 0; i < s->fifo_len; i++) {
        if (s->fifo[i] != SLIP_END)
            s->fifo_open = true;
        else if (s->fifo_open) {
            s->fifo_frames++;
            s->fifo_open = false;
        }
    }
}

static void fifo_drop_front(struct sim *s, size_t n)
{
    memmove(s->fifo, s->fifo + n, s->fifo_len - n);
    memmove(s->fifo_at, s->fifo_at + n, (s->fifo_len - n) * sizeof *s->fifo_at);
    s->fifo_len -= n;
}

/* Hand buffered bytes to the CPU once it is free again. */
static void drain_fifo(struct sim *s, uint64_t now_us)
{
    size_t i = 0;
    while (i < s->fifo_len && !cpu_busy(s, now_us)) {
        uint64_t t = s->fifo_at[i] > s->busy_until_us ? s->fifo_at[i] : s->busy_until_us;
        process_byte(s, s->fifo[i], t);
        i++;
        if ((s->state != SIM_ROM && s->state != SIM_STUB) || i > s->fifo_len)
            i = s->fifo_len; /* the loader is gone, or a reset emptied the FIFO: the rest is ignored */
    }
    if (i == 0)
        return;
    fifo_drop_front(s, i);
    fifo_count_frames(s);
}

static size_t rx_buffer_size(const struct sim *s)
{
    return s->state == SIM_STUB ? STUB_RX_BUFFER : ROM_RX_FIFO;
}

/* The stub's UART interrupt fills one frame buffer while the CPU works from
 * the other (stub_flasher.c stub_handle_rx_byte): a frame ending swaps them.
 * With one frame complete and waiting, the next frame is received into the
 * buffer the CPU is working from (overrun: its data is damaged), and when
 * that frame ends it replaces the waiting one, which is lost. */
static void stub_buffers_take(struct sim *s, uint8_t b)
{
    if (b != SLIP_END) {
        if (s->fifo_frames >= 1 && !s->overrun_marked) {
            s->overrun_marked = true;
            s->overruns++;
            sim_stub_overrun(s);
        }
        s->fifo_open = true;
        return;
    }
    if (!s->fifo_open)
        return;
    s->fifo_open = false;
    if (++s->fifo_frames < 2)
        return;
    size_t end = 0; /* the waiting frame: up to its closing delimiter */
    while (end < s->fifo_len && s->fifo[end] == SLIP_END)
        end++;
    while (end < s->fifo_len && s->fifo[end] != SLIP_END)
        end++;
    fifo_drop_front(s, end < s->fifo_len ? end + 1 : end);
    s->fifo_frames = 1;
    sim_tracef(s, "stub: a frame ended while another waited: the waiting frame is lost");
}

/* Apply --fault drop/corrupt to the Nth byte; false when it is dropped. */
static bool rx_fault(struct sim *s, uint8_t *b)
{
    s->rx_count++;
    if (s->faults.drop_byte && s->rx_count == s->faults.drop_byte)
        return false;
    if (s->faults.corrupt_byte && s->rx_count == s->faults.corrupt_byte)
        *b ^= 0xFF;
    return true;
}

/* The ROM detects the host's rate on incoming traffic until CHANGE_BAUDRATE. */
static void autobaud(struct sim *s)
{
    if (s->state == SIM_ROM && !s->baud_locked && s->host_baud && s->board->bridge_max_baud &&
        sim_rate_supported(s, s->host_baud))
        s->baud = s->host_baud;
}

static void rx_byte(struct sim *s, uint8_t b, uint64_t t)
{
    if (!rx_fault(s, &b))
        return;
    if (s->state == SIM_USER_CODE && s->app.micropython) { /* the app's UART driver takes it */
        bytes_append_byte(&s->app.rx, rates_mismatch(s) ? garble(b) : b);
        return;
    }
    if (s->state != SIM_ROM && s->state != SIM_STUB)
        return; /* in reset, off, or running code that does not listen */
    autobaud(s);
    if (rates_mismatch(s))
        b = garble(b);
    drain_fifo(s, t);
    if (!cpu_busy(s, t) && s->fifo_len == 0) {
        process_byte(s, b, t);
        return;
    }
    if (s->fifo_len >= rx_buffer_size(s) || s->fifo_len >= s->fifo_cap) {
        if (s->lost_bytes++ == 0 || s->lost_bytes % 1024 == 0)
            sim_tracef(s, "receive buffer full while busy: %llu bytes lost so far",
                       (unsigned long long)s->lost_bytes);
        return;
    }
    if (s->state == SIM_STUB)
        stub_buffers_take(s, b);
    s->fifo[s->fifo_len] = b;
    s->fifo_at[s->fifo_len++] = t;
}

void sim_rx(struct sim *s, const uint8_t *p, size_t n, uint64_t t_us)
{
    sim_poll(s, t_us);
    uint32_t rate = s->host_baud ? s->host_baud : s->baud ? s->baud : s->board->rom_baud;
    for (size_t i = 0; i < n; i++) /* 10 bits a byte at the host's rate */
        rx_byte(s, p[i], t_us + (s->timing ? (uint64_t)i * 10000000u / rate : 0));
}

void sim_poll(struct sim *s, uint64_t now_us)
{
    if (s->boot_pending && now_us >= s->boot_at_us) {
        s->boot_pending = false;
        char rst[SIMBOOT_RST_LEN];
        sim_reboot(s, simboot_rst(s->chip, CHIP_RST_POWERON, rst), gpio0_low(s), s->boot_at_us);
    }
    if (s->boot_next.pending && now_us >= s->boot_next.at_us) {
        s->boot_next.pending = false;
        sim_reboot(s, s->boot_next.rst, gpio0_low(s), s->boot_next.at_us);
    }
    if (s->fifo_len)
        drain_fifo(s, now_us);
}

uint64_t sim_next_event(const struct sim *s)
{
    uint64_t t = UINT64_MAX;
    if (s->boot_pending)
        t = s->boot_at_us;
    if (s->boot_next.pending && s->boot_next.at_us < t)
        t = s->boot_next.at_us;
    if (s->fifo_len && s->busy_until_us < t)
        t = s->busy_until_us;
    return t;
}
