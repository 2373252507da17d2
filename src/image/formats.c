/* formats.c - detectors for the binary data formats that go into
 * partitions or are flashed by other means: PHY init data, otadata, NVS,
 * LittleFS, FAT, SPIFFS (heuristic), UF2, ELF, and erased space. Layouts
 * from ESP-IDF (esp_ota_ops, nvs_flash, spiffs, phy), littlefs, the FAT
 * boot sector and Microsoft's UF2 specification. */
#include <string.h>
#include <zlib.h>

#include "common/bytes.h"
#include "image/formats.h"
#include "image/uf2.h"

#define FF_CHUNK 4096 /* all_ff stops at the first 4 KB with a byte that is not 0xFF */

/* Erased space is often megabytes: AND a chunk's words, then test once. */
bool all_ff(const uint8_t *data, size_t len)
{
    size_t i = 0;
    for (; i + FF_CHUNK <= len; i += FF_CHUNK) {
        uint64_t acc = ~0ull;
        for (size_t j = 0; j < FF_CHUNK; j += 8) {
            uint64_t v;
            memcpy(&v, data + i + j, 8);
            acc &= v;
        }
        if (acc != ~0ull)
            return false;
    }
    for (; i < len; i++)
        if (data[i] != 0xFF)
            return false;
    return true;
}

/* ESP-IDF's CRC for otadata and NVS: esp_rom_crc32_le(UINT32_MAX, ...),
 * which is zlib's crc32 started from 0xFFFFFFFF. */
static uint32_t esp_crc32(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(0xFFFFFFFFul, p, (uInt)n);
}

static bool power_of_two_between(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

/* ---- PHY init data: "PHYINIT\0", 128 bytes, "PHYINIT\0" ---- */

#define PHY_MAGIC "PHYINIT"
#define PHY_LEN   144

bool fmt_phy_init(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len < 8 || memcmp(data, PHY_MAGIC, 8) != 0)
        return false;
    fw_say(out, ROLE_PHY_INIT, NULL,
           "PHY init data (radio calibration settings, %zu bytes); it goes in the 'phy' data "
           "partition (0xf000 in ESP-IDF's default tables)",
           len);
    if (len < PHY_LEN || memcmp(data + PHY_LEN - 8, PHY_MAGIC, 8) != 0)
        fw_problem(out, "the closing PHYINIT marker at offset 136 is missing: the file is truncated "
                        "or corrupt; use the phy_init_data.bin from your firmware's build");
    return true;
}

/* ---- otadata: two 32-byte select entries at +0 and +0x1000 ----
 * esp_ota_select_entry_t: ota_seq at 0, ota_state at 24, crc at 28 (the
 * CRC of ota_seq alone). */

#define OTADATA_LEN   0x2000
#define OTA_SECTOR    0x1000
#define OTA_ENTRY_LEN 32
#define OTA_STATE_OFF 24
#define OTA_CRC_OFF   28
#define OTA_SEQ_BLANK 0xFFFFFFFFu
enum {
    OTA_STATE_INVALID = 3,
    OTA_STATE_ABORTED = 4
};

static bool ota_entry_blank(const uint8_t *e)
{
    return all_ff(e, OTA_ENTRY_LEN);
}
static uint32_t ota_seq_crc(const uint8_t *e)
{
    return esp_crc32(e, sizeof(uint32_t));
}

static void read_ota_entry(const uint8_t *e, struct fw_ota_entry *o)
{
    o->seq = rd_le32(e);
    o->state = rd_le32(e + OTA_STATE_OFF);
    o->crc = rd_le32(e + OTA_CRC_OFF);
    o->crc_ok = ota_seq_crc(e) == o->crc;
    o->valid = o->seq != OTA_SEQ_BLANK && o->crc_ok && o->state != OTA_STATE_INVALID &&
               o->state != OTA_STATE_ABORTED;
}

bool fmt_otadata(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len != OTADATA_LEN)
        return false;
    unsigned plausible = 0;
    for (int i = 0; i < 2; i++) {
        const uint8_t *e = data + i * OTA_SECTOR;
        if (!all_ff(e + OTA_ENTRY_LEN, OTA_SECTOR - OTA_ENTRY_LEN))
            return false;
        plausible += ota_entry_blank(e) || ota_seq_crc(e) == rd_le32(e + OTA_CRC_OFF);
    }
    if (!plausible)
        return false;
    struct fw_otadata *o = &out->ota;
    o->active = -1;
    unsigned bad = 0;
    for (int i = 0; i < 2; i++) {
        struct fw_ota_entry *e = &o->entry[i];
        read_ota_entry(data + i * OTA_SECTOR, e);
        if (e->seq != 0 && e->seq != OTA_SEQ_BLANK && !e->crc_ok)
            bad++; /* seq 0 is how boot_app0.bin leaves its unused entry */
        if (e->valid && (o->active < 0 || e->seq > o->entry[o->active].seq))
            o->active = i;
    }
    if (o->active < 0)
        fw_say(out, ROLE_OTADATA, NULL,
               "otadata with no OTA selection: the bootloader boots the factory app (or ota_0); "
               "it goes in the 'otadata' partition");
    else
        fw_say(out, ROLE_OTADATA, NULL,
               "otadata selecting sequence %u (entry %d): the bootloader boots OTA slot "
               "(%u - 1) mod <number of ota partitions>; it goes in the 'otadata' partition",
               o->entry[o->active].seq, o->active, o->entry[o->active].seq);
    if (bad)
        fw_problem(out, "%u otadata entr%s a bad CRC and will be ignored by the bootloader", bad,
                   bad == 1 ? "y has" : "ies have");
    return true;
}

/* ---- NVS: 4 KB pages, each with a 32-byte header ----
 * Page state at 0, version byte at 8 (0xFE: format v2, 0xFF: v1), CRC of
 * bytes 4-27 at 28. */

#define NVS_PAGE        4096
#define NVS_VERSION_OFF 8
#define NVS_VERSION_2   0xFE
#define NVS_VERSION_1   0xFF
#define NVS_CRC_FROM    4
#define NVS_CRC_OFF     28
enum {
    NVS_EMPTY = 0xFFFFFFFFu,
    NVS_ACTIVE = 0xFFFFFFFEu,
    NVS_FULL = 0xFFFFFFFCu,
    NVS_FREEING = 0xFFFFFFF8u,
    NVS_CORRUPT = 0xFFFFFFF0u
};

static bool nvs_header_ok(const uint8_t *p)
{
    uint8_t version = p[NVS_VERSION_OFF];
    return (version == NVS_VERSION_2 || version == NVS_VERSION_1) &&
           esp_crc32(p + NVS_CRC_FROM, NVS_CRC_OFF - NVS_CRC_FROM) == rd_le32(p + NVS_CRC_OFF);
}

bool fmt_nvs(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len < NVS_PAGE || len % NVS_PAGE)
        return false;
    unsigned used = 0, empty = 0, bad = 0, version = 0;
    for (size_t off = 0; off < len; off += NVS_PAGE) {
        uint32_t state = rd_le32(data + off);
        if (state == NVS_EMPTY) {
            empty++;
            continue;
        }
        if (state != NVS_ACTIVE && state != NVS_FULL && state != NVS_FREEING && state != NVS_CORRUPT)
            return false;
        if (!nvs_header_ok(data + off)) {
            bad++;
            continue;
        }
        version = data[off + NVS_VERSION_OFF];
        used++;
    }
    if (used == 0)
        return false;
    out->kind = version == NVS_VERSION_2 ? "v2" : "v1";
    fw_say(out, ROLE_NVS, NULL,
           "NVS data (format %s): %zu pages, %u in use, %u empty; it goes in the 'nvs' partition", out->kind,
           len / NVS_PAGE, used, empty);
    if (bad)
        fw_problem(out, "%u NVS page header%s a bad CRC: those pages will be erased by the firmware", bad,
                   bad == 1 ? " has" : "s have");
    return true;
}

/* ---- LittleFS: "littlefs" in the superblock of block 0 or 1 ----
 * The superblock name sits at offset 8 (after the revision count and its
 * tag), or 12 when a CREATE tag precedes it; the superblock struct
 * (version, block_size, block_count, ...) follows 4 bytes after the name. */

#define LFS_MAGIC "littlefs"
#define LFS_BLOCK 0x1000

static long find_littlefs_name(const uint8_t *data, size_t len)
{
    static const size_t at[] = { 8, 12, LFS_BLOCK + 8, LFS_BLOCK + 12 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        if (in_bounds(len, at[i], 8) && memcmp(data + at[i], LFS_MAGIC, 8) == 0)
            return (long)at[i];
    return -1;
}

bool fmt_littlefs(const uint8_t *data, size_t len, struct fw_ident *out)
{
    long name = find_littlefs_name(data, len);
    if (name < 0)
        return false;
    size_t sb = (size_t)name + 12;
    uint32_t version = 0, block_size = 0, block_count = 0;
    if (in_bounds(len, sb, 12)) {
        version = rd_le32(data + sb);
        block_size = rd_le32(data + sb + 4);
        block_count = rd_le32(data + sb + 8);
    }
    if (power_of_two_between(block_size, 128, 0x100000))
        fw_say(out, ROLE_LITTLEFS, NULL,
               "LittleFS filesystem image (on-disk version %u.%u, %u blocks of %u bytes); it goes "
               "in a data partition of subtype littlefs or spiffs",
               version >> 16, version & 0xFFFF, block_count, block_size);
    else
        fw_say(out, ROLE_LITTLEFS, NULL,
               "LittleFS filesystem image; it goes in a data partition of subtype littlefs or spiffs");
    return true;
}

/* ---- FAT: boot sector with a jump, 55 AA at 0x1FE ----
 * BIOS parameter block: bytes per sector at 11, sectors per cluster at 13,
 * 16-bit sector count at 19 (else the 32-bit one at 32), 16-bit FAT size
 * at 22 (0 on FAT32). */

#define FAT_BOOT_SECTOR   512
#define FAT_SIGNATURE_OFF 510

static bool fat_boot_sector(const uint8_t *d)
{
    bool jump = (d[0] == 0xEB && d[2] == 0x90) || d[0] == 0xE9; /* short or near jump */
    return jump && d[FAT_SIGNATURE_OFF] == 0x55 && d[FAT_SIGNATURE_OFF + 1] == 0xAA;
}

/* ESP-IDF's wear-levelling layer (wl_fatfsgen.py, a fresh WL_Flash) keeps
 * an erased "dummy" sector first and the FAT volume from the next 4 KB. */
#define FAT_WL_DUMMY 0x1000

bool fmt_fat(const uint8_t *data, size_t len, struct fw_ident *out)
{
    bool wl = len >= 2 * FAT_WL_DUMMY && all_ff(data, FAT_WL_DUMMY) && fat_boot_sector(data + FAT_WL_DUMMY);
    if (wl)
        data += FAT_WL_DUMMY, len -= FAT_WL_DUMMY;
    if (len < FAT_BOOT_SECTOR || !fat_boot_sector(data))
        return false;
    uint32_t bps = rd_le16(data + 11), spc = data[13];
    if (!power_of_two_between(bps, 512, 4096) || !power_of_two_between(spc, 1, 128))
        return false;
    uint32_t sectors = rd_le16(data + 19) ? rd_le16(data + 19) : rd_le32(data + 32);
    bool fat32 = rd_le16(data + 22) == 0; /* FAT32 keeps its FAT size elsewhere */
    fw_say(out, ROLE_FATFS, NULL,
           "FAT%s filesystem image%s (%u-byte sectors, %u sectors = %llu KB); it goes in a data "
           "partition of subtype fat",
           fat32 ? "32" : "12/16", wl ? " in ESP-IDF's wear-levelling layer" : "", bps, sectors,
           (unsigned long long)sectors * bps / 1024);
    if ((uint64_t)sectors * bps > len)
        fw_problem(out, "the filesystem claims %llu bytes but the file has %zu: it is truncated",
                   (unsigned long long)sectors * bps, len);
    return true;
}

/* ---- SPIFFS (ESP-IDF defaults: 4 KB blocks, 256-byte pages) ----
 * The first page of each block is the object lookup table: one u16 object
 * id per page of the block (15 here), the block's magic at byte 252 and its
 * erase count at 254. With SPIFFS_USE_MAGIC_LENGTH (ESP-IDF's default) the
 * magic also mixes in the number of blocks left. */

#define SPIFFS_BLOCK      4096
#define SPIFFS_PAGE       256
#define SPIFFS_LU_ENTRIES 15
#define SPIFFS_MAGIC_OFF  252
#define SPIFFS_MAGIC_SEED 0x20140529u

static uint16_t spiffs_magic(uint32_t blocks_left, bool with_length)
{
    uint32_t m = SPIFFS_MAGIC_SEED ^ SPIFFS_PAGE;
    return (uint16_t)(with_length ? m ^ blocks_left : m);
}

static bool spiffs_lookup_page_shape(const uint8_t *blk)
{
    size_t ids_end = SPIFFS_LU_ENTRIES * sizeof(uint16_t);
    return all_ff(blk + ids_end, SPIFFS_MAGIC_OFF - ids_end);
}

bool fmt_spiffs(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len < 2 * SPIFFS_BLOCK || len % SPIFFS_BLOCK || all_ff(data, SPIFFS_BLOCK))
        return false;
    size_t blocks = len / SPIFFS_BLOCK;
    uint16_t m0 = rd_le16(data + SPIFFS_MAGIC_OFF), m1 = rd_le16(data + SPIFFS_BLOCK + SPIFFS_MAGIC_OFF);
    uint32_t n = (uint32_t)blocks;
    bool magic = (m0 == spiffs_magic(n, true) && m1 == spiffs_magic(n - 1, true)) ||
                 (m0 == spiffs_magic(0, false) && m1 == spiffs_magic(0, false));
    bool shape = spiffs_lookup_page_shape(data) && spiffs_lookup_page_shape(data + SPIFFS_BLOCK);
    if (!magic && !shape)
        return false;
    fw_say(out, ROLE_SPIFFS, NULL,
           "%s (%zu blocks of 4 KB, 256-byte pages); it goes in a data partition of subtype spiffs",
           magic ? "SPIFFS filesystem image"
                 : "probably a SPIFFS filesystem image (no block magic; "
                   "recognised by its page layout)",
           blocks);
    return true;
}

/* ---- UF2: 512-byte blocks ---- */

static bool uf2_block_ok(const uint8_t *b)
{
    return rd_le32(b) == UF2_MAGIC_START0 && rd_le32(b + 4) == UF2_MAGIC_START1 &&
           rd_le32(b + UF2_OFF_MAGIC_END) == UF2_MAGIC_END;
}

struct uf2_scan {
    uint32_t bad, mixed; /* blocks with a bad magic; blocks naming another family */
};

/* Walk every block: count them, note the family and the address range. */
static struct uf2_scan uf2_walk(const uint8_t *data, size_t len, struct fw_ident *out)
{
    struct uf2_scan scan = { 0 };
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t off = 0; off + UF2_BLOCK_LEN <= len; off += UF2_BLOCK_LEN) {
        const uint8_t *b = data + off;
        if (!uf2_block_ok(b)) {
            scan.bad++;
            continue;
        }
        uint32_t flags = rd_le32(b + UF2_OFF_FLAGS), addr = rd_le32(b + UF2_OFF_ADDR);
        uint32_t size = rd_le32(b + UF2_OFF_SIZE), family = rd_le32(b + UF2_OFF_FAMILY);
        out->uf2_blocks++;
        if (flags & UF2_FLAG_FAMILY_ID) {
            if (!out->uf2_family)
                out->uf2_family = family;
            scan.mixed += family != out->uf2_family;
        }
        if (flags & UF2_FLAG_NOT_MAIN_FLASH || size > UF2_MAX_PAYLOAD)
            continue;
        lo = addr < lo ? addr : lo;
        hi = (uint64_t)addr + size > hi ? (uint64_t)addr + size : hi;
    }
    out->uf2_addr_min = lo <= hi ? (uint32_t)lo : 0;
    out->uf2_addr_max = hi > UINT32_MAX ? UINT32_MAX : (uint32_t)hi;
    return scan;
}

bool fmt_uf2(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len < UF2_BLOCK_LEN || !uf2_block_ok(data))
        return false;
    struct uf2_scan scan = uf2_walk(data, len, out);
    const struct chip *c = chip_by_uf2_family(out->uf2_family);
    fw_say(out, ROLE_UF2, c,
           "UF2 file for %s (family id 0x%08x): %u blocks covering 0x%x-0x%x; copy it to the "
           "board's UF2 drive, or flash its contents at the addresses it carries",
           c ? c->display : "an unknown chip", out->uf2_family, out->uf2_blocks, out->uf2_addr_min,
           out->uf2_addr_max);
    uint32_t broken = scan.bad + (len % UF2_BLOCK_LEN != 0);
    if (broken)
        fw_problem(out,
                   "%u UF2 block%s a bad magic or the file ends mid-block: it is corrupt or "
                   "truncated",
                   broken, broken == 1 ? " has" : "s have");
    else if (rd_le32(data + UF2_OFF_NUM_BLOCKS) != out->uf2_blocks)
        fw_problem(out, "the file has %u UF2 blocks but its blocks say %u: it is truncated or mixed",
                   out->uf2_blocks, rd_le32(data + UF2_OFF_NUM_BLOCKS));
    else if (scan.mixed)
        fw_problem(out, "the UF2 blocks name more than one family id");
    return true;
}

/* ---- ELF: must be converted to an image first ---- */

#define EM_XTENSA 94
#define EM_RISCV  243

bool fmt_elf(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (len < 20 || memcmp(data,
                           "\x7f"
                           "ELF",
                           4) != 0)
        return false;
    uint16_t machine = rd_le16(data + 18);
    out->kind = machine == EM_XTENSA ? "xtensa" : machine == EM_RISCV ? "riscv" : NULL;
    if (!out->kind)
        fw_say(out, ROLE_ELF, NULL,
               "an ELF file for another architecture (machine %u): not ESP "
               "firmware",
               machine);
    else
        fw_say(out, ROLE_ELF, NULL,
               "an ELF file (%s): it is not flashable as it is; it must be converted with "
               "'esptool.py elf2image' (or flash the .bin built next to it)",
               machine == EM_XTENSA ? "Xtensa code, for ESP32, ESP32-S2 or ESP32-S3"
                                    : "RISC-V code, for ESP32-C2/C3/C5/C6/H2/P4");
    return true;
}

bool fmt_erased(const uint8_t *data, size_t len, struct fw_ident *out)
{
    if (!all_ff(data, len))
        return false;
    fw_say(out, ROLE_ERASED, NULL, "erased flash: all %zu bytes are 0xFF (nothing to flash)", len);
    return true;
}
