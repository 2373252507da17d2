/* cmd_mip.c - `espburn mip install PKG...`: packages from a micropython-lib
 * style index into the board's lib folder (see src/mpy/mip.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "mpy/mip.h"

#define MIP_DEFAULT_INDEX "https://micropython.org/pi/v2" /* mpremote's default */

static void on_file(void *ctx, const char *package, const char *remote_path, size_t bytes)
{
    if (!*(bool *)ctx)
        printf("  %s -> :%s (%zu bytes)\n", package, remote_path, bytes);
}

static void print_done(const struct cli_mpy *c, const char *spec, const struct mpy_mip_stats *st)
{
    if (!c->json) {
        printf("mip: installed %s (%zu package%s, %zu files, %zu bytes) into :%s (%s)\n", spec, st->packages,
               st->packages == 1 ? "" : "s", st->files, st->bytes, st->target,
               strcmp(st->flavour, "py") == 0 ? ".py sources" : ".mpy where the index has it");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "package", spec);
    cJSON_AddStringToObject(o, "path", st->target);
    cJSON_AddStringToObject(o, "flavour", st->flavour);
    cJSON_AddNumberToObject(o, "packages", (double)st->packages);
    cJSON_AddNumberToObject(o, "files", (double)st->files);
    cJSON_AddNumberToObject(o, "size", (double)st->bytes);
    cli_print_json(o);
}

int cmd_mip(int argc, char **argv)
{
    static const char *const flags[] = { "--no-mpy", NULL };
    static const char *const valued[] = { "--index", "--target", NULL };
    struct cli_mpy c = {
        .cmd = "mip",
        .usage = "mip install PKG[@VERSION]|URL... [--index URL|DIR] [--target :DIR] [--no-mpy] [-p PORT]",
        .flags = flags,
        .valued = valued,
        .help = "Install packages from a micropython-lib style index (the layout mpremote's mip reads:\n"
                "INDEX/package/MPY/NAME/VERSION.json, files by hash under INDEX/file/), with their\n"
                "dependencies, each file checked and written atomically.\n"
                "  --index URL|DIR   the index: a URL (default " MIP_DEFAULT_INDEX ") or a local folder\n"
                "  --target :DIR     where to install (default: the board's lib folder on sys.path)\n"
                "  --no-mpy          ask for .py sources, not the .mpy the board can load",
        .min_args = 2,
        .max_args = CLI_MPY_ANY_ARGS,
        .args_hint = "give 'install' and the packages (NAME, NAME@VERSION or a URL)",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (strcmp(c.pos[0], "install") != 0)
        return cli_usage(c.cmd, "the only mip action is 'install'");
    const char *target = cli_mpy_value(&c, "--target"), *index = cli_mpy_value(&c, "--index");
    struct mpy_mip_opts o = { .index = index ? index : MIP_DEFAULT_INDEX,
                              .target = target ? cli_mpy_remote(target) : NULL,
                              .py = cli_mpy_flag(&c, "--no-mpy") };
    if ((rc = cli_mpy_connect(&c, true)))
        return rc;
    for (int i = 1; i < c.npos; i++) {
        struct mpy_mip_stats st;
        eb_err err = { 0 };
        if (mpy_mip_install(&c.fs, c.pos[i], &o, on_file, &c.json, &st, &err))
            return cli_mpy_fail(&c, &err);
        print_done(&c, c.pos[i], &st);
    }
    return cli_mpy_end(&c, EB_OK);
}
