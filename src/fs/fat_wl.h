/* fat_wl.h - ESP-IDF's wear-levelling layer (components/wear_levelling,
 * WL_Flash.cpp; the image layout of components/fatfs/wl_fatfsgen.py):
 * the partition's last sector holds the config, before it two copies of
 * the state (a 64-byte header and one 16-byte record per sector moved),
 * and the logical sectors rotate through the rest with one spare "dummy"
 * sector. Internal to src/fs/. */
#ifndef ESPBURN_FAT_WL_H
#define ESPBURN_FAT_WL_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/fs_internal.h"

#define WL_SECTOR       4096u /* the only sector size wl_fatfsgen.py supports */
#define WL_STATE_HEADER 64u
#define WL_RECORD       16u /* wr_size: one record per dummy-sector move */
#define WL_CONFIG_LEN   48u /* 32 bytes of fields, the CRC, 12 bytes of padding */
#define WL_VERSION      2u
#define WL_UPDATE_RATE  16u
#define WL_TEMP_BUFFER  32u

struct wl_map {
    bool on;
    uint32_t page;       /* page_size */
    uint64_t flash_size; /* logical bytes (what FAT sees) */
    uint32_t pos;        /* the dummy sector, recovered from the records */
    uint32_t move_count;
    char detail[96];
};

/* Sectors the layer takes from a partition of `total` 4 KB sectors
 * (dummy, config and two state copies). */
uint32_t wl_overhead_sectors(uint32_t total);

/* Find the layer on v's device: on->false when the last sector holds no
 * valid config (raw FAT); -1 when the config is there but the state is
 * broken. */
int wl_probe(const struct fs_vol *v, struct wl_map *m, eb_err *err);

/* The partition offset of logical byte `off` (within one page). */
uint64_t wl_physical(const struct wl_map *m, uint64_t off);

/* Write a fresh layer (pos 0, no moves) into img[0..size): the logical
 * sectors then start at the partition's second sector. */
void wl_format(uint8_t *img, uint64_t size, uint32_t device_id);

#endif
