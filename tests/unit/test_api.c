/* test_api.c - the public API (include/espburn.h) as a program sees it,
 * over the virtual board's engine in this process: version, argument
 * checks (EB_USAGE, never a crash), plans (regions, findings with levels
 * and effects, the esptool line), connect and device info, flash with
 * events and per-region results, verify, read, erase, finish; and the boot
 * log analyzer fed in small pieces. (The MicroPython session and the
 * installed library are tested by tests/e2e/test_library.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espburn.h"

#include "api/api.h"
#include "common/file.h"
#include "sim_port.h"

static const char *source_dir(void)
{
    const char *s = getenv("ESPBURN_SOURCE_DIR");
    return s ? s : ".";
}

static void test_version_and_bad_arguments(void **state)
{
    (void)state;
    assert_string_equal(eb_version(), EB_VERSION_STRING);
    eb_err err = { 0 };
    eb_port *port = NULL;
    assert_int_equal(eb_port_open(NULL, 0, &port, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_int_equal(eb_port_open("/dev/espburn-no-such-port", 0, &port, &err), -1);
    assert_int_equal(err.code, EB_IO);
    assert_null(port);
    eb_device *d = NULL;
    assert_int_equal(eb_connect(NULL, NULL, &d, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_int_equal(eb_flash(NULL, NULL, NULL, NULL, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    eb_plan *p = NULL;
    const char *none[] = { "x" };
    assert_int_equal(eb_plan_build(0, none, NULL, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_int_equal(eb_plan_build(1, none, &(eb_plan_opts){ .chip = "esp99" }, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_non_null(strstr(err.msg, "esp99"));
    eb_bootlog *b = NULL;
    assert_int_equal(eb_bootlog_new("esp99", &b, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    eb_port_close(NULL), eb_device_close(NULL), eb_plan_free(NULL), eb_bootlog_free(NULL), eb_mpy_close(NULL);
}

/* A plan of one file at 0x10000 (in a fresh folder). */
static eb_plan *one_file_plan(char *dir, size_t n, uint8_t *data, size_t len)
{
    snprintf(dir, n, "/tmp/test_api.XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/blob.bin", dir);
    assert_int_equal(file_write_atomic(path, data, len, NULL), 0);
    const char *src[] = { "0x10000", path };
    eb_plan *p = NULL;
    eb_err err = { 0 };
    assert_int_equal(eb_plan_build(2, src, NULL, &p, &err), 0);
    return p;
}

static void remove_dir(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/blob.bin", dir);
    unlink(path);
    rmdir(dir);
}

static void test_plan_accessors(void **state)
{
    (void)state;
    char dir[64];
    uint8_t data[5000];
    memset(data, 0x42, sizeof data);
    eb_plan *p = one_file_plan(dir, sizeof dir, data, sizeof data);
    assert_string_equal(eb_plan_chip(p), "esp32");
    assert_false(eb_plan_refused(p));
    assert_int_equal(eb_plan_region_count(p), 1);
    eb_plan_region r;
    eb_err err = { 0 };
    assert_int_equal(eb_plan_get_region(p, 0, &r, &err), 0);
    assert_int_equal(r.addr, 0x10000);
    assert_int_equal(r.size, sizeof data);
    assert_non_null(strstr(r.path, "blob.bin"));
    assert_int_equal(eb_plan_get_region(p, 1, &r, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    bool warned = false;
    for (unsigned i = 0; i < eb_plan_finding_count(p); i++) {
        eb_finding f;
        assert_int_equal(eb_plan_get_finding(p, i, &f, &err), 0);
        warned |= f.level == EB_LEVEL_WARNING && !strcmp(f.level_name, "warning") &&
                  !strcmp(f.code, "not-firmware");
    }
    assert_true(warned);
    char *cmd = eb_plan_esptool_command(p, "/dev/ttyUSB0", 460800);
    assert_non_null(cmd);
    assert_non_null(strstr(cmd, "esptool --chip esp32 -p /dev/ttyUSB0 -b 460800 write-flash"));
    assert_non_null(strstr(cmd, "0x10000"));
    eb_free(cmd);
    eb_plan_free(p);
    remove_dir(dir);
}

static void on_event(void *ctx, const eb_event *ev)
{
    unsigned *counts = ctx;
    counts[ev->kind]++;
}

static void test_connect_flash_verify_read_erase(void **state)
{
    (void)state;
    char dir[64];
    uint8_t data[3 * 4096 + 10];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + i / 300);
    eb_plan *plan = one_file_plan(dir, sizeof dir, data, sizeof data);
    struct sim_port *sp = sim_port_new("m5stack-fire", true, true);
    eb_port port = { &sp->base }; /* a port the test made (eb_port_open takes names only) */
    eb_device *d = NULL;
    eb_err err = { 0 };
    eb_connect_opts co = { .baud = 921600, .stub = EB_STUB_NONE };
    assert_int_equal(eb_connect(&port, &co, &d, &err), 0);
    eb_device_info info;
    eb_device_get_info(d, &info);
    assert_string_equal(info.chip, "esp32");
    assert_string_equal(info.chip_name, "ESP32");
    assert_string_equal(info.description, "ESP32-D0WDQ6");
    assert_int_equal(info.flash_size, 16u << 20);
    assert_int_equal(info.baud, 921600);
    assert_false(info.stub);
    assert_true(info.have_mac && info.security_known && !info.flash_encryption);

    unsigned counts[4] = { 0 };
    eb_flash_opts fo = { .event = on_event, .ctx = counts };
    eb_flash_result res;
    assert_int_equal(eb_flash(d, plan, &fo, &res, &err), 0);
    assert_int_equal(res.nregions, 1);
    assert_int_equal(res.regions[0].state, EB_REGION_WRITTEN);
    assert_string_equal(eb_region_state_name(res.regions[0].state), "written");
    assert_int_equal(res.regions[0].written, sizeof data);
    assert_int_equal(counts[EB_EVENT_WRITTEN], 1);
    eb_flash_result_free(&res);
    assert_memory_equal(sp->flash.mem + 0x10000, data, sizeof data);

    eb_verify_region *v;
    unsigned n, ndiff;
    assert_int_equal(eb_verify(d, plan, NULL, &v, &n, &ndiff, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ndiff, 0);
    eb_free(v);
    uint8_t back[4096];
    assert_int_equal(eb_read_flash(d, 0x10000, sizeof back, back, NULL, NULL, &err), 0);
    assert_memory_equal(back, data, sizeof back);
    assert_int_equal(eb_erase(d, 0x10000, 0x1000, &err), 0);
    assert_int_equal(eb_verify(d, plan, NULL, &v, &n, &ndiff, &err), 0);
    assert_int_equal(ndiff, 1);
    eb_free(v);
    assert_int_equal(eb_finish(d, EB_AFTER_STAY, &err), 0);
    assert_int_equal(eb_finish(d, (enum eb_after)7, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    eb_device_close(d);
    sim_port_close(&sp->base);
    eb_plan_free(plan);
    remove_dir(dir);
}

static void test_bootlog_fed_in_pieces(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/bootlogs/seed-m5stack-fire-app-at-0x1000.log", source_dir());
    bytes log = { 0 };
    eb_err err = { 0 };
    assert_int_equal(file_read(path, 1u << 20, &log, &err), 0);
    eb_bootlog *b = NULL;
    assert_int_equal(eb_bootlog_new(NULL, &b, &err), 0);
    for (size_t at = 0; at < log.len; at += 7)
        eb_bootlog_feed(b, (const char *)log.data + at, log.len - at < 7 ? log.len - at : 7, -1);
    eb_bootlog_finish(b);
    assert_true(eb_bootlog_failed(b));
    bool app_at_boot = false;
    for (unsigned i = 0; i < eb_bootlog_count(b); i++) {
        eb_boot_finding f;
        assert_int_equal(eb_bootlog_get_finding(b, i, &f, &err), 0);
        if (!strcmp(f.code, "app-at-bootloader-offset")) {
            app_at_boot = true;
            assert_int_equal(f.level, EB_BOOT_FAIL);
            assert_string_equal(f.level_name, "fail");
            assert_true(f.what[0] && f.why[0] && f.fix[0] && f.line > 0);
        }
    }
    assert_true(app_at_boot);
    assert_int_equal(eb_bootlog_get_finding(b, 999, &(eb_boot_finding){ 0 }, &err), -1);
    eb_bootlog_free(b);
    bytes_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_bad_arguments),
        cmocka_unit_test(test_plan_accessors),
        cmocka_unit_test(test_connect_flash_verify_read_erase),
        cmocka_unit_test(test_bootlog_fed_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
