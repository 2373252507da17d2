/* cli_commands.c - the command table: each command's name, one-line
 * summary, the shared options it honours (src/cli/cli_options.h), its
 * function and its own options (for completions and the man page); `help`, `version` and the dispatch from main. A new command is
 * one row here plus `int cmd_X(int argc, char **argv)` (declared in cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_mpy.h"
#include "cli/cli_options.h"

/* Download-mode commands: the ROM loader or the stub. */
#define DEV_OPTS                                                                               \
    (CLI_O(PORT) | CLI_O(BAUD) | CLI_O(BEFORE) | CLI_O(AFTER) | CLI_O(STUB) | CLI_O(NO_STUB) | \
     CLI_O(EXPLAIN) | CLI_O(JSON) | CLI_OPTS_OUTPUT)
/* MicroPython commands: a raw-REPL session. */
#define MPY_OPTS                                                                                       \
    (CLI_O(PORT) | CLI_O(BAUD) | CLI_O(TIMEOUT) | CLI_O(NO_DEFLATE) | CLI_O(NO_BINARY) | CLI_O(JSON) | \
     CLI_OPTS_OUTPUT)
#define FILE_OPTS (CLI_O(JSON) | CLI_OPTS_OUTPUT)

static const struct command commands[] = {
    { "info", "say what each firmware file is, for which chip, and where it goes", FILE_OPTS, cmd_info, "" },
    { "plan", "build and check a flash plan from a folder, manifest or ADDR FILE pairs",
      FILE_OPTS | CLI_O(CHIP) | CLI_O(PORT) | CLI_O(ESPTOOL_V4), cmd_plan,
      "--flash-size SIZE --force --fs DIR --fs-type TYPE" },
    { "merge", "merge a plan into one image (raw, UF2 or Intel HEX)", FILE_OPTS | CLI_O(CHIP), cmd_merge,
      "-o OUT --format FORMAT --base ADDR --flash-size SIZE --force" },
    { "table", "convert and check partition tables: csv2bin, bin2csv, show", FILE_OPTS, cmd_table,
      "csv2bin bin2csv show --offset ADDR --no-verify" },
    { "sim", "run the virtual board (an ESP32 in download mode)", FILE_OPTS, cmd_sim,
      "--board NAME --flash-file FILE --tcp PORT --rfc2217 PORT --pty LINK --boot MODE --realtime "
      "--fault SPEC --fs DIR --trace --list --micropython --personality NAME --fs-size BYTES" },
    { "ports", "list serial ports and guess which are ESP boards", FILE_OPTS, cmd_ports, "--all" },
    { "chip", "detect the chip, its revision, MAC and flash", DEV_OPTS, cmd_chip, "" },
    { "flash", "write firmware to a board, checked, compressed and verified",
      DEV_OPTS | CLI_O(CHIP) | CLI_O(ESPTOOL_V4), cmd_flash,
      "--flash-mode MODE --flash-freq FREQ --flash-size SIZE --no-skip --erase --erase-otadata --force "
      "--fs DIR --fs-type TYPE" },
    { "verify", "compare a board's flash with a plan (MD5 per region)",
      DEV_OPTS | CLI_O(PROGRESS) | CLI_O(CHIP), cmd_verify,
      "--flash-mode MODE --flash-freq FREQ --flash-size SIZE" },
    { "read", "read flash from a board into a file", DEV_OPTS | CLI_O(PROGRESS), cmd_read, "" },
    { "erase", "erase the whole flash or a region", DEV_OPTS | CLI_O(PROGRESS), cmd_erase, "--all" },
    { "reset", "hard-reset a board through RTS (--soft: MicroPython's soft reset)",
      CLI_O(PORT) | CLI_O(BAUD) | CLI_O(BEFORE) | CLI_O(EXPLAIN) | CLI_O(TIMEOUT) | FILE_OPTS, cmd_reset,
      "" },
    { "repl", "terminal to the board's MicroPython REPL (Ctrl-] leaves)",
      CLI_O(PORT) | CLI_O(BAUD) | CLI_O(TIMEOUT) | CLI_OPTS_OUTPUT, cmd_repl, "--log FILE" },
    { "exec", "run Python code on the board", MPY_OPTS, cmd_exec, "" },
    { "eval", "evaluate a Python expression on the board and print its value", MPY_OPTS, cmd_eval, "" },
    { "edit", "edit a board file in $EDITOR (put back atomically when changed)", MPY_OPTS, cmd_edit, "" },
    { "soft-reset", "soft-reset MicroPython (boot.py and main.py run again)", MPY_OPTS, cmd_reset_soft,
      "--soft --raw" },
    { "run", "run a local script on the board without copying it", MPY_OPTS, cmd_run, "" },
    { "ls", "list files on the board", MPY_OPTS, cmd_ls, "-r" },
    { "cat", "print a file from the board", MPY_OPTS, cmd_cat, "" },
    { "get", "copy a file from the board", MPY_OPTS, cmd_get, "-r" },
    { "put", "copy a file to the board (atomic, verified)", MPY_OPTS, cmd_put, "-r --no-ignore" },
    { "rm", "remove files (-r: folders) on the board", MPY_OPTS, cmd_rm, "-r --delete-root" },
    { "mkdir", "make folders on the board", MPY_OPTS, cmd_mkdir, "--parents" },
    { "rmdir", "remove empty folders on the board", MPY_OPTS, cmd_rmdir, "" },
    { "mv", "rename a file or folder on the board", MPY_OPTS, cmd_mv, "" },
    { "df", "size and free space of the board's filesystem", MPY_OPTS, cmd_df, "" },
    { "sync", "make a board folder equal to a local folder", MPY_OPTS, cmd_sync,
      "--delete -n,--dry-run --exclude PATTERN --no-ignore --delete-root --force" },
    { "mip", "install packages from a micropython-lib style index (URL or folder)", MPY_OPTS, cmd_mip,
      "install --index URL --target DIR --no-mpy" },
    { "watch", "sync a folder, then send each change and restart the program (Ctrl-C stops)", MPY_OPTS,
      cmd_watch, "--run FILE.py --delete --exclude PATTERN --poll" },
    { "mount", "run code on the board with a local folder mounted at /remote", MPY_OPTS, cmd_mount,
      "--exec CODE --run FILE.py" },
    { "about", "the board's MicroPython: version, memory, filesystems", MPY_OPTS, cmd_about, "" },
    { "tree", "show a folder of the board as a tree", MPY_OPTS, cmd_tree, "" },
    { "cp", "copy a file on the board, or to or from it", MPY_OPTS, cmd_cp, "-r --no-ignore" },
    { "modules", "list the modules built into the board's firmware", MPY_OPTS, cmd_modules, "" },
    { "fs", "filesystem images (LittleFS, FAT, SPIFFS) or a board's filesystem partition: build, list, read",
      DEV_OPTS, cmd_fs,
      "build ls tree df cat get -o IMG --type TYPE --size N --table TABLE --partition NAME --sector-size SIZE --no-ignore -n -r" },
    { "explain", "explain a boot log: what went wrong, why, and what to do", FILE_OPTS | CLI_O(CHIP),
      cmd_explain, "--plan SOURCE --elf APP.elf" },
    { "monitor", "serial terminal that resets the board and explains its boot (Ctrl-] leaves)",
      CLI_O(PORT) | CLI_O(BAUD) | CLI_O(CHIP) | FILE_OPTS, cmd_monitor,
      "--elf APP.elf --plan SOURCE --no-reset --log FILE --duration SECS --until-finding --raw --no-status" },
    { "config", "show the effective settings (port, baud, after) and where each comes from",
      CLI_O(PORT) | CLI_O(BAUD) | CLI_O(AFTER) | FILE_OPTS, cmd_config, "" },
    { "completion", "print the shell completion script for bash, zsh or fish", CLI_OPTS_OUTPUT,
      cmd_completion, "bash zsh fish" },
    { "man", "print espburn's manual page (roff): espburn man | man -l -", CLI_OPTS_OUTPUT, cmd_man, "" },
    { "help", "list the commands, or say what one does (help COMMAND)", CLI_OPTS_OUTPUT, cmd_help, "" },
    { "version", "print espburn's version", FILE_OPTS, cmd_version, "" },
    { NULL, NULL, 0, NULL, NULL },
};

static const struct command *current;

const struct command *cli_commands(void)
{
    return commands;
}

const struct command *cli_command_find(const char *name)
{
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

void cli_print_command_options(void)
{
    cli_options_print_help(current ? current->opts : CLI_OPTS_OUTPUT);
}

void cli_print_help(const char *text)
{
    fputs(text, stdout);
    putchar('\n');
    cli_print_command_options();
}

static void print_usage(FILE *f)
{
    fprintf(f, "espburn: flash ESP32 boards and work with MicroPython, without the magic.\n\n"
               "usage: espburn COMMAND [options]   (espburn help COMMAND for details)\n\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nexit codes: 0 ok, 1 problem found or refused, 2 usage error, 3 I/O or device error\n");
}

/* Whether the command line asks for --json (and the command takes it). */
static bool wants_json(const struct command *c, int argc, char **argv)
{
    for (int i = 1; i < argc && (c->opts & CLI_O(JSON)) && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--json"))
            return true;
    return false;
}

static int run(const struct command *c, int argc, char **argv)
{
    current = c;
    cli_json_begin(c->name, wants_json(c, argc, argv));
    int rc = cli_options_prepare(c->name, c->opts, &argc, &argv);
    return cli_json_end(rc ? rc : c->run(argc, argv));
}

/* argv[0] is the command's name (cli_chain runs each command through it). */
static int run_command(int argc, char **argv)
{
    const struct command *c = cli_command_find(argv[0]);
    return c ? run(c, argc, argv) : cli_usage(NULL, "unknown command '%s'", argv[0]);
}

int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return cli_usage("help", "give one command");
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cli_print_help("usage: espburn help [COMMAND]\n\nLists the commands; with COMMAND, the same as "
                       "'espburn COMMAND --help'.\n");
        return EB_OK;
    }
    if (argc == 2) {
        const struct command *c = cli_command_find(argv[1]);
        if (!c || c->run == cmd_help)
            return c ? cmd_help(1, argv) : cli_usage("help", "unknown command '%s'", argv[1]);
        char *help_argv[] = { (char *)c->name, "--help", NULL };
        return run(c, 2, help_argv);
    }
    print_usage(stdout);
    return EB_OK;
}

int cmd_version(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return printf("usage: espburn version [--json]\n\n"), cli_print_command_options(), EB_OK;
        else
            return cli_usage("version", "unexpected argument '%s'", argv[i]);
    }
    if (!json) {
        printf("espburn %s\n", ESPBURN_VERSION);
        return EB_OK;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "version", ESPBURN_VERSION);
    cli_print_json(j);
    return EB_OK;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EB_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return cmd_help(1, argv + 1);
    if (!strcmp(argv[1], "--version"))
        return cmd_version(1, argv + 1);
    int rc = cli_config_load();
    if (rc)
        return rc;
    if (cli_chain_wanted(argc, argv))
        return cli_chain(argc, argv, run_command);
    return run_command(argc - 1, argv + 1);
}
