/* test_device_flash.c - the library's flash workflow and its neighbours
 * (src/device/device_flash.h, device_ops.h) on the virtual board's engine
 * in this process (sim_port.h), ROM loader and stub: a first write (every
 * byte lands, progress reaches the total, one event per region), the same
 * plan again (nothing written: up to date), one changed sector (only it is
 * written), verify (matches, then a corrupted sector differs), cancel
 * (before anything and between blocks, then a re-run resumes), a refused
 * plan, read with its MD5 check and erase. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device/device_flash.h"
#include "device/device_ops.h"
#include "sim_port.h"

#define APP_ADDR 0x10000u
#define APP_SIZE (96u * 1024 + 100) /* a partial last sector */

struct rig {
    struct sim_port *sp;
    struct device d;
    char dir[64], path[96];
    uint8_t *app;
    struct plan plan;
    /* what the callbacks saw */
    unsigned events[4];
    char last_event[768];
    size_t last_done, last_total;
    volatile sig_atomic_t cancel;
    size_t cancel_after; /* set cancel once this many bytes are written (0: never) */
};

static void write_app(struct rig *r)
{
    FILE *f = fopen(r->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r->app, 1, APP_SIZE, f), APP_SIZE);
    fclose(f);
}

static void build_plan(struct rig *r)
{
    char addr[16];
    snprintf(addr, sizeof addr, "0x%X", APP_ADDR);
    char *src[] = { addr, r->path };
    eb_err err = { 0 };
    write_app(r);
    if (plan_build(2, src, &(struct plan_opts){ 0 }, &r->plan, &err))
        fail_msg("plan: %s", err.msg);
}

static struct rig *rig_new(bool stub)
{
    struct rig *r = calloc(1, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/test_device_flash.XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->path, sizeof r->path, "%s/app.bin", r->dir);
    r->app = malloc(APP_SIZE);
    srand(7);
    for (size_t i = 0; i < APP_SIZE; i++)
        r->app[i] =
            (uint8_t)(i < APP_SIZE / 2 ? (size_t)rand() : i / 512); /* half random, half compressible */
    build_plan(r);
    r->sp = sim_port_new("m5stack-fire", true, true);
    char stub_path[1024];
    const char *src = getenv("ESPBURN_SOURCE_DIR");
    snprintf(stub_path, sizeof stub_path,
             "%s/node_modules/esptool-js/lib/targets/stub_flasher/stub_flasher_32.json", src ? src : ".");
    if (stub && access(stub_path, R_OK) != 0)
        stub = false; /* npm packages not installed: the ROM path is still tested */
    struct device_connect_opts o = { .stub = stub ? DEVICE_STUB_FILE : DEVICE_STUB_NONE,
                                     .stub_path = stub_path };
    eb_err err = { 0 };
    if (device_connect_port(&o, &r->sp->base, &r->d, &err))
        fail_msg("connect: %s", err.msg);
    return r;
}

static void rig_free(struct rig *r)
{
    device_close(&r->d);
    sim_port_close(&r->sp->base);
    plan_free(&r->plan);
    unlink(r->path);
    rmdir(r->dir);
    free(r->app);
    free(r);
}

static void on_event(void *ctx, const struct device_event *ev)
{
    struct rig *r = ctx;
    r->events[ev->kind]++;
    snprintf(r->last_event, sizeof r->last_event, "%s", ev->text);
}

static void on_progress(void *ctx, unsigned region, size_t done, size_t total)
{
    struct rig *r = ctx;
    assert_int_equal(region, 0);
    assert_true(done <= total);
    r->last_done = done;
    r->last_total = total;
    if (r->cancel_after && done >= r->cancel_after)
        r->cancel = 1;
}

/* Flash the rig's plan; returns the call's result, *res filled. */
static int flash(struct rig *r, struct device_flash_result *res, eb_err *err, bool no_skip)
{
    memset(r->events, 0, sizeof r->events);
    struct device_flash_opts o = {
        .hdr = { "keep", "keep", "keep" },
        .no_skip = no_skip,
        .progress = on_progress,
        .event = on_event,
        .ctx = r,
        .cancel = &r->cancel,
    };
    return device_flash(&r->d, &r->plan, &o, res, err);
}

static void assert_flash_holds_app(const struct rig *r)
{
    assert_memory_equal(r->sp->flash.mem + APP_ADDR, r->app, APP_SIZE);
}

static void write_then_skip_then_one_sector(bool stub)
{
    struct rig *r = rig_new(stub);
    struct device_flash_result res;
    eb_err err = { 0 };
    assert_int_equal(flash(r, &res, &err, false), 0);
    assert_int_equal(res.nregions, 1);
    assert_int_equal(res.res[0].state, DEVICE_REGION_WRITTEN);
    assert_int_equal(res.res[0].written, APP_SIZE);
    assert_true(res.res[0].wire > 0 && res.res[0].wire < APP_SIZE); /* compressed */
    assert_int_equal(r->last_done, APP_SIZE);
    assert_int_equal(r->last_total, APP_SIZE);
    assert_int_equal(r->events[DEVICE_EVENT_WRITTEN], 1);
    assert_non_null(strstr(r->last_event, "0x010000 "));
    assert_non_null(strstr(r->last_event, "app.bin: written and verified"));
    assert_true(res.wire_bytes > res.res[0].wire);
    assert_flash_holds_app(r);
    device_flash_result_free(&res);

    assert_int_equal(flash(r, &res, &err, false), 0); /* again: nothing to write */
    assert_int_equal(res.res[0].state, DEVICE_REGION_UP_TO_DATE);
    assert_int_equal(res.written, 0);
    assert_int_equal(r->events[DEVICE_EVENT_UP_TO_DATE], 1);
    assert_non_null(strstr(r->last_event, "app.bin: up to date"));
    device_flash_result_free(&res);

    r->app[5 * 4096 + 17] ^= 0x5A; /* one sector changes */
    plan_free(&r->plan);
    build_plan(r);
    assert_int_equal(flash(r, &res, &err, false), 0);
    assert_int_equal(res.res[0].state, DEVICE_REGION_WRITTEN);
    assert_int_equal(res.res[0].to_write, 4096);
    assert_int_equal(res.res[0].written, 4096);
    assert_flash_holds_app(r);
    device_flash_result_free(&res);
    rig_free(r);
}

static void test_flash_rom(void **state)
{
    (void)state;
    write_then_skip_then_one_sector(false);
}

static void test_flash_stub(void **state)
{
    (void)state;
    write_then_skip_then_one_sector(true);
}

static void test_verify_finds_a_changed_sector(void **state)
{
    (void)state;
    struct rig *r = rig_new(true);
    struct device_flash_result res;
    eb_err err = { 0 };
    assert_int_equal(flash(r, &res, &err, false), 0);
    device_flash_result_free(&res);
    struct device_verify_region *v;
    unsigned n, ndiff;
    struct device_header_opts keep = { "keep", "keep", "keep" };
    assert_int_equal(device_verify(&r->d, &r->plan, &keep, &v, &n, &ndiff, NULL, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ndiff, 0);
    assert_true(v[0].matches);
    free(v);
    r->sp->flash.mem[APP_ADDR + 3 * 4096] ^= 1; /* a bit flips in the flash */
    assert_int_equal(device_verify(&r->d, &r->plan, &keep, &v, &n, &ndiff, NULL, NULL, &err), 0);
    assert_int_equal(ndiff, 1);
    assert_false(v[0].matches);
    assert_int_equal(v[0].addr, APP_ADDR);
    free(v);
    rig_free(r);
}

/* What a progress callback was told: how often, the last figures, and
 * whether `done` ever went back or past `total`. */
struct seen_progress {
    unsigned calls;
    size_t done, total;
    bool backwards;
};

static void record_progress(void *ctx, size_t done, size_t total)
{
    struct seen_progress *s = ctx;
    s->backwards |= done < s->done || done > total;
    s->calls++;
    s->done = done;
    s->total = total;
}

static void test_verify_and_erase_report_progress_in_steps(void **state)
{
    (void)state;
    struct rig *r = rig_new(true);
    eb_err err = { 0 };
    struct seen_progress seen = { 0 };
    assert_int_equal(device_erase(&r->d, 0x100000, 0x80000, record_progress, &seen, &err), 0);
    assert_false(seen.backwards);
    assert_int_equal(seen.total, 2 * 0x80000); /* the erase, then the check */
    assert_int_equal(seen.done, seen.total);
    assert_int_equal(seen.calls, 4); /* two 256 KB steps of each */
    struct device_flash_result res;
    assert_int_equal(flash(r, &res, &err, false), 0);
    device_flash_result_free(&res);
    struct device_verify_region *v;
    unsigned n, ndiff;
    struct device_header_opts keep = { "keep", "keep", "keep" };
    seen = (struct seen_progress){ 0 };
    assert_int_equal(device_verify(&r->d, &r->plan, &keep, &v, &n, &ndiff, record_progress, &seen, &err), 0);
    free(v);
    assert_false(seen.backwards);
    assert_int_equal(seen.total, APP_SIZE);
    assert_int_equal(seen.done, APP_SIZE);
    assert_true(seen.calls >= 1);
    rig_free(r);
}

static void test_cancel_before_and_between_blocks_then_resume(void **state)
{
    (void)state;
    struct rig *r = rig_new(false); /* the ROM's 1 KB blocks: many of them */
    struct device_flash_result res;
    eb_err err = { 0 };
    r->cancel = 1;
    assert_int_equal(flash(r, &res, &err, false), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_non_null(strstr(err.msg, "cancelled before anything was written"));
    assert_int_equal(res.written, 0);
    device_flash_result_free(&res);

    r->cancel = 0;
    r->cancel_after = 8192; /* the flag is set from the progress callback mid-region */
    assert_int_equal(flash(r, &res, &err, false), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_non_null(strstr(err.msg, "cancelled"));
    assert_non_null(strstr(err.msg, "complete and verified: none; re-run the same command to resume"));
    assert_int_equal(res.res[0].state, DEVICE_REGION_FAILED);
    assert_true(res.res[0].written < APP_SIZE); /* stopped between blocks, not at the end */
    assert_null(r->d.l->cancel);                /* the loader no longer holds the caller's flag */
    device_flash_result_free(&res);

    r->cancel = 0;
    r->cancel_after = 0;
    assert_int_equal(flash(r, &res, &err, false), 0); /* resumes */
    assert_int_equal(res.res[0].state, DEVICE_REGION_WRITTEN);
    assert_flash_holds_app(r);
    device_flash_result_free(&res);
    rig_free(r);
}

static void test_refused_plan_writes_nothing_unless_forced(void **state)
{
    (void)state;
    struct rig *r = rig_new(true);
    plan_free(&r->plan);
    char overlap[16], path2[128];
    snprintf(overlap, sizeof overlap, "0x%X", APP_ADDR + 0x800);
    snprintf(path2, sizeof path2, "%s", r->path); /* the same file, overlapping itself */
    char a[16];
    snprintf(a, sizeof a, "0x%X", APP_ADDR);
    char *src[] = { a, r->path, overlap, path2 };
    eb_err err = { 0 };
    assert_int_equal(plan_build(4, src, &(struct plan_opts){ 0 }, &r->plan, &err), 0);
    assert_true(r->plan.refused);
    struct device_flash_result res;
    assert_int_equal(flash(r, &res, &err, false), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_non_null(strstr(err.msg, "refused"));
    assert_int_equal(res.nregions, 0);
    device_flash_result_free(&res);
    for (size_t i = 0; i < APP_SIZE; i++)
        if (r->sp->flash.mem[APP_ADDR + i] != 0xFF)
            fail_msg("byte 0x%zX was written", i);
    rig_free(r);
}

static void test_read_and_erase(void **state)
{
    (void)state;
    struct rig *r = rig_new(true);
    struct device_flash_result res;
    eb_err err = { 0 };
    assert_int_equal(flash(r, &res, &err, true), 0);
    device_flash_result_free(&res);
    bytes got = { 0 };
    assert_int_equal(device_read(&r->d, APP_ADDR, 8192, &got, NULL, NULL, &err), 0);
    assert_int_equal(got.len, 8192);
    assert_memory_equal(got.data, r->app, 8192);
    bytes_free(&got);
    assert_int_equal(device_read(&r->d, (16u << 20) - 4096, 8192, &got, NULL, NULL, &err), -1);
    assert_int_equal(err.code, EB_USAGE); /* beyond the flash */
    bytes_free(&got);

    assert_int_equal(device_erase(&r->d, APP_ADDR, 0x2000, NULL, NULL, &err), 0);
    for (size_t i = 0; i < 0x2000; i++)
        assert_int_equal(r->sp->flash.mem[APP_ADDR + i], 0xFF);
    assert_int_equal(r->sp->flash.mem[APP_ADDR + 0x2000], r->app[0x2000]); /* the rest stays */
    assert_int_equal(device_erase(&r->d, APP_ADDR + 1, 0x1000, NULL, NULL, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_int_equal(device_erase_check(0x1000, 0, &err), -1);
    assert_int_equal(device_erase_check(0x1000, 0x3000, &err), 0);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_rom),
        cmocka_unit_test(test_verify_and_erase_report_progress_in_steps),
        cmocka_unit_test(test_flash_stub),
        cmocka_unit_test(test_verify_finds_a_changed_sector),
        cmocka_unit_test(test_cancel_before_and_between_blocks_then_resume),
        cmocka_unit_test(test_refused_plan_writes_nothing_unless_forced),
        cmocka_unit_test(test_read_and_erase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
