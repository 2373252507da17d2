/* fuzz_identify.c - fw_identify (and through it esp_image_parse, the
 * partition table parsers, the merged-image walk and every detector) on
 * arbitrary bytes: it must never crash or read outside the input, and
 * always return a role, a summary and where the file goes (fw_where). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/identify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fw_ident id;
    fw_identify(data, size, &id);
    if ((unsigned)id.role >= ROLE_COUNT || id.summary[0] == '\0' ||
        memchr(id.summary, '\0', sizeof id.summary) == NULL || id.nparts > FW_MAX_PARTS)
        abort();
    char where[FW_WHERE_LEN];
    fw_where(&id, where, sizeof where);
    if (where[0] == '\0')
        abort();
    struct esp_image img;
    if (esp_image_parse(data, size, &img, NULL) == 0 && img.image_len > size)
        abort();
    return 0;
}
