/* put.c - `espburn put LOCAL [:REMOTE]`: copy a file to the board,
 * atomically (the old file stays until the new one is verified). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/mpy_common.h"
#include "common/file.h"

int cmd_put(int argc, char **argv)
{
    struct mpy_cli c = {
        .cmd = "put", .usage = "put LOCAL [:REMOTE] [-p PORT] [--no-binary] [--no-deflate] [--json]",
        .help = "Copy a file to the board: written under a temporary name, checked (size and SHA-256\n"
                "on the board), then renamed over the old file, which is kept if anything fails.\n"
                "REMOTE defaults to the file's name in the board's working folder; a folder puts it inside.",
    };
    int rc = mpy_cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (c.npos < 1 || c.npos > 2 || mpy_is_remote(c.pos[0]) || (c.npos == 2 && !mpy_is_remote(c.pos[1])))
        return cli_usage(c.cmd, "give a local file and optionally a board path (:PATH)");
    bytes data = { 0 };
    eb_err err = { 0 };
    if (file_read(c.pos[0], 64u << 20, &data, &err))
        return cli_fail(&err);
    if ((rc = mpy_cli_connect(&c, true))) {
        bytes_free(&data);
        return rc;
    }
    char remote[1024];
    const char *r = c.npos == 2 ? mpy_remote(c.pos[1]) : mpy_basename(c.pos[0]);
    char type = '-';
    size_t rl = strlen(r);
    if (c.npos == 2 && (r[rl - 1] == '/' || (mpy_fs_type(&c.fs, r, &type, &err) == 0 && type == 'd')))
        rc = mpy_path_join(remote, sizeof remote, r, mpy_basename(c.pos[0]));
    else
        rc = snprintf(remote, sizeof remote, "%s", r) >= (int)sizeof remote ? -1 : 0;
    if (rc) {
        bytes_free(&data);
        return mpy_cli_end(&c, cli_usage(c.cmd, "board path too long"));
    }
    struct mpy_put_stats st = { 0 };
    int64_t t0 = port_now_ms();
    if (mpy_fs_put(&c.fs, remote, data.data, data.len, &st, &err)) {
        bytes_free(&data);
        return mpy_cli_fail(&c, &err);
    }
    double secs = (double)(port_now_ms() - t0) / 1000.0;
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
               st.binary ? ", raw over stdin" : st.deflated ? ", deflated" : ", base64", secs);
    }
    bytes_free(&data);
    return mpy_cli_end(&c, EB_OK);
}
