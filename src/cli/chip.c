/* chip.c - PLACEHOLDER: replaced by the helper that implements `espburn chip`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_chip(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'chip' is not built yet\n");
    return EB_USAGE;
}
