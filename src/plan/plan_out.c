/* plan_out.c - what a plan turns into: the equivalent esptool command
 * line (v5 or v4 spelling) and one merged file (raw with 0xFF gaps, UF2, Intel HEX). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/ihex.h"
#include "image/uf2.h"
#include "plan/plan.h"
#include "plan/plan_internal.h"

static int append_str(bytes *out, const char *s)
{
    return bytes_append(out, s, strlen(s));
}

/* A shell word: quoted with '' when it holds anything but safe characters. */
static int append_word(bytes *out, const char *w)
{
    bool safe = w[0] != '\0';
    for (const char *c = w; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@+=,", *c))
            safe = false;
    if (safe)
        return append_str(out, w);
    int rc = bytes_append_byte(out, '\'');
    for (const char *c = w; *c && !rc; c++)
        rc = *c == '\'' ? append_str(out, "'\\''") : bytes_append_byte(out, (uint8_t)*c);
    return rc ? rc : bytes_append_byte(out, '\'');
}

/* " NAME VALUE" when the value is set. */
static int append_option(bytes *out, const char *name, const char *value)
{
    if (!value[0])
        return 0;
    return append_str(out, " ") | append_str(out, name) | append_str(out, " ") | append_word(out, value);
}

/* How esptool spells its program, command and header options: v5 (kebab
 * case, the `esptool` entry point) and v4 (which v5 accepts with warnings). */
static const struct esptool_spelling {
    const char *program, *write, *mode, *freq, *size;
} esptool_v5 = { "esptool", " write-flash", "--flash-mode", "--flash-freq", "--flash-size" },
  esptool_v4 = { "esptool.py", " write_flash", "--flash_mode", "--flash_freq", "--flash_size" };

int plan_esptool_command(const struct plan *p, const struct esptool_args *a, bytes *out)
{
    const struct esptool_spelling *s = a->v4 ? &esptool_v4 : &esptool_v5;
    char baud[16] = "";
    if (a->baud)
        snprintf(baud, sizeof baud, "%u", a->baud);
    int rc = append_str(out, s->program) | append_option(out, "--chip", (a->chip ? a->chip : p->chip)->name) |
             append_option(out, "-p", a->port ? a->port : "PORT") | append_option(out, "-b", baud) |
             append_str(out, s->write) | append_option(out, s->mode, a->mode ? a->mode : p->flash_mode) |
             append_option(out, s->freq, a->freq ? a->freq : p->flash_freq) |
             append_option(out, s->size, a->size ? a->size : p->flash_size);
    for (unsigned i = 0; i < p->nregions; i++) {
        char addr[16], bin_name[PLAN_PATH_MAX];
        snprintf(addr, sizeof addr, " 0x%x ", p->regions[i].addr);
        plan_converted_name(p->regions[i].path, bin_name, sizeof bin_name);
        if (p->regions[i].built_fs) /* what the fs-from-folder finding's `fs build` writes */
            snprintf(bin_name, sizeof bin_name, "%s.img", p->regions[i].partition);
        bool renamed = p->regions[i].converted || p->regions[i].built_fs;
        rc |= append_str(out, addr) | append_word(out, renamed ? bin_name : p->regions[i].path);
    }
    /* Keep a terminating NUL after the text without counting it. */
    if (!rc && bytes_append_byte(out, '\0') == 0) {
        out->len--;
        return 0;
    }
    return -1;
}

int plan_merge_raw(const struct plan *p, uint32_t base, bytes *out, eb_err *err)
{
    uint64_t end = base;
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct plan_region *r = &p->regions[i];
        if (r->addr < base)
            return eb_fail(err, EB_USAGE,
                           "%s starts at 0x%x, below the merge base 0x%x; use --base 0x%x or lower", r->path,
                           r->addr, base, r->addr);
        if ((uint64_t)r->addr + r->data.len > end)
            end = (uint64_t)r->addr + r->data.len;
    }
    size_t len = (size_t)(end - base);
    if (bytes_reserve(out, out->len + len))
        return eb_fail(err, EB_IO, "out of memory merging %zu bytes", len);
    uint8_t *img = out->data + out->len;
    memset(img, 0xFF, len);
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].data.len)
            memcpy(img + (p->regions[i].addr - base), p->regions[i].data.data, p->regions[i].data.len);
    out->len += len;
    return 0;
}

int plan_merge(const struct plan *p, enum plan_format fmt, uint32_t base, bytes *out, eb_err *err)
{
    if (fmt == PLAN_RAW)
        return plan_merge_raw(p, base, out, err);
    struct flash_chunk *chunks = calloc(p->nregions + 1, sizeof *chunks);
    if (!chunks)
        return eb_fail(err, EB_IO, "out of memory");
    for (unsigned i = 0; i < p->nregions; i++)
        chunks[i] =
            (struct flash_chunk){ p->regions[i].addr, p->regions[i].data.data, p->regions[i].data.len };
    int rc = fmt == PLAN_UF2 ? uf2_encode(chunks, p->nregions, p->chip->uf2_family, out, err)
                             : ihex_encode(chunks, p->nregions, out, err);
    free(chunks);
    return rc;
}
