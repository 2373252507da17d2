/* cmd_about.c - `espburn about`: the firmware's banner, platform, free memory
 * and filesystem mounts. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"

static const char ABOUT_CODE[] = "import sys,gc\n"
                                 "gc.collect()\n"
                                 "print(sys.platform)\n"
                                 "print(gc.mem_free())\n";

int cmd_about(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "about",
        .usage = "about [-p PORT] [--json]",
        .help = "Show the board's MicroPython banner, platform, free memory and filesystems.",
    };
    int rc = cli_mpy_start(&c, argc, argv, true);
    if (rc >= 0)
        return rc;
    char banner[256], platform[64] = "?";
    long mem = -1;
    uint64_t total = 0, avail = 0;
    bytes out = { 0 };
    eb_err err = { 0 };
    if (mpy_banner(&c.m, banner, sizeof banner, &err) ||
        mpy_exec_ok(&c.m, ABOUT_CODE, sizeof ABOUT_CODE - 1, &out, &err) ||
        mpy_fs_df(&c.fs, c.fs.root, &total, &avail, &err)) {
        bytes_free(&out);
        return cli_mpy_fail(&c, &err);
    }
    if (!bytes_append_byte(&out, 0))
        sscanf((char *)out.data, "%63s %ld", platform, &mem);
    bytes_free(&out);
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "banner", banner);
        cJSON_AddStringToObject(o, "platform", platform);
        cJSON_AddNumberToObject(o, "mem_free", (double)mem);
        cJSON_AddStringToObject(o, "root", c.fs.root);
        cJSON_AddStringToObject(o, "cwd", c.fs.cwd);
        cJSON_AddNumberToObject(o, "fs_size", (double)total);
        cJSON_AddNumberToObject(o, "fs_free", (double)avail);
        cJSON_AddBoolToObject(o, "hashlib", c.fs.has_hash);
        cJSON_AddBoolToObject(o, "deflate", c.fs.has_deflate);
        cJSON_AddBoolToObject(o, "raw_paste", c.m.paste == 1);
        cli_print_json(o);
    } else {
        printf("firmware:   %s\nplatform:   %s\nfree RAM:   %ld bytes\n", banner, platform, mem);
        printf("filesystem: %s (%llu bytes, %llu free), working folder %s\n", c.fs.root,
               (unsigned long long)total, (unsigned long long)avail, c.fs.cwd);
        printf("features:   %s, %s, %s\n", c.m.paste == 1 ? "raw-paste" : "no raw-paste (old raw REPL)",
               c.fs.has_hash ? "hashlib" : "no hashlib", c.fs.has_deflate ? "deflate" : "no deflate");
    }
    return cli_mpy_end(&c, EB_OK);
}
