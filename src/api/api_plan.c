/* api_plan.c - the public API's flash plans, over src/plan. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "image/role.h"

int eb_plan_build(int nsources, const char *const *sources, const eb_plan_opts *opts, eb_plan **out,
                  eb_err *err)
{
    if (api_need(out, "out", err) || api_need(sources, "sources", err))
        return -1;
    *out = NULL;
    if (nsources <= 0)
        return eb_fail(err, EB_USAGE, "no sources: give a folder, a manifest or ADDR FILE pairs");
    struct plan_opts po = { 0 };
    if (opts && opts->chip && !(po.chip = chip_by_name(opts->chip)))
        return eb_fail(err, EB_USAGE, "unknown chip '%s': use a name like esp32, esp32s3 or esp32c3",
                       opts->chip);
    po.flash_size = opts ? opts->flash_size : 0;
    po.force = opts && opts->force;
    char **src =
        calloc((size_t)nsources, sizeof *src); /* plan_build takes them writable; it does not write */
    eb_plan *p = calloc(1, sizeof *p);
    if (!src || !p) {
        free(src);
        free(p);
        return eb_fail(err, EB_IO, "out of memory");
    }
    for (int i = 0; i < nsources; i++)
        src[i] = (char *)sources[i];
    int rc = plan_build(nsources, src, &po, &p->p, err);
    free(src);
    if (rc) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void eb_plan_free(eb_plan *p)
{
    if (p)
        plan_free(&p->p);
    free(p);
}

const char *eb_plan_chip(const eb_plan *p)
{
    return p && p->p.chip ? p->p.chip->name : "";
}

const char *eb_plan_source_kind(const eb_plan *p)
{
    return p ? p->p.source_kind : "";
}

int eb_plan_refused(const eb_plan *p)
{
    return p && p->p.refused;
}

unsigned eb_plan_region_count(const eb_plan *p)
{
    return p ? p->p.nregions : 0;
}

int eb_plan_get_region(const eb_plan *p, unsigned i, eb_plan_region *out, eb_err *err)
{
    if (api_need(p, "the plan", err) || api_need(out, "out", err))
        return -1;
    if (i >= p->p.nregions)
        return eb_fail(err, EB_USAGE, "region %u does not exist: the plan has %u", i, p->p.nregions);
    const struct plan_region *r = &p->p.regions[i];
    *out = (eb_plan_region){ r->addr,      r->data.len,   r->path, role_name(r->id->role),
                             r->partition, r->id->summary };
    return 0;
}

unsigned eb_plan_finding_count(const eb_plan *p)
{
    return p ? p->p.nfindings : 0;
}

int eb_plan_get_finding(const eb_plan *p, unsigned i, eb_finding *out, eb_err *err)
{
    static const enum eb_level levels[] = { EB_LEVEL_INFO, EB_LEVEL_WARNING, EB_LEVEL_ERROR };
    if (api_need(p, "the plan", err) || api_need(out, "out", err))
        return -1;
    if (i >= p->p.nfindings)
        return eb_fail(err, EB_USAGE, "finding %u does not exist: the plan has %u", i, p->p.nfindings);
    const struct finding *f = &p->p.findings[i];
    *out = (eb_finding){ levels[f->level], finding_level_name(f->level), f->code, f->text,
                         f->level == FIND_ERROR ? f->effect : "" };
    return 0;
}

char *eb_plan_esptool_command(const eb_plan *p, const char *port, uint32_t baud)
{
    bytes cmd = { 0 };
    if (!p || plan_esptool_command(&p->p, &(struct esptool_args){ .port = port, .baud = baud }, &cmd) ||
        bytes_append_byte(&cmd, 0)) {
        bytes_free(&cmd);
        return NULL;
    }
    return (char *)cmd.data; /* bytes_free would free() it: the caller does, through eb_free */
}
