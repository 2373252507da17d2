/* flash.c - PLACEHOLDER: replaced by the helper that implements `espburn flash`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_flash(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'flash' is not built yet\n");
    return EB_USAGE;
}
