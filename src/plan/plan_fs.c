/* plan_fs.c - `--fs DIR[@PARTITION]`: the folder's filesystem image as one
 * more region of the plan, in the table's filesystem partition, in the
 * format the firmware mounts there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_fsdir.h"
#include "plan/plan_internal.h"

/* The filesystem the plan's firmware mounts on `part`, and why. MicroPython
 * mounts what it finds and formats LittleFS when it finds nothing (the
 * esp32 port's _boot.py / inisetup.py), whatever the subtype says; LoBo's
 * builds mount SPIFFS (the seed bundle's sdkconfig); other firmware
 * follows the subtype, FAT through ESP-IDF's wear levelling
 * (esp_vfs_fat_spiflash_mount). */
static enum fs_type type_for(const struct plan *p, const struct partition *part, const char **why)
{
    const char *mpy = NULL;
    for (unsigned i = 0; i < p->nregions && !mpy; i++)
        if (p->regions[i].id->role == ROLE_APP || p->regions[i].id->role == ROLE_MERGED)
            mpy = fw_micropython_flavour(p->regions[i].data.data, p->regions[i].data.len);
    if (mpy && strcmp(mpy, "lobo") == 0)
        return *why = "LoBo's MicroPython mounts SPIFFS", FS_SPIFFS;
    if (mpy)
        return *why = "MicroPython on ESP32 mounts LittleFS", FS_LITTLEFS;
    if (part->subtype == PT_SUB_LITTLEFS)
        return *why = "the partition's subtype is littlefs", FS_LITTLEFS;
    if (part->subtype == PT_SUB_SPIFFS)
        return *why = "the partition's subtype is spiffs", FS_SPIFFS;
    return *why = "ESP-IDF mounts a fat partition through its wear-levelling layer", FS_FAT_WL;
}

static int find_partition(const struct plan *p, const struct plan_opts *o, const struct partition **out,
                          eb_err *err)
{
    if (!p->has_table)
        return eb_fail(err, EB_USAGE,
                       "--fs %s needs a partition table in the plan to know where the filesystem goes; add "
                       "the table to the sources",
                       o->fs_dir);
    unsigned nfs;
    const struct partition *hit = pt_find_fs(&p->table, o->fs_partition, &nfs);
    if (!hit && o->fs_partition)
        return eb_fail(err, EB_USAGE, "--fs %s@%s: the plan's partition table has no partition named %s",
                       o->fs_dir, o->fs_partition, o->fs_partition);
    if (!hit)
        return eb_fail(err, EB_USAGE,
                       "--fs %s: the plan's partition table has no filesystem partition (data, subtype fat, "
                       "spiffs or littlefs)",
                       o->fs_dir);
    if (!o->fs_partition && nfs > 1)
        return eb_fail(err, EB_USAGE,
                       "--fs %s: the table has %u filesystem partitions; say which with --fs %s@NAME",
                       o->fs_dir, nfs, o->fs_dir);
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].addr < hit->offset + hit->size &&
            p->regions[i].addr + p->regions[i].data.len > hit->offset)
            return eb_fail(err, EB_USAGE,
                           "the plan already writes %s into partition %s; leave it out, or leave out --fs",
                           p->regions[i].path, hit->label);
    *out = hit;
    return 0;
}

/* A new region holding the image (taken over from `img`). */
static int add_image_region(struct plan *p, const char *dir, const struct partition *part, bytes *img,
                            eb_err *err)
{
    struct plan_region *r = plan_new_region(p, err);
    if (!r)
        return -1;
    size_t n = strlen(dir);
    snprintf(r->path, sizeof r->path, "%s%s", dir, n && dir[n - 1] == '/' ? "" : "/");
    r->data = *img;
    *img = (bytes){ 0 };
    fw_identify(r->data.data, r->data.len, r->id);
    r->addr = part->offset;
    r->explicit_addr = r->built_fs = true;
    p->nregions++;
    return 0;
}

int plan_add_fs(struct plan *p, const struct plan_opts *o, eb_err *err)
{
    const struct partition *part = NULL;
    if (find_partition(p, o, &part, err))
        return -1;
    const char *why = "--fs-type says so";
    enum fs_type type = o->fs_type != FS_AUTO ? o->fs_type : type_for(p, part, &why);
    struct plan_fsdir w;
    bytes img = { 0 };
    struct fs_build_result res;
    struct fs_build_opts bo = { .type = type, .size = part->size };
    int rc = plan_fsdir_read(&w, o->fs_dir, !o->fs_no_ignore, err) ||
                     fs_build(&w.tree, &bo, &img, &res, err) ||
                     add_image_region(p, o->fs_dir, part, &img, err)
                 ? eb_wrap(err, "--fs %s", o->fs_dir)
                 : 0;
    if (rc == 0)
        plan_add_finding(
            p, FIND_INFO, "fs-from-folder", NULL,
            "espburn builds a %s image of %s for partition %s at 0x%x (%s): %zu files, %llu bytes, "
            "%llu bytes free%s. For esptool, create it first: espburn fs build %s -o %s.img --type "
            "%s --size 0x%x",
            fs_type_name(type), o->fs_dir, part->label, part->offset, why, res.files,
            (unsigned long long)res.bytes, (unsigned long long)res.free_bytes,
            w.nskip ? "; .espburnignore and the default rules left some out" : "", o->fs_dir, part->label,
            fs_type_name(type), part->size);
    bytes_free(&img);
    plan_fsdir_free(&w);
    return rc;
}
