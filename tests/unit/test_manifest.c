/* test_manifest.c - the manifest and script parsers (src/plan/manifest.c):
 * every kind, the seed's flash.sh, and every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/file.h"
#include "plan/manifest.h"

static struct manifest m;

static int parse(const char *text, const struct chip *want, eb_err *err)
{
    return mf_parse(text, strlen(text), want, &m, err);
}

static void expect_entry(unsigned i, uint32_t addr, const char *path)
{
    assert_true(i < m.n);
    assert_int_equal(m.e[i].addr, addr);
    assert_string_equal(m.e[i].path, path);
}

static void test_addresses(void **state)
{
    (void)state;
    uint32_t a;
    assert_true(mf_parse_addr("0x1000", &a) && a == 0x1000);
    assert_true(mf_parse_addr("0X10000", &a) && a == 0x10000);
    assert_true(mf_parse_addr("4096", &a) && a == 4096);
    assert_true(mf_parse_addr("0xffffffff", &a) && a == 0xFFFFFFFFu);
    assert_false(mf_parse_addr("0x100000000", &a));
    assert_false(mf_parse_addr("0x", &a));
    assert_false(mf_parse_addr("-1", &a));
    assert_false(mf_parse_addr(" 1", &a));
    assert_false(mf_parse_addr("12abc", &a));
    assert_false(mf_parse_addr("app.bin", &a));
    assert_false(mf_parse_addr("", &a));
}

static void test_containment(void **state)
{
    (void)state;
    assert_true(mf_path_is_contained("app.bin"));
    assert_true(mf_path_is_contained("build/bootloader/bootloader.bin"));
    assert_true(mf_path_is_contained("a/../b.bin"));
    assert_true(mf_path_is_contained("./x.bin"));
    assert_false(mf_path_is_contained("../x.bin"));
    assert_false(mf_path_is_contained("a/../../x.bin"));
    assert_false(mf_path_is_contained("a\\..\\..\\x.bin"));
    assert_false(mf_path_is_contained("/etc/passwd"));
    assert_false(mf_path_is_contained("C:\\fw\\app.bin"));
    assert_false(mf_path_is_contained("https://example.com/app.bin"));
    assert_false(mf_path_is_contained(""));
}

/* What a parsed manifest must hold; NULL strings are not checked, and the
 * entries listed are checked by their index. */
struct expected {
    const char *kind, *chip, *flash_mode, *flash_freq, *flash_size;
    unsigned n;
    struct {
        unsigned index;
        uint32_t addr;
        const char *path;
    } e[4];
};

static void expect_field(const char *got, const char *want)
{
    if (want)
        assert_string_equal(got, want);
}

static void expect_manifest(const struct expected *x)
{
    expect_field(m.kind, x->kind);
    expect_field(m.chip, x->chip);
    expect_field(m.flash_mode, x->flash_mode);
    expect_field(m.flash_freq, x->flash_freq);
    expect_field(m.flash_size, x->flash_size);
    assert_int_equal(m.n, x->n);
    for (size_t i = 0; i < sizeof x->e / sizeof x->e[0] && x->e[i].path; i++)
        expect_entry(x->e[i].index, x->e[i].addr, x->e[i].path);
}

/* The seed's flash.sh, read from ../shared when it is there. */
static void test_seed_flash_sh(void **state)
{
    (void)state;
    const char *shared = getenv("ESPBURN_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/firmware/m5stack-lobo-esp32-psram-all-bt/flash.sh",
             shared ? shared : "../shared");
    bytes text = { 0 };
    eb_err err = { 0 };
    if (file_read(path, 1 << 20, &text, &err) != 0)
        fail_msg("seed flash.sh missing: %s", err.msg);
    assert_int_equal(mf_parse((const char *)text.data, text.len, NULL, &m, &err), 0);
    bytes_free(&text);
    static const struct expected seed = {
        "esptool command line",
        "esp32",
        "dio",
        "40m",
        "detect",
        4,
        { { 0, 0x1000, "bootloader/bootloader.bin" },
          { 1, 0xf000, "phy_init_data.bin" },
          { 2, 0x10000, "MicroPython.bin" },
          { 3, 0x8000, "partitions_mpy.bin" } },
    };
    expect_manifest(&seed);
}

/* Every kind of manifest and script that parses, and what it must give. */
static const struct {
    const char *what, *text;
    struct expected want;
} FORMS[] = {
    { "esptool v5 spelling, '=' values, quotes, continuation, a second command after it",
      "#!/bin/sh\n# 0x9000 not.bin\npython -m esptool -c esp32s3 write-flash \\\n"
      "  --flash-mode=qio -fs 8MB 0x0 'my boot.bin' 0x10000 \"app.bin\" && echo 0x5 x\n",
      { NULL, "esp32s3", "qio", NULL, "8MB", 2, { { 0, 0, "my boot.bin" }, { 1, 0x10000, "app.bin" } } } },
    { "batch file: ^ continuations, REM, backslashes become slashes",
      "@echo off\r\nREM 0x1 x.bin\r\nesptool.exe --chip esp32 write_flash -z ^\r\n"
      "0x1000 %~dp0bin\\boot.bin 0x10000 bin\\app.bin\r\npause\r\n",
      { NULL, NULL, NULL, NULL, NULL, 2, { { 0, 0x1000, "bin/boot.bin" }, { 1, 0x10000, "bin/app.bin" } } } },
    { "ESP-IDF flash_project_args",
      "--flash_mode dio --flash_freq 80m --flash_size 2MB\n0x1000 bootloader/bootloader.bin\n"
      "0x10000 hello.bin\n0x8000 partition_table/partition-table.bin\n",
      { "flash_project_args",
        NULL,
        NULL,
        "80m",
        NULL,
        3,
        { { 2, 0x8000, "partition_table/partition-table.bin" } } } },
    { "ESP-IDF flasher_args.json",
      "{\"flash_settings\": {\"flash_mode\": \"dio\", \"flash_size\": \"4MB\", "
      "\"flash_freq\": \"40m\"}, \"flash_files\": {\"0x1000\": \"bootloader/bootloader.bin\", "
      "\"0x10000\": \"app.bin\"}, \"bootloader\": {\"offset\": \"0x1000\", "
      "\"file\": \"bootloader/bootloader.bin\"}, \"extra_esptool_args\": {\"chip\": \"esp32\"}}",
      { "flasher_args.json",
        "esp32",
        NULL,
        NULL,
        "4MB",
        2,
        { { 0, 0x1000, "bootloader/bootloader.bin" } } } },
    { "any JSON pairing files with addresses, at any depth",
      "{\"fw\": {\"chip\": \"esp32\", \"flashMode\": \"qio\", \"parts\": ["
      "{\"file\": \"boot.bin\", \"addr\": \"0x1000\"}, {\"name\": \"app\", \"path\": \"app.bin\","
      " \"address\": 65536}], \"extra\": {\"0x8000\": \"table.bin\"}}}",
      { "JSON file list",
        "esp32",
        "qio",
        NULL,
        NULL,
        3,
        { { 0, 0x1000, "boot.bin" }, { 1, 0x10000, "app.bin" }, { 2, 0x8000, "table.bin" } } } },
};

static void test_forms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FORMS / sizeof FORMS[0]; i++) {
        eb_err err = { 0 };
        print_message("%s\n", FORMS[i].what);
        assert_int_equal(parse(FORMS[i].text, NULL, &err), 0);
        expect_manifest(&FORMS[i].want);
    }
}

static const char WEB[] =
    "{\"name\": \"x\", \"builds\": [{\"chipFamily\": \"ESP32\", \"parts\": [{\"path\": \"a.bin\", \"offset\": 4096}]},"
    "{\"chipFamily\": \"ESP32-S3\", \"parts\": [{\"path\": \"s3.bin\", \"offset\": \"0x0\"}]}]}";

static void test_web_tools(void **state)
{
    (void)state;
    eb_err err = { 0 };
    assert_int_equal(parse(WEB, chip_by_name("esp32s3"), &err), 0);
    assert_string_equal(m.kind, "esp-web-tools manifest");
    assert_string_equal(m.chip, "ESP32-S3");
    assert_int_equal(m.n, 1);
    expect_entry(0, 0, "s3.bin");
    assert_int_equal(parse(WEB, chip_by_name("esp32"), &err), 0);
    expect_entry(0, 0x1000, "a.bin");
    assert_int_equal(parse(WEB, NULL, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_non_null(strstr(err.msg, "ESP32, ESP32-S3"));
    assert_int_equal(parse(WEB, chip_by_name("esp32c3"), &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_int_equal(parse("{\"builds\": []}", NULL, &err), -1);
    assert_int_equal(
        parse("{\"builds\": [{\"chipFamily\": \"ESP32\", \"parts\": [{\"path\": 3}]}]}", NULL, &err), -1);
}

static void test_errors(void **state)
{
    (void)state;
    eb_err err = { 0 };
    assert_int_equal(parse("{\"a\": ", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "JSON"));
    assert_int_equal(parse("{\"a\": 1}", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "names no file"));
    assert_int_equal(parse("esptool.py write_flash 0x10000 $BUILD/app.bin\n", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "variable"));
    assert_int_equal(parse("esptool.py write_flash 0x10000\nls\n", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "no file after it"));
    assert_int_equal(parse("esptool.py write_flash --flash_mode\n", NULL, &err), -1);
    assert_int_equal(parse("hello world, this is not a manifest\n", NULL, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    assert_int_equal(parse("", NULL, &err), -1);
    assert_int_equal(parse("[{\"file\": \"a.bin\", \"offset\": 1.5}]", NULL, &err), -1);
    char many[64 * 24 + 32] = "write_flash";
    for (int i = 0; i <= MF_MAX_ENTRIES; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), " 0x%x f%d", i * 0x1000, i);
    assert_int_equal(parse(many, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "at most"));
    char longword[MF_PATH_MAX + 40] = "write_flash 0x0 ";
    memset(longword + strlen(longword), 'a', MF_PATH_MAX + 10);
    longword[sizeof longword - 1] = '\0';
    assert_int_equal(parse(longword, NULL, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),     cmocka_unit_test(test_containment),
        cmocka_unit_test(test_seed_flash_sh), cmocka_unit_test(test_forms),
        cmocka_unit_test(test_web_tools),     cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
