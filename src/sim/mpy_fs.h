/* mpy_fs.h - the virtual board's MicroPython files and its flash: when the
 * app stage starts, the filesystem partition of the flashed table (LittleFS
 * or FAT for the official personality, SPIFFS for LoBo, found by content)
 * is unpacked into the folder the MicroPython worker serves; when the app
 * stage stops (a reset, download mode, the board shutting down), the folder
 * is packed back into the partition in the same format, so what
 * MicroPython wrote is in the flash (and --flash-file). An erased partition
 * leaves the folder as it is (its files are what MicroPython sees) and gets
 * the personality's format on the way back; a partition holding something
 * else is never touched. A folder MicroPython did not change is not packed
 * (the partition already holds it), so a reset stays quick. */
#ifndef ESPBURN_SIM_MPY_FS_H
#define ESPBURN_SIM_MPY_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fs/fs.h"
#include "sim/engine.h"

struct sim_mpy_fs {
    bool on;                /* the partition is the folder's home: pack back at the stop */
    bool dirty;             /* pack even when the folder did not change (an erased partition) */
    struct timespec newest; /* the folder's latest change (ctime) when MicroPython started */
    size_t entries;         /* and how many entries it had */
    enum fs_type type;
    uint32_t offset, size;
    char label[17];
};

/* At the app stage's start: unpack the partition into `dir` (its files
 * replace the folder's). Says what it did in the trace. */
void sim_mpy_fs_unpack(struct sim_mpy_fs *f, struct sim *s, const char *dir);
/* At its stop: pack `dir` back into the partition (when f->on). */
void sim_mpy_fs_pack(struct sim_mpy_fs *f, struct sim *s, const char *dir);

#endif
