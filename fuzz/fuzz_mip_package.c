/* fuzz_mip_package.c - mip's package documents (from the network) on
 * arbitrary bytes: every accepted file path must stay inside the target
 * (relative, no ".." part) and every hash must be hex. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpy/mip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mpy_mip_package p;
    eb_err err = { 0 };
    if (mpy_mip_parse_package((const char *)data, size, &p, &err))
        return 0;
    for (size_t i = 0; i < p.nfiles; i++) {
        const char *path = p.files[i].path;
        if (path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 || strstr(path, "/../"))
            abort();
        if (!p.files[i].is_url && strspn(p.files[i].source, "0123456789abcdef") != strlen(p.files[i].source))
            abort();
    }
    for (size_t i = 0; i < p.ndeps; i++)
        if (!p.deps[i].name[0])
            abort();
    mpy_mip_package_free(&p);
    return 0;
}
