/* cmd_man.c - `espburn man`: the manual page (roff, man(7) macros) written
 * from the command and option tables; cmake --install puts it in
 * PREFIX/share/man/man1/espburn.1. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_complete.h"
#include "cli/cli_options.h"

/* The environment espburn reads, one line each. */
static const char *const environment[][2] = {
    { "ESPBURN_PORT", "the port when no -p is given (before the config file's port)" },
    { "ESPBURN_BAUD", "the rate when no -b is given (before the config file's baud)" },
    { "ESPBURN_CONNECT_TIMEOUT", "seconds to wait for a network port (default 5)" },
    { "ESPBURN_DATA_DIR",
      "where the flasher stubs and the virtual board's MicroPython are looked for first" },
    { "ESPBURN_STUB_DIR", "a folder of flasher stubs, looked in before the installed ones" },
    { "NO_COLOR", "when set and not empty, no colours (as --color never)" },
    { "XDG_CONFIG_HOME", "the folder of espburn/config.ini (default ~/.config)" },
    { "VISUAL, EDITOR", "the editor of espburn edit" },
};

static const char *const exit_codes[][2] = {
    { "0", "ok" },
    { "1", "a problem was found or an action refused (a refused plan, a failed verify, ...)" },
    { "2", "usage error (also a malformed configuration file)" },
    { "3", "I/O or device error (a file, a port, a board that stopped answering)" },
};

/* Text with roff's special characters escaped; a line never starts with a
 * control character. */
static void roff(const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        if ((i == 0 || s[i - 1] == '\n') && (s[i] == '.' || s[i] == '\''))
            fputs("\\&", stdout);
        if (s[i] == '\\')
            fputs("\\e", stdout);
        else if (s[i] == '-')
            fputs("\\-", stdout);
        else
            putchar(s[i]);
    }
}

static void roff_str(const char *s)
{
    roff(s, strlen(s));
}

/* "-p, --port PORT" in bold and italics; `sep` between two spellings. */
static void roff_option(const struct cli_optspec *o, const char *sep)
{
    printf("\\fB");
    roff_str(o->shrt);
    printf("%s", o->shrt[0] && o->lng[0] ? sep : "");
    roff_str(o->lng);
    printf("\\fR");
    if (o->metavar[0]) {
        printf(" \\fI");
        roff_str(o->metavar);
        printf("\\fR");
    }
}

/* ".TP" entry of an option: "-p, --port PORT", then its help. */
static void man_option(const struct cli_optspec *o, void *ctx)
{
    (void)ctx;
    printf(".TP\n");
    roff_option(o, "\\fR, \\fB");
    printf("\n");
    if (o->help) {
        roff_str(o->help);
        printf("\n");
    }
}

/* The command's options on one line: "-p|--port PORT, --json, ..." */
static void man_option_brief(const struct cli_optspec *o, void *ctx)
{
    int *n = ctx;
    printf("%s", (*n)++ ? ", " : "");
    roff_option(o, "\\fR|\\fB");
}

static void man_word(const char *w, size_t len, void *ctx)
{
    int *n = ctx;
    printf("%s\\fB", (*n)++ ? " | " : "");
    roff(w, len);
    printf("\\fR");
}

static void man_commands(void)
{
    printf(".SH COMMANDS\n"
           "Each command's \\fB\\-\\-help\\fR (or \\fBespburn help\\fR \\fICOMMAND\\fR) says what it does "
           "and lists its options.\n");
    for (const struct command *c = cli_commands(); c->name; c++) {
        int n = 0;
        printf(".TP\n\\fB");
        roff_str(c->name);
        printf("\\fR");
        if (c->own && c->own[0] != '-' && !(c->own[0] >= 'A' && c->own[0] <= 'Z')) {
            printf(" ");
            cli_command_each_word(c, man_word, &n);
        }
        printf("\n");
        roff_str(c->summary);
        printf(".\n");
        n = 0;
        printf(".br\nOptions: ");
        cli_command_each_option(c, man_option_brief, &n);
        printf("%s\\fB\\-\\-help\\fR.\n", n ? ", " : "");
    }
}

static void man_options(void)
{
    printf(".SH SHARED OPTIONS\n"
           "Written \\fB\\-\\-opt value\\fR or \\fB\\-\\-opt=value\\fR; each command takes the ones "
           "its \\fB\\-\\-help\\fR lists.\n");
    struct command all = { .opts = ~0u };
    cli_command_each_option(&all, man_option, NULL);
}

static void man_lists(void)
{
    printf(".SH ENVIRONMENT\n");
    for (size_t i = 0; i < sizeof environment / sizeof environment[0]; i++) {
        printf(".TP\n.B ");
        roff_str(environment[i][0]);
        printf("\n");
        roff_str(environment[i][1]);
        printf("\n");
    }
    printf(".SH FILES\n.TP\n.I $XDG_CONFIG_HOME/espburn/config.ini\n"
           "(default \\fI~/.config/espburn/config.ini\\fR) the default port, rate and \\fB\\-\\-after\\fR, "
           "port aliases (\\fB[port\\fR \\fINAME\\fB]\\fR with \\fBpath\\ =\\fR), and \\fB[sync]\\fR "
           "\\fBexclude\\fR patterns. A flag wins over the environment, which wins over the file; "
           "\\fBespburn config\\fR shows each setting and where it came from.\n"
           ".SH EXIT STATUS\n");
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++) {
        printf(".TP\n.B %s\n", exit_codes[i][0]);
        roff_str(exit_codes[i][1]);
        printf("\n");
    }
}

int cmd_man(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cli_print_help(
            "usage: espburn man\n\nPrint espburn's manual page (roff), written from its command and "
            "option tables;\ncmake --install puts it in share/man/man1. Read it now: espburn man | "
            "man -l -\n");
        return EB_OK;
    }
    if (argc != 1)
        return cli_usage("man", "takes no arguments");
    printf(".TH ESPBURN 1 \"\" \"espburn %s\" \"User Commands\"\n.nh\n.ad l\n"
           ".SH NAME\nespburn \\- flash ESP32 boards and work with MicroPython, without the magic\n"
           ".SH SYNOPSIS\n.B espburn\n.I COMMAND\n[\\fIoptions\\fR] [\\fIarguments\\fR]\n.br\n"
           ".B espburn\n[\\fIoptions\\fR] \\fICOMMAND\\fR ... \\fB+\\fR \\fICOMMAND\\fR ...\n"
           ".SH DESCRIPTION\n"
           "espburn says what each firmware file is and where it goes, refuses the layouts that would "
           "not boot, flashes over the ROM serial protocol (compressed, verified, skipping what is "
           "already there) and prints the equivalent esptool command, explains boot logs, and works "
           "with MicroPython's REPL and files. \\fBespburn sim\\fR is a virtual board to try it all "
           "without hardware. MicroPython commands can be chained with \\fB+\\fR over one connection.\n",
           ESPBURN_VERSION);
    man_commands();
    man_options();
    man_lists();
    printf(
        ".SH SEE ALSO\n\\fBesptool\\fR(1), \\fBmpremote\\fR(1); the README and docs/ of espburn's sources.\n");
    return EB_OK;
}
