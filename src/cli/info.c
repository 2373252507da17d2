/* info.c - PLACEHOLDER: replaced by the helper that implements `espburn info`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_info(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'info' is not built yet\n");
    return EB_USAGE;
}
