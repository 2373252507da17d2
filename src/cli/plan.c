/* plan.c - PLACEHOLDER: replaced by the helper that implements `espburn plan`. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_plan(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "espburn: 'plan' is not built yet\n");
    return EB_USAGE;
}
