/* lfs.c - LittleFS v2 reader: metadata pairs (the newer valid block of the
 * two, every commit whose CRC holds, CREATE/DELETE splices), the
 * superblock chain from blocks {0, 1}, directories through hard tails,
 * inline and CTZ skip-list files. Power-loss leftovers (a move recorded in
 * the global state) are not resolved: such a file may show twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "fs/fs_internal.h"
#include "fs/lfs_disk.h"

#define MAX_DEPTH 64
#define MAX_IDS   1023

struct lfs_priv {
    uint32_t bs, bc;
    uint64_t pairs; /* metadata pairs seen */
    uint64_t ctz_blocks;
    uint8_t *buf[2]; /* the two blocks of the pair being read */
};

/* One id of a metadata pair after all its commits. */
struct mentry {
    uint32_t name_tag, name_off; /* name_tag 0: no name (yet) */
    uint32_t struct_tag, struct_off;
    uint64_t mtime_ns;
    int has_mtime;
};

struct mdir {
    const uint8_t *blk; /* own[]: a copy, as reading a subfolder reuses the pair buffers */
    uint8_t *own;
    struct mentry e[MAX_IDS];
    uint32_t n;
    uint32_t tail[2];
    int tail_type; /* -1: none, else LFS_T_SOFTTAIL / LFS_T_HARDTAIL */
};

static void splice(struct mdir *d, uint32_t id, int insert)
{
    if (insert && d->n < MAX_IDS && id <= d->n) {
        memmove(&d->e[id + 1], &d->e[id], (d->n - id) * sizeof d->e[0]);
        d->e[id] = (struct mentry){ 0 };
        d->n++;
    } else if (!insert && id < d->n) {
        memmove(&d->e[id], &d->e[id + 1], (d->n - id - 1) * sizeof d->e[0]);
        d->n--;
    }
}

/* Apply one tag of a valid commit (data at blk + off). */
static void apply(struct mdir *d, uint32_t tag, uint32_t off)
{
    uint32_t type = lfs_tag_type(tag), id = lfs_tag_id(tag), size = lfs_tag_size(tag);
    if (type == LFS_T_CREATE || type == LFS_T_DELETE)
        return splice(d, id, type == LFS_T_CREATE);
    if ((type & 0x700) == LFS_T_TAIL && size == 8) {
        d->tail[0] = rd_le32(d->blk + off), d->tail[1] = rd_le32(d->blk + off + 4);
        d->tail_type = (int)type;
        return;
    }
    if (id >= MAX_IDS || size == LFS_SIZE_DEL)
        return;
    if ((type & 0x700) == LFS_T_NAME) {
        if (id >= d->n) {
            memset(&d->e[d->n], 0, (id + 1 - d->n) * sizeof d->e[0]);
            d->n = id + 1;
        }
        d->e[id].name_tag = tag, d->e[id].name_off = off;
    } else if (id < d->n && (type & 0x700) == LFS_T_STRUCT)
        d->e[id].struct_tag = tag, d->e[id].struct_off = off;
    else if (id < d->n && type == (LFS_T_USERATTR | LFS_ATTR_MTIME) && size == 8)
        d->e[id].mtime_ns = (uint64_t)rd_le32(d->blk + off) | (uint64_t)rd_le32(d->blk + off + 4) << 32,
        d->e[id].has_mtime = 1;
}

/* Parse the commits of one block; 0 when at least one commit is valid. */
static int parse_block(struct mdir *d, const uint8_t *blk, uint32_t bs)
{
    struct mdir work = { .blk = blk, .own = d->own, .tail_type = -1 };
    uint32_t tags[MAX_IDS * 2][2], ntags = 0, off = 4, ptag = 0xFFFFFFFF, crc = lfs_crc(0xFFFFFFFF, blk, 4);
    int commits = 0;
    while (off + 4 <= bs) {
        uint32_t tag = ((uint32_t)blk[off] << 24 | (uint32_t)blk[off + 1] << 16 |
                        (uint32_t)blk[off + 2] << 8 | blk[off + 3]) ^
                       ptag;
        uint32_t size = lfs_tag_size(tag), dsize = 4 + (size == LFS_SIZE_DEL ? 0 : size);
        if (tag & 0x80000000u || dsize > bs - off)
            break;
        crc = lfs_crc(crc, blk + off, 4);
        ptag = tag;
        uint32_t type = lfs_tag_type(tag);
        if ((type & 0x700) == LFS_T_CRC && !(type & 0x80)) {
            if (size < 4 || rd_le32(blk + off + 4) != crc)
                break;
            for (uint32_t i = 0; i < ntags; i++)
                apply(&work, tags[i][0], tags[i][1]);
            ntags = 0, commits++;
            *d = work;
            ptag ^= (type & 1u) << 31;
            crc = 0xFFFFFFFF;
        } else {
            crc = lfs_crc(crc, blk + off + 4, dsize - 4);
            if (ntags < sizeof tags / sizeof tags[0])
                tags[ntags][0] = tag, tags[ntags][1] = off + 4, ntags++;
        }
        off += dsize;
    }
    return commits ? 0 : -1;
}

/* Sequence comparison of revision counts: is a newer than b? */
static int rev_newer(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/* Fetch metadata pair {a, b} into d (d->blk points into p->buf). */
static int fetch_pair(struct fs_vol *v, const uint32_t pair[2], struct mdir *d, eb_err *err)
{
    struct lfs_priv *p = v->priv;
    for (int i = 0; i < 2; i++)
        if (pair[i] >= p->bc)
            return eb_fail(err, EB_PROBLEM,
                           "a LittleFS folder points at block %u of %u; the image is corrupt", pair[i],
                           p->bc);
    for (int i = 0; i < 2; i++)
        if (fs_dev_read(v, (uint64_t)pair[i] * p->bs, p->buf[i], p->bs, err))
            return -1;
    int first = rev_newer(rd_le32(p->buf[1]), rd_le32(p->buf[0])) ? 1 : 0;
    for (int i = 0; i < 2; i++) {
        const uint8_t *blk = p->buf[i ? !first : first];
        if (parse_block(d, blk, p->bs) == 0) {
            memcpy(d->own, blk, p->bs);
            d->blk = d->own;
            p->pairs++;
            return 0;
        }
    }
    return eb_fail(err, EB_PROBLEM,
                   "LittleFS metadata pair {%u, %u} has no valid commit; the image is corrupt", pair[0],
                   pair[1]);
}

static struct mdir *new_mdir(uint32_t bs)
{
    struct mdir *d = malloc(sizeof *d + bs);
    if (d)
        d->own = (uint8_t *)(d + 1);
    return d;
}

static int walk_dir(struct fs_vol *v, struct fs_node *dir, uint32_t pair[2], int depth, eb_err *err);

static int take_entry(struct fs_vol *v, struct fs_node *dir, const struct mdir *d, const struct mentry *e,
                      int depth, eb_err *err)
{
    uint32_t ntype = lfs_tag_type(e->name_tag), nlen = lfs_tag_size(e->name_tag);
    uint32_t stype = lfs_tag_type(e->struct_tag), slen = lfs_tag_size(e->struct_tag);
    if (!e->name_tag || (ntype != LFS_T_REG && ntype != LFS_T_DIR))
        return 0; /* the superblock, or an id without a name */
    struct fs_node *n = fs_node_add(dir, (const char *)d->blk + e->name_off, nlen, ntype == LFS_T_DIR, err);
    if (!n)
        return -1;
    n->mtime = e->has_mtime ? (int64_t)(e->mtime_ns / 1000000000u) : -1;
    const uint8_t *s = d->blk + e->struct_off;
    if (ntype == LFS_T_DIR) {
        if (stype != LFS_T_DIRSTRUCT || slen != 8)
            return eb_fail(err, EB_PROBLEM, "LittleFS folder %s has no directory pointer", n->name);
        uint32_t pair[2] = { rd_le32(s), rd_le32(s + 4) };
        return walk_dir(v, n, pair, depth + 1, err);
    }
    if (stype == LFS_T_INLINESTRUCT) {
        n->size = slen, n->loc[1] = 1;
        n->inline_data = malloc(slen ? slen : 1);
        if (!n->inline_data)
            return eb_fail(err, EB_IO, "out of memory reading LittleFS");
        memcpy(n->inline_data, s, slen);
    } else if (stype == LFS_T_CTZSTRUCT && slen == 8) {
        n->loc[0] = rd_le32(s), n->size = rd_le32(s + 4);
    } else if (e->struct_tag)
        return eb_fail(err, EB_PROBLEM, "LittleFS file %s has an unknown data structure (0x%03x)", n->name,
                       stype);
    return 0;
}

static int walk_dir(struct fs_vol *v, struct fs_node *dir, uint32_t pair[2], int depth, eb_err *err)
{
    struct lfs_priv *p = v->priv;
    if (depth > MAX_DEPTH)
        return eb_fail(err, EB_PROBLEM, "LittleFS folders nest deeper than %d levels: the image loops",
                       MAX_DEPTH);
    struct mdir *d = new_mdir(p->bs);
    if (!d)
        return eb_fail(err, EB_IO, "out of memory reading LittleFS");
    int rc = 0;
    uint32_t at[2] = { pair[0], pair[1] };
    for (uint32_t hops = 0; rc == 0; hops++) {
        if (hops > p->bc) {
            rc = eb_fail(err, EB_PROBLEM, "LittleFS folder %s loops; the image is corrupt", dir->name);
            break;
        }
        if ((rc = fetch_pair(v, at, d, err)) != 0)
            break;
        for (uint32_t i = 0; rc == 0 && i < d->n; i++)
            rc = take_entry(v, dir, d, &d->e[i], depth, err);
        if (d->tail_type != LFS_T_HARDTAIL)
            break;
        at[0] = d->tail[0], at[1] = d->tail[1];
    }
    free(d);
    return rc;
}

/* ---- superblock ---- */

static int find_root(struct fs_vol *v, uint32_t root[2], eb_err *err)
{
    struct lfs_priv *p = v->priv;
    struct mdir *d = new_mdir(p->bs);
    uint32_t at[2] = { 0, 1 };
    int found = 0, rc = d ? 0 : eb_fail(err, EB_IO, "out of memory reading LittleFS");
    for (uint32_t hops = 0; rc == 0 && hops <= p->bc; hops++) {
        if ((rc = fetch_pair(v, at, d, err)) != 0) {
            if (hops == 0 && err && err->code == EB_PROBLEM)
                eb_fail(err, EB_PROBLEM,
                        "no LittleFS superblock: blocks 0 and 1 hold no valid metadata; check "
                        "--type and --partition");
            break;
        }
        const struct mentry *e = &d->e[0];
        if (d->n == 0 || lfs_tag_type(e->name_tag) != LFS_T_SUPERBLOCK ||
            memcmp(d->blk + e->name_off, LFS_MAGIC_STR, 8) != 0)
            break;
        found = 1, root[0] = at[0], root[1] = at[1];
        if (lfs_tag_type(e->struct_tag) == LFS_T_INLINESTRUCT && lfs_tag_size(e->struct_tag) >= 24) {
            const uint8_t *sb = d->blk + e->struct_off;
            uint32_t version = rd_le32(sb), bs = rd_le32(sb + 4), bc = rd_le32(sb + 8);
            snprintf(v->detail, sizeof v->detail,
                     "LittleFS v%u.%u, %u blocks of %u bytes, names up to %u bytes", version >> 16,
                     version & 0xFFFF, bc, bs, rd_le32(sb + 12));
            if (version >> 16 != 2 || bs != p->bs || bc > p->bc)
                rc = eb_fail(
                    err, EB_PROBLEM,
                    "this LittleFS is version %u.%u with %u blocks of %u bytes; espburn reads version 2 "
                    "with blocks of %u in a partition of %u blocks",
                    version >> 16, version & 0xFFFF, bc, bs, p->bs, p->bc);
        }
        if (d->tail_type < 0)
            break;
        at[0] = d->tail[0], at[1] = d->tail[1];
    }
    free(d);
    if (rc == 0 && !found)
        rc = eb_fail(err, EB_PROBLEM,
                     "no LittleFS superblock in blocks 0 and 1; check --type and --partition");
    return rc;
}

/* ---- files ---- */

/* Blocks a CTZ skip-list of `size` bytes takes. */
static uint64_t ctz_blocks(uint32_t bs, uint64_t size)
{
    uint64_t n = 0;
    for (uint64_t have = 0; have < size; n++)
        have += bs - lfs_ctz_header((uint32_t)n);
    return n;
}

static int read_ctz(struct fs_vol *v, const struct fs_node *n, uint8_t *out, eb_err *err)
{
    struct lfs_priv *p = v->priv;
    uint64_t nb = ctz_blocks(p->bs, n->size), start = 0;
    uint64_t *starts = malloc(nb * sizeof *starts);
    if (!starts)
        return eb_fail(err, EB_IO, "out of memory reading %s", n->name);
    for (uint64_t i = 0; i < nb; i++)
        starts[i] = start, start += p->bs - lfs_ctz_header((uint32_t)i);
    uint32_t block = (uint32_t)n->loc[0];
    int rc = 0;
    for (uint64_t i = nb; rc == 0 && i-- > 0;) {
        if (block >= p->bc) {
            rc = eb_fail(err, EB_PROBLEM, "LittleFS file %s points at block %u of %u; it is damaged", n->name,
                         block, p->bc);
            break;
        }
        if ((rc = fs_dev_read(v, (uint64_t)block * p->bs, p->buf[0], p->bs, err)) != 0)
            break;
        uint32_t hdr = lfs_ctz_header((uint32_t)i);
        uint64_t len = n->size - starts[i] < p->bs - hdr ? n->size - starts[i] : p->bs - hdr;
        memcpy(out + starts[i], p->buf[0] + hdr, len);
        block = i ? rd_le32(p->buf[0]) : 0;
    }
    free(starts);
    return rc;
}

static int lfs_read_file(struct fs_vol *v, const struct fs_node *n, bytes *out, eb_err *err)
{
    if (bytes_reserve(out, out->len + n->size + 1))
        return eb_fail(err, EB_IO, "out of memory reading %s", n->name);
    if (n->loc[1] == 1)
        memcpy(out->data + out->len, n->inline_data, n->size);
    else if (n->size && read_ctz(v, n, out->data + out->len, err))
        return -1;
    out->len += n->size;
    return 0;
}

static void count_ctz(struct lfs_priv *p, const struct fs_node *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        const struct fs_node *k = &n->kids[i];
        if (k->dir)
            count_ctz(p, k);
        else if (k->loc[1] != 1)
            p->ctz_blocks += ctz_blocks(p->bs, k->size);
    }
}

static void free_priv(void *priv)
{
    struct lfs_priv *p = priv;
    free(p->buf[0]), free(p->buf[1]);
    free(p);
}

int lfs_open(struct fs_vol *v, eb_err *err)
{
    struct lfs_priv *p = calloc(1, sizeof *p);
    if (!p)
        return eb_fail(err, EB_IO, "out of memory opening LittleFS");
    v->priv = p, v->free_priv = free_priv, v->read_file = lfs_read_file;
    p->bs = LFS_BLOCK, p->bc = (uint32_t)(v->dev.size / LFS_BLOCK);
    p->buf[0] = malloc(p->bs), p->buf[1] = malloc(p->bs);
    if (!p->buf[0] || !p->buf[1])
        return eb_fail(err, EB_IO, "out of memory opening LittleFS");
    if (p->bc < 2)
        return eb_fail(err, EB_PROBLEM, "a LittleFS partition has at least 2 blocks of %u bytes", p->bs);
    uint32_t root[2];
    if (find_root(v, root, err))
        return -1;
    p->pairs = 0;
    if (walk_dir(v, &v->root, root, 0, err))
        return -1;
    count_ctz(p, &v->root);
    v->usage = (struct fs_usage){ .total = (uint64_t)p->bc * p->bs,
                                  .used = (2 * p->pairs + p->ctz_blocks) * p->bs,
                                  .block_size = p->bs };
    return 0;
}
