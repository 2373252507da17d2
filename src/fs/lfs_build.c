/* lfs_build.c - LittleFS v2 images as littlefs itself would leave them
 * after writing the tree and compacting: each folder in metadata pairs of
 * at most half a block of tags (littlefs's compaction limit), split with
 * hard tails, all pairs threaded in one tail list (folder order, children
 * after their parent); files up to the inline limit inside the metadata,
 * bigger ones as CTZ skip-lists in consecutive blocks. One commit per pair,
 * in the pair's first block; the second block stays erased. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "fs/fs_internal.h"
#include "fs/lfs_disk.h"

#define PAIR_BUDGET (LFS_BLOCK / 2 - 4 - 12 - 8 - 48) /* tags per pair: rev, tail, crc, superblock */

struct builder {
    uint8_t *img;
    uint32_t bc, next;
    const struct fs_tree *t;
};

/* ---- sizes ---- */

static uint32_t entry_tag_bytes(const struct fs_node *k)
{
    uint32_t data = k->dir ? 8 : k->size <= LFS_INLINE_MAX ? (uint32_t)k->size : 8;
    return 4 + (uint32_t)strlen(k->name) + 4 + data + (k->mtime >= 0 ? 4 + 8 : 0);
}

/* Split dir's children into pairs: ends[i] is one past the last child of
 * pair i; returns the number of pairs (at least 1). */
static uint32_t plan_pairs(const struct fs_node *dir, uint32_t *ends)
{
    uint32_t n = 0, used = 0, ids = 0;
    for (size_t i = 0; i < dir->nkids; i++) {
        uint32_t b = entry_tag_bytes(&dir->kids[i]);
        if (ids > 0 && (used + b > PAIR_BUDGET || ids >= 250)) {
            if (ends)
                ends[n] = (uint32_t)i;
            n++, used = 0, ids = 0;
        }
        used += b, ids++;
    }
    if (ends)
        ends[n] = (uint32_t)dir->nkids;
    return n + 1;
}

static uint64_t ctz_count(uint64_t size)
{
    uint64_t n = 0;
    for (uint64_t have = 0; have < size; n++)
        have += LFS_BLOCK - lfs_ctz_header((uint32_t)n);
    return n;
}

/* Blocks the folder and everything below it take. */
static int64_t blocks_needed(const struct fs_node *dir, eb_err *err)
{
    int64_t n = 2 * (int64_t)plan_pairs(dir, NULL);
    for (size_t i = 0; i < dir->nkids; i++) {
        const struct fs_node *k = &dir->kids[i];
        if (strlen(k->name) > LFS_NAME_MAX)
            return eb_fail(err, EB_USAGE, "%s: LittleFS names are at most %u bytes", k->name, LFS_NAME_MAX);
        int64_t sub =
            k->dir ? blocks_needed(k, err) : (int64_t)(k->size > LFS_INLINE_MAX ? ctz_count(k->size) : 0);
        if (sub < 0)
            return -1;
        n += sub;
    }
    return n;
}

/* ---- one commit ---- */

struct commit {
    uint8_t *blk;
    uint32_t off, ptag, crc;
};

static void commit_start(struct commit *c, uint8_t *blk)
{
    c->blk = blk, c->off = 4, c->ptag = 0xFFFFFFFF;
    wr_le32(blk, 1); /* revision count */
    c->crc = lfs_crc(0xFFFFFFFF, blk, 4);
}

static void commit_tag(struct commit *c, uint32_t tag, const void *data, uint32_t len)
{
    uint32_t x = tag ^ c->ptag;
    uint8_t *p = c->blk + c->off;
    p[0] = (uint8_t)(x >> 24), p[1] = (uint8_t)(x >> 16), p[2] = (uint8_t)(x >> 8), p[3] = (uint8_t)x;
    if (len)
        memcpy(p + 4, data, len);
    c->crc = lfs_crc(c->crc, p, 4 + len);
    c->off += 4 + len, c->ptag = tag;
}

static void commit_end(struct commit *c)
{
    uint32_t noff = (c->off + 8 + LFS_PROG - 1) / LFS_PROG * LFS_PROG;
    commit_tag(c, lfs_mktag(LFS_T_CRC, LFS_ID_NONE, noff - (c->off + 4)), NULL, 0);
    wr_le32(c->blk + c->off, c->crc); /* the padding after it stays erased */
}

/* ---- writing ---- */

static uint32_t write_ctz(struct builder *b, const struct fs_entry *e)
{
    uint64_t n = ctz_count(e->size), done = 0;
    uint32_t *phys = malloc(n * sizeof *phys);
    if (!phys)
        return LFS_NULL_BLOCK;
    for (uint64_t i = 0; i < n; i++) {
        phys[i] = b->next++;
        uint8_t *blk = b->img + (size_t)phys[i] * LFS_BLOCK;
        uint32_t hdr = lfs_ctz_header((uint32_t)i);
        for (uint32_t k = 0; k < hdr / 4; k++)
            wr_le32(blk + 4 * k, phys[i - (1ull << k)]);
        uint64_t len = e->size - done < LFS_BLOCK - hdr ? e->size - done : LFS_BLOCK - hdr;
        memcpy(blk + hdr, e->data + done, len);
        done += len;
    }
    uint32_t head = phys[n - 1];
    free(phys);
    return head;
}

static void write_superblock(struct commit *c, uint32_t bc)
{
    uint8_t sb[LFS_SUPERBLOCK_LEN];
    uint32_t f[6] = { LFS_DISK_VERSION, LFS_BLOCK, bc, LFS_NAME_MAX, LFS_FILE_MAX, LFS_ATTR_MAX };
    for (int i = 0; i < 6; i++)
        wr_le32(sb + 4 * i, f[i]);
    commit_tag(c, lfs_mktag(LFS_T_SUPERBLOCK, 0, 8), LFS_MAGIC_STR, 8);
    commit_tag(c, lfs_mktag(LFS_T_INLINESTRUCT, 0, sizeof sb), sb, sizeof sb);
}

/* The tags of child k with id `id`; `where` is its struct's data. */
static void write_entry(struct commit *c, const struct fs_node *k, uint32_t id, const uint8_t *inline_data,
                        const uint8_t where[8])
{
    uint32_t nlen = (uint32_t)strlen(k->name);
    commit_tag(c, lfs_mktag(k->dir ? LFS_T_DIR : LFS_T_REG, id, nlen), k->name, nlen);
    if (!k->dir && k->size <= LFS_INLINE_MAX)
        commit_tag(c, lfs_mktag(LFS_T_INLINESTRUCT, id, (uint32_t)k->size), inline_data, (uint32_t)k->size);
    else
        commit_tag(c, lfs_mktag(k->dir ? LFS_T_DIRSTRUCT : LFS_T_CTZSTRUCT, id, 8), where, 8);
    if (k->mtime >= 0) {
        uint8_t t[8];
        uint64_t ns = (uint64_t)k->mtime * 1000000000u;
        wr_le32(t, (uint32_t)ns), wr_le32(t + 4, (uint32_t)(ns >> 32));
        commit_tag(c, lfs_mktag(LFS_T_USERATTR | LFS_ATTR_MTIME, id, 8), t, 8);
    }
}

static uint32_t alloc_pairs(struct builder *b, uint32_t n)
{
    uint32_t first = b->next;
    b->next += 2 * n;
    return first;
}

/* Per child: where its data or first pair is (8 bytes). */
static int place_children(struct builder *b, const struct fs_node *dir, uint8_t (*where)[8], eb_err *err)
{
    for (size_t i = 0; i < dir->nkids; i++) {
        const struct fs_node *k = &dir->kids[i];
        if (k->dir) {
            uint32_t p = alloc_pairs(b, plan_pairs(k, NULL));
            wr_le32(where[i], p), wr_le32(where[i] + 4, p + 1);
        } else if (k->size > LFS_INLINE_MAX) {
            uint32_t head = write_ctz(b, fs_entry_of(b->t, k));
            if (head == LFS_NULL_BLOCK)
                return eb_fail(err, EB_IO, "out of memory building LittleFS");
            wr_le32(where[i], head), wr_le32(where[i] + 4, (uint32_t)k->size);
        }
    }
    return 0;
}

/* The pair after this folder's own pairs in the tail list: its first child
 * folder, else `next` (what follows its subtree). */
static const uint8_t *soft_next(const struct fs_node *dir, uint8_t (*where)[8], const uint8_t *next)
{
    for (size_t i = 0; i < dir->nkids; i++)
        if (dir->kids[i].dir)
            return where[i];
    return next;
}

static int write_pairs(struct builder *b, const struct fs_node *dir, uint32_t first, bool root,
                       uint8_t (*where)[8], const uint8_t *next, eb_err *err)
{
    uint32_t *ends = malloc((dir->nkids + 1) * sizeof *ends);
    if (!ends)
        return eb_fail(err, EB_IO, "out of memory building LittleFS");
    uint32_t np = plan_pairs(dir, ends), from = 0;
    const uint8_t *soft = soft_next(dir, where, next);
    for (uint32_t p = 0; p < np; p++) {
        struct commit c;
        uint32_t blk = root && p == 0 ? 0 : first + 2 * p, id = 0;
        commit_start(&c, b->img + (size_t)blk * LFS_BLOCK);
        if (root && p == 0)
            write_superblock(&c, b->bc), id = 1;
        for (uint32_t i = from; i < ends[p]; i++, id++)
            write_entry(&c, &dir->kids[i], id, fs_entry_of(b->t, &dir->kids[i])->data, where[i]);
        uint8_t tail[8];
        uint32_t nblk = first + 2 * (p + 1);
        wr_le32(tail, nblk), wr_le32(tail + 4, nblk + 1);
        if (p + 1 < np)
            commit_tag(&c, lfs_mktag(LFS_T_HARDTAIL, LFS_ID_NONE, 8), tail, 8);
        else if (soft)
            commit_tag(&c, lfs_mktag(LFS_T_SOFTTAIL, LFS_ID_NONE, 8), soft, 8);
        commit_end(&c);
        from = ends[p];
    }
    free(ends);
    return 0;
}

/* Write folder `dir` (its pairs start at `first`; the root's first pair is
 * {0, 1} and the rest start at `first`), then its subfolders. */
static int build_dir(struct builder *b, const struct fs_node *dir, uint32_t first, bool root,
                     const uint8_t *next, eb_err *err)
{
    uint8_t(*where)[8] = calloc(dir->nkids + 1, 8);
    if (!where)
        return eb_fail(err, EB_IO, "out of memory building LittleFS");
    int rc = place_children(b, dir, where, err);
    if (rc == 0)
        rc = write_pairs(b, dir, first, root, where, next, err);
    for (size_t i = 0; rc == 0 && i < dir->nkids; i++) {
        if (!dir->kids[i].dir)
            continue;
        const uint8_t *after = next;
        for (size_t j = i + 1; j < dir->nkids; j++)
            if (dir->kids[j].dir) {
                after = where[j];
                break;
            }
        rc = build_dir(b, &dir->kids[i], rd_le32(where[i]), false, after, err);
    }
    free(where);
    return rc;
}

int lfs_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
              uint8_t *img, struct fs_build_result *res, eb_err *err)
{
    struct builder b = { .img = img, .bc = (uint32_t)(o->size / LFS_BLOCK), .next = 2, .t = t };
    int64_t need = blocks_needed(root, err);
    if (need < 0)
        return -1;
    if (need > b.bc)
        return fs_no_room(err, "LittleFS blocks", (uint64_t)need * LFS_BLOCK, (uint64_t)b.bc * LFS_BLOCK);
    /* the root's first pair is {0, 1}; its further pairs come next */
    uint32_t first = plan_pairs(root, NULL) > 1 ? alloc_pairs(&b, plan_pairs(root, NULL) - 1) : 0;
    if (build_dir(&b, root, first - (first ? 2 : 0), true, NULL, err))
        return -1;
    res->free_bytes = (uint64_t)(b.bc - b.next) * LFS_BLOCK;
    return 0;
}
