/* api_bootlog.c - the public API's boot-log analyzer, over src/boot. */
#include <stdlib.h>

#include "api/api.h"

int eb_bootlog_new(const char *chip, eb_bootlog **out, eb_err *err)
{
    if (api_need(out, "out", err))
        return -1;
    *out = NULL;
    struct bootlog_opts o = { 0 };
    if (chip && !(o.chip = chip_by_name(chip)))
        return eb_fail(err, EB_USAGE, "unknown chip '%s': use a name like esp32, esp32s3 or esp32c3, or NULL",
                       chip);
    eb_bootlog *b = calloc(1, sizeof *b);
    if (!b || !(b->bl = bootlog_new(&o))) {
        free(b);
        return eb_fail(err, EB_IO, "out of memory");
    }
    *out = b;
    return 0;
}

void eb_bootlog_feed(eb_bootlog *b, const char *data, size_t n, double t_seconds)
{
    if (b && data)
        bootlog_feed(b->bl, data, n, t_seconds);
}

void eb_bootlog_finish(eb_bootlog *b)
{
    if (b)
        bootlog_finish(b->bl);
}

int eb_bootlog_failed(const eb_bootlog *b)
{
    return b && bootlog_failed(b->bl);
}

unsigned eb_bootlog_count(const eb_bootlog *b)
{
    return b ? bootlog_count(b->bl) : 0;
}

int eb_bootlog_get_finding(const eb_bootlog *b, unsigned i, eb_boot_finding *out, eb_err *err)
{
    static const enum eb_boot_level levels[] = { EB_BOOT_INFO, EB_BOOT_WARN, EB_BOOT_FAIL };
    if (api_need(b, "the boot log", err) || api_need(out, "out", err))
        return -1;
    if (i >= bootlog_count(b->bl))
        return eb_fail(err, EB_USAGE, "finding %u does not exist: the log has %u", i, bootlog_count(b->bl));
    const struct bootlog_finding *f = bootlog_finding(b->bl, i);
    *out = (eb_boot_finding){
        levels[f->level], bootlog_level_name(f->level), f->code, f->what, f->why, f->fix, f->line, f->count
    };
    return 0;
}

void eb_bootlog_free(eb_bootlog *b)
{
    if (b)
        bootlog_free(b->bl);
    free(b);
}
