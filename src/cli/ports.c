/* ports.c - PLACEHOLDER: replaced by the helper that implements `espburn ports`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_ports(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'ports' is not built yet\n");
    return EB_USAGE;
}
