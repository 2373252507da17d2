/* test_dirwatch.c - changes in a folder tree, seen the same way through
 * inotify and by polling: files added, changed, removed, a new folder with
 * a file in it (folder first), nothing when nothing changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/dirwatch.h"

static void write_text(const char *root, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *make_tree(void)
{
    char tmpl[] = "/tmp/dirwatch-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    write_text(tmpl, "a.py", "A = 1\n");
    write_text(tmpl, "b.py", "B = 1\n");
    return strdup(tmpl);
}

/* Wait (at most 3 s) until the watcher reports something. */
static void changes_of(struct dirwatch *w, struct dirwatch_changes *ch)
{
    struct eb_deadline by = eb_deadline_in(3000);
    int r = 0;
    while (r == 0 && !eb_deadline_passed(by))
        r = dirwatch_wait(w, 100, ch, NULL);
    assert_int_equal(r, 1);
}

static const struct dirwatch_change *find(const struct dirwatch_changes *ch, const char *rel)
{
    for (size_t i = 0; i < ch->n; i++)
        if (strcmp(ch->v[i].rel, rel) == 0)
            return &ch->v[i];
    return NULL;
}

static void sees_edits(bool poll)
{
    char *root = make_tree(), path[512];
    struct dirwatch *w = NULL;
    struct dirwatch_changes ch = { 0 };
    assert_int_equal(dirwatch_open(root, poll, &w, NULL), 0);
    assert_int_equal(dirwatch_polling(w), poll);
    assert_int_equal(dirwatch_wait(w, 300, &ch, NULL), 0); /* nothing yet */

    write_text(root, "a.py", "A = 22\n");
    snprintf(path, sizeof path, "%s/b.py", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/lib", root);
    mkdir(path, 0755);
    write_text(root, "lib/c.py", "C = 1\n");
    changes_of(w, &ch);
    const struct dirwatch_change *a = find(&ch, "a.py"), *b = find(&ch, "b.py"), *lib = find(&ch, "lib"),
                                 *c = find(&ch, "lib/c.py");
    assert_true(a && a->kind == DIRWATCH_CHANGED && !a->dir);
    assert_true(b && b->kind == DIRWATCH_REMOVED);
    assert_true(lib && lib->kind == DIRWATCH_ADDED && lib->dir);
    assert_true(c && c->kind == DIRWATCH_ADDED && c > lib); /* the folder before its file */
    assert_int_equal(ch.n, 4);
    assert_true(ch.first_ms > 0);
    dirwatch_changes_free(&ch);

    write_text(root, "lib/c.py", "C = 2\n"); /* in the folder that appeared later */
    changes_of(w, &ch);
    assert_int_equal(ch.n, 1);
    assert_string_equal(ch.v[0].rel, "lib/c.py");
    dirwatch_changes_free(&ch);
    dirwatch_close(w);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    free(root);
}

static void inotify_sees_edits(void **state)
{
    (void)state;
    sees_edits(false);
}

static void polling_sees_edits(void **state)
{
    (void)state;
    sees_edits(true);
}

static void missing_folder_is_an_error(void **state)
{
    (void)state;
    struct dirwatch *w = NULL;
    eb_err err = { 0 };
    assert_int_equal(dirwatch_open("/nonexistent/dirwatch", false, &w, &err), -1);
    assert_non_null(strstr(err.msg, "cannot read the folder"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inotify_sees_edits),
        cmocka_unit_test(polling_sees_edits),
        cmocka_unit_test(missing_folder_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
