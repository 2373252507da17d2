/* cli.h - what every command file shares: the command table, error and
 * JSON output helpers. Only src/cli/ prints or exits. */
#ifndef ESPBURN_CLI_H
#define ESPBURN_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/err.h"

struct command {
    const char *name;
    const char *summary;               /* one line for `espburn help` */
    unsigned opts;                     /* the shared options it honours: CLI_O(PORT) | ... */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    /* Its own options and sub-command words, as its --help lists them, for
     * completions and the man page: "build ls -o IMG -n,--dry-run --force"
     * (a value's name after a space; `-x,--long` for two spellings). */
    const char *own;
};

/* The command table (cli_commands.c), ended by a row with name NULL. */
const struct command *cli_commands(void);
const struct command *cli_command_find(const char *name);
/* Run espburn's command line (main). */
int cli_main(int argc, char **argv);
/* The shared options the running command honours, for its --help. */
void cli_print_command_options(void);
/* A command's --help: its own text, then the shared options it honours. */
void cli_print_help(const char *text);

/* One line per command; add yours to the table in cli_commands.c. */
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
/* MicroPython on the board (src/cli/cli_mpy.h) */
int cmd_repl(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_mip(int argc, char **argv);
int cmd_edit(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_put(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mkdir(int argc, char **argv);
int cmd_rmdir(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_df(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_about(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_modules(int argc, char **argv);
int cmd_reset_soft(int argc, char **argv); /* reset --soft (reset.c hands it over) */
int cmd_explain(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_fs(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_man(int argc, char **argv);

/* Print "espburn: <message>" on stderr and return the error's exit code. */
int cli_fail(const eb_err *err);
/* Print "espburn CMD: <message>" and a hint to use --help; returns EB_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --json documents: cli_print_json, cli_json_line (one envelope, cli_json.h). */
#include "cli/cli_json.h"
/* True when stdout is a terminal (progress bars). Colours: cli_use_color
 * (cli_options.h). */
bool cli_is_tty(void);

/* Flash plans (cli/cli_plan_print.c), shared by plan, merge, flash and verify. */
struct plan;
struct plan_opts;
struct finding;
/* getopt value for --chip ('c'), --flash-size ('s') or --force ('f') into
 * `o`; returns 0, or EB_USAGE after a usage message. */
int cli_plan_option(const char *cmd, int opt, const char *arg, struct plan_opts *o);
struct device_header_opts;
/* The image header options flash and verify share, at argv[*i]:
 * --flash-mode and --flash-freq into `h`, --flash-size into `h` (keep,
 * detect, or a size the header can hold, which the plan gets too), --chip
 * into the plan; *i moves past the value. 1 taken, 0 not one of them,
 * else EB_USAGE after a usage message. */
int cli_header_option(const char *cmd, int argc, char **argv, int *i, struct device_header_opts *h,
                      struct plan_opts *p);
/* A command that builds a plan from SOURCEs (plan, merge): its name, its
 * --help text, and its own options: getopt rows `own` (ended by a zero row)
 * with their short letters, each handed to option(); check(), or NULL, runs
 * after parsing and before the SOURCEs are looked for. */
struct option;
struct cli_plan_cmd {
    const char *name, *usage;
    const char *shortopts; /* "o:" */
    const struct option *own;
    int (*option)(void *ctx, int opt, const char *arg, struct plan_opts *po); /* 0 or EB_USAGE */
    int (*check)(void *ctx);                                                  /* 0 or EB_USAGE */
    void *ctx;
};
/* Parse the command line (--chip, --flash-size, --force, --json, --help and
 * the command's own options), answer --help, build the plan of the SOURCEs.
 * Returns -1 with *p built (plan_free it), else the exit code to return. */
int cli_plan_start(const struct cli_plan_cmd *c, int argc, char **argv, struct plan_opts *po, bool *json,
                   struct plan *p);
/* The plan as a table, findings, esptool command and (refused) verdict. */
void cli_print_plan(const struct plan *p, bool force, const char *port);
/* Only the warnings, errors and verdict, on stderr. */
void cli_print_plan_problems(const struct plan *p, bool force);
/* The plan as a JSON object (caller owns it). */
cJSON *cli_plan_json(const struct plan *p, bool force, const char *port);

/* Findings (cli/cli_findings.c): the one text format and JSON form. */
/* "  warning [code] text" for each finding of level `min` or above. */
void cli_print_findings(FILE *f, const struct plan *p, int min_level);
/* One plan finding as JSON: level, code, text, and effect for errors. */
cJSON *cli_finding_json(const struct finding *f);
/* Every finding of the plan as a JSON array. */
cJSON *cli_findings_json(const struct plan *p);
/* Build the plan for a board command and show its warnings and errors
 * (stderr, unless quiet); fails (EB_PROBLEM, nothing kept) when it is
 * refused and po->force is not set. */
int cli_plan_load(int nsrc, char **src, const struct plan_opts *po, bool quiet, struct plan *p, eb_err *err);
/* A byte count with thousands separators ("2,317,264") into buf[0..n). */
void cli_format_size(char *buf, size_t n, size_t v);

/* Partition tables (cli/cli_partition.c), shared by table and info. */
struct partition;
struct pt_issue;
/* The label with control and non-ASCII bytes escaped, into out. */
const char *cli_partition_label(const char *label, char out[16 * 4 + 1]);
/* {name, type, type_id, subtype, subtype_id, offset, size, end, flags, flags_raw} */
cJSON *cli_partition_json(const struct partition *p);
/* [{level: "error"|"warning", text}] */
cJSON *cli_issues_json(const struct pt_issue *issues, unsigned n);

#endif
