/* mpy_common.h - what the MicroPython commands (exec, ls, put, sync, ...)
 * share: their option parsing (-p PORT, --baud, --json, --timeout), opening
 * a session with the file helpers, and remote path arguments (":path"). */
#ifndef ESPBURN_CLI_MPY_COMMON_H
#define ESPBURN_CLI_MPY_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "mpy/fs.h"
#include "mpy/session.h"

#define MPY_MAX_ARGS 64
#define MPY_ANY_ARGS MPY_MAX_ARGS /* max_args of a command taking a list */

struct mpy_cli {
    /* filled by the command before parsing */
    const char *cmd;
    const char *usage;         /* "ls [:PATH] [-r]" */
    const char *help;          /* what the command does, its own options */
    const char *const *flags;  /* boolean options it accepts, NULL-terminated */
    const char *const *valued; /* options taking a value, NULL-terminated */
    int min_args, max_args;    /* how many positional arguments it takes */
    const char *args_hint;     /* the usage message when that count is off
                                     * (NULL: "takes no arguments") */
    /* filled by mpy_cli_parse */
    const char *port;
    uint32_t baud;
    bool json;
    int timeout_s;
    bool no_deflate;
    bool no_binary;
    unsigned flag_set; /* bit i: flags[i] was given */
    const char *val_name[MPY_MAX_ARGS], *val[MPY_MAX_ARGS];
    int nval;
    char *pos[MPY_MAX_ARGS];
    int npos;
    /* the session */
    struct mpy m;
    struct mpy_fs fs;
};

/* Parse argv and check the number of positional arguments. Returns -1 to
 * go on, or an exit code (help printed: 0; usage error: 2) to return at once. */
int mpy_cli_parse(struct mpy_cli *c, int argc, char **argv);
/* mpy_cli_parse, then mpy_cli_connect: the start of most commands. Returns
 * -1 to go on (connected), or the exit code to return at once. */
int mpy_cli_start(struct mpy_cli *c, int argc, char **argv, bool with_fs);
/* Print the command's args_hint as a usage error; returns EB_USAGE. */
int mpy_cli_usage(const struct mpy_cli *c);
/* True when the arguments are LOCAL [:REMOTE] (put, sync). */
bool mpy_cli_local_then_remote(const struct mpy_cli *c);
/* Whether the boolean option `name` (one of c->flags) was given. */
bool mpy_cli_flag(const struct mpy_cli *c, const char *name);
/* Open the port and enter the raw REPL (with_fs: define file helpers too).
 * Returns 0, or the exit code after printing the error. */
int mpy_cli_connect(struct mpy_cli *c, bool with_fs);
/* Close the session; returns rc unchanged (for `return mpy_cli_end(c, rc)`). */
int mpy_cli_end(struct mpy_cli *c, int rc);
/* Print the error, close the session, return its exit code. */
int mpy_cli_fail(struct mpy_cli *c, const eb_err *err);
/* A remote path argument without its ':' (":" alone is the working folder). */
const char *mpy_remote(const char *arg);
/* True for a board path argument (":path"). */
bool mpy_is_remote(const char *arg);
/* The last part of a path: "lib/a.py" -> "a.py", "lib/sub/" -> "sub/". */
const char *mpy_basename(const char *path);

/* List `path` on the board (recursive: everything below it) and show it:
 * with --json a [{path, type, size}] array, else through print_text.
 * Closes the session; returns the exit code. */
typedef void mpy_listing_printer(const char *path, const struct mpy_entries *e);
int mpy_cli_show_listing(struct mpy_cli *c, const char *path, bool recursive,
                         mpy_listing_printer *print_text);

/* The end of a command that only acts on paths (rm, mkdir, mv...): with
 * --json, print {"command": ..., "paths": [...]}; close; return 0. */
int mpy_cli_done_paths(struct mpy_cli *c);

/* Run code on the board (exec, run): stdout streamed to ours, a traceback
 * to stderr (exit 1); Ctrl-C here interrupts the board's program. */
int mpy_cli_run_code(struct mpy_cli *c, const char *code, size_t len);

#endif
