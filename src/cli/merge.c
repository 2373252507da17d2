/* merge.c - PLACEHOLDER: replaced by the helper that implements `espburn merge`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_merge(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'merge' is not built yet\n");
    return EB_USAGE;
}
