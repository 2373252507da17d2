/* api_flash.c - the public API's flash, verify, read and erase, over
 * src/device. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "device/device_flash.h"
#include "device/device_ops.h"

/* The caller's callbacks, behind the library's. */
struct relay {
    eb_event_fn event;
    eb_progress_fn progress;
    void *ctx;
};

static void relay_event(void *ctx, const struct device_event *ev)
{
    static const enum eb_event_kind kinds[] = { EB_EVENT_UP_TO_DATE, EB_EVENT_WRITTEN, EB_EVENT_ERASING,
                                                EB_EVENT_NOTE };
    const struct relay *r = ctx;
    eb_event e = { kinds[ev->kind], ev->region, ev->addr, ev->text };
    r->event(r->ctx, &e);
}

static void relay_progress(void *ctx, unsigned region, size_t done, size_t total)
{
    const struct relay *r = ctx;
    r->progress(r->ctx, region, done, total);
}

static struct device_header_opts header_opts(const eb_header_opts *h)
{
    struct device_header_opts o = { 0 };
    if (h)
        o = (struct device_header_opts){ h->flash_mode, h->flash_freq, h->flash_size };
    return o;
}

static void fill_result(const struct device_flash_result *r, eb_flash_result *res)
{
    static const enum eb_region_state states[] = { EB_REGION_PENDING, EB_REGION_UP_TO_DATE, EB_REGION_WRITTEN,
                                                   EB_REGION_FAILED };
    res->regions = calloc(r->nregions ? r->nregions : 1, sizeof *res->regions);
    res->nregions = res->regions ? r->nregions : 0;
    for (unsigned i = 0; i < res->nregions; i++) {
        const struct device_region *g = &r->regions[i];
        const struct device_region_result *s = &r->res[i];
        res->regions[i] =
            (eb_region_result){ g->addr,           g->len,     g->path, g->role, states[s->state],
                                g->header_patched, s->written, s->wire };
    }
    res->written = r->written;
    res->wire_bytes = r->wire_bytes;
    res->seconds = r->ms / 1000.0;
}

int eb_flash(eb_device *d, const eb_plan *p, const eb_flash_opts *opts, eb_flash_result *res, eb_err *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (api_need(d, "the device", err) || api_need(p, "the plan", err))
        return -1;
    eb_flash_opts none = { 0 };
    const eb_flash_opts *o = opts ? opts : &none;
    struct relay relay = { o->event, o->progress, o->ctx };
    struct device_flash_opts fo = {
        .hdr = header_opts(&o->header),
        .no_skip = o->no_skip,
        .erase_all = o->erase_all,
        .erase_otadata = o->erase_otadata,
        .force = o->force,
        .progress = o->progress ? relay_progress : NULL,
        .event = o->event ? relay_event : NULL,
        .ctx = &relay,
        .cancel = o->cancel,
    };
    struct device_flash_result r;
    int rc = device_flash(&d->d, &p->p, &fo, &r, err);
    if (res)
        fill_result(&r, res);
    device_flash_result_free(&r);
    return rc;
}

const char *eb_region_state_name(enum eb_region_state state)
{
    static const enum device_region_state map[] = { DEVICE_REGION_PENDING, DEVICE_REGION_UP_TO_DATE,
                                                    DEVICE_REGION_WRITTEN, DEVICE_REGION_FAILED };
    return (unsigned)state <= EB_REGION_FAILED ? device_region_state_name(map[state]) : "unknown";
}

void eb_flash_result_free(eb_flash_result *res)
{
    if (!res)
        return;
    free(res->regions);
    memset(res, 0, sizeof *res);
}

int eb_verify(eb_device *d, const eb_plan *p, const eb_header_opts *header, eb_verify_region **out,
              unsigned *n, unsigned *ndiff, eb_err *err)
{
    if (api_need(d, "the device", err) || api_need(p, "the plan", err) || api_need(out, "out", err) ||
        api_need(n, "n", err) || api_need(ndiff, "ndiff", err))
        return -1;
    struct device_header_opts h = header_opts(header);
    struct device_verify_region *v;
    if (device_verify(&d->d, &p->p, &h, &v, n, ndiff, NULL, NULL, err))
        return -1;
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) {
        free(v);
        return eb_fail(err, EB_IO, "out of memory");
    }
    for (unsigned i = 0; i < *n; i++)
        (*out)[i] = (eb_verify_region){ v[i].addr, v[i].size, v[i].path, v[i].matches };
    free(v);
    return 0;
}

/* loader progress (done, total) as the API's (region 0). */
static void relay_read_progress(void *ctx, size_t done, size_t total)
{
    const struct relay *r = ctx;
    r->progress(r->ctx, 0, done, total);
}

int eb_read_flash(eb_device *d, uint32_t addr, uint32_t size, void *buf, eb_progress_fn progress, void *ctx,
                  eb_err *err)
{
    if (api_need(d, "the device", err) || api_need(buf, "buf", err))
        return -1;
    if (size == 0)
        return eb_fail(err, EB_USAGE, "size is 0: give the number of bytes to read");
    struct relay relay = { NULL, progress, ctx };
    bytes data = { 0 };
    int rc = device_read(&d->d, addr, size, &data, progress ? relay_read_progress : NULL, &relay, err);
    if (rc == 0)
        memcpy(buf, data.data, size);
    bytes_free(&data);
    return rc;
}

int eb_erase(eb_device *d, uint32_t addr, uint32_t size, eb_err *err)
{
    if (api_need(d, "the device", err))
        return -1;
    return device_erase(&d->d, addr, size, NULL, NULL, err);
}
