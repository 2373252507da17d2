/* elf_syms.c - reading the symbol table of a 32-bit little-endian ELF
 * file (section headers, SHT_SYMTAB and its linked string table). Every
 * offset and size read from the file is checked against its length. */
#include "boot/elf_syms.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

enum {
    EHDR_LEN = 52,
    SHDR_LEN = 40,
    SYM_LEN = 16,
    SHT_SYMTAB = 2,
    SHT_DYNSYM = 11,
    STT_NOTYPE = 0,
    STT_FUNC = 2,
    SHN_UNDEF = 0,
    SHN_LORESERVE = 0xff00,
};

struct section {
    uint32_t type, offset, size, link, entsize;
};

static int read_section(const uint8_t *data, size_t len, uint32_t shoff, uint16_t shentsize, unsigned i,
                        struct section *out)
{
    size_t at = (size_t)shoff + (size_t)i * shentsize;
    if (!in_bounds(len, at, SHDR_LEN))
        return -1;
    const uint8_t *h = data + at;
    out->type = rd_le32(h + 4);
    out->offset = rd_le32(h + 16);
    out->size = rd_le32(h + 20);
    out->link = rd_le32(h + 24);
    out->entsize = rd_le32(h + 36);
    return in_bounds(len, out->offset, out->size) ? 0 : -1;
}

/* Functions, and untyped code labels (assembly), name the PCs we look up. */
static bool wanted(const uint8_t *sym, const char *strtab, uint32_t strsize)
{
    uint8_t type = sym[12] & 0xF;
    uint16_t shndx = rd_le16(sym + 14);
    uint32_t name = rd_le32(sym);
    if ((type != STT_FUNC && type != STT_NOTYPE) || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE)
        return false;
    if (name == 0 || name >= strsize || rd_le32(sym + 4) == 0)
        return false;
    if (!memchr(strtab + name, '\0', strsize - name))
        return false; /* name runs off the table */
    const char *s = strtab + name;
    return type == STT_FUNC || (s[0] != '$' && s[0] != '.');
}

static int by_addr(const void *a, const void *b)
{
    const struct elf_sym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int collect(const uint8_t *data, const struct section *symtab, const struct section *strs,
                   struct elf_syms *out, eb_err *err)
{
    size_t count = symtab->size / SYM_LEN;
    out->names = malloc(strs->size + 1u);
    out->v = calloc(count ? count : 1, sizeof *out->v);
    if (!out->names || !out->v) {
        elf_syms_free(out);
        return eb_fail(err, EB_IO, "out of memory reading the ELF symbol table");
    }
    memcpy(out->names, data + strs->offset, strs->size);
    out->names[strs->size] = '\0';
    for (size_t i = 0; i < count; i++) {
        const uint8_t *sym = data + symtab->offset + i * SYM_LEN;
        if (!wanted(sym, out->names, strs->size))
            continue;
        struct elf_sym *e = &out->v[out->n++];
        e->addr = rd_le32(sym + 4);
        e->size = rd_le32(sym + 8);
        e->name = out->names + rd_le32(sym);
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, by_addr);
    return 0;
}

int elf_syms_load(const uint8_t *data, size_t len, struct elf_syms *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    if (len < EHDR_LEN || memcmp(data,
                                 "\x7f"
                                 "ELF",
                                 4) != 0)
        return eb_fail(err, EB_PROBLEM, "not an ELF file; give the application's .elf from the build folder");
    if (data[4] != 1 || data[5] != 1)
        return eb_fail(err, EB_PROBLEM, "not a 32-bit little-endian ELF file, so not an ESP32 application");
    uint32_t shoff = rd_le32(data + 32);
    uint16_t shentsize = rd_le16(data + 46), shnum = rd_le16(data + 48);
    if (shentsize < SHDR_LEN || shnum == 0)
        return eb_fail(err, EB_PROBLEM, "the ELF file has no section headers; use the unstripped .elf");
    for (unsigned i = 0; i < shnum; i++) {
        struct section sec, strs;
        if (read_section(data, len, shoff, shentsize, i, &sec))
            return eb_fail(err, EB_PROBLEM, "the ELF file is truncated or corrupt (section %u)", i);
        if (sec.type != SHT_SYMTAB && sec.type != SHT_DYNSYM)
            continue;
        if (sec.entsize != SYM_LEN || sec.link >= shnum ||
            read_section(data, len, shoff, shentsize, sec.link, &strs))
            return eb_fail(err, EB_PROBLEM, "the ELF symbol table is corrupt");
        return collect(data, &sec, &strs, out, err);
    }
    return eb_fail(err, EB_PROBLEM,
                   "the ELF file has no symbol table (stripped?); use the .elf from the build folder");
}

const struct elf_sym *elf_syms_find(const struct elf_syms *s, uint32_t addr, uint32_t *offset)
{
    size_t lo = 0, hi = s->n; /* first symbol with addr > target */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) { /* prefer a sized symbol that covers addr */
        const struct elf_sym *e = &s->v[i];
        if (e->addr != s->v[lo - 1].addr)
            break;
        if (e->size == 0 || addr - e->addr < e->size) {
            if (offset)
                *offset = addr - e->addr;
            return e;
        }
    }
    return NULL;
}

void elf_syms_free(struct elf_syms *s)
{
    free(s->v);
    free(s->names);
    memset(s, 0, sizeof *s);
}
