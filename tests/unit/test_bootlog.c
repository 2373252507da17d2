/* test_bootlog.c - the boot-log analyzer: every catalogue entry is
 * recognised, the seed case is worded exactly, chunking does not change
 * the result, loops and their period, lines cut by a reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/bootlog.h"
#include "boot/bootlog_brief.h"
#include "boot/pattern.h"

static const char SEED[] = "rst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\n"
                           "configsip: 0, SPIWP:0xee\n"
                           "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\n"
                           "mode:DIO, clock div:2\n"
                           "load:0x3f400020,len:462120\n"
                           "ets Jun  8 2016 00:22:57\n";

static void test_pattern_matcher(void **state)
{
    (void)state;
    struct pat_caps c;
    assert_true(pat_find("ets %s %d %d", "xx ets Jun  8 2016 00:22:57", &c)); /* blanks: one or more */
    assert_string_equal(c.cap[0], "Jun");
    assert_string_equal(c.cap[2], "2016");
    assert_true(pat_find("load:0x%x,len:%s", "load:0x3f400020,len:462120", &c));
    assert_string_equal(c.cap[0], "3f400020"); /* %x keeps no 0x */
    assert_string_equal(c.cap[1], "462120");
    assert_true(pat_find("err %d", "err -12", &c));
    assert_string_equal(c.cap[0], "-12");
    assert_false(pat_find("err %d", "err -", &c));
    assert_true(pat_find("(%s)", "(ESP_ERR_NOT_FOUND) at", &c)); /* %s stops at ')' */
    assert_string_equal(c.cap[0], "ESP_ERR_NOT_FOUND");
    assert_true(pat_find("100%% done", "now 100% done", NULL));
    assert_false(pat_match_at("abc", "xabc", NULL));
    assert_false(pat_find("abc", "", NULL));
}

static struct bootlog *run(const char *text, const struct chip *chip)
{
    struct bootlog_opts o = { .chip = chip };
    struct bootlog *bl = bootlog_new(&o);
    assert_non_null(bl);
    bootlog_feed(bl, text, strlen(text), -1);
    bootlog_finish(bl);
    return bl;
}

static const struct bootlog_finding *find(const struct bootlog *bl, const char *code)
{
    for (unsigned i = 0; i < bootlog_count(bl); i++)
        if (strcmp(bootlog_finding(bl, i)->code, code) == 0)
            return bootlog_finding(bl, i);
    return NULL;
}

/* Whether the log, analysed on its own, gives a finding with that code. */
static bool has_finding(const char *text, const struct chip *chip, const char *code)
{
    struct bootlog *bl = run(text, chip);
    bool found = find(bl, code) != NULL;
    bootlog_free(bl);
    return found;
}

/* One line as a chip prints it, per catalogue entry (real text where users
 * posted it). */
static const char *const samples[] = {
    "flash read err, 1000",
    "invalid header: 0xffffffff",
    "invalid header: 0x2068746f",
    "csum err:0x78!=0xfc",
    "Checksum failure. Calculated 0x12 stored 0x34",
    "SHA-256 comparison failed:",
    "waiting for download",
    "ets_main.c 371 ",
    "E (30) esp_image: image at 0x10000 has invalid magic byte (nothing flashed here?)",
    "E (397) esp_image: Image length 1146800 doesn't fit in partition length 1048576",
    "E (358) esp_image: Checksum failed. Calculated 0xc read 0x52",
    "E (99) esp_image: Image hash failed - image is corrupt",
    "E (99) esp_image: invalid segment length 0xffffffff",
    "E (127) esp_image: Segment 0 0x3fcd5820-0x3fcd6f2c invalid: overlaps bootloader stack",
    "E (759) boot_comm: mismatch chip ID, expected 0, found 65535",
    "E (48) flash_parts: partition 4 invalid - offset 0x1f0000 size 0x1e0000 exceeds flash chip size 0x200000",
    "E (84) flash_parts: partition 0 invalid magic number 0x3333",
    "E (60) flash_parts: Incorrect MD5 checksum",
    "E (54) boot: Failed to verify partition table",
    "E (449) boot: No bootable app partitions in the partition table",
    "E (397) boot: Factory app partition is not bootable",
    "E (61) spi_flash: Detected size(4096k) smaller than the size in the binary image header(16384k). Probe failed.",
    "E (144) boot: ota data partition invalid and no factory, will try all partitions",
    "W (62) spi_flash: Detected size(8192k) larger than the size in the binary image header(4096k). Using the size in the binary image header.",
    "ESP_ERROR_CHECK failed: esp_err_t 0x105 (ESP_ERR_NOT_FOUND) at 0x40088a1c",
    "Brownout detector was triggered",
    "E (305) psram: PSRAM ID read error: 0x00ffffff",
    "E (305) spiram: SPI RAM enabled but initialization failed. Bailing out.",
    "E (243) cpu_start: Failed to init external RAM!",
    "***ERROR*** A stack overflow in task loopTask has been detected.",
    "abort() was called at PC 0x420069b0 on core 0",
    "assert failed: xQueueSemaphoreTake queue.c:1545 (( pxQueue ))",
    "E (10268) task_wdt: Task watchdog got triggered. The following tasks did not reset the watchdog in time:",
    "CORRUPT HEAP: Bad head at 0x3ffb9a2c. Expected 0xabba1234 got 0x3ffb9a80",
    "Stack smashing protect failure!",
};

/* The entry a line is taken for: the first whose pattern it matches. */
static const struct bootlog_msg *first_entry(const char *line)
{
    for (const struct bootlog_msg *m = bootlog_catalogue; m->code; m++)
        if (pat_find(m->pattern, line, NULL))
            return m;
    return NULL;
}

static void test_every_catalogue_entry_is_recognised(void **state)
{
    (void)state;
    for (const struct bootlog_msg *m = bootlog_catalogue; m->code; m++) {
        bool tested = false;
        for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
            if (first_entry(samples[i]) != m)
                continue;
            struct bootlog *bl = run(samples[i], NULL);
            const struct bootlog_finding *f = find(bl, m->code);
            bool ok = f && f->level == m->level && f->what[0] && f->why[0] && f->fix[0] &&
                      !strchr(f->what, '$') && !strchr(f->what, '{') && !strchr(f->fix, '{');
            bootlog_free(bl);
            if (!ok)
                fail_msg("'%s' did not give a complete %s finding", samples[i], m->code);
            tested = true;
        }
        if (!tested)
            fail_msg("catalogue entry %s (%s) has no sample line", m->code, m->pattern);
    }
}

static void test_seed_is_worded_exactly(void **state)
{
    (void)state;
    struct bootlog *bl = run(SEED, NULL);
    const struct bootlog_finding *f = find(bl, "app-at-bootloader-offset");
    assert_non_null(f);
    if (!f) /* cmocka's assert does not tell the compiler it stops here */
        return;
    assert_string_equal(
        f->what,
        "the ROM is loading an APPLICATION as the second-stage bootloader: its first segment maps flash at "
        "0x3f400020 (DROM, 462,120 bytes), which the ROM cannot load; the RTC watchdog resets the chip, forever");
    assert_non_null(strstr(f->fix, "bootloader.bin) at 0x1000"));
    assert_non_null(strstr(f->fix, "0x8000"));
    assert_non_null(strstr(f->fix, "0x10000"));
    assert_int_equal(f->level, BOOTLOG_FAIL);
    assert_int_equal(f->target, BOOTLOG_TARGET_BOOTLOADER);
    assert_non_null(find(bl, "boot-loop"));
    assert_true(bootlog_failed(bl));
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    assert_string_equal(s.chip->name, "esp32");
    assert_int_equal(s.boots, 2);
    bootlog_free(bl);
}

/* An ESP32 bootloader's segments go to RAM: no complaint. */
static void test_real_bootloader_segments_are_fine(void **state)
{
    (void)state;
    struct bootlog *bl =
        run("ets Jun  8 2016 00:22:57\n\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
            "configsip: 0, SPIWP:0xee\nmode:DIO, clock div:2\nload:0x3fff0018,len:4\n"
            "load:0x3fff001c,len:5656\nload:0x40078000,len:14868\nentry 0x40078628\n"
            "I (37) boot: ESP-IDF v3.1-dev-961-ga255622-dirty 2nd stage bootloader\n"
            "I (430) cpu_start: Pro cpu up.\n",
            NULL);
    assert_false(bootlog_failed(bl));
    assert_non_null(find(bl, "healthy"));
    assert_null(find(bl, "boot-loop"));
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    assert_int_equal(s.stage, BOOTLOG_STAGE_APP);
    assert_string_equal(s.idf_version, "v3.1-dev-961-ga255622-dirty");
    bootlog_free(bl);
}

static void same_findings(const struct bootlog *a, const struct bootlog *b)
{
    assert_int_equal(bootlog_count(a), bootlog_count(b));
    for (unsigned i = 0; i < bootlog_count(a); i++) {
        assert_string_equal(bootlog_finding(a, i)->key, bootlog_finding(b, i)->key);
        assert_string_equal(bootlog_finding(a, i)->what, bootlog_finding(b, i)->what);
        assert_int_equal(bootlog_finding(a, i)->count, bootlog_finding(b, i)->count);
    }
}

/* A serial port delivers any chunking, CRLF included: same answer. */
static void test_chunking_does_not_matter(void **state)
{
    (void)state;
    struct bootlog *whole = run(SEED, NULL);
    struct bootlog *bytewise = bootlog_new(NULL), *crlf = bootlog_new(NULL);
    for (size_t i = 0; SEED[i]; i++) {
        bootlog_feed(bytewise, &SEED[i], 1, -1);
        if (SEED[i] == '\n')
            bootlog_feed(crlf, "\r\n", 2, -1);
        else
            bootlog_feed(crlf, &SEED[i], 1, -1);
    }
    bootlog_finish(bytewise);
    bootlog_finish(crlf);
    same_findings(whole, bytewise);
    same_findings(whole, crlf);
    bootlog_free(whole);
    bootlog_free(bytewise);
    bootlog_free(crlf);
}

/* Arrival times from a live port give the loop period. */
static void test_loop_period_from_arrival_times(void **state)
{
    (void)state;
    struct bootlog *bl = bootlog_new(NULL);
    for (int i = 0; i < 5; i++) {
        const char *boot =
            "ets Jun  8 2016 00:22:57\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
            "flash read err, 1000\nets_main.c 371 \n";
        bootlog_feed(bl, boot, strlen(boot), 100.0 + 0.25 * i);
    }
    bootlog_finish(bl);
    const struct bootlog_finding *f = find(bl, "boot-loop");
    assert_non_null(f);
    assert_non_null(strstr(f->what, "started 5 times"));
    assert_non_null(strstr(f->what, "about every 0.2 s") ? f->what : strstr(f->what, "about every 0.3 s"));
    assert_non_null(strstr(f->what, "RTCWDT_RTC_RESET"));
    assert_non_null(strstr(f->why, "no valid bootloader"));
    bootlog_free(bl);
}

/* A reset cuts a line: the banner starts a boot, the half number before
 * it is not taken for a header word. */
static void test_banner_inside_a_line(void **state)
{
    (void)state;
    struct bootlog *bl = run("invalid header: 0xffffffff\ninvalid header: 0xfESP-ROM:esp32s3-20210327\n"
                             "Build:Mar 27 2021\nrst:0x7 (TG0WDT_SYS_RST),boot:0x28 (SPI_FAST_FLASH_BOOT)\n",
                             NULL);
    assert_null(find(bl, "bad-bootloader-header"));
    const struct bootlog_finding *f = find(bl, "no-bootloader");
    assert_non_null(f);
    assert_non_null(strstr(f->what, "at 0x0")); /* reworded once the S3 banner came */
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    assert_string_equal(s.chip->name, "esp32s3");
    bootlog_free(bl);
}

static void test_download_mode_by_name_and_by_pin(void **state)
{
    (void)state;
    struct bootlog *bl = run("rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\n"
                             "waiting for download\n",
                             NULL);
    const struct bootlog_finding *f = find(bl, "download-mode");
    assert_non_null(f);
    assert_int_equal(f->count, 1); /* one problem, one finding */
    assert_false(bootlog_failed(bl));
    bootlog_free(bl);
    /* S3: GPIO0 is bit 0x08; the mode name lost to line noise */
    bl = run("ESP-ROM:esp32s3-20210327\nrst:0x1 (POWERON),boot:0x0 (\n", NULL);
    f = find(bl, "download-mode");
    assert_non_null(f);
    assert_non_null(strstr(f->why, "GPIO0"));
    bootlog_free(bl);
    assert_false(
        has_finding("ESP-ROM:esp32c3-api1-20210207\nrst:0x1 (POWERON),boot:0xc (\n", NULL, "download-mode"));
}

static void test_strapping_1v8(void **state)
{
    (void)state;
    struct bootlog *bl =
        run("ets Jun  8 2016 00:22:57\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x33 (SPI_FAST_FLASH_BOOT)\n", NULL);
    const struct bootlog_finding *f = find(bl, "flash-1v8-strap");
    assert_non_null(f);
    assert_non_null(strstr(f->what, "MTDI (GPIO12)"));
    bootlog_free(bl);
    assert_false(
        has_finding("ets Jun  8 2016 00:22:57\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n",
                    NULL, "flash-1v8-strap"));
}

static void test_quad_mode_header(void **state)
{
    (void)state;
    struct bootlog *bl =
        run("rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nmode:QOUT, clock div:2\n", NULL);
    const struct bootlog_finding *f = find(bl, "quad-mode-header");
    assert_non_null(f);
    assert_string_equal(f->what, "the bootloader's header asks the ROM for QOUT flash mode");
    bootlog_free(bl);
    assert_false(
        has_finding("rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nmode:DIO, clock div:2\n",
                    NULL, "quad-mode-header"));
}

static void test_reset_reason_by_number_and_name(void **state)
{
    (void)state;
    /* a brown-out reset is a failure even without the detector's message */
    struct bootlog *bl = run(
        "ets Jun  8 2016 00:22:57\nrst:0xf (RTCWDT_BROWN_OUT_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n", NULL);
    assert_non_null(find(bl, "brownout"));
    bootlog_free(bl);
    /* the number alone, named from the chip's table */
    assert_true(has_finding("rst:0xf,boot:0x13\n", chip_by_name("esp32"), "brownout"));
}

static void test_panic_with_null_pointer(void **state)
{
    (void)state;
    struct bootlog *bl =
        run("Guru Meditation Error: Core  1 panic'ed (LoadProhibited). Exception was unhandled.\n"
            "EXCVADDR: 0x00000134  LBEG    : 0x400014fd\n"
            "Backtrace: 0x400ebc34:0x3ffb1f10 0x400d2778:0x3ffb1f40 |<-CORRUPTED\n",
            NULL);
    const struct bootlog_finding *f = find(bl, "panic");
    assert_non_null(f);
    assert_non_null(strstr(f->what, "LoadProhibited"));
    assert_non_null(strstr(f->why, "NULL pointer"));
    f = find(bl, "backtrace");
    assert_non_null(f);
    assert_non_null(strstr(f->what, "0x400ebc34 <- 0x400d2778"));
    assert_non_null(strstr(f->why, "CORRUPTED"));
    bootlog_free(bl);
}

/* An ESP32-S3 bootloader on an ESP32: its segments are RAM on the S3 only. */
static void test_bootloader_for_another_chip(void **state)
{
    (void)state;
    struct bootlog *bl =
        run("ets Jul 29 2019 12:21:46\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
            "configsip: 0, SPIWP:0xee\nmode:DIO, clock div:1\nload:0x3fce3808,len:9044\n",
            NULL);
    const struct bootlog_finding *f = find(bl, "bootloader-wrong-chip");
    assert_non_null(f);
    assert_non_null(strstr(f->what, "ESP32-S3"));
    assert_null(strstr(f->what, "ESP32-C3")); /* 0x3fce3808 is past the C3's DRAM */
    assert_non_null(strstr(f->what, "not on ESP32"));
    assert_null(find(bl, "bootloader-garbage"));
    bootlog_free(bl);
}

static void test_nothing_recognised(void **state)
{
    (void)state;
    struct bootlog *bl = run("\x80\x81garbage at the wrong baud rate\n", NULL);
    assert_non_null(find(bl, "nothing-recognised"));
    assert_false(bootlog_failed(bl));
    bootlog_free(bl);
}

/* A capture that starts after the ROM's lines: the later stages are
 * recognised, so it is not "nothing recognised", and "healthy" does not
 * claim the ROM was seen. */
static void test_capture_after_reset(void **state)
{
    (void)state;
    struct bootlog *bl = run("I (771) boot: Loaded app from partition at offset 0x10000\n"
                             "I (771) cpu_start: Pro cpu up.\n"
                             "I (870) cpu_start: Starting scheduler on PRO CPU.\n",
                             NULL);
    assert_null(find(bl, "nothing-recognised"));
    assert_non_null(find(bl, "capture-after-reset"));
    const struct bootlog_finding *f = find(bl, "healthy");
    assert_non_null(f);
    assert_null(strstr(f->what, "ROM"));
    bootlog_free(bl);
}

/* The short forms: every failure of the catalogue has its own; the seed
 * loop's line names its cause, with the plan's file once it is known. */
static void test_brief_forms(void **state)
{
    (void)state;
    for (const struct bootlog_msg *m = bootlog_catalogue; m->code; m++)
        if (m->level != BOOTLOG_INFO)
            assert_true(bootlog_brief_known(m->code));
    struct bootlog *bl = bootlog_new(NULL);
    for (int i = 0; i < 4; i++)
        bootlog_feed(bl, SEED, strlen(SEED), 0.4 * i);
    const struct bootlog_finding *loop = bootlog_loop(bl), *d = bootlog_diagnosis(bl);
    assert_non_null(loop);
    assert_string_equal(d->code, "app-at-bootloader-offset");
    struct bootlog_brief b;
    bootlog_brief(bl, d, &b);
    assert_string_equal(b.line, "the image at 0x1000 is an application \xe2\x80\x94 write it at 0x10000");
    assert_string_equal(b.cause, "application at the bootloader offset");
    assert_string_equal(b.fix, "espburn flash 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin");
    snprintf(bootlog_finding_mut(bl, (unsigned)(d - bootlog_finding(bl, 0)))->file, 64, "MicroPython.bin");
    bootlog_brief(bl, loop, &b);
    assert_true(b.titled);
    assert_string_equal(b.line, "boot loop \xc3\x97"
                                "5, every 0.4 s \xe2\x80\x94 cause: application at the "
                                "bootloader offset (MicroPython.bin)");
    assert_string_equal(b.fix,
                        "espburn flash 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 MicroPython.bin");
    bootlog_free(bl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_matcher),
        cmocka_unit_test(test_brief_forms),
        cmocka_unit_test(test_every_catalogue_entry_is_recognised),
        cmocka_unit_test(test_seed_is_worded_exactly),
        cmocka_unit_test(test_real_bootloader_segments_are_fine),
        cmocka_unit_test(test_chunking_does_not_matter),
        cmocka_unit_test(test_loop_period_from_arrival_times),
        cmocka_unit_test(test_banner_inside_a_line),
        cmocka_unit_test(test_download_mode_by_name_and_by_pin),
        cmocka_unit_test(test_strapping_1v8),
        cmocka_unit_test(test_quad_mode_header),
        cmocka_unit_test(test_reset_reason_by_number_and_name),
        cmocka_unit_test(test_panic_with_null_pointer),
        cmocka_unit_test(test_bootloader_for_another_chip),
        cmocka_unit_test(test_nothing_recognised),
        cmocka_unit_test(test_capture_after_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
