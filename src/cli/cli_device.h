/* cli_device.h - what every board command shares: the device options
 * (-p/--port with ESPBURN_PORT, `auto` and `all`; -b/--baud with
 * ESPBURN_BAUD and `auto`; --before, --after, --json, --explain, --quiet,
 * --stub, --no-stub), their translation into the library's connect options
 * (src/device/device.h does the connecting), and printing what was found. */
#ifndef ESPBURN_CLI_DEVICE_H
#define ESPBURN_CLI_DEVICE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/device.h"

#define CLI_MAX_PORTS 32

struct cli_device_opts {
    const char *ports[CLI_MAX_PORTS];
    unsigned nports;
    uint32_t baud; /* 0: stay at the connect rate */
    bool baud_auto;
    enum before_mode before;
    enum device_after after;
    bool after_given;
    bool json, explain, quiet;
    bool progress;         /* --progress: with --json, progress as JSON lines (cli_progress.h) */
    const char *stub_path; /* --stub FILE.json */
    bool stub_auto;        /* look for an installed stub (the command's default) */
    bool no_stub;          /* --no-stub: the ROM loader only */
};

/* Defaults from the environment (ESPBURN_PORT, ESPBURN_BAUD). `after` is
 * the command's default; commands that gain from a stub set stub_auto. */
void cli_device_opts_init(struct cli_device_opts *o, enum device_after after);

/* The defaults of commands that move flash data (flash, read, verify,
 * erase): the stub looked up, and -b auto unless ESPBURN_BAUD says a rate
 * (call after cli_device_opts_init, before parsing: -b overrides it). */
void cli_device_opts_fast(struct cli_device_opts *o);

/* If argv[*i] is a device option, consume it (and its value) and return 1;
 * 0 when it is not one; EB_USAGE (after printing) when it is malformed. */
int cli_device_parse_opt(struct cli_device_opts *o, const char *cmd, int argc, char **argv, int *i);

/* Resolve `auto`/`all` and check a port was given; prints usage errors. */
int cli_device_opts_finish(struct cli_device_opts *o, const char *cmd);

/* `auto` as the one likely ESP port (printed on stderr unless -q); other
 * names unchanged. 0, or the exit code after printing. */
int cli_port_resolve(const char *cmd, const char **port);

/* Help text lines for the shared options the running command honours. */
void cli_device_print_help(void);

/* device_connect with the options as the command line gave them (the
 * --explain notes printed on stderr). device_close `d` in every case. */
int cli_device_connect(const struct cli_device_opts *o, const char *port, struct device *d, eb_err *err);
/* Hard-reset the board (device_reset) with the connection options in `o`. */
int cli_device_reset(const struct cli_device_opts *o, const char *port, enum device_reset_how *how,
                     eb_err *err);
/* device_finish as --after says. */
int cli_device_finish(const struct cli_device_opts *o, struct device *d, eb_err *err);

/* Everything known about the board as JSON. */
cJSON *cli_device_json(const struct device *d);

/* Parse "0x10000", "4096", "4MB", "64K"; prints a usage error (EB_USAGE). */
int cli_parse_number(const char *cmd, const char *what, const char *s, uint32_t *out);

/* ADDR and SIZE of a flash range from pos[0] and pos[1]; 0, or EB_USAGE
 * after printing. */
int cli_parse_range(const char *cmd, const char *const *pos, uint32_t *addr, uint32_t *size);
/* The start of a command on a flash range (read, erase): the options with
 * the defaults of commands that move flash data (hard reset after,
 * cli_device_opts_fast) and up to maxpos positional arguments. Returns -1 to
 * go on, or the exit code to return at once (0 after printing help). */
int cli_device_parse_range_cmd(int argc, char **argv, const char *cmd, struct cli_device_opts *o,
                               const char **pos, int maxpos, int *npos, void (*help)(void));

/* Report a failure: the message on stderr and, with --json, {"ok": false,
 * "error": ..., "exit_code": ...} on stdout. Returns the exit code. */
int cli_device_fail(const struct cli_device_opts *o, const eb_err *err);

/* --explain printer (stderr) for the library's notes and the CLI's own. */
void cli_device_explain(const struct cli_device_opts *o, const char *step, const char *why);

#endif
