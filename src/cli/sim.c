/* sim.c - PLACEHOLDER: replaced by the helper that implements `espburn sim`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_sim(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'sim' is not built yet\n");
    return EB_USAGE;
}
