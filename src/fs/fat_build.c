/* fat_build.c - FAT12/16 images as ESP-IDF's fatfsgen.py lays them out
 * (1 reserved sector, 2 FATs, 512 root entries, media 0xF8), with long
 * names where an 8.3 name cannot say the name, optionally inside the
 * wear-levelling layer. Clusters are given in order, so files are
 * contiguous; unused data clusters stay erased (0xFF). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "fs/fat.h"
#include "fs/fat_wl.h"

#define SFN_LEN 11

struct builder {
    struct fat_geo g;
    uint8_t *vol;  /* the FAT volume inside the image */
    uint8_t *fat;  /* the first FAT (copied to the others at the end) */
    uint32_t next; /* next free cluster */
    const struct fs_tree *t;
};

/* ---- geometry ---- */

static uint32_t fat_secs_for(uint32_t clusters, int bits, uint32_t ss)
{
    uint64_t bytes = bits == 12 ? ((uint64_t)clusters + 2) * 3 / 2 + 1 : ((uint64_t)clusters + 2) * 2;
    return (uint32_t)((bytes + ss - 1) / ss);
}

/* Fill g for a volume of `secs` sectors of `ss` bytes; FAT12 or FAT16 as
 * the cluster count requires, one sector per cluster unless that gives
 * more clusters than FAT16 can count. */
static int plan_geo(struct fat_geo *g, uint32_t secs, uint32_t ss, eb_err *err)
{
    *g = (struct fat_geo){ .ss = ss,
                           .reserved = FAT_DEF_RESERVED,
                           .nfats = FAT_DEF_FATS,
                           .root_entries = FAT_DEF_ROOT_ENTRIES,
                           .total_secs = secs };
    g->root_secs = g->root_entries * FAT_DIRENT / ss;
    for (g->spc = 1; g->spc <= 128; g->spc *= 2) {
        uint32_t fat_secs = 1;
        for (int i = 0; i < 8; i++) { /* converges in two or three rounds */
            uint32_t meta = g->reserved + g->nfats * fat_secs + g->root_secs;
            if (meta >= secs)
                break;
            g->clusters = (secs - meta) / g->spc;
            g->bits = g->clusters <= FAT12_MAX ? 12 : 16;
            fat_secs = fat_secs_for(g->clusters, g->bits, ss);
        }
        g->fat_secs = fat_secs;
        g->data_start = g->reserved + g->nfats * fat_secs + g->root_secs;
        if (g->data_start < secs && g->clusters <= FAT16_MAX && g->clusters >= 1)
            return 0;
    }
    return eb_fail(err, EB_USAGE,
                   "a FAT volume of %u sectors of %u bytes is too small (or too big) for FAT12/16", secs, ss);
}

static void write_boot(const struct fat_geo *g, uint8_t *b, uint32_t volume_id)
{
    static const uint8_t jump[3] = { 0xEB, 0x3C, 0x90 };
    memcpy(b, jump, 3);
    memcpy(b + 3, FAT_DEF_OEM, 8);
    wr_le16(b + 11, (uint16_t)g->ss);
    b[13] = (uint8_t)g->spc;
    wr_le16(b + 14, (uint16_t)g->reserved);
    b[16] = (uint8_t)g->nfats;
    wr_le16(b + 17, (uint16_t)g->root_entries);
    wr_le16(b + 19, g->total_secs < 0x10000 ? (uint16_t)g->total_secs : 0);
    b[21] = FAT_DEF_MEDIA;
    wr_le16(b + 22, (uint16_t)g->fat_secs);
    wr_le16(b + 24, FAT_DEF_SEC_PER_TRK);
    wr_le16(b + 26, FAT_DEF_HEADS);
    wr_le32(b + 28, 0);
    wr_le32(b + 32, g->total_secs < 0x10000 ? 0 : g->total_secs);
    b[36] = 0x80; /* drive number */
    b[38] = 0x29; /* extended boot signature: the next three fields are valid */
    wr_le32(b + 39, volume_id);
    memcpy(b + 43, "NO NAME    ", 11);
    memcpy(b + 54, g->bits == 12 ? "FAT12   " : "FAT16   ", 8);
    b[510] = 0x55, b[511] = 0xAA;
}

/* ---- names ---- */

static bool sfn_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c >= 0x80 ? false : strchr("!#$%&'()-@^_`{}~", c));
}

/* Can `name` be an 8.3 entry as it is (same case in base and in
 * extension)? Fills sfn and the lower-case flags. */
static bool as_sfn(const char *name, uint8_t sfn[SFN_LEN], uint8_t *nt)
{
    const char *dot = strrchr(name, '.');
    size_t base = dot ? (size_t)(dot - name) : strlen(name), ext = dot ? strlen(dot + 1) : 0;
    if (base == 0 || base > 8 || ext > 3 || (dot && ext == 0) || strchr(name, '.') != dot)
        return false;
    memset(sfn, ' ', SFN_LEN);
    *nt = 0;
    int cases[2] = { 0, 0 }; /* per part: bit 1 upper seen, bit 2 lower seen */
    for (size_t i = 0; name[i]; i++) {
        if (name + i == dot)
            continue;
        unsigned char c = (unsigned char)name[i];
        int part = dot && name + i > dot;
        cases[part] |= c >= 'a' && c <= 'z' ? 2 : c >= 'A' && c <= 'Z' ? 1 : 0;
        c = c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
        if (!sfn_char(c))
            return false;
        sfn[part ? 8 + (size_t)(name + i - dot - 1) : i] = c;
    }
    if (cases[0] == 3 || cases[1] == 3)
        return false;
    *nt = (uint8_t)((cases[0] == 2 ? FAT_NT_LOWER_BASE : 0) | (cases[1] == 2 ? FAT_NT_LOWER_EXT : 0));
    return true;
}

/* UTF-8 name into UTF-16 u[0..n); -1 when invalid or longer than 255. */
static int utf16_of(const char *s, uint16_t *u)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t c;
        int more = *p < 0x80             ? 0
                   : (*p & 0xE0) == 0xC0 ? 1
                   : (*p & 0xF0) == 0xE0 ? 2
                   : (*p & 0xF8) == 0xF0 ? 3
                                         : -1;
        if (more < 0)
            return -1;
        c = more == 0 ? *p : *p & (0x3F >> more);
        for (int i = 1; i <= more; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
            c = c << 6 | (p[i] & 0x3F);
        }
        p += more + 1;
        if (c >= 0x10000) {
            if (n + 2 > 255)
                return -1;
            u[n++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            u[n++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else if (n + 1 > 255)
            return -1;
        else
            u[n++] = (uint16_t)c;
    }
    return n;
}

/* Directory entries `name` takes: 1, or 1 + its long-name entries. */
static int entries_for(const char *name)
{
    uint8_t sfn[SFN_LEN], nt;
    uint16_t u[256];
    if (as_sfn(name, sfn, &nt))
        return 1;
    int n = utf16_of(name, u);
    return n <= 0 ? -1 : 1 + (n + (int)FAT_LFN_CHARS - 1) / (int)FAT_LFN_CHARS;
}

static bool sfn_taken(const uint8_t *dir, size_t used, const uint8_t *sfn)
{
    for (size_t o = 0; o < used; o += FAT_DIRENT)
        if (dir[o + 11] != FAT_ATTR_LFN && memcmp(dir + o, sfn, SFN_LEN) == 0)
            return true;
    return false;
}

/* A unique "BASIS~N.EXT" for a long name (the FAT specification's basis-name
 * rules, simplified: invalid characters become '_'). */
static void make_sfn(const char *name, const uint8_t *dir, size_t used, uint8_t sfn[SFN_LEN])
{
    uint8_t basis[8], ext[3];
    size_t nb = 0, ne = 0;
    const char *dot = strrchr(name, '.');
    if (dot == name)
        dot = NULL;
    for (const char *p = name; *p && p != dot && nb < 8; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '.')
            continue;
        c = c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
        basis[nb++] = sfn_char(c) ? c : '_';
    }
    for (const char *p = dot ? dot + 1 : ""; *p && ne < 3; p++) {
        unsigned char c = (unsigned char)*p;
        c = c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
        if (c != ' ')
            ext[ne++] = sfn_char(c) ? c : '_';
    }
    for (unsigned n = 1; n < 1000000; n++) {
        char tail[9];
        int tl = snprintf(tail, sizeof tail, "~%u", n);
        size_t keep = nb < (size_t)(8 - tl) ? nb : (size_t)(8 - tl);
        memset(sfn, ' ', SFN_LEN);
        memcpy(sfn, basis, keep);
        memcpy(sfn + keep, tail, (size_t)tl);
        memcpy(sfn + 8, ext, ne);
        if (keep == 0)
            sfn[0] = '_';
        if (!sfn_taken(dir, used, sfn))
            return;
    }
}

static void write_lfn(uint8_t *e, const uint16_t *u, int n, int seq, bool last, uint8_t sum)
{
    static const uint8_t at[FAT_LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    memset(e, 0, FAT_DIRENT);
    e[0] = (uint8_t)(seq | (last ? 0x40 : 0));
    e[11] = FAT_ATTR_LFN;
    e[13] = sum;
    for (unsigned i = 0; i < FAT_LFN_CHARS; i++) {
        int k = (seq - 1) * (int)FAT_LFN_CHARS + (int)i;
        wr_le16(e + at[i], k < n ? u[k] : k == n ? 0 : 0xFFFF);
    }
}

/* ---- allocation and writing ---- */

static uint32_t clusters_for(const struct fat_geo *g, uint64_t bytes)
{
    uint32_t cb = fat_cluster_bytes(g);
    return (uint32_t)((bytes + cb - 1) / cb);
}

/* A contiguous chain of n clusters; its first cluster (0 when n is 0). */
static uint32_t alloc_chain(struct builder *b, uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t first = b->next;
    for (uint32_t i = 0; i < n; i++)
        fat_set(&b->g, b->fat, first + i, i + 1 < n ? first + i + 1 : 0xFFFFFFFF);
    b->next += n;
    return first;
}

/* Bytes of entries a folder needs ("." and ".." included unless root). */
static int64_t dir_bytes(const struct fs_node *dir, bool root, eb_err *err)
{
    int64_t n = root ? 0 : 2;
    for (size_t i = 0; i < dir->nkids; i++) {
        int k = entries_for(dir->kids[i].name);
        if (k < 0)
            return eb_fail(err, EB_USAGE, "%s: not a name FAT can store (not UTF-8, or over 255 characters)",
                           dir->kids[i].name);
        n += k;
    }
    return n * FAT_DIRENT;
}

static void put_entry(uint8_t *e, const uint8_t *sfn, uint8_t attr, uint8_t nt, uint32_t cluster,
                      uint32_t size, int64_t mtime)
{
    uint16_t date, time;
    fat_timestamp(mtime < 0 ? 0 : mtime, &date, &time);
    memset(e, 0, FAT_DIRENT);
    memcpy(e, sfn, SFN_LEN);
    e[11] = attr, e[12] = nt;
    wr_le16(e + 14, time), wr_le16(e + 16, date), wr_le16(e + 18, date);
    wr_le16(e + 20, (uint16_t)(cluster >> 16));
    wr_le16(e + 22, time), wr_le16(e + 24, date);
    wr_le16(e + 26, (uint16_t)cluster);
    wr_le32(e + 28, size);
}

/* Write the entries of `node` into area[0..) (used bytes in *used). */
static void put_named(uint8_t *area, size_t *used, const char *name, uint8_t attr, uint32_t cluster,
                      uint32_t size, int64_t mtime)
{
    uint8_t sfn[SFN_LEN], nt = 0;
    if (!as_sfn(name, sfn, &nt)) {
        uint16_t u[256];
        int n = utf16_of(name, u), k = (n + (int)FAT_LFN_CHARS - 1) / (int)FAT_LFN_CHARS;
        make_sfn(name, area, *used, sfn);
        uint8_t sum = fat_sfn_checksum(sfn);
        for (int seq = k; seq >= 1; seq--, *used += FAT_DIRENT)
            write_lfn(area + *used, u, n, seq, seq == k, sum);
    }
    put_entry(area + *used, sfn, attr, nt, cluster, size, mtime);
    *used += FAT_DIRENT;
}

static int fill_dir(struct builder *b, const struct fs_node *dir, uint8_t *area, uint32_t self,
                    uint32_t parent, eb_err *err);

static int put_child(struct builder *b, const struct fs_node *k, uint8_t *area, size_t *used, uint32_t self,
                     eb_err *err)
{
    const struct fs_entry *e = fs_entry_of(b->t, k);
    if (!k->dir) {
        uint32_t first = alloc_chain(b, clusters_for(&b->g, e->size));
        if (e->size)
            memcpy(b->vol + fat_cluster_off(&b->g, first), e->data, e->size);
        put_named(area, used, k->name, FAT_ATTR_ARCHIVE, first, (uint32_t)e->size, e->mtime);
        return 0;
    }
    int64_t need = dir_bytes(k, false, err);
    if (need < 0)
        return -1;
    uint32_t n = clusters_for(&b->g, (uint64_t)need), first = alloc_chain(b, n);
    uint8_t *sub = b->vol + fat_cluster_off(&b->g, first);
    memset(sub, 0, (size_t)n * fat_cluster_bytes(&b->g));
    put_named(area, used, k->name, FAT_ATTR_DIR, first, 0, e->mtime);
    return fill_dir(b, k, sub, first, self, err);
}

static int fill_dir(struct builder *b, const struct fs_node *dir, uint8_t *area, uint32_t self,
                    uint32_t parent, eb_err *err)
{
    size_t used = 0;
    if (self) {
        const struct fs_entry *e = fs_entry_of(b->t, dir);
        put_entry(area, (const uint8_t *)".          ", FAT_ATTR_DIR, 0, self, 0, e->mtime);
        put_entry(area + FAT_DIRENT, (const uint8_t *)"..         ", FAT_ATTR_DIR, 0, parent, 0, e->mtime);
        used = 2 * FAT_DIRENT;
    }
    for (size_t i = 0; i < dir->nkids; i++)
        if (put_child(b, &dir->kids[i], area, &used, self, err))
            return -1;
    return 0;
}

/* Clusters the whole tree needs. */
static int64_t tree_clusters(const struct builder *b, const struct fs_node *dir, eb_err *err)
{
    int64_t n = 0;
    for (size_t i = 0; i < dir->nkids; i++) {
        const struct fs_node *k = &dir->kids[i];
        if (!k->dir) {
            n += clusters_for(&b->g, fs_entry_of(b->t, k)->size);
            continue;
        }
        int64_t bytes = dir_bytes(k, false, err), sub = bytes < 0 ? -1 : tree_clusters(b, k, err);
        if (sub < 0)
            return -1;
        n += clusters_for(&b->g, (uint64_t)bytes) + sub;
    }
    return n;
}

static int check_room(const struct builder *b, const struct fs_node *root, eb_err *err)
{
    int64_t root_bytes = dir_bytes(root, true, err);
    if (root_bytes < 0)
        return -1;
    if (root_bytes > (int64_t)b->g.root_entries * FAT_DIRENT)
        return eb_fail(
            err, EB_PROBLEM,
            "the root folder needs %lld directory entries but FAT12/16 keeps %u there; move files into "
            "a folder",
            (long long)(root_bytes / FAT_DIRENT), b->g.root_entries);
    int64_t need = tree_clusters(b, root, err);
    if (need < 0)
        return -1;
    if (need > b->g.clusters)
        return fs_no_room(err, "FAT clusters", (uint64_t)need * fat_cluster_bytes(&b->g),
                          (uint64_t)b->g.clusters * fat_cluster_bytes(&b->g));
    return 0;
}

int fat_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
              uint8_t *img, struct fs_build_result *res, eb_err *err)
{
    bool wl = o->type == FS_FAT_WL;
    uint32_t ss = o->sector_size ? o->sector_size : 4096;
    if (ss != 512 && ss != 1024 && ss != 2048 && ss != 4096)
        return eb_fail(err, EB_USAGE, "--sector-size must be 512, 1024, 2048 or 4096, not %u", ss);
    if (wl && ss != WL_SECTOR)
        return eb_fail(err, EB_USAGE,
                       "wear-levelled FAT uses 4096-byte sectors (as ESP-IDF's wl_fatfsgen.py); drop "
                       "--sector-size or use --type fat");
    uint32_t total = (uint32_t)(o->size / WL_SECTOR);
    if (wl && total <= wl_overhead_sectors(total) + 8)
        return eb_fail(err, EB_USAGE, "a %llu-byte partition is too small for wear-levelled FAT",
                       (unsigned long long)o->size);
    uint64_t vol_bytes = wl ? (uint64_t)(total - wl_overhead_sectors(total)) * WL_SECTOR : o->size;
    struct builder b = { .vol = img + (wl ? WL_SECTOR : 0), .next = 2, .t = t };
    if (plan_geo(&b.g, (uint32_t)(vol_bytes / ss), ss, err) || check_room(&b, root, err))
        return -1;
    memset(b.vol, 0, (size_t)b.g.data_start * ss); /* boot, FATs and root folder start zeroed */
    b.fat = b.vol + (size_t)b.g.reserved * ss;
    write_boot(&b.g, b.vol, 0x45535042u ^ (uint32_t)o->size);
    fat_set(&b.g, b.fat, 0, 0xFFFFFF00u | FAT_DEF_MEDIA);
    fat_set(&b.g, b.fat, 1, 0xFFFFFFFFu);
    if (fill_dir(&b, root, b.vol + (size_t)(b.g.reserved + b.g.nfats * b.g.fat_secs) * ss, 0, 0, err))
        return -1;
    for (uint32_t i = 1; i < b.g.nfats; i++)
        memcpy(b.fat + (size_t)i * b.g.fat_secs * ss, b.fat, (size_t)b.g.fat_secs * ss);
    if (wl)
        wl_format(img, o->size, 0x45535042u);
    res->free_bytes = (uint64_t)(b.g.clusters + 2 - b.next) * fat_cluster_bytes(&b.g);
    return 0;
}
