/* cli_config.h - the configuration file as the commands use it (the file's
 * format and the merge rules: src/common/config.h). main loads it once;
 * the port and rate defaults, the `after` default, port aliases and sync
 * excludes come from here. Precedence: flag > environment > file > default. */
#ifndef ESPBURN_CLI_CONFIG_H
#define ESPBURN_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

/* Read the file (once; a missing file is an empty one). A malformed file
 * is a usage error naming it and the line: printed, its exit code returned. */
int cli_config_load(void);

/* What was read, the file's path (NULL when neither $XDG_CONFIG_HOME nor
 * $HOME is set) and whether the file exists. */
const struct config *cli_config(void);
const char *cli_config_path(void);
bool cli_config_found(void);

/* The default port: $ESPBURN_PORT, else the file's `port`; NULL when
 * neither. An alias is not resolved yet (cli_config_port_path). */
struct config_setting cli_config_port(void);
/* The default rate: $ESPBURN_BAUD, else the file's `baud`. */
struct config_setting cli_config_baud(void);
/* The file's `after`, or NULL. */
const char *cli_config_after(void);

/* The path of the alias `name` ([port NAME] in the file), else `name`. */
const char *cli_config_port_path(const char *name);

/* The --exclude patterns given (flag[0..nflag)) followed by the file's
 * [sync] excludes, in a new array of *n (free it); NULL when out of memory. */
const char **cli_config_excludes(const char *const *flag, size_t nflag, size_t *n);

#endif
