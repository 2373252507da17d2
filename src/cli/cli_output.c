/* cli_output.c - error, usage and JSON printing shared by the commands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_fail(const eb_err *err)
{
    fprintf(stderr, "espburn: %s\n", err->msg[0] ? err->msg : "failed");
    return err->code ? err->code : EB_IO;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "espburn%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'espburn %s%s--help')\n", cmd ? cmd : "", cmd ? " " : "");
    return EB_USAGE;
}

void cli_print_json(cJSON *doc)
{
    char *s = cJSON_PrintUnformatted(doc);
    if (s) {
        puts(s);
        free(s);
    }
    cJSON_Delete(doc);
}

bool cli_is_tty(void)
{
    return isatty(STDOUT_FILENO) == 1;
}
