/* device_regions.c - plans turned into the bytes one board gets, and the
 * checks against the board (chip, flash size, security) before anything is
 * written. */
#include "device/device_regions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/esp_image.h"
#include "image/role.h"

#define DEVICE_SECURE_BOOT_LIMIT 0x8000u /* esptool: below this lies the bootloader */

/* The header value for a field: the option, else the plan's, else keep (-1). */
static int header_code(const char *opt, const char *from_plan,
                       int (*code)(const struct device *, const char *), const struct device *d,
                       const char *what, eb_err *err)
{
    const char *v = opt ? opt : (from_plan && *from_plan ? from_plan : "keep");
    if (!strcmp(v, "keep"))
        return -1;
    int c = code(d, v); /* -1 keep (size unknown for detect), -2 invalid */
    if (c < -1)
        return eb_fail(err, EB_USAGE, "--flash-%s '%s' is not valid for %s", what, v, d->l->chip->display) -
               1;
    return c;
}

static int mode_code(const struct device *d, const char *v)
{
    (void)d;
    int c = flash_mode_code(v);
    return c < 0 ? -2 : c;
}

static int freq_code(const struct device *d, const char *v)
{
    int c = chip_freq_code(d->l->chip, v);
    return c < 0 ? -2 : c;
}

static int size_code(const struct device *d, const char *v)
{
    if (!strcmp(v, "detect"))
        return d->flash_size ? flash_size_code(d->flash_size) : -1;
    uint32_t b = flash_size_parse(v);
    return b ? flash_size_code(b) : -2;
}

static int patch_bootloader(struct device_region *r, const struct device_header_opts *h, const struct plan *p,
                            const struct device *d, eb_err *err)
{
    int m = header_code(h->mode, p->flash_mode, mode_code, d, "mode", err);
    int f = header_code(h->freq, p->flash_freq, freq_code, d, "freq", err);
    int s = header_code(h->size, p->flash_size, size_code, d, "size", err);
    if (m < -1 || f < -1 || s < -1)
        return -1;
    if (m < 0 && f < 0 && s < 0)
        return 0;
    if (bytes_append(&r->patched, r->data, r->len))
        return eb_fail(err, EB_IO, "out of memory");
    if (esp_image_patch_header(r->patched.data, r->patched.len, m, s, f, err))
        return eb_wrap(err, "patching the bootloader header");
    r->header_patched = memcmp(r->patched.data, r->data, r->len) != 0;
    r->data = r->patched.data;
    return 0;
}

int device_regions(const struct plan *p, const struct device *d, const struct device_header_opts *h,
                   struct device_region **out, unsigned *n, eb_err *err)
{
    struct device_region *r = calloc(p->nregions ? p->nregions : 1, sizeof *r);
    if (!r)
        return eb_fail(err, EB_IO, "out of memory");
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct plan_region *pr = &p->regions[i];
        r[i].addr = pr->addr;
        r[i].data = pr->data.data;
        r[i].len = pr->data.len;
        r[i].path = pr->path;
        r[i].role = pr->id ? role_name(pr->id->role) : "unknown";
        bool boot = pr->id && pr->id->role == ROLE_BOOTLOADER && pr->addr == d->l->chip->bootloader_offset;
        if (boot && patch_bootloader(&r[i], h, p, d, err)) {
            device_regions_free(r, i + 1);
            return -1;
        }
    }
    *out = r;
    *n = p->nregions;
    return 0;
}

void device_regions_free(struct device_region *r, unsigned n)
{
    for (unsigned i = 0; r && i < n; i++)
        bytes_free(&r[i].patched);
    free(r);
}

int device_check_fit(const struct plan *p, const struct device *d, bool force, eb_err *err)
{
    if (p->chip && p->chip != d->l->chip && !p->chip_assumed && !force)
        return eb_fail(err, EB_PROBLEM,
                       "the firmware is for %s but the board on %s is %s; nothing was written",
                       p->chip->display, d->port_name, d->l->chip->display);
    for (unsigned i = 0; d->flash_size && i < p->nregions; i++)
        if ((uint64_t)p->regions[i].addr + p->regions[i].data.len > d->flash_size)
            return eb_fail(
                err, EB_PROBLEM, "%s ends at 0x%llX, beyond the board's %u MB flash; nothing was written",
                p->regions[i].path, (unsigned long long)p->regions[i].addr + p->regions[i].data.len,
                d->flash_size >> 20);
    if (d->flash_size && p->has_table && pt_end(&p->table) > d->flash_size && !force)
        return eb_fail(err, EB_PROBLEM,
                       "the partition table needs %u MB of flash but the board has %u MB; "
                       "nothing was written (use a table for this flash size)",
                       (pt_end(&p->table) + 0xFFFFF) >> 20, d->flash_size >> 20);
    const struct security_info *s = &d->facts.security;
    if (s->flash_encryption && !force)
        return eb_fail(
            err, EB_PROBLEM,
            "flash encryption is on for the board on %s (FLASH_CRYPT_CNT 0x%02X): "
            "plaintext images written now would leave it unbootable; nothing was written (write "
            "encrypted with `idf.py encrypted-flash` or `esptool.py write_flash --encrypt`, or --force)",
            d->port_name, s->flash_crypt_cnt);
    /* esptool's rule: with secure boot on, nothing below 0x8000 (the bootloader) without --force. */
    for (unsigned i = 0; s->secure_boot && !force && i < p->nregions; i++)
        if (p->regions[i].addr < DEVICE_SECURE_BOOT_LIMIT)
            return eb_fail(
                err, EB_PROBLEM,
                "secure boot %s is on for the board on %s: %s at 0x%X would replace the "
                "bootloader, %s; nothing was written (write only the signed app and partitions, or "
                "--force)",
                s->secure_boot_version == 1 ? "V1" : "V2", d->port_name, p->regions[i].path,
                p->regions[i].addr,
                s->secure_boot_version == 1 ? "which secure boot V1 never allows"
                                            : "which must be signed with the board's key");
    if (s->secure_download)
        return eb_fail(
            err, EB_PROBLEM,
            "the board on %s is in Secure Download Mode: its ROM refuses reads and "
            "MD5 checks, so espburn cannot write and verify it; nothing was written (the mode is a permanent "
            "eFuse: update through the firmware (OTA), or write unverified with `esptool.py --no-stub "
            "write_flash`)",
            d->port_name);
    return 0;
}
