/* cli_complete.h - every option of a command, read from the two tables
 * (the shared options it honours, src/cli/cli_options.c, and its own, the
 * `own` field of its row in src/cli/cli_commands.c), for the generated
 * shell completions (`espburn completion bash|zsh|fish`) and manual page
 * (`espburn man`). tests/e2e/test_completion.py checks them against each
 * command's --help. */
#ifndef ESPBURN_CLI_COMPLETE_H
#define ESPBURN_CLI_COMPLETE_H

#include "cli/cli.h"

struct cli_optspec {
    char shrt[3];     /* "-r", or "" */
    char lng[40];     /* "--dry-run", or "" */
    char metavar[24]; /* "PATTERN", or "" for a flag */
    const char *help; /* the shared options' help (several lines); NULL for a command's own */
};

/* fn for each option of `c`: the shared ones it honours, then its own. */
void cli_command_each_option(const struct command *c, void (*fn)(const struct cli_optspec *, void *),
                             void *ctx);

/* fn for each sub-command word of `c` ("csv2bin" for table). */
void cli_command_each_word(const struct command *c, void (*fn)(const char *word, size_t len, void *),
                           void *ctx);

#endif
