/* main.c - espburn's entry point; the commands are in cli_commands.c. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
