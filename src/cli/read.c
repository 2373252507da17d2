/* read.c - PLACEHOLDER: replaced by the helper that implements `espburn read`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_read(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'read' is not built yet\n");
    return EB_USAGE;
}
