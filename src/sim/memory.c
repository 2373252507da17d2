/* memory.c - sparse RAM over the chip table's RAM regions (memory.h). */
#include "sim/memory.h"

#include <stdlib.h>
#include <string.h>

static bool kind_is_ram(enum mem_kind k)
{
    return k == MEM_DRAM || k == MEM_IRAM || k == MEM_CACHE || k == MEM_RTC_FAST || k == MEM_RTC_SLOW;
}

void sim_ram_init(struct sim_ram *m, const struct chip *chip)
{
    memset(m, 0, sizeof *m);
    m->chip = chip;
}

void sim_ram_clear(struct sim_ram *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->pages[i]);
    free(m->pages);
    m->pages = NULL;
    m->n = m->cap = 0;
}

const struct mem_region *sim_ram_region(const struct sim_ram *m, uint32_t addr, uint32_t len)
{
    const struct mem_region *r = chip_region(m->chip, addr);
    if (!r || !kind_is_ram(r->kind) || len > r->end - addr)
        return NULL;
    return r;
}

/* Index of the first page whose base is >= base. */
static size_t page_index(const struct sim_ram *m, uint32_t base)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->pages[mid]->base < base)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct sim_ram_page *page_find(const struct sim_ram *m, uint32_t base)
{
    size_t i = page_index(m, base);
    return i < m->n && m->pages[i]->base == base ? m->pages[i] : NULL;
}

static struct sim_ram_page *page_get(struct sim_ram *m, uint32_t base)
{
    size_t i = page_index(m, base);
    if (i < m->n && m->pages[i]->base == base)
        return m->pages[i];
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        struct sim_ram_page **p = realloc(m->pages, cap * sizeof *p);
        if (!p)
            return NULL;
        m->pages = p;
        m->cap = cap;
    }
    struct sim_ram_page *pg = calloc(1, sizeof *pg);
    if (!pg)
        return NULL;
    pg->base = base;
    memmove(m->pages + i + 1, m->pages + i, (m->n - i) * sizeof *m->pages);
    m->pages[i] = pg;
    m->n++;
    return pg;
}

bool sim_ram_write(struct sim_ram *m, uint32_t addr, const uint8_t *p, uint32_t len)
{
    if (!sim_ram_region(m, addr, len))
        return false;
    while (len) {
        uint32_t base = addr & ~(SIM_RAM_PAGE - 1), off = addr - base;
        uint32_t n = SIM_RAM_PAGE - off < len ? SIM_RAM_PAGE - off : len;
        struct sim_ram_page *pg = page_get(m, base);
        if (!pg)
            return false;
        memcpy(pg->bytes + off, p, n);
        addr += n, p += n, len -= n;
    }
    return true;
}

bool sim_ram_read(const struct sim_ram *m, uint32_t addr, uint8_t *out, uint32_t len)
{
    if (!sim_ram_region(m, addr, len))
        return false;
    while (len) {
        uint32_t base = addr & ~(SIM_RAM_PAGE - 1), off = addr - base;
        uint32_t n = SIM_RAM_PAGE - off < len ? SIM_RAM_PAGE - off : len;
        const struct sim_ram_page *pg = page_find(m, base);
        if (pg)
            memcpy(out, pg->bytes + off, n);
        else
            memset(out, 0, n);
        addr += n, out += n, len -= n;
    }
    return true;
}
