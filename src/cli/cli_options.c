/* cli_options.c - the shared option table and the check of a command line
 * against the options its command honours. */
#include "cli/cli_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

const struct cli_option cli_options[CLI_OPT_COUNT] = {
    [CLI_OPT_PORT] = { 'p', "port", "PORT",
                       "/dev/ttyUSB0, COM5, socket://HOST:PORT, rfc2217://HOST:PORT, auto (the one\n"
                       "likely ESP port), an alias from the config file; default $ESPBURN_PORT" },
    [CLI_OPT_BAUD] = { 'b', "baud", "RATE",
                       "serial rate; in download mode RATE is switched to after connecting at 115200,\n"
                       "or 'auto': the top rate the port allows first, lower ones after a failure\n"
                       "(default $ESPBURN_BAUD or the config file, else auto for flash, read, verify\n"
                       "and erase, 115200 for the rest); when the board does not answer at 115200,\n"
                       "the rate last used on the port is tried once (a stub left running)" },
    [CLI_OPT_BEFORE] = { 0, "before", "MODE",
                         "default (DTR/RTS reset into download mode), usb-jtag, no-reset" },
    [CLI_OPT_AFTER] = { 0, "after", "MODE",
                        "hard-reset (EN through RTS; the default: the firmware runs next), no-reset\n"
                        "(run the firmware without a reset), stay (stay in the bootloader)" },
    [CLI_OPT_CHIP] = { 0, "chip", "CHIP", "the chip (esp32, esp32s3, ...) instead of the one detected" },
    [CLI_OPT_STUB] = { 0, "stub", "FILE.json",
                       "load this flasher stub (esptool / esptool-js JSON format) instead of an\n"
                       "installed one" },
    [CLI_OPT_NO_STUB] = { 0, "no-stub", NULL, "use only the ROM loader" },
    [CLI_OPT_TIMEOUT] = { 0, "timeout", "S", "longest silence from the board while code runs (default 10)" },
    [CLI_OPT_NO_DEFLATE] = { 0, "no-deflate", NULL,
                             "do not compress file data, even if the board has deflate" },
    [CLI_OPT_NO_BINARY] = { 0, "no-binary", NULL,
                            "send file data as base64, even if the board's code can read stdin" },
    [CLI_OPT_EXPLAIN] = { 0, "explain", NULL, "say what each protocol step is and why (on stderr)" },
    [CLI_OPT_JSON] = { 0, "json", NULL, "one JSON document on stdout (docs/json.md)" },
    [CLI_OPT_QUIET] = { 'q', "quiet", NULL, "no progress or chatter, only results and errors" },
    [CLI_OPT_VERBOSE] = { 'v', "verbose", NULL, "say more about what is done (on stderr)" },
    [CLI_OPT_COLOR] = { 0, "color", "WHEN", "auto (a terminal and no $NO_COLOR), always or never" },
    [CLI_OPT_PROGRESS] = { 0, "progress", NULL,
                           "with --json: progress as JSON lines on stdout before the result" },
    [CLI_OPT_ESPTOOL_V4] = { 0, "esptool-v4", NULL,
                             "show the esptool equivalent in esptool v4's spelling (esptool.py\n"
                             "write_flash --flash_mode ...) instead of v5's (esptool write-flash --flash-mode)" },
};

struct cli_output cli_out;

bool cli_use_color(void)
{
    if (cli_out.color != CLI_COLOR_AUTO)
        return cli_out.color == CLI_COLOR_ALWAYS;
    const char *no = getenv("NO_COLOR");
    return !(no && *no) && isatty(STDOUT_FILENO) == 1;
}

const char *cli_option_long(enum cli_opt_id id, char buf[32])
{
    snprintf(buf, 32, "--%s", cli_options[id].name);
    return buf;
}

/* The shared option `a` names ("-p", "--port"; `len` chars of it), or -1. */
static int find_option(const char *a, size_t len)
{
    for (int id = 0; id < CLI_OPT_COUNT; id++) {
        const struct cli_option *o = &cli_options[id];
        if (len == 2 && a[0] == '-' && o->short_name && a[1] == o->short_name)
            return id;
        if (len > 2 && a[0] == '-' && a[1] == '-' && strlen(o->name) == len - 2 &&
            !strncmp(a + 2, o->name, len - 2))
            return id;
    }
    return -1;
}

bool cli_option_takes_value(const char *a)
{
    int id = strchr(a, '=') ? -1 : find_option(a, strlen(a));
    return id >= 0 && cli_options[id].metavar;
}

static int check_env_baud(const char *cmd)
{
    const char *b = getenv("ESPBURN_BAUD");
    if (!b || !*b || !strcmp(b, "auto"))
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(b, &end, 10);
    if (errno || end == b || *end || v < 9600 || v > 12000000)
        return cli_usage(
            cmd, "ESPBURN_BAUD='%s' is not a rate between 9600 and 12000000 or 'auto'; fix or unset it", b);
    return 0;
}

static int set_output(const char *cmd, int id, const char *value)
{
    if (id == CLI_OPT_QUIET)
        cli_out.quiet = true;
    else if (id == CLI_OPT_VERBOSE)
        cli_out.verbose = true;
    else if (id == CLI_OPT_PROGRESS)
        cli_out.progress = true;
    else if (id == CLI_OPT_ESPTOOL_V4)
        cli_out.esptool_v4 = true;
    else if (!value)
        return cli_usage(cmd, "--color needs a value: auto, always or never");
    else if (!strcmp(value, "auto") || !strcmp(value, "always") || !strcmp(value, "never"))
        cli_out.color = value[1] == 'u'   ? CLI_COLOR_AUTO
                        : value[1] == 'l' ? CLI_COLOR_ALWAYS
                                          : CLI_COLOR_NEVER;
    else
        return cli_usage(cmd, "--color '%s': use auto, always or never", value);
    return 0;
}

struct args {
    int n;
    char **v;
};

static void push(struct args *out, char *s)
{
    out->v[out->n++] = s;
}

/* One option-looking argument at argv[*i]; appends what the command sees. */
static int prepare_one(const char *cmd, unsigned honoured, int argc, char **argv, int *i, struct args *out)
{
    char *a = argv[*i];
    char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    int id = find_option(a, len);
    if (eq)
        *eq = '\0'; /* argv strings are ours to change */
    if (id < 0) {
        push(out, a);
        if (eq)
            push(out, eq + 1);
        return 0;
    }
    if (!(honoured & (1u << id)))
        return cli_usage(cmd, "%s is not an option of %s", a, cmd);
    const struct cli_option *o = &cli_options[id];
    const char *value = eq ? eq + 1 : NULL;
    if (o->metavar && !value && *i + 1 < argc)
        value = argv[++*i];
    if (!o->metavar && eq)
        return cli_usage(cmd, "%s takes no value", a);
    if (id == CLI_OPT_QUIET || id == CLI_OPT_VERBOSE || id == CLI_OPT_COLOR || id == CLI_OPT_PROGRESS ||
        id == CLI_OPT_ESPTOOL_V4)
        return set_output(cmd, id, value); /* kept in cli_out, not passed on */
    push(out, a);
    if (value)
        push(out, (char *)value);
    return 0;
}

int cli_options_prepare(const char *cmd, unsigned honoured, int *argc, char ***argv)
{
    if ((honoured & CLI_O(BAUD)) && check_env_baud(cmd))
        return EB_USAGE;
    static char **kept; /* the new argv lives as long as the program */
    free(kept);
    kept = calloc((size_t)*argc * 2 + 1, sizeof *kept);
    struct args out = { 0, kept };
    if (!kept)
        return cli_usage(cmd, "out of memory");
    push(&out, (*argv)[0]);
    bool only_args = false;
    for (int i = 1; i < *argc; i++) {
        char *a = (*argv)[i];
        if (only_args || a[0] != '-' || !a[1] || (a[1] != '-' && a[2])) {
            push(&out, a);
        } else if (!strcmp(a, "--")) {
            only_args = true;
            push(&out, a);
        } else if (prepare_one(cmd, honoured, *argc, *argv, &i, &out)) {
            return EB_USAGE;
        }
    }
    out.v[out.n] = NULL;
    *argc = out.n;
    *argv = out.v;
    return 0;
}

void cli_options_print_help(unsigned honoured)
{
    printf("options:\n");
    for (int id = 0; id < CLI_OPT_COUNT; id++) {
        if (!(honoured & (1u << id)))
            continue;
        const struct cli_option *o = &cli_options[id];
        char spec[48];
        if (o->short_name)
            snprintf(spec, sizeof spec, "-%c, --%s %s", o->short_name, o->name, o->metavar ? o->metavar : "");
        else
            snprintf(spec, sizeof spec, "--%s %s", o->name, o->metavar ? o->metavar : "");
        const char *h = o->help;
        printf("  %-22s ", spec);
        for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
            printf("%.*s\n  %-22s ", (int)(nl - h), h, "");
        printf("%s\n", h);
    }
}
