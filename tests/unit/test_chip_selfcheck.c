/* test_chip_selfcheck.c - the chip table checks itself, as flashrom's
 * tests/selfcheck.c does its tables: every row has every fact (or says
 * explicitly that it is not known), the lookups find each row by each of
 * its keys, the sources name no chip outside the table's rows, and neither
 * the boot-log analyzer nor the virtual board lacks a chip silently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "boot/bootlog.h"
#include "chip/chip_efuse.h"
#include "chip/chip_rom.h"
#include "chip/chips.h"
#include "common/file.h"
#include "sim/board.h"
#include "sim/engine.h"
#include "sim/simboot.h"

static bool has_kind(const struct chip *c, enum mem_kind kind)
{
    for (int i = 0; i < CHIP_MAX_REGIONS && c->regions[i].name; i++)
        if (c->regions[i].kind == kind)
            return true;
    return false;
}

/* ---- the chip rows ------------------------------------------------------ */

static void check_identity(const struct chip *c)
{
    assert_non_null(c->name);
    assert_non_null(c->display);
    for (const char *p = c->name; *p; p++)
        assert_true(islower((unsigned char)*p) || isdigit((unsigned char)*p));
    assert_ptr_equal(chip_by_name(c->name), c);
    assert_ptr_equal(chip_by_name(c->display), c); /* "ESP32-S3" names the same row */
    assert_ptr_equal(chip_by_image_id(c->image_chip_id), c);
    assert_true(c->magic[0] != 0 || c->rom_has_security_info); /* some way to detect it */
    for (int i = 0; i < CHIP_MAX_MAGICS && c->magic[i]; i++)
        assert_ptr_equal(chip_by_magic(c->magic[i]), c);
    assert_true(c->uf2_family != 0);
    assert_ptr_equal(chip_by_uf2_family(c->uf2_family), c);
}

static void check_memory_and_flash(const struct chip *c)
{
    /* the bootloader sits in the first sectors, below the partition table */
    assert_int_equal(c->bootloader_offset % 0x1000, 0);
    assert_true(c->bootloader_offset < 0x8000);
    assert_true(has_kind(c, MEM_DROM) && has_kind(c, MEM_IROM) && has_kind(c, MEM_DRAM));
    for (int i = 0; i < CHIP_MAX_REGIONS && c->regions[i].name; i++)
        assert_true(c->regions[i].start < c->regions[i].end);
    assert_non_null(c->freqs[0].name);
    for (int i = 0; i < CHIP_MAX_FREQS && c->freqs[i].name; i++) {
        unsigned mhz;
        char unit;
        assert_int_equal(sscanf(c->freqs[i].name, "%u%c", &mhz, &unit), 2);
        assert_int_equal(unit, 'm');
        assert_true(c->freqs[i].code <= 0xF);
    }
    assert_true(c->spi_base && c->spi_usr2 && c->spi_w0 && c->spi_miso_dlen);
    assert_true(c->efuse_base && c->uart_clkdiv_reg);
}

static void check_field(const struct efuse_field *f)
{
    if (!f->mask)
        return;
    assert_true(f->block < EFUSE_BLOCKS && f->word < EFUSE_BLOCK_WORDS);
    assert_true(f->shift + (unsigned)(32 - __builtin_clz(f->mask)) <= 32);
}

static void check_efuse(const struct chip *c)
{
    const struct chip_efuse *t = c->efuse;
    assert_non_null(t);
    assert_true(t->mac.block < EFUSE_BLOCKS && t->mac.word + 1u < EFUSE_BLOCK_WORDS);
    assert_true(t->mac.block == 0 || t->block_offset[t->mac.block] != 0);
    switch (t->decoder) {
    case EFUSE_DECODE_ESP32:
        assert_true(t->block0_words > t->mac.word + 1u && t->block0_words <= EFUSE_BLOCK_WORDS);
        break;
    case EFUSE_DECODE_FIELDS:
        assert_true(t->fields[EF_PKG_VERSION].mask && t->fields[EF_MAJOR].mask &&
                    t->fields[EF_MINOR_LO].mask);
        for (int i = 0; i < EF_COUNT; i++)
            check_field(&t->fields[i]);
        assert_non_null(t->unknown_package);
        assert_true(t->packages.n || t->models.n);
        assert_true(t->features.n > 0);
        break;
    case EFUSE_DECODE_MAC_ONLY:
        assert_non_null(t->mac_only_why); /* "none", said explicitly */
        assert_true(strlen(t->mac_only_why) > 20);
        break;
    default: fail_msg("%s: unknown eFuse decoder %d", c->name, (int)t->decoder);
    }
}

static const enum reset_kind role_kind[CHIP_RST_ROLES] = {
    [CHIP_RST_POWERON] = RESET_POWER_ON,  [CHIP_RST_CPU] = RESET_SOFTWARE,
    [CHIP_RST_SYS] = RESET_SOFTWARE,      [CHIP_RST_WDT] = RESET_WATCHDOG,
    [CHIP_RST_BROWNOUT] = RESET_BROWNOUT,
};

/* A reset the sim plays is one of the ROM's reasons, of the right kind. */
static void check_resets(const struct chip *c, bool modelled)
{
    const struct chip_rom *r = c->rom;
    for (int role = 0; role < CHIP_RST_ROLES; role++) {
        if (!r->rst[role].code) {
            assert_false(modelled); /* a modelled ROM prints every reset the sim plays */
            continue;
        }
        const struct reset_reason *why = chip_rom_reason(r, r->rst[role].code);
        if (!why)
            fail_msg("%s: reset role %d uses code 0x%x, not in its reasons", c->name, role,
                     r->rst[role].code);
        assert_int_equal(why->kind, role_kind[role]);
    }
}

static void check_rom(const struct chip *c)
{
    const struct chip_rom *r = c->rom;
    assert_non_null(r);
    if (!r->known) { /* "not known", said explicitly, and nothing half-filled */
        assert_non_null(r->unknown_why);
        assert_non_null(strstr(r->unknown_why, c->display));
        assert_null(r->builds[0].banner);
        assert_null(r->reasons[0].name);
        return;
    }
    assert_non_null(r->builds[0].banner);
    bool modelled = false;
    for (int i = 0; i < CHIP_ROM_BUILDS && r->builds[i].banner; i++) {
        const struct chip_rom_build *b = NULL;
        assert_non_null(r->builds[i].name);
        assert_ptr_equal(chip_by_rom_banner(r->builds[i].banner, &b), c); /* no other chip's banner prefix */
        modelled |= r->builds[i].failure != NULL;
    }
    assert_non_null(r->reasons[0].name);
    for (int i = 0; i < CHIP_ROM_REASONS && r->reasons[i].name; i++) {
        assert_true(r->reasons[i].kind != RESET_UNKNOWN);
        assert_ptr_equal(chip_rom_reason(r, r->reasons[i].code), &r->reasons[i]); /* codes unique */
    }
    assert_non_null(r->after_banner);
    assert_true(r->boot_pin_bit != 0);
    assert_non_null(r->boot_pin);
    assert_non_null(r->watchdog);
    assert_true(!r->vdd18_bit == !r->vdd18_pin);
    assert_true(!modelled || r->wdt_period_us > 0);
    check_resets(c, modelled);
}

static void every_row_is_complete(void **state)
{
    (void)state;
    unsigned n = 0;
    for (const struct chip *c = chip_table; c->name; c++, n++) {
        check_identity(c);
        check_memory_and_flash(c);
        check_efuse(c);
        check_rom(c);
    }
    assert_true(n >= 9);
    assert_ptr_equal(chip_default(), chip_by_name("esp32"));
    assert_ptr_equal(chip_with_classic_rom(), chip_by_name("esp32"));
}

/* ---- chip names in the sources ------------------------------------------ */

/* Files whose chip-name literals are data rows keyed by name (each must
 * resolve); anywhere else a chip named in a string is logic that should
 * use a row (chip_default(), a row pointer). src/chip/ is the table. */
static const char *const rows_keyed_by_name[] = { "src/sim/board.c" };

/* "esp32", "esp32s3", "ESP32-C3": a whole literal shaped like a chip name. */
static bool looks_like_chip(const char *s, size_t n)
{
    if (n < 5 || strncasecmp(s, "esp32", 5) != 0)
        return false;
    size_t i = 5;
    if (i < n && (s[i] == '-' || s[i] == '_'))
        i++;
    if (i == n)
        return i == 5;
    if (!isalpha((unsigned char)s[i++]) || i == n)
        return false;
    for (; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

struct scan {
    char bad[4096];
    unsigned literals, rows;
};

static void report(struct scan *sc, const char *rel, unsigned line, const char *lit, size_t n,
                   const char *why)
{
    size_t at = strlen(sc->bad);
    snprintf(sc->bad + at, sizeof sc->bad - at, "%s:%u: \"%.*s\" %s\n", rel, line, (int)n, lit, why);
}

static void check_literal(struct scan *sc, const char *rel, unsigned line, const char *lit, size_t n)
{
    if (!looks_like_chip(lit, n))
        return;
    sc->literals++;
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)n, lit);
    bool row_file = false;
    for (size_t i = 0; i < sizeof rows_keyed_by_name / sizeof rows_keyed_by_name[0]; i++)
        row_file |= strcmp(rel, rows_keyed_by_name[i]) == 0;
    if (!chip_by_name(name))
        report(sc, rel, line, lit, n, "names no chip of the chip table");
    else if (!row_file)
        report(sc, rel, line, lit, n, "names a chip in code: use the chip table's row instead");
    else
        sc->rows++;
}

/* String literals of C source, comments and character constants skipped. */
static void scan_text(struct scan *sc, const char *rel, const char *p, size_t len)
{
    const char *end = p + len;
    unsigned line = 1;
    while (p < end) {
        if (*p == '\n') {
            line++, p++;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '/') {
            while (p < end && *p != '\n')
                p++;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
            for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
                line += *p == '\n';
            p += 2;
        } else if (*p == '"' || *p == '\'') {
            char q = *p++;
            const char *start = p;
            while (p < end && *p != q && *p != '\n')
                p += (*p == '\\' && p + 1 < end) ? 2 : 1;
            if (q == '"')
                check_literal(sc, rel, line, start, (size_t)(p - start));
            p++;
        } else {
            p++;
        }
    }
}

static void scan_dir(struct scan *sc, const char *root, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    DIR *d = opendir(path);
    if (!d)
        fail_msg("cannot open %s", path);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        size_t n = strlen(e->d_name);
        if (strcmp(sub, "src/chip") == 0)
            continue; /* the table itself */
        if (e->d_type == DT_DIR) {
            scan_dir(sc, root, sub);
        } else if (n > 2 && (strcmp(e->d_name + n - 2, ".c") == 0 || strcmp(e->d_name + n - 2, ".h") == 0)) {
            bytes text = { 0 };
            snprintf(path, sizeof path, "%s/%s", root, sub);
            assert_int_equal(file_read(path, 1u << 22, &text, NULL), 0);
            scan_text(sc, sub, (const char *)text.data, text.len);
            bytes_free(&text);
        }
    }
    closedir(d);
}

static void sources_name_only_table_chips(void **state)
{
    (void)state;
    const char *root = getenv("ESPBURN_SOURCE_DIR");
    if (!root)
        root = ESPBURN_SOURCE_DIR;
    struct scan *sc = calloc(1, sizeof *sc);
    scan_dir(sc, root, "src");
    if (sc->bad[0])
        fail_msg("chip names outside the chip table:\n%s", sc->bad);
    assert_true(sc->rows >= 5); /* the sim's board rows: the scan does see literals */
    assert_int_equal(sc->rows, sc->literals);
    free(sc);
}

/* The scanner itself, on text whose answers are known. */
static void scanner_finds_literals_not_comments(void **state)
{
    (void)state;
    struct scan sc = { { 0 }, 0, 0 };
    const char *text = "/* \"esp32s3\" */ x = \"esp32s9\"; // \"esp32\"\n"
                       "y = \"esp32-c3-devkitm-1\", z = \"ESP32_LoBo\", c = '\"', w = \"ESP32-C3\";\n";
    scan_text(&sc, "src/x.c", text, strlen(text));
    assert_int_equal(sc.literals, 2);
    assert_non_null(strstr(sc.bad, "src/x.c:1: \"esp32s9\" names no chip"));
    assert_non_null(strstr(sc.bad, "src/x.c:2: \"ESP32-C3\" names a chip in code"));
    assert_true(looks_like_chip("esp32", 5) && looks_like_chip("esp32c61", 8));
    assert_false(looks_like_chip("esp32-", 6) || looks_like_chip("esp8266", 7));
}

/* ---- the analyzer and the virtual board -------------------------------- */

static bool has_finding(const struct bootlog *bl, const char *code)
{
    for (unsigned i = 0; i < bootlog_count(bl); i++)
        if (strcmp(bootlog_finding(bl, i)->code, code) == 0)
            return true;
    return false;
}

/* Every chip's banner names it; a chip whose ROM is not known is named too,
 * with a finding that says its facts are missing. */
static void analyzer_lacks_no_chip(void **state)
{
    (void)state;
    for (const struct chip *c = chip_table; c->name; c++) {
        char log[256];
        if (c->rom->known)
            snprintf(log, sizeof log, "%s\r\nrst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n",
                     c->rom->builds[0].banner);
        else
            snprintf(log, sizeof log,
                     "ESP-ROM:%s-20990101\r\nrst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n", c->name);
        struct bootlog *bl = bootlog_new(NULL);
        bootlog_feed(bl, log, strlen(log), -1);
        bootlog_finish(bl);
        struct bootlog_summary s;
        bootlog_summary(bl, &s);
        if (s.chip != c)
            fail_msg("the analyzer does not tell %s from its banner", c->display);
        assert_int_equal(has_finding(bl, "rom-not-known"), !c->rom->known);
        if (c->rom->known)
            assert_string_equal(s.rom, c->rom->builds[0].name);
        bootlog_free(bl);
    }
}

/* Each board of the virtual board is played by its chip's rows: the chip
 * resolves, its ROM is known with every reset printed, the board's banner
 * is a build whose failures are modelled, its magic is the chip's. */
static void sim_boards_have_their_chips_facts(void **state)
{
    (void)state;
    for (const struct sim_board *b = sim_boards; b->name; b++) {
        const struct chip *c = sim_board_chip(b);
        if (!c)
            fail_msg("board %s names chip '%s', not in the chip table", b->name, b->chip_name);
        eb_err err;
        if (simboot_check_chip(c, b->name, &err))
            fail_msg("%s", err.msg);
        const struct chip_rom_build *build = chip_rom_build_for(c, b->banner);
        if (!build || !build->failure)
            fail_msg("board %s: its banner is no modelled build of the %s ROM", b->name, c->display);
        bool magic = false;
        for (int i = 0; i < CHIP_MAX_MAGICS && c->magic[i]; i++)
            magic |= c->magic[i] == b->magic;
        assert_true(magic);
        struct sim_flash flash;
        assert_int_equal(sim_flash_open(&flash, NULL, sim_board_flash_size(b), NULL), 0);
        struct sim s;
        struct sim_options o = { .board = b, .flash = &flash, .boot_download = true };
        assert_int_equal(sim_init(&s, &o, NULL), 0);
        sim_free(&s);
        sim_flash_close(&flash);
    }
}

/* For every chip, the boot chain either plays an erased flash or refuses
 * with a sentence that names the chip: never silently. */
static void sim_boot_chain_lacks_no_chip_silently(void **state)
{
    (void)state;
    uint8_t *flash = malloc(0x10000);
    memset(flash, 0xFF, 0x10000);
    for (const struct chip *c = chip_table; c->name; c++) {
        char rst[SIMBOOT_RST_LEN];
        struct simboot_in in = { .chip = c,
                                 .banner = c->rom->known ? c->rom->builds[0].banner : "ESP-ROM:unknown",
                                 .rst = simboot_rst(c, CHIP_RST_POWERON, rst),
                                 .boot = "0x8 (SPI_FAST_FLASH_BOOT)",
                                 .flash = flash,
                                 .flash_size = 0x10000 };
        struct simboot_out out;
        eb_err err = { 0 };
        if (simboot_run(&in, &out, &err) == 0) {
            assert_int_equal(out.stop, SIMBOOT_STOP_RESET); /* no bootloader: the watchdog loop */
            assert_true(out.text.len > strlen(in.banner));
            simboot_out_free(&out);
        } else if (!strstr(err.msg, c->display)) {
            fail_msg("the boot chain refuses %s without naming it: %s", c->display, err.msg);
        }
    }
    free(flash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_is_complete),
        cmocka_unit_test(scanner_finds_literals_not_comments),
        cmocka_unit_test(sources_name_only_table_chips),
        cmocka_unit_test(analyzer_lacks_no_chip),
        cmocka_unit_test(sim_boards_have_their_chips_facts),
        cmocka_unit_test(sim_boot_chain_lacks_no_chip_silently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
