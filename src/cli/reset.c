/* reset.c - PLACEHOLDER: replaced by the helper that implements `espburn reset`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_reset(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'reset' is not built yet\n");
    return EB_USAGE;
}
