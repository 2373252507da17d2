/* cli_options.h - the options shared by every command, declared once: the
 * connection options (-p, -b, --before, --after, --chip, --stub, ...), the
 * MicroPython session options and the output options (--json, -q, -v,
 * --color). Each command lists the ones it honours (src/cli/cli_commands.c);
 * cli_options_prepare checks a command line against that list before the
 * command parses it. */
#ifndef ESPBURN_CLI_OPTIONS_H
#define ESPBURN_CLI_OPTIONS_H

#include <stdbool.h>

enum cli_opt_id {
    CLI_OPT_PORT,
    CLI_OPT_BAUD,
    CLI_OPT_BEFORE,
    CLI_OPT_AFTER,
    CLI_OPT_CHIP,
    CLI_OPT_STUB,
    CLI_OPT_NO_STUB,
    CLI_OPT_TIMEOUT,
    CLI_OPT_NO_DEFLATE,
    CLI_OPT_NO_BINARY,
    CLI_OPT_EXPLAIN,
    CLI_OPT_JSON,
    CLI_OPT_QUIET,
    CLI_OPT_VERBOSE,
    CLI_OPT_COLOR,
    CLI_OPT_PROGRESS,
    CLI_OPT_ESPTOOL_V4,
    CLI_OPT_COUNT
};

/* A set of options: CLI_O(PORT) | CLI_O(JSON) ... */
#define CLI_O(name) (1u << CLI_OPT_##name)
/* The output options every command takes (-q, -v, --color). */
#define CLI_OPTS_OUTPUT (CLI_O(QUIET) | CLI_O(VERBOSE) | CLI_O(COLOR))

struct cli_option {
    char short_name;     /* 0: none */
    const char *name;    /* "port" for --port */
    const char *metavar; /* NULL: a flag without a value */
    const char *help;    /* one or more lines, without the leading option */
};

extern const struct cli_option cli_options[CLI_OPT_COUNT];

/* The output options, set by cli_options_prepare. */
enum cli_color {
    CLI_COLOR_AUTO,
    CLI_COLOR_ALWAYS,
    CLI_COLOR_NEVER
};
struct cli_output {
    bool quiet, verbose;
    bool progress;   /* --progress: with --json, progress as JSON lines (cli_progress.h) */
    bool esptool_v4; /* --esptool-v4: the esptool equivalent in v4's spelling */
    enum cli_color color;
};
extern struct cli_output cli_out;

/* True when output to a terminal may use colours (--color, NO_COLOR). */
bool cli_use_color(void);

/* Check argv (argv[0] the command) against the options `cmd` honours
 * (`honoured`, a CLI_O() set): "--opt=value" becomes "--opt value", the
 * output options are taken out (into cli_out), a shared option the
 * command does not take, or an invalid ESPBURN_BAUD, is a usage error.
 * Returns 0 with argc and argv replaced, or EB_USAGE after printing. */
int cli_options_prepare(const char *cmd, unsigned honoured, int *argc, char ***argv);

/* An "options:" list with one entry per honoured option (for --help). */
void cli_options_print_help(unsigned honoured);

/* True when `a` ("-p", "--timeout") is a shared option that takes a value
 * as the next argument. */
bool cli_option_takes_value(const char *a);

/* The option's spelling for messages and completions: "--port". */
const char *cli_option_long(enum cli_opt_id id, char buf[32]);

#endif
