/* test_mpy_session.c - the REPL protocol against a scripted fake board:
 * raw-paste never has more than the granted window outstanding, the
 * fallback to the plain raw REPL, replies split into stdout/stderr, and raw
 * stdin data never more than two blocks ahead of the board. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpy/session.h"

/* A fake board: answers to what is written, with a raw-paste window. */
struct fake {
    struct port base;
    bool paste; /* supports raw-paste */
    unsigned window;
    bytes to_host; /* queued answer bytes */
    size_t read_pos;
    int state;            /* 0 raw prompt, 1 collecting raw-paste, 2 collecting raw */
    bytes code;           /* what the board received as a program */
    size_t granted, used; /* raw-paste flow control */
    size_t max_outstanding;
    uint8_t last[3];
    bool mute; /* a board that answers nothing */
    /* a program reading framed stdin blocks (_eb_rx(N,K)) */
    bool rx;
    size_t rx_n, rx_k, rx_in_block, rx_bytes, blocks_done, acked, wire;
    bytes rx_data;
};

static void say(struct fake *f, const void *p, size_t n)
{
    assert_int_equal(bytes_append(&f->to_host, p, n), 0);
}

static void board_byte(struct fake *f, uint8_t c)
{
    if (f->mute)
        return;
    memmove(f->last, f->last + 1, 2);
    f->last[2] = c;
    if (f->state == 3) { /* stdin of the running program: 0x01, then a block */
        f->wire++;
        if (f->wire - f->acked * (f->rx_k + 1) > 2 * (f->rx_k + 1))
            fail_msg("host sent more than two blocks beyond the board's acknowledgements");
        if (f->rx_in_block == 0) {
            assert_int_equal(c, 1);
            f->rx_in_block = 1;
            return;
        }
        assert_int_equal(bytes_append_byte(&f->rx_data, c), 0);
        f->rx_bytes++;
        if (++f->rx_in_block == f->rx_k + 1 || f->rx_bytes == f->rx_n) {
            f->rx_in_block = 0;
            f->blocks_done++;
        }
        return;
    }
    if (f->state == 1) {
        if (c == 4) {
            unsigned long n, k;
            const char *rx = NULL;
            if (bytes_append_byte(&f->code, 0) == 0) {
                f->code.len--;
                rx = strstr((const char *)f->code.data, "_eb_rx(");
            }
            if (rx && sscanf(rx, "_eb_rx(%lu,%lu)", &n, &k) == 2) {
                f->rx_n = n;
                f->rx_k = k;
                f->state = 3;
                say(f, "\x04R", 2);
                return;
            }
            say(f,
                "\x04"
                "out\r\n\x04"
                "\x04>",
                9);
            f->state = 0;
            return;
        }
        f->used++;
        if (f->used > f->granted)
            fail_msg("host sent beyond the raw-paste window");
        if (f->used % f->window == 0) {
            say(f, "\x01", 1);
            f->granted += f->window;
        }
        assert_int_equal(bytes_append_byte(&f->code, c), 0);
        return;
    }
    if (c == 1 && f->last[0] == 5 && f->last[1] == 'A') {
        f->code.len -= 2;
        if (f->paste) {
            uint8_t ans[] = { 'R', 1, (uint8_t)f->window, (uint8_t)(f->window >> 8), 1 };
            say(f, ans, sizeof ans);
            f->state = 1;
            f->used = 0;
            f->granted = 2 * f->window;
        } else {
            say(f, "raw REPL; CTRL-B to exit\r\n>", 27);
        }
        return;
    }
    if (c == 1) {
        say(f, "raw REPL; CTRL-B to exit\r\n>", 27);
        f->code.len = 0;
    } else if (c == 4) {
        say(f,
            "OKout\r\n\x04"
            "err\x04>",
            13);
    } else if (c != 3 && c != '\r') {
        assert_int_equal(bytes_append_byte(&f->code, c), 0);
    }
}

static int fake_read(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    (void)timeout_ms, (void)err;
    struct fake *f = (struct fake *)p;
    if (f->state == 3 && f->blocks_done > f->acked) { /* acknowledge only when the host looks */
        for (; f->acked < f->blocks_done; f->acked++)
            say(f, "A", 1);
        if (f->rx_bytes == f->rx_n) {
            say(f, "put\r\n\x04\x04>", 9);
            f->state = 0;
        }
    }
    size_t left = f->to_host.len - f->read_pos;
    size_t k = left < n ? left : n;
    if (k == 0)
        return 0;
    memcpy(buf, f->to_host.data + f->read_pos, k);
    f->read_pos += k;
    return (int)k;
}

static int fake_write(struct port *p, const uint8_t *buf, size_t n, eb_err *err)
{
    (void)err;
    struct fake *f = (struct fake *)p;
    for (size_t i = 0; i < n; i++)
        board_byte(f, buf[i]);
    return 0;
}

static int fake_ok(struct port *p, eb_err *err)
{
    (void)p, (void)err;
    return 0;
}
static int fake_lines(struct port *p, int d, int r, eb_err *err)
{
    (void)p, (void)d, (void)r, (void)err;
    return 0;
}
static int fake_baud(struct port *p, uint32_t b, eb_err *err)
{
    (void)p, (void)b, (void)err;
    return 0;
}
static void fake_close(struct port *p)
{
    (void)p;
}

static const struct port_ops fake_ops = {
    .read = fake_read,
    .write = fake_write,
    .set_baud = fake_baud,
    .set_lines = fake_lines,
    .flush_input = fake_ok,
    .close = fake_close,
};

static void setup_session(struct mpy *m, struct fake *f, bool paste)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fake_ops;
    strcpy(f->base.name, "fake");
    f->paste = paste;
    f->window = 128;
    memset(m, 0, sizeof *m);
    m->port = &f->base;
    m->paste = -1;
    m->timeout_ms = 200;
}

static void exec_with(bool paste, size_t code_len)
{
    struct mpy m;
    struct fake f;
    eb_err err = { 0 };
    setup_session(&m, &f, paste);
    char *code = malloc(code_len);
    for (size_t i = 0; i < code_len; i++)
        code[i] = (char)('a' + i % 26);
    bytes out = { 0 }, tb = { 0 };
    assert_int_equal(mpy_enter_raw(&m, &err), 0);
    assert_int_equal(mpy_exec(&m, code, code_len, NULL, NULL, &out, &tb, &err), 0);
    assert_int_equal(m.paste, paste ? 1 : 0);
    assert_int_equal(f.code.len, code_len);
    assert_memory_equal(f.code.data, code, code_len);
    assert_int_equal(out.len, 5);
    assert_memory_equal(out.data, "out\r\n", 5);
    if (!paste)
        assert_int_equal(tb.len, 3);
    free(code);
    bytes_free(&out);
    bytes_free(&tb);
    bytes_free(&f.code);
    bytes_free(&f.to_host);
    bytes_free(&m.pending);
}

static void raw_paste_respects_the_window(void **state)
{
    (void)state;
    exec_with(true, 1000);
    exec_with(true, 256);
    exec_with(true, 1);
}

static void old_firmware_falls_back_to_raw_repl(void **state)
{
    (void)state;
    exec_with(false, 1000);
}

static void silent_port_gives_a_clear_error(void **state)
{
    (void)state;
    struct mpy m;
    struct fake f;
    eb_err err = { 0 };
    setup_session(&m, &f, true);
    f.mute = true;
    assert_int_equal(mpy_enter_raw(&m, &err), -1);
    assert_int_equal(err.code, EB_IO);
    assert_non_null(strstr(err.msg, "no answer to Ctrl-C"));
    bytes_free(&m.pending);
}

static void feeding_stdin_keeps_two_blocks_in_flight(void **state)
{
    (void)state;
    struct mpy m;
    struct fake f;
    eb_err err = { 0 };
    setup_session(&m, &f, true);
    size_t n = 1000;
    uint8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 13);
    static const char code[] = "_eb_rx(1000,128)\n";
    bytes out = { 0 }, tb = { 0 };
    bool fed = false;
    assert_int_equal(mpy_enter_raw(&m, &err), 0);
    assert_int_equal(mpy_exec_feed(&m, code, sizeof code - 1, data, n, 128, true, 200, &fed, &out, &tb, &err),
                     0);
    assert_true(fed);
    assert_int_equal(f.rx_data.len, n);
    assert_memory_equal(f.rx_data.data, data, n);
    assert_int_equal(out.len, 5); /* "put\r\n": R and A are protocol, not output */
    assert_memory_equal(out.data, "put\r\n", 5);
    free(data);
    bytes_free(&out);
    bytes_free(&tb);
    bytes_free(&f.code);
    bytes_free(&f.rx_data);
    bytes_free(&f.to_host);
    bytes_free(&m.pending);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raw_paste_respects_the_window),
        cmocka_unit_test(old_firmware_falls_back_to_raw_repl),
        cmocka_unit_test(silent_port_gives_a_clear_error),
        cmocka_unit_test(feeding_stdin_keeps_two_blocks_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
