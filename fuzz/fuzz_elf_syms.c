/* fuzz_elf_syms.c - the ELF symbol reader on arbitrary bytes: it must
 * fail cleanly or give sorted symbols whose names lie in its own copy of
 * the string table. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf_syms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_syms s;
    if (elf_syms_load(data, size, &s, NULL) != 0)
        return 0;
    for (size_t i = 0; i < s.n; i++) {
        if (i > 0 && s.v[i - 1].addr > s.v[i].addr)
            abort();
        (void)strlen(s.v[i].name);
        uint32_t off;
        const struct elf_sym *f = elf_syms_find(&s, s.v[i].addr, &off);
        if (!f || f->addr != s.v[i].addr || off != 0)
            abort();
    }
    elf_syms_find(&s, 0x400d2044, NULL);
    elf_syms_free(&s);
    return 0;
}
