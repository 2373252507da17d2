/* main.c - espburn's entry point: finds the command and runs it. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_mpy.h"

static const struct command commands[] = {
    { "info", "say what each firmware file is, for which chip, and where it goes", cmd_info },
    { "plan", "build and check a flash plan from a folder, manifest or ADDR FILE pairs", cmd_plan },
    { "merge", "merge a plan into one image (raw, UF2 or Intel HEX)", cmd_merge },
    { "table", "convert and check partition tables: csv2bin, bin2csv, show", cmd_table },
    { "sim", "run the virtual board (an ESP32 in download mode)", cmd_sim },
    { "ports", "list serial ports and guess which are ESP boards", cmd_ports },
    { "chip", "detect the chip, its revision, MAC and flash", cmd_chip },
    { "flash", "write firmware to a board, checked, compressed and verified", cmd_flash },
    { "verify", "compare a board's flash with a plan (MD5 per region)", cmd_verify },
    { "read", "read flash from a board into a file", cmd_read },
    { "erase", "erase the whole flash or a region", cmd_erase },
    { "reset", "hard-reset a board through RTS", cmd_reset },
    { "repl", "terminal to the board's MicroPython REPL (Ctrl-] leaves)", cmd_repl },
    { "exec", "run Python code on the board", cmd_exec },
    { "eval", "evaluate a Python expression on the board and print its value", cmd_eval },
    { "edit", "edit a board file in $EDITOR (put back atomically when changed)", cmd_edit },
    { "soft-reset", "soft-reset MicroPython (boot.py and main.py run again)", cmd_reset_soft },
    { "run", "run a local script on the board without copying it", cmd_run },
    { "ls", "list files on the board", cmd_ls },
    { "cat", "print a file from the board", cmd_cat },
    { "get", "copy a file from the board", cmd_get },
    { "put", "copy a file to the board (atomic, verified)", cmd_put },
    { "rm", "remove files (-r: folders) on the board", cmd_rm },
    { "mkdir", "make folders on the board", cmd_mkdir },
    { "rmdir", "remove empty folders on the board", cmd_rmdir },
    { "mv", "rename a file or folder on the board", cmd_mv },
    { "df", "size and free space of the board's filesystem", cmd_df },
    { "sync", "make a board folder equal to a local folder", cmd_sync },
    { "mip", "install packages from a micropython-lib style index (URL or folder)", cmd_mip },
    { "watch", "sync a folder, then send each change and restart the program (Ctrl-C stops)", cmd_watch },
    { "mount", "run code on the board with a local folder mounted at /remote", cmd_mount },
    { "about", "the board's MicroPython: version, memory, filesystems", cmd_about },
    { "tree", "show a folder of the board as a tree", cmd_tree },
    { "cp", "copy a file on the board, or to or from it", cmd_cp },
    { "modules", "list the modules built into the board's firmware", cmd_modules },
    { "fs", "filesystem images (LittleFS, FAT, SPIFFS): build from a folder, list, read, copy out", cmd_fs },
    { "explain", "explain a boot log: what went wrong, why, and what to do", cmd_explain },
    { "monitor", "serial terminal that resets the board and explains its boot (Ctrl-] leaves)", cmd_monitor },
    { "config", "show the effective settings (port, baud, after) and where each comes from", cmd_config },
    { "help", "list the commands", cmd_help },
    { "version", "print espburn's version", cmd_version },
    { NULL, NULL, NULL },
};

int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("espburn: flash ESP32 boards and work with MicroPython, without the magic.\n\n"
           "usage: espburn COMMAND [options]   (espburn COMMAND --help for details)\n\n");
    for (const struct command *c = commands; c->name; c++)
        printf("  %-10s %s\n", c->name, c->summary);
    printf("\nexit codes: 0 ok, 1 problem found or refused, 2 usage error, 3 I/O or device error\n");
    return EB_OK;
}

int cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("espburn %s\n", ESPBURN_VERSION);
    return EB_OK;
}

/* argv[0] is the command's name. */
static int run_command(int argc, char **argv)
{
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[0]) == 0)
            return c->run(argc, argv);
    return cli_usage(NULL, "unknown command '%s'", argv[0]);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc, argv);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc, argv);
    int rc = cli_config_load();
    if (rc)
        return rc;
    if (cli_chain_wanted(argc, argv))
        return cli_chain(argc, argv, run_command);
    return run_command(argc - 1, argv + 1);
}
