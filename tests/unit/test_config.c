/* test_config.c - the configuration file: settings, aliases and sync
 * excludes read with their lines; every malformed file refused with its
 * line; the precedence flag > env > file > default; the file's path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/config.h"

static int parse(struct config *c, const char *text, eb_err *err)
{
    memset(c, 0, sizeof *c);
    return config_parse(c, text, strlen(text), "cfg.ini", err);
}

static void reads_settings_aliases_and_excludes(void **state)
{
    (void)state;
    struct config c;
    eb_err err = { 0 };
    assert_int_equal(parse(&c,
                           "# espburn\n"
                           "port = fire\n"
                           "baud = 460800\n"
                           "after = stay ; inline comment\n"
                           "\n"
                           "[port fire]\n"
                           "path = /dev/ttyUSB0\n"
                           "[port atom]\n"
                           "path = rfc2217://127.0.0.1:4000\n"
                           "[sync]\n"
                           "exclude = *.log\n"
                           "exclude = build/\n",
                           &err),
                     0);
    assert_string_equal(c.port.value, "fire");
    assert_int_equal(c.port.line, 2);
    assert_string_equal(c.baud.value, "460800");
    assert_string_equal(c.after.value, "stay");
    assert_int_equal(c.after.line, 4);
    assert_int_equal(c.naliases, 2);
    assert_string_equal(config_alias_find(&c, "fire")->path, "/dev/ttyUSB0");
    assert_int_equal(config_alias_find(&c, "fire")->line, 6);
    assert_string_equal(config_alias_find(&c, "atom")->path, "rfc2217://127.0.0.1:4000");
    assert_null(config_alias_find(&c, "core2"));
    assert_int_equal(c.nexcludes, 2);
    assert_string_equal(c.excludes[1].value, "build/");
    assert_int_equal(c.excludes[1].line, 12);
    config_free(&c);
}

static void empty_file_is_fine(void **state)
{
    (void)state;
    struct config c;
    assert_int_equal(parse(&c, "", NULL), 0);
    assert_null(c.port.value);
    assert_int_equal(c.naliases, 0);
    config_free(&c);
}

/* Each malformed text is refused as a usage error naming file and line. */
static void refuses(const char *text, const char *want)
{
    struct config c;
    eb_err err = { 0 };
    if (parse(&c, text, &err) != -1)
        fail_msg("accepted: %s", text);
    assert_int_equal(err.code, EB_USAGE);
    if (!strstr(err.msg, want))
        fail_msg("'%s' does not contain '%s'", err.msg, want);
    config_free(&c);
}

static void malformed_files_are_refused_with_their_line(void **state)
{
    (void)state;
    refuses("port = a\nprot = b\n", "cfg.ini line 2: unknown setting 'prot'");
    refuses("port = a\nbaud = fast\n", "cfg.ini line 2: baud 'fast'");
    refuses("baud = 1200\n", "line 1: baud '1200'");
    refuses("after = reboot\n", "line 1: after 'reboot'");
    refuses("port = a\nport = b\n", "line 2: port is given twice");
    refuses("port =\n", "line 1: port has no value");
    refuses("\n\njust words\n", "cfg.ini line 3: not 'key = value'");
    refuses("[port fire\npath = x\n", "line 1: not 'key = value'");
    refuses("[ports]\n", "line 1: unknown section [ports]");
    refuses("[port fire]\n", "line 1: [port fire] has no path");
    refuses("[port fire]\nfile = /dev/x\n", "line 2: unknown setting 'file'");
    refuses("[port a]\npath = x\n[port a]\npath = y\n", "line 3: [port a] is given twice");
    refuses("[port auto]\npath = x\n", "line 1: 'auto' cannot name a port");
    refuses("[port a b]\npath = x\n", "line 1: 'a b' cannot name a port");
    refuses("[sync]\ninclude = x\n", "line 2: unknown setting 'include' in [sync]");
    struct config c = { 0 };
    eb_err err = { 0 };
    assert_int_equal(config_parse(&c, "port = a\0\n", 10, "cfg.ini", &err), -1);
    assert_non_null(strstr(err.msg, "cfg.ini is not a text file"));
    config_free(&c);
    char longline[400];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "port = ", 7);
    longline[sizeof longline - 1] = '\0';
    refuses(longline, "line 1: the line is too long");
}

static void the_first_error_is_reported(void **state)
{
    (void)state;
    refuses("port = a\nbad line\nprot = b\n", "line 2: not 'key = value'");
    refuses("prot = b\nbad line\n", "line 1: unknown setting 'prot'");
}

static void flag_beats_env_beats_file_beats_default(void **state)
{
    (void)state;
    struct config_setting s = config_pick("f", "e", "c", "d");
    assert_string_equal(s.value, "f");
    assert_string_equal(config_source_name(s.from), "flag");
    s = config_pick(NULL, "e", "c", "d");
    assert_string_equal(s.value, "e");
    assert_string_equal(config_source_name(s.from), "env");
    s = config_pick(NULL, "", "c", "d");
    assert_string_equal(s.value, "c");
    assert_string_equal(config_source_name(s.from), "file");
    s = config_pick(NULL, NULL, NULL, "d");
    assert_string_equal(s.value, "d");
    assert_string_equal(config_source_name(s.from), "default");
    s = config_pick(NULL, NULL, NULL, NULL);
    assert_null(s.value);
}

static void path_from_xdg_then_home(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(config_path("/x", "/home/u", buf, sizeof buf), 0);
    assert_string_equal(buf, "/x/espburn/config.ini");
    assert_int_equal(config_path("", "/home/u", buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/u/.config/espburn/config.ini");
    assert_int_equal(config_path(NULL, NULL, buf, sizeof buf), -1);
    assert_int_equal(
        config_path("/a-very-long-folder-name-that-will-not-fit-in-the-buffer-given", NULL, buf, sizeof buf),
        -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_settings_aliases_and_excludes),
        cmocka_unit_test(empty_file_is_fine),
        cmocka_unit_test(malformed_files_are_refused_with_their_line),
        cmocka_unit_test(the_first_error_is_reported),
        cmocka_unit_test(flag_beats_env_beats_file_beats_default),
        cmocka_unit_test(path_from_xdg_then_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
