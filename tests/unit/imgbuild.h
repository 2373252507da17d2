/* imgbuild.h - header-only builders of ESP firmware files for unit tests:
 * images (header, segments, checksum, optional SHA-256, app / bootloader
 * descriptors), applications and bootloaders for any chip of the chip
 * table, binary partition tables with their MD5 row, and helpers to read
 * the shared seed bundle. Written from the published formats so tests
 * check espburn against the formats. */
#ifndef ESPBURN_TEST_IMGBUILD_H
#define ESPBURN_TEST_IMGBUILD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chips.h"
#include "common/bytes.h"
#include "common/file.h"
#include "common/hash.h"

struct ib_seg {
    uint32_t addr;
    const uint8_t *data;
    uint32_t len;
};

static inline void ib_put32(bytes *b, uint32_t v)
{
    uint8_t w[4];
    wr_le32(w, v);
    bytes_append(b, w, 4);
}

/* An image: 24-byte header, segments, 0 padding to the checksum byte at an
 * offset = 15 mod 16, and the SHA-256 of all that when `sha`. */
static inline void ib_image(bytes *out, uint16_t chip_id, const struct ib_seg *segs, unsigned n, bool sha)
{
    uint8_t h[24] = { 0xE9, (uint8_t)n, 0x02, 0x20 };
    wr_le32(h + 4, n ? segs[0].addr : 0);
    h[8] = 0xEE;
    wr_le16(h + 12, chip_id);
    wr_le16(h + 17, 0xFFFF);
    h[23] = sha ? 1 : 0;
    size_t start = out->len;
    bytes_append(out, h, sizeof h);
    uint8_t sum = 0xEF;
    for (unsigned i = 0; i < n; i++) {
        ib_put32(out, segs[i].addr);
        ib_put32(out, segs[i].len);
        bytes_append(out, segs[i].data, segs[i].len);
        for (uint32_t j = 0; j < segs[i].len; j++)
            sum ^= segs[i].data[j];
    }
    while ((out->len - start) % 16 != 15)
        bytes_append_byte(out, 0);
    bytes_append_byte(out, sum);
    if (sha) {
        uint8_t d[EB_SHA256_LEN];
        sha256_buf(out->data + start, out->len - start, d);
        bytes_append(out, d, 32);
    }
}

/* First address of the chip's region of this kind (0 if it has none). */
static inline uint32_t ib_region(const struct chip *c, enum mem_kind kind)
{
    for (int i = 0; i < CHIP_MAX_REGIONS && c->regions[i].name; i++)
        if (c->regions[i].kind == kind)
            return c->regions[i].start;
    return 0;
}

/* esp_app_desc_t (256 bytes) with project/version and log2 MMU page size. */
static inline void ib_app_desc(uint8_t d[256], const char *project, uint8_t mmu_log2)
{
    memset(d, 0, 256);
    wr_le32(d, 0xABCD5432u);
    memcpy(d + 16, "1.2.3", 5);
    memcpy(d + 48, project, strlen(project) < 32 ? strlen(project) : 31);
    memcpy(d + 80, "12:34:56", 8);
    memcpy(d + 96, "Jan  2 2025", 11);
    memcpy(d + 112, "v5.3.1", 6);
    wr_le16(d + 178, 0xFFFF);
    d[180] = mmu_log2;
}

static inline void ib_fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 31 + i * 7);
}

/* An application for chip `c`: DROM segment first (descriptor at 0x20), a
 * DRAM segment, then an IROM segment whose address equals its file offset
 * modulo 64 KB (plus `irom_skew`, to build a wrongly mapped one). */
static inline void ib_app(bytes *out, const struct chip *c, bool sha, uint8_t mmu_log2, uint32_t irom_skew)
{
    static uint8_t drom[1024], dram[256], irom[2048];
    ib_app_desc(drom, "unitapp", mmu_log2);
    ib_fill(drom + 256, sizeof drom - 256, 1);
    ib_fill(dram, sizeof dram, 2);
    ib_fill(irom, sizeof irom, 3);
    size_t irom_off = 24 + 8 + sizeof drom + 8 + sizeof dram + 8;
    struct ib_seg s[3] = {
        { ib_region(c, MEM_DROM) + 0x20, drom, sizeof drom },
        { ib_region(c, MEM_DRAM) + 0x100, dram, sizeof dram },
        { ib_region(c, MEM_IROM) + (uint32_t)(irom_off % 0x10000) + irom_skew, irom, sizeof irom },
    };
    ib_image(out, c->image_chip_id, s, 3, sha);
}

/* A bootloader for chip `c`: DRAM and IRAM (or DRAM twice) segments. */
static inline void ib_bootloader(bytes *out, const struct chip *c, bool sha)
{
    static uint8_t a[512], b[1536];
    ib_fill(a, sizeof a, 4);
    ib_fill(b, sizeof b, 5);
    uint32_t iram = ib_region(c, MEM_IRAM) ? ib_region(c, MEM_IRAM) : ib_region(c, MEM_DRAM) + 0x8000;
    struct ib_seg s[2] = { { ib_region(c, MEM_DRAM) + 0x100, a, sizeof a }, { iram, b, sizeof b } };
    ib_image(out, c->image_chip_id, s, 2, sha);
}

struct ib_part {
    const char *name;
    uint8_t type, subtype;
    uint32_t offset, size;
};

/* A binary partition table: entries, MD5 row, 0xFF to 0xC00 bytes. */
static inline void ib_table(bytes *out, const struct ib_part *p, unsigned n)
{
    size_t start = out->len;
    for (unsigned i = 0; i < n; i++) {
        uint8_t e[32] = { 0xAA, 0x50, p[i].type, p[i].subtype };
        wr_le32(e + 4, p[i].offset);
        wr_le32(e + 8, p[i].size);
        memcpy(e + 12, p[i].name, strlen(p[i].name));
        bytes_append(out, e, 32);
    }
    uint8_t row[32];
    memset(row, 0xFF, sizeof row);
    row[0] = row[1] = 0xEB;
    md5_buf(out->data + start, out->len - start, row + 16);
    bytes_append(out, row, 32);
    while (out->len - start < 0xC00)
        bytes_append_byte(out, 0xFF);
}

/* Place `src` at file offset `off` of `out`, filling any gap with 0xFF. */
static inline void ib_place(bytes *out, size_t off, const uint8_t *src, size_t n)
{
    while (out->len < off + n)
        bytes_append_byte(out, 0xFF);
    memcpy(out->data + off, src, n);
}

/* The shared seed bundle (../shared/firmware/...): read one file. */
static inline bool ib_seed(const char *name, bytes *out)
{
    const char *shared = getenv("ESPBURN_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/firmware/m5stack-lobo-esp32-psram-all-bt/%s",
             shared ? shared : "../shared", name);
    eb_err err;
    return file_read(path, 64u << 20, out, &err) == 0;
}

#endif
