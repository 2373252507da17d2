/* test_ignore.c - ignore rules against the examples of git's gitignore
 * documentation (git-scm.com/docs/gitignore, "PATTERN FORMAT" and
 * "EXAMPLES"), the defaults, and the reason reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/ignore.h"

static struct ignore_rules rules_of(const char *text)
{
    struct ignore_rules r = { 0 };
    assert_int_equal(ignore_add_text(&r, text, strlen(text), ".espburnignore", "", NULL), 0);
    return r;
}

static bool ignored(const struct ignore_rules *r, const char *path, bool dir)
{
    return ignore_match(r, path, dir, NULL);
}

static void trailing_slash_matches_folders_only(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("frotz/\n");
    assert_true(ignored(&r, "frotz", true));
    assert_true(ignored(&r, "a/frotz", true));
    assert_true(ignored(&r, "a/frotz/file", false));
    assert_false(ignored(&r, "frotz", false)); /* a file named frotz */
    ignore_free(&r);
}

static void slash_in_middle_anchors(void **state)
{
    (void)state;
    /* "doc/frotz/" matches doc/frotz but not a/doc/frotz; "/bar" only at the root */
    struct ignore_rules r = rules_of("doc/frotz/\n/bar\n");
    assert_true(ignored(&r, "doc/frotz", true));
    assert_false(ignored(&r, "a/doc/frotz", true));
    assert_true(ignored(&r, "bar", false));
    assert_false(ignored(&r, "a/bar", false));
    ignore_free(&r);
}

static void star_stays_within_a_component(void **state)
{
    (void)state;
    // "foo/*" matches foo/test.json and foo/bar, not foo/bar/hello.c itself
    struct ignore_rules r = rules_of("foo/*\n");
    assert_non_null(ignore_rule_for(&r, "foo/test.json", false));
    assert_non_null(ignore_rule_for(&r, "foo/bar", true));
    assert_null(ignore_rule_for(&r, "foo/bar/hello.c", false));
    /* ... but it is inside an ignored folder, so it is ignored all the same */
    assert_true(ignored(&r, "foo/bar/hello.c", false));
    ignore_free(&r);
}

static void double_star_forms(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("**/foo\n**/x/bar\nabc/**\na/**/b\n");
    assert_true(ignored(&r, "foo", false));
    assert_true(ignored(&r, "deep/down/foo", false));
    assert_true(ignored(&r, "x/bar", false));
    assert_true(ignored(&r, "q/x/bar", false));
    assert_false(ignored(&r, "q/y/bar", false));
    assert_true(ignored(&r, "abc/one", false));
    assert_true(ignored(&r, "abc/d/two", false));
    assert_null(ignore_rule_for(&r, "abc", true)); // abc/** is everything inside abc
    assert_true(ignored(&r, "a/b", false));
    assert_true(ignored(&r, "a/x/b", false));
    assert_true(ignored(&r, "a/x/y/b", false));
    assert_false(ignored(&r, "a/x/y/c", false));
    ignore_free(&r);
}

static void negation_reincludes(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("*.html\n!foo.html\n");
    assert_true(ignored(&r, "a.html", false));
    assert_false(ignored(&r, "foo.html", false));
    assert_false(ignored(&r, "sub/foo.html", false));
    const struct ignore_rule *why = NULL;
    assert_false(ignore_match(&r, "foo.html", false, &why));
    assert_non_null(why);
    assert_true(why->negate);
    ignore_free(&r);
}

static void everything_but_foo_bar(void **state)
{
    (void)state;
    /* the documentation's example: exclude everything except foo/bar */
    struct ignore_rules r = rules_of("/*\n!/foo\n/foo/*\n!/foo/bar\n");
    assert_true(ignored(&r, "top.txt", false));
    assert_false(ignored(&r, "foo", true));
    assert_true(ignored(&r, "foo/other", false));
    assert_false(ignored(&r, "foo/bar", true));
    assert_false(ignored(&r, "foo/bar/deep.c", false));
    ignore_free(&r);
}

static void no_reinclude_inside_ignored_folder(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("build/\n!build/keep.txt\n");
    const struct ignore_rule *why = NULL;
    assert_true(ignore_match(&r, "build/keep.txt", false, &why));
    assert_string_equal(why->pattern, "build/");
    ignore_free(&r);
}

static void comments_escapes_and_spaces(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("# a comment\n\n\\#hash\n\\!bang\ntrail   \nsp\\ \r\n");
    assert_int_equal(r.n, 4);
    assert_true(ignored(&r, "#hash", false));
    assert_true(ignored(&r, "!bang", false));
    assert_true(ignored(&r, "trail", false));
    assert_false(ignored(&r, "trail   ", false));
    assert_true(ignored(&r, "sp ", false));
    assert_false(ignored(&r, "# a comment", false));
    ignore_free(&r);
}

static void brackets_and_question_mark(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("debug[0-9].log\nv?.bin\n");
    assert_true(ignored(&r, "logs/debug3.log", false));
    assert_false(ignored(&r, "debugx.log", false));
    assert_true(ignored(&r, "v1.bin", false));
    assert_false(ignored(&r, "v10.bin", false));
    ignore_free(&r);
}

static void nested_rule_file_applies_below_its_folder(void **state)
{
    (void)state;
    struct ignore_rules r = { 0 };
    const char *text = "*.txt\n/only_here\n";
    assert_int_equal(ignore_add_text(&r, text, strlen(text), "lib/.espburnignore", "lib/", NULL), 0);
    assert_true(ignored(&r, "lib/a.txt", false));
    assert_true(ignored(&r, "lib/sub/a.txt", false));
    assert_false(ignored(&r, "a.txt", false));
    assert_true(ignored(&r, "lib/only_here", false));
    assert_false(ignored(&r, "lib/sub/only_here", false));
    ignore_free(&r);
}

static void defaults_and_reason(void **state)
{
    (void)state;
    struct ignore_rules r = { 0 };
    assert_int_equal(ignore_add_defaults(&r, NULL), 0);
    const char *junk[] = { ".git", "__pycache__", "lib/__pycache__" };
    for (size_t i = 0; i < 3; i++)
        assert_true(ignored(&r, junk[i], true));
    const char *files[] = { "x.pyc",     ".DS_Store",      "a/.main.py.swp", "main.py~",
                            ".#main.py", ".espburnignore", ".git/config" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        assert_true(ignored(&r, files[i], false));
    assert_false(ignored(&r, "main.py", false));
    assert_false(ignored(&r, "lib/git.py", false));
    const struct ignore_rule *why = NULL;
    assert_true(ignore_match(&r, "app/__pycache__/m.cpython.pyc", false, &why));
    assert_string_equal(why->pattern, "__pycache__/");
    assert_string_equal(why->source, "default rules");
    assert_int_equal(why->line, 2);
    ignore_free(&r);
}

static void reason_names_file_and_line(void **state)
{
    (void)state;
    struct ignore_rules r = rules_of("# assets\n*.psd\n");
    const struct ignore_rule *why = NULL;
    assert_true(ignore_match(&r, "img/logo.psd", false, &why));
    assert_string_equal(why->source, ".espburnignore");
    assert_int_equal(why->line, 2);
    assert_false(ignore_match(&r, "img/logo.png", false, &why));
    assert_null(why);
    ignore_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trailing_slash_matches_folders_only),
        cmocka_unit_test(slash_in_middle_anchors),
        cmocka_unit_test(star_stays_within_a_component),
        cmocka_unit_test(double_star_forms),
        cmocka_unit_test(negation_reincludes),
        cmocka_unit_test(everything_but_foo_bar),
        cmocka_unit_test(no_reinclude_inside_ignored_folder),
        cmocka_unit_test(comments_escapes_and_spaces),
        cmocka_unit_test(brackets_and_question_mark),
        cmocka_unit_test(nested_rule_file_applies_below_its_folder),
        cmocka_unit_test(defaults_and_reason),
        cmocka_unit_test(reason_names_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
