/* config.h - espburn's configuration file and how its settings merge with
 * the environment and the command line.
 *
 * The file is INI (read with libinih), at $XDG_CONFIG_HOME/espburn/config.ini
 * or ~/.config/espburn/config.ini:
 *
 *     port = fire              ; the default port (a path, a URL or an alias)
 *     baud = auto              ; 9600..12000000 or auto
 *     after = hard-reset       ; hard-reset, no-reset or stay
 *
 *     [port fire]              ; an alias: -p fire means the path below
 *     path = /dev/ttyUSB0
 *
 *     [sync]
 *     exclude = *.log          ; repeatable: patterns sync and watch leave out
 *
 * Anything else (an unknown key or section, a bad value, a line that is not
 * `key = value` or `[section]`, an alias without a path or given twice) is an
 * error naming the file and line. Pure: the caller reads the file. */
#ifndef ESPBURN_CONFIG_H
#define ESPBURN_CONFIG_H

#include <stddef.h>

#include "common/err.h"

/* The file's name under the configuration folder. */
#define CONFIG_FILE_NAME "espburn/config.ini"

/* Where a setting's value came from, weakest first. */
enum config_source {
    CONFIG_FROM_DEFAULT,
    CONFIG_FROM_FILE,
    CONFIG_FROM_ENV,
    CONFIG_FROM_FLAG
};

struct config_value {
    char *value;   /* NULL: not in the file */
    unsigned line; /* its line in the file */
};

struct config_alias {
    char *name, *path;
    unsigned line; /* of the [port NAME] header */
};

struct config {
    struct config_value port, baud, after;
    struct config_alias *aliases;
    size_t naliases;
    struct config_value *excludes; /* [sync] exclude = ..., in file order */
    size_t nexcludes;
};

/* Parse the file's text[0..len) (`file` names it in messages) into `c`
 * (zeroed by the caller). On failure (EB_USAGE: "FILE line N: what is
 * wrong; how to fix it") `c` holds what was read so far; config_free it
 * in both cases. */
int config_parse(struct config *c, const char *text, size_t len, const char *file, eb_err *err);
void config_free(struct config *c);

/* The path of the file from $XDG_CONFIG_HOME (`xdg`) or $HOME (`home`),
 * either NULL or empty when unset, into buf[0..n); -1 when neither is set
 * or the path does not fit. */
int config_path(const char *xdg, const char *home, char *buf, size_t n);

/* The alias `name` defines, or NULL. */
const struct config_alias *config_alias_find(const struct config *c, const char *name);

/* The effective value: the flag's, else the environment's, else the
 * file's, else the default (each NULL or "" when not given). */
struct config_setting {
    const char *value;
    enum config_source from;
};
struct config_setting config_pick(const char *flag, const char *env, const char *file, const char *def);

/* "default", "file", "env", "flag". */
const char *config_source_name(enum config_source s);

#endif
