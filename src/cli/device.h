/* device.h - what every board command shares: the device options
 * (-p/--port with ESPBURN_PORT, -b/--baud with ESPBURN_BAUD and `auto`,
 * --before, --after, --json, --explain, --quiet, --stub), connecting to a
 * board (reset, SYNC, chip, eFuses, flash attach and size, baud switch),
 * and reporting what was found. */
#ifndef ESPBURN_DEVICE_H
#define ESPBURN_DEVICE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "loader/loader.h"
#include "port/port.h"

#define DEVICE_MAX_PORTS    32
#define DEVICE_CONNECT_BAUD 115200

enum after_mode {
    AFTER_HARD_RESET,
    AFTER_NO_RESET,
    AFTER_STAY
};

struct device_opts {
    const char *ports[DEVICE_MAX_PORTS];
    unsigned nports;
    uint32_t baud; /* 0: stay at the connect rate */
    bool baud_auto;
    enum before_mode before;
    enum after_mode after;
    bool after_given;
    bool json, explain, quiet;
    const char *stub_path; /* --stub FILE.json */
    bool stub_auto;        /* look for an installed stub (the command's default) */
    bool no_stub;          /* --no-stub: the ROM loader only */
};

/* Defaults from the environment (ESPBURN_PORT, ESPBURN_BAUD). `after` is
 * the command's default; commands that gain from a stub set stub_auto. */
void device_opts_init(struct device_opts *o, enum after_mode after);

/* If argv[*i] is a device option, consume it (and its value) and return 1;
 * 0 when it is not one; EB_USAGE (after printing) when it is malformed. */
int device_parse_opt(struct device_opts *o, const char *cmd, int argc, char **argv, int *i);

/* Resolve `auto`/`all` and check a port was given; prints usage errors. */
int device_opts_finish(struct device_opts *o, const char *cmd);

/* Help text lines for the shared options. */
void device_print_help(void);

struct device {
    char port_name[256];
    struct port *port;
    struct loader *l;
    struct chip_facts facts;
    uint32_t jedec;
    uint32_t flash_size; /* from RDID, 0 if unknown */
    uint32_t baud;       /* the rate in use */
    int64_t connect_ms;
};

/* Open the port, reset into download mode, SYNC, identify the chip, switch
 * baud, load a stub (--stub, or found when the command allows), attach the
 * flash and read its id and size. */
int device_connect(const struct device_opts *o, const char *port, struct device *d, eb_err *err);
/* Leave the board as --after says (hard reset, no reset, stay in loader). */
int device_finish(const struct device_opts *o, struct device *d, eb_err *err);
void device_close(struct device *d);

/* "24:0a:c4:12:34:56" */
void device_mac_text(const struct device *d, char out[18]);
/* One line: "ESP32-D0WDQ6 rev v1.0, MAC 24:0a:.., 4 MB flash on PORT" */
void device_summary_line(const struct device *d, char *out, size_t n);
/* Everything known about the board as JSON. */
cJSON *device_json(const struct device *d);

/* Parse "0x10000", "4096", "4MB", "64K"; prints a usage error (EB_USAGE). */
int device_parse_number(const char *cmd, const char *what, const char *s, uint32_t *out);

/* Parse the device options and up to maxpos positional arguments of a
 * simple board command; -1 after printing help, else 0 or EB_USAGE. */
int device_parse_simple(int argc, char **argv, const char *cmd, struct device_opts *o, const char **pos,
                        int maxpos, int *npos, void (*help)(void));

/* Report a failure: the message on stderr and, with --json, {"ok": false,
 * "error": ..., "exit_code": ...} on stdout. Returns the exit code. */
int device_fail(const struct device_opts *o, const eb_err *err);

/* --explain printer (stderr) for the loader's notes and the CLI's own. */
void device_explain(const struct device_opts *o, const char *step, const char *why);

#endif
