/* cmd_cat.c - `espburn cat :PATH`: print a file from the board. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "mpy/codec.h"

int cmd_cat(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "cat",
        .usage = "cat :PATH... [-p PORT] [--json]",
        .help = "Print files from the board, byte for byte (checked against the board's SHA-256).\n"
                "With --json: [{\"path\", \"size\", \"base64\"}].",
        .min_args = 1,
        .max_args = CLI_MPY_ANY_ARGS,
        .args_hint = "give a board file (:PATH)",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    cJSON *arr = c.json ? cJSON_CreateArray() : NULL;
    for (int i = 0; i < c.npos; i++) {
        bytes data = { 0 };
        eb_err err = { 0 };
        bytes b64 = { 0 };
        if (mpy_fs_get(&c.fs, cli_mpy_remote(c.pos[i]), &data, &err)) {
            bytes_free(&data);
            cJSON_Delete(arr);
            return cli_mpy_fail(&c, &err);
        }
        if (arr && !b64_encode(&b64, data.data, data.len) && !bytes_append_byte(&b64, 0)) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", cli_mpy_remote(c.pos[i]));
            cJSON_AddNumberToObject(o, "size", (double)data.len);
            cJSON_AddStringToObject(o, "base64", (char *)b64.data);
            cJSON_AddItemToArray(arr, o);
        } else if (!arr && data.len) {
            fwrite(data.data, 1, data.len, stdout);
        }
        bytes_free(&b64);
        bytes_free(&data);
    }
    if (arr) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddItemToObject(doc, "files", arr);
        cli_print_json(doc);
    }
    return cli_mpy_end(&c, EB_OK);
}
