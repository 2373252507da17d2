/* verify.c - PLACEHOLDER: replaced by the helper that implements `espburn verify`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_verify(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'verify' is not built yet\n");
    return EB_USAGE;
}
