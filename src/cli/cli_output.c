/* cli_output.c - error, usage and JSON printing shared by the commands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_fail(const eb_err *err)
{
    fprintf(stderr, "espburn: %s\n", err->msg[0] ? err->msg : "failed");
    cli_json_note_error(err->msg[0] ? err->msg : NULL);
    return err->code ? err->code : EB_IO;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "espburn%s%s: %s (see 'espburn %s%s--help')\n", cmd ? " " : "", cmd ? cmd : "", msg,
            cmd ? cmd : "", cmd ? " " : "");
    cli_json_note_error(msg);
    return EB_USAGE;
}

bool cli_is_tty(void)
{
    return isatty(STDOUT_FILENO) == 1;
}
