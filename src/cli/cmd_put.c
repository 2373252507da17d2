/* cmd_put.c - `espburn put LOCAL [:REMOTE]`: copy a file to the board,
 * atomically (the old file stays until the new one is verified). */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "common/file.h"

/* The board path to write: REMOTE, or inside it when it is a folder (or
 * ends in '/'); without REMOTE, the local file's name. -1 when too long. */
static int remote_name(struct cli_mpy *c, char *remote, size_t cap)
{
    const char *r = c->npos == 2 ? cli_mpy_remote(c->pos[1]) : cli_mpy_basename(c->pos[0]);
    char type = '-';
    eb_err ignored = { 0 };
    if (c->npos == 2 &&
        (r[strlen(r) - 1] == '/' || (mpy_fs_type(&c->fs, r, &type, &ignored) == 0 && type == 'd')))
        return mpy_path_join(remote, cap, r, cli_mpy_basename(c->pos[0]));
    return snprintf(remote, cap, "%s", r) >= (int)cap ? -1 : 0;
}

int cmd_put(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "put",
        .usage = "put LOCAL [:REMOTE] [-p PORT] [--no-binary] [--no-deflate] [--json]",
        .help = "Copy a file to the board: written under a temporary name, checked (size and SHA-256\n"
                "on the board), then renamed over the old file, which is kept if anything fails.\n"
                "REMOTE defaults to the file's name in the board's working folder; a folder puts it inside.",
        .min_args = 1,
        .max_args = 2,
        .args_hint = "give a local file and optionally a board path (:PATH)",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!cli_mpy_local_then_remote(&c))
        return cli_mpy_usage(&c);
    bytes data = { 0 };
    eb_err err = { 0 };
    if (file_read(c.pos[0], 64u << 20, &data, &err))
        return cli_fail(&err);
    if ((rc = cli_mpy_connect(&c, true))) {
        bytes_free(&data);
        return rc;
    }
    char remote[1024];
    if (remote_name(&c, remote, sizeof remote)) {
        bytes_free(&data);
        return cli_mpy_end(&c, cli_usage(c.cmd, "board path too long"));
    }
    struct mpy_put_stats st = { 0 };
    int64_t t0 = eb_now_ms();
    if (mpy_fs_put(&c.fs, remote, data.data, data.len, &st, &err)) {
        bytes_free(&data);
        return cli_mpy_fail(&c, &err);
    }
    double secs = (double)(eb_now_ms() - t0) / 1000.0;
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "local", c.pos[0]);
        cJSON_AddStringToObject(o, "remote", remote);
        cJSON_AddNumberToObject(o, "bytes", (double)data.len);
        cJSON_AddNumberToObject(o, "wire_bytes", (double)st.wire_bytes);
        cJSON_AddBoolToObject(o, "deflate", st.deflated);
        cJSON_AddBoolToObject(o, "binary", st.binary);
        cJSON_AddNumberToObject(o, "seconds", secs);
        cli_print_json(o);
    } else {
        printf("put %s -> :%s (%zu bytes%s, %.1f s)\n", c.pos[0], remote, data.len,
               st.binary     ? ", raw over stdin"
               : st.deflated ? ", deflated"
                             : ", base64",
               secs);
    }
    bytes_free(&data);
    return cli_mpy_end(&c, EB_OK);
}
