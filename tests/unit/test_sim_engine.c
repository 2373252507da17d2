/* test_sim_engine.c - the virtual board's engine in-process: bytes in,
 * frames out, with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "loader/protocol.h"
#include "loader/stub.h"
#include "sim/engine.h"

struct rig {
    struct sim s;
    struct sim_flash flash;
    uint64_t now;
    uint8_t frames[64][0x1100];
    size_t lens[64];
    int nframes;
    char text[2048];
};

static struct rig *rig_new(const char *board, bool realtime, bool lines)
{
    struct rig *r = calloc(1, sizeof *r);
    const struct sim_board *b = sim_board_by_name(board);
    assert_non_null(b);
    assert_int_equal(sim_flash_open(&r->flash, NULL, sim_board_flash_size(b), NULL), 0);
    struct sim_options o = {
        .board = b, .flash = &r->flash, .boot_download = true, .has_lines = lines, .realtime = realtime
    };
    assert_int_equal(sim_init(&r->s, &o, NULL), 0);
    r->now = 1000000;
    sim_power_on(&r->s, r->now);
    return r;
}

static void rig_free(struct rig *r)
{
    sim_free(&r->s);
    sim_flash_close(&r->flash);
    free(r);
}

/* Take everything the board has sent by `until`, split into frames and text. */
static void collect(struct rig *r, uint64_t until)
{
    const uint8_t *p;
    size_t n = sim_tx_ready(&r->s, until, &p);
    uint8_t store[0x1100];
    struct slip_decoder d;
    slip_decoder_init(&d, store, sizeof store);
    r->nframes = 0;
    size_t tl = strlen(r->text);
    for (size_t i = 0; i < n; i++) {
        enum slip_event e = slip_feed(&d, p[i]);
        if (e == SLIP_FRAME && r->nframes < 64) {
            memcpy(r->frames[r->nframes], d.frame, d.len);
            r->lens[r->nframes++] = d.len;
        } else if (e == SLIP_NOISE && tl + 1 < sizeof r->text) {
            r->text[tl++] = (char)p[i];
            r->text[tl] = 0;
        }
    }
    sim_tx_consume(&r->s, n);
}

static void send_cmd(struct rig *r, uint8_t op, const uint8_t *data, uint16_t len, uint32_t chk)
{
    uint8_t pkt[8 + 0x4100];
    pkt[0] = 0;
    pkt[1] = op;
    pkt[2] = (uint8_t)len;
    pkt[3] = (uint8_t)(len >> 8);
    memcpy(pkt + 4, &chk, 4);
    if (len)
        memcpy(pkt + 8, data, len);
    bytes wire = { 0 };
    slip_encode(&wire, pkt, 8u + len);
    sim_rx(&r->s, wire.data, wire.len, r->now);
    bytes_free(&wire);
}

/* Send and collect everything (no realtime). Returns the frame count. */
static int exchange(struct rig *r, uint8_t op, const uint8_t *data, uint16_t len, uint32_t chk)
{
    send_cmd(r, op, data, len, chk);
    collect(r, UINT64_MAX);
    return r->nframes;
}

static uint8_t status_of(const struct rig *r, int i, int status_len)
{
    return r->frames[i][r->lens[i] - (size_t)status_len];
}
static uint8_t error_of(const struct rig *r, int i, int status_len)
{
    return r->frames[i][r->lens[i] - (size_t)status_len + 1];
}

static void words(uint8_t *out, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        uint32_t w = va_arg(ap, uint32_t);
        memcpy(out + 4 * i, &w, 4);
    }
    va_end(ap);
}

static const uint8_t sync_data[36] = {
    0x07, 0x07, 0x12, 0x20, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55
};

static uint32_t value_of(const struct rig *r, int i)
{
    return rd_le32(r->frames[i] + 4);
}

static void banner_then_sync_answers_eight_times(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    collect(r, UINT64_MAX);
    assert_non_null(strstr(r->text, "ets Jun  8 2016 00:22:57"));
    assert_non_null(strstr(r->text, "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))"));
    assert_non_null(strstr(r->text, "waiting for download"));
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(r->lens[i], 8 + 4); /* ROM: 4 status bytes */
        assert_int_not_equal(value_of(r, i), 0);
    }
    rig_free(r);
}

static uint32_t read_reg(struct rig *r, uint32_t addr)
{
    uint8_t d[4];
    words(d, 1, addr);
    assert_int_equal(exchange(r, OP_READ_REG, d, 4, 0), 1);
    assert_int_equal(status_of(r, 0, 4), 0);
    return value_of(r, 0);
}

static void write_reg(struct rig *r, uint32_t addr, uint32_t v)
{
    uint8_t d[16];
    words(d, 4, addr, v, 0xFFFFFFFFu, 0u);
    assert_int_equal(exchange(r, OP_WRITE_REG, d, 16, 0), 1);
    assert_int_equal(status_of(r, 0, 4), 0);
}

static void registers_identify_the_board(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-core2", false, false);
    assert_int_equal(read_reg(r, 0x40001000), 0x00F01D83);
    uint32_t w3 = read_reg(r, 0x3FF5A00C), w5 = read_reg(r, 0x3FF5A014), date = read_reg(r, 0x3FF6607C);
    assert_true((w3 >> 15) & 1); /* revision 3: all three bits */
    assert_true((w5 >> 20) & 1);
    assert_true(date >> 31);
    assert_int_equal((read_reg(r, 0x3FF40014) & 0xFFFFF), 347); /* 40 MHz / 115200 */
    /* RDID through the SPI user-command registers (esptool's sequence). */
    write_reg(r, 0x3FF42000 + 0x2C, 23);                  /* MISO bits - 1 */
    write_reg(r, 0x3FF42000 + 0x1C, 1u << 31 | 1u << 28); /* USR: command + MISO */
    write_reg(r, 0x3FF42000 + 0x24, 7u << 28 | 0x9F);     /* USR2: 8-bit command 0x9F */
    write_reg(r, 0x3FF42000 + 0x80, 0);
    write_reg(r, 0x3FF42000, 1u << 18); /* CMD: USR */
    assert_int_equal(read_reg(r, 0x3FF42000) & (1u << 18), 0);
    assert_int_equal(read_reg(r, 0x3FF42000 + 0x80) >> 16, 0x18); /* 16 MB */
    rig_free(r);
}

static void esp32_rom_rejects_security_info_s3_answers(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    assert_int_equal(exchange(r, OP_GET_SECURITY_INFO, NULL, 0, 0), 1);
    assert_int_equal(status_of(r, 0, 4), 1);
    assert_int_equal(error_of(r, 0, 4), ROM_ERR_INVALID_MESSAGE);
    rig_free(r);
    r = rig_new("m5stack-cores3", false, false);
    assert_int_equal(exchange(r, OP_GET_SECURITY_INFO, NULL, 0, 0), 1);
    assert_int_equal(r->lens[0], 8 + 20 + 4);
    assert_int_equal(rd_le32(r->frames[0] + 8 + 12), 9); /* chip id ESP32-S3 */
    rig_free(r);
}

static void attach(struct rig *r)
{
    uint8_t d[8] = { 0 };
    assert_int_equal(exchange(r, OP_SPI_ATTACH, d, 8, 0), 1);
    assert_int_equal(status_of(r, 0, 4), 0);
}

static int flash_block(struct rig *r, uint32_t seq, const uint8_t *p, uint32_t n, uint32_t chk)
{
    uint8_t d[16 + 0x4000];
    words(d, 4, n, seq, 0u, 0u);
    memcpy(d + 16, p, n);
    return exchange(r, OP_FLASH_DATA, d, (uint16_t)(16 + n), chk);
}

static void rom_flash_needs_attach_and_checks_blocks(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    uint8_t begin[16];
    words(begin, 4, 0x1000u, 1u, 0x400u, 0x10000u);
    assert_int_equal(exchange(r, OP_FLASH_BEGIN, begin, 16, 0), 1);
    assert_int_equal(status_of(r, 0, 4), 1); /* no SPI_ATTACH yet */
    attach(r);
    assert_int_equal(exchange(r, OP_FLASH_BEGIN, begin, 16, 0), 1);
    assert_int_equal(status_of(r, 0, 4), 0);
    uint8_t block[0x400];
    memset(block, 0xA5, sizeof block);
    flash_block(r, 0, block, sizeof block, 0x12); /* wrong checksum */
    assert_int_equal(error_of(r, 0, 4), ROM_ERR_BAD_CHECKSUM);
    flash_block(r, 0, block, sizeof block, esp_checksum(block, sizeof block));
    assert_int_equal(status_of(r, 0, 4), 0);
    assert_memory_equal(r->flash.mem + 0x10000, block, sizeof block);
    /* 16 KB blocks are longer than the ROM takes */
    static uint8_t big[0x4000];
    flash_block(r, 1, big, sizeof big, esp_checksum(big, sizeof big));
    assert_int_equal(status_of(r, 0, 4), 1);
    assert_int_equal(error_of(r, 0, 4), ROM_ERR_INVALID_MESSAGE);
    /* unknown and stub-only commands: invalid message */
    exchange(r, OP_ERASE_FLASH, NULL, 0, 0);
    assert_int_equal(error_of(r, 0, 4), ROM_ERR_INVALID_MESSAGE);
    rig_free(r);
}

static void rom_refuses_a_frame_longer_than_its_buffer(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    collect(r, UINT64_MAX);
    static uint8_t big[0x4100];
    memset(big, 0x11, sizeof big);
    send_cmd(r, OP_MEM_DATA, big, sizeof big, 0);
    collect(r, UINT64_MAX);
    assert_int_equal(r->nframes, 1);
    assert_int_equal(r->frames[0][1], OP_MEM_DATA);
    assert_int_equal(status_of(r, 0, 4), 1);
    assert_int_equal(error_of(r, 0, 4), ROM_ERR_INVALID_MESSAGE);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 8); /* and listens again */
    rig_free(r);
}

static void nor_programming_ands_and_erase_is_per_sector(void **state)
{
    (void)state;
    struct sim_flash f;
    assert_int_equal(sim_flash_open(&f, NULL, 1u << 20, NULL), 0);
    uint8_t a = 0xF0, b = 0x3C;
    sim_flash_program(&f, 0x1234, &a, 1);
    sim_flash_program(&f, 0x1234, &b, 1);
    assert_int_equal(f.mem[0x1234], 0x30);
    sim_flash_erase(&f, 0x1FFF, 2); /* touches two sectors */
    assert_int_equal(f.mem[0x1234], 0xFF);
    sim_flash_program(&f, 0x3000, &a, 1);
    sim_flash_erase(&f, 0x2000, 0x1000);
    assert_int_equal(f.mem[0x3000], 0xF0); /* the next sector is untouched */
    sim_flash_close(&f);
}

/* Upload an image as a stub would be uploaded; returns the frames after MEM_END. */
static void mem_upload(struct rig *r, uint32_t addr, uint32_t size, uint32_t entry)
{
    uint8_t d[16 + 256];
    words(d, 4, size, 1u, 0x1800u, addr);
    assert_int_equal(exchange(r, OP_MEM_BEGIN, d, 16, 0), 1);
    uint8_t body[256];
    memset(body, 0x11, sizeof body);
    words(d, 4, size, 0u, 0u, 0u);
    memcpy(d + 16, body, size);
    assert_int_equal(exchange(r, OP_MEM_DATA, d, (uint16_t)(16 + size), esp_checksum(body, size)), 1);
    assert_int_equal(status_of(r, 0, 4), 0);
    words(d, 2, 0u, entry);
    exchange(r, OP_MEM_END, d, 8, 0);
}

/* Upload one segment with MEM_BEGIN / MEM_DATA (0x1800-byte blocks). */
static void mem_segment(struct rig *r, uint32_t addr, const bytes *b)
{
    uint8_t d[16 + 0x1800];
    uint32_t blocks = (uint32_t)((b->len + 0x17FF) / 0x1800);
    words(d, 4, (uint32_t)b->len, blocks, 0x1800u, addr);
    assert_int_equal(exchange(r, OP_MEM_BEGIN, d, 16, 0), 1);
    for (uint32_t i = 0; i < blocks; i++) {
        uint32_t n = (uint32_t)(b->len - i * 0x1800 < 0x1800 ? b->len - i * 0x1800 : 0x1800);
        words(d, 4, n, i, 0u, 0u);
        memcpy(d + 16, b->data + i * 0x1800, n);
        assert_int_equal(
            exchange(r, OP_MEM_DATA, d, (uint16_t)(16 + n), esp_checksum(b->data + i * 0x1800, n)), 1);
        assert_int_equal(status_of(r, 0, 4), 0);
    }
}

/* Upload a stub image an npm package ships (under node_modules/), and jump to
 * it; the frames after MEM_END are in r->frames. Skips when not installed. */
static void upload_stub(struct rig *r, const char *file)
{
    char path[1024];
    const char *src = getenv("ESPBURN_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/node_modules/%s", src ? src : ".", file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        rig_free(r);
        skip(); /* npm packages not installed */
    }
    static char json[65536];
    size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = 0;
    struct stub_image img;
    assert_int_equal(stub_parse(json, n, &img, NULL), 0);
    mem_segment(r, img.text_start, &img.text);
    mem_segment(r, img.data_start, &img.data);
    uint8_t d[8];
    words(d, 2, 0u, img.entry);
    exchange(r, OP_MEM_END, d, 8, 0);
    stub_free(&img);
}

#define STUB_ESPTOOL_32     "esptool-js/lib/targets/stub_flasher/stub_flasher_32.json"
#define STUB_ESP_FLASHER_32 "esptool-js-0.7/lib/targets/stub_flasher/esp32.json"

static void known_stub_says_ohai_else_silence(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    mem_upload(r, 0x3FFE0000, 64, 0x3FFE0010); /* entry in DRAM: not a stub */
    assert_int_equal(r->nframes, 1);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 0);
    rig_free(r);

    r = rig_new("m5stack-fire", false, false); /* in IRAM, entry inside, but no stub we know */
    mem_upload(r, 0x400BE000, 256, 0x400BE040);
    assert_int_equal(r->nframes, 1);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 0);
    rig_free(r);

    r = rig_new("m5stack-fire", false, false);
    upload_stub(r, STUB_ESPTOOL_32);
    assert_int_equal(r->nframes, 2);
    assert_int_equal(r->lens[1], 4);
    assert_memory_equal(r->frames[1], "OHAI", 4);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 8);
    assert_int_equal(value_of(r, 0), 0); /* the stub answers SYNC with 0 */
    assert_int_equal(r->lens[0], 8 + 2); /* and 2 status bytes */
    rig_free(r);
}

static void stub_deflate_md5_and_read(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    upload_stub(r, STUB_ESPTOOL_32);
    static uint8_t img[50000], comp[60000];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7 + i / 300);
    uLongf clen = sizeof comp;
    assert_int_equal(compress2(comp, &clen, img, sizeof img, 9), Z_OK);
    uint32_t blocks = (uint32_t)((clen + 0x3FFF) / 0x4000);
    uint8_t d[16 + 0x4000];
    words(d, 4, (uint32_t)sizeof img, blocks, 0x4000u, 0x20000u);
    exchange(r, OP_FLASH_DEFL_BEGIN, d, 16, 0);
    assert_int_equal(r->frames[0][8], 0);
    for (uint32_t seq = 0; seq < blocks; seq++) {
        uint32_t n = (uint32_t)(clen - seq * 0x4000 < 0x4000 ? clen - seq * 0x4000 : 0x4000);
        words(d, 4, n, seq, 0u, 0u);
        memcpy(d + 16, comp + seq * 0x4000, n);
        exchange(r, OP_FLASH_DEFL_DATA, d, (uint16_t)(16 + n), esp_checksum(comp + seq * 0x4000, n));
        assert_int_equal(r->frames[0][8], 0);
    }
    assert_memory_equal(r->flash.mem + 0x20000, img, sizeof img);
    words(d, 1, 1u);
    exchange(r, OP_FLASH_DEFL_END, d, 4, 0);
    assert_int_equal(r->frames[0][8], 0);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 8); /* still in the loader */
    /* MD5: 16 raw bytes from the stub */
    words(d, 4, 0x20000u, (uint32_t)sizeof img, 0u, 0u);
    exchange(r, OP_SPI_FLASH_MD5, d, 16, 0);
    assert_int_equal(r->lens[0], 8 + 16 + 2);
    /* READ_FLASH: windowed, then an MD5 frame */
    words(d, 4, 0x20000u, 10000u, 4096u, 4096u);
    exchange(r, OP_READ_FLASH, d, 16, 0);
    assert_int_equal(r->nframes, 2); /* OK response, first packet (window full) */
    assert_int_equal(r->lens[1], 4096);
    assert_memory_equal(r->frames[1], img, 4096);
    uint32_t acked = 4096;
    uint8_t ack[4];
    memcpy(ack, &acked, 4);
    bytes wire = { 0 };
    slip_encode(&wire, ack, 4);
    sim_rx(&r->s, wire.data, wire.len, r->now);
    collect(r, UINT64_MAX);
    assert_int_equal(r->nframes, 1);
    acked = 8192;
    memcpy(ack, &acked, 4);
    wire.len = 0;
    slip_encode(&wire, ack, 4);
    sim_rx(&r->s, wire.data, wire.len, r->now);
    collect(r, UINT64_MAX);
    assert_int_equal(r->lens[0], 10000 - 8192);
    acked = 10000;
    memcpy(ack, &acked, 4);
    wire.len = 0;
    slip_encode(&wire, ack, 4);
    sim_rx(&r->s, wire.data, wire.len, r->now);
    collect(r, UINT64_MAX);
    assert_int_equal(r->nframes, 1);
    assert_int_equal(r->lens[0], 16); /* the MD5 frame */
    bytes_free(&wire);
    rig_free(r);
}

static void lines_drive_reset_and_boot_mode(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, true);
    collect(r, UINT64_MAX);
    uint64_t t = r->now;
    /* classic sequence, one line per step as over RFC 2217 */
    sim_set_lines(&r->s, false, true, t);           /* RTS: EN low */
    sim_set_lines(&r->s, true, true, t + 100000);   /* both: EN released */
    sim_set_lines(&r->s, true, false, t + 100100);  /* DTR alone: GPIO0 low */
    sim_set_lines(&r->s, false, false, t + 150100); /* released after 50 ms */
    sim_poll(&r->s, t + 200000);
    r->text[0] = 0;
    collect(r, UINT64_MAX);
    assert_non_null(strstr(r->text, "waiting for download"));
    /* wrong order: GPIO0 released before EN rises -> normal boot */
    t += 1000000;
    sim_set_lines(&r->s, false, true, t);
    sim_set_lines(&r->s, true, true, t + 100000);
    sim_set_lines(&r->s, false, true, t + 100100);  /* back to reset... */
    sim_set_lines(&r->s, false, false, t + 100200); /* release with GPIO0 high */
    sim_poll(&r->s, t + 300000);
    r->text[0] = 0;
    collect(r, UINT64_MAX);
    assert_non_null(strstr(r->text, "boot:0x17 (SPI_FAST_FLASH_BOOT)"));
    assert_null(strstr(r->text, "waiting for download"));
    rig_free(r);
}

static void realtime_rom_loses_bytes_sent_while_busy(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", true, false);
    collect(r, UINT64_MAX);
    attach(r);
    uint8_t begin[16];
    words(begin, 4, 0x10000u, 64u, 0x400u, 0x100000u); /* 64 KB: a block erase */
    send_cmd(r, OP_FLASH_BEGIN, begin, 16, 0);
    /* a naive client does not wait for the answer: the next packet arrives
     * while the ROM is erasing and overflows the 128-byte FIFO */
    uint8_t d[16 + 0x400];
    words(d, 4, 0x400u, 0u, 0u, 0u);
    memset(d + 16, 0x5A, 0x400);
    send_cmd(r, OP_FLASH_DATA, d, sizeof d, esp_checksum(d + 16, 0x400));
    sim_poll(&r->s, r->now + 10000000);
    collect(r, UINT64_MAX);
    assert_true(r->s.lost_bytes > 0);
    assert_int_equal(r->nframes, 1); /* only FLASH_BEGIN was answered */
    assert_int_equal(r->frames[0][1], OP_FLASH_BEGIN);
    rig_free(r);
}

static void wrong_rate_gives_garbage(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire", false, false);
    sim_set_host_baud(&r->s, 115200);
    collect(r, UINT64_MAX);
    upload_stub(r, STUB_ESPTOOL_32);
    uint8_t d[8];
    words(d, 2, 921600u, 115200u);
    assert_int_equal(exchange(r, OP_CHANGE_BAUDRATE, d, 8, 0), 1); /* answered at the old rate */
    /* the host forgets to switch: nothing decodes any more */
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 0);
    sim_set_host_baud(&r->s, 921600);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 8);
    /* a rate above the CP2104's 2 Mbaud is garbage too */
    sim_set_host_baud(&r->s, 3000000);
    assert_int_equal(exchange(r, OP_SYNC, sync_data, 36, 0), 0);
    rig_free(r);
}

static void usb_jtag_needs_its_own_sequence(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-cores3", false, true);
    collect(r, UINT64_MAX);
    uint64_t t = r->now;
    /* esptool's USB-JTAG sequence: DTR on, then RTS on, DTR off, RTS off */
    sim_set_lines(&r->s, true, false, t);
    sim_set_lines(&r->s, true, true, t + 100000);
    sim_set_lines(&r->s, false, true, t + 100100);
    sim_set_lines(&r->s, false, false, t + 200000);
    sim_poll(&r->s, t + 300000);
    r->text[0] = 0;
    collect(r, UINT64_MAX);
    assert_non_null(strstr(r->text, "boot:0x0 (DOWNLOAD(USB/UART0))"));
    /* the classic transistor sequence does not reach download mode here */
    t += 1000000;
    sim_set_lines(&r->s, false, true, t);
    sim_set_lines(&r->s, true, true, t + 100000);
    sim_set_lines(&r->s, true, false, t + 100100);
    sim_set_lines(&r->s, false, false, t + 150000);
    sim_poll(&r->s, t + 300000);
    r->text[0] = 0;
    collect(r, UINT64_MAX);
    assert_non_null(strstr(r->text, "SPI_FAST_FLASH_BOOT"));
    rig_free(r);
}

static void stub_reports_write_errors_one_packet_late(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-atom", false, false);
    upload_stub(r, STUB_ESPTOOL_32);
    uint8_t d[16 + 0x400];
    words(d, 4, 0x4000u, 2u, 0x400u, 0x10000u);
    exchange(r, OP_FLASH_DEFL_BEGIN, d, 16, 0);
    assert_int_equal(r->frames[0][8], 0);
    memset(d + 16, 0x5A, 0x400); /* not a zlib stream */
    words(d, 4, 0x400u, 0u, 0u, 0u);
    exchange(r, OP_FLASH_DEFL_DATA, d, sizeof d, esp_checksum(d + 16, 0x400));
    assert_int_equal(r->frames[0][8], 0); /* acknowledged before inflating */
    words(d, 4, 0x400u, 1u, 0u, 0u);
    exchange(r, OP_FLASH_DEFL_DATA, d, sizeof d, esp_checksum(d + 16, 0x400));
    assert_int_equal(r->frames[0][8], STUB_ERR_INFLATE); /* the previous packet failed */
    rig_free(r);
}

/* ---- the stub's two frame buffers, in real time ---------------------- */

/* Send a request starting at r->now; r->now moves to when its last byte is in. */
static void send_timed(struct rig *r, uint8_t op, const uint8_t *data, uint16_t len, uint32_t chk)
{
    send_cmd(r, op, data, len, chk);
    bytes wire = { 0 };
    uint8_t hdr[8] = { 0 };
    slip_encode(&wire, hdr, 8); /* the SLIP overhead is close enough: 2 bytes + escapes */
    r->now += (uint64_t)(len + wire.len) * 10000000u / 2000000u + 1;
    bytes_free(&wire);
}

/* Let time pass until the board has answered; the answers are in r->frames. */
static void wait_answer(struct rig *r)
{
    for (int guard = 0; guard < 1000; guard++) {
        sim_poll(&r->s, r->now);
        collect(r, r->now);
        if (r->nframes)
            return;
        uint64_t next = sim_tx_next_at(&r->s), ev = sim_next_event(&r->s);
        next = ev < next ? ev : next;
        assert_true(next != UINT64_MAX);
        r->now = next > r->now ? next : r->now + 1;
    }
    fail_msg("the board never answered");
}

/* A stub on the Fire at 2 Mbaud in real time, FLASH_DEFL_BEGIN for `size` bytes at 0x100000. */
static struct rig *stub_at_2mbaud(uint32_t size, uint32_t packets)
{
    struct rig *r = rig_new("m5stack-fire", true, false);
    sim_set_host_baud(&r->s, 115200);
    collect(r, UINT64_MAX);
    upload_stub(r, STUB_ESPTOOL_32);
    uint8_t d[16];
    words(d, 2, 2000000u, 115200u);
    assert_int_equal(exchange(r, OP_CHANGE_BAUDRATE, d, 8, 0), 1);
    sim_set_host_baud(&r->s, 2000000);
    r->now = sim_tx_next_at(&r->s) != UINT64_MAX ? sim_tx_next_at(&r->s) : r->now + 100000;
    r->now += 1000000;
    words(d, 4, size, packets, 0x4000u, 0x100000u);
    send_timed(r, OP_FLASH_DEFL_BEGIN, d, 16, 0);
    wait_answer(r);
    assert_int_equal(r->frames[0][8], 0);
    return r;
}

static uint8_t stub_test_img[160000], stub_test_z[170000];

static uLongf stub_test_image(void)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof stub_test_img; i++) { /* barely compressible */
        x = x * 1103515245u + 12345u;
        stub_test_img[i] = (uint8_t)(x >> 24) & 0x3F;
    }
    uLongf zlen = sizeof stub_test_z;
    assert_int_equal(compress2(stub_test_z, &zlen, stub_test_img, sizeof stub_test_img, 6), Z_OK);
    assert_true(zlen > 4 * 0x4000);
    return zlen;
}

static void send_defl_packet(struct rig *r, uLongf zlen, uint32_t seq)
{
    static uint8_t d[16 + 0x4000];
    uint32_t off = seq * 0x4000, n = (uint32_t)(zlen - off < 0x4000 ? zlen - off : 0x4000);
    words(d, 4, n, seq, 0u, 0u);
    memcpy(d + 16, stub_test_z + off, n);
    send_timed(r, OP_FLASH_DEFL_DATA, d, (uint16_t)(16 + n), esp_checksum(stub_test_z + off, n));
}

/* A client that waits for each acknowledgement has at most one frame in the
 * stub's second buffer: everything lands. */
static void stub_two_frame_buffers_serve_a_client_that_waits(void **state)
{
    (void)state;
    uLongf zlen = stub_test_image();
    uint32_t packets = (uint32_t)((zlen + 0x3FFF) / 0x4000);
    struct rig *r = stub_at_2mbaud(sizeof stub_test_img, packets);
    for (uint32_t seq = 0; seq < packets; seq++) {
        send_defl_packet(r, zlen, seq);
        wait_answer(r);
        assert_int_equal(r->frames[0][8], 0);
    }
    uint8_t d[4];
    words(d, 1, 1u);
    send_timed(r, OP_FLASH_DEFL_END, d, 4, 0);
    wait_answer(r);
    assert_int_equal(r->frames[0][8], 0);
    assert_int_equal(r->s.overruns, 0);
    assert_memory_equal(r->flash.mem + 0x100000, stub_test_img, sizeof stub_test_img);
    rig_free(r);
}

/* A naive client sends every packet at once: the third frame arrives while the
 * stub still works on the first and the second waits, and overwrites the
 * first, as on the chip; the write fails. */
static void stub_two_frame_buffers_break_a_naive_client(void **state)
{
    (void)state;
    uLongf zlen = stub_test_image();
    uint32_t packets = (uint32_t)((zlen + 0x3FFF) / 0x4000);
    struct rig *r = stub_at_2mbaud(sizeof stub_test_img, packets);
    for (uint32_t seq = 0; seq < packets; seq++)
        send_defl_packet(r, zlen, seq);
    uint8_t d[4];
    words(d, 1, 1u);
    send_timed(r, OP_FLASH_DEFL_END, d, 4, 0);
    sim_poll(&r->s, r->now + 10000000);
    collect(r, UINT64_MAX);
    assert_true(r->s.overruns > 0);
    bool failed = r->nframes < (int)packets + 1; /* frames were lost, */
    for (int i = 0; i < r->nframes; i++)
        failed = failed || r->frames[i][8] != 0; /* or an error came back */
    assert_true(failed);
    assert_memory_not_equal(r->flash.mem + 0x100000, stub_test_img, sizeof stub_test_img);
    rig_free(r);
}

/* What BEGIN does, by the stub's identity: esptool's stub unlocks the flash
 * (a status-register write it waits for, tW) and erases nothing yet;
 * esp-flasher-stub starts the first erase and answers at once. */
static uint64_t begin_on_dirty_flash(const char *stub, struct rig **out)
{
    struct rig *r = rig_new("m5stack-fire", true, false);
    collect(r, UINT64_MAX);
    upload_stub(r, stub);
    assert_int_equal(r->nframes, 2);
    r->now = sim_tx_next_at(&r->s) != UINT64_MAX ? sim_tx_next_at(&r->s) : r->now;
    r->now += 1000000;
    memset(r->flash.mem + 0x100000, 0, 0x10000); /* something written there before */
    uint8_t d[16];
    words(d, 4, 0x10000u, 1u, 0x4000u, 0x100000u);
    send_cmd(r, OP_FLASH_DEFL_BEGIN, d, 16, 0);
    uint64_t sent = r->now;
    wait_answer(r);
    assert_int_equal(r->frames[0][8], 0);
    *out = r;
    return r->now - sent;
}

static void begin_follows_the_stub_model(void **state)
{
    (void)state;
    struct rig *r;
    uint64_t took = begin_on_dirty_flash(STUB_ESPTOOL_32, &r);
    assert_true(took >= r->s.timing->flash.status_write_us);
    assert_int_equal(r->flash.mem[0x100000], 0x00); /* nothing erased yet */
    rig_free(r);
    took = begin_on_dirty_flash(STUB_ESP_FLASHER_32, &r);
    assert_true(took < r->s.timing->flash.status_write_us);
    assert_int_equal(r->flash.mem[0x100000], 0xFF); /* the first block erase has started */
    assert_int_equal(r->flash.mem[0x10FFFF], 0xFF);
    assert_true(r->s.flash_ready_us > r->now); /* and runs on after the answer */
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(banner_then_sync_answers_eight_times),
        cmocka_unit_test(registers_identify_the_board),
        cmocka_unit_test(esp32_rom_rejects_security_info_s3_answers),
        cmocka_unit_test(rom_flash_needs_attach_and_checks_blocks),
        cmocka_unit_test(rom_refuses_a_frame_longer_than_its_buffer),
        cmocka_unit_test(nor_programming_ands_and_erase_is_per_sector),
        cmocka_unit_test(known_stub_says_ohai_else_silence),
        cmocka_unit_test(stub_deflate_md5_and_read),
        cmocka_unit_test(lines_drive_reset_and_boot_mode),
        cmocka_unit_test(realtime_rom_loses_bytes_sent_while_busy),
        cmocka_unit_test(wrong_rate_gives_garbage),
        cmocka_unit_test(usb_jtag_needs_its_own_sequence),
        cmocka_unit_test(stub_reports_write_errors_one_packet_late),
        cmocka_unit_test(stub_two_frame_buffers_serve_a_client_that_waits),
        cmocka_unit_test(stub_two_frame_buffers_break_a_naive_client),
        cmocka_unit_test(begin_follows_the_stub_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
