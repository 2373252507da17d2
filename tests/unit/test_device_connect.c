/* test_device_connect.c - the library's connect sequence (src/device/
 * device.h) against the virtual board's engine in this process
 * (sim_port.h): reset, SYNC, chip, eFuses, flash attach in that order; the
 * baud policy (a fixed rate that works; `auto` climbing until a rate fails,
 * then back at the last good one, with and without reset lines; a fixed
 * rate that fails: the error says so and the link still works); the stub
 * policy; leaving the board; the device on a port the caller keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/device.h"
#include "sim_port.h"

/* The --explain notes, as one line each. */
struct notes {
    char text[8192];
    size_t len;
};

static void collect(void *ctx, const char *step, const char *why)
{
    struct notes *n = ctx;
    (void)why;
    if (n->len + strlen(step) + 2 < sizeof n->text)
        n->len += (size_t)snprintf(n->text + n->len, sizeof n->text - n->len, "%s\n", step);
}

/* Each of `steps` appears in the notes, in this order. */
static void assert_in_order(const struct notes *n, const char *const *steps)
{
    const char *at = n->text;
    for (; *steps; steps++) {
        const char *hit = strstr(at, *steps);
        if (!hit)
            fail_msg("step '%s' missing or out of order in:\n%s", *steps, n->text);
        at = hit + strlen(*steps);
    }
}

static struct device connect_ok(struct sim_port *sp, const struct device_connect_opts *o)
{
    struct device d;
    eb_err err = { 0 };
    int rc = device_connect_port(o, &sp->base, &d, &err);
    if (rc)
        fail_msg("connect failed: %s", err.msg);
    return d;
}

static void test_connect_sequence_rom_only(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    assert_non_null(sp);
    struct notes n = { 0 };
    struct device_connect_opts o = { .stub = DEVICE_STUB_NONE, .note = collect, .note_ctx = &n };
    struct device d = connect_ok(sp, &o);
    static const char *const steps[] = {
        "reset",      "SYNC",        "GET_SECURITY_INFO", "READ_REG (eFuses)",
        "SPI_ATTACH", "RDID (0x9F)", "SPI_SET_PARAMS",    NULL
    };
    assert_in_order(&n, steps);
    assert_string_equal(d.l->chip->name, "esp32");
    assert_string_equal(d.facts.description, "ESP32-D0WDQ6");
    assert_true(d.facts.have_mac);
    assert_int_equal(d.flash_size, 16u << 20);
    assert_int_equal(d.baud, DEVICE_CONNECT_BAUD);
    assert_false(d.l->stub);
    assert_false(d.own_port);
    assert_true(device_wire_bytes(&d) > 0);
    char mac[18];
    device_mac_text(&d, mac);
    assert_int_equal(strlen(mac), 17);
    device_close(&d);
    assert_null(d.port);
    sim_port_close(&sp->base); /* the caller's port: still open after device_close */
}

static void test_fixed_baud_that_works(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    struct device_connect_opts o = { .stub = DEVICE_STUB_NONE, .baud = 921600 };
    struct device d = connect_ok(sp, &o);
    assert_int_equal(d.baud, 921600);
    assert_int_equal(sp->base.baud, 921600);
    assert_int_equal(sp->s.baud, 921600); /* the board switched too */
    device_close(&d);
    sim_port_close(&sp->base);
}

/* The M5Stack Fire's CP2104 stops at 2 Mbaud: 3 Mbaud is garbage both ways. */
static void test_fixed_baud_that_fails_says_so_and_stays_usable(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    struct device_connect_opts o = { .stub = DEVICE_STUB_NONE, .baud = 3000000 };
    struct device d;
    eb_err err = { 0 };
    assert_int_equal(device_connect_port(&o, &sp->base, &d, &err), -1);
    assert_int_equal(err.code, EB_IO);
    assert_non_null(
        strstr(err.msg, "the link does not work at 3000000 baud; use a lower -b (still at 115200)"));
    assert_int_equal(d.baud, DEVICE_CONNECT_BAUD);
    uint32_t v; /* back in the ROM at 115200: it answers */
    assert_int_equal(loader_read_reg(d.l, 0x3FF5A004, &v, &err), 0);
    device_close(&d);
    sim_port_close(&sp->base);
}

/* `auto` asks for the top rate first: 2 Mbaud when the port does not say
 * what its bridge can do; the Fire's CP2104 takes it at once. */
static void test_auto_takes_the_top_rate_first(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    struct notes n = { 0 };
    struct device_connect_opts o = {
        .stub = DEVICE_STUB_NONE, .baud_auto = true, .note = collect, .note_ctx = &n
    };
    struct device d = connect_ok(sp, &o);
    assert_int_equal(d.baud, 2000000);
    assert_int_equal(sp->s.baud, 2000000);
    static const char *const steps[] = { "CHANGE_BAUDRATE", "SPI_ATTACH", NULL };
    assert_in_order(&n, steps);
    const char *first = strstr(n.text, "CHANGE_BAUDRATE");
    assert_null(strstr(first + 1, "CHANGE_BAUDRATE")); /* one switch: no climb, */
    assert_null(strstr(first, "reset"));               /* and no reset */
    device_close(&d);
    sim_port_close(&sp->base);
}

/* The Atom's bridge stops at 1.5 Mbaud: the first bad register read at
 * 2 Mbaud sends auto back through a reset, to the next lower rate. */
static void test_auto_falls_back_with_reset_lines(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-atom", true, true);
    struct notes n = { 0 };
    struct device_connect_opts o = {
        .stub = DEVICE_STUB_NONE, .baud_auto = true, .note = collect, .note_ctx = &n
    };
    struct device d = connect_ok(sp, &o);
    assert_int_equal(d.baud, 1500000);
    static const char *const steps[] = { "CHANGE_BAUDRATE", "reset",      "SYNC",
                                         "CHANGE_BAUDRATE", "SPI_ATTACH", NULL };
    assert_in_order(&n, steps);
    assert_int_equal(d.flash_size, 4u << 20); /* the link works after the fallback */
    device_close(&d);
    sim_port_close(&sp->base);
}

/* Without modem lines (a socket) the rate does not matter to the board: auto
 * stays at the top it asks for. */
static void test_auto_without_lines_reaches_the_top(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", false, false);
    struct device_connect_opts o = { .stub = DEVICE_STUB_NONE, .baud_auto = true };
    struct device d = connect_ok(sp, &o);
    assert_int_equal(d.baud, 2000000);
    device_close(&d);
    sim_port_close(&sp->base);
}

/* No reset line but a rate that matters (a bridge whose DTR/RTS are not
 * wired): after a rate the bridge cannot do, the request to go back is
 * garbage to the chip too, so the link is lost; the error names both rates
 * (the CLI then says to use a lower -b). */
static void test_auto_without_reset_lines_loses_a_rate_the_bridge_lacks(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-atom", false, true);
    struct device_connect_opts o = { .stub = DEVICE_STUB_NONE, .baud_auto = true };
    struct device d;
    eb_err err = { 0 };
    assert_int_equal(device_connect_port(&o, &sp->base, &d, &err), -1);
    assert_int_equal(err.code, EB_IO);
    assert_non_null(strstr(err.msg, "the link failed at 2000000 baud and could not return to 115200"));
    device_close(&d);
    sim_port_close(&sp->base);
}

static void test_stub_from_a_file(void **state)
{
    (void)state;
    const char *src = getenv("ESPBURN_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/node_modules/esptool-js/lib/targets/stub_flasher/stub_flasher_32.json",
             src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        skip(); /* npm packages not installed */
    fclose(f);
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    struct notes n = { 0 };
    struct device_connect_opts o = {
        .stub = DEVICE_STUB_FILE, .stub_path = path, .note = collect, .note_ctx = &n
    };
    struct device d = connect_ok(sp, &o);
    assert_true(d.l->stub);
    static const char *const steps[] = { "READ_REG (eFuses)", "MEM_BEGIN/DATA/END", "SPI_ATTACH", NULL };
    assert_in_order(&n, steps);
    assert_int_equal(d.flash_size, 16u << 20);
    device_close(&d);
    sim_port_close(&sp->base);
}

static void test_missing_stub_file_fails_clearly(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    struct device_connect_opts o = { .stub = DEVICE_STUB_FILE, .stub_path = "/nonexistent/stub.json" };
    struct device d;
    eb_err err = { 0 };
    assert_int_equal(device_connect_port(&o, &sp->base, &d, &err), -1);
    assert_int_equal(err.code, EB_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/stub.json"));
    device_close(&d);
    sim_port_close(&sp->base);
}

static void test_finish_hard_reset_boots_the_board(void **state)
{
    (void)state;
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    struct device_connect_opts o = { .stub = DEVICE_STUB_NONE };
    struct device d = connect_ok(sp, &o);
    eb_err err = { 0 };
    assert_int_equal(device_finish(&d, DEVICE_AFTER_STAY, false, &err), 0);
    assert_int_equal(sp->s.state, SIM_ROM);
    assert_int_equal(device_finish(&d, DEVICE_AFTER_HARD_RESET, false, &err), 0);
    eb_sleep_ms(200);
    sim_port_step(sp);
    assert_int_not_equal(sp->s.state, SIM_ROM); /* left download mode: booting from flash */
    device_close(&d);
    sim_port_close(&sp->base);
}

static void test_connect_by_name_fails_for_a_missing_port(void **state)
{
    (void)state;
    struct device d;
    struct device_connect_opts o = { 0 };
    eb_err err = { 0 };
    assert_int_equal(device_connect(&o, "/dev/espburn-no-such-port", &d, &err), -1);
    assert_int_equal(err.code, EB_IO);
    assert_non_null(strstr(err.msg, "espburn-no-such-port"));
    device_close(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_sequence_rom_only),
        cmocka_unit_test(test_fixed_baud_that_works),
        cmocka_unit_test(test_fixed_baud_that_fails_says_so_and_stays_usable),
        cmocka_unit_test(test_auto_takes_the_top_rate_first),
        cmocka_unit_test(test_auto_falls_back_with_reset_lines),
        cmocka_unit_test(test_auto_without_lines_reaches_the_top),
        cmocka_unit_test(test_auto_without_reset_lines_loses_a_rate_the_bridge_lacks),
        cmocka_unit_test(test_stub_from_a_file),
        cmocka_unit_test(test_missing_stub_file_fails_clearly),
        cmocka_unit_test(test_finish_hard_reset_boots_the_board),
        cmocka_unit_test(test_connect_by_name_fails_for_a_missing_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
