/* cli_mpy.c - option parsing and sessions for the MicroPython commands. */
#include "cli/cli_mpy.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_device.h"
#include "mpy/start.h"

/* MicroPython's REPL rate on ESP32 firmware. */
#define MPY_BAUD 115200

static void print_help(const struct cli_mpy *c)
{
    printf("usage: espburn %s\n\n%s\n\n", c->usage, c->help);
    cli_print_command_options();
    printf("\nThe REPL runs at the firmware's rate: -b auto (or ESPBURN_BAUD=auto) means 115200 here.\n");
}

static int index_of(const char *const *list, const char *a)
{
    for (int i = 0; list && list[i]; i++)
        if (strcmp(list[i], a) == 0)
            return i;
    return -1;
}

static int parse_number(struct cli_mpy *c, const char *opt, const char *v, long max, long *out)
{
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || n <= 0 || n > max)
        return cli_usage(c->cmd, "%s needs a positive number", opt);
    *out = n;
    return 0;
}

/* One option at argv[*i]; returns 0 or a usage exit code. */
static int parse_option(struct cli_mpy *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    long n = 0;
    int k;
    if (strcmp(a, "-p") == 0 || strcmp(a, "--port") == 0) {
        if (!v)
            return cli_usage(c->cmd, "%s needs a port", a);
        c->port = v;
        (*i)++;
    } else if (strcmp(a, "-b") == 0 || strcmp(a, "--baud") == 0) {
        if (v && !strcmp(v, "auto"))
            n = MPY_BAUD;
        else if (parse_number(c, a, v, 12000000, &n))
            return EB_USAGE;
        c->baud = (uint32_t)n;
        (*i)++;
    } else if (strcmp(a, "--timeout") == 0) {
        if (parse_number(c, a, v, 86400, &n))
            return EB_USAGE;
        c->timeout_s = (int)n;
        (*i)++;
    } else if (strcmp(a, "--json") == 0) {
        c->json = true;
    } else if (strcmp(a, "--no-deflate") == 0) {
        c->no_deflate = true;
    } else if (strcmp(a, "--no-binary") == 0) {
        c->no_binary = true;
    } else if ((k = index_of(c->flags, a)) >= 0) {
        c->flag_set |= 1u << k;
    } else if (index_of(c->valued, a) >= 0) {
        if (!v)
            return cli_usage(c->cmd, "%s needs a value", a);
        if (c->nval == CLI_MPY_MAX_ARGS)
            return cli_usage(c->cmd, "too many %s options", a);
        c->val_name[c->nval] = a;
        c->val[c->nval++] = v;
        (*i)++;
    } else {
        return cli_usage(c->cmd, "unknown option '%s'", a);
    }
    return 0;
}

/* The arguments are LOCAL [:REMOTE]. */
static bool local_then_remote(const struct cli_mpy *c)
{
    return !cli_mpy_is_remote(c->pos[0]) && (c->npos == 1 || cli_mpy_is_remote(c->pos[1]));
}

int cli_mpy_parse(struct cli_mpy *c, int argc, char **argv)
{
    /* ESPBURN_BAUD (checked by cli_options_prepare), else the config file's (checked when read) */
    const char *dflt = cli_config_baud().value;
    c->baud = dflt && strcmp(dflt, "auto") ? (uint32_t)strtoul(dflt, NULL, 10) : MPY_BAUD;
    c->timeout_s = 10;
    c->port = cli_config_port().value;
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_args && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            print_help(c);
            return EB_OK;
        }
        if (!only_args && strcmp(a, "--") == 0) {
            only_args = true;
        } else if (!only_args && a[0] == '-' && a[1]) {
            int rc = parse_option(c, argc, argv, &i);
            if (rc)
                return rc;
        } else {
            if (c->npos == CLI_MPY_MAX_ARGS)
                return cli_usage(c->cmd, "too many arguments");
            c->pos[c->npos++] = argv[i];
        }
    }
    if (c->npos < c->min_args || c->npos > c->max_args || (c->local_then_remote && !local_then_remote(c)))
        return cli_mpy_usage(c);
    c->port = c->port ? cli_config_port_path(c->port) : NULL;
    return -1;
}

int cli_mpy_start(struct cli_mpy *c, int argc, char **argv, bool with_fs)
{
    int rc = cli_mpy_parse(c, argc, argv);
    if (rc >= 0)
        return rc;
    rc = cli_mpy_connect(c, with_fs);
    return rc ? rc : -1;
}

int cli_mpy_usage(const struct cli_mpy *c)
{
    return cli_usage(c->cmd, "%s", c->args_hint ? c->args_hint : "takes no arguments");
}

bool cli_mpy_flag(const struct cli_mpy *c, const char *name)
{
    int k = index_of(c->flags, name);
    return k >= 0 && (c->flag_set & (1u << k));
}

const char *cli_mpy_value(const struct cli_mpy *c, const char *name)
{
    for (int i = c->nval - 1; i >= 0; i--)
        if (strcmp(c->val_name[i], name) == 0)
            return c->val[i];
    return NULL;
}

int cli_mpy_folder_cmd(struct cli_mpy *c, int argc, char **argv, cli_mpy_folder_fn *run)
{
    c->min_args = 1;
    c->max_args = 2;
    c->args_hint = "give a local folder and optionally a board folder (:PATH)";
    c->local_then_remote = true;
    int rc = cli_mpy_parse(c, argc, argv);
    if (rc >= 0)
        return rc;
    const char *given[CLI_MPY_MAX_ARGS];
    size_t ngiven = 0, nexclude;
    for (int i = 0; i < c->nval; i++)
        if (strcmp(c->val_name[i], "--exclude") == 0)
            given[ngiven++] = c->val[i];
    const char **exclude = cli_config_excludes(given, ngiven, &nexclude);
    if (!exclude)
        return cli_usage(c->cmd, "out of memory");
    rc = cli_mpy_connect(c, true);
    rc = rc ? rc : run(c, exclude, nexclude);
    free(exclude);
    return rc;
}

const char *cli_mpy_board_folder(const struct cli_mpy *c)
{
    return c->npos == 2 && c->pos[1][1] ? cli_mpy_remote(c->pos[1]) : c->fs.root;
}

/* The session a chain keeps open between its commands. */
static struct {
    bool on, open, has_fs;
    struct mpy m;
    struct mpy_fs fs;
} chain;

void cli_mpy_chain_begin(void)
{
    memset(&chain, 0, sizeof chain);
    chain.on = true;
}

void cli_mpy_chain_end(void)
{
    if (chain.open)
        mpy_close(&chain.m);
    memset(&chain, 0, sizeof chain);
}

/* Take over the chain's open session (raw REPL, helpers when asked). */
static int reuse_chain(struct cli_mpy *c, bool with_fs)
{
    eb_err err = { 0 };
    c->m = chain.m;
    c->fs = chain.fs;
    c->fs.m = &c->m;
    c->m.timeout_ms = c->timeout_s * 1000;
    chain.open = false; /* ours until cli_mpy_end gives it back */
    if ((!c->m.raw && mpy_enter_raw(&c->m, &err)) ||
        (with_fs && !chain.has_fs && mpy_fs_init(&c->fs, &c->m, &err)))
        return cli_mpy_fail(c, &err);
    c->fs.allow_deflate = !c->no_deflate;
    c->fs.allow_binary = !c->no_binary;
    chain.has_fs |= with_fs;
    return 0;
}

int cli_mpy_connect(struct cli_mpy *c, bool with_fs)
{
    eb_err err = { 0 };
    if (chain.open)
        return reuse_chain(c, with_fs);
    if (!c->port || !*c->port)
        return cli_usage(c->cmd, "no port given: use -p PORT (or set ESPBURN_PORT)");
    int rc = cli_port_resolve(c->cmd, &c->port);
    if (rc)
        return rc;
    struct mpy_start_opts o = { .timeout_ms = c->timeout_s * 1000,
                                .with_fs = with_fs,
                                .no_deflate = c->no_deflate,
                                .no_binary = c->no_binary };
    if (mpy_start_named(c->port, c->baud, &o, &c->m, &c->fs, &err))
        return cli_fail(&err);
    chain.has_fs = with_fs;
    return 0;
}

int cli_mpy_open_plain(struct cli_mpy *c, eb_err *err)
{
    if (!chain.open)
        return mpy_open(c->port, c->baud, &c->m, err);
    c->m = chain.m;
    chain.open = false;
    static const uint8_t ctrl_b = 0x02; /* leave the raw REPL */
    if (c->m.raw && port_write(c->m.port, &ctrl_b, 1, err))
        return -1;
    c->m.raw = false;
    return 0;
}

int cli_mpy_end(struct cli_mpy *c, int rc)
{
    if (chain.on && c->m.port) { /* keep it for the chain's next command */
        chain.m = c->m;
        chain.fs = c->fs;
        chain.fs.m = &chain.m;
        chain.open = true;
        memset(&c->m, 0, sizeof c->m);
        return rc;
    }
    mpy_close(&c->m);
    return rc;
}

int cli_mpy_fail(struct cli_mpy *c, const eb_err *err)
{
    int rc = cli_fail(err);
    return cli_mpy_end(c, rc);
}

int cli_mpy_done_paths(struct cli_mpy *c)
{
    if (c->json) {
        cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "paths");
        for (int i = 0; i < c->npos; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(cli_mpy_remote(c->pos[i])));
        cli_print_json(doc);
    }
    return cli_mpy_end(c, EB_OK);
}

bool cli_mpy_is_remote(const char *arg)
{
    return arg[0] == ':';
}

const char *cli_mpy_remote(const char *arg)
{
    if (arg[0] == ':')
        arg++;
    return arg[0] ? arg : ".";
}

const char *cli_mpy_basename(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *b = path;
    for (size_t i = 0; i + 1 < n; i++)
        if (path[i] == '/')
            b = path + i + 1;
    return b;
}

/* {"path": the folder listed, "entries": [{path, type, size}...]} */
static cJSON *entries_json(const char *path, const struct mpy_entries *e)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "path", path);
    cJSON *arr = cJSON_AddArrayToObject(doc, "entries");
    for (size_t i = 0; i < e->n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", e->v[i].path);
        cJSON_AddStringToObject(o, "type", e->v[i].type == 'd' ? "dir" : "file");
        cJSON_AddNumberToObject(o, "size", (double)e->v[i].size);
        cJSON_AddItemToArray(arr, o);
    }
    return doc;
}

int cli_mpy_show_listing(struct cli_mpy *c, const char *path, bool recursive,
                         cli_mpy_listing_printer *print_text)
{
    struct mpy_entries e = { 0 };
    eb_err err = { 0 };
    if (mpy_fs_list(&c->fs, path, recursive, &e, &err)) {
        mpy_entries_free(&e);
        return cli_mpy_fail(c, &err);
    }
    if (c->json)
        cli_print_json(entries_json(path, &e));
    else
        print_text(path, &e);
    mpy_entries_free(&e);
    return cli_mpy_end(c, EB_OK);
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void to_stdout(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    fwrite(p, 1, n, stdout);
    fflush(stdout);
}

int cli_mpy_run_code(struct cli_mpy *c, const char *code, size_t len)
{
    bytes out = { 0 }, tb = { 0 };
    eb_err err = { 0 };
    struct sigaction sa = { .sa_handler = on_sigint }, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    c->m.interrupt = &interrupted;
    int rc = mpy_exec(&c->m, code, len, c->json ? NULL : to_stdout, NULL, &out, &tb, &err);
    c->m.interrupt = NULL;
    sigaction(SIGINT, &old, NULL);
    if (rc) {
        bytes_free(&out);
        bytes_free(&tb);
        return cli_mpy_fail(c, &err);
    }
    rc = tb.len ? EB_PROBLEM : EB_OK;
    if (c->json) {
        cJSON *doc = cJSON_CreateObject();
        bytes_append_byte(&out, 0);
        bytes_append_byte(&tb, 0);
        cJSON_AddStringToObject(doc, "stdout", (char *)out.data);
        cJSON_AddStringToObject(doc, "stderr", (char *)tb.data);
        cJSON_AddBoolToObject(doc, "interrupted", interrupted != 0);
        cli_print_json(doc);
    } else if (tb.len) {
        fwrite(tb.data, 1, tb.len, stderr);
    }
    bytes_free(&out);
    bytes_free(&tb);
    return cli_mpy_end(c, rc);
}
