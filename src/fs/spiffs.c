/* spiffs.c - placeholder (replaced below). */
#include "fs/fs_internal.h"

int spiffs_open(struct fs_vol *v, eb_err *err)
{
    (void)v;
    return eb_fail(err, EB_PROBLEM, "SPIFFS is not readable yet");
}

int spiffs_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
                 uint8_t *img, struct fs_build_result *res, eb_err *err)
{
    (void)t, (void)root, (void)o, (void)img, (void)res;
    return eb_fail(err, EB_PROBLEM, "SPIFFS images cannot be built yet");
}
