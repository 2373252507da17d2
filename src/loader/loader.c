/* loader.c - the protocol core: sending requests, reading responses
 * through SLIP while keeping boot text, register access, reset into
 * download mode, SYNC, and leaving the loader. */
#include "common/clock.h"
#include "loader/loader.h"

#include <stdlib.h>
#include <string.h>

#include "loader/protocol.h"

struct loader *loader_new(struct port *port)
{
    struct loader *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->port = port;
    l->status_len = ESP_ROM_STATUS_LEN;
    l->flash_block = ESP_ROM_FLASH_BLOCK;
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

int loader_timeout_for(uint32_t size, int ms_per_mb)
{
    int64_t t = (int64_t)ms_per_mb * size / 1000000;
    return t < LOADER_DEFAULT_TIMEOUT ? LOADER_DEFAULT_TIMEOUT : (int)t;
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

/* Next received byte: 1, 0 on timeout at `deadline`, -1 on a port error. */
static int next_byte(struct loader *l, int64_t deadline, uint8_t *c, eb_err *err)
{
    if (l->rx_pos == l->rx_len) {
        int64_t left = deadline - eb_now_ms();
        if (left < 0)
            left = 0;
        int r = port_read(l->port, l->rx, sizeof l->rx, (int)left, err);
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
static int read_frame(struct loader *l, int64_t deadline, eb_err *err)
{
    for (;;) {
        uint8_t c;
        int r = next_byte(l, deadline, &c, err);
        if (r <= 0)
            return r;
        enum slip_event e = slip_feed(&l->dec, c);
        if (e == SLIP_FRAME)
            return 1;
        if (e == SLIP_NOISE)
            keep_noise(l, c);
    }
}

int loader_send_request(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, uint32_t checksum,
                        eb_err *err)
{
    l->tx.len = 0;
    if (esp_request_encode(&l->tx, op, payload, n, checksum))
        return eb_fail(err, EB_IO, "out of memory building a %s request", esp_op_name(op));
    l->tx_bytes += l->tx.len;
    return port_write(l->port, l->tx.data, l->tx.len, err);
}

/* Wait for the response to `op`; 1 got it, 0 timeout, -1 port error. */
static int await_response(struct loader *l, uint8_t op, int expect_len, int64_t deadline,
                          struct esp_response *resp, eb_err *err)
{
    for (;;) {
        int r = read_frame(l, deadline, err);
        if (r <= 0)
            return r;
        if (esp_response_parse(l->frame, l->dec.len, l->status_len, expect_len, resp) == 0 && resp->op == op)
            return 1;
    }
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
    l->stub = true;
    l->status_len = ESP_STUB_STATUS_LEN;
    l->flash_block = ESP_STUB_FLASH_BLOCK;
}

int loader_send_raw(struct loader *l, const uint8_t *p, size_t n, eb_err *err)
{
    l->tx.len = 0;
    if (slip_encode(&l->tx, p, n))
        return eb_fail(err, EB_IO, "out of memory");
    l->tx_bytes += l->tx.len;
    return port_write(l->port, l->tx.data, l->tx.len, err);
}

int loader_next_frame(struct loader *l, int timeout_ms, const uint8_t **p, size_t *n, eb_err *err)
{
    int r = read_frame(l, eb_now_ms() + timeout_ms, err);
    if (r > 0) {
        *p = l->frame;
        *n = l->dec.len;
    }
    return r;
}

/* Commands that may simply be sent again when their answer is lost. */
static bool resendable(uint8_t op)
{
    static const uint8_t ops[] = { OP_READ_REG,         OP_WRITE_REG,     OP_SPI_ATTACH,
                                   OP_SPI_SET_PARAMS,   OP_SPI_FLASH_MD5, OP_READ_FLASH_SLOW,
                                   OP_GET_SECURITY_INFO };
    for (size_t i = 0; i < sizeof ops; i++)
        if (ops[i] == op)
            return true;
    return false;
}

/* Send a request up to `attempts` times until an answer comes. */
static int command_attempts(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, uint32_t checksum,
                            int expect_len, int timeout_ms, int attempts, struct esp_response *resp,
                            eb_err *err)
{
    struct esp_response local;
    if (!resp)
        resp = &local;
    int r = 0;
    for (int attempt = 0; r == 0 && attempt < attempts; attempt++) {
        if (loader_send_request(l, op, payload, n, checksum, err))
            return -1;
        r = await_response(l, op, expect_len, eb_now_ms() + timeout_ms, resp, err);
    }
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

int loader_command(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, uint32_t checksum,
                   int expect_len, int timeout_ms, struct esp_response *resp, eb_err *err)
{
    return command_attempts(l, op, payload, n, checksum, expect_len, timeout_ms, resendable(op) ? 3 : 1, resp,
                            err);
}

int loader_ping(struct loader *l, int timeout_ms, eb_err *err)
{
    uint8_t p[4];
    wr_le32(p, ESP_MAGIC_REG);
    return command_attempts(l, OP_READ_REG, p, sizeof p, 0, 0, timeout_ms, 1, NULL, err);
}

int loader_read_reg(struct loader *l, uint32_t addr, uint32_t *value, eb_err *err)
{
    uint8_t p[4];
    struct esp_response r;
    wr_le32(p, addr);
    if (loader_command(l, OP_READ_REG, p, sizeof p, 0, 0, LOADER_DEFAULT_TIMEOUT, &r, err))
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
    if (loader_command(l, OP_WRITE_REG, p, sizeof p, 0, 0, LOADER_DEFAULT_TIMEOUT, NULL, err))
        return eb_wrap(err, "writing register 0x%08X", addr);
    return 0;
}

/* ---- reset into download mode ---------------------------------------- */

/* One step of a reset sequence (esptool's, written as its custom-reset
 * language would: D = DTR, R = RTS, B = both in one operation, W = wait). */
struct reset_op {
    char kind;        /* 'D', 'R', 'B' or 'W' */
    signed char a, b; /* D/R: the level (1 = asserted); B: DTR, RTS; W: unused */
    short ms;         /* W: milliseconds, or -1 for the strategy's reset delay */
};

struct reset_strategy {
    const char *name;
    short delay_ms;
    struct reset_op ops[14];
};

#define D(x)         \
    {                \
        'D', x, 0, 0 \
    }
#define RT(x)        \
    {                \
        'R', x, 0, 0 \
    }
#define B(d, r)      \
    {                \
        'B', d, r, 0 \
    }
#define W(ms)         \
    {                 \
        'W', 0, 0, ms \
    }
#define TIGHT_OPS                                                        \
    {                                                                    \
        B(0, 0), B(1, 1), B(0, 1), W(100), B(1, 0), W(-1), B(0, 0), D(0) \
    }
#define CLASSIC_OPS                                   \
    {                                                 \
        D(0), RT(1), W(100), D(1), RT(0), W(-1), D(0) \
    }

/* DTR drives IO0 and RTS drives EN through the auto-reset transistors
 * (asserted = low); the USB-Serial/JTAG peripheral reads the lines itself
 * and must pass through (1,1), never (0,0). */
static const struct reset_strategy strategies[] = {
    { "tight", 50, TIGHT_OPS },
    { "tight (slow)", 550, TIGHT_OPS },
    { "classic", 50, CLASSIC_OPS },
    { "classic (slow)", 550, CLASSIC_OPS },
    { "usb-jtag",
      100,
      { RT(0), D(0), W(100), D(1), RT(0), W(100), RT(1), D(0), RT(1), W(100), D(0), RT(0) } },
};
enum {
    STRAT_TIGHT = 0,
    STRAT_CLASSIC = 2,
    STRAT_USB_JTAG = 4
};

static int run_reset(struct loader *l, const struct reset_strategy *s, eb_err *err)
{
    for (const struct reset_op *op = s->ops; op < s->ops + 14 && op->kind; op++) {
        int rc = 0;
        if (op->kind == 'W')
            eb_sleep_ms(op->ms < 0 ? s->delay_ms : op->ms);
        else if (op->kind == 'D')
            rc = port_set_lines(l->port, op->a, -1, err);
        else if (op->kind == 'R')
            rc = port_set_lines(l->port, -1, op->a, err);
        else
            rc = port_set_lines(l->port, op->a, op->b, err);
        if (rc)
            return -1;
    }
    return 0;
}

/* Which strategy attempt `i` uses, or NULL for none. */
static const struct reset_strategy *strategy_for(struct loader *l, enum before_mode before, int i)
{
    if (before == BEFORE_NO_RESET || !l->port->has_lines)
        return NULL;
    if (before == BEFORE_USB_JTAG)
        return &strategies[STRAT_USB_JTAG];
    if (l->port->lines_together)
        return &strategies[STRAT_TIGHT + i % 4];
    return &strategies[STRAT_CLASSIC + i % 2];
}

/* Read whatever arrives for `ms` (boot text), keeping it as noise. */
static void collect_boot_text(struct loader *l, int ms)
{
    int64_t deadline = eb_now_ms() + ms;
    eb_err ignore;
    while (read_frame(l, deadline, &ignore) > 0)
        ;
}

static int sync_once(struct loader *l, eb_err *err)
{
    uint8_t p[36] = { 0x07, 0x07, 0x12, 0x20 };
    memset(p + 4, 0x55, 32);
    struct esp_response r;
    if (loader_send_request(l, OP_SYNC, p, sizeof p, 0, err))
        return -1;
    int64_t deadline = eb_now_ms() + LOADER_SYNC_TIMEOUT;
    int got = 0;
    while (got == 0) {
        int f = read_frame(l, deadline, err);
        if (f <= 0)
            return f;
        notice_running_stub(l);
        got = esp_response_parse(l->frame, l->dec.len, l->status_len, 0, &r) == 0 && r.op == OP_SYNC;
    }
    /* the ROM answers SYNC several times: drain the rest */
    for (int i = 0; i < 16 && await_response(l, OP_SYNC, 0, eb_now_ms() + 30, &r, err) > 0; i++)
        ;
    return 1;
}

static int connect_failure(struct loader *l, int attempts, eb_err *err)
{
    char line[96];
    enum boot_mode_seen seen = boot_mode_from_text(l->noise, l->noise_len, line, sizeof line);
    if (seen == BOOT_SEEN_FLASH)
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
        attempts = 7;
    for (int i = 0; i < attempts; i++) {
        const struct reset_strategy *s = strategy_for(l, before, i);
        if (s) {
            note(l, "reset", s->name);
            l->noise_len = 0;
            l->noise[0] = '\0';
            if (run_reset(l, s, err))
                return eb_wrap(err, "resetting into download mode");
            collect_boot_text(l, 20);
            if (boot_mode_from_text(l->noise, l->noise_len, NULL, 0) == BOOT_SEEN_FLASH)
                continue;
        }
        note(l, "SYNC",
             "the ROM measures our baud rate from the 0x55 bytes and answers once it has locked on");
        for (int k = 0; k < 5; k++) {
            int r = sync_once(l, err);
            if (r < 0)
                return -1;
            if (r > 0)
                return 0;
        }
    }
    return connect_failure(l, attempts, err);
}
