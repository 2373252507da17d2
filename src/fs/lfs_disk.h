/* lfs_disk.h - LittleFS v2 on-disk facts (littlefs SPEC.md) and the
 * configuration MicroPython's esp32 port mounts it with (extmod/vfs_lfsx.c:
 * VfsLfs2 defaults readsize = progsize = lookahead = 32, cache_size =
 * 4 * max(readsize, progsize), block size from the partition = 4096,
 * name_max/file_max/attr_max littlefs's defaults, mtime in user attribute 1).
 * Internal to src/fs/. */
#ifndef ESPBURN_LFS_DISK_H
#define ESPBURN_LFS_DISK_H

#include <stdint.h>
#include <zlib.h>

#define LFS_MAGIC_STR      "littlefs"
#define LFS_DISK_VERSION   0x00020000u /* 2.0: readable by every littlefs 2.x */
#define LFS_BLOCK          4096u
#define LFS_PROG           32u
#define LFS_CACHE          (4u * LFS_PROG)
#define LFS_INLINE_MAX     LFS_CACHE /* min(cache_size, attr_max, block_size / 8) */
#define LFS_NAME_MAX       255u
#define LFS_FILE_MAX       2147483647u
#define LFS_ATTR_MAX       1022u
#define LFS_NULL_BLOCK     0xFFFFFFFFu
#define LFS_ATTR_MTIME     1u /* MicroPython: 64-bit little endian nanoseconds since 1970 */
#define LFS_SUPERBLOCK_LEN 24u

/* Tag types (type3: 3-bit type1 and 8-bit chunk). */
enum {
    LFS_T_NAME = 0x000,
    LFS_T_REG = 0x001,
    LFS_T_DIR = 0x002,
    LFS_T_SUPERBLOCK = 0x0FF,
    LFS_T_STRUCT = 0x200,
    LFS_T_DIRSTRUCT = 0x200,
    LFS_T_INLINESTRUCT = 0x201,
    LFS_T_CTZSTRUCT = 0x202,
    LFS_T_USERATTR = 0x300,
    LFS_T_SPLICE = 0x400,
    LFS_T_CREATE = 0x401,
    LFS_T_DELETE = 0x4FF,
    LFS_T_CRC = 0x500,
    LFS_T_FCRC = 0x5FF,
    LFS_T_TAIL = 0x600,
    LFS_T_SOFTTAIL = 0x600,
    LFS_T_HARDTAIL = 0x601,
    LFS_T_GSTATE = 0x700,
};

#define LFS_ID_NONE  0x3FFu
#define LFS_SIZE_DEL 0x3FFu /* length field of a deleted tag */

static inline uint32_t lfs_mktag(uint32_t type, uint32_t id, uint32_t size)
{
    return type << 20 | id << 10 | size;
}
static inline uint32_t lfs_tag_type(uint32_t t)
{
    return (t >> 20) & 0x7FF;
}
static inline uint32_t lfs_tag_id(uint32_t t)
{
    return (t >> 10) & 0x3FF;
}
static inline uint32_t lfs_tag_size(uint32_t t)
{
    return t & 0x3FF;
}

/* littlefs's CRC-32 (reflected 0x04c11db7, no final inversion) from zlib's. */
static inline uint32_t lfs_crc(uint32_t crc, const void *p, size_t n)
{
    return ~(uint32_t)crc32(~crc & 0xFFFFFFFFul, p, (uInt)n);
}

static inline uint32_t lfs_ctz(uint32_t v)
{
    return (uint32_t)__builtin_ctz(v);
}

/* Bytes of skip-list pointers at the start of CTZ block `i`. */
static inline uint32_t lfs_ctz_header(uint32_t i)
{
    return i ? 4 * (lfs_ctz(i) + 1) : 0;
}

#endif
