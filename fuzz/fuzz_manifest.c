/* fuzz_manifest.c - the manifest and script parsers on arbitrary text:
 * never a crash or a read past the input; what they return is sane
 * (entries within bounds, NUL-terminated strings, no escaping path is
 * reported contained when it starts with '/'). The first byte picks the
 * chip wanted from an esp-web-tools manifest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/manifest.h"

/* Row k of the chip table, or NULL past its end. */
static const struct chip *chip_number(unsigned k)
{
    for (const struct chip *c = chip_table; c->name; c++)
        if (k-- == 0)
            return c;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct manifest m;
    if (size == 0)
        return 0;
    const struct chip *want = chip_number(data[0]);
    eb_err err = { 0 };
    int rc = mf_parse((const char *)data + 1, size - 1, want, &m, &err);
    if (rc == 0) {
        if (m.n == 0 || m.n > MF_MAX_ENTRIES)
            abort();
        for (unsigned i = 0; i < m.n; i++) {
            if (strnlen(m.e[i].path, MF_PATH_MAX) >= MF_PATH_MAX || m.e[i].path[0] == '\0')
                abort();
            if (m.e[i].path[0] == '/' && mf_path_is_contained(m.e[i].path))
                abort();
        }
    } else if (err.msg[0] == '\0' || (err.code != EB_PROBLEM && err.code != EB_USAGE)) {
        abort();
    }
    return 0;
}
