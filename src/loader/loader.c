/* loader.c - the protocol core: sending requests, reading responses
 * through SLIP while keeping boot text, commands timed by the command
 * table, register access, reset into download mode and SYNC. */
#include "common/clock.h"
#include "loader/loader.h"

#include <stdlib.h>
#include <string.h>

#include "loader/protocol.h"
#include "port/reset.h"

#define RESEND_ATTEMPTS  3  /* a resendable command is sent at most this often */
#define CONNECT_ATTEMPTS 7  /* esptool DEFAULT_CONNECT_ATTEMPTS: resets into download mode */
#define SYNC_TRIES       5  /* SYNCs after each reset (esptool _connect_attempt) */
#define SYNC_DRAIN_MS    30 /* the ROM's extra SYNC answers follow within a few ms */
#define BOOT_TEXT_MS     20 /* what the ROM prints after a reset, before the first SYNC */

struct loader *loader_new(struct port *port)
{
    struct loader *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->port = port;
    loader_set_stub(l, false);
    slip_decoder_init(&l->dec, l->frame, sizeof l->frame);
    return l;
}

void loader_free(struct loader *l)
{
    if (!l)
        return;
    bytes_free(&l->tx);
    free(l);
}

static void note(struct loader *l, const char *step, const char *why)
{
    if (l->note)
        l->note(l->note_ctx, step, why);
}

static void keep_noise(struct loader *l, uint8_t c)
{
    if (l->noise_len == LOADER_NOISE_MAX) {
        memmove(l->noise, l->noise + LOADER_NOISE_MAX / 2, LOADER_NOISE_MAX / 2);
        l->noise_len = LOADER_NOISE_MAX / 2;
    }
    l->noise[l->noise_len++] = (char)(c ? c : ' ');
    l->noise[l->noise_len] = '\0';
}

/* Next received byte: 1, 0 on timeout at `by`, -1 on a port error. */
static int next_byte(struct loader *l, struct eb_deadline by, uint8_t *c, eb_err *err)
{
    if (l->rx_pos == l->rx_len) {
        int r = port_read_by(l->port, l->rx, sizeof l->rx, by, err);
        if (r <= 0)
            return r;
        l->rx_bytes += (uint64_t)r;
        l->rx_pos = 0;
        l->rx_len = (size_t)r;
    }
    *c = l->rx[l->rx_pos++];
    return 1;
}

/* Read until a complete SLIP frame: 1, 0 on timeout, -1 on error. */
static int read_frame(struct loader *l, struct eb_deadline by, eb_err *err)
{
    for (;;) {
        uint8_t c;
        int r = next_byte(l, by, &c, err);
        if (r <= 0)
            return r;
        enum slip_event e = slip_feed(&l->dec, c);
        if (e == SLIP_FRAME)
            return 1;
        if (e == SLIP_NOISE)
            keep_noise(l, c);
    }
}

/* The XOR checksum *_DATA commands carry over their data (after the subheader). */
static uint32_t payload_checksum(uint8_t op, const uint8_t *payload, size_t n)
{
    const struct esp_op_info *row = esp_op_info(op);
    if (!row || !row->checksummed || n < ESP_DATA_SUBHEADER_LEN)
        return 0;
    return esp_checksum(payload + ESP_DATA_SUBHEADER_LEN, (uint32_t)(n - ESP_DATA_SUBHEADER_LEN));
}

int loader_send_request(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, eb_err *err)
{
    l->tx.len = 0;
    if (esp_request_encode(&l->tx, op, payload, n, payload_checksum(op, payload, n)))
        return eb_fail(err, EB_IO, "out of memory building a %s request", esp_op_name(op));
    l->tx_bytes += l->tx.len;
    return port_write(l->port, l->tx.data, l->tx.len, err);
}

/* Wait for the response to `op`; 1 got it, 0 timeout, -1 port error. */
static int await_response(struct loader *l, uint8_t op, int expect_len, struct eb_deadline by,
                          struct esp_response *resp, eb_err *err)
{
    for (;;) {
        int r = read_frame(l, by, err);
        if (r <= 0)
            return r;
        if (esp_response_parse(l->frame, l->dec.len, l->status_len, expect_len, resp) == 0 && resp->op == op)
            return 1;
    }
}

void loader_set_stub(struct loader *l, bool stub)
{
    l->stub = stub;
    l->stub_kind = STUB_KIND_UNKNOWN; /* stub_run says which, when it knows */
    l->status_len = stub ? ESP_STUB_STATUS_LEN : ESP_ROM_STATUS_LEN;
    l->flash_block = stub ? ESP_STUB_FLASH_BLOCK : ESP_ROM_FLASH_BLOCK;
}

/* A SYNC answer with 2 status bytes and value 0 comes from a flasher stub
 * left running by an earlier session: carry on with it. */
static void notice_running_stub(struct loader *l)
{
    struct esp_response r;
    if (l->stub || l->dec.len != ESP_HEADER_LEN + ESP_STUB_STATUS_LEN ||
        esp_response_parse(l->frame, l->dec.len, ESP_STUB_STATUS_LEN, 0, &r) || r.op != OP_SYNC ||
        r.value != 0)
        return;
    loader_set_stub(l, true);
}

int loader_send_raw(struct loader *l, const uint8_t *p, size_t n, eb_err *err)
{
    l->tx.len = 0;
    if (slip_encode(&l->tx, p, n))
        return eb_fail(err, EB_IO, "out of memory");
    l->tx_bytes += l->tx.len;
    return port_write(l->port, l->tx.data, l->tx.len, err);
}

int loader_next_frame(struct loader *l, struct eb_deadline by, const uint8_t **p, size_t *n, eb_err *err)
{
    int r = read_frame(l, by, err);
    if (r > 0) {
        *p = l->frame;
        *n = l->dec.len;
    }
    return r;
}

int loader_op_timeout(const struct loader *l, uint8_t op, uint32_t size)
{
    const struct esp_op_info *row = esp_op_info(op);
    if (!row)
        return ESP_BASE_TIMEOUT_MS;
    int64_t per_mb = l->stub ? row->stub_ms_per_mb : row->rom_ms_per_mb;
    int64_t t = per_mb * size / 1000000;
    return t > row->base_ms ? (int)(t < INT32_MAX ? t : INT32_MAX) : row->base_ms;
}

/* The length of `op`'s answer data, from the command table. */
static int reply_len(const struct loader *l, uint8_t op)
{
    const struct esp_op_info *row = esp_op_info(op);
    return !row ? ESP_REPLY_UNKNOWN : l->stub ? row->stub_reply_len : row->rom_reply_len;
}

/* What await_response's result `r` means for `op`: 0 an answer that
 * did not fail, else -1 with the reason. */
static int answer_state(struct loader *l, uint8_t op, int r, int timeout_ms, const struct esp_response *resp,
                        eb_err *err)
{
    if (r < 0)
        return -1;
    if (r == 0)
        return eb_fail(err, EB_IO, "%s: no answer to %s within %d ms; is the board still in download mode?",
                       l->port->name, esp_op_name(op), timeout_ms);
    if (resp->failed)
        return eb_fail(err, EB_IO, "the chip refused %s: %s (error 0x%02X)", esp_op_name(op),
                       esp_error_text(resp->error), resp->error);
    return 0;
}

/* Send a request up to `attempts` times until an answer comes, each time
 * waiting `timeout_ms`. */
static int exchange(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, int timeout_ms,
                    int attempts, struct esp_response *resp, eb_err *err)
{
    int expect = reply_len(l, op);
    struct esp_response local;
    if (!resp)
        resp = &local;
    int r = 0;
    for (int attempt = 0; r == 0 && attempt < attempts; attempt++) {
        if (loader_send_request(l, op, payload, n, err))
            return -1;
        r = await_response(l, op, expect, eb_deadline_in(timeout_ms), resp, err);
    }
    return answer_state(l, op, r, timeout_ms, resp, err);
}

int loader_await(struct loader *l, uint8_t op, uint32_t size, struct esp_response *resp, eb_err *err)
{
    struct esp_response local;
    if (!resp)
        resp = &local;
    int timeout_ms = loader_op_timeout(l, op, size);
    int r = await_response(l, op, reply_len(l, op), eb_deadline_in(timeout_ms), resp, err);
    return answer_state(l, op, r, timeout_ms, resp, err);
}

int loader_cmd(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, uint32_t size,
               struct esp_response *resp, eb_err *err)
{
    const struct esp_op_info *row = esp_op_info(op);
    int attempts = row && row->resendable ? RESEND_ATTEMPTS : 1;
    return exchange(l, op, payload, n, loader_op_timeout(l, op, size), attempts, resp, err);
}

int loader_cmd_within(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, int timeout_ms,
                      struct esp_response *resp, eb_err *err)
{
    return exchange(l, op, payload, n, timeout_ms, 1, resp, err);
}

int loader_ping(struct loader *l, eb_err *err)
{
    uint8_t p[4];
    wr_le32(p, ESP_MAGIC_REG);
    return loader_cmd_within(l, OP_READ_REG, p, sizeof p, LOADER_LINK_CHECK_MS, NULL, err);
}

int loader_read_reg(struct loader *l, uint32_t addr, uint32_t *value, eb_err *err)
{
    uint8_t p[4];
    struct esp_response r;
    wr_le32(p, addr);
    if (loader_cmd(l, OP_READ_REG, p, sizeof p, 0, &r, err))
        return eb_wrap(err, "reading register 0x%08X", addr);
    *value = r.value;
    return 0;
}

int loader_write_reg(struct loader *l, uint32_t addr, uint32_t value, eb_err *err)
{
    uint8_t p[16];
    wr_le32(p, addr);
    wr_le32(p + 4, value);
    wr_le32(p + 8, 0xFFFFFFFFu);
    wr_le32(p + 12, 0);
    if (loader_cmd(l, OP_WRITE_REG, p, sizeof p, 0, NULL, err))
        return eb_wrap(err, "writing register 0x%08X", addr);
    return 0;
}

/* ---- reset into download mode ---------------------------------------- */

/* Which reset attempt `i` uses (port/reset.h), or NULL for none. */
static const struct port_reset_seq *reset_for(struct loader *l, enum before_mode before, int i)
{
    if (before == BEFORE_NO_RESET || !l->port->has_lines)
        return NULL;
    return port_reset_for_download(l->port, before == BEFORE_USB_JTAG, i);
}

/* Read whatever arrives for `ms` (boot text), keeping it as noise. */
static void collect_boot_text(struct loader *l, int ms)
{
    struct eb_deadline by = eb_deadline_in(ms);
    eb_err ignore;
    while (read_frame(l, by, &ignore) > 0)
        ;
}

static int sync_once(struct loader *l, eb_err *err)
{
    uint8_t p[ESP_SYNC_DATA_LEN] = { 0x07, 0x07, 0x12, 0x20 };
    memset(p + 4, 0x55, ESP_SYNC_DATA_LEN - 4);
    struct esp_response r;
    if (loader_send_request(l, OP_SYNC, p, sizeof p, err))
        return -1;
    struct eb_deadline by = eb_deadline_in(loader_op_timeout(l, OP_SYNC, 0));
    int got = 0;
    while (got == 0) {
        int f = read_frame(l, by, err);
        if (f <= 0)
            return f;
        notice_running_stub(l);
        got = esp_response_parse(l->frame, l->dec.len, l->status_len, 0, &r) == 0 && r.op == OP_SYNC;
    }
    /* the ROM answers SYNC 8 times: drain the other 7 and stop there, not at a
     * timeout (30 ms per connect); late answers to an earlier unanswered try
     * are skipped by the next command, which waits for its own op */
    for (int i = 0; i < ESP_ROM_SYNC_REPLIES - 1 &&
                    await_response(l, OP_SYNC, 0, eb_deadline_in(SYNC_DRAIN_MS), &r, err) > 0;
         i++)
        ;
    return 1;
}

static int connect_failure(struct loader *l, int attempts, eb_err *err)
{
    char line[96];
    enum esp_boot_strap seen = esp_strap_from_text(l->noise, l->noise_len, line, sizeof line);
    if (seen == ESP_STRAP_FLASH)
        return eb_fail(
            err, EB_IO,
            "%s: the chip booted its firmware instead of entering download mode (it printed "
            "\"%s\"); hold BOOT/GPIO0 while pressing reset, or check the USB bridge's DTR/RTS wiring",
            l->port->name, line);
    if (l->noise_len)
        return eb_fail(err, EB_IO,
                       "%s: no answer to SYNC after %d attempts, but the port printed text (\"%.60s\"); "
                       "check the baud rate and put the board in download mode (hold BOOT, press reset)",
                       l->port->name, attempts, l->noise);
    return eb_fail(err, EB_IO,
                   "%s: no answer to SYNC after %d attempts; is this the board's port, is it powered, "
                   "and is it in download mode (hold BOOT, press reset)?",
                   l->port->name, attempts);
}

int loader_connect(struct loader *l, enum before_mode before, int attempts, eb_err *err)
{
    if (attempts <= 0)
        attempts = CONNECT_ATTEMPTS;
    loader_set_stub(l, false); /* a stub left running says so in its SYNC answer */
    for (int i = 0; i < attempts; i++) {
        const struct port_reset_seq *s = reset_for(l, before, i);
        if (s) {
            note(l, "reset", s->name);
            l->noise_len = 0;
            l->noise[0] = '\0';
            if (port_reset_run(l->port, s, err))
                return eb_wrap(err, "resetting into download mode");
            collect_boot_text(l, BOOT_TEXT_MS);
            if (esp_strap_from_text(l->noise, l->noise_len, NULL, 0) == ESP_STRAP_FLASH)
                continue;
        }
        note(l, "SYNC",
             "the ROM measures our baud rate from the 0x55 bytes and answers once it has locked on");
        for (int k = 0; k < SYNC_TRIES; k++) {
            int r = sync_once(l, err);
            if (r < 0)
                return -1;
            if (r > 0)
                return 0;
        }
    }
    return connect_failure(l, attempts, err);
}
