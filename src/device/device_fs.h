/* device_fs.h - a board's filesystem partition read over the ROM protocol,
 * for rescuing files off a board whose firmware no longer boots: the
 * partition table at 0x8000, then only the bytes the filesystem reader
 * (fs/fs.h) asks for, each fetched once (a cache of 256-byte pages, runs
 * of missing pages fetched in one read, more when the reader goes
 * sequentially or scans block by block, less over erased flash) and
 * checked by MD5 (the stub's own
 * digest of what it sent, or the chip's MD5 of the range under the ROM). */
#ifndef ESPBURN_DEVICE_FS_H
#define ESPBURN_DEVICE_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "device/device.h"
#include "fs/fs.h"
#include "image/part_table.h"

#define DEVICE_FS_PAGE        256u /* the cache's unit: SPIFFS's page, a divisor of every block size */
#define DEVICE_FS_WINDOW_MAX  256u /* read-ahead limit in pages (64 KB) */
#define DEVICE_FS_BLOCK_PAGES 16u  /* 4 KB: every format's block (LittleFS, SPIFFS) or sector (FAT) */

struct device_fs {
    struct device *d;
    struct partition part; /* the partition read */
    struct fs_vol vol;     /* the filesystem on it, when `open` */
    bool open;
    uint8_t *shadow;             /* the partition's bytes, as far as fetched */
    uint8_t *have;               /* one flag per DEVICE_FS_PAGE of shadow */
    uint64_t fetched;            /* bytes read from the board */
    unsigned reads;              /* read requests sent */
    size_t next, window;         /* read-ahead: the page after the last fetch, pages to fetch ahead */
    size_t last_start;           /* the first page of the last fetch */
    bool sparse;                 /* the last read-ahead was mostly erased: read only what is asked */
    loader_progress_fn progress; /* (fetched, partition size) after each read, or NULL */
    void *pctx;
};

/* Read the board's partition table, pick the partition `name` (NULL: the
 * only filesystem partition), find its type (`type`, or FS_AUTO: by content,
 * else by the partition's subtype) and open the filesystem on it. `f->d`,
 * progress and pctx are the caller's to set first. device_fs_close `f` in
 * every case. */
int device_fs_open(struct device_fs *f, const char *name, enum fs_type type, eb_err *err);
void device_fs_close(struct device_fs *f);

#endif
