/* cmd_mount.c - `espburn mount DIR --exec CODE | --run FILE`: run code on
 * the board with DIR mounted at /remote (see src/mpy/mount.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "common/file.h"
#include "mpy/mount.h"

static volatile sig_atomic_t stop_program;

static void on_sigint(int sig)
{
    (void)sig;
    stop_program = 1;
}

static void to_stdout(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    fwrite(p, 1, n, stdout);
    fflush(stdout);
}

/* With --json the program's output goes into the document. */
static void to_bytes(void *ctx, const uint8_t *p, size_t n)
{
    bytes_append(ctx, p, n);
}

/* The result: a line on stderr, or with --json the document. */
static void report(const struct cli_mpy *c, const struct mpy_mount_result *res, bytes *out)
{
    if (!c->json) {
        if (res->traceback.len)
            fwrite(res->traceback.data, 1, res->traceback.len, stderr);
        if (res->soft_reset)
            fprintf(stderr, "mount: the board soft-reset; /remote is gone with it\n");
        fprintf(stderr, "mount: %zu requests, %zu bytes read and %zu written in %s%s\n", res->requests,
                res->bytes_read, res->bytes_written, c->pos[0],
                res->interrupted ? "; interrupted, /remote unmounted" : "");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "file", c->pos[0]);
    cJSON_AddStringToObject(doc, "stdout", out->len ? (char *)out->data : "");
    cJSON_AddStringToObject(doc, "stderr", res->traceback.len ? (char *)res->traceback.data : "");
    cJSON_AddBoolToObject(doc, "interrupted", res->interrupted);
    cJSON_AddBoolToObject(doc, "soft_reset", res->soft_reset);
    cJSON_AddNumberToObject(doc, "requests", (double)res->requests);
    cJSON_AddNumberToObject(doc, "bytes_read", (double)res->bytes_read);
    cJSON_AddNumberToObject(doc, "bytes_written", (double)res->bytes_written);
    cli_print_json(doc);
}

/* Connected: run it with the folder mounted; Ctrl-C interrupts it. */
static int mount_connected(struct cli_mpy *c, const char *code, size_t len)
{
    struct mpy_mount_opts o = { .dir = c->pos[0], .code = code, .len = len, .stop = &stop_program };
    bytes out = { 0 };
    struct mpy_mount_cb cb = { .output = c->json ? to_bytes : to_stdout, .ctx = &out };
    struct mpy_mount_result res;
    struct sigaction sa = { .sa_handler = on_sigint }, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    c->m.timeout_ms = 24 * 3600 * 1000; /* a program may print nothing for long */
    eb_err err = { 0 };
    int rc = mpy_mount_run(&c->m, &o, &cb, &res, &err);
    sigaction(SIGINT, &old, NULL);
    if (rc) {
        bytes_free(&res.traceback);
        bytes_free(&out);
        return cli_mpy_fail(c, &err);
    }
    bytes_append_byte(&out, 0);
    bytes_append_byte(&res.traceback, 0);
    res.traceback.len--;
    report(c, &res, &out);
    rc = res.traceback.len ? EB_PROBLEM : EB_OK;
    bytes_free(&res.traceback);
    bytes_free(&out);
    return cli_mpy_end(c, rc);
}

int cmd_mount(int argc, char **argv)
{
    static const char *const valued[] = { "--exec", "--run", NULL };
    struct cli_mpy c = {
        .cmd = "mount",
        .usage = "mount DIR (--exec CODE | --run FILE.py) [-p PORT]",
        .valued = valued,
        .help = "Run code on the board with the local folder DIR mounted at /remote (read and write),\n"
                "served over the same serial link while the code runs: /remote is its working folder and\n"
                "first on sys.path, so `import x` reads DIR/x.py. Files it writes appear in DIR whole\n"
                "when closed; paths cannot leave DIR. Ctrl-C interrupts; /remote is unmounted after.\n"
                "  --exec CODE     the code to run\n"
                "  --run FILE.py   a local script to run\n"
                "Protocol: docs/mount.md",
        .min_args = 1,
        .max_args = 1,
        .args_hint = "give one local folder to mount",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.nval != 1) {
        fprintf(stderr, "espburn mount: give what to run: --exec CODE or --run FILE.py (one of them)\n");
        return EB_USAGE;
    }
    bytes code = { 0 };
    eb_err err = { 0 };
    if (strcmp(c.val_name[0], "--run") == 0 && file_read(c.val[0], 1 << 20, &code, &err))
        return cli_fail(&err);
    if (strcmp(c.val_name[0], "--exec") == 0 && bytes_append(&code, c.val[0], strlen(c.val[0])))
        return EB_IO;
    if ((rc = cli_mpy_connect(&c, false)) == 0)
        rc = mount_connected(&c, (const char *)code.data, code.len);
    bytes_free(&code);
    return rc;
}
