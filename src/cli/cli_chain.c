/* cli_chain.c - `espburn [-p PORT ...] CMD ARGS + CMD ARGS + ...`: several
 * MicroPython commands over one connection, as mpremote chains them. The
 * options given before the first command go to every command; the first
 * command that fails ends the chain with its exit code. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "cli/cli_options.h"

bool cli_chain_wanted(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] == '-' && strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--help") != 0 &&
        strcmp(argv[1], "--version") != 0)
        return true;
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "+") == 0)
            return true;
    return false;
}

/* Run argv[from..to) as one command, with the shared options after it. */
static int run_one(char **argv, int from, int to, char **opts, int nopts, cli_command_fn run)
{
    int n = to - from;
    if (n <= 0)
        return cli_usage(NULL, "a command is missing around '+'");
    char **v = calloc((size_t)(n + nopts + 1), sizeof *v);
    if (!v)
        return cli_usage(NULL, "out of memory");
    memcpy(v, argv + from, (size_t)n * sizeof *v);
    memcpy(v + n, opts, (size_t)nopts * sizeof *v);
    int rc = run(n + nopts, v);
    free(v);
    return rc;
}

int cli_chain(int argc, char **argv, cli_command_fn run)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-')
        i += cli_option_takes_value(argv[i]) && i + 1 < argc ? 2 : 1;
    char **opts = argv + 1;
    int nopts = i - 1, rc = 0;
    if (i >= argc)
        return cli_usage(NULL, "give a command after the options (espburn --help lists them)");
    cli_mpy_chain_begin();
    for (int start = i; !rc && start <= argc; i++) {
        if (i < argc && strcmp(argv[i], "+") != 0)
            continue;
        rc = run_one(argv, start, i, opts, nopts, run);
        start = i + 1;
    }
    cli_mpy_chain_end();
    return rc;
}
