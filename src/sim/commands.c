/* commands.c - the ROM serial loader and the flasher stub, command by
 * command, as the ESP32 ROM and esptool's flasher stub implement them
 * (esptool docs: advanced-topics/serial-protocol; flasher_stub/stub_flasher.c).
 * Every deviation from a documented behaviour is listed in docs/sim.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"
#include "loader/protocol.h"
#include "sim/bus.h"
#include "sim/engine.h"
#include "loader/stub_known.h"
#include "sim/simboot.h"

#define STUB_MAX_BLOCK      ESP_STUB_FLASH_BLOCK
#define STUB_FLASH_MAX      (16u << 20) /* SPIParamCfg at stub start */
#define STUB_READ_MAX_BLOCK ESP_FLASH_SECTOR
#define ROM_SYNC_VALUE      0x20120707u /* as captured from real ROMs (docs/sim.md) */

struct req {
    uint8_t op;
    uint16_t len;
    uint32_t checksum;
    const uint8_t *data;
};

static uint32_t word(const struct req *r, int i)
{
    return rd_le32(r->data + 4 * i);
}
static bool in_stub(const struct sim *s)
{
    return s->state == SIM_STUB;
}

/* ---- responses ------------------------------------------------------- */

static void respond(struct sim *s, uint8_t op, uint32_t value, const uint8_t *data, size_t n, uint8_t error,
                    uint64_t at)
{
    if (s->faults.stop_after && s->requests > s->faults.stop_after)
        return;
    if (error)
        sim_tracef(s, "  -> %s failed: error 0x%02x (%s)", esp_op_name(op), error, esp_error_text(error));
    uint8_t pkt[8 + 64 + 4];
    size_t status_len = in_stub(s) ? ESP_STUB_STATUS_LEN : ESP_ROM_STATUS_LEN;
    if (n > 64)
        n = 64;
    pkt[0] = ESP_RESPONSE;
    pkt[1] = op;
    wr_le16(pkt + 2, (uint16_t)(n + status_len));
    wr_le32(pkt + 4, value);
    if (n)
        memcpy(pkt + 8, data, n);
    uint8_t *st = pkt + 8 + n;
    memset(st, 0, status_len);
    if (in_stub(s)) {
        st[0] = error; /* the stub sends the error byte first, then a status */
    } else if (error) {
        st[0] = 1;
        st[1] = error;
    }
    sim_emit_frame(s, pkt, 8 + n + status_len, at);
}

/* A response with no payload: error 0 is success. */
static void answer(struct sim *s, const struct req *r, uint8_t error, uint64_t at)
{
    respond(s, r->op, 0, NULL, 0, error, at);
}

static uint8_t err_invalid(const struct sim *s)
{
    return in_stub(s) ? STUB_ERR_BAD_DATA_LEN : ROM_ERR_INVALID_MESSAGE;
}

/* ---- the flash chip's time (zero unless realtime) --------------------- */

/* The chip does one erase or program at a time; the CPU may run on while it
 * erases (its busy bit, WIP, says when it is done). Times are in us. */
static uint64_t flash_ready_at(const struct sim *s, uint64_t t)
{
    return t > s->flash_ready_us ? t : s->flash_ready_us;
}

static uint64_t read_cost(const struct sim *s, uint32_t len)
{
    return s->timing ? (uint64_t)len * 1000 / s->timing->read_bytes_per_ms : 0;
}

/* Program `len` bytes once the chip is ready; returns when it is done
 * (ROM SPIWrite waits for every page). */
static uint64_t flash_program_at(struct sim *s, uint32_t addr, const uint8_t *p, uint32_t len, uint64_t t)
{
    sim_flash_program(s->flash, addr, p, len);
    t = flash_ready_at(s, t);
    if (s->timing)
        t += (uint64_t)(len + 255) / 256 * s->timing->flash.page_program_us;
    s->flash_ready_us = t;
    return t;
}

/* Start one erase command (a 64 KB block or a 4 KB sector) once the chip
 * is ready; returns when it is done, without waiting for it. */
static uint64_t flash_erase_at(struct sim *s, uint32_t sector, bool block, uint64_t t)
{
    sim_flash_erase(s->flash, sector * ESP_FLASH_SECTOR, block ? SIM_BLOCK : ESP_FLASH_SECTOR);
    sim_tracef(s, "  flash: erase %s at 0x%06x", block ? "block" : "sector", sector * ESP_FLASH_SECTOR);
    t = flash_ready_at(s, t);
    if (s->timing)
        t += block ? s->timing->flash.block_erase_us : s->timing->flash.sector_erase_us;
    s->flash_ready_us = t;
    return t;
}

/* Who splits a range into sector (0x20) and 64 KB block (0xD8) erases, and how:
 * the ROM's SPIEraseArea (FLASH_BEGIN) erases up to 16 head sectors one by one
 * (16 when the range starts on a block), then blocks while more than 16 sectors
 * remain; the stub's ERASE_REGION (handle_flash_erase) erases head sectors only
 * up to a block boundary, then blocks while more than 16 remain; the stub's
 * writes (start_next_erase) take a block whenever aligned and 16 or more remain. */
enum erase_style {
    ERASE_ROM_AREA,
    ERASE_STUB_REGION,
    ERASE_STUB_WRITE
};

static bool erase_as_block(enum erase_style style, uint32_t first, uint32_t sector, uint32_t remaining)
{
    if (sector % SIM_SECTORS_PER_BLOCK != 0)
        return false;
    switch (style) {
    case ERASE_ROM_AREA: return sector != first && remaining > SIM_SECTORS_PER_BLOCK;
    case ERASE_STUB_REGION: return remaining > SIM_SECTORS_PER_BLOCK;
    case ERASE_STUB_WRITE: return remaining >= SIM_SECTORS_PER_BLOCK;
    }
    return false;
}

/* Erase every sector [addr, addr+len) touches, waiting for each command;
 * returns when the last is done. */
static uint64_t flash_erase_range(struct sim *s, uint32_t addr, uint32_t len, enum erase_style style,
                                  uint64_t t)
{
    if (len == 0)
        return t;
    uint32_t first = addr / ESP_FLASH_SECTOR,
             end = (uint32_t)(((uint64_t)addr + len + ESP_FLASH_SECTOR - 1) / ESP_FLASH_SECTOR);
    for (uint32_t sector = first; sector < end;) {
        bool block = erase_as_block(style, first, sector, end - sector);
        t = flash_erase_at(s, sector, block, t);
        sector += block ? SIM_SECTORS_PER_BLOCK : 1;
    }
    return t;
}

/* ---- flash helpers --------------------------------------------------- */

static bool flash_range_ok(const struct sim *s, uint32_t addr, uint32_t len)
{
    uint32_t limit = s->declared_flash_size < s->flash->size ? s->declared_flash_size : s->flash->size;
    return addr <= limit && len <= limit - addr;
}

/* The stub's start_next_erase: one more erase command of the region, if the
 * chip is idle at t (it never waits here). */
static void stub_erase_opportunistic(struct sim *s, uint64_t t)
{
    struct sim_transfer *x = &s->xfer;
    if (!in_stub(s) || x->next_erase >= x->erase_end || t < s->flash_ready_us)
        return;
    uint32_t sector = x->next_erase / ESP_FLASH_SECTOR,
             remaining = (x->erase_end - x->next_erase) / ESP_FLASH_SECTOR;
    bool block = erase_as_block(ERASE_STUB_WRITE, sector, sector, remaining);
    flash_erase_at(s, sector, block, t);
    x->next_erase += block ? SIM_BLOCK : ESP_FLASH_SECTOR;
}

/* Before programming, erase as far as the write needs, waiting for the chip
 * between commands: esptool's stub (handle_flash_data) through the sector
 * the write ends in (last_sector = (next_write + length) / sector size,
 * inclusive), esp-flasher-stub (s_ensure_flash_erased_to) up to the write's
 * end. Returns the CPU time after. */
static uint64_t stub_erase_through(struct sim *s, uint32_t end, uint64_t t)
{
    struct sim_transfer *x = &s->xfer;
    uint32_t limit =
        s->stub_model == STUB_KIND_ESP_FLASHER ? end : end / ESP_FLASH_SECTOR * ESP_FLASH_SECTOR + 1;
    while (x->next_erase < x->erase_end && x->next_erase < limit) {
        t = flash_ready_at(s, t);
        stub_erase_opportunistic(s, t);
    }
    return t;
}

/* Write decoded bytes at the transfer's position, advancing the CPU clock *t;
 * the stub erases just in time, as esptool's stub does. Returns an error or 0. */
static uint8_t xfer_write(struct sim *s, const uint8_t *p, uint32_t n, uint64_t *t)
{
    struct sim_transfer *x = &s->xfer;
    /* The ROM's plain FLASH_DATA writes wherever offset + seq * block lands,
     * erased or not; its inflater stops at the size it was given. The stub
     * (handle_flash_data) trims what goes beyond the size FLASH_BEGIN
     * declared: the 0xFF padding of a last block, inflated or not. */
    if (in_stub(s)) {
        n = n < x->size - x->written ? n : x->size - x->written;
        if (n == 0)
            return 0;
    } else if (x->deflate && n > x->size - x->written) {
        return ROM_ERR_DEFLATE;
    }
    uint64_t end = (uint64_t)x->offset + x->written + n;
    if (end > s->flash->size)
        return in_stub(s) ? STUB_ERR_FAILED_SPI_OP : ROM_ERR_FLASH_WRITE;
    uint32_t addr = x->offset + x->written;
    if (in_stub(s))
        *t = stub_erase_through(s, addr + n, *t);
    *t = flash_program_at(s, addr, p, n, *t);
    x->written += n;
    return 0;
}

/* Inflate a FLASH_DEFL_DATA payload and write what comes out. The ROM writes
 * each piece at once; the stub (handle_flash_deflated_data) collects output in
 * its 32 KB buffer, kept across packets, writes it when full or at the end of
 * the stream, and starts an erase in the background before each inflate step. */
static uint8_t xfer_inflate(struct sim *s, const uint8_t *p, uint32_t n, uint64_t *t)
{
    struct sim_transfer *x = &s->xfer;
    uint8_t local[16384];
    uint8_t *out = x->out ? x->out : local;
    uint32_t cap = x->out ? SIM_STUB_INFLATE_BUF : sizeof local;
    x->z.next_in = (Bytef *)p;
    x->z.avail_in = n;
    for (;;) {
        stub_erase_opportunistic(s, *t);
        uInt before = x->z.avail_in;
        x->z.next_out = out + x->out_len;
        x->z.avail_out = cap - x->out_len;
        int zr = inflate(&x->z, Z_NO_FLUSH);
        if (s->timing)
            *t += (uint64_t)(before - x->z.avail_in) * 1000 / s->timing->inflate_bytes_per_ms;
        x->out_len = cap - x->z.avail_out;
        if (x->out_len && (!x->out || x->out_len == cap || zr == Z_STREAM_END)) {
            uint32_t len = x->out_len;
            x->out_len = 0;
            uint8_t e = xfer_write(s, out, len, t);
            if (e)
                return e;
        }
        if (zr == Z_STREAM_END) /* the stream ended short of the declared size */
            return in_stub(s) && x->written < x->size ? STUB_ERR_NOT_ENOUGH_DATA : 0;
        if (zr == Z_BUF_ERROR && x->z.avail_in == 0)
            return 0;
        if (zr != Z_OK)
            return in_stub(s) ? STUB_ERR_INFLATE : ROM_ERR_DEFLATE;
        if (x->z.avail_in == 0 && x->z.avail_out != 0)
            return 0;
    }
}

/* Brown-out or unplugged cable in the middle of a write: half of it lands. */
static bool write_interrupted(struct sim *s, const uint8_t *p, uint32_t n, uint64_t t)
{
    bool brown = s->faults.brownout_write && s->data_packets == s->faults.brownout_write;
    bool unplug = s->faults.disconnect_write && s->data_packets == s->faults.disconnect_write;
    if (!brown && !unplug)
        return false;
    uint64_t at = t;
    if (s->xfer.deflate)
        xfer_inflate(s, p, n / 2, &at); /* whatever inflates from it is written */
    else
        xfer_write(s, p, n / 2, &at);
    if (unplug) {
        sim_tracef(s, "fault: the cable drops during data packet %u", s->data_packets);
        s->want_disconnect = true;
        s->state = SIM_OFF;
        sim_tx_consume(s, s->tx.len - s->tx_head); /* what was on the wire is lost */
    } else {
        sim_tracef(s, "fault: brown-out during data packet %u", s->data_packets);
        char rst[SIMBOOT_RST_LEN];
        sim_reboot(s, simboot_rst(s->chip, CHIP_RST_BROWNOUT, rst),
                   s->has_lines ? s->io0_low : s->strap_download, at);
    }
    return true;
}

/* ---- commands shared by ROM and stub --------------------------------- */

static void cmd_sync(struct sim *s, const struct req *r, uint64_t t)
{
    static const uint8_t head[4] = { 0x07, 0x07, 0x12, 0x20 };
    bool good = r->len == ESP_SYNC_DATA_LEN && memcmp(r->data, head, 4) == 0;
    for (int i = 4; good && i < ESP_SYNC_DATA_LEN; i++)
        good = r->data[i] == 0x55;
    if (!good) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    for (int i = 0; i < ESP_ROM_SYNC_REPLIES; i++)
        respond(s, r->op, in_stub(s) ? 0 : ROM_SYNC_VALUE, NULL, 0, 0, t);
}

/* One or more (address, value, mask, delay_us) writes: each waits its delay,
 * then stores (value & mask) | (old & ~mask) (stub handle_write_reg; the ROM
 * is taken to do the same). esptool appends a dummy write as a "delay after",
 * to the ROM as well as to the stub. */
static void cmd_write_reg(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len % 16 != 0 || (r->len == 0 && !in_stub(s))) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    for (uint16_t i = 0; i < r->len / 16; i++) {
        if (s->timing)
            t += word(r, 4 * i + 3);
        sim_bus_write(s, word(r, 4 * i), word(r, 4 * i + 1), word(r, 4 * i + 2), t);
    }
    if (s->timing)
        s->busy_until_us = t;
    answer(s, r, 0, t);
}

static void cmd_read_reg(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 4)
        answer(s, r, err_invalid(s), t);
    else
        respond(s, r->op, sim_bus_read(s, word(r, 0)), NULL, 0, 0, t);
}

static void cmd_set_params(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 24) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    s->declared_flash_size = word(r, 1);
    answer(s, r, 0, t);
}

static void cmd_attach(struct sim *s, const struct req *r, uint64_t t)
{
    /* ROM: pin word + a second word; stub: the pin word alone. */
    if (r->len != (in_stub(s) ? 4 : 8)) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    s->spi_attached = true;
    answer(s, r, 0, t);
}

/* The ROM divides its crystal estimate by the rate asked for, while the UART
 * runs from the real crystal: the rate set is new * xtal / estimate. */
static uint32_t rom_new_rate(const struct sim_board *b, uint32_t new_rate)
{
    if (!b->rom_xtal_hz)
        return new_rate;
    return (uint32_t)(((uint64_t)new_rate * b->xtal_hz + b->rom_xtal_hz / 2) / b->rom_xtal_hz);
}

/* The stub scales the divider it finds by old/new: a wrong old rate gives a
 * wrong new rate, 0 gives a divider of 0. */
static uint32_t stub_new_rate(const struct sim *s, uint32_t new_rate, uint32_t old_rate)
{
    return old_rate ? (uint32_t)((uint64_t)s->baud * new_rate / old_rate) : 0;
}

static void cmd_change_baud(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 8) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    uint32_t new_rate = word(r, 0), old_rate = word(r, 1);
    answer(s, r, 0, t); /* answered at the old rate */
    s->baud = in_stub(s) ? stub_new_rate(s, new_rate, old_rate) : rom_new_rate(s->board, new_rate);
    s->baud_locked = true;
    if (in_stub(s) || !s->board->rom_xtal_hz)
        sim_tracef(s, "  baud: %u requested, %u effective", new_rate, s->baud);
    else
        sim_tracef(s, "  baud: %u requested, %u effective (the ROM's crystal estimate: %u Hz)", new_rate,
                   s->baud, s->board->rom_xtal_hz);
}

static void cmd_security_info(struct sim *s, const struct req *r, uint64_t t)
{
    if (!s->chip->rom_has_security_info) {
        answer(s, r, in_stub(s) ? STUB_ERR_NOT_IMPLEMENTED : ROM_ERR_INVALID_MESSAGE, t);
        return;
    }
    uint8_t d[20] = { 0 };
    wr_le32(d, s->board->security_flags);
    d[4] = s->board->flash_crypt_cnt;
    wr_le32(d + 12, s->chip->image_chip_id); /* the chip id GET_SECURITY_INFO reports is the image's */
    wr_le32(d + 16, s->board->security_eco);
    respond(s, r->op, 0, d, sizeof d, 0, t);
}

static void cmd_md5(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 16) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    uint32_t addr = word(r, 0), len = word(r, 1);
    if ((!in_stub(s) && !s->spi_attached) || !sim_flash_in_range(s->flash, addr, len)) {
        answer(s, r, in_stub(s) ? STUB_ERR_FAILED_SPI_OP : ROM_ERR_FAILED, t);
        return;
    }
    uint8_t digest[EB_MD5_LEN];
    md5_buf(s->flash->mem + addr, len, digest);
    uint64_t at = flash_ready_at(s, t) + read_cost(s, len);
    s->busy_until_us = at;
    if (in_stub(s)) {
        respond(s, r->op, 0, digest, 16, 0, at);
        return;
    }
    char hex[33];
    hex_encode(digest, 16, hex);
    respond(s, r->op, 0, (const uint8_t *)hex, 32, 0, at);
}

/* ---- flash and RAM downloads ----------------------------------------- */

/* The stub's SPIUnlock at every BEGIN (stub_write_flash.c): it waits for the
 * chip, then clears every status bit but QE with a status-register write,
 * always issued, and waits for it (tW). Returns when the CPU goes on. */
static uint64_t stub_unlock(struct sim *s, uint64_t t)
{
    sim_spi_unlock(&s->spi);
    t = flash_ready_at(s, t);
    if (s->timing)
        t += s->timing->flash.status_write_us;
    s->flash_ready_us = t;
    return t;
}

static size_t begin_words(const struct sim *s)
{
    return !in_stub(s) && s->chip->rom_flash_begin_has_encrypt ? 20 : 16;
}

static void cmd_flash_begin(struct sim *s, const struct req *r, uint64_t t)
{
    bool defl = r->op == OP_FLASH_DEFL_BEGIN, stub = in_stub(s);
    if (r->len != begin_words(s)) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    uint32_t size = word(r, 0), block = word(r, 2), offset = word(r, 3); /* word 1: packet count */
    if (stub && block > STUB_MAX_BLOCK) {
        answer(s, r, STUB_ERR_BAD_BLOCKSIZE, t);
        return;
    }
    if (!stub && !s->spi_attached) {
        answer(s, r, ROM_ERR_FAILED, t);
        return;
    }
    if (!flash_range_ok(s, offset, size)) {
        answer(s, r, stub ? STUB_ERR_TOO_MUCH_DATA : ROM_ERR_FAILED, t);
        return;
    }
    sim_transfer_end(&s->xfer);
    struct sim_transfer *x = &s->xfer;
    x->active = true;
    x->deflate = defl;
    x->offset = offset;
    x->size = size;
    x->block_size = block;
    x->next_erase = offset / ESP_FLASH_SECTOR * ESP_FLASH_SECTOR;
    x->erase_end =
        (uint32_t)(((uint64_t)offset + size + ESP_FLASH_SECTOR - 1) / ESP_FLASH_SECTOR * ESP_FLASH_SECTOR);
    if (defl) {
        if (inflateInit(&x->z) != Z_OK) {
            x->active = false;
            answer(s, r, stub ? STUB_ERR_INFLATE : ROM_ERR_DEFLATE, t);
            return;
        }
        x->z_live = true;
        x->out = stub ? malloc(SIM_STUB_INFLATE_BUF) : NULL;
        if (stub && !x->out) {
            sim_transfer_end(x);
            answer(s, r, STUB_ERR_INFLATE, t);
            return;
        }
    }
    s->stub_flash_error = 0;
    uint64_t at = t;
    if (stub && s->stub_model == STUB_KIND_ESP_FLASHER) /* s_init_flash_operation: the first erase starts */
        stub_erase_opportunistic(s, t);
    else if (stub) /* esptool's stub: SPIUnlock, a status-register write it waits for */
        at = stub_unlock(s, t);
    if (!stub) { /* the ROM erases the whole region now, then answers */
        at = flash_erase_range(s, offset, size, ERASE_ROM_AREA, t);
        x->next_erase = x->erase_end;
    }
    s->busy_until_us = at;
    answer(s, r, 0, at);
}

/* Payload of a *_DATA packet after its checks; error byte or 0. */
static uint8_t data_packet_check(const struct sim *s, const struct req *r, uint32_t max)
{
    if (r->len < ESP_DATA_SUBHEADER_LEN)
        return err_invalid(s);
    uint32_t n = word(r, 0);
    if (n != (uint32_t)(r->len - ESP_DATA_SUBHEADER_LEN) || n > max)
        return err_invalid(s);
    if (esp_checksum(r->data + ESP_DATA_SUBHEADER_LEN, n) != (r->checksum & 0xFF))
        return in_stub(s) ? STUB_ERR_BAD_DATA_CHECKSUM : ROM_ERR_BAD_CHECKSUM;
    return 0;
}

static void rom_flash_data(struct sim *s, const struct req *r, uint64_t t)
{
    struct sim_transfer *x = &s->xfer;
    bool defl = r->op == OP_FLASH_DEFL_DATA;
    uint8_t e = data_packet_check(s, r, ESP_ROM_FLASH_BLOCK);
    if (!e && (!x->active || x->deflate != defl))
        e = ROM_ERR_FAILED;
    if (e) {
        answer(s, r, e, t);
        return;
    }
    const uint8_t *p = r->data + ESP_DATA_SUBHEADER_LEN;
    uint32_t n = word(r, 0), seq = word(r, 1);
    s->data_packets++;
    if (!defl) /* the ROM writes each block at offset + seq * block size */
        x->written =
            (uint32_t)((uint64_t)seq * x->block_size > s->flash->size ? s->flash->size
                                                                      : (uint64_t)seq * x->block_size);
    if (write_interrupted(s, p, n, t))
        return;
    uint64_t done = t;
    e = defl ? xfer_inflate(s, p, n, &done) : xfer_write(s, p, n, &done);
    s->busy_until_us = done;
    answer(s, r, e, done); /* the ROM answers after writing */
}

static void stub_flash_data(struct sim *s, const struct req *r, uint64_t t)
{
    struct sim_transfer *x = &s->xfer;
    bool defl = r->op == OP_FLASH_DEFL_DATA;
    uint8_t e = STUB_ERR_NOT_IN_FLASH_MODE;
    if (x->active && x->deflate == defl) {
        e = data_packet_check(s, r, STUB_MAX_BLOCK);
        if (!e)
            e = (uint8_t)s->stub_flash_error; /* an earlier write's error shows now */
    }
    answer(s, r, e, t); /* the stub acknowledges first, then writes */
    if (e)
        return;
    const uint8_t *p = r->data + ESP_DATA_SUBHEADER_LEN;
    uint32_t n = word(r, 0);
    s->data_packets++;
    if (write_interrupted(s, p, n, t))
        return;
    uint64_t done = t;
    uint8_t we;
    if (defl && x->written == x->size && n > 4) /* all written: only the Adler-32 may still come */
        we = STUB_ERR_TOO_MUCH_DATA;
    else
        we = defl ? xfer_inflate(s, p, n, &done) : xfer_write(s, p, n, &done);
    if (we && !s->stub_flash_error)
        s->stub_flash_error = we;
    s->busy_until_us = done;
}

/* FLASH_END / FLASH_DEFL_END: 0 = reboot, 1 = run user code. */
static void cmd_flash_end(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 4) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    uint32_t run_user = word(r, 0);
    char rst[SIMBOOT_RST_LEN];
    if (in_stub(s)) { /* handle_flash_end: still in flash mode while data is missing */
        bool missing = s->xfer.active && s->xfer.written < s->xfer.size;
        uint8_t e = !s->xfer.active ? STUB_ERR_NOT_IN_FLASH_MODE
                    : missing       ? STUB_ERR_NOT_ENOUGH_DATA
                                    : (uint8_t)s->stub_flash_error;
        if (!missing)
            sim_transfer_end(&s->xfer);
        answer(s, r, e, t);
        if (!e && run_user == 0) /* the stub reboots; the latched strap is kept */
            sim_reboot(s, simboot_rst(s->chip, CHIP_RST_CPU, rst), true, t + 10000);
        return;
    }
    uint8_t e = s->xfer.active ? 0 : ROM_ERR_FAILED;
    sim_transfer_end(&s->xfer);
    answer(s, r, e, t);
    if (e)
        return;
    if (run_user) /* the ROM leaves the loader and runs what is in flash */
        s->state = SIM_USER_CODE;
    else
        sim_reboot(s, simboot_rst(s->chip, CHIP_RST_CPU, rst), true, t + 10000);
}

static void cmd_mem_begin(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 16) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    uint32_t size = word(r, 0), block = word(r, 2), addr = word(r, 3);
    if (block > ESP_RAM_BLOCK && !in_stub(s)) {
        answer(s, r, ROM_ERR_INVALID_MESSAGE, t);
        return;
    }
    if (s->nsegs == SIM_MEM_SEGMENTS)
        s->nsegs = 0; /* more segments than any stub has: forget the oldest */
    s->segs[s->nsegs++] = (struct sim_segment){ .addr = addr, .size = size, .received = 0 };
    s->mem_block_size = block;
    s->mem_active = true;
    answer(s, r, 0, t);
}

static void cmd_mem_data(struct sim *s, const struct req *r, uint64_t t)
{
    uint8_t e = data_packet_check(s, r, ESP_RAM_BLOCK);
    if (!e && !s->mem_active)
        e = in_stub(s) ? STUB_ERR_NOT_IN_FLASH_MODE : ROM_ERR_FAILED;
    if (e) {
        answer(s, r, e, t);
        return;
    }
    struct sim_segment *g = &s->segs[s->nsegs - 1];
    uint64_t end = (uint64_t)word(r, 1) * s->mem_block_size + word(r, 0);
    if (end > g->size) {
        answer(s, r, in_stub(s) ? STUB_ERR_TOO_MUCH_DATA : ROM_ERR_FAILED, t);
        return;
    }
    if (end > g->received)
        g->received = (uint32_t)end;
    sim_bus_load(s, g->addr + word(r, 1) * s->mem_block_size, r->data + ESP_DATA_SUBHEADER_LEN, word(r, 0));
    answer(s, r, 0, t);
}

/* The board stands in for a stub only when it knows the image: the
 * SHA-256 of each fully uploaded segment, matched against the table of
 * loader/stub_known.c, and the entry point inside an uploaded IRAM segment. */
static const struct stub_known_row *known_stub(const struct sim *s, uint32_t entry)
{
    uint8_t digests[SIM_MEM_SEGMENTS][EB_SHA256_LEN];
    int n = 0;
    bool entry_ok = false;
    for (int i = 0; i < s->nsegs; i++) {
        const struct sim_segment *g = &s->segs[i];
        const struct mem_region *reg = chip_region(s->chip, g->addr);
        if (g->received != g->size || g->size == 0)
            continue;
        entry_ok =
            entry_ok || (entry >= g->addr && entry - g->addr < g->size && reg && reg->kind == MEM_IRAM);
        uint8_t *img = malloc(g->size);
        if (img && sim_ram_read(&s->ram, g->addr, img, g->size))
            sha256_buf(img, g->size, digests[n++]);
        free(img);
    }
    return entry_ok ? stub_known_identify((const uint8_t(*)[EB_SHA256_LEN])digests, n) : NULL;
}

static void cmd_mem_end(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 8) {
        answer(s, r, err_invalid(s), t);
        return;
    }
    uint32_t no_jump = word(r, 0), entry = word(r, 1);
    answer(s, r, 0, t);
    s->mem_active = false;
    if (no_jump)
        return;
    const struct stub_known_row *stub = in_stub(s) ? NULL : known_stub(s, entry);
    if (stub) {
        s->state = SIM_STUB;
        s->stub_model = stub->kind;
        s->spi_attached = true; /* the stub attaches the flash itself */
        s->declared_flash_size = STUB_FLASH_MAX;
        sim_emit_frame(s, (const uint8_t *)ESP_OHAI, 4, t + 1000);
        sim_tracef(s, "stub recognised: %s, modelled as %s: OHAI", stub->source, stub_kind_name(stub->kind));
        return;
    }
    sim_tracef(s, "jump to 0x%08x: not a stub the board knows (docs/sim.md, \"Stubs\"); silence", entry);
    s->state = SIM_USER_CODE; /* unknown code: nothing more is heard */
}

static void rom_read_flash_slow(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 8) {
        answer(s, r, ROM_ERR_INVALID_MESSAGE, t);
        return;
    }
    uint32_t addr = word(r, 0), len = word(r, 1);
    if (len > ESP_READ_SLOW_MAX) {
        answer(s, r, ROM_ERR_READ_LENGTH, t);
        return;
    }
    if (!s->spi_attached || !sim_flash_in_range(s->flash, addr, len)) {
        answer(s, r, ROM_ERR_FLASH_READ, t);
        return;
    }
    respond(s, r->op, 0, s->flash->mem + addr, len, 0, flash_ready_at(s, t) + read_cost(s, len));
}

static void stub_erase(struct sim *s, const struct req *r, uint64_t t)
{
    uint32_t addr = 0, len = s->flash->size;
    if (r->op == OP_ERASE_REGION) {
        if (r->len != 8) {
            answer(s, r, STUB_ERR_BAD_DATA_LEN, t);
            return;
        }
        addr = word(r, 0);
        len = word(r, 1);
        uint8_t e = addr % ESP_FLASH_SECTOR ? 0x32 : len % ESP_FLASH_SECTOR ? 0x33 : 0;
        if (!e && !sim_flash_in_range(s->flash, addr, len))
            e = 0x35;
        if (e) {
            answer(s, r, e, t);
            return;
        }
    } else if (r->len != 0) {
        answer(s, r, STUB_ERR_BAD_DATA_LEN, t);
        return;
    }
    uint64_t done;
    if (r->op == OP_ERASE_FLASH) {
        sim_flash_erase(s->flash, addr, len);
        done = flash_ready_at(s, t) + (s->timing ? (uint64_t)s->timing->flash.chip_erase_ms * 1000 : 0);
        s->flash_ready_us = done;
    } else {
        done = flash_erase_range(s, addr, len, ERASE_STUB_REGION, t);
    }
    s->busy_until_us = done;
    answer(s, r, 0, done);
}

/* READ_FLASH: packets of `block` bytes while fewer than `window` bytes are
 * unacknowledged; the host acknowledges with the count it has; an MD5 frame
 * of everything sent ends it. */
static void reader_pump(struct sim *s, uint64_t t)
{
    struct sim_reader *rd = &s->reader;
    t = flash_ready_at(s, t);
    while (rd->sent < rd->len && rd->sent - rd->acked < rd->window) {
        uint32_t n = rd->len - rd->sent < rd->block ? rd->len - rd->sent : rd->block;
        const uint8_t *p = s->flash->mem + rd->addr + rd->sent;
        t += read_cost(s, n);
        sim_emit_frame(s, p, n, t);
        md5_update(&rd->md5, n, p);
        rd->sent += n;
    }
    if (rd->acked >= rd->len || rd->acked > rd->sent) {
        uint8_t digest[16];
        md5_digest(&rd->md5, 16, digest);
        sim_emit_frame(s, digest, 16, t);
        rd->active = false;
    }
}

static void stub_read_flash(struct sim *s, const struct req *r, uint64_t t)
{
    if (r->len != 16) {
        answer(s, r, STUB_ERR_BAD_DATA_LEN, t);
        return;
    }
    uint32_t addr = word(r, 0), len = word(r, 1), block = word(r, 2), window = word(r, 3);
    if (!sim_flash_in_range(s->flash, addr, len)) {
        answer(s, r, STUB_ERR_FAILED_SPI_OP, t);
        return;
    }
    answer(s, r, 0, t);
    if (block > STUB_READ_MAX_BLOCK || block == 0)
        return; /* the stub returns without sending anything */
    s->reader = (struct sim_reader){
        .active = true, .addr = addr, .len = len, .block = block, .window = window ? window : 1
    };
    md5_init(&s->reader.md5);
    reader_pump(s, t);
}

static void reader_ack(struct sim *s, const uint8_t *f, size_t n, uint64_t t)
{
    if (!f || n != 4) { /* not an acknowledgement: the stub gives up and sends the MD5 */
        s->reader.acked = s->reader.len;
    } else {
        s->reader.acked = rd_le32(f);
    }
    reader_pump(s, t);
}

/* ---- dispatch -------------------------------------------------------- */

typedef void (*cmd_handler)(struct sim *s, const struct req *r, uint64_t t);

static void cmd_run_user_code(struct sim *s, const struct req *r, uint64_t t)
{
    (void)r, (void)t;
    s->state = SIM_USER_CODE; /* no response */
}

/* Who answers what: the ROM's handler and the stub's (NULL: that loader
 * does not know the command and refuses it with its own error code). */
static const struct {
    uint8_t op;
    cmd_handler rom, stub;
} dispatch[] = {
    { OP_SYNC, cmd_sync, cmd_sync },
    { OP_READ_REG, cmd_read_reg, cmd_read_reg },
    { OP_WRITE_REG, cmd_write_reg, cmd_write_reg },
    { OP_SPI_ATTACH, cmd_attach, cmd_attach },
    { OP_SPI_SET_PARAMS, cmd_set_params, cmd_set_params },
    { OP_CHANGE_BAUDRATE, cmd_change_baud, cmd_change_baud },
    { OP_FLASH_BEGIN, cmd_flash_begin, cmd_flash_begin },
    { OP_FLASH_DEFL_BEGIN, cmd_flash_begin, cmd_flash_begin },
    { OP_FLASH_DATA, rom_flash_data, stub_flash_data },
    { OP_FLASH_DEFL_DATA, rom_flash_data, stub_flash_data },
    { OP_FLASH_END, cmd_flash_end, cmd_flash_end },
    { OP_FLASH_DEFL_END, cmd_flash_end, cmd_flash_end },
    { OP_MEM_BEGIN, cmd_mem_begin, cmd_mem_begin },
    { OP_MEM_DATA, cmd_mem_data, cmd_mem_data },
    { OP_MEM_END, cmd_mem_end, cmd_mem_end },
    { OP_SPI_FLASH_MD5, cmd_md5, cmd_md5 },
    { OP_READ_FLASH_SLOW, rom_read_flash_slow, NULL },
    { OP_GET_SECURITY_INFO, cmd_security_info, cmd_security_info },
    { OP_ERASE_FLASH, NULL, stub_erase },
    { OP_ERASE_REGION, NULL, stub_erase },
    { OP_READ_FLASH, NULL, stub_read_flash },
    { OP_RUN_USER_CODE, NULL, cmd_run_user_code },
};

/* What a ROM in Secure Download Mode still answers (esptool and espflash
 * docs): no register, RAM, MD5 or read access, so no stub and no RDID. */
static bool secure_download_allows(uint8_t op)
{
    static const uint8_t ok[] = { OP_SYNC,
                                  OP_SPI_ATTACH,
                                  OP_SPI_SET_PARAMS,
                                  OP_CHANGE_BAUDRATE,
                                  OP_FLASH_BEGIN,
                                  OP_FLASH_DATA,
                                  OP_FLASH_END,
                                  OP_FLASH_DEFL_BEGIN,
                                  OP_FLASH_DEFL_DATA,
                                  OP_FLASH_DEFL_END,
                                  OP_GET_SECURITY_INFO };
    return memchr(ok, op, sizeof ok) != NULL;
}

static void run_command(struct sim *s, const struct req *r, bool stub, uint64_t t)
{
    if (!stub && (s->board->security_flags & SIM_SEC_SECURE_DOWNLOAD) && !secure_download_allows(r->op)) {
        answer(s, r, ROM_ERR_INVALID_MESSAGE, t);
        return;
    }
    for (size_t i = 0; i < sizeof dispatch / sizeof dispatch[0]; i++) {
        if (dispatch[i].op != r->op)
            continue;
        cmd_handler h = stub ? dispatch[i].stub : dispatch[i].rom;
        if (h) {
            h(s, r, t);
            return;
        }
        break;
    }
    answer(s, r, stub ? STUB_ERR_NOT_IMPLEMENTED : ROM_ERR_INVALID_MESSAGE, t);
}

/* A third frame overwrote the buffer the stub was working on: the data of a
 * FLASH_DATA packet is damaged where it lands, a FLASH_DEFL_DATA packet
 * breaks the inflater (reported at the next packet, as a write error is). */
void sim_stub_overrun(struct sim *s)
{
    struct sim_transfer *x = &s->xfer;
    bool data = s->busy_op == OP_FLASH_DATA || s->busy_op == OP_FLASH_DEFL_DATA;
    sim_tracef(
        s, "stub: a frame arrived while both frame buffers were full: it overwrites the %s being processed",
        esp_op_name(s->busy_op));
    if (!data || !x->active || s->stub_flash_error)
        return;
    if (x->deflate) {
        s->stub_flash_error = STUB_ERR_INFLATE;
    } else if (x->written) {
        static const uint8_t zero = 0;
        sim_flash_program(s->flash, x->offset + x->written - 1, &zero, 1);
    }
}

void sim_refuse_frame(struct sim *s, uint8_t op, uint64_t t)
{
    if (s->state == SIM_STUB && s->reader.active)
        reader_ack(s, NULL, 0, t);
    else if (s->state == SIM_STUB || s->state == SIM_ROM)
        respond(s, op, 0, NULL, 0, err_invalid(s), t);
}

void sim_handle_frame(struct sim *s, const uint8_t *f, size_t n, uint64_t t)
{
    if (s->state == SIM_STUB && s->reader.active) {
        reader_ack(s, f, n, t);
        return;
    }
    if (n < ESP_HEADER_LEN || f[0] != ESP_REQUEST)
        return; /* too short to be a request, or not one: ignored */
    struct req r = { .op = f[1], .len = rd_le16(f + 2), .checksum = rd_le32(f + 4), .data = f + 8 };
    if (r.len != n - ESP_HEADER_LEN) {
        answer(s, &r, err_invalid(s), t);
        return;
    }
    s->requests++;
    s->busy_op = r.op;
    sim_tracef(s, "%s %s, %u bytes", s->state == SIM_STUB ? "stub" : "ROM", esp_op_name(r.op), r.len);
    if (s->state == SIM_STUB || s->state == SIM_ROM)
        run_command(s, &r, s->state == SIM_STUB, t);
}
