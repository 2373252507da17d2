/* loader_flash.c - flash operations over the loader: MD5 of a range,
 * compressed writes (one zlib stream per region, cut into packets, each
 * resent on failure), slow reads, erases, baud changes and leaving the
 * loader. */
#include "common/clock.h"
#include "loader/loader.h"

#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "loader/deflate_cache.h"
#include "loader/protocol.h"
#include "port/reset.h"

#define BLOCK_TRIES    3  /* a refused data block is sent at most this often (esptool WRITE_BLOCK_ATTEMPTS) */
#define BAUD_SETTLE_MS 50 /* after switching the port's rate, before checking the link */

size_t loader_begin_payload(const struct loader *l, uint8_t p[20], uint32_t size, uint32_t npackets,
                            uint32_t packet_size, uint32_t offset)
{
    wr_le32(p, size);
    wr_le32(p + 4, npackets);
    wr_le32(p + 8, packet_size);
    wr_le32(p + 12, offset);
    wr_le32(p + 16, 0);
    return (l->chip && l->chip->rom_flash_begin_has_encrypt && !l->stub) ? 20 : 16;
}

static int hex_nibble(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* An MD5 answer shorter than the digest: a 4-byte status where the stub's
 * 2 were expected is the ROM loader answering, so the chip was reset. */
static int md5_answer_short(const struct loader *l, size_t got, size_t want, eb_err *err)
{
    if (l->stub && got + ESP_STUB_STATUS_LEN == ESP_ROM_STATUS_LEN)
        return eb_fail(
            err, EB_IO,
            "the chip's ROM loader answered the MD5 request instead of the stub, so the chip was reset "
            "during the command (power, cable or reset button?); run the command again");
    return eb_fail(
        err, EB_IO,
        "the chip's answer to the MD5 request was cut short (%zu of %zu bytes): bytes were lost on the "
        "line; run the command again, with a lower -b if it recurs",
        got, want);
}

/* The digest in an SPI_FLASH_MD5 answer: 16 bytes from the stub, 32 hex
 * digits from the ROM. */
static int md5_decode(const struct loader *l, const struct esp_response *r, uint8_t md5[16], eb_err *err)
{
    const struct esp_op_info *row = esp_op_info(OP_SPI_FLASH_MD5);
    size_t want = (size_t)(l->stub ? row->stub_reply_len : row->rom_reply_len);
    if (r->data_len < want)
        return md5_answer_short(l, r->data_len, want, err);
    for (int i = 0; i < 16; i++) {
        if (l->stub) {
            md5[i] = r->data[i];
            continue;
        }
        int hi = hex_nibble(r->data[2 * i]), lo = hex_nibble(r->data[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return eb_fail(err, EB_IO, "the chip's MD5 answer is not hexadecimal");
        md5[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void md5_payload(uint8_t p[16], uint32_t addr, uint32_t size)
{
    memset(p, 0, 16);
    wr_le32(p, addr);
    wr_le32(p + 4, size);
}

int loader_flash_md5(struct loader *l, uint32_t addr, uint32_t size, uint8_t md5[16], eb_err *err)
{
    uint8_t p[16];
    struct esp_response r;
    md5_payload(p, addr, size);
    if (loader_cmd(l, OP_SPI_FLASH_MD5, p, sizeof p, size, &r, err) || md5_decode(l, &r, md5, err))
        return eb_wrap(err, "MD5 of flash 0x%X+0x%X", addr, size);
    return 0;
}

static int md5_send(struct loader *l, const struct skip_query *q, eb_err *err)
{
    uint8_t p[16];
    md5_payload(p, q->addr, q->len);
    return loader_send_request(l, OP_SPI_FLASH_MD5, p, sizeof p, err);
}

int loader_flash_md5_many(struct loader *l, struct skip_query *q, unsigned n, eb_err *err)
{
    if (!l->stub || n < 2) {
        for (unsigned i = 0; i < n; i++)
            if (loader_flash_md5(l, q[i].addr, q[i].len, q[i].md5, err))
                return -1;
        return 0;
    }
    /* not resent: a late answer to one request would be taken for the next's */
    if (md5_send(l, &q[0], err))
        return -1;
    for (unsigned i = 0; i < n; i++) {
        struct esp_response r;
        if ((i + 1 < n && md5_send(l, &q[i + 1], err)) ||
            loader_await(l, OP_SPI_FLASH_MD5, q[i].len, &r, err) || md5_decode(l, &r, q[i].md5, err))
            return eb_wrap(err, "MD5 of flash 0x%X+0x%X", q[i].addr, q[i].len);
    }
    return 0;
}

/* Counts how many uncompressed bytes each packet carries, to size the
 * timeout (the ROM answers after writing) and report progress. */
struct inflate_meter {
    z_stream z;
    uint8_t scratch[16384];
    size_t total;
};

static int meter_init(struct inflate_meter *m)
{
    memset(&m->z, 0, sizeof m->z);
    m->total = 0;
    return inflateInit(&m->z) == Z_OK ? 0 : -1;
}

static size_t meter_feed(struct inflate_meter *m, const uint8_t *p, size_t n)
{
    size_t before = m->total;
    m->z.next_in = (Bytef *)p;
    m->z.avail_in = (uInt)n;
    int rc;
    do {
        m->z.next_out = m->scratch;
        m->z.avail_out = sizeof m->scratch;
        rc = inflate(&m->z, Z_NO_FLUSH);
        m->total += sizeof m->scratch - m->z.avail_out;
    } while (rc == Z_OK && (m->z.avail_in > 0 || m->z.avail_out == 0));
    return m->total - before;
}

/* One *_DATA packet: its opcode, bytes and sequence number, and `raw`, the
 * bytes it puts in flash (the wait grows with it). */
struct data_packet {
    uint8_t op;
    const uint8_t *chunk;
    uint32_t n, seq, raw;
};

/* The packet's payload (sequence header + data) into *out (freed by the caller). */
static int packet_payload(const struct data_packet *pk, uint8_t **out, eb_err *err)
{
    uint8_t *p = malloc(ESP_DATA_SUBHEADER_LEN + pk->n);
    if (!p)
        return eb_fail(err, EB_IO, "out of memory");
    wr_le32(p, pk->n);
    wr_le32(p + 4, pk->seq);
    memset(p + 8, 0, 8);
    memcpy(p + ESP_DATA_SUBHEADER_LEN, pk->chunk, pk->n);
    *out = p;
    return 0;
}

static int send_data_block(struct loader *l, const struct data_packet *pk, eb_err *err)
{
    uint8_t *p;
    if (packet_payload(pk, &p, err))
        return -1;
    int rc = -1;
    for (int attempt = 0; attempt < BLOCK_TRIES && rc; attempt++) {
        if (attempt)
            l->block_retries++;
        rc = loader_cmd(l, pk->op, p, ESP_DATA_SUBHEADER_LEN + pk->n, pk->raw, NULL, err);
    }
    free(p);
    return rc;
}

/* The stubs write inflated data 32 KB at a time (esptool's stub: out_buf;
 * esp-flasher-stub: its TINFL_LZ_DICT_SIZE buffer), the rest at the end. */
#define STUB_WRITE_CHUNK 0x8000u

/* Verify under the wire (l->early_md5): once the stub has worked through the
 * packets before the last (a READ_REG answers after them), it is idle: the
 * MD5 request is taken at once, and the last packet, sent right behind it,
 * waits in the stub's other receive buffer (never a third frame) while the
 * chip hashes what it has written, flash up to `end`. 1 done (the packet
 * answered), 0 not asked, -1 failed. */
static int last_packet_under_md5(struct loader *l, uint32_t end, const struct data_packet *pk, eb_err *err)
{
    struct loader_early_md5 *e = l->early_md5;
    if (!l->stub || !e || end <= e->from)
        return 0;
    uint32_t v, len = end - e->from;
    uint8_t q[16], *p;
    struct esp_response r;
    md5_payload(q, e->from, len);
    if (loader_read_reg(l, ESP_MAGIC_REG, &v, err) || packet_payload(pk, &p, err))
        return -1;
    int rc = loader_send_request(l, OP_SPI_FLASH_MD5, q, sizeof q, err) ||
             loader_send_request(l, pk->op, p, ESP_DATA_SUBHEADER_LEN + pk->n, err) ||
             loader_await(l, OP_SPI_FLASH_MD5, len, &r, err) || md5_decode(l, &r, e->md5, err);
    free(p);
    if (rc)
        return eb_wrap(err, "MD5 of flash 0x%X+0x%X", e->from, len);
    e->len = len;
    if (loader_await(l, pk->op, pk->raw, NULL, err) == 0)
        return 1;
    l->block_retries++; /* refused or unanswered: sent again the usual way */
    return send_data_block(l, pk, err) ? -1 : 1;
}

/* Where packet `seq` of a stream starts: the first is `first` bytes, the rest `block`. */
static size_t packet_offset(uint32_t seq, uint32_t first, uint32_t block)
{
    return seq == 0 ? 0 : first + (size_t)(seq - 1) * block;
}

/* Packet `seq`: the last one under the early MD5 when asked, else sent and answered. */
static int send_packet(struct loader *l, uint32_t addr, size_t len, const struct data_packet *pk,
                       size_t before, bool last, eb_err *err)
{
    if (last && pk->seq > 0) {
        size_t done = before / STUB_WRITE_CHUNK * STUB_WRITE_CHUNK;
        int r = last_packet_under_md5(l, addr + (uint32_t)(done < len ? done : len), pk, err);
        if (r)
            return r < 0 ? -1 : 0;
    }
    return send_data_block(l, pk, err);
}

static int write_stream(struct loader *l, uint32_t addr, size_t len, const bytes *z,
                        loader_progress_fn progress, void *pctx, eb_err *err)
{
    uint32_t block = l->flash_block;
    uint32_t first = l->first_packet && l->first_packet < block ? l->first_packet : block;
    /* under an early MD5 the first packet takes the odd bytes: the last, full, hides the hash */
    if (l->stub && l->early_md5 && z->len > block && z->len % block)
        first = (uint32_t)(z->len % block);
    uint32_t npackets = z->len <= first ? 1 : 1 + (uint32_t)((z->len - first + block - 1) / block);
    uint32_t erase =
        l->stub ? (uint32_t)len
                : (uint32_t)((len + ESP_ROM_FLASH_BLOCK - 1) / ESP_ROM_FLASH_BLOCK * ESP_ROM_FLASH_BLOCK);
    uint8_t begin[20];
    size_t bn = loader_begin_payload(l, begin, erase, npackets, block, addr);
    if (loader_cmd(l, OP_FLASH_DEFL_BEGIN, begin, bn, erase, NULL, err))
        return -1;
    struct inflate_meter *m = malloc(sizeof *m);
    if (!m || meter_init(m)) {
        free(m);
        return eb_fail(err, EB_IO, "out of memory");
    }
    int rc = 0;
    for (uint32_t seq = 0; seq < npackets && rc == 0; seq++) {
        if (l->cancel && *l->cancel) {
            rc = eb_fail(err, EB_PROBLEM, "cancelled after %zu of %zu bytes", m->total < len ? m->total : len,
                         len);
            break;
        }
        size_t off = packet_offset(seq, first, block), before = m->total;
        uint32_t want = seq == 0 ? first : block;
        struct data_packet pk = { OP_FLASH_DEFL_DATA, z->data + off, 0, seq, 0 };
        pk.n = (uint32_t)(z->len - off < want ? z->len - off : want);
        pk.raw = (uint32_t)meter_feed(m, pk.chunk, pk.n);
        rc = send_packet(l, addr, len, &pk, before, seq + 1 == npackets, err);
        if (rc == 0 && l->noise_len && esp_reset_line_in_text(l->noise, l->noise_len, NULL, 0))
            rc = eb_fail(err, EB_IO, "the chip reset while writing");
        if (rc == 0 && progress)
            progress(pctx, m->total < len ? m->total : len, len);
    }
    inflateEnd(&m->z);
    free(m);
    return rc;
}

int loader_write_deflated(struct loader *l, uint32_t addr, const uint8_t *data, size_t len,
                          const bytes *ready, loader_progress_fn progress, void *pctx, size_t *wire,
                          eb_err *err)
{
    bytes own = { 0 };
    if (!ready && deflate_zlib(data, len, &own, err))
        return -1;
    const bytes *z = ready ? ready : &own;
    if (wire)
        *wire = z->len;
    l->noise_len = 0;
    l->noise[0] = '\0';
    int rc = write_stream(l, addr, len, z, progress, pctx, err);
    bytes_free(&own);
    char line[96];
    if (rc && esp_reset_line_in_text(l->noise, l->noise_len, line, sizeof line))
        return eb_fail(err, EB_IO,
                       "writing 0x%X+0x%zX: the chip reset during the write (it printed \"%s\"); "
                       "check the power supply and USB cable (brown-out?)",
                       addr, len, line);
    if (rc)
        return eb_wrap(err, "writing 0x%X+0x%zX", addr, len);
    return 0;
}

/* Stub READ_FLASH: the stub streams 4 KB frames, we acknowledge each with
 * the byte count so far, and it ends with the MD5 of what it sent. */
static int read_flash_stub(struct loader *l, uint32_t addr, uint32_t size, bytes *out,
                           loader_progress_fn progress, void *pctx, eb_err *err)
{
    uint8_t p[16];
    wr_le32(p, addr);
    wr_le32(p + 4, size);
    wr_le32(p + 8, ESP_FLASH_SECTOR);
    wr_le32(p + 12, 64);
    if (loader_cmd(l, OP_READ_FLASH, p, sizeof p, 0, NULL, err))
        return eb_wrap(err, "reading flash at 0x%X", addr);
    int gap_ms = loader_op_timeout(l, OP_READ_FLASH, 0); /* the longest wait for the next frame */
    size_t start = out->len;
    struct md5_ctx m;
    md5_init(&m);
    while (out->len - start < size) {
        const uint8_t *f;
        size_t n;
        int r = loader_next_frame(l, eb_deadline_in(gap_ms), &f, &n, err);
        if (r <= 0)
            return r < 0 ? -1
                         : eb_fail(err, EB_IO, "the stub stopped sending after %zu of %u bytes",
                                   out->len - start, size);
        if (n > size - (out->len - start))
            return eb_fail(err, EB_IO, "the stub sent more than the %u bytes asked for", size);
        md5_update(&m, n, f);
        bytes_append(out, f, n);
        uint8_t ack[4];
        wr_le32(ack, (uint32_t)(out->len - start));
        if (loader_send_raw(l, ack, sizeof ack, err))
            return -1;
        if (progress)
            progress(pctx, out->len - start, size);
    }
    const uint8_t *f;
    size_t n;
    uint8_t want[16];
    md5_digest(&m, sizeof want, want);
    int r = loader_next_frame(l, eb_deadline_in(gap_ms), &f, &n, err);
    if (r <= 0 || n != 16)
        return r < 0 ? -1 : eb_fail(err, EB_IO, "the stub did not send the MD5 of the data it read");
    if (memcmp(f, want, 16) != 0)
        return eb_fail(err, EB_IO,
                       "the data read from 0x%X was damaged on the way (MD5 differs); try a lower baud",
                       addr);
    return 0;
}

int loader_read_flash(struct loader *l, uint32_t addr, uint32_t size, bytes *out, loader_progress_fn progress,
                      void *pctx, eb_err *err)
{
    if (bytes_reserve(out, out->len + size))
        return eb_fail(err, EB_IO, "out of memory for %u bytes", size);
    if (l->stub)
        return read_flash_stub(l, addr, size, out, progress, pctx, err);
    for (uint32_t done = 0; done < size;) {
        uint32_t n = size - done < ESP_READ_SLOW_MAX ? size - done : ESP_READ_SLOW_MAX;
        uint8_t p[8];
        struct esp_response r;
        wr_le32(p, addr + done);
        wr_le32(p + 4, n);
        if (loader_cmd(l, OP_READ_FLASH_SLOW, p, sizeof p, 0, &r, err))
            return eb_wrap(err, "reading flash at 0x%X", addr + done);
        if (r.data_len < n)
            return eb_fail(err, EB_IO, "the chip sent %zu bytes for a %u-byte read at 0x%X", r.data_len, n,
                           addr + done);
        bytes_append(out, r.data, n);
        done += n;
        if (progress)
            progress(pctx, done, size);
    }
    return 0;
}

int loader_erase(struct loader *l, uint32_t addr, uint32_t size, eb_err *err)
{
    if (size == 0) {
        if (l->stub)
            return loader_cmd(l, OP_ERASE_FLASH, NULL, 0, 0, NULL, err);
        if (!l->flash_size)
            return eb_fail(err, EB_IO,
                           "the flash size is unknown, so the ROM cannot erase it all; give ADDR SIZE");
        addr = 0;
        size = l->flash_size;
    }
    if (addr % ESP_FLASH_SECTOR || size % ESP_FLASH_SECTOR)
        return eb_fail(err, EB_USAGE, "erase address and size must be multiples of 4 KB (0x1000)");
    uint8_t p[20];
    if (l->stub) {
        wr_le32(p, addr);
        wr_le32(p + 4, size);
        return loader_cmd(l, OP_ERASE_REGION, p, 8, size, NULL, err);
    }
    /* the ROM erases the whole range when FLASH_BEGIN announces it */
    size_t n = loader_begin_payload(l, p, size, 0, l->flash_block, addr);
    if (loader_cmd(l, OP_FLASH_BEGIN, p, n, size, NULL, err))
        return eb_wrap(err, "erasing 0x%X+0x%X", addr, size);
    return 0;
}

static int baud_payload(struct loader *l, uint32_t baud, uint8_t p[8], eb_err *err)
{
    uint32_t arg;
    if (loader_rom_baud_arg(l, baud, &arg, err))
        return -1;
    wr_le32(p, arg);
    wr_le32(p + 4, l->stub ? l->port->baud : 0);
    return 0;
}

/* Switch the port to `baud`, drop what arrived during the change, and check
 * the link with two register reads. */
static int follow_baud(struct loader *l, uint32_t baud, eb_err *err)
{
    if (port_set_baud(l->port, baud, err))
        return -1;
    eb_sleep_ms(BAUD_SETTLE_MS);
    l->rx_pos = l->rx_len = 0;
    if (port_flush_input(l->port, err))
        return -1;
    /* two answers in a row; a wrong rate gives none, so do not resend */
    for (int i = 0; i < 2; i++)
        if (loader_ping(l, err))
            return eb_wrap(err, "checking the link at %u baud", baud);
    return 0;
}

int loader_change_baud(struct loader *l, uint32_t baud, eb_err *err)
{
    uint8_t p[8];
    if (baud_payload(l, baud, p, err))
        return -1;
    if (loader_cmd(l, OP_CHANGE_BAUDRATE, p, sizeof p, 0, NULL, err))
        return eb_wrap(err, "changing to %u baud", baud);
    return follow_baud(l, baud, err);
}

int loader_return_to_baud(struct loader *l, uint32_t baud, eb_err *err)
{
    uint8_t p[8];
    eb_err ignore;
    if (baud_payload(l, baud, p, err))
        return -1;
    loader_cmd_within(l, OP_CHANGE_BAUDRATE, p, sizeof p, LOADER_BAUD_RETURN_MS, NULL, &ignore);
    return follow_baud(l, baud, err);
}

/* FLASH_BEGIN of nothing, then FLASH_END: 0 reboots, 1 runs the flashed code. */
static int leave_with_flash_end(struct loader *l, uint32_t how, eb_err *err)
{
    uint8_t p[20];
    size_t n = loader_begin_payload(l, p, 0, 0, l->flash_block, 0);
    if (loader_cmd(l, OP_FLASH_BEGIN, p, n, 0, NULL, err))
        return eb_wrap(err, "leaving the loader");
    uint8_t end[4];
    wr_le32(end, how);
    eb_err ignore;
    loader_cmd(l, OP_FLASH_END, end, sizeof end, 0, NULL, &ignore); /* may go before answering */
    return 0;
}

int loader_hard_reset(struct loader *l, eb_err *err)
{
    if (!l->port->has_lines)
        return leave_with_flash_end(l, 0, err); /* no EN line: the ROM reboots itself */
    return port_reset_run(l->port, port_reset_seq(PORT_RESET_HARD), err);
}

int loader_run_user_code(struct loader *l, eb_err *err)
{
    if (l->stub) { /* the stub returns to the ROM's boot path; it sends no answer */
        return loader_send_request(l, OP_RUN_USER_CODE, NULL, 0, err);
    }
    return leave_with_flash_end(l, 1, err);
}
