/* test_boot_elf.c - the ELF symbol reader: finds functions in a small
 * ELF32 built here byte by byte, refuses what is not one, and survives
 * every truncation and a corrupt table without reading out of bounds.
 * (tests/e2e/test_explain.py also reads an ELF a real linker wrote.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/bootlog.h"
#include "boot/elf_syms.h"
#include "common/bytes.h"

/* Layout: ELF header | strtab | symtab | 4 section headers (null, .text,
 * .symtab, .strtab). */
enum {
    EH = 52,
    STR_OFF = 52,
    STR_LEN = 32,
    SYM_OFF = 84,
    NSYM = 4,
    SH_OFF = SYM_OFF + NSYM * 16,
    NSH = 4
};

static const char strtab[STR_LEN] = "\0app_main\0crash_here\0$x\0data_1";

static void sym(uint8_t *p, uint32_t name, uint32_t value, uint32_t size, uint8_t type)
{
    wr_le32(p, name);
    wr_le32(p + 4, value);
    wr_le32(p + 8, size);
    p[12] = (uint8_t)(0x10 | type); /* global */
    wr_le16(p + 14, 1);             /* section .text */
}

static void shdr(uint8_t *p, uint32_t type, uint32_t off, uint32_t size, uint32_t link, uint32_t entsize)
{
    memset(p, 0, 40);
    wr_le32(p + 4, type);
    wr_le32(p + 16, off);
    wr_le32(p + 20, size);
    wr_le32(p + 24, link);
    wr_le32(p + 36, entsize);
}

static size_t build_elf(uint8_t *buf)
{
    memset(buf, 0, SH_OFF + NSH * 40);
    memcpy(buf,
           "\x7f"
           "ELF\x01\x01\x01",
           7);
    wr_le16(buf + 18, 94); /* EM_XTENSA */
    wr_le32(buf + 32, SH_OFF);
    wr_le16(buf + 46, 40);
    wr_le16(buf + 48, NSH);
    memcpy(buf + STR_OFF, strtab, STR_LEN);
    sym(buf + SYM_OFF, 0, 0, 0, 0);                   /* the null symbol */
    sym(buf + SYM_OFF + 16, 1, 0x400d2000, 0x40, 2);  /* app_main, FUNC */
    sym(buf + SYM_OFF + 32, 10, 0x400d2040, 0x20, 2); /* crash_here, FUNC */
    sym(buf + SYM_OFF + 48, 21, 0x400d2000, 0, 0);    /* $x, a mapping symbol */
    shdr(buf + SH_OFF, 0, 0, 0, 0, 0);
    shdr(buf + SH_OFF + 40, 1, 0, 0, 0, 0);
    shdr(buf + SH_OFF + 80, 2, SYM_OFF, NSYM * 16, 3, 16);
    shdr(buf + SH_OFF + 120, 3, STR_OFF, STR_LEN, 0, 0);
    return SH_OFF + NSH * 40;
}

static void test_finds_functions(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = build_elf(buf);
    struct elf_syms s;
    eb_err err = { 0 };
    assert_int_equal(elf_syms_load(buf, n, &s, &err), 0);
    assert_int_equal(s.n, 2); /* $x is not a function name */
    uint32_t off = 0;
    const struct elf_sym *f = elf_syms_find(&s, 0x400d2047, &off);
    assert_non_null(f);
    assert_string_equal(f->name, "crash_here");
    assert_int_equal(off, 7);
    assert_string_equal(elf_syms_find(&s, 0x400d2000, NULL)->name, "app_main");
    assert_null(elf_syms_find(&s, 0x400d1fff, NULL)); /* before every symbol */
    assert_null(elf_syms_find(&s, 0x400d2060, NULL)); /* past crash_here's end */
    elf_syms_free(&s);
}

/* The analyzer names backtrace frames through the symbols. */
static void test_backtrace_gets_names(void **state)
{
    (void)state;
    uint8_t buf[512];
    struct elf_syms s;
    assert_int_equal(elf_syms_load(buf, build_elf(buf), &s, NULL), 0);
    struct bootlog_opts o = { .syms = &s };
    struct bootlog *bl = bootlog_new(&o);
    const char *log = "Guru Meditation Error: Core  0 panic'ed (StoreProhibited). Exception was unhandled.\n"
                      "Backtrace: 0x400d2044:0x3ffb1f10 0x400d2010:0x3ffb1f40\n";
    bootlog_feed(bl, log, strlen(log), -1);
    bootlog_finish(bl);
    const struct bootlog_finding *bt = NULL;
    for (unsigned i = 0; i < bootlog_count(bl); i++)
        if (strcmp(bootlog_finding(bl, i)->code, "backtrace") == 0)
            bt = bootlog_finding(bl, i);
    assert_non_null(bt);
    assert_non_null(strstr(bt->what, "crash_here+0x4 (0x400d2044) <- app_main+0x10 (0x400d2010)"));
    bootlog_free(bl);
    elf_syms_free(&s);
}

static void test_refuses_what_is_not_elf32_le(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = build_elf(buf);
    struct elf_syms s;
    eb_err err = { 0 };
    assert_int_equal(elf_syms_load((const uint8_t *)"MZ\x90\x00", 4, &s, &err), -1);
    assert_int_equal(err.code, EB_PROBLEM);
    buf[4] = 2; /* ELFCLASS64 */
    assert_int_equal(elf_syms_load(buf, n, &s, &err), -1);
    assert_non_null(strstr(err.msg, "32-bit"));
    buf[4] = 1;
    wr_le32(buf + SH_OFF + 80 + 4, 1); /* no symbol table left */
    assert_int_equal(elf_syms_load(buf, n, &s, &err), -1);
    assert_non_null(strstr(err.msg, "no symbol table"));
}

/* Every prefix of the file, and hostile offsets, fail cleanly (ASan
 * watches the reads: each prefix lives in a buffer of exactly its size). */
static void test_truncation_and_corruption(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = build_elf(buf);
    for (size_t len = 0; len < n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        struct elf_syms s;
        if (elf_syms_load(copy, len, &s, NULL) == 0)
            elf_syms_free(&s);
        free(copy);
    }
    const size_t fields[] = { SH_OFF + 80 + 16,  SH_OFF + 80 + 20,  SH_OFF + 80 + 24,
                              SH_OFF + 120 + 16, SH_OFF + 120 + 20, 32,
                              SYM_OFF + 16,      SYM_OFF + 32 };
    const uint32_t values[] = { 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFFF0, 511, 3 };
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            build_elf(buf);
            wr_le32(buf + fields[f], values[v]);
            uint8_t *copy = malloc(n);
            memcpy(copy, buf, n);
            struct elf_syms s;
            if (elf_syms_load(copy, n, &s, NULL) == 0) {
                elf_syms_find(&s, 0x400d2044, NULL);
                elf_syms_free(&s);
            }
            free(copy);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_functions),
        cmocka_unit_test(test_backtrace_gets_names),
        cmocka_unit_test(test_refuses_what_is_not_elf32_le),
        cmocka_unit_test(test_truncation_and_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
