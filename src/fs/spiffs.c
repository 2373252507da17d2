/* spiffs.c - SPIFFS reader (LoBo's configuration, spiffs_disk.h): the
 * lookup page of every block, then the object index pages it names; files
 * read through their index tables. Paths are the objects' names; folders
 * are LoBo's directory objects, and the folders a path implies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "fs/fs_internal.h"
#include "fs/spiffs_disk.h"

#define MAX_OBJECTS 0x8000 /* ids are 15 bits */

struct object {
    uint16_t id;
    uint16_t hdr; /* page of the index header, 0 when none seen */
    uint16_t *ix; /* pages of index spans 1.. (0: unseen) */
    uint32_t nix;
};

struct spiffs_priv {
    uint32_t blocks, pages;
    struct object *obj; /* by id (without the index flag) */
    uint8_t page[SPIFFS_PAGE];
    uint32_t used_pages;
    uint32_t max_id; /* highest object id seen */
};

static int read_page(struct fs_vol *v, uint32_t pix, uint8_t *buf, eb_err *err)
{
    return fs_dev_read(v, (uint64_t)pix * SPIFFS_PAGE, buf, SPIFFS_PAGE, err);
}

static bool valid_flags(uint8_t f, bool index)
{
    bool used_final = !(f & SPIFFS_F_USED) && !(f & SPIFFS_F_FINAL) && (f & SPIFFS_F_DELET);
    return used_final && (index ? !(f & SPIFFS_F_INDEX) && (f & SPIFFS_F_IXDELE) : (f & SPIFFS_F_INDEX));
}

/* Record index page pix of object id at span `span`. */
static int note_index(struct spiffs_priv *p, uint16_t id, uint16_t span, uint32_t pix)
{
    struct object *o = &p->obj[id];
    o->id = id;
    p->max_id = id > p->max_id ? id : p->max_id;
    if (span == 0) {
        o->hdr = (uint16_t)pix;
        return 0;
    }
    if (span > o->nix) {
        uint16_t *ix = realloc(o->ix, (size_t)span * sizeof *ix);
        if (!ix)
            return -1;
        memset(ix + o->nix, 0, (span - o->nix) * sizeof *ix);
        o->ix = ix, o->nix = span;
    }
    o->ix[span - 1] = (uint16_t)pix;
    return 0;
}

/* One block: its lookup page says which pages hold what. */
static int scan_block(struct fs_vol *v, uint32_t bix, eb_err *err)
{
    struct spiffs_priv *p = v->priv;
    uint8_t lu[SPIFFS_PAGE], ph[SPIFFS_PH_LEN];
    if (read_page(v, bix * SPIFFS_PPB, lu, err))
        return -1;
    for (uint32_t e = 0; e < SPIFFS_LU_ENTRIES; e++) {
        uint16_t id = rd_le16(lu + 2 * e);
        uint32_t pix = bix * SPIFFS_PPB + SPIFFS_LU_PAGES + e;
        if (id == SPIFFS_ID_FREE || id == SPIFFS_ID_DELETED)
            continue;
        p->used_pages++;
        if (!(id & SPIFFS_ID_IX_FLAG))
            continue;
        if (fs_dev_read(v, (uint64_t)pix * SPIFFS_PAGE, ph, sizeof ph, err))
            return -1;
        if (rd_le16(ph) != id || !valid_flags(ph[4], true))
            continue; /* deleted or unfinished */
        if (note_index(p, id & ~SPIFFS_ID_IX_FLAG, rd_le16(ph + 2), pix))
            return eb_fail(err, EB_IO, "out of memory reading SPIFFS");
    }
    return 0;
}

/* The folder for `path` ("/a/b/c" -> node of "/a/b"), made as needed. */
static struct fs_node *folder_for(struct fs_node *root, const char *path, const char **leaf, eb_err *err)
{
    struct fs_node *n = root;
    while (*path == '/')
        path++;
    for (const char *slash; (slash = strchr(path, '/')) != NULL; path = slash + 1) {
        size_t len = (size_t)(slash - path);
        struct fs_node *k = NULL;
        for (size_t i = 0; i < n->nkids && !k; i++)
            if (strlen(n->kids[i].name) == len && memcmp(n->kids[i].name, path, len) == 0)
                k = &n->kids[i];
        if (!k && !(k = fs_node_add(n, path, len, true, err)))
            return NULL;
        k->dir = true, n = k;
    }
    *leaf = path;
    return n;
}

static int add_object(struct fs_vol *v, const struct object *o, eb_err *err)
{
    struct spiffs_priv *p = v->priv;
    uint8_t *h = p->page;
    if (read_page(v, o->hdr, h, err))
        return -1;
    char name[SPIFFS_NAME_LEN + 1];
    memcpy(name, h + SPIFFS_IXH_NAME, SPIFFS_NAME_LEN);
    name[SPIFFS_NAME_LEN] = 0;
    const uint8_t *meta = h + SPIFFS_IXH_META;
    bool lobo = meta[4] == SPIFFS_TYPE_FILE || meta[4] == SPIFFS_TYPE_DIR;
    bool dir = h[SPIFFS_IXH_TYPE] == SPIFFS_TYPE_DIR || meta[4] == SPIFFS_TYPE_DIR;
    const char *leaf;
    struct fs_node *parent = folder_for(&v->root, name, &leaf, err);
    if (!parent)
        return -1;
    if (!*leaf)
        return 0; /* "/" itself */
    struct fs_node *n = NULL;
    for (size_t i = 0; i < parent->nkids && !n; i++)
        if (strcmp(parent->kids[i].name, leaf) == 0)
            n = &parent->kids[i]; /* a folder implied earlier by a path */
    if (!n && !(n = fs_node_add(parent, leaf, strlen(leaf), dir, err)))
        return -1;
    uint32_t size = rd_le32(h + SPIFFS_IXH_SIZE);
    n->dir = n->dir || dir;
    n->size = dir || size == SPIFFS_UNDEF_LEN ? 0 : size;
    n->mtime = lobo ? (int64_t)(int32_t)rd_le32(meta) : -1;
    n->loc[0] = o->id;
    return 0;
}

/* Page of data span `s` of object o, from its index pages; 0 when unknown. */
static int data_page(struct fs_vol *v, const struct object *o, uint32_t s, uint16_t *pix, eb_err *err)
{
    struct spiffs_priv *p = v->priv;
    uint32_t span = s < SPIFFS_HDR_ENTRIES ? 0 : 1 + (s - SPIFFS_HDR_ENTRIES) / SPIFFS_IX_ENTRIES;
    uint32_t at = s < SPIFFS_HDR_ENTRIES ? SPIFFS_IXH_LEN + 2 * s
                                         : SPIFFS_IX_LEN + 2 * ((s - SPIFFS_HDR_ENTRIES) % SPIFFS_IX_ENTRIES);
    uint16_t ipage = span == 0 ? o->hdr : span <= o->nix ? o->ix[span - 1] : 0;
    *pix = 0;
    if (ipage == 0)
        return 0;
    if (read_page(v, ipage, p->page, err))
        return -1;
    *pix = rd_le16(p->page + at);
    return 0;
}

/* Data page s of object o into d; 0, or -1 with err when missing or damaged. */
static int read_data(struct fs_vol *v, const struct object *o, const char *name, uint32_t s, uint8_t *d,
                     eb_err *err)
{
    struct spiffs_priv *p = v->priv;
    uint16_t pix;
    if (data_page(v, o, s, &pix, err))
        return -1;
    if (pix != 0 && pix < p->pages && read_page(v, pix, d, err))
        return -1;
    if (pix == 0 || pix >= p->pages || rd_le16(d) != o->id || rd_le16(d + 2) != s ||
        !valid_flags(d[4], false))
        return eb_fail(err, EB_PROBLEM,
                       "SPIFFS file %s has no valid page for its bytes from %u; it is damaged", name,
                       s * SPIFFS_DATA_LEN);
    return 0;
}

static int spiffs_read_file(struct fs_vol *v, const struct fs_node *n, bytes *out, eb_err *err)
{
    struct spiffs_priv *p = v->priv;
    const struct object *o = &p->obj[n->loc[0]];
    if (bytes_reserve(out, out->len + n->size + 1))
        return eb_fail(err, EB_IO, "out of memory reading %s", n->name);
    for (uint32_t s = 0; (uint64_t)s * SPIFFS_DATA_LEN < n->size; s++) {
        uint8_t d[SPIFFS_PAGE];
        if (read_data(v, o, n->name, s, d, err))
            return -1;
        uint64_t len = n->size - (uint64_t)s * SPIFFS_DATA_LEN;
        len = len < SPIFFS_DATA_LEN ? len : SPIFFS_DATA_LEN;
        memcpy(out->data + out->len, d + SPIFFS_PH_LEN, len);
        out->len += len;
    }
    return 0;
}

static void free_priv(void *priv)
{
    struct spiffs_priv *p = priv;
    for (uint32_t i = 0; p->obj && i <= p->max_id; i++)
        free(p->obj[i].ix);
    free(p->obj);
    free(p);
}

static int check_magic(struct fs_vol *v, eb_err *err)
{
    struct spiffs_priv *p = v->priv;
    uint8_t lu[SPIFFS_PAGE];
    for (uint32_t b = 0; b < 2 && b < p->blocks; b++) {
        if (read_page(v, b * SPIFFS_PPB, lu, err))
            return -1;
        if (rd_le16(lu + SPIFFS_MAGIC_AT) != spiffs_magic(p->blocks, b))
            return eb_fail(
                err, EB_PROBLEM,
                "block %u has no SPIFFS magic for a %u-block partition (LoBo's configuration: 256-byte "
                "pages, magic with length); check --type and --partition",
                b, p->blocks);
    }
    return 0;
}

int spiffs_open(struct fs_vol *v, eb_err *err)
{
    struct spiffs_priv *p = calloc(1, sizeof *p);
    if (!p)
        return eb_fail(err, EB_IO, "out of memory opening SPIFFS");
    v->priv = p, v->free_priv = free_priv, v->read_file = spiffs_read_file;
    p->blocks = (uint32_t)(v->dev.size / SPIFFS_BLOCK), p->pages = p->blocks * SPIFFS_PPB;
    if (p->blocks < 3 || p->pages > 0x10000)
        return eb_fail(err, EB_PROBLEM, "a SPIFFS partition here has 3 to 4096 blocks of 4 KB, not %u",
                       p->blocks);
    if (check_magic(v, err))
        return -1;
    if (!(p->obj = calloc(MAX_OBJECTS, sizeof *p->obj)))
        return eb_fail(err, EB_IO, "out of memory opening SPIFFS");
    for (uint32_t b = 0; b < p->blocks; b++)
        if (scan_block(v, b, err))
            return -1;
    for (uint32_t id = 1; id <= p->max_id; id++)
        if (p->obj[id].hdr && add_object(v, &p->obj[id], err))
            return -1;
    uint32_t data_pages = (p->blocks - 2) * SPIFFS_LU_ENTRIES + 1; /* as SPIFFS_info counts */
    v->usage = (struct fs_usage){ .total = (uint64_t)data_pages * SPIFFS_DATA_LEN,
                                  .used = (uint64_t)p->used_pages * SPIFFS_DATA_LEN,
                                  .block_size = SPIFFS_PAGE };
    snprintf(v->detail, sizeof v->detail,
             "SPIFFS (LoBo's build: %u blocks of 4096, 256-byte pages, names up to 63)", p->blocks);
    return 0;
}
