/* fuzz_bootlog.c - the boot-log analyzer on arbitrary bytes, fed in
 * chunks of varying size (as a serial port delivers them), with and
 * without a known chip and arrival times; every finding must stay a
 * terminated string within its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootlog.h"

static void check(const struct bootlog *bl)
{
    for (unsigned i = 0; i < bootlog_count(bl); i++) {
        const struct bootlog_finding *f = bootlog_finding(bl, i);
        if (!memchr(f->what, 0, sizeof f->what) || !memchr(f->why, 0, sizeof f->why) ||
            !memchr(f->fix, 0, sizeof f->fix) || !memchr(f->code, 0, sizeof f->code) || f->count == 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned nchips = 0;
    while (chip_table[nchips].name)
        nchips++;
    struct bootlog_opts o = { .chip =
                                  data[0] % (nchips + 1) ? &chip_table[data[0] % (nchips + 1) - 1] : NULL };
    size_t chunk = data[1] % 64 + 1;
    bool timed = data[1] & 0x80;
    data += 2, size -= 2;
    struct bootlog *bl = bootlog_new(&o);
    if (!bl)
        return 0;
    for (size_t at = 0; at < size; at += chunk)
        bootlog_feed(bl, (const char *)data + at, size - at < chunk ? size - at : chunk,
                     timed ? (double)at / 100.0 : -1);
    bootlog_finish(bl);
    check(bl);
    bootlog_free(bl);
    return 0;
}
