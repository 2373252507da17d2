/* test_mount_proto.c - the mount protocol's host side: requests parsed
 * from the board's bytes (quoting, a CR before the LF, partial frames, an
 * ESC that is only output), the answer header, and the host folder:
 * paths that would leave it refused, writes in place only when closed. */
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

#include "mpy/mount_host.h"
#include "mpy/mount_proto.h"

static enum mount_parse parse(const char *s, size_t n, struct mount_req *r, size_t *used)
{
    return mount_parse_request((const uint8_t *)s, n, r, used);
}

static void parses_quoted_requests(void **state)
{
    (void)state;
    static struct mount_req r;
    size_t used = 0;
    static const char w[] = "\x18W\x01\x00"
                            "a\x1bnb\x1b\x1b\x1br\r\nrest";
    assert_int_equal(parse(w, sizeof w - 1, &r, &used), MOUNT_OK);
    assert_int_equal(used, sizeof w - 1 - 4); /* up to the LF; "rest" is output */
    assert_int_equal(r.op, MOUNT_WRITE);
    assert_int_equal(r.fd, 1);
    assert_int_equal(r.arg_len, 5);
    assert_memory_equal(r.arg, "a\nb\x1b\r", 5);
    static const char n[] = "\x18Na/b\x00"
                            "c\n";
    assert_int_equal(parse(n, sizeof n - 1, &r, &used), MOUNT_OK);
    assert_string_equal(r.path, "a/b");
    assert_string_equal(r.path2, "c");
    static const char rd[] = "\x18R\x02\x00\x00\x08\x00\x00\n";
    assert_int_equal(parse(rd, sizeof rd - 1, &r, &used), MOUNT_OK);
    assert_int_equal(r.fd, 2);
    assert_int_equal(r.n, 2048);
}

static void partial_and_foreign_bytes(void **state)
{
    (void)state;
    static struct mount_req r;
    size_t used = 0;
    assert_int_equal(parse("\x18", 1, &r, &used), MOUNT_NEED_MORE);
    assert_int_equal(parse("\x18S/abc", 6, &r, &used), MOUNT_NEED_MORE);
    assert_int_equal(parse("\x18Z/abc\n", 7, &r, &used), MOUNT_BAD);    /* unknown op: program output */
    assert_int_equal(parse("\x18S\n", 3, &r, &used), MOUNT_BAD);        /* a path is needed */
    assert_int_equal(parse("\x18Oq/x\n", 6, &r, &used), MOUNT_BAD);     /* unknown mode */
    assert_int_equal(parse("\x18S/a\x1bq\n", 7, &r, &used), MOUNT_BAD); /* unknown quote */
    assert_int_equal(parse("\x18R\x20\x00\x00\x08\x00\x00\n", 9, &r, &used), MOUNT_BAD); /* fd 32 */
    uint8_t head[MOUNT_ANS_HEADER];
    mount_answer_header(head, 2, 0x01020304);
    assert_memory_equal(head, "\x18\x02\x04\x03\x02\x01", MOUNT_ANS_HEADER);
}

static unsigned host_do(struct mount_host *h, const char *req, size_t n, bytes *out)
{
    static struct mount_req r;
    size_t used;
    unsigned status;
    assert_int_equal(mount_parse_request((const uint8_t *)req, n, &r, &used), MOUNT_OK);
    out->len = 0;
    mount_host_do(h, &r, &status, out);
    return status;
}
#define DO(h, lit, out) host_do(h, lit, sizeof lit - 1, out)

static void host_folder_stays_closed(void **state)
{
    (void)state;
    char root[] = "/tmp/mount-XXXXXX", path[600];
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof path, "%s/in", root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/in/out", root);
    assert_int_equal(symlink("/etc", path), 0);
    struct mount_host h;
    bytes out = { 0 };
    snprintf(path, sizeof path, "%s/in", root);
    assert_int_equal(mount_host_open(&h, path, NULL), 0);
    assert_int_equal(DO(&h, "\x18S/../x\n", &out), 13);
    assert_int_equal(DO(&h, "\x18Or/out/passwd\n", &out), 13); /* a symlink out */
    assert_int_equal(DO(&h, "\x18M/out/new\n", &out), 13);
    assert_int_equal(DO(&h, "\x18S/nothere\n", &out), 2);
    assert_int_equal(DO(&h, "\x18Ow/f.txt\n", &out), 0);
    assert_memory_equal(out.data, "0", 1);
    assert_int_equal(DO(&h, "\x18W\x00\x00hello\n", &out), 0);
    snprintf(path, sizeof path, "%s/in/f.txt", root);
    assert_int_not_equal(access(path, F_OK), 0); /* not there until closed */
    assert_int_equal(DO(&h,
                        "\x18"
                        "C\x00\x00\n",
                        &out),
                     0);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(DO(&h, "\x18S/f.txt\n", &out), 0);
    assert_memory_equal(out.data, "32768 5 ", 8);
    assert_int_equal(DO(&h,
                        "\x18"
                        "C\x00\x00\n",
                        &out),
                     9); /* closed already: EBADF */
    assert_int_equal(DO(&h, "\x18Ow/g.txt\n", &out), 0);
    mount_host_close(&h); /* left open: dropped, never in place */
    snprintf(path, sizeof path, "%s/in/g.txt", root);
    assert_int_not_equal(access(path, F_OK), 0);
    bytes_free(&out);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_quoted_requests),
        cmocka_unit_test(partial_and_foreign_bytes),
        cmocka_unit_test(host_folder_stays_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
