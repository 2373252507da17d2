/* test_plan_build.c - plan_build on the seed bundle and on generated
 * folders for every chip of the chip table, the story's exact finding,
 * the esptool command (quoting, port) and the raw merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "imgbuild.h"
#include "plan/plan.h"

static char seed_dir[1024];
static char tmp_dir[64];
static char made[16][1100];
static unsigned nmade;

static const char *tmp_file(const char *name, const bytes *data)
{
    char *path = made[nmade++];
    snprintf(path, sizeof made[0], "%s/%s", tmp_dir, name);
    eb_err err;
    assert_int_equal(file_write_atomic(path, data->data, data->len, &err), 0);
    return path;
}

static int make_tmp(void **state)
{
    (void)state;
    const char *shared = getenv("ESPBURN_SHARED");
    snprintf(seed_dir, sizeof seed_dir, "%s/firmware/m5stack-lobo-esp32-psram-all-bt",
             shared ? shared : "../shared");
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_plan_XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int clean_tmp(void **state)
{
    (void)state;
    while (nmade)
        unlink(made[--nmade]);
    return 0;
}

static int remove_tmp(void **state)
{
    clean_tmp(state);
    return rmdir(tmp_dir);
}

static void build(const char **src, int n, const struct plan_opts *o, struct plan *p)
{
    eb_err err = { 0 };
    if (plan_build(n, (char **)src, o, p, &err))
        fail_msg("plan_build: %s", err.msg);
}

static const struct finding *find(const struct plan *p, const char *code)
{
    for (unsigned i = 0; i < p->nfindings; i++)
        if (strcmp(p->findings[i].code, code) == 0)
            return &p->findings[i];
    return NULL;
}

static void test_seed_folder(void **state)
{
    (void)state;
    struct plan p;
    struct plan_opts o = { 0 };
    const char *src[] = { seed_dir };
    build(src, 1, &o, &p);
    static const uint32_t addr[] = { 0x1000, 0x8000, 0xf000, 0x10000 };
    static const enum role role[] = { ROLE_BOOTLOADER, ROLE_PARTITION_TABLE, ROLE_PHY_INIT, ROLE_APP };
    assert_int_equal(p.nregions, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(p.regions[i].addr, addr[i]);
        assert_int_equal(p.regions[i].id->role, role[i]);
    }
    assert_string_equal(p.regions[2].partition, "phy_init");
    assert_string_equal(p.regions[3].partition, "MicroPython");
    assert_false(p.refused);
    assert_string_equal(p.chip->name, "esp32");
    assert_true(p.has_table && p.table_offset == 0x8000);
    bytes cmd = { 0 };
    assert_int_equal(
        plan_esptool_command(&p, &(struct esptool_args){ .port = "/dev/ttyUSB0", .baud = 460800 }, &cmd), 0);
    assert_non_null(strstr((const char *)cmd.data,
                           "esptool --chip esp32 -p /dev/ttyUSB0 -b 460800 write-flash "
                           "--flash-mode dio --flash-freq 40m --flash-size detect 0x1000 "));
    bytes_free(&cmd);
    /* esptool v4's spelling on request */
    assert_int_equal(
        plan_esptool_command(&p, &(struct esptool_args){ .port = "/dev/ttyUSB0", .baud = 460800, .v4 = true },
                             &cmd),
        0);
    assert_non_null(strstr((const char *)cmd.data,
                           "esptool.py --chip esp32 -p /dev/ttyUSB0 -b 460800 write_flash "
                           "--flash_mode dio --flash_freq 40m --flash_size detect 0x1000 "));
    bytes_free(&cmd);
    plan_free(&p);
}

static void test_story_finding(void **state)
{
    (void)state;
    char arg[1100];
    snprintf(arg, sizeof arg, "%s/MicroPython.bin@0x1000", seed_dir);
    const char *src[] = { arg };
    struct plan p;
    struct plan_opts o = { 0 };
    build(src, 1, &o, &p);
    assert_true(p.refused);
    const struct finding *f = find(&p, "app-at-bootloader-offset");
    assert_non_null(f);
    assert_int_equal(f->level, FIND_ERROR);
    assert_string_equal(
        f->text, "MicroPython.bin is an application (its first segment maps flash at 0x3f400020); at 0x1000 "
                 "the ROM would try to load it as the bootloader and reset forever. Write bootloader.bin at "
                 "0x1000 and MicroPython.bin at 0x10000, with the partition table at 0x8000.");
    assert_non_null(strstr(f->effect, "resets"));
    plan_free(&p);
}

/* Every chip: a generated folder places the bootloader at the chip's
 * offset and the app in its partition, with nothing to complain about. */
static void test_every_chip(void **state)
{
    for (const struct chip *c = chip_table; c->name; c++) {
        bytes boot = { 0 }, app = { 0 }, table = { 0 };
        ib_bootloader(&boot, c, true);
        ib_app(&app, c, true, c->mmu_page_size ? 0 : 16, 0);
        struct ib_part parts[] = { { "nvs", 1, 2, 0x9000, 0x6000 }, { "factory", 0, 0, 0x10000, 0x100000 } };
        ib_table(&table, parts, 2);
        tmp_file("b", &boot), tmp_file("t", &table), tmp_file("a", &app);
        const char *src[] = { tmp_dir };
        struct plan p;
        struct plan_opts o = { 0 };
        build(src, 1, &o, &p);
        assert_string_equal(p.chip->name, c->name);
        assert_int_equal(p.nregions, 3);
        assert_int_equal(p.regions[0].addr, c->bootloader_offset);
        assert_int_equal(p.regions[0].id->role, ROLE_BOOTLOADER);
        assert_int_equal(p.regions[2].addr, 0x10000);
        assert_int_equal(p.regions[2].id->role, ROLE_APP);
        for (unsigned i = 0; i < p.nfindings; i++)
            if (p.findings[i].level != FIND_INFO)
                fail_msg("%s: unexpected %s", c->name, p.findings[i].text);
        plan_free(&p);
        bytes_free(&boot), bytes_free(&app), bytes_free(&table);
        clean_tmp(state);
    }
}

static void test_command_quoting_and_merge(void **state)
{
    bytes a = { 0 }, b = { 0 };
    bytes_append(&a, "\x01\x02\x03\x04", 4);
    bytes_append(&b, "\x05\x06", 2);
    const char *pa = tmp_file("it's a.bin", &a);
    const char *pb = tmp_file("b.bin", &b);
    const char *src[] = { "0x3000", pb, "0x1000", pa };
    struct plan p;
    struct plan_opts o = { .chip = chip_by_name("esp32s3") };
    build(src, 4, &o, &p);
    assert_int_equal(p.regions[0].addr, 0x1000);
    bytes cmd = { 0 };
    assert_int_equal(plan_esptool_command(&p, &(struct esptool_args){ 0 }, &cmd), 0);
    assert_non_null(strstr((const char *)cmd.data, "--chip esp32s3 -p PORT "));
    assert_non_null(strstr((const char *)cmd.data, "/it'\\''s a.bin'"));
    bytes_free(&cmd);
    bytes img = { 0 };
    eb_err err = { 0 };
    assert_int_equal(plan_merge_raw(&p, 0x1000, &img, &err), 0);
    assert_int_equal(img.len, 0x2002);
    assert_memory_equal(img.data, "\x01\x02\x03\x04\xff", 5);
    assert_int_equal(img.data[0x1fff], 0xFF);
    assert_memory_equal(img.data + 0x2000, "\x05\x06", 2);
    bytes_free(&img);
    assert_int_equal(plan_merge_raw(&p, 0x2000, &img, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    plan_free(&p);
    bytes_free(&a), bytes_free(&b);
    clean_tmp(state);
}

static void test_unreadable_sources(void **state)
{
    (void)state;
    struct plan p;
    struct plan_opts o = { 0 };
    eb_err err = { 0 };
    const char *missing[] = { "/nonexistent/espburn/x.bin" };
    assert_int_equal(plan_build(1, (char **)missing, &o, &p, &err), -1);
    assert_int_equal(err.code, EB_IO);
    const char *lone_addr[] = { "0x1000" };
    assert_int_equal(plan_build(1, (char **)lone_addr, &o, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    const char *empty[] = { tmp_dir };
    assert_int_equal(plan_build(1, (char **)empty, &o, &p, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_folder),        cmocka_unit_test(test_story_finding),
        cmocka_unit_test(test_every_chip),         cmocka_unit_test(test_command_quoting_and_merge),
        cmocka_unit_test(test_unreadable_sources),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
