/* cli_mpy.h - what the MicroPython commands (exec, ls, put, sync, ...)
 * share: their option parsing (-p PORT, --baud, --json, --timeout), opening
 * a session with the file helpers, and remote path arguments (":path"). */
#ifndef ESPBURN_CLI_MPY_H
#define ESPBURN_CLI_MPY_H

#include <stdbool.h>
#include <stdint.h>

#include "mpy/fs.h"
#include "mpy/session.h"

#define CLI_MPY_MAX_ARGS 64
#define CLI_MPY_ANY_ARGS CLI_MPY_MAX_ARGS /* max_args of a command taking a list */

struct cli_mpy {
    /* filled by the command before parsing */
    const char *cmd;
    const char *usage;         /* "ls [:PATH] [-r]" */
    const char *help;          /* what the command does, its own options */
    const char *const *flags;  /* boolean options it accepts, NULL-terminated */
    const char *const *valued; /* options taking a value, NULL-terminated */
    int min_args, max_args;    /* how many positional arguments it takes */
    const char *args_hint;     /* the usage message when that count is off
                                     * (NULL: "takes no arguments") */
    bool local_then_remote;    /* the arguments are LOCAL [:REMOTE] (put, sync, watch),
                                     * else the args_hint usage message */
    /* filled by cli_mpy_parse */
    const char *port;
    uint32_t baud;
    bool json;
    int timeout_s;
    bool no_deflate;
    bool no_binary;
    unsigned flag_set; /* bit i: flags[i] was given */
    const char *val_name[CLI_MPY_MAX_ARGS], *val[CLI_MPY_MAX_ARGS];
    int nval;
    char *pos[CLI_MPY_MAX_ARGS];
    int npos;
    /* the session */
    struct mpy m;
    struct mpy_fs fs;
};

/* Parse argv and check the number of positional arguments. Returns -1 to
 * go on, or an exit code (help printed: 0; usage error: 2) to return at once. */
int cli_mpy_parse(struct cli_mpy *c, int argc, char **argv);
/* cli_mpy_parse, then cli_mpy_connect: the start of most commands. Returns
 * -1 to go on (connected), or the exit code to return at once. */
int cli_mpy_start(struct cli_mpy *c, int argc, char **argv, bool with_fs);
/* Print the command's args_hint as a usage error; returns EB_USAGE. */
int cli_mpy_usage(const struct cli_mpy *c);
/* Whether the boolean option `name` (one of c->flags) was given. */
bool cli_mpy_flag(const struct cli_mpy *c, const char *name);
/* The value of the last option `name` (one of c->valued) given, or NULL. */
const char *cli_mpy_value(const struct cli_mpy *c, const char *name);
/* A command on a local folder and a board folder, LOCAL [:REMOTE] (sync,
 * watch): parse (c->cmd, usage, help, flags and valued set; valued has
 * --exclude), connect with the file helpers, then run() with the --exclude
 * patterns and the config file's [sync] ones. Returns the exit code. */
typedef int cli_mpy_folder_fn(struct cli_mpy *c, const char **exclude, size_t nexclude);
int cli_mpy_folder_cmd(struct cli_mpy *c, int argc, char **argv, cli_mpy_folder_fn *run);
/* The board folder of a folder command: REMOTE, or the main filesystem. */
const char *cli_mpy_board_folder(const struct cli_mpy *c);
/* The help line of --exclude (sync, watch). */
#define CLI_MPY_HELP_EXCLUDE                                                                  \
    "  --exclude PATTERN   skip files whose name or relative path matches (repeatable; the\n" \
    "                      config file's [sync] exclude patterns are added)\n"
/* Open the port and enter the raw REPL (with_fs: define file helpers too).
 * Returns 0, or the exit code after printing the error. */
int cli_mpy_connect(struct cli_mpy *c, bool with_fs);
/* Close the session; returns rc unchanged (for `return cli_mpy_end(c, rc)`). */
int cli_mpy_end(struct cli_mpy *c, int rc);
/* Print the error, close the session, return its exit code. */
int cli_mpy_fail(struct cli_mpy *c, const eb_err *err);
/* A remote path argument without its ':' (":" alone is the working folder). */
const char *cli_mpy_remote(const char *arg);
/* True for a board path argument (":path"). */
bool cli_mpy_is_remote(const char *arg);
/* The last part of a path: "lib/a.py" -> "a.py", "lib/sub/" -> "sub/". */
const char *cli_mpy_basename(const char *path);

/* List `path` on the board (recursive: everything below it) and show it:
 * with --json a [{path, type, size}] array, else through print_text.
 * Closes the session; returns the exit code. */
typedef void cli_mpy_listing_printer(const char *path, const struct mpy_entries *e);
int cli_mpy_show_listing(struct cli_mpy *c, const char *path, bool recursive,
                         cli_mpy_listing_printer *print_text);

/* The end of a command that only acts on paths (rm, mkdir, mv...): with
 * --json, print {"command": ..., "paths": [...]}; close; return 0. */
int cli_mpy_done_paths(struct cli_mpy *c);

/* Run code on the board (exec, run): stdout streamed to ours, a traceback
 * to stderr (exit 1); Ctrl-C here interrupts the board's program. */
int cli_mpy_run_code(struct cli_mpy *c, const char *code, size_t len);

/* Chains (cli_chain.c): between begin and end, the first command's session
 * stays open and every later command uses it (one connection). */
void cli_mpy_chain_begin(void);
void cli_mpy_chain_end(void);
/* Open the port without entering the raw REPL (repl); in a chain, the
 * chain's session, taken back to the friendly REPL. */
int cli_mpy_open_plain(struct cli_mpy *c, eb_err *err);

typedef int (*cli_command_fn)(int argc, char **argv);
/* Whether argv asks for a chain: '+' between commands, or options first. */
bool cli_chain_wanted(int argc, char **argv);
/* Run the chain in argv (argv[0] is the program); returns the exit code. */
int cli_chain(int argc, char **argv, cli_command_fn run);

#endif
