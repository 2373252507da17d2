/* fat.h - FAT12/16/32 geometry and directory entries shared by the FAT
 * reader and builder (Microsoft's FAT specification, "FAT: General
 * Overview of On-Disk Format"; the layout ESP-IDF's fatfsgen.py makes).
 * Internal to src/fs/. */
#ifndef ESPBURN_FAT_H
#define ESPBURN_FAT_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/fs_internal.h"

#define FAT_DIRENT        32u
#define FAT_ATTR_RO       0x01u
#define FAT_ATTR_HIDDEN   0x02u
#define FAT_ATTR_SYSTEM   0x04u
#define FAT_ATTR_VOLUME   0x08u
#define FAT_ATTR_DIR      0x10u
#define FAT_ATTR_ARCHIVE  0x20u
#define FAT_ATTR_LFN      0x0Fu
#define FAT_LFN_CHARS     13u
#define FAT_NT_LOWER_BASE 0x08u /* byte 12: the 8.3 name's base is lower case */
#define FAT_NT_LOWER_EXT  0x10u /* ... and its extension */
#define FAT12_MAX         4084u /* clusters: fewer than 4085 is FAT12 */
#define FAT16_MAX         65524u

/* ESP-IDF's defaults (fatfsgen_utils/utils.py FATDefaults). */
#define FAT_DEF_RESERVED     1u
#define FAT_DEF_FATS         2u
#define FAT_DEF_ROOT_ENTRIES 512u
#define FAT_DEF_MEDIA        0xF8u
#define FAT_DEF_OEM          "MSDOS5.0"
#define FAT_DEF_SEC_PER_TRK  0x3Fu
#define FAT_DEF_HEADS        0xFFu

struct fat_geo {
    uint32_t ss, spc, reserved, nfats, root_entries, fat_secs, total_secs;
    uint32_t root_secs, data_start, clusters, root_cluster; /* root_cluster: FAT32 */
    int bits;                                               /* 12, 16 or 32 */
};

static inline uint32_t fat_cluster_bytes(const struct fat_geo *g)
{
    return g->ss * g->spc;
}
/* Byte offset in the volume of cluster c (>= 2). */
static inline uint64_t fat_cluster_off(const struct fat_geo *g, uint32_t c)
{
    return ((uint64_t)g->data_start + (uint64_t)(c - 2) * g->spc) * g->ss;
}

/* Entry c of the FAT in fat[0..len) (0 when outside), and setting it. */
uint32_t fat_get(const struct fat_geo *g, const uint8_t *fat, size_t len, uint32_t c);
void fat_set(const struct fat_geo *g, uint8_t *fat, uint32_t c, uint32_t v);
/* Is FAT value v the end of a chain (or bad / reserved)? */
bool fat_is_end(const struct fat_geo *g, uint32_t v);

/* The checksum of an 8.3 name that long-name entries carry. */
uint8_t fat_sfn_checksum(const uint8_t name[11]);

/* FAT date and time of `t` (seconds since 1970, UTC), and back. */
void fat_timestamp(int64_t t, uint16_t *date, uint16_t *time);
int64_t fat_time_of(uint16_t date, uint16_t time);

#endif
