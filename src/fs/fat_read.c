/* fat_read.c - FAT12/16/32 reader, with or without ESP-IDF's wear
 * levelling under it: boot sector, the first FAT copy, every directory
 * (long names included), and files by their cluster chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/bytes.h"
#include "fs/fat.h"
#include "fs/fat_wl.h"

#define MAX_DEPTH 64

struct fat_priv {
    struct fat_geo g;
    struct wl_map wl;
    uint8_t *fat; /* the first FAT copy */
    size_t fat_len;
};

/* ---- shared with the builder ---- */

uint32_t fat_get(const struct fat_geo *g, const uint8_t *fat, size_t len, uint32_t c)
{
    if (g->bits == 12) {
        size_t o = c + c / 2;
        if (!in_bounds(len, o, 2))
            return 0;
        uint16_t v = rd_le16(fat + o);
        return c & 1 ? v >> 4 : v & 0xFFF;
    }
    size_t o = (size_t)c * (size_t)(g->bits / 8);
    if (!in_bounds(len, o, (size_t)g->bits / 8))
        return 0;
    return g->bits == 16 ? rd_le16(fat + o) : rd_le32(fat + o) & 0x0FFFFFFF;
}

void fat_set(const struct fat_geo *g, uint8_t *fat, uint32_t c, uint32_t v)
{
    if (g->bits == 12) {
        uint8_t *p = fat + c + c / 2;
        uint16_t old = rd_le16(p);
        wr_le16(p, c & 1 ? (uint16_t)((old & 0x000F) | (v << 4)) : (uint16_t)((old & 0xF000) | (v & 0xFFF)));
    } else if (g->bits == 16)
        wr_le16(fat + 2 * (size_t)c, (uint16_t)v);
    else
        wr_le32(fat + 4 * (size_t)c, v);
}

bool fat_is_end(const struct fat_geo *g, uint32_t v)
{
    uint32_t bad = g->bits == 12 ? 0xFF7 : g->bits == 16 ? 0xFFF7 : 0x0FFFFFF7;
    return v >= bad || v < 2;
}

uint8_t fat_sfn_checksum(const uint8_t name[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

void fat_timestamp(int64_t t, uint16_t *date, uint16_t *time)
{
    struct tm tm;
    time_t tt = (time_t)(t < 315532800 ? 315532800 : t); /* 1980-01-01 */
    gmtime_r(&tt, &tm);
    if (tm.tm_year > 207)
        tm.tm_year = 207, tm.tm_mon = 11, tm.tm_mday = 31;
    *date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    *time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

int64_t fat_time_of(uint16_t date, uint16_t time)
{
    struct tm tm = { .tm_year = (date >> 9) + 80,
                     .tm_mon = ((date >> 5) & 15) - 1,
                     .tm_mday = date & 31,
                     .tm_hour = time >> 11,
                     .tm_min = (time >> 5) & 63,
                     .tm_sec = (time & 31) * 2 };
    return date ? (int64_t)timegm(&tm) : -1;
}

/* ---- reading through the wear-levelling layer ---- */

static int vol_read(const struct fs_vol *v, uint64_t off, void *buf, size_t n, eb_err *err)
{
    const struct fat_priv *p = v->priv;
    if (!p->wl.on)
        return fs_dev_read(v, off, buf, n, err);
    if (off > p->wl.flash_size || n > p->wl.flash_size - off)
        return eb_fail(err, EB_PROBLEM,
                       "the FAT points outside its wear-levelled area; the image is corrupt");
    for (uint8_t *out = buf; n > 0;) {
        size_t chunk = p->wl.page - (size_t)(off % p->wl.page);
        chunk = chunk < n ? chunk : n;
        if (fs_dev_read(v, wl_physical(&p->wl, off), out, chunk, err))
            return -1;
        out += chunk, off += chunk, n -= chunk;
    }
    return 0;
}

/* ---- boot sector ---- */

static bool pow2_between(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

static int parse_boot(const uint8_t *b, uint64_t vol_size, struct fat_geo *g, eb_err *err)
{
    *g = (struct fat_geo){ .ss = rd_le16(b + 11), .spc = b[13], .reserved = rd_le16(b + 14), .nfats = b[16] };
    g->root_entries = rd_le16(b + 17);
    g->total_secs = rd_le16(b + 19) ? rd_le16(b + 19) : rd_le32(b + 32);
    g->fat_secs = rd_le16(b + 22) ? rd_le16(b + 22) : rd_le32(b + 36);
    if (b[510] != 0x55 || b[511] != 0xAA || !pow2_between(g->ss, 512, 4096) ||
        !pow2_between(g->spc, 1, 128) || !g->reserved || !g->nfats || !g->fat_secs || !g->total_secs)
        return eb_fail(err, EB_PROBLEM,
                       "no FAT boot sector here (signature or BIOS parameters wrong); check --type "
                       "and --partition");
    if ((uint64_t)g->total_secs * g->ss > vol_size)
        return eb_fail(err, EB_PROBLEM, "the FAT boot sector claims %llu bytes but the partition has %llu",
                       (unsigned long long)g->total_secs * g->ss, (unsigned long long)vol_size);
    g->root_secs = (g->root_entries * FAT_DIRENT + g->ss - 1) / g->ss;
    g->data_start = g->reserved + g->nfats * g->fat_secs + g->root_secs;
    if (g->data_start >= g->total_secs)
        return eb_fail(err, EB_PROBLEM,
                       "the FAT boot sector's areas do not fit its volume; the image is corrupt");
    g->clusters = (g->total_secs - g->data_start) / g->spc;
    g->bits = g->clusters <= FAT12_MAX ? 12 : g->clusters <= FAT16_MAX ? 16 : 32;
    g->root_cluster = g->bits == 32 ? rd_le32(b + 44) : 0;
    return 0;
}

/* ---- directories ---- */

/* The 8.3 name as text, honouring the lower-case flags. */
static void sfn_text(const uint8_t *e, char *out)
{
    size_t n = 0;
    for (int i = 0; i < 8 && e[i] != ' '; i++)
        out[n++] = (char)(e[12] & FAT_NT_LOWER_BASE && e[i] >= 'A' && e[i] <= 'Z' ? e[i] + 32 : e[i]);
    if (out[0] == 0x05)
        out[0] = (char)0xE5;
    if (e[8] != ' ')
        out[n++] = '.';
    for (int i = 8; i < 11 && e[i] != ' '; i++)
        out[n++] = (char)(e[12] & FAT_NT_LOWER_EXT && e[i] >= 'A' && e[i] <= 'Z' ? e[i] + 32 : e[i]);
    out[n] = 0;
}

static size_t utf8_put(char *out, uint32_t c)
{
    if (c < 0x80)
        return out[0] = (char)c, 1;
    if (c < 0x800)
        return out[0] = (char)(0xC0 | c >> 6), out[1] = (char)(0x80 | (c & 63)), 2;
    if (c < 0x10000)
        return out[0] = (char)(0xE0 | c >> 12), out[1] = (char)(0x80 | ((c >> 6) & 63)),
               out[2] = (char)(0x80 | (c & 63)), 3;
    out[0] = (char)(0xF0 | c >> 18), out[1] = (char)(0x80 | ((c >> 12) & 63));
    out[2] = (char)(0x80 | ((c >> 6) & 63)), out[3] = (char)(0x80 | (c & 63));
    return 4;
}

/* Long-name state while walking a directory. */
struct lfn {
    uint16_t u[260];
    uint8_t sum;
    int expect; /* next sequence number expected, 0 when none pending */
};

static void lfn_take(struct lfn *l, const uint8_t *e)
{
    static const uint8_t at[FAT_LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    int seq = e[0] & 0x1F;
    if (e[0] & 0x40) {
        memset(l->u, 0, sizeof l->u);
        l->expect = seq, l->sum = e[13];
    }
    if (seq != l->expect || seq == 0 || seq > 20 || e[13] != l->sum) {
        l->expect = 0;
        return;
    }
    for (unsigned i = 0; i < FAT_LFN_CHARS; i++)
        l->u[(seq - 1) * FAT_LFN_CHARS + i] = rd_le16(e + at[i]);
    l->expect = seq - 1;
}

/* The long name as UTF-8 into out (1024 bytes); false when none is valid. */
static bool lfn_text(const struct lfn *l, const uint8_t *sfn, char *out)
{
    if (l->expect != 0 || l->u[0] == 0 || fat_sfn_checksum(sfn) != l->sum)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < 260 && l->u[i] && l->u[i] != 0xFFFF; i++) {
        uint32_t c = l->u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < 260 && l->u[i + 1] >= 0xDC00 && l->u[i + 1] < 0xE000)
            c = 0x10000 + ((c - 0xD800) << 10) + (l->u[++i] - 0xDC00);
        n += utf8_put(out + n, c);
    }
    out[n] = 0;
    return true;
}

static int walk_dir(struct fs_vol *v, struct fs_node *dir, uint32_t cluster, int depth, eb_err *err);

/* One 32-byte entry (not LFN, not free). */
static int take_entry(struct fs_vol *v, struct fs_node *dir, const uint8_t *e, struct lfn *l, int depth,
                      eb_err *err)
{
    char name[1024];
    if (!lfn_text(l, e, name))
        sfn_text(e, name);
    l->expect = 0;
    if ((e[11] & FAT_ATTR_VOLUME) || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    bool is_dir = e[11] & FAT_ATTR_DIR;
    struct fs_node *n = fs_node_add(dir, name, strlen(name), is_dir, err);
    if (!n)
        return -1;
    uint32_t first = (uint32_t)rd_le16(e + 20) << 16 | rd_le16(e + 26);
    n->loc[0] = first;
    n->size = is_dir ? 0 : rd_le32(e + 28);
    n->mtime = fat_time_of(rd_le16(e + 24), rd_le16(e + 22));
    if (is_dir && first >= 2)
        return walk_dir(v, n, first, depth + 1, err);
    return 0;
}

/* Entries in buf[0..len); *done when the end marker was met. */
static int take_entries(struct fs_vol *v, struct fs_node *dir, const uint8_t *buf, size_t len, struct lfn *l,
                        int depth, bool *done, eb_err *err)
{
    for (size_t o = 0; o + FAT_DIRENT <= len; o += FAT_DIRENT) {
        const uint8_t *e = buf + o;
        if (e[0] == 0) {
            *done = true;
            return 0;
        }
        if (e[0] == 0xE5) {
            l->expect = 0;
            continue;
        }
        if ((e[11] & 0x3F) == FAT_ATTR_LFN) {
            lfn_take(l, e);
            continue;
        }
        if (take_entry(v, dir, e, l, depth, err))
            return -1;
    }
    return 0;
}

static int walk_dir(struct fs_vol *v, struct fs_node *dir, uint32_t cluster, int depth, eb_err *err)
{
    struct fat_priv *p = v->priv;
    if (depth > MAX_DEPTH)
        return eb_fail(err, EB_PROBLEM, "folders nest deeper than %d levels: the FAT has a loop", MAX_DEPTH);
    uint32_t cb = fat_cluster_bytes(&p->g);
    uint8_t *buf = malloc(cb);
    struct lfn l = { 0 };
    bool done = false;
    int rc = buf ? 0 : eb_fail(err, EB_IO, "out of memory reading a FAT folder");
    for (uint32_t hops = 0; rc == 0 && !done && !fat_is_end(&p->g, cluster); hops++) {
        if (hops > p->g.clusters || cluster >= p->g.clusters + 2) {
            rc = eb_fail(err, EB_PROBLEM, "the FAT chain of folder %s is broken or loops", dir->name);
            break;
        }
        rc = vol_read(v, fat_cluster_off(&p->g, cluster), buf, cb, err);
        if (rc == 0)
            rc = take_entries(v, dir, buf, cb, &l, depth, &done, err);
        cluster = fat_get(&p->g, p->fat, p->fat_len, cluster);
    }
    free(buf);
    return rc;
}

static int walk_root(struct fs_vol *v, eb_err *err)
{
    struct fat_priv *p = v->priv;
    if (p->g.bits == 32)
        return walk_dir(v, &v->root, p->g.root_cluster, 0, err);
    size_t len = (size_t)p->g.root_secs * p->g.ss;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return eb_fail(err, EB_IO, "out of memory reading the FAT root folder");
    struct lfn l = { 0 };
    bool done = false;
    uint64_t at = (uint64_t)(p->g.reserved + p->g.nfats * p->g.fat_secs) * p->g.ss;
    int rc = vol_read(v, at, buf, len, err);
    if (rc == 0)
        rc = take_entries(v, &v->root, buf, len, &l, 0, &done, err);
    free(buf);
    return rc;
}

/* ---- files ---- */

static int fat_read_file(struct fs_vol *v, const struct fs_node *n, bytes *out, eb_err *err)
{
    struct fat_priv *p = v->priv;
    uint32_t cb = fat_cluster_bytes(&p->g), c = (uint32_t)n->loc[0];
    if (bytes_reserve(out, out->len + n->size))
        return eb_fail(err, EB_IO, "out of memory reading %s", n->name);
    for (uint64_t left = n->size, hops = 0; left > 0; hops++) {
        if (fat_is_end(&p->g, c) || c >= p->g.clusters + 2 || hops > p->g.clusters)
            return eb_fail(err, EB_PROBLEM, "the FAT chain of %s ends %llu bytes early; the file is damaged",
                           n->name, (unsigned long long)left);
        size_t chunk = left < cb ? (size_t)left : cb;
        if (vol_read(v, fat_cluster_off(&p->g, c), out->data + out->len, chunk, err))
            return -1;
        out->len += chunk, left -= chunk;
        c = fat_get(&p->g, p->fat, p->fat_len, c);
    }
    return 0;
}

static uint32_t count_free(const struct fat_priv *p)
{
    uint32_t free_clusters = 0;
    for (uint32_t c = 2; c < p->g.clusters + 2; c++)
        free_clusters += fat_get(&p->g, p->fat, p->fat_len, c) == 0;
    return free_clusters;
}

static void free_priv(void *priv)
{
    struct fat_priv *p = priv;
    free(p->fat);
    free(p);
}

static int load(struct fs_vol *v, struct fat_priv *p, eb_err *err)
{
    if (wl_probe(v, &p->wl, err))
        return -1;
    uint8_t boot[512];
    uint64_t vol_size = p->wl.on ? p->wl.flash_size : v->dev.size;
    if (vol_read(v, 0, boot, sizeof boot, err) || parse_boot(boot, vol_size, &p->g, err))
        return -1;
    p->fat_len = (size_t)p->g.fat_secs * p->g.ss;
    if (!(p->fat = malloc(p->fat_len)))
        return eb_fail(err, EB_IO, "out of memory for the FAT");
    return vol_read(v, (uint64_t)p->g.reserved * p->g.ss, p->fat, p->fat_len, err);
}

int fat_open(struct fs_vol *v, eb_err *err)
{
    struct fat_priv *p = calloc(1, sizeof *p);
    if (!p)
        return eb_fail(err, EB_IO, "out of memory opening the FAT filesystem");
    v->priv = p, v->free_priv = free_priv, v->read_file = fat_read_file;
    if (load(v, p, err) || walk_root(v, err))
        return -1;
    v->type = p->wl.on ? FS_FAT_WL : FS_FAT;
    uint32_t cb = fat_cluster_bytes(&p->g);
    v->usage = (struct fs_usage){ .total = (uint64_t)p->g.clusters * cb,
                                  .used = (uint64_t)(p->g.clusters - count_free(p)) * cb,
                                  .block_size = cb };
    snprintf(v->detail, sizeof v->detail, "FAT%d, %u-byte sectors, %u clusters of %u bytes%s%s", p->g.bits,
             p->g.ss, p->g.clusters, cb, p->wl.on ? ", in " : "", p->wl.on ? p->wl.detail : "");
    return 0;
}
