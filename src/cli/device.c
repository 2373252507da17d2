/* device.c - shared device options and connecting to a board: port,
 * reset, SYNC, chip and flash identification, baud switch (fixed or
 * `auto`, climbing and falling back), leaving the board, and reporting. */
#include "common/clock.h"
#include "cli/device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "loader/protocol.h"
#include "loader/stub.h"
#include "port/port_enum.h"

static int parse_baud(const char *cmd, const char *s, struct device_opts *o)
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

void device_opts_init(struct device_opts *o, enum after_mode after)
{
    memset(o, 0, sizeof *o);
    o->after = after;
    const char *b = getenv("ESPBURN_BAUD");
    if (b && *b && parse_baud("", b, o))
        o->baud = 0;
}

static int parse_before(const char *cmd, const char *s, struct device_opts *o)
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

static int parse_after(const char *cmd, const char *s, struct device_opts *o)
{
    static const struct {
        const char *name;
        enum after_mode mode;
    } names[] = {
        { "hard-reset", AFTER_HARD_RESET },
        { "hard_reset", AFTER_HARD_RESET },
        { "no-reset", AFTER_NO_RESET },
        { "no_reset", AFTER_NO_RESET },
        { "stay", AFTER_STAY },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            o->after = names[i].mode;
            o->after_given = true;
            return 0;
        }
    return cli_usage(cmd, "--after '%s': use hard-reset, no-reset or stay", s);
}

int device_parse_opt(struct device_opts *o, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--json"))
        return o->json = true, 1;
    if (!strcmp(a, "--explain"))
        return o->explain = true, 1;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
        return o->quiet = true, 1;
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
        if (o->nports == DEVICE_MAX_PORTS)
            return cli_usage(cmd, "at most %d ports at once", DEVICE_MAX_PORTS);
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
static int expand_auto(struct device_opts *o, const char *cmd, unsigned idx)
{
    bool all = !strcmp(o->ports[idx], "all");
    static _Thread_local struct port_info found[DEVICE_MAX_PORTS];
    eb_err err = { 0 };
    int n = port_enum_likely(found, DEVICE_MAX_PORTS, &err);
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
    for (int i = 1; i < n && o->nports < DEVICE_MAX_PORTS; i++)
        o->ports[o->nports++] = found[i].path;
    return 0;
}

int device_opts_finish(struct device_opts *o, const char *cmd)
{
    if (o->nports == 0) {
        const char *env = getenv("ESPBURN_PORT");
        if (!env || !*env)
            return cli_usage(cmd, "no port: give -p PORT (or set ESPBURN_PORT); 'espburn ports' lists them");
        o->ports[o->nports++] = env;
    }
    for (unsigned i = 0; i < o->nports; i++)
        if (!strcmp(o->ports[i], "auto") || !strcmp(o->ports[i], "all")) {
            int rc = expand_auto(o, cmd, i);
            if (rc)
                return rc;
        }
    return 0;
}

void device_print_help(void)
{
    printf("device options:\n"
           "  -p, --port PORT   /dev/ttyUSB0, COM5, socket://HOST:PORT, rfc2217://HOST:PORT, auto\n"
           "                    (default $ESPBURN_PORT); repeat -p, or -p all, for several boards\n"
           "  -b, --baud RATE   switch to RATE after connecting at 115200, or 'auto' to climb to the\n"
           "                    fastest rate that works (default $ESPBURN_BAUD, else 115200)\n"
           "  --before MODE     default (DTR/RTS reset into download mode), usb-jtag, no-reset\n"
           "  --after MODE      hard-reset (EN through RTS), no-reset (run the firmware without a\n"
           "                    reset), stay (stay in the bootloader for more commands)\n"
           "  --stub FILE.json  load a flasher stub (esptool / esptool-js JSON format); flash, read\n"
           "                    and erase look for an installed esptool-js/esptool stub by themselves\n"
           "  --no-stub         use only the ROM loader\n"
           "  --json            one JSON document on stdout\n"
           "  --explain         say what each protocol step is and why (on stderr)\n"
           "  -q, --quiet       no progress output\n");
}

void device_explain(const struct device_opts *o, const char *step, const char *why)
{
    if (o->explain)
        fprintf(stderr, "explain: %-18s %s\n", step, why);
}

static void explain_note(void *ctx, const char *step, const char *why)
{
    device_explain(ctx, step, why);
}

/* Rates tried by -b auto, lowest first. */
static const uint32_t auto_rates[] = { 460800, 921600, 1500000, 2000000, 3000000 };

/* Switch to `rate`; 0 done, 1 it failed but the link is back at `good`,
 * -1 the link is lost. */
static int try_rate(const struct device_opts *o, struct device *d, uint32_t rate, uint32_t good, eb_err *err)
{
    if (loader_change_baud(d->l, rate, err) == 0) {
        d->baud = rate;
        return 0;
    }
    eb_err ignore;
    if (d->port->has_lines && o->before != BEFORE_NO_RESET) {
        /* reset the chip back to its ROM rate, then go to the last rate that worked */
        device_explain(o, "reset", "the link failed at the new rate: reset into download mode and go back");
        d->l->stub = false;
        d->l->status_len = ESP_ROM_STATUS_LEN;
        d->l->flash_block = ESP_ROM_FLASH_BLOCK;
        if (port_set_baud(d->port, DEVICE_CONNECT_BAUD, &ignore) ||
            loader_connect(d->l, o->before, 0, &ignore))
            return -1;
        d->baud = DEVICE_CONNECT_BAUD;
        if (good == DEVICE_CONNECT_BAUD)
            return 1;
        if (loader_change_baud(d->l, good, &ignore))
            return -1;
        d->baud = good;
        return 1;
    }
    /* no reset line: ask to go back at the new rate, then listen at the old one */
    return loader_return_to_baud(d->l, good, &ignore) == 0 ? 1 : -1;
}

static int climb_baud(const struct device_opts *o, struct device *d, eb_err *err)
{
    uint32_t cap = port_enum_max_baud(d->port_name);
    for (size_t i = 0; i < sizeof auto_rates / sizeof auto_rates[0]; i++) {
        if (cap && auto_rates[i] > cap)
            break;
        char why[96];
        snprintf(why, sizeof why, "trying %u baud, checking the link with register reads", auto_rates[i]);
        device_explain(o, "CHANGE_BAUDRATE", why);
        int r = try_rate(o, d, auto_rates[i], d->baud, err);
        if (r > 0)
            break;
        if (r < 0)
            return eb_wrap(err, "the link failed at %u baud and could not return to %u", auto_rates[i],
                           d->baud);
    }
    return 0;
}

static int switch_baud(const struct device_opts *o, struct device *d, eb_err *err)
{
    if (o->baud_auto)
        return climb_baud(o, d, err);
    if (!o->baud || o->baud == d->baud)
        return 0;
    device_explain(o, "CHANGE_BAUDRATE", "the ROM listens at 115200 after reset; both sides then switch");
    int r = try_rate(o, d, o->baud, d->baud, err);
    if (r)
        return r > 0 ? eb_fail(err, EB_IO,
                               "%s: the link does not work at %u baud; use a lower -b (still at %u)",
                               d->port_name, o->baud, d->baud)
                     : eb_wrap(err, "switching to %u baud", o->baud);
    return 0;
}

static int attach_flash(const struct device_opts *o, struct device *d, eb_err *err)
{
    device_explain(o, "SPI_ATTACH", "the ROM does not talk to the SPI flash until told which pins it is on");
    if (loader_spi_attach(d->l, d->facts.spi_pads, err))
        return -1;
    if (d->facts.security.secure_download)
        return 0; /* RDID needs READ_REG/WRITE_REG, which Secure Download Mode refuses */
    device_explain(o, "RDID (0x9F)",
                   "read the flash chip's JEDEC id through the SPI controller's "
                   "user-command registers: manufacturer and size");
    if (loader_flash_id(d->l, &d->jedec, err))
        return -1;
    d->flash_size = flash_size_from_jedec(d->jedec);
    if (d->flash_size) {
        device_explain(o, "SPI_SET_PARAMS", "tell the ROM the flash size so it accepts addresses above 2 MB");
        return loader_spi_set_params(d->l, d->flash_size, err);
    }
    return 0;
}

int device_connect(const struct device_opts *o, const char *port, struct device *d, eb_err *err)
{
    memset(d, 0, sizeof *d);
    snprintf(d->port_name, sizeof d->port_name, "%s", port);
    int64_t t0 = eb_now_ms();
    if (port_open(port, DEVICE_CONNECT_BAUD, &d->port, err))
        return -1;
    d->baud = DEVICE_CONNECT_BAUD;
    d->l = loader_new(d->port);
    if (!d->l)
        return eb_fail(err, EB_IO, "out of memory");
    if (o->explain) {
        d->l->note = explain_note;
        d->l->note_ctx = (void *)o;
    }
    enum before_mode before = o->before;
    if (before == BEFORE_DEFAULT && port_enum_is_usb_jtag(port))
        before = BEFORE_USB_JTAG;
    if (loader_connect(d->l, before, 0, err))
        return -1;
    device_explain(o, "GET_SECURITY_INFO",
                   "newer ROMs report the chip id here; the ESP32 ROM refuses it, so "
                   "read the magic value at 0x40001000 instead");
    if (loader_detect_chip(d->l, err))
        return -1;
    device_explain(o, "READ_REG (eFuses)",
                   "package, revision, features and the factory MAC are burnt into eFuses");
    if (loader_chip_facts(d->l, &d->facts, err))
        return -1;
    if (switch_baud(o, d, err))
        return -1;
    char found[1024];
    const char *stub = o->no_stub ? NULL : o->stub_path;
    if (!stub && !o->no_stub && o->stub_auto && stub_find(d->l->chip, found, sizeof found) == 0)
        stub = found;
    if (stub && !d->l->stub && !d->facts.security.secure_download) { /* the ROM refuses MEM_* */
        device_explain(o, "MEM_BEGIN/DATA/END",
                       "upload the flasher stub to RAM and jump to it: 16 KB blocks "
                       "acknowledged before writing, erase as it goes, fast reads");
        if (stub_load_file(d->l, stub, err))
            return -1;
    }
    if (attach_flash(o, d, err))
        return -1;
    d->connect_ms = eb_now_ms() - t0;
    return 0;
}

int device_finish(const struct device_opts *o, struct device *d, eb_err *err)
{
    if (!d->l || o->after == AFTER_STAY)
        return 0;
    if (o->after == AFTER_NO_RESET) {
        device_explain(o, "run user code", "leave the loader without a reset: the flashed firmware starts");
        return loader_run_user_code(d->l, err);
    }
    if (!d->port->has_lines && !o->after_given)
        return 0; /* without modem lines, reboot through the loader only when asked to */
    device_explain(o, "hard reset",
                   d->port->has_lines
                       ? "pulse EN low through RTS so the chip boots the new firmware"
                       : "no modem lines on this port: ask the loader to reboot the chip (FLASH_END)");
    return loader_hard_reset(d->l, err);
}

void device_close(struct device *d)
{
    loader_free(d->l);
    port_close(d->port);
    d->l = NULL;
    d->port = NULL;
}

void device_mac_text(const struct device *d, char out[18])
{
    const uint8_t *m = d->facts.mac;
    if (!d->facts.have_mac)
        snprintf(out, 18, "unknown");
    else
        snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void size_text(uint32_t bytes, char *out, size_t n)
{
    if (!bytes)
        snprintf(out, n, "unknown size");
    else if (bytes >= (1u << 20))
        snprintf(out, n, "%u MB", bytes >> 20);
    else
        snprintf(out, n, "%u KB", bytes >> 10);
}

void device_summary_line(const struct device *d, char *out, size_t n)
{
    char mac[18], size[24];
    device_mac_text(d, mac);
    size_text(d->flash_size, size, sizeof size);
    if (d->facts.rev_major >= 0)
        snprintf(out, n, "%s rev v%d.%d, MAC %s, %s flash, on %s", d->facts.description, d->facts.rev_major,
                 d->facts.rev_minor, mac, size, d->port_name);
    else
        snprintf(out, n, "%s, MAC %s, %s flash, on %s", d->facts.description, mac, size, d->port_name);
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

cJSON *device_json(const struct device *d)
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
    cJSON_AddNumberToObject(j, "baud", d->baud);
    return j;
}

int device_parse_number(const char *cmd, const char *what, const char *s, uint32_t *out)
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

/* One simple board command: parse device options and positionals. */
int device_parse_simple(int argc, char **argv, const char *cmd, struct device_opts *o, const char **pos,
                        int maxpos, int *npos, void (*help)(void))
{
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help(), -1;
        int r = device_parse_opt(o, cmd, argc, argv, &i);
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
    return device_opts_finish(o, cmd);
}

int device_fail(const struct device_opts *o, const eb_err *err)
{
    int code = cli_fail(err);
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "ok", false);
        cJSON_AddStringToObject(j, "error", err->msg);
        cJSON_AddNumberToObject(j, "exit_code", code);
        cli_print_json(j);
    }
    return code;
}
