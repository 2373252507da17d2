/* fat_wl.c - ESP-IDF's wear-levelling layer, read and written (see fat_wl.h). */
#include "fs/fat_wl.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "common/bytes.h"

/* crc32_le(0xFFFFFFFF, ...) as the layer computes it: zlib's CRC-32
 * seeded with all ones (wl_fatfsgen.py: binascii.crc32(data, UINT32_MAX)). */
static uint32_t wl_crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(0xFFFFFFFFul, p, (uInt)n);
}

static uint32_t state_size(uint64_t full, uint32_t sector)
{
    uint64_t need = WL_STATE_HEADER + (full / sector) * WL_RECORD;
    return (uint32_t)((need + sector - 1) / sector * sector);
}

uint32_t wl_overhead_sectors(uint32_t total)
{
    return 2 + 2 * (state_size((uint64_t)total * WL_SECTOR, WL_SECTOR) / WL_SECTOR);
}

/* Config fields at the partition's last sector: start_addr, full_mem_size,
 * page_size, sector_size, updaterate, wr_size, version, temp_buff_size, crc. */
static bool config_ok(const uint8_t *c, uint64_t size)
{
    uint32_t page = rd_le32(c + 8), sector = rd_le32(c + 12);
    return wl_crc(c, 32) == rd_le32(c + 32) && rd_le32(c + 4) == size && page >= 512 && page <= 65536 &&
           (page & (page - 1)) == 0 && sector == page && rd_le32(c + 20) == WL_RECORD;
}

/* The index of the first unwritten record after the state header. */
static int recover_pos(const struct fs_vol *v, uint64_t state_at, uint32_t max_pos, uint32_t *pos,
                       eb_err *err)
{
    uint8_t rec[WL_RECORD], erased[WL_RECORD];
    memset(erased, 0xFF, sizeof erased);
    for (uint32_t i = 0; i < max_pos; i++) {
        if (fs_dev_read(v, state_at + WL_STATE_HEADER + (uint64_t)i * WL_RECORD, rec, sizeof rec, err))
            return -1;
        *pos = i;
        if (memcmp(rec, erased, sizeof rec) == 0)
            return 0;
    }
    if (*pos + 1 >= max_pos && max_pos > 0)
        *pos = max_pos - 1;
    return 0;
}

static int read_state(const struct fs_vol *v, uint64_t at1, uint64_t at2, uint8_t *st, eb_err *err)
{
    for (int i = 0; i < 2; i++) {
        if (fs_dev_read(v, i ? at2 : at1, st, WL_STATE_HEADER, err))
            return -1;
        if (wl_crc(st, WL_STATE_HEADER - 4) == rd_le32(st + WL_STATE_HEADER - 4))
            return 0;
    }
    return eb_fail(
        err, EB_PROBLEM,
        "the wear-levelling state of this FAT partition is damaged in both copies (CRC mismatch); "
        "the board would format it on the next mount: copy what you need with --type fat at your risk");
}

int wl_probe(const struct fs_vol *v, struct wl_map *m, eb_err *err)
{
    *m = (struct wl_map){ 0 };
    uint64_t size = v->dev.size;
    uint8_t c[WL_CONFIG_LEN];
    if (size < 8 * (uint64_t)WL_SECTOR)
        return 0;
    if (fs_dev_read(v, size - WL_SECTOR, c, sizeof c, err))
        return -1;
    if (!config_ok(c, size))
        return 0;
    uint32_t page = rd_le32(c + 8), ssize = state_size(size, page);
    uint64_t cfg = page, at1 = size - 2 * (uint64_t)ssize - cfg, at2 = size - ssize - cfg;
    if ((size - 2 * (uint64_t)ssize - cfg) / page < 2)
        return eb_fail(err, EB_PROBLEM, "the wear-levelling config says the partition is too small for data");
    uint8_t st[WL_STATE_HEADER];
    if (read_state(v, at1, at2, st, err))
        return -1;
    m->page = page;
    m->flash_size = ((size - 2 * (uint64_t)ssize - cfg) / page - 1) * page;
    m->move_count = rd_le32(st + 8);
    uint32_t max_pos = rd_le32(st + 4);
    if (max_pos > m->flash_size / page + 1)
        max_pos = (uint32_t)(m->flash_size / page + 1);
    if (recover_pos(v, at1, max_pos, &m->pos, err))
        return -1;
    m->on = true;
    snprintf(m->detail, sizeof m->detail, "ESP-IDF wear levelling v%u (dummy sector %u, %u moves)",
             rd_le32(st + 24), m->pos, m->move_count);
    return 0;
}

uint64_t wl_physical(const struct wl_map *m, uint64_t off)
{
    uint64_t page_off = off % m->page, lpage = off - page_off;
    uint64_t moved = (uint64_t)(m->move_count % (m->flash_size / m->page)) * m->page;
    uint64_t phys = (m->flash_size - moved + lpage) % m->flash_size;
    if (phys >= (uint64_t)m->pos * m->page)
        phys += m->page;
    return phys + page_off;
}

static void write_state(uint8_t *at, uint32_t max_pos, uint32_t device_id)
{
    uint32_t fields[8] = { 0, max_pos, 0, 0, WL_UPDATE_RATE, WL_SECTOR, WL_VERSION, device_id };
    memset(at, 0, WL_STATE_HEADER);
    for (int i = 0; i < 8; i++)
        wr_le32(at + 4 * i, fields[i]);
    wr_le32(at + WL_STATE_HEADER - 4, wl_crc(at, WL_STATE_HEADER - 4));
}

void wl_format(uint8_t *img, uint64_t size, uint32_t device_id)
{
    uint32_t total = (uint32_t)(size / WL_SECTOR), ssize = state_size(size, WL_SECTOR);
    uint32_t fat_sectors = total - wl_overhead_sectors(total);
    uint64_t cfg = size - WL_SECTOR, at1 = cfg - 2 * (uint64_t)ssize;
    memset(img, 0xFF, WL_SECTOR); /* the dummy sector */
    memset(img + at1, 0xFF, size - at1);
    write_state(img + at1, fat_sectors + 1, device_id);
    write_state(img + at1 + ssize, fat_sectors + 1, device_id);
    uint32_t fields[8] = { 0,         (uint32_t)size, WL_SECTOR,     WL_SECTOR, WL_UPDATE_RATE,
                           WL_RECORD, WL_VERSION,     WL_TEMP_BUFFER };
    uint8_t *c = img + cfg;
    memset(c, 0, WL_CONFIG_LEN);
    for (int i = 0; i < 8; i++)
        wr_le32(c + 4 * i, fields[i]);
    wr_le32(c + 32, wl_crc(c, 32));
}
