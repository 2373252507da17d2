/* cmd_config.c - `espburn config`: the effective settings (port, baud,
 * after), where each comes from (default, file, env, flag), the port
 * aliases and sync excludes of the configuration file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"

struct config_args {
    const char *port, *baud, *after;
    bool json;
};

static const char usage[] =
    "usage: espburn config [-p PORT] [-b RATE] [--after MODE] [--json]\n\n"
    "The effective settings and where each comes from: a flag, the environment\n"
    "(ESPBURN_PORT, ESPBURN_BAUD), the configuration file, or the default. The file is\n"
    "$XDG_CONFIG_HOME/espburn/config.ini (default ~/.config/espburn/config.ini):\n\n"
    "  port = fire            the default port (a path, URL or alias)\n"
    "  baud = auto            the rate of the download-mode commands (default: auto for\n"
    "                         flash, read, verify, erase; chip stays at 115200)\n"
    "  after = hard-reset     what flash, verify, read, erase do at the end\n"
    "  [port fire]            an alias: -p fire means this path\n"
    "  path = /dev/ttyUSB0\n"
    "  [sync]                 patterns sync and watch leave out (repeatable)\n"
    "  exclude = *.log\n\n"
    "-p, -b and --after show what these flags would give.\n";

/* "--port=X" or "--port X" (and the short form); 1 when argv[*i] is `name`. */
static int value_of(const char *lng, const char *shrt, int argc, char **argv, int *i, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    if (!strncmp(a, lng, n) && a[n] == '=')
        return *out = a + n + 1, 1;
    if (strcmp(a, lng) && (!shrt || strcmp(a, shrt)))
        return 0;
    if (*i + 1 >= argc)
        return -1;
    return *out = argv[++*i], 1;
}

static int parse(int argc, char **argv, struct config_args *a)
{
    for (int i = 1; i < argc; i++) {
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return cli_print_help(usage), -1;
        if (!strcmp(argv[i], "--json"))
            a->json = true;
        else if ((r = value_of("--port", "-p", argc, argv, &i, &a->port)) ||
                 (r = value_of("--baud", "-b", argc, argv, &i, &a->baud)) ||
                 (r = value_of("--after", NULL, argc, argv, &i, &a->after))) {
            if (r < 0)
                return cli_usage("config", "%s needs a value", argv[i]);
        } else {
            return cli_usage("config", "unexpected argument '%s'", argv[i]);
        }
    }
    return 0;
}

/* One setting as a JSON object in `settings`, or a line of text when NULL. */
static void print_setting(cJSON *settings, const char *name, struct config_setting s, unsigned line)
{
    const char *path = s.value && !strcmp(name, "port") ? cli_config_port_path(s.value) : NULL;
    if (settings) {
        cJSON *o = cJSON_AddObjectToObject(settings, name);
        if (s.value)
            cJSON_AddStringToObject(o, "value", s.value);
        else
            cJSON_AddNullToObject(o, "value");
        if (path && path != s.value)
            cJSON_AddStringToObject(o, "path", path);
        cJSON_AddStringToObject(o, "from", config_source_name(s.from));
        if (s.from == CONFIG_FROM_FILE)
            cJSON_AddNumberToObject(o, "line", line);
        return;
    }
    char shown[512];
    snprintf(shown, sizeof shown, "%s%s%s",
             s.value                  ? s.value
             : !strcmp(name, "after") ? "(each command's own)"
                                      : "(none)",
             path && path != s.value ? " -> " : "", path && path != s.value ? path : "");
    printf("%-7s %-36s %s", name, shown, config_source_name(s.from));
    if (s.from == CONFIG_FROM_FILE)
        printf(", line %u", line);
    else if (s.from == CONFIG_FROM_ENV)
        printf(" (%s)", !strcmp(name, "port") ? "ESPBURN_PORT" : "ESPBURN_BAUD");
    printf("\n");
}

static void print_settings(const struct config_args *a, cJSON *settings)
{
    const struct config *c = cli_config();
    const char *dflt_baud = "auto"; /* flash, read, verify, erase (cli_device_opts_fast) */
    print_setting(settings, "port", config_pick(a->port, getenv("ESPBURN_PORT"), c->port.value, NULL),
                  c->port.line);
    print_setting(settings, "baud", config_pick(a->baud, getenv("ESPBURN_BAUD"), c->baud.value, dflt_baud),
                  c->baud.line);
    print_setting(settings, "after", config_pick(a->after, NULL, c->after.value, NULL), c->after.line);
}

static void print_text(const struct config_args *a)
{
    const struct config *c = cli_config();
    const char *path = cli_config_path();
    printf("file    %s (%s)\n", path ? path : "none: neither $XDG_CONFIG_HOME nor $HOME is set",
           !path                ? "not read"
           : cli_config_found() ? "read"
                                : "not found, defaults apply");
    print_settings(a, NULL);
    for (size_t i = 0; i < c->naliases; i++)
        printf("alias   %-36s file, line %u\n        -> %s\n", c->aliases[i].name, c->aliases[i].line,
               c->aliases[i].path);
    for (size_t i = 0; i < c->nexcludes; i++)
        printf("exclude %-36s file, line %u\n", c->excludes[i].value, c->excludes[i].line);
}

static void print_json(const struct config_args *a)
{
    const struct config *c = cli_config();
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "ok", true);
    cJSON_AddStringToObject(j, "command", "config");
    if (cli_config_path())
        cJSON_AddStringToObject(j, "file", cli_config_path());
    else
        cJSON_AddNullToObject(j, "file");
    cJSON_AddBoolToObject(j, "file_found", cli_config_found());
    print_settings(a, cJSON_AddObjectToObject(j, "settings"));
    cJSON *al = cJSON_AddArrayToObject(j, "aliases");
    for (size_t i = 0; i < c->naliases; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->aliases[i].name);
        cJSON_AddStringToObject(o, "path", c->aliases[i].path);
        cJSON_AddNumberToObject(o, "line", c->aliases[i].line);
        cJSON_AddItemToArray(al, o);
    }
    cJSON *ex = cJSON_AddArrayToObject(j, "sync_exclude");
    for (size_t i = 0; i < c->nexcludes; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "pattern", c->excludes[i].value);
        cJSON_AddNumberToObject(o, "line", c->excludes[i].line);
        cJSON_AddItemToArray(ex, o);
    }
    cli_print_json(j);
}

int cmd_config(int argc, char **argv)
{
    struct config_args a = { 0 };
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc < 0 ? EB_OK : rc;
    if (a.json)
        print_json(&a);
    else
        print_text(&a);
    return EB_OK;
}
