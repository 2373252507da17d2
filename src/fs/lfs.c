/* lfs.c - placeholder (replaced below). */
#include "fs/fs_internal.h"

int lfs_open(struct fs_vol *v, eb_err *err)
{
    (void)v;
    return eb_fail(err, EB_PROBLEM, "LittleFS is not readable yet");
}

int lfs_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
              uint8_t *img, struct fs_build_result *res, eb_err *err)
{
    (void)t, (void)root, (void)o, (void)img, (void)res;
    return eb_fail(err, EB_PROBLEM, "LittleFS images cannot be built yet");
}
