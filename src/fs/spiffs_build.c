/* spiffs_build.c - SPIFFS images in LoBo's configuration (spiffs_disk.h),
 * laid out as LoBo's mkspiffs leaves them: every block formatted (magic
 * with length, erase count), objects one after the other from block 0 -
 * for each, its index header, its data pages, then its further index
 * pages - folders as LoBo's directory objects, full paths as names. The
 * last two blocks stay free, as SPIFFS keeps them for garbage collection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "fs/fs_internal.h"
#include "fs/spiffs_disk.h"

struct sbuild {
    uint8_t *img;
    uint32_t blocks, next; /* next page to give */
    uint16_t next_id;
    const struct fs_tree *t;
};

static uint32_t data_pages(uint64_t size)
{
    return (uint32_t)((size + SPIFFS_DATA_LEN - 1) / SPIFFS_DATA_LEN);
}

static uint32_t index_pages(uint32_t ndata)
{
    return ndata <= SPIFFS_HDR_ENTRIES
               ? 1
               : 1 + (ndata - SPIFFS_HDR_ENTRIES + SPIFFS_IX_ENTRIES - 1) / SPIFFS_IX_ENTRIES;
}

/* The next page outside the lookup pages, its lookup entry set to `id`. */
static uint32_t take_page(struct sbuild *b, uint16_t id)
{
    if (b->next % SPIFFS_PPB < SPIFFS_LU_PAGES)
        b->next += SPIFFS_LU_PAGES - b->next % SPIFFS_PPB;
    uint32_t pix = b->next++;
    uint8_t *lu = b->img + (size_t)(pix / SPIFFS_PPB) * SPIFFS_BLOCK;
    wr_le16(lu + 2 * (pix % SPIFFS_PPB - SPIFFS_LU_PAGES), id);
    return pix;
}

static uint8_t *page_at(struct sbuild *b, uint32_t pix, uint16_t id, uint16_t span, uint8_t flags)
{
    uint8_t *pg = b->img + (size_t)pix * SPIFFS_PAGE;
    wr_le16(pg, id), wr_le16(pg + 2, span);
    pg[4] = flags;
    return pg;
}

static void write_header(uint8_t *h, const char *path, bool dir, uint64_t size, int64_t mtime)
{
    wr_le32(h + SPIFFS_IXH_SIZE, dir ? SPIFFS_UNDEF_LEN : (uint32_t)size);
    h[SPIFFS_IXH_TYPE] = SPIFFS_TYPE_FILE; /* mkspiffs opens folders as files too */
    memset(h + SPIFFS_IXH_NAME, 0, SPIFFS_NAME_LEN);
    h[SPIFFS_IXH_NAME] = '/';
    memcpy(h + SPIFFS_IXH_NAME + 1, path, strlen(path));
    wr_le32(h + SPIFFS_IXH_META, (uint32_t)(mtime < 0 ? 0 : mtime));
    h[SPIFFS_IXH_META + 4] = dir ? SPIFFS_TYPE_DIR : SPIFFS_TYPE_FILE;
}

/* One object: its index header, its data pages, its further index pages. */
static int write_object(struct sbuild *b, const char *path, const struct fs_entry *e, eb_err *err)
{
    const uint8_t ixf = 0xFF & ~(SPIFFS_F_USED | SPIFFS_F_FINAL | SPIFFS_F_INDEX);
    const uint8_t dataf = 0xFF & ~(SPIFFS_F_USED | SPIFFS_F_FINAL);
    uint16_t id = b->next_id++, ixid = id | SPIFFS_ID_IX_FLAG;
    uint32_t nd = e->dir ? 0 : data_pages(e->size), nix = index_pages(nd);
    uint16_t *where = malloc((nd + 1) * sizeof *where);
    if (!where)
        return eb_fail(err, EB_IO, "out of memory building SPIFFS");
    uint8_t *hdr = page_at(b, take_page(b, ixid), ixid, 0, ixf);
    write_header(hdr, path, e->dir, e->size, e->mtime);
    for (uint32_t s = 0; s < nd; s++) {
        where[s] = (uint16_t)take_page(b, id);
        uint8_t *pg = page_at(b, where[s], id, (uint16_t)s, dataf);
        size_t off = (size_t)s * SPIFFS_DATA_LEN, len = e->size - off;
        memcpy(pg + SPIFFS_PH_LEN, e->data + off, len < SPIFFS_DATA_LEN ? len : SPIFFS_DATA_LEN);
    }
    for (uint32_t s = 0; s < nd && s < SPIFFS_HDR_ENTRIES; s++)
        wr_le16(hdr + SPIFFS_IXH_LEN + 2 * s, where[s]);
    for (uint32_t k = 1; k < nix; k++) {
        uint8_t *ipg = page_at(b, take_page(b, ixid), ixid, (uint16_t)k, ixf);
        for (uint32_t j = 0; j < SPIFFS_IX_ENTRIES; j++) {
            uint32_t s = SPIFFS_HDR_ENTRIES + (k - 1) * SPIFFS_IX_ENTRIES + j;
            if (s < nd)
                wr_le16(ipg + SPIFFS_IX_LEN + 2 * j, where[s]);
        }
    }
    free(where);
    return 0;
}

static void format_blocks(struct sbuild *b)
{
    for (uint32_t bix = 0; bix < b->blocks; bix++) {
        uint8_t *lu = b->img + (size_t)bix * SPIFFS_BLOCK;
        wr_le16(lu + SPIFFS_MAGIC_AT, spiffs_magic(b->blocks, bix));
        wr_le16(lu + SPIFFS_MAGIC_AT + 2, (uint16_t)(bix & 0x7FFF)); /* erase count: format erases in order */
    }
}

/* Pages the folder's contents take; -1 when a path is too long for SPIFFS. */
static int64_t pages_needed(const struct sbuild *b, const struct fs_node *dir, size_t prefix, eb_err *err)
{
    int64_t n = 0;
    for (size_t i = 0; i < dir->nkids; i++) {
        const struct fs_node *k = &dir->kids[i];
        size_t len = prefix + 1 + strlen(k->name); /* "/a/b" */
        if (len > SPIFFS_NAME_LEN - 1)
            return eb_fail(err, EB_USAGE,
                           "%s: SPIFFS names (the whole path) are at most %u bytes here; this one "
                           "is %zu",
                           k->name, SPIFFS_NAME_LEN - 1, len);
        uint32_t nd = k->dir ? 0 : data_pages(fs_entry_of(b->t, k)->size);
        int64_t sub = k->dir ? pages_needed(b, k, len, err) : 0;
        if (sub < 0)
            return -1;
        n += nd + index_pages(nd) + sub;
    }
    return n;
}

/* Objects in tree order: each folder before what it holds. */
static int write_tree(struct sbuild *b, const struct fs_node *dir, const char *prefix, eb_err *err)
{
    for (size_t i = 0; i < dir->nkids; i++) {
        const struct fs_node *k = &dir->kids[i];
        char path[SPIFFS_NAME_LEN + 1];
        if (snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "/" : "", k->name) >= (int)sizeof path)
            return eb_fail(err, EB_USAGE, "%s: path too long for SPIFFS", k->name);
        struct fs_entry e = *fs_entry_of(b->t, k);
        e.dir = k->dir; /* a folder implied by its contents gets an object too */
        if (write_object(b, path, &e, err) || (k->dir && write_tree(b, k, path, err)))
            return -1;
    }
    return 0;
}

int spiffs_build(const struct fs_tree *t, const struct fs_node *root, const struct fs_build_opts *o,
                 uint8_t *img, struct fs_build_result *res, eb_err *err)
{
    struct sbuild b = { .img = img, .blocks = (uint32_t)(o->size / SPIFFS_BLOCK), .next_id = 1, .t = t };
    if (b.blocks < 3 || b.blocks * SPIFFS_PPB > 0x10000)
        return eb_fail(err, EB_USAGE, "a SPIFFS partition has 3 to 4096 blocks of 4 KB, not %u", b.blocks);
    int64_t need = pages_needed(&b, root, 0, err);
    uint64_t have = (uint64_t)(b.blocks - 2) * SPIFFS_LU_ENTRIES;
    if (need < 0)
        return -1;
    if ((uint64_t)need > have)
        return fs_no_room(err, "SPIFFS pages", (uint64_t)need * SPIFFS_PAGE, have * SPIFFS_PAGE);
    if (t->n >= 0x7FFE)
        return eb_fail(err, EB_USAGE, "SPIFFS counts at most 32766 files and folders");
    format_blocks(&b);
    if (write_tree(&b, root, "", err))
        return -1;
    res->free_bytes =
        (have + 1 - (uint64_t)need) * SPIFFS_DATA_LEN; /* as SPIFFS_info counts: one spare page */
    return 0;
}
