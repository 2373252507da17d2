/* test_sim_boot.c - the boot chain (src/sim/simboot.h) on the real seed
 * bundle placed right and wrong, and on layouts the tests build: erased
 * flash, bad checksums, bad table MD5, no app partition, an app too big
 * for its partition, otadata selection, wrong chip, faults, ESP32-S3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "imgbuild.h"
#include "sim/board.h"
#include "sim/simboot.h"
#include "sim/engine.h"

#define FLASH_SIZE (16u << 20)

struct rig {
    const struct sim_board *board;
    uint8_t *flash;
    struct simboot_in in;
    struct simboot_out out;
    char *text; /* out.text as a C string */
    char rst[SIMBOOT_RST_LEN];
};

static struct rig *rig_new(const char *board)
{
    struct rig *r = calloc(1, sizeof *r);
    r->board = sim_board_by_name(board);
    assert_non_null(r->board);
    r->flash = malloc(FLASH_SIZE);
    memset(r->flash, 0xFF, FLASH_SIZE);
    r->in = (struct simboot_in){ .chip = sim_board_chip(r->board),
                                 .banner = r->board->banner,
                                 .rst = simboot_rst(sim_board_chip(r->board), CHIP_RST_POWERON, r->rst),
                                 .boot = r->board->boot_flash,
                                 .flash = r->flash,
                                 .flash_size = sim_board_flash_size(r->board) };
    return r;
}

static void rig_boot(struct rig *r)
{
    simboot_out_free(&r->out);
    free(r->text);
    eb_err err;
    assert_int_equal(simboot_run(&r->in, &r->out, &err), 0);
    r->text = calloc(1, r->out.text.len + 1);
    memcpy(r->text, r->out.text.data, r->out.text.len);
}

/* The next round of a loop: the reset the last round ended with. */
static void rig_next_round(struct rig *r)
{
    static char rst[48];
    assert_int_equal(r->out.stop, SIMBOOT_STOP_RESET);
    snprintf(rst, sizeof rst, "%s", r->out.next_rst);
    r->in.rst = rst;
    r->in.saved_pc = r->out.next_saved_pc;
    rig_boot(r);
}

static void rig_free(struct rig *r)
{
    simboot_out_free(&r->out);
    free(r->text);
    free(r->flash);
    free(r);
}

static void place(struct rig *r, uint32_t off, const bytes *b)
{
    assert_true(off + b->len <= FLASH_SIZE);
    memcpy(r->flash + off, b->data, b->len);
}

static void place_seed(struct rig *r, const char *name, uint32_t off)
{
    bytes b = { 0 };
    if (!ib_seed(name, &b))
        fail_msg("seed file %s missing (set ESPBURN_SHARED)", name);
    place(r, off, &b);
    bytes_free(&b);
}

static void place_seed_bundle(struct rig *r)
{
    place_seed(r, "bootloader/bootloader.bin", 0x1000);
    place_seed(r, "partitions_mpy.bin", 0x8000);
    place_seed(r, "phy_init_data.bin", 0xF000);
    place_seed(r, "MicroPython.bin", 0x10000);
}

/* The seed bundle on a Fire, with another partition table at 0x8000. */
static struct rig *rig_seed_with_table(const struct ib_part *p, unsigned n)
{
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    bytes t = { 0 };
    ib_table(&t, p, n);
    place(r, 0x8000, &t);
    bytes_free(&t);
    return r;
}

static void assert_has(const struct rig *r, const char *needle)
{
    if (!strstr(r->text, needle))
        fail_msg("missing \"%s\" in boot output:\n%s", needle, r->text);
}

static void assert_lacks(const struct rig *r, const char *needle)
{
    if (strstr(r->text, needle))
        fail_msg("unexpected \"%s\" in boot output:\n%s", needle, r->text);
}

/* An ESP-IDF log line's text after its "(ms) " stamp, colours included. */
static void assert_log(const struct rig *r, const char *level_color, const char *tag_and_text)
{
    for (const char *p = r->text; (p = strstr(p, level_color)); p++) {
        const char *close = strstr(p, ") ");
        if (close && strncmp(close + 2, tag_and_text, strlen(tag_and_text)) == 0)
            return;
    }
    fail_msg("missing log line \"%s ... %s\" in:\n%s", level_color, tag_and_text, r->text);
}

#define ROM_FIRE_POWERON \
    "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\n"
#define ROM_HEADER_DIO_40                                                         \
    "configsip: 0, SPIWP:0xee\r\n"                                                \
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n" \
    "mode:DIO, clock div:2\r\n"
#define I_ "\x1b[0;32mI ("
#define E_ "\x1b[0;31mE ("
#define W_ "\x1b[0;33mW ("

/* ---- the seed bundle --------------------------------------------------- */

static void test_seed_clean_boot(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    rig_boot(r);
    /* ROM stage, byte for byte: the seed bootloader's four segments; the
     * fourth header starts 12 bytes into a 16-byte block. */
    const char *rom = ROM_FIRE_POWERON ROM_HEADER_DIO_40 "load:0x3fff0018,len:4\r\n"
                                                         "load:0x3fff001c,len:5868\r\n"
                                                         "load:0x40078000,len:7756\r\n"
                                                         "ho 0 tail 12 room 4\r\n"
                                                         "load:0x40080000,len:6016\r\n"
                                                         "entry 0x40080324\r\n";
    assert_memory_equal(r->text, rom, strlen(rom));
    /* Second stage: what this bootloader carries, in its colours. */
    assert_log(r, I_, "boot: ESP-IDF v3.1-rc1-53509c7b 2nd stage bootloader\x1b[0m\r\n");
    assert_log(r, I_, "boot: compile time 13:17:40\x1b[0m");
    assert_log(r, I_, "boot: SPI Mode       : DIO");
    assert_log(r, I_, "boot: SPI Flash Size : 4MB");
    assert_log(r, I_, "boot: ## Label            Usage          Type ST Offset   Length");
    assert_log(r, I_, "boot:  0 nvs              WiFi data        01 02 00009000 00006000");
    assert_log(r, I_, "boot:  1 phy_init         RF data          01 01 0000f000 00001000");
    assert_log(r, I_, "boot:  2 MicroPython      factory app      00 00 00010000 00240000");
    assert_log(r, I_, "boot:  3 internalfs       Unknown data     01 82 00250000 00100000");
    assert_log(r, I_, "boot: End of partition table");
    assert_log(r, I_, "esp_image: segment 0: paddr=0x00010020 vaddr=0x3f400020 size=0x70d28 (462120) map");
    assert_log(r, I_, "esp_image: segment 5: paddr=0x00090018 vaddr=0x400d0018 size=0x19eb4c (1698636) map");
    assert_log(r, I_, "esp_image: segment 8: paddr=0x00245214 vaddr=0x50000000 size=0x0098c (  2444) load");
    assert_log(r, I_, "boot: Loaded app from partition at offset 0x10000");
    assert_log(r, I_, "boot: Disabling RNG early entropy source...");
    assert_lacks(r, E_);
    /* App stage: said once, by the board, with the app's own banner. */
    assert_has(r, "[espburn sim] app stage: the application at 0x10000");
    assert_has(r, "MicroPython ESP32_LoBo_v3.2.24 - 2018-09-06 on ESP32&psRAM board with ESP32");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_APP);
    assert_int_equal(r->out.stage, SIMBOOT_STAGE_APP);
    assert_int_equal(r->out.app_offset, 0x10000);
    assert_true(r->out.app_micropython);
    /* The bootloader's first stamp is when the ROM's text has been sent. */
    const char *first = strstr(r->text, I_);
    int ms = atoi(first + strlen(I_));
    assert_in_range(ms, 20, 40);
    rig_free(r);
}

/* The story: the application written at 0x1000. The ROM loads its header,
 * prints its DROM segment and the RTC watchdog resets it, forever. */
static void test_seed_app_at_bootloader_offset(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed(r, "MicroPython.bin", 0x1000);
    rig_boot(r);
    assert_string_equal(r->text, ROM_FIRE_POWERON ROM_HEADER_DIO_40 "load:0x3f400020,len:462120\r\n");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_RESET);
    assert_int_equal(r->out.stage, SIMBOOT_STAGE_ROM);
    assert_string_equal(r->out.next_rst, "0x10 (RTCWDT_RTC_RESET)");
    assert_in_range(r->out.reset_after_us, 350000, 450000);
    assert_non_null(strstr(r->out.cause, "0x3f400020"));
    rig_next_round(r);
    assert_string_equal(r->text,
                        "ets Jun  8 2016 00:22:57\r\n\r\n"
                        "rst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\n" ROM_HEADER_DIO_40
                        "load:0x3f400020,len:462120\r\n");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_RESET);
    rig_free(r);
}

static void test_erased_flash_rev1(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    rig_boot(r);
    assert_string_equal(r->text, ROM_FIRE_POWERON "flash read err, 1000\r\nets_main.c 371 \r\n");
    assert_string_equal(r->out.next_rst, "0x10 (RTCWDT_RTC_RESET)");
    assert_in_range(r->out.reset_after_us, 350000, 450000);
    rig_next_round(r);
    assert_has(r, "rst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\nflash read err, 1000");
    rig_free(r);
}

static void test_erased_flash_rev3(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-core2");
    rig_boot(r);
    char want[1024];
    snprintf(want, sizeof want,
             "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
    for (int i = 0; i < 8; i++)
        strcat(want, "invalid header: 0xffffffff\r\n");
    assert_string_equal(r->text, want);
    assert_string_equal(r->out.next_rst, "0x10 (RTCWDT_RTC_RESET)");
    rig_free(r);
}

static void test_s3_erased_flash(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-cores3");
    rig_boot(r);
    const char *head = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n"
                       "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
                       "invalid header: 0xffffffff\r\n";
    assert_memory_equal(r->text, head, strlen(head));
    assert_lacks(r, "SPIWP");
    assert_string_equal(r->out.next_rst, "0x7 (TG0WDT_SYS_RST)");
    rig_next_round(r);
    assert_has(r, "rst:0x7 (TG0WDT_SYS_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\nSaved PC:0x40049b21\r\n"
                  "invalid header: 0xffffffff\r\n");
    rig_free(r);
}

static void test_s3_clean_generated_boot(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-cores3");
    const struct chip *c = r->in.chip;
    bytes bl = { 0 }, app = { 0 }, table = { 0 };
    ib_bootloader(&bl, c, true);
    ib_app(&app, c, true, 16, 0);
    struct ib_part p[] = { { "nvs", 1, 2, 0x9000, 0x6000 }, { "factory", 0, 0, 0x10000, 0x100000 } };
    ib_table(&table, p, 2);
    place(r, 0, &bl);
    place(r, 0x8000, &table);
    place(r, 0x10000, &app);
    rig_boot(r);
    assert_has(r,
               "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\nSPIWP:0xee\r\nmode:DIO, clock div:2\r\n"
               "load:0x3fc88100,len:0x200\r\n");
    assert_lacks(r, "configsip");
    assert_has(r, "I (");
    assert_has(r, "boot: Loaded app from partition at offset 0x10000");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_APP);
    assert_string_equal(r->out.app_banner, "unitapp 1.2.3");
    bytes_free(&bl), bytes_free(&app), bytes_free(&table);
    rig_free(r);
}

/* One byte of the seed bootloader's segment 2 flipped: the ROM's checksum
 * line, then the line where this ROM gives up. */
static void bad_bootloader_checksum(const char *board, const char *expect)
{
    struct rig *r = rig_new(board);
    place_seed_bundle(r);
    r->flash[0x1000 + 0x100] ^= 0x5A;
    rig_boot(r);
    assert_has(r, expect);
    assert_lacks(r, "entry");
    assert_string_equal(r->out.next_rst, "0x10 (RTCWDT_RTC_RESET)");
    rig_free(r);
}

static void test_bootloader_bad_checksum(void **state)
{
    (void)state;
    bad_bootloader_checksum("m5stack-fire",
                            "load:0x40080000,len:6016\r\ncsum err:0xed!=0xb7\r\nets_main.c 371 \r\n");
}

static void test_bootloader_bad_checksum_rev3(void **state)
{
    (void)state;
    bad_bootloader_checksum("m5stack-core2",
                            "load:0x40080000,len:6016\r\ncsum err:0xed!=0xb7\r\nets_main.c 384 \r\n");
}

static void test_table_bad_md5(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    r->flash[0x8000 + 12] = 'N'; /* "nvs" -> "Nvs" without a new MD5 */
    rig_boot(r);
    assert_log(r, E_, "flash_parts: Incorrect MD5 checksum");
    assert_log(r, E_, "boot: Failed to verify partition table");
    assert_log(r, E_, "boot: load partition table error!");
    assert_lacks(r, "Partition Table:");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_RESET);
    assert_int_equal(r->out.stage, SIMBOOT_STAGE_BOOTLOADER);
    assert_string_equal(r->out.next_rst, "0x3 (SW_RESET)");
    rig_free(r);
}

static void test_table_exceeds_flash(void **state)
{
    (void)state;
    struct ib_part p[] = { { "nvs", 1, 2, 0x9000, 0x6000 }, { "factory", 0, 0, 0x10000, 0x600000 } };
    struct rig *r = rig_seed_with_table(p, 2); /* 6 MB app, the bootloader's header says 4MB */
    rig_boot(r);
    assert_log(
        r, E_,
        "flash_parts: partition 1 invalid - offset 0x10000 size 0x600000 exceeds flash chip size 0x400000");
    assert_log(r, E_, "boot: Failed to verify partition table");
    rig_free(r);
}

static void test_no_app_partition(void **state)
{
    (void)state;
    struct ib_part p[] = { { "nvs", 1, 2, 0x9000, 0x6000 }, { "phy_init", 1, 1, 0xF000, 0x1000 } };
    struct rig *r = rig_seed_with_table(p, 2);
    rig_boot(r);
    assert_log(r, I_, "boot: End of partition table");
    assert_log(r, E_, "boot: No bootable app partitions in the partition table");
    assert_lacks(r, "esp_image");
    assert_string_equal(r->out.next_rst, "0x3 (SW_RESET)");
    rig_free(r);
}

static void test_app_missing(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    memset(r->flash + 0x10000, 0xFF, 0x1000);
    rig_boot(r);
    assert_log(r, E_, "esp_image: image at 0x10000 has invalid magic byte");
    assert_log(r, W_, "esp_image: image at 0x10000 has invalid SPI mode 255");
    assert_log(r, W_, "esp_image: image at 0x10000 has invalid SPI size 15");
    assert_log(r, E_, "boot: Factory app partition is not bootable");
    assert_log(r, E_, "boot: No bootable app partitions in the partition table");
    rig_free(r);
}

static void test_app_too_big_for_partition(void **state)
{
    (void)state;
    bytes app = { 0 };
    assert_true(ib_seed("MicroPython.bin", &app));
    struct ib_part p[] = { { "nvs", 1, 2, 0x9000, 0x6000 }, { "factory", 0, 0, 0x10000, 0x100000 } };
    struct rig *r = rig_seed_with_table(p, 2);
    rig_boot(r);
    char want[128];
    snprintf(want, sizeof want, "esp_image: Image length %zu doesn't fit in partition length 1048576",
             app.len); /* esptool's image ends with its hash */
    assert_log(r, E_, want);
    assert_log(r, E_, "boot: Factory app partition is not bootable");
    bytes_free(&app);
    rig_free(r);
}

static void test_app_bad_checksum_and_hash(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    r->flash[0x10000 + 0x1000] ^= 0x01; /* inside segment 0 */
    rig_boot(r);
    assert_log(r, E_, "esp_image: Checksum failed. Calculated 0x54 read 0x55");
    rig_free(r);
    r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    r->flash[0x10000 + 0x1000] ^= 0x01; /* flip two bits: checksum holds, hash fails */
    r->flash[0x10000 + 0x1001] ^= 0x01;
    rig_boot(r);
    assert_log(r, E_, "esp_image: Image hash failed - image is corrupt");
    rig_free(r);
}

/* otadata picks ota_1 (sequence 2 of 2 slots); ota_0 stays empty. */
static void test_otadata_selects_slot(void **state)
{
    (void)state;
    struct ib_part p[] = { { "otadata", 1, 0, 0xD000, 0x2000 },
                           { "ota_0", 0, 0x10, 0x290000, 0x100000 },
                           { "ota_1", 0, 0x11, 0x10000, 0x280000 } };
    struct rig *r = rig_seed_with_table(p, 3);
    uint8_t e[32];
    memset(e, 0xFF, sizeof e);
    wr_le32(e, 2);
    wr_le32(e + 28, (uint32_t)crc32(0xFFFFFFFFul, e, 4));
    memcpy(r->flash + 0xD000, e, sizeof e);
    rig_boot(r);
    assert_log(r, I_, "boot:  0 otadata          OTA data         01 00 0000d000 00002000");
    assert_log(r, I_, "boot: Loaded app from partition at offset 0x10000");
    assert_lacks(r, "0x290000 has invalid magic");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_APP);
    /* Corrupt the entry's CRC: no valid otadata and no factory. */
    r->flash[0xD000 + 28] ^= 0xFF;
    rig_boot(r);
    assert_log(r, E_, "boot: ota data partition invalid and no factory, will try all partitions");
    assert_log(r, E_, "esp_image: image at 0x290000 has invalid magic byte");
    assert_log(r, E_, "boot: OTA app partition slot 0 is not bootable");
    assert_log(r, I_, "boot: Loaded app from partition at offset 0x10000");
    rig_free(r);
}

/* An ESP32-S3 bootloader at the ESP32's bootloader offset: its segments
 * are not ESP32 RAM, so the ROM hangs like with an app there. */
static void test_wrong_chip_bootloader(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    bytes bl = { 0 };
    ib_bootloader(&bl, chip_by_name("esp32s3"), false);
    place(r, 0x1000, &bl);
    rig_boot(r);
    assert_has(r, "mode:DIO, clock div:2\r\nload:0x3fc88100,len:512\r\n");
    assert_lacks(r, "entry");
    assert_string_equal(r->out.next_rst, "0x10 (RTCWDT_RTC_RESET)");
    bytes_free(&bl);
    rig_free(r);
}

/* A Fire with a generated bootloader that carries ESP-IDF v4 format strings
 * (chip id check, "boot.esp32" tag, "size=%05xh" segment lines, no
 * colours) and an app for `app_chip` in a factory partition. */
static struct rig *rig_v4_bootloader(const char *app_chip)
{
    struct rig *r = rig_new("m5stack-fire");
    static const char strings[] = "v4.4.1\0\0\0\0I (%d) %s: ESP-IDF %s 2nd stage bootloader\0"
                                  "E (%d) %s: mismatch chip ID, expected %d, found %d\0boot.esp32\0"
                                  "I (%d) %s: segment %d: paddr=%08x vaddr=%08x size=%05xh (%6d) %s\0";
    uint8_t data[sizeof strings + 3] = { 0 };
    memcpy(data, strings, sizeof strings);
    struct ib_seg s[1] = { { 0x3FFF0000, data, sizeof data & ~3u } };
    bytes bl = { 0 }, app = { 0 }, t = { 0 };
    ib_image(&bl, r->in.chip->image_chip_id, s, 1, false);
    ib_app(&app, chip_by_name(app_chip), true, 16, 0);
    struct ib_part p[] = { { "factory", 0, 0, 0x10000, 0x100000 } };
    ib_table(&t, p, 1);
    place(r, 0x1000, &bl);
    place(r, 0x8000, &t);
    place(r, 0x10000, &app);
    bytes_free(&bl), bytes_free(&app), bytes_free(&t);
    rig_boot(r);
    assert_has(r, "I (");
    assert_has(r, "boot: ESP-IDF v4.4.1 2nd stage bootloader\r\n"); /* no colours in this one */
    assert_has(r, "boot.esp32: SPI Mode       : DIO\r\n");
    return r;
}

static void test_v4_bootloader_formats(void **state)
{
    (void)state;
    struct rig *r = rig_v4_bootloader("esp32");
    assert_has(r, "esp_image: segment 0: paddr=00010020 vaddr=3f400020 size=00400h (  1024) map\r\n");
    assert_has(r, "boot: Loaded app from partition at offset 0x10000");
    rig_free(r);
}

/* ... and refuses an app built for another chip. */
static void test_wrong_chip_app(void **state)
{
    (void)state;
    struct rig *r = rig_v4_bootloader("esp32s3");
    assert_has(r, "E (");
    assert_has(r, "esp_image: mismatch chip ID, expected 0, found 9\r\n");
    assert_has(r, "boot: No bootable app partitions in the partition table");
    rig_free(r);
}

/* ESP-IDF 5.2+ bootloaders carry a descriptor with their version and
 * build time. */
static void test_bootloader_descriptor(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    uint8_t desc[80] = { 0x50 };
    wr_le32(desc + 4, 1);
    memcpy(desc + 8, "v5.3.1", 6);
    memcpy(desc + 40, "Jan  2 2025 12:34:56", 20);
    struct ib_seg s[1] = { { 0x3FFF0000, desc, sizeof desc } };
    bytes bl = { 0 };
    ib_image(&bl, 0, s, 1, true);
    place(r, 0x1000, &bl);
    bytes_free(&bl);
    rig_boot(r);
    assert_has(r, "boot: ESP-IDF v5.3.1 2nd stage bootloader\r\n");
    assert_has(r, "boot: compile time Jan  2 2025 12:34:56\r\n");
    rig_free(r);
}

static void test_fault_psram_missing_lobo_continues(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    r->in.faults = SIMBOOT_FAULT_PSRAM_MISSING;
    rig_boot(r);
    /* The LoBo build has SPIRAM_IGNORE_NOTFOUND: it says so and goes on. */
    assert_log(r, E_, "spiram: SPI RAM enabled but initialization failed. Bailing out.");
    assert_log(r, I_, "cpu_start: Failed to init external RAM; continuing without it.");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_APP);
    rig_free(r);
}

static void test_fault_psram_missing_aborts(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    /* An app whose DROM carries the aborting variant of the messages. */
    static const char strings[] = "E (%d) %s: PSRAM ID read error: 0x%08x\0"
                                  "E (%d) %s: SPI RAM enabled but initialization failed. Bailing out.\0"
                                  "E (%d) %s: Failed to init external RAM!\0\0\0";
    uint8_t drom[sizeof strings + 4] = { 0 };
    memcpy(drom, strings, sizeof strings);
    static uint8_t iram[64];
    struct ib_seg s[2] = { { 0x3F400020, drom, sizeof drom & ~3u }, { 0x40080000, iram, sizeof iram } };
    bytes app = { 0 };
    ib_image(&app, 0, s, 2, true);
    place(r, 0x10000, &app);
    r->in.faults = SIMBOOT_FAULT_PSRAM_MISSING;
    rig_boot(r);
    assert_log(r, E_, "psram: PSRAM ID read error: 0xffffffff");
    assert_log(r, E_, "cpu_start: Failed to init external RAM!");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_RESET);
    assert_int_equal(r->out.stage, SIMBOOT_STAGE_APP);
    assert_string_equal(r->out.next_rst, "0xc (SW_CPU_RESET)");
    bytes_free(&app);
    rig_free(r);
}

static void test_fault_brownout(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    r->in.faults = SIMBOOT_FAULT_BROWNOUT;
    rig_boot(r);
    assert_has(r, "\r\nBrownout detector was triggered\r\n\r\n");
    assert_lacks(r, "[espburn sim] app stage");
    assert_string_equal(r->out.next_rst, "0xc (SW_CPU_RESET)");
    rig_next_round(r);
    assert_has(r, "rst:0xc (SW_CPU_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\n");
    rig_free(r);
}

static void test_download_mode(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    r->in.download = true;
    r->in.boot = r->board->boot_download;
    rig_boot(r);
    assert_string_equal(r->text,
                        "ets Jun  8 2016 00:22:57\r\n\r\n"
                        "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
                        "waiting for download\r\n");
    assert_int_equal(r->out.stop, SIMBOOT_STOP_DOWNLOAD);
    rig_free(r);
}

/* The marks say when each part is printed: in order, ending with the text. */
static void test_marks_are_ordered(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    rig_boot(r);
    assert_true(r->out.nmarks > 10);
    for (size_t i = 1; i < r->out.nmarks; i++) {
        assert_true(r->out.marks[i].end > r->out.marks[i - 1].end);
        assert_true(r->out.marks[i].at_us > r->out.marks[i - 1].at_us);
    }
    assert_int_equal(r->out.marks[r->out.nmarks - 1].end, r->out.text.len);
    rig_free(r);
}

/* Truncated and hostile flash: a header claiming more than there is. */
static void test_hostile_small_flash(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    for (uint32_t size = 0; size < 0x12000; size += 0x7FF) {
        r->in.flash_size = size;
        rig_boot(r);
        assert_true(r->out.text.len > 0);
    }
    r->in.flash_size = sim_board_flash_size(r->board);
    r->flash[0x1001] = 0xFF; /* 255 segments */
    rig_boot(r);
    assert_int_equal(r->out.stop, SIMBOOT_STOP_RESET);
    rig_free(r);
}

/* Through the engine: a board powered on with IO0 high prints the story's
 * round at once, the next one 0.4 s later by itself, and a reset into
 * download mode cancels the loop. */
static void test_engine_boot_loop(void **state)
{
    (void)state;
    const struct sim_board *b = sim_board_by_name("m5stack-fire");
    struct sim_flash flash;
    assert_int_equal(sim_flash_open(&flash, NULL, sim_board_flash_size(b), NULL), 0);
    bytes app = { 0 };
    assert_true(ib_seed("MicroPython.bin", &app));
    memcpy(flash.mem + 0x1000, app.data, app.len);
    bytes_free(&app);
    struct sim s;
    struct sim_options o = { .board = b, .flash = &flash, .boot_download = false };
    assert_int_equal(sim_init(&s, &o, NULL), 0);
    uint64_t t0 = 1000000;
    sim_power_on(&s, t0);
    const uint8_t *p;
    size_t n = sim_tx_ready(&s, t0 + 100000, &p);
    const char *round1 = ROM_FIRE_POWERON ROM_HEADER_DIO_40 "load:0x3f400020,len:462120\r\n";
    assert_int_equal(n, strlen(round1));
    assert_memory_equal(p, round1, n);
    sim_tx_consume(&s, n);
    uint64_t next = sim_next_event(&s);
    assert_in_range(next - t0, 350000, 450000);
    sim_poll(&s, next);
    n = sim_tx_ready(&s, next + 100000, &p);
    const char *round2 =
        "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\r\n";
    assert_true(n > strlen(round2));
    assert_memory_equal(p, round2, strlen(round2));
    sim_tx_consume(&s, n);
    char rst[SIMBOOT_RST_LEN];
    sim_reboot(&s, simboot_rst(s.chip, CHIP_RST_POWERON, rst), true,
               next + 200000); /* BOOT held: download mode */
    assert_int_equal(sim_next_event(&s), UINT64_MAX);
    sim_free(&s);
    sim_flash_close(&flash);
}

/* A reset in the middle of a boot cuts its output where the chip was. */
static void test_engine_reset_cuts_the_boot(void **state)
{
    (void)state;
    const struct sim_board *b = sim_board_by_name("m5stack-fire");
    struct sim_flash flash;
    assert_int_equal(sim_flash_open(&flash, NULL, sim_board_flash_size(b), NULL), 0);
    struct rig *r = rig_new("m5stack-fire");
    place_seed_bundle(r);
    memcpy(flash.mem, r->flash, sim_board_flash_size(b));
    rig_free(r);
    struct sim s;
    struct sim_options o = { .board = b, .flash = &flash, .boot_download = false };
    assert_int_equal(sim_init(&s, &o, NULL), 0);
    sim_power_on(&s, 0);
    char rst[SIMBOOT_RST_LEN];
    sim_reboot(&s, simboot_rst(s.chip, CHIP_RST_POWERON, rst), true,
               100000); /* 100 ms in: verifying the app */
    const uint8_t *p;
    size_t n = sim_tx_ready(&s, 2000000, &p);
    char *text = strndup((const char *)p, n);
    assert_non_null(strstr(text, "esp_image: segment 0: paddr=0x00010020"));
    assert_null(strstr(text, "Loaded app"));
    assert_non_null(strstr(text, "waiting for download"));
    free(text);
    sim_free(&s);
    sim_flash_close(&flash);
}

static void test_unknown_rom_refused(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    r->in.banner = "something else";
    eb_err err;
    assert_int_equal(simboot_run(&r->in, &r->out, &err), -1);
    assert_non_null(strstr(err.msg, "download mode"));
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_clean_boot),
        cmocka_unit_test(test_seed_app_at_bootloader_offset),
        cmocka_unit_test(test_erased_flash_rev1),
        cmocka_unit_test(test_erased_flash_rev3),
        cmocka_unit_test(test_s3_erased_flash),
        cmocka_unit_test(test_s3_clean_generated_boot),
        cmocka_unit_test(test_bootloader_bad_checksum),
        cmocka_unit_test(test_bootloader_bad_checksum_rev3),
        cmocka_unit_test(test_table_bad_md5),
        cmocka_unit_test(test_table_exceeds_flash),
        cmocka_unit_test(test_no_app_partition),
        cmocka_unit_test(test_app_missing),
        cmocka_unit_test(test_app_too_big_for_partition),
        cmocka_unit_test(test_app_bad_checksum_and_hash),
        cmocka_unit_test(test_otadata_selects_slot),
        cmocka_unit_test(test_wrong_chip_bootloader),
        cmocka_unit_test(test_v4_bootloader_formats),
        cmocka_unit_test(test_wrong_chip_app),
        cmocka_unit_test(test_bootloader_descriptor),
        cmocka_unit_test(test_fault_psram_missing_lobo_continues),
        cmocka_unit_test(test_fault_psram_missing_aborts),
        cmocka_unit_test(test_fault_brownout),
        cmocka_unit_test(test_download_mode),
        cmocka_unit_test(test_marks_are_ordered),
        cmocka_unit_test(test_hostile_small_flash),
        cmocka_unit_test(test_engine_boot_loop),
        cmocka_unit_test(test_engine_reset_cuts_the_boot),
        cmocka_unit_test(test_unknown_rom_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
