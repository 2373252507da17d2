/* erase.c - PLACEHOLDER: replaced by the helper that implements `espburn erase`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_erase(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'erase' is not built yet\n");
    return EB_USAGE;
}
