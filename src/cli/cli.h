/* cli.h - what every command file shares: the command table, error and
 * JSON output helpers. Only src/cli/ prints or exits. */
#ifndef ESPBURN_CLI_H
#define ESPBURN_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "common/err.h"

struct command {
    const char *name;
    const char *summary;   /* one line for `espburn help` */
    int (*run)(int argc, char **argv);  /* argv[0] is the command name */
};

/* One line per command; add yours to the table in main.c. */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_chip(int argc, char **argv);
int cmd_flash(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_erase(int argc, char **argv);
int cmd_reset(int argc, char **argv);

/* Print "espburn: <message>" on stderr and return the error's exit code. */
int cli_fail(const eb_err *err);
/* Print "espburn CMD: <message>" and a hint to use --help; returns EB_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print `doc` as one JSON document on stdout and free it. */
void cli_print_json(cJSON *doc);
/* True when stdout is a terminal (colours, progress bars). */
bool cli_is_tty(void);

#endif
