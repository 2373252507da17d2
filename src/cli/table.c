/* table.c - PLACEHOLDER: replaced by the helper that implements `espburn table`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_table(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'table' is not built yet\n");
    return EB_USAGE;
}
