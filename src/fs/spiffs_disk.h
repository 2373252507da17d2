/* spiffs_disk.h - SPIFFS as LoBo's MicroPython for ESP32 configures it
 * (the bundle's sdkconfig: CONFIG_SPIFFS_PAGE_SIZE 256, OBJ_NAME_LEN 64,
 * META_LENGTH 5, USE_MAGIC and USE_MAGIC_LENGTH, USE_MTIME, USE_DIR; 4 KB
 * blocks; ESP-IDF's 16-bit object ids, span and page indices) and the
 * on-flash layout of spiffs_nucleus.h. LoBo's directory extension: a
 * folder is an object named by its full path whose metadata says "dir";
 * metadata = 32-bit mtime, then the type byte (LoBo's mkspiffs,
 * spiffs_meta_t). Internal to src/fs/. */
#ifndef ESPBURN_SPIFFS_DISK_H
#define ESPBURN_SPIFFS_DISK_H

#define SPIFFS_PAGE       256u
#define SPIFFS_BLOCK      4096u
#define SPIFFS_PPB        (SPIFFS_BLOCK / SPIFFS_PAGE) /* pages per block */
#define SPIFFS_LU_PAGES   1u                           /* max(1, PPB * 2 / PAGE) */
#define SPIFFS_LU_ENTRIES (SPIFFS_PPB - SPIFFS_LU_PAGES)
#define SPIFFS_NAME_LEN   64u /* including the NUL: paths up to 63 bytes */
#define SPIFFS_META_LEN   5u
#define SPIFFS_MAGIC_AT   (SPIFFS_PAGE - 4) /* in the block's lookup page, then the erase count */
#define SPIFFS_MAGIC_SEED 0x20140529u

/* Page header: object id (16), span index (16), flags (8). */
#define SPIFFS_PH_LEN   5u
#define SPIFFS_DATA_LEN (SPIFFS_PAGE - SPIFFS_PH_LEN)
/* Object index header: page header, 3 bytes to align, size (32) at 8, type
 * (8) at 12, name at 13, meta after it; then the page index table. */
#define SPIFFS_IXH_SIZE    8u
#define SPIFFS_IXH_TYPE    12u
#define SPIFFS_IXH_NAME    13u
#define SPIFFS_IXH_META    (SPIFFS_IXH_NAME + SPIFFS_NAME_LEN)
#define SPIFFS_IXH_LEN     (SPIFFS_IXH_META + SPIFFS_META_LEN)  /* 82 */
#define SPIFFS_IX_LEN      8u                                   /* a plain index page's header */
#define SPIFFS_HDR_ENTRIES ((SPIFFS_PAGE - SPIFFS_IXH_LEN) / 2) /* 87 data pages named in the header */
#define SPIFFS_IX_ENTRIES  ((SPIFFS_PAGE - SPIFFS_IX_LEN) / 2)  /* 124 in each further index page */

#define SPIFFS_ID_IX_FLAG 0x8000u /* set on the ids of index pages */
#define SPIFFS_ID_FREE    0xFFFFu
#define SPIFFS_ID_DELETED 0x0000u
#define SPIFFS_UNDEF_LEN  0xFFFFFFFFu

/* Flag bits, active when 0. */
#define SPIFFS_F_USED   0x01u
#define SPIFFS_F_FINAL  0x02u
#define SPIFFS_F_INDEX  0x04u
#define SPIFFS_F_IXDELE 0x40u
#define SPIFFS_F_DELET  0x80u

#define SPIFFS_TYPE_FILE 1u
#define SPIFFS_TYPE_DIR  2u

/* The magic of block `bix` of `blocks` (USE_MAGIC_LENGTH). */
static inline uint16_t spiffs_magic(uint32_t blocks, uint32_t bix)
{
    return (uint16_t)(SPIFFS_MAGIC_SEED ^ SPIFFS_PAGE ^ (blocks - bix));
}

#endif
