/* cli_config.c - loads the configuration file once and answers the
 * commands' questions about defaults, aliases and excludes. */
#include "cli/cli_config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/bytes.h"
#include "common/file.h"

/* Larger than any sensible configuration file. */
#define CONFIG_MAX_BYTES (256 * 1024)

static struct {
    struct config c;
    char path[4096];
    bool has_path, found;
} cfg;

static int read_file(eb_err *err)
{
    struct stat st;
    if (stat(cfg.path, &st) != 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? 0
                   : eb_fail(err, EB_IO, "cannot read the configuration file %s; check its permissions",
                             cfg.path);
    cfg.found = true;
    bytes b = { 0 };
    int rc = file_read(cfg.path, CONFIG_MAX_BYTES, &b, err);
    if (rc == 0)
        rc = config_parse(&cfg.c, (const char *)b.data, b.len, cfg.path, err);
    bytes_free(&b);
    return rc;
}

int cli_config_load(void)
{
    static bool loaded;
    if (loaded)
        return 0;
    loaded = true;
    cfg.has_path = config_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), cfg.path, sizeof cfg.path) == 0;
    eb_err err = { 0 };
    if (cfg.has_path && read_file(&err))
        return cli_fail(&err);
    return 0;
}

const struct config *cli_config(void)
{
    return &cfg.c;
}

const char *cli_config_path(void)
{
    return cfg.has_path ? cfg.path : NULL;
}

bool cli_config_found(void)
{
    return cfg.found;
}

struct config_setting cli_config_port(void)
{
    return config_pick(NULL, getenv("ESPBURN_PORT"), cfg.c.port.value, NULL);
}

struct config_setting cli_config_baud(void)
{
    return config_pick(NULL, getenv("ESPBURN_BAUD"), cfg.c.baud.value, NULL);
}

const char *cli_config_after(void)
{
    return cfg.c.after.value;
}

const char *cli_config_port_path(const char *name)
{
    const struct config_alias *a = config_alias_find(&cfg.c, name);
    return a ? a->path : name;
}

const char **cli_config_excludes(const char *const *flag, size_t nflag, size_t *n)
{
    const char **v = calloc(nflag + cfg.c.nexcludes + 1, sizeof *v);
    if (!v)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < nflag; i++)
        v[(*n)++] = flag[i];
    for (size_t i = 0; i < cfg.c.nexcludes; i++)
        v[(*n)++] = cfg.c.excludes[i].value;
    return v;
}
