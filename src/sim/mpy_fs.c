/* mpy_fs.c - the app stage's files: the flash partition unpacked into the
 * worker's folder at the start, packed back at the stop. */
#include "sim/mpy_fs.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/identify.h"
#include "image/part_table.h"
#include "plan/plan_fsdir.h"
#include "sim/nor_flash.h"

static enum fs_type type_of_role(enum role r)
{
    return r == ROLE_LITTLEFS ? FS_LITTLEFS
           : r == ROLE_FATFS  ? FS_FAT
           : r == ROLE_SPIFFS ? FS_SPIFFS
                              : FS_AUTO;
}

/* The table's filesystem partition; false when there is none in the flash. */
static bool find_partition(struct sim_mpy_fs *f, const struct sim *s)
{
    struct part_table t;
    if (s->flash->size < PT_DEFAULT_OFFSET + PT_MAX_LEN ||
        pt_parse_bin(s->flash->mem + PT_DEFAULT_OFFSET, PT_MAX_LEN, &t, NULL) != 0)
        return false;
    const struct partition *p = pt_find_fs(&t, NULL, NULL);
    if (!p || (uint64_t)p->offset + p->size > s->flash->size)
        return false;
    f->offset = p->offset, f->size = p->size;
    snprintf(f->label, sizeof f->label, "%s", p->label);
    return true;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag;
    return ftw->level > 0 ? remove(path) : 0;
}

/* The folder's latest ctime and entry count (nftw has no context pointer). */
static struct timespec scan_newest;
static size_t scan_entries;

static int scan_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)flag, (void)ftw;
    scan_entries++;
    if (st->st_ctim.tv_sec > scan_newest.tv_sec ||
        (st->st_ctim.tv_sec == scan_newest.tv_sec && st->st_ctim.tv_nsec > scan_newest.tv_nsec))
        scan_newest = st->st_ctim;
    return 0;
}

static void scan(const char *dir, struct timespec *newest, size_t *entries)
{
    scan_newest = (struct timespec){ 0 }, scan_entries = 0;
    nftw(dir, scan_one, 16, FTW_PHYS);
    *newest = scan_newest, *entries = scan_entries;
}

static int read_mem(void *ctx, uint64_t off, void *buf, size_t n, eb_err *err)
{
    (void)err;
    memcpy(buf, (const uint8_t *)ctx + off, n);
    return 0;
}

/* Replace the folder's files with the partition's. */
static int unpack(struct sim_mpy_fs *f, struct sim *s, const char *dir, size_t *files, eb_err *err)
{
    struct fs_dev dev = { .read = read_mem, .ctx = s->flash->mem + f->offset, .size = f->size };
    struct fs_vol v;
    if (fs_open(&v, f->type, &dev, err))
        return -1;
    f->type = v.type; /* FAT: with or without wear levelling */
    uint64_t nbytes = 0;
    int rc = nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0
                 ? eb_fail(err, EB_IO, "cannot empty %s for the partition's files", dir)
                 : plan_fsdir_write(&v, &v.root, dir, files, &nbytes, err);
    fs_close(&v);
    return rc;
}

void sim_mpy_fs_unpack(struct sim_mpy_fs *f, struct sim *s, const char *dir)
{
    *f = (struct sim_mpy_fs){ 0 };
    if (!find_partition(f, s))
        return;
    const uint8_t *part = s->flash->mem + f->offset;
    struct fw_ident *id = malloc(sizeof *id);
    if (!id)
        return;
    fw_identify(part, f->size, id);
    f->type = type_of_role(id->role);
    bool erased = id->role == ROLE_ERASED;
    free(id);
    if (erased) {
        f->on = f->dirty = true;
        f->type = strcmp(s->app.personality, "lobo") == 0 ? FS_SPIFFS : FS_LITTLEFS;
        sim_tracef(s,
                   "app stage: partition %s is erased; MicroPython's files are those in %s, packed into it "
                   "as %s at the next reset",
                   f->label, dir, fs_type_name(f->type));
        return;
    }
    eb_err err = { 0 };
    size_t files = 0;
    if (f->type == FS_AUTO || unpack(f, s, dir, &files, &err) != 0) {
        sim_tracef(s, "app stage: partition %s left alone (%s); MicroPython's files are those in %s",
                   f->label, f->type == FS_AUTO ? "no filesystem espburn reads" : err.msg, dir);
        f->on = false;
        return;
    }
    f->on = true;
    scan(dir, &f->newest, &f->entries);
    sim_tracef(s, "app stage: %zu files of partition %s (%s) unpacked into %s", files, f->label,
               fs_type_name(f->type), dir);
}

void sim_mpy_fs_pack(struct sim_mpy_fs *f, struct sim *s, const char *dir)
{
    if (!f->on)
        return;
    f->on = false;
    struct timespec newest;
    size_t entries;
    scan(dir, &newest, &entries);
    if (!f->dirty && entries == f->entries && newest.tv_sec == f->newest.tv_sec &&
        newest.tv_nsec == f->newest.tv_nsec) {
        sim_tracef(s, "reset: MicroPython changed no file; partition %s kept as it is", f->label);
        return;
    }
    eb_err err = { 0 };
    struct plan_fsdir w;
    bytes img = { 0 };
    struct fs_build_result res;
    struct fs_build_opts bo = { .type = f->type, .size = f->size };
    if (plan_fsdir_read(&w, dir, false, &err) || fs_build(&w.tree, &bo, &img, &res, &err))
        sim_tracef(s, "reset: MicroPython's files were not packed into partition %s: %s", f->label, err.msg);
    else {
        memcpy(s->flash->mem + f->offset, img.data, f->size);
        sim_tracef(s, "reset: %zu files packed into partition %s (%s)", res.files, f->label,
                   fs_type_name(f->type));
    }
    bytes_free(&img);
    plan_fsdir_free(&w);
}
