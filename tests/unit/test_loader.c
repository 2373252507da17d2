/* test_loader.c - the loader against a scripted fake ESP32 ROM (a struct
 * port_ops in this file): framing, response parsing with 4/2 status bytes,
 * boot-text diagnosis, SYNC, chip detection and eFuse facts, RDID,
 * compressed writes with a resent block, MD5, slow reads, erase, and the
 * skip-unchanged sector logic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/md5.h>
#include <zlib.h>

#include "loader/frame.h"
#include "loader/loader.h"
#include "loader/protocol.h"
#include "loader/skip.h"
#include "loader/stub.h"

/* ---- a fake ESP32 in download mode ------------------------------------ */

#define FAKE_FLASH (1u << 20)
#define NREGS      32

struct fake {
    struct port base;
    bytes out; /* bytes the board sends, not yet read */
    size_t out_pos;
    uint8_t fr[0x5000];
    struct slip_decoder dec;
    uint8_t *flash;
    uint32_t reg_addr[NREGS], reg_val[NREGS];
    unsigned nregs;
    z_stream z;
    uint32_t write_at, write_end, next_seq;
    bool zopen;
    int corrupt_next_data; /* answer the next N FLASH_DEFL_DATA with a checksum error */
    int silent_syncs;      /* ignore this many SYNCs (chip not ready yet) */
    const char *boot_text; /* sent once, on the first write */
    bytes ram;             /* MEM_DATA payloads, in order */
    unsigned ncommands[256];
    unsigned bad_checksums; /* *_DATA requests whose checksum word was wrong */
    uint8_t md5_error;      /* answer SPI_FLASH_MD5 with this error, ROM style (4 status bytes) */
    bool stub_md5;          /* answer SPI_FLASH_MD5 as the stub: the raw digest, 2 status bytes */
    unsigned md5_ahead;     /* SPI_FLASH_MD5 requests that came before the last answer was read */
    unsigned data_ahead;    /* FLASH_DEFL_DATA requests that came before the last answer was read */
    uint32_t last_data_len; /* compressed bytes of the last FLASH_DEFL_DATA */
};

static void set_reg(struct fake *f, uint32_t addr, uint32_t v)
{
    for (unsigned i = 0; i < f->nregs; i++)
        if (f->reg_addr[i] == addr) {
            f->reg_val[i] = v;
            return;
        }
    assert_true(f->nregs < NREGS);
    f->reg_addr[f->nregs] = addr;
    f->reg_val[f->nregs++] = v;
}

static uint32_t get_reg(struct fake *f, uint32_t addr)
{
    for (unsigned i = 0; i < f->nregs; i++)
        if (f->reg_addr[i] == addr)
            return f->reg_val[i];
    return 0;
}

static void reply(struct fake *f, uint8_t op, uint32_t value, const uint8_t *data, size_t n, uint8_t error)
{
    uint8_t pkt[8 + 128 + 4];
    assert_true(n <= 128);
    pkt[0] = 1;
    pkt[1] = op;
    wr_le16(pkt + 2, (uint16_t)(n + 4));
    wr_le32(pkt + 4, value);
    if (n)
        memcpy(pkt + 8, data, n);
    pkt[8 + n] = error ? 1 : 0;
    pkt[9 + n] = error;
    pkt[10 + n] = pkt[11 + n] = 0;
    slip_encode(&f->out, pkt, 12 + n);
}

static void md5_hex(const uint8_t *p, size_t n, uint8_t hex[32])
{
    struct md5_ctx m;
    uint8_t d[16];
    md5_init(&m);
    md5_update(&m, n, p);
    md5_digest(&m, 16, d);
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
    }
}

static void fake_defl_data(struct fake *f, const uint8_t *d, size_t n)
{
    uint32_t len = rd_le32(d), seq = rd_le32(d + 4);
    if (f->corrupt_next_data > 0) {
        f->corrupt_next_data--;
        reply(f, OP_FLASH_DEFL_DATA, 0, NULL, 0, ROM_ERR_BAD_CHECKSUM);
        return;
    }
    assert_int_equal(seq, f->next_seq);
    assert_int_equal(len, n - 16);
    if (f->out_pos < f->out.len)
        f->data_ahead++;
    f->last_data_len = len;
    f->next_seq++;
    f->z.next_in = (Bytef *)d + 16;
    f->z.avail_in = len;
    f->z.next_out = f->flash + f->write_at;
    f->z.avail_out = f->write_end - f->write_at;
    int rc = inflate(&f->z, Z_NO_FLUSH);
    assert_true(rc == Z_OK || rc == Z_STREAM_END);
    f->write_at = (uint32_t)(f->z.next_out - f->flash);
    reply(f, OP_FLASH_DEFL_DATA, 0, NULL, 0, 0);
}

static void fake_command(struct fake *f, uint8_t op, uint32_t checksum, const uint8_t *d, size_t n)
{
    f->ncommands[op]++;
    bool data_op = op == OP_MEM_DATA || op == OP_FLASH_DATA || op == OP_FLASH_DEFL_DATA;
    if (data_op && (n < 16 || checksum != esp_checksum(d + 16, (uint32_t)(n - 16)))) {
        f->bad_checksums++;
        reply(f, op, 0, NULL, 0, ROM_ERR_BAD_CHECKSUM);
        return;
    }
    switch (op) {
    case OP_SYNC:
        if (f->silent_syncs > 0) {
            f->silent_syncs--;
            return;
        }
        for (int i = 0; i < 8; i++)
            reply(f, op, 0x20120707, NULL, 0, 0);
        return;
    case OP_READ_REG: reply(f, op, get_reg(f, rd_le32(d)), NULL, 0, 0); return;
    case OP_WRITE_REG: {
        uint32_t a = rd_le32(d), v = rd_le32(d + 4);
        if (a == 0x3FF42000 && (v & (1u << 18)))
            set_reg(f, 0x3FF42080, 0x1640EF); /* RDID: Winbond, 4 MB */
        else
            set_reg(f, a, v);
        reply(f, op, 0, NULL, 0, 0);
        return;
    }
    case OP_GET_SECURITY_INFO: reply(f, op, 0, NULL, 0, ROM_ERR_INVALID_MESSAGE); return;
    case OP_FLASH_DEFL_BEGIN:
    case OP_FLASH_BEGIN: {
        uint32_t size = rd_le32(d), off = rd_le32(d + 12);
        assert_int_equal(n, 16); /* the ESP32 ROM takes no "encrypted" word */
        assert_true(off + size <= FAKE_FLASH);
        memset(f->flash + off, 0xFF, size);
        if (op == OP_FLASH_DEFL_BEGIN) {
            if (f->zopen)
                inflateEnd(&f->z);
            memset(&f->z, 0, sizeof f->z);
            inflateInit(&f->z);
            f->zopen = true;
            f->write_at = off;
            f->write_end = off + size;
            f->next_seq = 0;
        }
        reply(f, op, 0, NULL, 0, 0);
        return;
    }
    case OP_FLASH_DEFL_DATA: fake_defl_data(f, d, n); return;
    case OP_SPI_FLASH_MD5: {
        if (f->md5_error) {
            reply(f, op, 0, NULL, 0, f->md5_error);
            return;
        }
        if (f->out_pos < f->out.len)
            f->md5_ahead++;
        if (f->stub_md5) {
            uint8_t pkt[8 + 16 + 2] = { 1, op, 18, 0 };
            struct md5_ctx m;
            md5_init(&m);
            md5_update(&m, rd_le32(d + 4), f->flash + rd_le32(d));
            md5_digest(&m, 16, pkt + 8);
            slip_encode(&f->out, pkt, sizeof pkt);
            return;
        }
        uint8_t hex[32];
        md5_hex(f->flash + rd_le32(d), rd_le32(d + 4), hex);
        reply(f, op, 0, hex, 32, 0);
        return;
    }
    case OP_MEM_DATA:
        bytes_append(&f->ram, d + 16, n - 16);
        reply(f, op, 0, NULL, 0, 0);
        return;
    case OP_MEM_END: {
        static const uint8_t ohai[] = { 'O', 'H', 'A', 'I' };
        reply(f, op, 0, NULL, 0, 0);
        slip_encode(&f->out, ohai, sizeof ohai);
        return;
    }
    case OP_READ_FLASH_SLOW: reply(f, op, 0, f->flash + rd_le32(d), 64, 0); return;
    default: reply(f, op, 0, NULL, 0, 0); return;
    }
}

static int fake_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    (void)timeout_ms, (void)err;
    struct fake *f = (struct fake *)p;
    size_t avail = f->out.len - f->out_pos;
    if (avail == 0)
        return 0;
    /* deliver in small pieces to exercise reassembly */
    if (n > avail)
        n = avail;
    if (n > 7)
        n = 7;
    memcpy(buf, f->out.data + f->out_pos, n);
    f->out_pos += n;
    return (int)n;
}

static int fake_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    (void)err;
    struct fake *f = (struct fake *)p;
    if (f->boot_text) {
        bytes_append(&f->out, f->boot_text, strlen(f->boot_text));
        f->boot_text = NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (slip_feed(&f->dec, buf[i]) == SLIP_FRAME && f->dec.len >= 8 && f->fr[0] == 0)
            fake_command(f, f->fr[1], rd_le32(f->fr + 4), f->fr + 8, f->dec.len - 8);
    return 0;
}

static int fake_ok(struct port *p, uint32_t baud, eb_err *err)
{
    (void)err;
    p->baud = baud;
    return 0;
}
static int fake_lines(struct port *p, int d, int r, eb_err *err)
{
    (void)p, (void)d, (void)r, (void)err;
    return 0;
}
static int fake_flush(struct port *p, eb_err *err)
{
    (void)p, (void)err;
    return 0;
}
static void fake_close(struct port *p)
{
    (void)p;
}

static const struct port_ops fake_ops = {
    fake_read, fake_write, fake_ok, fake_lines, fake_flush, fake_close
};

static struct fake *fake_new(void)
{
    struct fake *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    strcpy(f->base.name, "fake");
    f->base.baud = 115200;
    f->flash = malloc(FAKE_FLASH);
    memset(f->flash, 0xFF, FAKE_FLASH);
    slip_decoder_init(&f->dec, f->fr, sizeof f->fr);
    set_reg(f, ESP_MAGIC_REG, 0x00F01D83);
    /* eFuses of an ESP32-D0WDQ6 rev 1 with MAC 24:0a:c4:12:34:56 */
    set_reg(f, 0x3FF5A004, 0xC4123456);
    set_reg(f, 0x3FF5A008, 0x0000240A);
    set_reg(f, 0x3FF5A00C, 1u << 15);
    set_reg(f, 0x3FF40014, 347); /* UART_CLKDIV at 115200 from 40 MHz */
    return f;
}

static void fake_free(struct fake *f)
{
    if (f->zopen)
        inflateEnd(&f->z);
    bytes_free(&f->out);
    bytes_free(&f->ram);
    free(f->flash);
    free(f);
}

static struct loader *connected(struct fake *f)
{
    struct loader *l = loader_new(&f->base);
    eb_err err = { 0 };
    assert_int_equal(loader_connect(l, BEFORE_DEFAULT, 3, &err), 0);
    assert_int_equal(loader_detect_chip(l, &err), 0);
    return l;
}

/* ---- the command table --------------------------------------------------- */

/* Every opcode has one row with its name; the waits follow the size. */
static void command_table_names_and_times_every_op(void **state)
{
    (void)state;
    static const struct {
        uint8_t op;
        const char *name;
    } all[] = {
        { OP_FLASH_BEGIN, "FLASH_BEGIN" },
        { OP_FLASH_DATA, "FLASH_DATA" },
        { OP_FLASH_END, "FLASH_END" },
        { OP_MEM_BEGIN, "MEM_BEGIN" },
        { OP_MEM_END, "MEM_END" },
        { OP_MEM_DATA, "MEM_DATA" },
        { OP_SYNC, "SYNC" },
        { OP_WRITE_REG, "WRITE_REG" },
        { OP_READ_REG, "READ_REG" },
        { OP_SPI_SET_PARAMS, "SPI_SET_PARAMS" },
        { OP_SPI_ATTACH, "SPI_ATTACH" },
        { OP_READ_FLASH_SLOW, "READ_FLASH_SLOW" },
        { OP_CHANGE_BAUDRATE, "CHANGE_BAUDRATE" },
        { OP_FLASH_DEFL_BEGIN, "FLASH_DEFL_BEGIN" },
        { OP_FLASH_DEFL_DATA, "FLASH_DEFL_DATA" },
        { OP_FLASH_DEFL_END, "FLASH_DEFL_END" },
        { OP_SPI_FLASH_MD5, "SPI_FLASH_MD5" },
        { OP_GET_SECURITY_INFO, "GET_SECURITY_INFO" },
        { OP_ERASE_FLASH, "ERASE_FLASH" },
        { OP_ERASE_REGION, "ERASE_REGION" },
        { OP_READ_FLASH, "READ_FLASH" },
        { OP_RUN_USER_CODE, "RUN_USER_CODE" },
    };
    unsigned n;
    const struct esp_op_info *t = esp_op_table(&n);
    assert_int_equal(n, sizeof all / sizeof all[0]);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        assert_non_null(esp_op_info(all[i].op));
        assert_string_equal(esp_op_name(all[i].op), all[i].name);
        assert_true(esp_op_info(all[i].op)->base_ms > 0);
        for (unsigned k = 0; k < n; k++) /* one row per op */
            assert_true(&t[k] == esp_op_info(all[i].op) || t[k].op != all[i].op);
    }
    assert_null(esp_op_info(0x42));
    assert_string_equal(esp_op_name(0x42), "0x42");

    struct fake *f = fake_new();
    struct loader *l = loader_new(&f->base);
    assert_int_equal(loader_op_timeout(l, OP_SYNC, 0), 100);
    assert_int_equal(loader_op_timeout(l, OP_READ_REG, 1u << 24), 3000); /* no rate: the base */
    assert_int_equal(loader_op_timeout(l, OP_SPI_FLASH_MD5, 16000000), 8000 * 16);
    assert_int_equal(loader_op_timeout(l, OP_SPI_FLASH_MD5, 4096), 3000); /* never below the base */
    assert_int_equal(loader_op_timeout(l, OP_FLASH_DEFL_BEGIN, 4000000),
                     40000 * 4); /* the ROM erases first */
    assert_int_equal(loader_op_timeout(l, OP_ERASE_FLASH, 0), 120000);
    assert_int_equal(loader_op_timeout(l, 0x42, 1u << 24), 3000);
    loader_set_stub(l, true);
    assert_int_equal(loader_op_timeout(l, OP_FLASH_DEFL_BEGIN, 4000000),
                     3000); /* the stub erases as it goes */
    assert_int_equal(loader_op_timeout(l, OP_ERASE_REGION, 2000000), 80000);
    assert_true(l->stub && l->status_len == ESP_STUB_STATUS_LEN && l->flash_block == ESP_STUB_FLASH_BLOCK);
    loader_free(l);
    fake_free(f);
}

/* A stub left in the loader is forgotten by a new connect (the ROM answers). */
static void connect_returns_to_rom_mode(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = loader_new(&f->base);
    loader_set_stub(l, true);
    eb_err err = { 0 };
    assert_int_equal(loader_connect(l, BEFORE_DEFAULT, 3, &err), 0);
    assert_false(l->stub);
    assert_int_equal(l->status_len, ESP_ROM_STATUS_LEN);
    assert_int_equal(l->flash_block, ESP_ROM_FLASH_BLOCK);
    assert_int_equal(loader_detect_chip(l, &err), 0); /* and is understood */
    loader_free(l);
    fake_free(f);
}

/* ---- frame layer ------------------------------------------------------ */

static void response_status_at_end_or_expected_offset(void **state)
{
    (void)state;
    /* MD5-like: 32 payload bytes then 4 status bytes; failed flag set */
    uint8_t fr[8 + 36] = { 1, OP_SPI_FLASH_MD5, 36, 0, 0x78, 0x56, 0x34, 0x12 };
    fr[8 + 32] = 1;
    fr[8 + 33] = ROM_ERR_FLASH_READ;
    struct esp_response r;
    assert_int_equal(esp_response_parse(fr, sizeof fr, 4, 32, &r), 0);
    assert_int_equal(r.value, 0x12345678);
    assert_int_equal(r.data_len, 32);
    assert_int_equal(r.failed, 1);
    assert_int_equal(r.error, ROM_ERR_FLASH_READ);
    /* the same frame read as a stub answer (2 status bytes, unknown length) */
    assert_int_equal(esp_response_parse(fr, sizeof fr, 2, -1, &r), 0);
    assert_int_equal(r.data_len, 34);
    /* not a response, or a length beyond the frame */
    fr[0] = 0;
    assert_int_equal(esp_response_parse(fr, sizeof fr, 4, -1, &r), -1);
    fr[0] = 1;
    fr[2] = 200;
    assert_int_equal(esp_response_parse(fr, sizeof fr, 4, -1, &r), -1);
    assert_int_equal(esp_response_parse(fr, 5, 4, -1, &r), -1);
}

static void request_round_trips_through_slip(void **state)
{
    (void)state;
    const uint8_t payload[] = { 0xC0, 0xDB, 1, 2 };
    bytes w = { 0 };
    assert_int_equal(esp_request_encode(&w, OP_WRITE_REG, payload, sizeof payload, 0xC0), 0);
    uint8_t st[64];
    struct slip_decoder d;
    slip_decoder_init(&d, st, sizeof st);
    enum slip_event e = SLIP_NONE;
    for (size_t i = 0; i < w.len && e != SLIP_FRAME; i++)
        e = slip_feed(&d, w.data[i]);
    assert_int_equal(e, SLIP_FRAME);
    assert_int_equal(d.len, 12);
    assert_int_equal(st[1], OP_WRITE_REG);
    assert_int_equal(rd_le16(st + 2), 4);
    assert_int_equal(rd_le32(st + 4), 0xC0);
    assert_memory_equal(st + 8, payload, 4);
    bytes_free(&w);
}

static void boot_text_names_the_mode(void **state)
{
    (void)state;
    const char *flash =
        "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\n";
    const char *dl =
        "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
    const char *bare = "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13\r\n";
    char line[80];
    assert_int_equal(esp_strap_from_text(flash, strlen(flash), line, sizeof line), ESP_STRAP_FLASH);
    assert_string_equal(line, "boot:0x17 (SPI_FAST_FLASH_BOOT)");
    assert_int_equal(esp_strap_from_text(dl, strlen(dl), NULL, 0), ESP_STRAP_DOWNLOAD);
    assert_int_equal(esp_strap_from_text(bare, strlen(bare), NULL, 0), ESP_STRAP_FLASH);
    assert_int_equal(esp_strap_from_text("hello", 5, NULL, 0), ESP_STRAP_UNSEEN);
    const char *idf =
        "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nload:0x3fff0018,len:4\r\n"
        "I (29) boot: ESP-IDF v4.4 2nd stage bootloader\r\nI (30) boot: compile time 12:00:00\r\n";
    assert_int_equal(esp_strap_from_text(idf, strlen(idf), line, sizeof line), ESP_STRAP_FLASH);
    assert_string_equal(line, "boot:0x13 (SPI_FAST_FLASH_BOOT)");
}

/* ---- loader against the fake ------------------------------------------ */

static void connect_skips_noise_and_detects_esp32(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    f->boot_text = "ets Jun  8 2016\r\nwaiting for download\r\n";
    f->silent_syncs = 2;
    struct loader *l = connected(f);
    assert_string_equal(l->chip->name, "esp32");
    assert_non_null(strstr(l->noise, "waiting for download"));
    /* the extra SYNC replies were drained: the next command gets its own answer */
    uint32_t v;
    eb_err err = { 0 };
    assert_int_equal(loader_read_reg(l, 0x3FF40014, &v, &err), 0);
    assert_int_equal(v, 347);
    loader_free(l);
    fake_free(f);
}

static void connect_failure_explains_flash_boot(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    f->boot_text = "rst:0x1 (POWERON_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\nMicroPython\r\n";
    f->silent_syncs = 1000;
    struct loader *l = loader_new(&f->base);
    eb_err err = { 0 };
    assert_int_equal(loader_connect(l, BEFORE_DEFAULT, 1, &err), -1);
    assert_non_null(strstr(err.msg, "instead of entering download mode"));
    assert_non_null(strstr(err.msg, "hold BOOT/GPIO0"));
    loader_free(l);
    fake_free(f);
}

static void esp32_facts_from_efuses(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    struct chip_facts facts;
    eb_err err = { 0 };
    assert_int_equal(loader_chip_facts(l, &facts, &err), 0);
    assert_string_equal(facts.description, "ESP32-D0WDQ6");
    assert_int_equal(facts.rev_major, 1);
    const uint8_t mac[6] = { 0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56 };
    assert_memory_equal(facts.mac, mac, 6);
    assert_int_equal(facts.xtal_mhz, 40);
    assert_string_equal(facts.features[1], "BT");
    assert_string_equal(facts.features[2], "Dual Core");
    uint32_t id;
    assert_int_equal(loader_flash_id(l, &id, &err), 0);
    assert_int_equal(id, 0x1640EF);
    assert_int_equal(flash_size_from_jedec(id), 4u << 20);
    assert_string_equal(flash_manufacturer_name(id & 0xFF), "Winbond");
    loader_free(l);
    fake_free(f);
}

static void deflated_write_lands_and_resends_a_refused_block(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    size_t n = 200000;
    uint8_t *img = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        img[i] = (i % 3000 < 1500) ? (uint8_t)(x >> 24) : (uint8_t)i;
    }
    f->corrupt_next_data = 1;
    eb_err err = { 0 };
    size_t wire = 0;
    assert_int_equal(loader_write_deflated(l, 0x10000, img, n, NULL, NULL, NULL, &wire, &err), 0);
    assert_memory_equal(f->flash + 0x10000, img, n);
    assert_true(wire < n);
    assert_int_equal(l->block_retries, 1);
    assert_int_equal(f->bad_checksums, 0); /* the checksum word comes from the command table */
    assert_int_equal(f->ncommands[OP_FLASH_DEFL_DATA], (wire + 0x3FF) / 0x400 + 1);
    uint8_t md5[16], want[16];
    struct md5_ctx m;
    md5_init(&m);
    md5_update(&m, n, img);
    md5_digest(&m, 16, want);
    assert_int_equal(loader_flash_md5(l, 0x10000, (uint32_t)n, md5, &err), 0);
    assert_memory_equal(md5, want, 16);
    bytes back = { 0 };
    assert_int_equal(loader_read_flash(l, 0x10000 + 100, 1000, &back, NULL, NULL, &err), 0);
    assert_int_equal(back.len, 1000);
    assert_memory_equal(back.data, img + 100, 1000);
    bytes_free(&back);
    assert_int_equal(loader_erase(l, 0x10000, 0x1000, &err), 0);
    assert_int_equal(f->flash[0x10000], 0xFF);
    assert_int_equal(loader_erase(l, 0x10001, 0x1000, &err), -1);
    free(img);
    loader_free(l);
    fake_free(f);
}

/* A board reset while the stub ran: the ROM answers the stub's MD5 request
 * with its own 4 status bytes; the error says the chip was reset, not that
 * the answer had 2 bytes (issue 15). */
static void md5_answered_by_the_rom_says_the_chip_was_reset(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    loader_set_stub(l, true);
    f->md5_error = 0x05;
    eb_err err = { 0 };
    uint8_t md5[16];
    assert_int_equal(loader_flash_md5(l, 0x1000, 0x1000, md5, &err), -1);
    assert_non_null(strstr(err.msg, "ROM loader answered the MD5 request instead of the stub"));
    assert_non_null(strstr(err.msg, "run the command again"));
    assert_null(strstr(err.msg, "2 bytes"));
    loader_free(l);
    fake_free(f);
}

/* Several MD5s with the stub: each request goes out before the previous
 * answer is read (one ahead), and each answer lands with its own range;
 * the ROM is asked one range at a time. */
static void md5_many_sends_one_request_ahead_with_the_stub(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    for (size_t i = 0; i < 0x4000; i++)
        f->flash[0x1000 + i] = (uint8_t)(i * 13 + (i >> 8));
    struct skip_query q[3] = { { 0x1000, 0x1000, { 0 } },
                               { 0x2000, 0x2000, { 0 } },
                               { 0x4000, 0x800, { 0 } } };
    eb_err err = { 0 };
    assert_int_equal(loader_flash_md5_many(l, q, 3, &err), 0);
    assert_int_equal(f->md5_ahead, 0); /* ROM: one at a time */
    loader_set_stub(l, true);
    f->stub_md5 = true;
    struct skip_query s[3];
    memcpy(s, q, sizeof s);
    memset(s[0].md5, 0, 16);
    assert_int_equal(loader_flash_md5_many(l, s, 3, &err), 0);
    assert_int_equal(f->md5_ahead, 2);
    for (int i = 0; i < 3; i++) {
        uint8_t want[16];
        struct md5_ctx m;
        md5_init(&m);
        md5_update(&m, q[i].len, f->flash + q[i].addr);
        md5_digest(&m, 16, want);
        assert_memory_equal(q[i].md5, want, 16);
        assert_memory_equal(s[i].md5, want, 16);
    }
    loader_free(l);
    fake_free(f);
}

/* Verify under the wire: with the stub, the MD5 of what it has written (whole
 * 32 KB pieces) is asked for before the last packet, and the last packet,
 * a full one, goes out before that answer is read. */
static void early_md5_is_asked_under_the_last_packet(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    loader_set_stub(l, true);
    f->stub_md5 = true;
    size_t n = 100000;
    uint8_t *img = malloc(n);
    uint32_t x = 99;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        img[i] = (uint8_t)(x >> 24);
    }
    struct loader_early_md5 e = { .from = 0x20000 };
    l->early_md5 = &e;
    eb_err err = { 0 };
    size_t wire = 0;
    assert_int_equal(loader_write_deflated(l, 0x20000, img, n, NULL, NULL, NULL, &wire, &err), 0);
    l->early_md5 = NULL;
    assert_memory_equal(f->flash + 0x20000, img, n);
    assert_int_equal(f->ncommands[OP_SPI_FLASH_MD5], 1);
    assert_int_equal(f->data_ahead, 1);
    assert_int_equal(f->last_data_len, ESP_STUB_FLASH_BLOCK);
    /* incompressible: all but the last 16 KB inflated before it, in whole 32 KB pieces */
    assert_int_equal(e.len, (n - ESP_STUB_FLASH_BLOCK) / 0x8000 * 0x8000);
    uint8_t want[16];
    struct md5_ctx m;
    md5_init(&m);
    md5_update(&m, e.len, img);
    md5_digest(&m, 16, want);
    assert_memory_equal(e.md5, want, 16);
    free(img);
    loader_free(l);
    fake_free(f);
}

/* The table of known stubs finds a row by its two digests in any order and
 * among others, and not by one of them alone. The digests of esptool-js
 * 0.7.0's esp32.json (esp-flasher-stub), text then data, written out here. */
static void known_stub_needs_both_digests(void **state)
{
    (void)state;
    static const char *const hex[2] = {
        "fc5fb606754d152b9b9e4f20c72fdad83d1d99b1b139744bc53cc160b1edd570",
        "580837cfef9d57b223a4d30cf634dad72f1fdcc19b499ca62b514b487a0c3438",
    };
    uint8_t d[3][EB_SHA256_LEN] = { { 0 } };
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < EB_SHA256_LEN; i++) {
            unsigned v;
            assert_int_equal(sscanf(hex[k] + 2 * i, "%2x", &v), 1);
            d[2 - k][i] = (uint8_t)v; /* data first, text last, a stranger in front */
        }
    const struct stub_known_row *row = stub_known_identify((const uint8_t(*)[EB_SHA256_LEN])d, 3);
    assert_non_null(row);
    assert_int_equal(row->kind, STUB_KIND_ESP_FLASHER);
    assert_non_null(strstr(row->source, "esp32.json"));
    assert_null(stub_known_identify((const uint8_t(*)[EB_SHA256_LEN])d, 2)); /* the text digest left out */
}

static void block_refused_three_times_fails_clearly(void **state)
{
    (void)state;
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    uint8_t img[5000];
    memset(img, 0x42, sizeof img);
    f->corrupt_next_data = 3;
    eb_err err = { 0 };
    assert_int_equal(loader_write_deflated(l, 0x20000, img, sizeof img, NULL, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "bad data checksum"));
    assert_non_null(strstr(err.msg, "0x20000"));
    loader_free(l);
    fake_free(f);
}

/* ---- skip-unchanged --------------------------------------------------- */

struct md5_over {
    const uint8_t *flash;
    unsigned calls;  /* batches asked for */
    uint64_t hashed; /* bytes the chip read to answer them */
};

static int flash_md5_cb(void *ctx, struct skip_query *q, unsigned n, eb_err *err)
{
    (void)err;
    struct md5_over *o = ctx;
    assert_true(n >= 1 && n <= SKIP_FANOUT);
    o->calls++;
    for (unsigned i = 0; i < n; i++) {
        struct md5_ctx m;
        o->hashed += q[i].len;
        md5_init(&m);
        md5_update(&m, q[i].len, o->flash + q[i].addr);
        md5_digest(&m, 16, q[i].md5);
    }
    return 0;
}

/* A region of `len` bytes at `at`, the flash holding the image's bytes
 * (a pattern that differs from sector to sector) until a test changes it. */
struct skip_case {
    uint32_t at;
    size_t len;
    uint8_t *flash, *img;
    bool *changed; /* one per sector, filled by skip_case_run */
    struct md5_over o;
    unsigned q; /* MD5s the last run asked for */
};

static void skip_case_init(struct skip_case *c, uint32_t at, size_t len, unsigned mul)
{
    memset(c, 0, sizeof *c);
    c->at = at;
    c->len = len;
    c->flash = malloc(at + len);
    c->img = malloc(len);
    c->changed = calloc(skip_nsectors(len), sizeof(bool));
    assert_true(c->flash && c->img && c->changed);
    for (size_t i = 0; i < len; i++)
        c->img[i] = (uint8_t)(i * mul + (i >> 12));
    memcpy(c->flash + at, c->img, len);
    c->o.flash = c->flash;
}

static void skip_case_run(struct skip_case *c, unsigned budget)
{
    eb_err err = { 0 };
    c->o.calls = 0;
    c->o.hashed = 0;
    assert_int_equal(
        skip_find_changed(c->at, c->img, c->len, flash_md5_cb, &c->o, budget, c->changed, &c->q, &err), 0);
}

static unsigned skip_case_marked(const struct skip_case *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < skip_nsectors(c->len); i++)
        n += c->changed[i];
    return n;
}

static void skip_case_free(struct skip_case *c)
{
    free(c->flash);
    free(c->img);
    free(c->changed);
}

static void skip_finds_one_changed_sector_cheaply(void **state)
{
    (void)state;
    struct skip_case c;
    size_t len = 0x240000 + 0x123; /* 2.25 MB and a partial last sector */
    skip_case_init(&c, 0x10000, len, 31);
    skip_case_run(&c, 128);
    /* unchanged: a probe of the first sector, then the region in SKIP_FANOUT parts, one batch */
    assert_int_equal(c.q, 1 + SKIP_FANOUT);
    assert_int_equal(c.o.calls, 2);
    assert_int_equal(c.o.hashed, 0x1000 + len);
    assert_int_equal(skip_case_marked(&c), 0);
    c.flash[0x10000 + 0x123005] ^= 1; /* sector 0x123 */
    c.flash[0x10000 + len - 1] ^= 1;  /* the partial last sector */
    skip_case_run(&c, 128);
    /* the chip reads the region about once, not once per level of a bisection:
     * the parts that differ (2 x 1/16) and their parts (2 x 1/256) on top */
    assert_true(c.o.hashed <= 0x1000 + len + 2 * (len / 16 + 1) + 2 * (len / 256 + 0x2000));
    assert_true(c.q <= 128);
    struct skip_run runs[8];
    assert_int_equal(skip_runs(c.changed, len, runs), 2);
    assert_int_equal(runs[0].off, 0x123000);
    assert_int_equal(runs[0].len, 0x1000);
    assert_int_equal(runs[1].off, 0x240000);
    assert_int_equal(runs[1].len, 0x123);
    skip_case_free(&c);
}

/* A small region is hashed whole first; when it differs, its parts are
 * asked for in one batch, and so on down to the sector. */
static void skip_splits_a_differing_range_in_batches(void **state)
{
    (void)state;
    struct skip_case c;
    skip_case_init(&c, 0, 40 * 0x1000, 7);
    c.flash[39 * 0x1000 + 9] ^= 1;
    skip_case_run(&c, 128);
    /* [0,40); 16 parts of 2-3 sectors; the last part's 3 sectors */
    assert_int_equal(c.o.calls, 3);
    assert_int_equal(c.q, 1 + SKIP_FANOUT + 3);
    assert_int_equal(skip_case_marked(&c), 1);
    assert_true(c.changed[39]);
    skip_case_free(&c);
}

static void skip_budget_marks_the_rest_changed(void **state)
{
    (void)state;
    struct skip_case c;
    skip_case_init(&c, 0, 40 * 0x1000, 5);
    for (unsigned s = 0; s < 40; s += 4)
        c.flash[s * 0x1000 + 77] ^= 0x80; /* every fourth sector differs */
    /* the whole range, its 16 parts, then only as many parts' sectors as fit */
    skip_case_run(&c, 20);
    assert_true(c.q <= 20);
    for (unsigned s = 0; s < 40; s += 4)
        assert_true(c.changed[s]);          /* never a changed sector left out */
    assert_true(skip_case_marked(&c) > 10); /* unresolved parts count as changed */
    skip_case_run(&c, 5);
    assert_int_equal(c.q, 1); /* the whole range differs; its 16 parts would pass the budget */
    assert_int_equal(skip_case_marked(&c), 40);
    skip_case_free(&c);
}

static void skip_erased_region_needs_one_query(void **state)
{
    (void)state;
    struct skip_case c;
    skip_case_init(&c, 0, 40 * 0x1000 + 7, 0);
    memset(c.flash, 0xFF, c.len);
    memset(c.img, 0x11, c.len);
    skip_case_run(&c, 48);
    assert_int_equal(c.q, 1);
    assert_int_equal(skip_case_marked(&c), 41);
    skip_case_free(&c);
}

static void skip_large_region_on_a_new_board_probes_one_sector(void **state)
{
    (void)state;
    struct skip_case c;
    skip_case_init(&c, 0, 0x240000, 7);
    unsigned n = skip_nsectors(c.len);
    memset(c.flash, 0xFF, c.len);
    skip_case_run(&c, 48);
    assert_int_equal(c.q, 1);
    assert_int_equal(skip_case_marked(&c), n);
    /* an image that itself starts erased gives no conclusion: the range is compared */
    memset(c.img, 0xFF, 0x1000);
    skip_case_run(&c, 48);
    assert_int_equal(c.q, 1); /* the whole region reads erased: everything changes */
    memcpy(c.flash + 0x1000, c.img + 0x1000, c.len - 0x1000);
    skip_case_run(&c, 48);
    assert_int_equal(c.q, 1); /* and now it matches */
    assert_int_equal(skip_case_marked(&c), 0);
    skip_case_free(&c);
}

static void skip_rewritten_region_is_probed_not_hashed(void **state)
{
    (void)state;
    struct skip_case c;
    skip_case_init(&c, 0, 0x240000, 7);
    for (size_t i = 0; i < c.len; i++)
        c.flash[i] = (uint8_t)(i * 13 + 5); /* another build: every sector differs, none erased */
    skip_case_run(&c, 48);
    assert_int_equal(c.q, SKIP_PROBES); /* sampled sectors only: the 2.25 MB range is never hashed */
    assert_int_equal(skip_case_marked(&c), skip_nsectors(c.len));
    /* only the first sector differs: a sampled sector matches, so the range is hashed in parts */
    memcpy(c.flash + 0x1000, c.img + 0x1000, c.len - 0x1000);
    skip_case_run(&c, 48);
    assert_int_equal(skip_case_marked(&c), 1);
    assert_true(c.changed[0]);
    struct skip_run runs[4];
    assert_int_equal(skip_runs(c.changed, c.len, runs), 1);
    assert_int_equal(runs[0].len, 0x1000);
    skip_case_free(&c);
}

static void stub_json_is_parsed_uploaded_and_started(void **state)
{
    (void)state;
    const char *json = "{\"entry\": 1074521580, \"text\": \"AAECAwQF\\nBgc=\", \"text_start\": 1074520064, "
                       "\"data\": \"/w==\", \"data_start\": 1073605544}";
    struct stub_image img;
    eb_err err = { 0 };
    assert_int_equal(stub_parse(json, strlen(json), &img, &err), 0);
    assert_int_equal(img.text.len, 8);
    assert_int_equal(img.text.data[7], 7);
    assert_int_equal(img.data.len, 1);
    assert_int_equal(img.entry, 1074521580u);
    struct fake *f = fake_new();
    struct loader *l = connected(f);
    assert_int_equal(stub_run(l, &img, &err), 0);
    assert_int_equal(f->bad_checksums, 0);
    assert_true(l->stub);
    assert_int_equal(l->status_len, 2);
    assert_int_equal(l->flash_block, 0x4000);
    assert_int_equal(l->stub_kind, STUB_KIND_UNKNOWN); /* an image not in stub_known.c */
    assert_int_equal(f->ram.len, 9);
    assert_memory_equal(f->ram.data, img.text.data, 8);
    stub_free(&img);
    assert_int_equal(stub_parse("{\"entry\": 1}", 12, &img, &err), -1);
    assert_non_null(strstr(err.msg, "text_start"));
    assert_int_equal(stub_parse("nope", 4, &img, &err), -1);
    loader_free(l);
    fake_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(command_table_names_and_times_every_op),
        cmocka_unit_test(connect_returns_to_rom_mode),
        cmocka_unit_test(response_status_at_end_or_expected_offset),
        cmocka_unit_test(request_round_trips_through_slip),
        cmocka_unit_test(boot_text_names_the_mode),
        cmocka_unit_test(connect_skips_noise_and_detects_esp32),
        cmocka_unit_test(connect_failure_explains_flash_boot),
        cmocka_unit_test(esp32_facts_from_efuses),
        cmocka_unit_test(deflated_write_lands_and_resends_a_refused_block),
        cmocka_unit_test(block_refused_three_times_fails_clearly),
        cmocka_unit_test(md5_many_sends_one_request_ahead_with_the_stub),
        cmocka_unit_test(early_md5_is_asked_under_the_last_packet),
        cmocka_unit_test(known_stub_needs_both_digests),
        cmocka_unit_test(skip_finds_one_changed_sector_cheaply),
        cmocka_unit_test(skip_splits_a_differing_range_in_batches),
        cmocka_unit_test(skip_budget_marks_the_rest_changed),
        cmocka_unit_test(skip_erased_region_needs_one_query),
        cmocka_unit_test(skip_large_region_on_a_new_board_probes_one_sector),
        cmocka_unit_test(skip_rewritten_region_is_probed_not_hashed),
        cmocka_unit_test(stub_json_is_parsed_uploaded_and_started),
        cmocka_unit_test(md5_answered_by_the_rom_says_the_chip_was_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
