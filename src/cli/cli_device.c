/* cli_device.c - the shared device options, their translation into the
 * library's connect options, and reporting what was found. */
#include "cli/cli_device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_flashed.h"
#include "cli/cli_options.h"
#include "port/port_enum.h"

static int parse_baud(const char *cmd, const char *s, struct cli_device_opts *o)
{
    if (!strcmp(s, "auto")) {
        o->baud_auto = true;
        o->baud = 0;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < 9600 || v > 12000000)
        return cli_usage(cmd, "baud '%s' is not a rate between 9600 and 12000000, or 'auto'", s);
    o->baud = (uint32_t)v;
    o->baud_auto = false;
    return 0;
}

void cli_device_opts_fast(struct cli_device_opts *o)
{
    o->stub_auto = true;
    if (!o->baud && !o->baud_auto)
        o->baud_auto = true; /* ESPBURN_BAUD, then -b, override it */
}

static int parse_before(const char *cmd, const char *s, struct cli_device_opts *o)
{
    static const struct {
        const char *name;
        enum before_mode mode;
    } names[] = {
        { "default", BEFORE_DEFAULT },       { "default-reset", BEFORE_DEFAULT },
        { "default_reset", BEFORE_DEFAULT }, { "usb-jtag", BEFORE_USB_JTAG },
        { "usb-reset", BEFORE_USB_JTAG },    { "no-reset", BEFORE_NO_RESET },
        { "no_reset", BEFORE_NO_RESET },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            o->before = names[i].mode;
            return 0;
        }
    return cli_usage(cmd, "--before '%s': use default, usb-jtag or no-reset", s);
}

static int parse_after(const char *cmd, const char *s, struct cli_device_opts *o)
{
    static const struct {
        const char *name;
        enum device_after mode;
    } names[] = {
        { "hard-reset", DEVICE_AFTER_HARD_RESET },
        { "hard_reset", DEVICE_AFTER_HARD_RESET },
        { "no-reset", DEVICE_AFTER_NO_RESET },
        { "no_reset", DEVICE_AFTER_NO_RESET },
        { "stay", DEVICE_AFTER_STAY },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            o->after = names[i].mode;
            o->after_given = true;
            return 0;
        }
    return cli_usage(cmd, "--after '%s': use hard-reset, no-reset or stay", s);
}

void cli_device_opts_init(struct cli_device_opts *o, enum device_after after)
{
    memset(o, 0, sizeof *o);
    o->after = after;
    o->quiet = cli_out.quiet; /* -q and --progress are taken out by cli_options_prepare */
    o->progress = cli_out.progress;
    const char *b = cli_config_baud().value;
    if (b && *b && parse_baud("", b, o))
        o->baud = 0;
    const char *a = cli_config_after(); /* checked when the file was read */
    if (a && parse_after("", a, o))
        o->after = after;
}

int cli_device_parse_opt(struct cli_device_opts *o, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--json"))
        return o->json = true, 1;
    if (!strcmp(a, "--explain"))
        return o->explain = true, 1;
    if (!strcmp(a, "--no-stub"))
        return o->no_stub = true, 1;
    static const char *const valued[] = { "-p", "--port", "-b", "--baud", "--before", "--after", "--stub" };
    size_t k = 0;
    while (k < sizeof valued / sizeof valued[0] && strcmp(a, valued[k]))
        k++;
    if (k == sizeof valued / sizeof valued[0])
        return 0;
    if (*i + 1 >= argc)
        return cli_usage(cmd, "%s needs a value", a);
    const char *v = argv[++*i];
    int rc = 0;
    if (k < 2) {
        if (o->nports == CLI_MAX_PORTS)
            return cli_usage(cmd, "at most %d ports at once", CLI_MAX_PORTS);
        o->ports[o->nports++] = v;
    } else if (k < 4) {
        rc = parse_baud(cmd, v, o);
    } else if (k == 4) {
        rc = parse_before(cmd, v, o);
    } else if (k == 5) {
        rc = parse_after(cmd, v, o);
    } else {
        o->stub_path = v;
    }
    return rc ? rc : 1;
}

/* Expand `auto` (the single likely ESP port) and `all` (every one). */
static int expand_auto(struct cli_device_opts *o, const char *cmd, unsigned idx)
{
    bool all = !strcmp(o->ports[idx], "all");
    static _Thread_local struct port_info found[CLI_MAX_PORTS];
    eb_err err = { 0 };
    int n = port_enum_likely(found, CLI_MAX_PORTS, &err);
    if (n < 0)
        return cli_fail(&err);
    if (n == 0) {
        fprintf(stderr,
                "espburn %s: no ESP board found on any serial port; plug one in or give -p PORT "
                "(see 'espburn ports')\n",
                cmd);
        return EB_IO;
    }
    if (!all && n > 1) {
        fprintf(stderr, "espburn %s: %d ports look like ESP boards; choose one with -p:\n", cmd, n);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "  %s  %s\n", found[i].path, found[i].guess);
        return EB_USAGE;
    }
    o->ports[idx] = found[0].path;
    if (!o->quiet && !o->json)
        fprintf(stderr, "espburn: using %s (%s)\n", found[0].path, found[0].guess);
    for (int i = 1; i < n && o->nports < CLI_MAX_PORTS; i++)
        o->ports[o->nports++] = found[i].path;
    return 0;
}

int cli_port_resolve(const char *cmd, const char **port)
{
    if (strcmp(*port, "auto"))
        return 0;
    struct cli_device_opts o = { .ports = { *port }, .nports = 1, .quiet = cli_out.quiet };
    int rc = expand_auto(&o, cmd, 0);
    *port = o.ports[0];
    return rc;
}

int cli_device_opts_finish(struct cli_device_opts *o, const char *cmd)
{
    if (o->nports == 0) {
        const char *dflt = cli_config_port().value;
        if (!dflt)
            return cli_usage(cmd, "no port: give -p PORT (or set ESPBURN_PORT, or port in the config file); "
                                  "'espburn ports' lists them");
        o->ports[o->nports++] = dflt;
    }
    for (unsigned i = 0; i < o->nports; i++)
        o->ports[i] = cli_config_port_path(o->ports[i]);
    for (unsigned i = 0; i < o->nports; i++)
        if (!strcmp(o->ports[i], "auto") || !strcmp(o->ports[i], "all")) {
            int rc = expand_auto(o, cmd, i);
            if (rc)
                return rc;
        }
    return 0;
}

void cli_device_print_help(void)
{
    cli_print_command_options();
}

void cli_device_explain(const struct cli_device_opts *o, const char *step, const char *why)
{
    if (o->explain)
        fprintf(stderr, "explain: %-18s %s\n", step, why);
}

static void explain_note(void *ctx, const char *step, const char *why)
{
    cli_device_explain(ctx, step, why);
}

static enum device_stub stub_policy(const struct cli_device_opts *o)
{
    if (o->no_stub)
        return DEVICE_STUB_NONE;
    if (o->stub_path)
        return DEVICE_STUB_FILE;
    return o->stub_auto ? DEVICE_STUB_AUTO : DEVICE_STUB_NONE;
}

static struct device_connect_opts connect_opts(const struct cli_device_opts *o)
{
    return (struct device_connect_opts){
        .before = o->before,
        .baud = o->baud,
        .baud_auto = o->baud_auto,
        .stub = stub_policy(o),
        .stub_path = o->stub_path,
        .note = o->explain ? explain_note : NULL,
        .note_ctx = (void *)o,
    };
}

int cli_device_connect(const struct cli_device_opts *o, const char *port, struct device *d, eb_err *err)
{
    struct device_connect_opts c = connect_opts(o);
    c.resume_baud = flashed_last_baud(port);
    int rc = device_connect(&c, port, d, err);
    if (d->rate_note[0] && !o->quiet)
        fprintf(stderr, "%s: note: %s\n", port, d->rate_note);
    if (d->stub_missing[0])
        fprintf(stderr, "%s: note: %s\n", port, d->stub_missing); /* never a silent fallback */
    eb_err ignore;
    if (rc == 0 && d->baud)
        flashed_record_baud(port, d->baud, &ignore); /* best effort: only a later fallback needs it */
    return rc;
}

int cli_device_reset(const struct cli_device_opts *o, const char *port, enum device_reset_how *how,
                     eb_err *err)
{
    struct device_connect_opts c = connect_opts(o);
    return device_reset(&c, port, how, err);
}

int cli_device_finish(const struct cli_device_opts *o, struct device *d, eb_err *err)
{
    return device_finish(d, o->after, o->after_given, err);
}

static cJSON *security_json(const struct security_info *s)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "known", s->known);
    if (!s->known)
        return j;
    cJSON_AddStringToObject(j, "source", s->source);
    cJSON_AddNumberToObject(j, "flags", s->flags);
    cJSON_AddNumberToObject(j, "flash_crypt_cnt", s->flash_crypt_cnt);
    cJSON_AddBoolToObject(j, "flash_encryption", s->flash_encryption);
    cJSON_AddBoolToObject(j, "secure_boot", s->secure_boot);
    cJSON_AddNumberToObject(j, "secure_boot_version", s->secure_boot_version);
    cJSON_AddBoolToObject(j, "secure_download_mode", s->secure_download);
    return j;
}

cJSON *cli_device_json(const struct device *d)
{
    cJSON *j = cJSON_CreateObject();
    char mac[18], hex[16];
    cJSON_AddStringToObject(j, "port", d->port_name);
    cJSON_AddStringToObject(j, "chip", d->l && d->l->chip ? d->l->chip->display : "unknown");
    cJSON_AddStringToObject(j, "description", d->facts.description);
    if (d->facts.rev_major >= 0) {
        char rev[16];
        snprintf(rev, sizeof rev, "v%d.%d", d->facts.rev_major, d->facts.rev_minor);
        cJSON_AddStringToObject(j, "revision", rev);
    }
    cJSON *f = cJSON_AddArrayToObject(j, "features");
    for (unsigned i = 0; i < d->facts.nfeatures; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(d->facts.features[i]));
    if (d->facts.xtal_mhz)
        cJSON_AddNumberToObject(j, "crystal_mhz", d->facts.xtal_mhz);
    device_mac_text(d, mac);
    cJSON_AddStringToObject(j, "mac", mac);
    cJSON *fl = cJSON_AddObjectToObject(j, "flash");
    snprintf(hex, sizeof hex, "0x%06X", d->jedec);
    cJSON_AddStringToObject(fl, "jedec_id", hex);
    cJSON_AddStringToObject(fl, "manufacturer", flash_manufacturer_name(d->jedec & 0xFF));
    snprintf(hex, sizeof hex, "0x%04X", flash_device_id(d->jedec));
    cJSON_AddStringToObject(fl, "device", hex);
    cJSON_AddNumberToObject(fl, "size", d->flash_size);
    cJSON_AddItemToObject(j, "security", security_json(&d->facts.security));
    cJSON_AddBoolToObject(j, "stub", d->l && d->l->stub);
    if (d->stub_missing[0])
        cJSON_AddStringToObject(j, "stub_reason", d->stub_missing);
    cJSON_AddNumberToObject(j, "baud", d->baud);
    if (d->rate_note[0])
        cJSON_AddStringToObject(j, "baud_note", d->rate_note);
    return j;
}

int cli_parse_number(const char *cmd, const char *what, const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (end != s && (*end == 'K' || *end == 'k'))
        v *= 1024, end++;
    else if (end != s && (*end == 'M' || *end == 'm'))
        v *= 1024 * 1024, end++;
    if (end != s && (*end == 'B' || *end == 'b'))
        end++;
    if (errno || end == s || *end || s[0] == '-' || v > UINT32_MAX)
        return cli_usage(cmd, "%s '%s' is not a number (e.g. 0x10000, 4096, 4MB)", what, s);
    *out = (uint32_t)v;
    return 0;
}

int cli_parse_range(const char *cmd, const char *const *pos, uint32_t *addr, uint32_t *size)
{
    int rc = cli_parse_number(cmd, "ADDR", pos[0], addr);
    return rc ? rc : cli_parse_number(cmd, "SIZE", pos[1], size);
}

int cli_device_parse_range_cmd(int argc, char **argv, const char *cmd, struct cli_device_opts *o,
                               const char **pos, int maxpos, int *npos, void (*help)(void))
{
    cli_device_opts_init(o, DEVICE_AFTER_HARD_RESET);
    cli_device_opts_fast(o);
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help(), EB_OK;
        int r = cli_device_parse_opt(o, cmd, argc, argv, &i);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage(cmd, "unknown option '%s'", argv[i]);
        if (*npos == maxpos)
            return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
        pos[(*npos)++] = argv[i];
    }
    int rc = cli_device_opts_finish(o, cmd);
    return rc ? rc : -1;
}

int cli_device_fail(const struct cli_device_opts *o, const eb_err *err)
{
    (void)o; /* with --json the error document is printed when the command ends (cli_json.h) */
    return cli_fail(err);
}
